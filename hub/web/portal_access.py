"""Who may open a portal page: the rate limits, the link check and the pages that refuse,
plus finance's portal limits (read from the rule file in force, cached per process).

`install(blueprint)` puts the check before every portal view: the token names exactly one
customer (on `g.portal_access`), or the visitor gets a page saying why not.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.bootstrap import Hub
from hub.domain.decisions import PolicySettings
from hub.domain.portal import LANGUAGES
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.ledger import tenancy
from hub.services.portal.links import LinkRefused
from hub.services.portal.links import PortalAccess
from hub.services.portal.links import link_creditor
from hub.services.portal.links import verify_link
from hub.web.errors import ApiError
from hub.web.ratelimit import client_address
from hub.web.ratelimit import enforce
from hub.web.translations import use_language

log = logging.getLogger(__name__)
SETTINGS_TTL = 60.0  # a changed rule file reaches the portal within a minute
_POLICY_LOCK = threading.Lock()
Page = str | tuple[str, int] | WerkzeugResponse


def the_hub() -> Hub:
    found: Hub = current_app.extensions["hub"]
    return found


def policy_settings(hub: Hub) -> PolicySettings:
    """Finance's portal limits from the rule file in force, read at most once every
    SETTINGS_TTL seconds per web process (loading the rules costs far more than a page)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("hub.portal_policy", {})
    if "settings" not in cache or time.monotonic() - cache["at"] > SETTINGS_TTL:
        with _POLICY_LOCK:  # one thread loads; the others wait for its answer
            if "settings" not in cache or time.monotonic() - cache["at"] > SETTINGS_TTL:
                cache["settings"] = hub.policy_settings()
                cache["at"] = time.monotonic()
    settings: PolicySettings = cache["settings"]
    return settings


def requested_language() -> str | None:
    wanted = request.args.get("lang")
    return wanted if wanted in LANGUAGES else None


def refusal_language() -> str:
    return requested_language() or request.accept_languages.best_match(LANGUAGES) or "en"


def open_link() -> Page | None:
    """Before every portal view: the rate limit per address, the link, then the limit per
    customer (every link of one customer counts together)."""
    token = (request.view_args or {}).get("token", "")
    hub = the_hub()
    limit = hub.settings.portal_rate_limit
    enforce("portal-address", limit, 60)
    try:
        with hub.engine.begin() as connection:
            # the page acts for the creditor of the link's customer (hub.ledger.tenancy)
            tenancy.set_current(link_creditor(connection, token) or tenancy.DEFAULT_CREDITOR)
            g.portal_access = verify_link(connection, token, secret=hub.settings.signing_key(),
                                          now=hub.clock.now())
    except LinkRefused as refused:
        log.info("portal: %s link refused for %s", refused.reason, client_address())
        return refused_page(refused.reason)
    enforce("portal-customer", limit, 60, key=str(g.portal_access.customer_id))
    return None


def refused_page(reason: str) -> tuple[str, int]:
    language = refusal_language()
    title = {"invalid": N_("This link does not work"), "expired": N_("This link has expired"),
             "revoked": N_("This link has been withdrawn")}[reason]
    text = N_("Check that you opened the whole link from our message, or ask us for a new "
              "one.") if reason == "invalid" else \
        N_("For your security our links expire. Ask us for a new one, or use the link in our "
           "latest message.")
    use_language(language)
    return render_template("portal/refused.html", language=language,
                           title=gettext_for(language, title),
                           text=gettext_for(language, text)), 404 if reason == "invalid" else 410


def refuse_api_error(error: ApiError) -> Page:
    """Rate limits and CSRF failures as pages, in the debtor's language where known."""
    language = use_language(refusal_language())
    if error.status == 429:
        seconds = error.details.get("retry_after", 60)
        body = render_template("portal/refused.html", language=language,
                               title=gettext_for(language, "Too many requests"),
                               text=gettext_for(language, "Please wait %(seconds)s seconds and try "
                                            "again.", seconds=seconds))
        return Response(body, 429, headers={"Retry-After": str(seconds)}, mimetype="text/html")
    return render_template("portal/refused.html", language=language,
                           title=gettext_for(language, "This link does not work"),
                           text=error.message), error.status


def access() -> PortalAccess:
    """What this request's link grants (set by `open_link`)."""
    granted: PortalAccess = g.portal_access
    return granted


def install(blueprint: Blueprint) -> None:
    blueprint.before_request(open_link)
    blueprint.register_error_handler(ApiError, refuse_api_error)
