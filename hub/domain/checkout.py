"""Paying online through a payment provider (Stripe Checkout): what the hub asks the
provider for, what it gets back, and what the provider's signed notifications say.

The provider's own objects never leave its adapter (sync/payments/stripe_checkout.py);
the hub speaks in these plain values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.domain.errors import UserError
from hub.domain.money import Money

METHODS = ("card", "ideal", "bancontact")  # what the hub offers; each must be on in Stripe
IDEAL_CURRENCIES = frozenset({"EUR"})  # iDEAL and Bancontact take euros only
BANCONTACT_CURRENCIES = frozenset({"EUR"})


class CheckoutState(StrEnum):
    OPEN = "open"  # the debtor was sent to the provider; nothing confirmed yet
    PROCESSING = "processing"  # completed, but the money is not confirmed yet (async methods)
    PAID = "paid"  # the provider confirmed the money: recorded and allocated
    FAILED = "failed"  # an asynchronous payment failed
    EXPIRED = "expired"  # the provider closed the session unpaid


class ProviderError(UserError):
    """The provider refused or could not be reached; the message says which, in its words."""


class SignatureRejected(Exception):
    """A notification whose signature does not verify (or is too old): changes nothing."""


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One payment the debtor chose in the portal: `amount` covers `invoices` exactly."""

    checkout_key: str  # the hub's own id, also the provider's idempotency key
    customer_code: str
    customer_name: str
    invoices: tuple[str, ...]
    amount: Money
    methods: tuple[str, ...]
    language: str
    success_url: str  # where the provider sends the debtor back after paying
    cancel_url: str  # ... and after giving up


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    """What the provider made: its id and the page to send the debtor to."""

    session_id: str
    url: str


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """One verified notification, reduced to what the hub acts on."""

    event_id: str
    kind: str  # the provider's event type, e.g. checkout.session.completed
    session_id: str | None
    payment_status: str | None  # paid | unpaid | no_payment_required
    payment_id: str | None  # the provider's payment (PaymentIntent) id
    amount: Money | None  # what the debtor paid, in the session's currency
    checkout_key: str | None  # our metadata, as we sent it
    customer_code: str | None


def methods_for(currency: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The configured methods that can take this currency (iDEAL and Bancontact: EUR)."""
    found = []
    for method in wanted:
        if method == "ideal" and currency not in IDEAL_CURRENCIES:
            continue
        if method == "bancontact" and currency not in BANCONTACT_CURRENCIES:
            continue
        found.append(method)
    return tuple(found)
