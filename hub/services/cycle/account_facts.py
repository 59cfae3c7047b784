"""What the rules see of each account, loaded from the ledger in batches.

Open invoices are net of open credit notes (hub.domain.owed.apply_credits), so a credited
invoice counts for what is left and a balance credited to zero gets no reminder.

A batch of customers costs a fixed handful of set-based queries (customers, open
invoices, credit notes, charges, promises, plans, disputes, steps taken, contacts, legal tasks), so
100k customers with a million invoices take a few hundred queries, not one per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.currency import minor_units
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import InvoiceFacts
from hub.domain.decisions import PlanFacts
from hub.domain.decisions import PromiseFacts
from hub.domain.decisions import StepTaken
from hub.domain.model import DisputeState
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.model import TaskState
from hub.domain.money import Money
from hub.domain.owed import CreditTarget
from hub.domain.owed import OpenCredit
from hub.domain.owed import apply_credits
from hub.domain.prediction import AccountPrediction
from hub.ledger.accounts import ids_in
from hub.ledger.campaigns import live_members
from hub.ledger.experiments import recorded_variants
from hub.ledger.in_lists import chunks
from hub.ledger.lookups import DateReader
from hub.ledger.lookups import driver_rows
from hub.ledger.lookups import key_in
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import campaign_members
from hub.ledger.tables import charges
from hub.ledger.tables import contacts
from hub.ledger.tables import credit_notes
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from hub.ledger.tables import disputes
from hub.ledger.tables import experiment_assignments
from hub.ledger.tables import handovers
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import payments
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import promises
from hub.ledger.tables import sales_holds
from hub.ledger.tables import tasks
from hub.services.handover.cases import handed_over_ids
from hub.services.read.owed import open_credits

BATCH = 2000  # customers per round of queries
OPEN_STATUSES = ("open", "partially_paid")
_CUSTOMER_COLUMNS = (customers.c.id, customers.c.code, customers.c.kind, customers.c.country,
                     customers.c.language, customers.c.timezone, customers.c.currency,
                     customers.c.owner, customers.c.department, customers.c.segment,
                     customers.c.account_manager,
                     customers.c.lifetime_value_minor, customers.c.credit_limit_minor,
                     customers.c.score, customers.c.excluded, customers.c.on_hold)


def load_account_facts(connection: Connection, *, as_of: date,
                       customer_codes: Sequence[str] | None = None, enforcement: bool = True,
                       batch_size: int = BATCH, predictions: bool = False,
                       id_range: tuple[int, int] | None = None) -> Iterator[AccountFacts]:
    """AccountFacts of every customer (or of `customer_codes`, unknown codes skipped; or
    of every customer whose id is in `id_range`, both ends included) on `as_of`, in
    customer-id order. Each batch is read completely before it is yielded, so the caller
    may write (and commit) on the same connection between batches.

    `predictions`: also predict each account's payment (for a rule file that tests
    prediction.* fields); the model, or the baseline, is loaded once."""
    predict = _predictions(connection, as_of) if predictions else None
    for batch in _customer_batches(connection, customer_codes, batch_size, id_range):
        whole_range = customer_codes is None  # every customer between the first and last id
        found = _Batch(connection, batch, as_of, enforcement, whole_range).facts()
        if predict is None:
            yield from found
        else:
            predicted = predict([row.id for row in batch])
            yield from (replace(facts, prediction=predicted.get(row.id))
                        for row, facts in zip(batch, found, strict=True))


def _predictions(connection: Connection, as_of: date
                 ) -> Callable[[list[int]], dict[int, AccountPrediction]]:
    # scikit-learn loads only for a rule file that asks for predictions
    from hub.services.prediction.predictions import load_predictor  # noqa: PLC0415
    from hub.services.prediction.predictions import predict_accounts  # noqa: PLC0415

    predictor = load_predictor(connection)

    def predict(ids: list[int]) -> dict[int, AccountPrediction]:
        return {customer_id: outlook.prediction for customer_id, outlook in
                predict_accounts(connection, ids, as_of, predictor).items()}
    return predict


def _customer_batches(connection: Connection, codes: Sequence[str] | None,
                      size: int, id_range: tuple[int, int] | None = None
                      ) -> Iterator[list[Any]]:
    query = sa.select(*_CUSTOMER_COLUMNS).order_by(customers.c.id)
    if id_range is not None:
        query = query.where(customers.c.id.between(*id_range))
    if codes is None:
        last = 0
        while True:
            rows = connection.execute(query.where(customers.c.id > last).limit(size)).all()
            if not rows:
                return
            last = rows[-1].id
            yield list(rows)
    else:
        found: list[Any] = []
        for part in chunks(sorted(set(codes)), 5000):
            found.extend(connection.execute(query.where(key_in(connection, customers.c.code,
                                                                list(part)))).all())
        found.sort(key=lambda row: row.id)
        for start in range(0, len(found), size):
            yield found[start:start + size]


def _campaign(found: tuple[str, int, bool] | None) -> dict[str, Any]:
    if found is None:
        return {}
    slug, days, paused = found
    return {"campaign": slug, "campaign_days": days, "campaign_paused": paused}


def _money(minor: int | None, currency: str | None) -> Money | None:
    return None if minor is None or currency is None else Money.from_minor(minor, currency)


class _LedgerMoney:
    """Money from the ledger's minor units, a million times per full cycle: the ledger
    only holds valid amounts in known currencies, so the checks of Money's constructor
    run once per currency here, not once per amount (a third of the load time)."""

    def __init__(self) -> None:
        self._exponents: dict[str, int] = {}

    def __call__(self, minor: int, currency: str) -> Money:
        exponent = self._exponents.get(currency)
        if exponent is None:
            Money.from_minor(0, currency)  # refuses an unknown currency, once
            exponent = self._exponents[currency] = -minor_units(currency)
        value = object.__new__(Money)
        object.__setattr__(value, "amount", Decimal(minor).scaleb(exponent))
        object.__setattr__(value, "currency", currency)
        return value


class _Batch:
    """One round of queries for a batch of customers."""

    def __init__(self, connection: Connection, rows: list[Any], as_of: date,
                 enforcement: bool, whole_range: bool) -> None:
        self.connection = connection
        self.rows = rows
        self.as_of = as_of
        self.enforcement = enforcement
        self.ids = [row.id for row in rows]
        # an id range is an index range scan; otherwise the ids go as one parameter
        self._low, self._high = self.ids[0], self.ids[-1]
        self._contiguous = whole_range or self._high - self._low + 1 == len(self.ids)

    def _of(self, column: sa.Column[Any]) -> sa.ColumnElement[bool]:
        if self._contiguous:
            return column.between(self._low, self._high)
        return ids_in(self.connection, column, self.ids)

    def facts(self) -> Iterator[AccountFacts]:
        invoices_by = self._invoices()
        promises_by = self._promises()
        plans_by = self._plans()
        disputes_by = self._count(disputes, disputes.c.state == DisputeState.OPEN)
        legal = set(self._count(tasks, tasks.c.task_type == "legal_handover",
                                tasks.c.state != TaskState.CANCELLED))
        steps_by = self._steps()
        channels_by = self._channels()
        holds_by = self._holds()
        variants_by = recorded_variants(self.connection,
                                        self._of(experiment_assignments.c.customer_id))
        campaign_by = live_members(self.connection, self._of(campaign_members.c.customer_id),
                                   self.as_of)
        handed_over = handed_over_ids(self.connection, self._of(handovers.c.customer_id))
        for row in self.rows:
            invoice_facts = invoices_by.get(row.id, ())
            currency = row.currency or _main_currency(invoice_facts) or "EUR"
            yield AccountFacts(
                customer_code=row.code, kind=row.kind, country=row.country,
                language=row.language, timezone=row.timezone, currency=currency,
                owner=row.owner, department=row.department, segment=row.segment,
                account_manager=row.account_manager,
                lifetime_value=_money(row.lifetime_value_minor, currency),
                credit_limit=_money(row.credit_limit_minor, currency), score=row.score,
                excluded=bool(row.excluded), on_hold=bool(row.on_hold), legal=row.id in legal,
                today=self.as_of, invoices=tuple(invoice_facts),
                promises=tuple(promises_by.get(row.id, ())),
                plans=tuple(plans_by.get(row.id, ())), open_disputes=disputes_by.get(row.id, 0),
                steps_taken=tuple(steps_by.get(row.id, ())),
                channels=channels_by.get(row.id, frozenset()),
                enforcement=self.enforcement, hold_since=holds_by.get(row.id),
                variants=tuple(variants_by.get(row.id, ())),
                handed_over=row.id in handed_over,
                **_campaign(campaign_by.get(row.id)))

    def _holds(self) -> dict[int, date]:
        """The day each active sales hold was placed (a release rule fires once per hold)."""
        found: dict[int, date] = {}
        for customer_id, placed_at in self.connection.execute(
                sa.select(sales_holds.c.customer_id, sales_holds.c.placed_at)
                .where(sales_holds.c.released_at.is_(None), self._of(sales_holds.c.customer_id))):
            placed = placed_at if isinstance(placed_at, datetime) else \
                datetime.fromisoformat(str(placed_at))
            found[customer_id] = placed.date()
        return found

    def _invoices(self) -> dict[int, list[InvoiceFacts]]:
        fees: dict[int, list[str]] = defaultdict(list)
        interest_until: dict[int, date] = {}
        for invoice_id, kind, until in self.connection.execute(
                sa.select(charges.c.invoice_id, charges.c.kind, charges.c.period_to)
                .where(self._of(charges.c.customer_id))):
            if kind != "interest":
                fees[invoice_id].append(kind)
            elif until is not None and (invoice_id not in interest_until
                                        or until > interest_until[invoice_id]):
                interest_until[invoice_id] = until
        found: dict[int, list[InvoiceFacts]] = defaultdict(list)
        as_of = self.as_of
        money = _LedgerMoney()
        query = (sa.select(invoices.c.id, invoices.c.customer_id, invoices.c.number,
                           invoices.c.currency, invoices.c.amount_minor, invoices.c.open_minor,
                           invoices.c.issue_date, invoices.c.due_date, invoices.c.disputed,
                           invoices.c.excluded)
                 # `status || ''`: without it SQLite scans every open invoice through the
                 # status index for each batch instead of the batch's customer range
                 .where(self._of(invoices.c.customer_id),
                        invoices.c.status.concat("").in_(OPEN_STATUSES),
                        invoices.c.open_minor > 0)
                 .order_by(invoices.c.customer_id, invoices.c.due_date, invoices.c.number))
        no_fees: tuple[str, ...] = ()
        day = DateReader()
        dates: dict[Any, date] = {}  # as read, per text: a dict lookup, not a call
        for (invoice_id, customer_id, number, currency, amount_minor, open_minor, issued,
             due_text, disputed, excluded) in driver_rows(self.connection, query):
            charged = fees.get(invoice_id)
            due = dates.get(due_text)
            if due is None:
                due = dates[due_text] = day(due_text)
            issue = dates.get(issued)
            if issue is None:
                issue = dates[issued] = day(issued)
            amount = money(amount_minor, currency)
            overdue = (as_of - due).days
            # positional, in InvoiceFacts' field order (a keyword call costs more, per
            # open invoice); an unpaid invoice shares its amount (Money is immutable)
            found[customer_id].append(InvoiceFacts(
                number, currency, amount,
                amount if open_minor == amount_minor else money(open_minor, currency),
                issue, due, overdue if overdue > 0 else 0, bool(disputed),
                bool(excluded), tuple(sorted(charged)) if charged else no_fees,
                interest_until.get(invoice_id)))
        for customer_id, credits in open_credits(self.connection,
                                                 self._of(credit_notes.c.customer_id)).items():
            if customer_id in found:
                found[customer_id] = _net_of_credits(found[customer_id], credits)
        return found

    def _promises(self) -> dict[int, list[PromiseFacts]]:
        rows = self.connection.execute(
            sa.select(promises).where(self._of(promises.c.customer_id),
                                      sa.or_(promises.c.state == PromiseState.OPEN,
                                             promises.c.closed_on == self.as_of))
            .order_by(promises.c.id)).all()
        if not rows:
            return {}
        received: dict[int, list[Any]] = defaultdict(list)
        for payment in self.connection.execute(
                sa.select(payments.c.customer_id, payments.c.received_on, payments.c.currency,
                          payments.c.amount_minor)
                .where(payments.c.customer_id.in_(sorted({row.customer_id for row in rows})),
                       payments.c.received_on <= self.as_of)):
            received[payment.customer_id].append(payment)
        found: dict[int, list[PromiseFacts]] = defaultdict(list)
        for row in rows:
            paid = sum(p.amount_minor for p in received.get(row.customer_id, ())
                       if p.received_on >= row.promised_on and p.currency == row.currency)
            found[row.customer_id].append(PromiseFacts(
                id=row.id, promised_on=row.promised_on, due_date=row.due_date,
                amount=Money.from_minor(row.amount_minor, row.currency),
                paid_since=Money.from_minor(paid, row.currency),
                state=PromiseState(row.state)))
        return found

    def _plans(self) -> dict[int, list[PlanFacts]]:
        rows = self.connection.execute(
            sa.select(payment_plans.c.id, payment_plans.c.customer_id, payment_plans.c.state)
            .where(self._of(payment_plans.c.customer_id),
                   payment_plans.c.state.in_((PlanState.PROPOSED, PlanState.ACTIVE)))).all()
        if not rows:
            return {}
        schedule: dict[int, list[date]] = defaultdict(list)
        for plan_id, due in self.connection.execute(
                sa.select(plan_instalments.c.plan_id, plan_instalments.c.due_date)
                .where(plan_instalments.c.plan_id.in_([row.id for row in rows]))
                .order_by(plan_instalments.c.due_date)):
            schedule[plan_id].append(due)
        found: dict[int, list[PlanFacts]] = defaultdict(list)
        for row in rows:
            upcoming = [day for day in schedule.get(row.id, []) if day >= self.as_of]
            # 0: before evaluating, the cycle breaks every active plan with an uncovered
            # instalment past its grace (hub.services.accounts.plans.review_plans)
            found[row.customer_id].append(PlanFacts(
                id=row.id, state=PlanState(row.state),
                next_due_date=upcoming[0] if upcoming else None, missed_instalments=0))
        return found

    def _count(self, table: sa.Table, *conditions: sa.ColumnElement[bool]) -> dict[int, int]:
        column = table.c.customer_id
        query = (sa.select(column, sa.func.count()).where(self._of(column), *conditions)
                 .group_by(column))
        return {customer: int(count) for customer, count in self.connection.execute(query)}

    def _steps(self) -> dict[int, list[StepTaken]]:
        found: dict[int, list[StepTaken]] = defaultdict(list)
        query = (sa.select(applied_decisions.c.customer_id, applied_decisions.c.ladder,
                           applied_decisions.c.step, applied_decisions.c.applied_on,
                           applied_decisions.c.anchor_due_date,
                           applied_decisions.c.first_contact)
                 .where(self._of(applied_decisions.c.customer_id),
                        applied_decisions.c.step.is_not(None),
                        applied_decisions.c.paused_by.is_(None))
                 .order_by(applied_decisions.c.customer_id, applied_decisions.c.applied_on))
        for row in self.connection.execute(query):
            found[row.customer_id].append(StepTaken(
                ladder=row.ladder or "", step=row.step, taken_on=row.applied_on,
                anchor_due_date=row.anchor_due_date or row.applied_on,
                first_contact=bool(row.first_contact)))
        return found

    def _channels(self) -> dict[int, frozenset[str]]:
        """What each customer can receive: e-mail and phone from contacts (WhatsApp only
        with an opt-in), letters only with a postal address on file."""
        found: dict[int, set[str]] = defaultdict(set)
        for (customer_id,) in self.connection.execute(
                sa.select(customer_addresses.c.customer_id)
                .where(self._of(customer_addresses.c.customer_id))):
            found[customer_id].add("letter")
        query = (sa.select(contacts.c.customer_id,
                           sa.func.max(sa.case((contacts.c.email.is_not(None), 1), else_=0)),
                           sa.func.max(sa.case((contacts.c.phone.is_not(None), 1), else_=0)),
                           sa.func.max(sa.case((sa.and_(contacts.c.phone.is_not(None),
                                                        contacts.c.whatsapp_opt_in), 1),
                                               else_=0)))
                 .where(self._of(contacts.c.customer_id)).group_by(contacts.c.customer_id))
        for customer_id, has_email, has_phone, whatsapp in self.connection.execute(query):
            channels = found[customer_id]
            if has_email:
                channels.add("email")
            if has_phone:
                channels.update(("sms", "call", "voice"))
            if whatsapp:  # WhatsApp only to a number whose owner opted in
                channels.add("whatsapp")
        return {customer: frozenset(channels) for customer, channels in found.items()}


def _net_of_credits(invoice_facts: list[InvoiceFacts],
                    credits: list[OpenCredit]) -> list[InvoiceFacts]:
    """The invoices with what open credit notes cover taken off their open amount (a
    fully credited invoice is left out): the balance the rules see is what is owed."""
    covered = apply_credits([CreditTarget(i.number, i.open_amount, i.due_date,
                                          chased=not i.disputed and not i.excluded)
                             for i in invoice_facts], credits)
    netted = []
    for invoice in invoice_facts:
        part = covered.get(invoice.number)
        if part is None:
            netted.append(invoice)
        elif part.amount < invoice.open_amount.amount:
            netted.append(replace(invoice, open_amount=invoice.open_amount - part))
    return netted


def _main_currency(invoice_facts: Sequence[InvoiceFacts]) -> str | None:
    totals: dict[str, int] = defaultdict(int)
    for invoice in invoice_facts:
        totals[invoice.currency] += invoice.open_amount.to_minor()
    return max(totals, key=lambda currency: totals[currency]) if totals else None
