"""Paying online from the portal (only when a payment provider is configured): the debtor
picks invoices, the hub starts a hosted checkout for their open amount and redirects;
afterwards a thank-you page says what is known, and no more: "received" only once the
provider's signed notification has been handled (hub.web.payment_webhooks), "being
processed" until then."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from hub.domain.checkout import CheckoutState
from hub.domain.checkout import ProviderError
from hub.domain.errors import NotFound
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.services.payments import card as card_payments
from hub.services.portal.view import PortalOverview
from hub.web import portal_forms as forms
from hub.web.portal import _act
from hub.web.portal import _language
from hub.web.portal import _overview
from hub.web.portal import _page_url
from hub.web.portal import portal
from hub.web.portal_access import Page
from hub.web.portal_access import access
from hub.web.portal_access import requested_language
from hub.web.portal_access import the_hub
from hub.web.portal_text import format_money
from hub.web.translations import use_language

log = logging.getLogger(__name__)
portal_pay = Blueprint("portal_pay", __name__)
# Nested in the portal: its link check, rate limits and error pages cover these views too,
# and their endpoints are "portal.portal_pay.*" like every other portal view.
portal.register_blueprint(portal_pay)

PROCESSING = N_("Your payment of %(amount)s for invoice %(invoices)s is being processed. This "
                "page says so once our payment provider confirms it; please do not pay again.")
THANKS = {CheckoutState.PAID: N_("Your payment of %(amount)s for invoice %(invoices)s has been "
                                 "received."),
          CheckoutState.OPEN: PROCESSING, CheckoutState.PROCESSING: PROCESSING,
          CheckoutState.FAILED: N_("Our payment provider reports that the payment of %(amount)s "
                                   "did not go through. You can try again or pay by bank "
                                   "transfer."),
          CheckoutState.EXPIRED: N_("The payment of %(amount)s was not completed. You can start "
                                    "a new one from your invoices.")}


@portal_pay.post("/<token>/pay")
def pay(token: str) -> Page:
    """Start a checkout for the chosen invoices and send the debtor to the provider."""
    hub = the_hub()
    provider = hub.payment_provider

    def work(overview: PortalOverview) -> Page:
        if provider is None:  # no button is shown then: a stale or forged form
            raise NotFound("online payment is not offered")
        numbers = request.form.getlist("invoices")
        if not numbers:
            raise forms.FormError("pay", N_("Choose at least one invoice."))
        try:
            chosen = card_payments.choose(overview, numbers)
        except card_payments.MixedCurrencies as mixed:
            raise forms.FormError("pay", N_("One payment is in one currency: choose "
                                                     "invoices in %(currencies)s separately."),
                                  {"currencies": ", ".join(mixed.currencies)}) from None
        language = _language(overview)
        lang = requested_language()
        base = hub.settings.public_url
        back = url_for("portal.portal_pay.thanks", token=token, key="KEY", lang=lang)
        try:
            session = card_payments.start_checkout(
                hub.engine, provider, overview, chosen, methods=hub.settings.payments.methods,
                language=language, return_url=base + back.replace("KEY", "{key}"),
                cancel_url=base + url_for("portal.page", token=token, lang=lang) + "#pay-online",
                now=hub.clock.now())
        except card_payments.NoMethodForCurrency as refused:
            raise forms.FormError("pay", N_("Online payment is not offered in %(currency)s."),
                                  {"currency": refused.currency}) from None
        except ProviderError as problem:
            log.warning("portal: online payment for %s not started: %s", overview.code, problem)
            raise forms.FormError("pay", N_(
                "Online payment could not be started just now, and nothing was charged. Please "
                "try again later or pay by bank transfer.")) from None
        return redirect(session.url, 303)

    return _act(token, "pay", work)


@portal_pay.get("/<token>/pay/<key>")
def thanks(token: str, key: str) -> Page:
    """Where the provider sends the debtor back: the checkout's state as the hub knows it."""
    hub = the_hub()
    overview = _overview()
    language = _language(overview)
    with hub.engine.connect() as connection:
        view = card_payments.checkout_view(connection, access().customer_id, key)
    if view is None:
        return render_template("portal/refused.html", language=language,
                               title=gettext_for(language, "Not found"),
                               text=gettext_for(language, "This invoice is not among your open "
                                            "invoices."),
                               back=_page_url(token)), 404
    use_language(language)
    text = gettext_for(language, THANKS[view.state], amount=format_money(view.amount, language),
                     invoices=", ".join(view.invoices))
    return render_template("portal/thanks.html", language=language, state=view.state.value,
                           title=gettext_for(language, "Thank you"), text=text,
                           back=_page_url(token),
                           back_text=gettext_for(language, "Back to your invoices"))
