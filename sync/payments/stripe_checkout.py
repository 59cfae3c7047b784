"""Stripe Checkout: the one module that imports the `stripe` SDK.

A portal payment becomes a Checkout Session in `payment` mode with one line for the
chosen invoices; Stripe hosts the card / iDEAL / Bancontact page and then notifies the hub
with a signed webhook, which `verify` checks with the SDK's own
`stripe.Webhook.construct_event` (HMAC-SHA256 of the timestamp and body, 5 minutes'
tolerance). `api_url` points the SDK at another base address (tests use a fake Stripe on
127.0.0.1); the client is per instance, so nothing global of the SDK is changed."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe

from hub.domain.checkout import CheckoutRequest
from hub.domain.checkout import CheckoutSession
from hub.domain.checkout import ProviderError
from hub.domain.checkout import ProviderEvent
from hub.domain.checkout import SignatureRejected
from hub.domain.money import Money

log = logging.getLogger(__name__)
LOCALES = {"en": "en", "nl": "nl", "de": "de", "pl": "pl", "es": "es"}  # Stripe's codes
TIMEOUT_SECONDS = 20
HANDLED = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded",
                     "checkout.session.async_payment_failed", "checkout.session.expired"})


class StripeCheckout:
    """Checkout Sessions and webhook verification for one Stripe account."""

    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, *, api_url: str = "",
                 max_retries: int = 2) -> None:
        self._webhook_secret = webhook_secret
        self._client = stripe.StripeClient(
            secret_key, base_addresses={"api": api_url.rstrip("/")} if api_url else None,
            max_network_retries=max_retries,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS))

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"hub_checkout": request.checkout_key, "customer": request.customer_code,
                    "invoices": ",".join(request.invoices)[:500]}
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": request.checkout_key,
            "payment_method_types": list(request.methods),
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": request.amount.currency.lower(),
                    "unit_amount": request.amount.to_minor(),
                    "product_data": {"name": _line_name(request)},
                },
            }],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata,
                                    "description": _line_name(request)[:1000]},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.language in LOCALES:
            params["locale"] = LOCALES[request.language]
        try:
            session = self._client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]  # the SDK's TypedDict, built from plain data
                options={"idempotency_key": f"hub-checkout-{request.checkout_key}"})
        except stripe.AuthenticationError as error:
            raise ProviderError(f"Stripe refused the hub's API key: {error.user_message or error}"
                                ) from None
        except stripe.APIConnectionError:
            raise ProviderError("Stripe could not be reached; no payment was started") from None
        except stripe.StripeError as error:
            raise ProviderError(f"Stripe refused the payment: {error.user_message or error}"
                                ) from None
        if not session.url:
            raise ProviderError(f"Stripe made session {session.id} without a payment page")
        return CheckoutSession(session_id=session.id, url=session.url)

    def verify(self, body: bytes, signature: str) -> ProviderEvent | None:
        try:
            stripe.Webhook.construct_event(body, signature, self._webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise SignatureRejected(str(error)) from None
        except ValueError:
            raise SignatureRejected("the body is not a Stripe event") from None
        event = json.loads(body)  # verified above: the exact bytes Stripe signed
        kind = str(event.get("type", ""))
        if kind not in HANDLED:
            log.info("Stripe event %s (%s) needs nothing from the hub", event.get("id"), kind)
            return None
        session = event.get("data", {}).get("object", {}) or {}
        metadata = session.get("metadata") or {}
        amount = None
        if session.get("amount_total") is not None and session.get("currency"):
            amount = Money.from_minor(int(session["amount_total"]),
                                      str(session["currency"]).upper())
        intent = session.get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        return ProviderEvent(
            event_id=str(event["id"]), kind=kind, session_id=session.get("id"),
            payment_status=session.get("payment_status"),
            payment_id=str(intent) if intent else None, amount=amount,
            checkout_key=metadata.get("hub_checkout") or session.get("client_reference_id"),
            customer_code=metadata.get("customer"))


def _line_name(request: CheckoutRequest) -> str:
    numbers = ", ".join(request.invoices)
    label = "Invoice" if len(request.invoices) == 1 else "Invoices"
    return f"{request.customer_name}: {label} {numbers}"[:250]
