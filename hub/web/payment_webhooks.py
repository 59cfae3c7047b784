"""The payment provider's notifications: POST /webhooks/stripe.

Stripe signs each delivery (Stripe-Signature: HMAC-SHA256 of timestamp and body with the
endpoint's secret); the adapter verifies it with the SDK before anything is read, so a
forged or stale request gets 400 and changes nothing. CSRF does not apply (the signature
authenticates the request, and there is no session) but the endpoint is rate limited per
address. Stripe retries until it gets a 2xx, and may deliver an event more than once: the
event's id is stored in the same transaction as its effect, so a replay answers 200 and
records nothing."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request

from hub.domain.checkout import SignatureRejected
from hub.services.payments.card import handle_event
from hub.web.errors import error_response
from hub.web.portal_access import the_hub
from hub.web.ratelimit import client_address
from hub.web.ratelimit import enforce
from hub.web.security import csrf_exempt

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
RATE_LIMIT = 300  # deliveries a minute per address; Stripe sends far fewer


@webhooks.post("/stripe")
@csrf_exempt
def stripe_events() -> Response:
    enforce("payment-webhook", RATE_LIMIT, 60)
    body = request.get_data(cache=False)  # over the app's body ceiling: 413, read no further
    hub = the_hub()
    provider = hub.payment_provider
    if provider is None:
        return error_response(404, "not_configured",
                              "online payment is not configured (HUB_STRIPE_SECRET_KEY)")
    try:
        event = provider.verify(body, request.headers.get("Stripe-Signature", ""))
    except SignatureRejected as refused:
        log.warning("Stripe webhook from %s refused: %s", client_address(), refused)
        return error_response(400, "bad_signature", "the signature does not verify")
    if event is None:
        return jsonify({"received": True, "outcome": "not acted on"})
    outcome = handle_event(hub.engine, provider.name, event, now=hub.clock.now(),
                           today=hub.clock.today())
    log.info("Stripe event %s (%s): %s", event.event_id, event.kind, outcome)
    return jsonify({"received": True, "outcome": outcome})
