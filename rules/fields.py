"""The field catalogue: every value a condition may test, with its type and meaning.

No field is named `id` or `sid` (the engine hangs on a test of `id`), and the whole
catalogue stays far below the engine's 253 properties per fact."""

from __future__ import annotations

from dataclasses import dataclass

NUMBER, TEXT, BOOL = "number", "text", "yes/no"


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # as written: customer.kind
    type: str
    meaning: str
    choices: tuple[str, ...] = ()

    @property
    def engine_name(self) -> str:
        return self.name.replace(".", "_")


FIELDS: dict[str, Field] = {f.name: f for f in (
    Field("customer.kind", TEXT, "B2B or B2C", ("B2B", "B2C")),
    Field("customer.country", TEXT, "two-letter country code, e.g. DE"),
    Field("customer.segment", TEXT, "the segment given by the ERP"),
    Field("customer.language", TEXT, "language code, e.g. en"),
    Field("customer.owner", TEXT, "the collector's e-mail"),
    Field("customer.department", TEXT, "the customer's department"),
    Field("customer.lifetime_value", NUMBER, "lifetime value in the account currency"),
    Field("customer.credit_limit", NUMBER, "credit limit in the account currency"),
    Field("customer.score", NUMBER, "risk score, 0 (risky) to 100"),
    Field("customer.excluded", BOOL, "the customer is excluded from collection"),
    Field("customer.on_hold", BOOL, "sales to the customer are on hold"),
    Field("customer.legal", BOOL, "the account is with a lawyer"),
    Field("account.currency", TEXT, "currency code, e.g. EUR"),
    Field("account.balance", NUMBER, "everything open, due or not"),
    Field("account.overdue_balance", NUMBER, "overdue and not paused (not disputed or excluded)"),
    Field("account.days_overdue", NUMBER, "days since the oldest overdue, not paused invoice"),
    Field("account.open_invoices", NUMBER, "number of open invoices"),
    Field("account.overdue_invoices", NUMBER, "number of overdue, not paused invoices"),
    Field("account.disputed_invoices", NUMBER, "number of open invoices in dispute"),
    Field("account.over_credit_limit", BOOL, "the balance is above the credit limit"),
    Field("promise.open", BOOL, "a promise to pay is running (not yet due plus grace)"),
    Field("promise.broken", BOOL, "a promise passed its date plus grace unpaid"),
    Field("plan.active", BOOL, "a payment plan is running with no missed instalment"),
    Field("plan.in_review", BOOL, "a proposed payment plan waits for a person's review"),
    Field("plan.missed_instalments", NUMBER, "instalments missed on the running plan"),
    Field("invoice.disputed", BOOL, "an open invoice is in dispute"),
    Field("invoice.excluded", BOOL, "an open invoice is excluded from collection"),
    Field("enforcement.off", BOOL, "collection is switched off for the company"),
    Field("limitation.days_left", NUMBER, "days until the first open claim is time-barred"),
    Field("prediction.p_late", NUMBER, "chance (0 to 1) the next open invoice is paid late"),
    Field("prediction.late_class", TEXT, "its most likely outcome",
          ("on-time", "1-30", "over-30")),
    Field("prediction.expected_days_to_pay", NUMBER,
          "days from today until the open balance is expected paid"),
    # set for the members of a campaign that is not stopped (docs/campaigns.md)
    Field("campaign.name", TEXT, "the campaign the customer is in (its short name)"),
    Field("campaign.days", NUMBER, "days since the customer joined the campaign, paused "
                                   "days left out"),
    Field("campaign.paused", BOOL, "the customer's campaign is paused"),
)}
