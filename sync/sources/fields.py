"""The fields each kind of import understands, with their type and limits.

Field names are the column names of the `generic` layout; mapping files and
presets map other layouts onto them. See docs/imports.md.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("customers", "invoices", "payments")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # text | code | date | amount | bool | currency | kind | country | ...
    required: bool = False
    max_length: int | None = None
    help: str = ""


def _fields(*items: Field) -> dict[str, Field]:
    return {item.name: item for item in items}


FIELDS: dict[str, dict[str, Field]] = {
    "customers": _fields(
        Field("customer_id", "code", True, 64, "the ERP's customer number"),
        Field("name", "text", True, 300),
        Field("kind", "kind", help="B2B or B2C (default B2B)"),
        Field("country", "country", help="ISO 3166 two-letter code"),
        Field("timezone", "timezone", help="IANA zone; default from the country"),
        Field("language", "language", help="e.g. nl; default from the country"),
        Field("owner", "text", max_length=320, help="e-mail of the collector"),
        Field("account_manager", "email", max_length=320,
              help="e-mail of the salesperson who owns the relationship"),
        Field("department", "text", max_length=100),
        Field("segment", "text", max_length=64),
        Field("currency", "currency", help="account currency; needed for amounts"),
        Field("credit_limit", "amount"),
        Field("lifetime_value", "amount"),
        Field("contact_name", "text", max_length=200),
        Field("contact_email", "email", max_length=320),
        Field("contact_phone", "text", max_length=32),
        Field("excluded", "bool", help="yes: never chased"),
        Field("address_line1", "text", max_length=200, help="postal address for letters"),
        Field("address_line2", "text", max_length=200),
        Field("postcode", "text", max_length=20),
        Field("city", "text", max_length=100),
        Field("whatsapp_opt_in", "bool",
              help="yes: the contact agreed to WhatsApp messages on contact_phone"),
    ),
    "invoices": _fields(
        Field("invoice_number", "code", True, 64),
        Field("customer_id", "code", True, 64),
        Field("customer_name", "text", max_length=300, help="names a customer created on the fly"),
        Field("country", "country", help="country of a customer created on the fly"),
        Field("segment", "text", max_length=64, help="segment of a customer created on the fly"),
        Field("issue_date", "date", True),
        Field("due_date", "date", True),
        Field("currency", "currency", True),
        Field("amount", "amount", True, help="negative: a credit note"),
        Field("open_amount", "amount", help="default: the amount"),
        Field("disputed", "bool"),
        Field("excluded", "bool"),
        Field("document_ref", "text", max_length=500, help="path or URL of the invoice copy"),
        Field("description", "text"),
        Field("settled_on", "date", help="paid in full on this day"),
        Field("credits_invoice", "code", max_length=64,
              help="a credit note: the invoice it credits"),
    ),
    "payments": _fields(
        Field("reference", "code", True, 128, help="unique per payment"),
        Field("received_on", "date", True),
        Field("amount", "amount", True),
        Field("currency", "currency", True),
        Field("payer_name", "text", max_length=300),
        Field("payer_account", "text", max_length=64, help="IBAN or account number"),
        Field("remittance", "text"),
        Field("structured_reference", "text", max_length=140),
        Field("end_to_end_id", "text", max_length=140),
        Field("customer_id", "code", max_length=64),
    ),
}
