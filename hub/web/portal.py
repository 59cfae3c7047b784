"""The debtor portal at /portal/<token>: one customer's open invoices and what the debtor
can do about them, in their language, fit for a phone.

Every request first passes the rate limits and the link check (hub.web.portal_access):
the token names exactly one customer, and every query below is limited to that customer's
id, so a link can never show or change another account (an invoice number of another customer
answers "not found", exactly like one that does not exist).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import get_flashed_messages
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.portal import MAX_INSTALMENTS_OFFERED
from hub.domain.portal import monthly_schedule
from hub.domain.portal import portal_language
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.services.accounts.documents import invoice_document
from hub.services.payments.card import payable_online
from hub.services.portal import actions
from hub.services.portal.view import PortalOverview
from hub.services.portal.view import portal_overview
from hub.web import portal_forms as forms
from hub.web.errors import ApiError
from hub.web.portal_access import Page
from hub.web.portal_access import access
from hub.web.portal_access import install
from hub.web.portal_access import open_link
from hub.web.portal_access import policy_settings
from hub.web.portal_access import refuse_api_error
from hub.web.portal_access import requested_language
from hub.web.portal_access import the_hub
from hub.web.portal_bank import payment_blocks
from hub.web.portal_text import LANGUAGE_NAMES
from hub.web.portal_text import format_date
from hub.web.portal_text import format_money
from hub.web.portal_text import format_size
from hub.web.translations import use_language

log = logging.getLogger(__name__)
portal = Blueprint("portal", __name__, url_prefix="/portal")
# iDEAL and Bancontact are names, the same in every language
METHOD_NAMES = {"card": N_("card"), "ideal": "iDEAL", "bancontact": "Bancontact"}
install(portal)


def _language(overview: PortalOverview) -> str:
    return requested_language() or portal_language(overview.language)


def _overview() -> PortalOverview:
    hub = the_hub()
    with hub.engine.connect() as connection:
        return portal_overview(connection, access().customer_id, hub.clock.today())


def _page_url(token: str) -> str:
    return url_for("portal.page", token=token, lang=requested_language())


def _render(token: str, overview: PortalOverview, *, status: int = 200,
            error: forms.FormError | None = None,
            form: MultiDict[str, str] | None = None) -> tuple[str, int]:
    """The page; `form` is the debtor's input to show again (the request's form unless
    the body could not be read)."""
    hub = the_hub()
    language = use_language(_language(overview))
    settings = policy_settings(hub)
    today = hub.clock.today()

    size = format_size(hub.settings.portal_upload_max_bytes, language)
    creditor = hub.creditor_state().profile
    collector = hub.collection_company_profile() if overview.with_collector else None
    methods = hub.settings.payments.methods
    payable = payable_online(overview, methods) if hub.payment_provider is not None else []
    latest = today + timedelta(days=settings.promise_max_days_ahead)
    return render_template(
        "portal/page.html", token=token, o=overview, language=language,
        languages=LANGUAGE_NAMES, lang_arg=requested_language(),
        money=lambda m: format_money(m, language), day=lambda d: format_date(d, language),
        today=today, latest_promise=latest, max_instalments=MAX_INSTALMENTS_OFFERED,
        upload_size=size, notices=get_flashed_messages(), payable=payable,
        pay_methods=", ".join(gettext_for(language, METHOD_NAMES.get(m, m)) for m in methods),
        form=request.form if form is None else form,
        error=error, error_text=(error.message or gettext_for(language, error.key, **error.values))
        if error else None,
        collector_name=hub.collection_company() if overview.with_collector else "",
        collector_contact=" · ".join(x for x in (collector.phone, collector.email) if x)
        if collector else "",
        creditor=creditor, payments=payment_blocks(creditor, overview, language),
        has_copy={i.number: invoice_document(hub.settings.documents_path, i.number,
                                              i.document_ref)
                  is not None for i in overview.invoices},
    ), status


@portal.get("/<token>")
def page(token: str) -> Page:
    return _render(token, _overview())


def _done(token: str, overview: PortalOverview, key: str, **values: Any) -> WerkzeugResponse:
    flash(gettext_for(_language(overview), key, **values))
    # "#top": the notice is at the top; without it the browser keeps the form's fragment
    return redirect(_page_url(token) + "#top", 303)


def _act(token: str, form: str, work: Any) -> Page:
    """Run one portal action; a FormError or a refusal from the ledger shows the page
    again with the message beside the form and the debtor's input kept."""
    overview = _overview()
    try:
        return work(overview)  # type: ignore[no-any-return]
    except forms.FormError as problem:
        return _render(token, overview, status=422, error=problem)
    except NotFound:
        return _render(token, overview, status=404,
                       error=forms.FormError(form, N_("This invoice is not among your open "
                                                     "invoices.")))
    except UserError as problem:  # the ledger's own rule, in its words
        log.info("portal: %s refused for %s: %s", form, overview.code, problem)
        return _render(token, overview, status=422,
                       error=forms.FormError(form, N_("Please correct the field marked below."),
                                             message=str(problem)))


def _not_with_collector(overview: PortalOverview, form: str) -> None:
    """A promise or a payment plan is agreed with the collection company once it has the
    case: the portal does not take one the creditor's rules would answer."""
    if overview.with_collector:
        company = the_hub().collection_company()
        if not company:  # the operator has no name on the hub
            raise forms.FormError(form, N_("Your account is with a collection company: agree a "
                                           "payment date or a payment plan with them."))
        raise forms.FormError(form, N_("Your account is with the collection company %(company)s: "
                                       "agree a payment date or a payment plan with them."),
                              {"company": company})


@portal.post("/<token>/promise")
def promise(token: str) -> Page:
    hub = the_hub()

    def work(overview: PortalOverview) -> Page:
        balance = overview.main_balance
        if balance is None:
            raise forms.FormError("promise", N_("You have no open invoices. Thank you!"))
        _not_with_collector(overview, "promise")
        language = _language(overview)
        due = forms.parse_date(request.form.get("due_date"), "promise", language)
        amount = forms.parse_amount(request.form.get("amount"), balance.currency, "promise",
                                    language)
        assert amount is not None
        today = hub.clock.today()
        settings = policy_settings(hub)
        latest = today + timedelta(days=settings.promise_max_days_ahead)
        if due < today:
            raise forms.FormError("promise", N_("Choose today or a later date."))
        if due > latest:
            raise forms.FormError("promise", N_("Choose a date no later than %(date)s."),
                                  {"date": format_date(latest, language)})
        with hub.engine.begin() as connection:
            actions.promise(connection, customer_code=overview.code, amount=amount,
                            due_date=due, settings=settings, language=language,
                            now=hub.clock.now(), today=today)
        return _done(token, overview, N_("Thank you. We have noted your promise to pay "
                                         "%(amount)s by %(date)s."),
                     amount=format_money(amount, language),
                     date=format_date(due, language))

    return _act(token, "promise", work)


@portal.post("/<token>/plan")
def plan(token: str) -> Page:
    hub = the_hub()

    def work(overview: PortalOverview) -> Page:
        balance = overview.main_balance
        if balance is None:
            raise forms.FormError("plan", N_("You have no open invoices. Thank you!"))
        _not_with_collector(overview, "plan")
        count = forms.parse_count(request.form.get("count"), "plan", MAX_INSTALMENTS_OFFERED)
        first = forms.parse_date(request.form.get("first_date"), "plan",
                                _language(overview))
        today = hub.clock.today()
        if first < today:
            raise forms.FormError("plan", N_("Choose today or a later date."))
        with hub.engine.begin() as connection:
            outcome = actions.propose_plan(
                connection, customer_code=overview.code,
                instalments=monthly_schedule(balance, count, first),
                settings=policy_settings(hub), language=_language(overview),
                now=hub.clock.now(), today=today)
        return _done(token, overview, N_("Your payment plan is confirmed.") if outcome.approved
                     else N_("Thank you. Your proposal is being reviewed; we will contact you "
                             "shortly."))

    return _act(token, "plan", work)


@portal.post("/<token>/paid")
def paid(token: str) -> Page:
    hub = the_hub()

    def work(overview: PortalOverview) -> Page:
        language = _language(overview)
        paid_on = forms.parse_date(request.form.get("paid_on"), "paid", language)
        today = hub.clock.today()
        if paid_on > today:
            raise forms.FormError("paid", N_("The payment date cannot be in the future."))
        currency = overview.main_balance.currency if overview.main_balance else "EUR"
        amount = forms.parse_amount(request.form.get("amount"), currency, "paid",
                                    language, required=False)
        try:
            upload = request.files.get("proof")
        except RequestEntityTooLarge:
            raise forms.FormError("paid", N_("The file is too large: at most %(size)s."),
                                  {"size": _size(language)}) from None
        proof = forms.store_proof(upload, var_dir=hub.settings.var_dir,
                                  max_bytes=hub.settings.portal_upload_max_bytes,
                                  size_label=_size(language))
        with hub.engine.begin() as connection:
            actions.report_payment(connection, customer_code=overview.code, paid_on=paid_on,
                                   amount=amount, proof=proof, now=hub.clock.now(), today=today)
        return _done(token, overview, N_("Thank you. We will check your payment and update "
                                         "your account."))

    return _act(token, "paid", work)


def _size(language: str) -> str:
    return format_size(the_hub().settings.portal_upload_max_bytes, language)


FORM_OF_ENDPOINT = {"portal.promise": "promise", "portal.plan": "plan", "portal.paid": "paid",
                    "portal.dispute": "dispute", "portal.copy_request": "copy",
                    "portal.portal_pay.pay": "pay"}


@portal.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Page:
    """A body over the web app's own ceiling never reaches the form: say so on the page.

    The app's CSRF check reads the form before the portal's link check runs, so the
    ceiling can be hit before the link is checked: check it here (rate limits included)
    and show the debtor's own page in their language, or the refusal for a bad link."""
    if "portal_access" not in g:
        try:
            refused = open_link()
        except ApiError as error:  # rate limited: the same page as any other portal request
            return refuse_api_error(error)
        if refused is not None:
            return refused
    token = (request.view_args or {}).get("token", "")
    overview = _overview()
    form = FORM_OF_ENDPOINT.get(request.endpoint or "", "paid")
    problem = forms.FormError(form, N_("The file is too large: at most %(size)s."),
                              {"size": _size(_language(overview))})
    return _render(token, overview, status=413, error=problem, form=MultiDict())


@portal.post("/<token>/dispute")
def dispute(token: str) -> Page:
    hub = the_hub()

    def work(overview: PortalOverview) -> Page:
        numbers = request.form.getlist("invoices")
        if not numbers:
            raise forms.FormError("dispute", N_("Choose at least one invoice."))
        for number in numbers:
            overview.invoice(number)  # NotFound unless it is one of this debtor's
        reason = forms.parse_reason(request.form.get("reason"), "dispute")
        with hub.engine.begin() as connection:
            actions.dispute(connection, customer_code=overview.code, invoice_numbers=numbers,
                            reason=reason, language=_language(overview), now=hub.clock.now())
        return _done(token, overview, N_("We have received your dispute and will look into "
                                         "it."))

    return _act(token, "dispute", work)


@portal.post("/<token>/copy-request")
def copy_request(token: str) -> Page:
    hub = the_hub()

    def work(overview: PortalOverview) -> Page:
        number = request.form.get("invoice", "")
        overview.invoice(number)  # NotFound unless it is one of this debtor's
        with hub.engine.begin() as connection:
            outcome = actions.request_copy(
                connection, customer_code=overview.code, invoice_number=number,
                documents_dir=hub.settings.documents_path, language=_language(overview),
                now=hub.clock.now(), today=hub.clock.today())
        if outcome.emailed_to:
            return _done(token, overview, N_("We are e-mailing a copy of invoice %(number)s to "
                                             "%(email)s."), number=number,
                         email=outcome.emailed_to)
        return _done(token, overview, N_("We have asked our team to send you a copy of invoice "
                                         "%(number)s."), number=number)

    return _act(token, "copy", work)


@portal.get("/<token>/invoices/<path:number>/copy")
def download(token: str, number: str) -> Page:
    hub = the_hub()
    overview = _overview()
    try:
        invoice = overview.invoice(number)  # only this debtor's open invoices
    except NotFound:
        language = use_language(_language(overview))
        return render_template("portal/refused.html", language=language,
                               title=gettext_for(language, "Not found"),
                               text=gettext_for(language, "This invoice is not among your open "
                                            "invoices."),
                               back=_page_url(token)), 404
    path = invoice_document(hub.settings.documents_path, invoice.number, invoice.document_ref)
    if path is None:  # nothing on file: offer the copy request on the page
        return redirect(_page_url(token) + f"#invoice-{invoice.id}", 303)
    with hub.engine.begin() as connection:
        actions.record_copy_download(connection, customer_code=overview.code,
                                     invoice_id=invoice.id, invoice_number=invoice.number,
                                     now=hub.clock.now())
    response = send_file(path, as_attachment=True,
                         download_name=f"{invoice.number.replace('/', '-')}{path.suffix}")
    response.headers["Cache-Control"] = "no-store"
    return response
