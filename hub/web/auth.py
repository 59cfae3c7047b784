"""Authentication of the JSON API.

Machine clients send `Authorization: Bearer hub_...` (tokens from `python app.py
api-token create`). A member of staff signed in to the web app may also read the API
with their session. Either way the caller becomes a `Viewer` on `g.api_viewer` with the
same scope as in the UI: a collector sees their accounts, a manager their department,
finance, admin and read-only staff everything. Only the OpenAPI document is public.
"""

from __future__ import annotations

from flask import Response
from flask import g
from flask import request

from hub.ledger import tenancy
from hub.services.staff.api_tokens import authenticate
from hub.web.access import Viewer
from hub.web.access import current_viewer
from hub.web.access import hub
from hub.web.errors import ApiError
from hub.web.ratelimit import enforce

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate_api_request() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "unauthorized", "send the API token as 'Authorization: "
                           "Bearer <token>'")
        the_hub = hub()
        with the_hub.engine.begin() as connection:
            caller = authenticate(connection, token.strip(), now=the_hub.clock.now())
        if caller is None:
            raise ApiError(401, "unauthorized", "the API token is unknown or revoked")
        tenancy.set_current(caller.creditor_id)  # the token's creditor, for this request
        g.api_viewer = Viewer(id=-caller.token_id,
                              email=caller.user_email or f"api-token:{caller.name}",
                              name=caller.name, role=caller.role, department=caller.department,
                              creditor_id=caller.creditor_id)
        return
    viewer = current_viewer()
    if viewer is not None and request.method in _READ_METHODS:
        g.api_viewer = viewer
        return
    raise ApiError(401, "unauthorized", "this API needs a token: 'Authorization: Bearer "
                   "<token>' (python app.py api-token create NAME --role ROLE)")


def limit_api_caller() -> None:
    """At most HUB_API_RATE_LIMIT requests a minute per person: the token's user (or the
    token itself) or the signed-in user, across every web worker when the limits are
    shared (hub.web.ratelimit)."""
    limit = hub().settings.observe.api_rate_limit
    viewer = g.get("api_viewer")
    if limit and viewer is not None:
        enforce("api-person", limit, 60, key=viewer.email.lower())


def api_viewer() -> Viewer:
    viewer: Viewer = g.api_viewer
    return viewer


def challenge(response: Response) -> Response:
    """Tell a client without (valid) credentials how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return response
