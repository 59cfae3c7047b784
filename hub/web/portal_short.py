"""`/p/<code>`: the short portal link printed on letters (`hub.services.portal.links.
short_code`), redirecting to the full signed link. Rate limited per address like the
portal itself; a wrong code gets the portal's "invalid link" page."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from werkzeug.wrappers import Response

from hub.services.portal.links import LinkRefused
from hub.services.portal.links import portal_url
from hub.services.portal.links import resolve_short_code
from hub.web.portal_access import refused_page
from hub.web.portal_access import the_hub
from hub.web.ratelimit import enforce

short_links = Blueprint("short_links", __name__)


@short_links.get("/p/<code>")
def open_short_link(code: str) -> Response | tuple[str, int]:
    hub = the_hub()
    enforce("portal-address", hub.settings.portal_rate_limit, 60)
    try:
        with hub.engine.begin() as connection:
            token = resolve_short_code(connection, code, secret=hub.settings.signing_key())
    except LinkRefused as refused:
        return refused_page(refused.reason)
    return redirect(portal_url(hub.settings.public_url, token), code=303)
