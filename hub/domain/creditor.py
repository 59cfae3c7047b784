"""Who is owed: the creditor's identity and bank accounts, as debtors see them in the
portal header, the e-mail sender and signature, the letterhead and the SMS sender id;
and the payment block every message that asks for money carries (account, reference,
EPC QR payload).

Plain data; reading and checking the profile file is hub.creditor's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace

from hub.domain.money import Money
from hub.domain.national_references import national_reference
from hub.domain.references import creditor_reference

REFERENCE_PER = ("invoice", "customer")


@dataclass(frozen=True, slots=True)
class BankAccount:
    """Where money in one currency is paid: IBAN (and BIC), or a UK sort code and
    account number (GBP paid by Faster Payments), or both."""

    currency: str
    iban: str = ""  # compact, upper case
    bic: str = ""
    sort_code: str = ""  # six digits
    account_number: str = ""  # eight digits
    bank_name: str = ""

    @property
    def iban_printed(self) -> str:
        return " ".join(self.iban[i:i + 4] for i in range(0, len(self.iban), 4))

    @property
    def sort_code_printed(self) -> str:
        code = self.sort_code
        return f"{code[:2]}-{code[2:4]}-{code[4:]}" if len(code) == 6 else code


@dataclass(frozen=True, slots=True)
class CreditorProfile:
    legal_name: str
    trading_name: str = ""
    address: tuple[str, ...] = ()  # lines, postcode and city included, country last
    logo: str = ""  # a PNG or JPEG file
    email: str = ""
    phone: str = ""
    vat_number: str = ""
    registration_number: str = ""
    website: str = ""
    accounts: tuple[BankAccount, ...] = ()
    reference_per: str = "invoice"  # invoice | customer
    national_reference: str = ""  # "", be, nl or fi: printed beside the RF reference
    sms_sender_id: str = ""  # alphanumeric, at most 11 characters (Twilio)

    @property
    def name(self) -> str:
        """The name debtors know: the trading name, else the legal name."""
        return self.trading_name or self.legal_name

    def account_for(self, currency: str) -> BankAccount | None:
        return next((account for account in self.accounts if account.currency == currency),
                    None)

    def letterhead(self) -> tuple[str, ...]:
        """The lines of the letterhead: name, legal name when it differs, address,
        contact, VAT and registration numbers."""
        lines = [self.name]
        if self.trading_name and self.trading_name != self.legal_name:
            lines.append(self.legal_name)
        lines.extend(self.address)
        contact = " · ".join(part for part in (self.phone, self.email, self.website) if part)
        if contact:
            lines.append(contact)
        ids = " · ".join(part for part in (
            f"VAT {self.vat_number}" if self.vat_number else "",
            f"Reg. {self.registration_number}" if self.registration_number else "") if part)
        if ids:
            lines.append(ids)
        return tuple(lines)

    def return_address(self) -> str:
        """The sender line printed above a letter's address window: legal name and
        address."""
        return " · ".join((self.legal_name, *self.address))


@dataclass(frozen=True, slots=True)
class PaymentBlock:
    """How to pay what one message asks for."""

    amount: Money | None  # None: several currencies, nothing single to pay
    reference: str  # RF creditor reference
    national_reference: str = ""
    account: BankAccount | None = None
    payee: str = ""
    epc_payload: str = ""  # EUR to an IBAN: the GiroCode text; else ""

    @property
    def has_bank_details(self) -> bool:
        account = self.account
        return account is not None and bool(account.iban or account.account_number)


def reference_for(payload: str) -> str:
    """The printed RF reference (groups of four) for an invoice number or customer code."""
    reference = creditor_reference(payload)
    return " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))


def _national(profile: CreditorProfile, payload: str) -> str:
    if not profile.national_reference:
        return ""
    try:
        return national_reference(profile.national_reference, payload)
    except ValueError:  # a payload with no digits, or too many: the RF reference stands
        return ""


def payment_block(profile: CreditorProfile, *, customer_code: str,
                  invoice_numbers: list[str], amount: Money | None) -> PaymentBlock:
    """What to pay, to which account, with which reference. One invoice in `invoice`
    mode: its own reference; several (or `customer` mode): the customer's reference,
    which the matcher applies to the customer's invoices oldest first."""
    payload = invoice_numbers[0] if profile.reference_per == "invoice" and \
        len(invoice_numbers) == 1 else customer_code
    account = profile.account_for(amount.currency) if amount is not None else None
    reference = reference_for(payload)
    block = PaymentBlock(
        amount=amount, reference=reference, national_reference=_national(profile, payload),
        account=account, payee=profile.legal_name)
    if amount is not None and account is not None and account.iban and \
            amount.currency == "EUR" and amount.amount > 0:
        block = replace(block, epc_payload=epc_payload(
            name=profile.legal_name, iban=account.iban, bic=account.bic, amount=amount,
            reference=reference.replace(" ", "")))
    return block


MAX_EPC_AMOUNT = Money.of("999999999.99", "EUR")


def epc_payload(*, name: str, iban: str, bic: str, amount: Money, reference: str) -> str:
    """EPC069-12 "GiroCode" version 002, UTF-8 (character set 1), SEPA credit transfer:
    BIC optional, EUR amount with two decimals, the structured creditor reference in the
    reference field and no unstructured text (the two are exclusive)."""
    if amount.currency != "EUR" or not Money.zero("EUR") < amount <= MAX_EPC_AMOUNT:
        raise ValueError(f"an EPC QR code pays 0.01 to 999999999.99 EUR, not {amount}")
    lines = ["BCD", "002", "1", "SCT", bic, name[:70], iban, f"EUR{amount.amount:.2f}",
             "", reference[:35], ""]
    return "\n".join(lines).rstrip("\n")
