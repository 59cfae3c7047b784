"""Browser-facing protection shared by every page: CSRF tokens on forms, session
cookie flags, and security headers with a Content-Security-Policy that allows no
inline script (every script and style is a file served by the app itself).

Machine endpoints that authenticate by other means (the JSON API with bearer
tokens, signed Slack callbacks) opt out with `csrf_exempt` / `exempt_blueprint`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask import session

from hub.i18n import lazy_gettext
from hub.web.errors import ApiError

F = TypeVar("F", bound=Callable[..., object])

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_EXEMPT_BLUEPRINTS = "hub.csrf_exempt_blueprints"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def csrf_token() -> str:
    """The session's CSRF token (created on first use); forms carry it in a hidden field."""
    token = session.get("_csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["_csrf"] = token
    return token


def csrf_exempt(view: F) -> F:
    """Mark a view that authenticates each request itself (signatures, bearer tokens)."""
    view.hub_csrf_exempt = True  # type: ignore[attr-defined]
    return view


def exempt_blueprint(app: Flask, blueprint: Blueprint) -> None:
    app.extensions.setdefault(_EXEMPT_BLUEPRINTS, set()).add(blueprint.name)


def _is_exempt() -> bool:
    if request.blueprint in current_app.extensions.get(_EXEMPT_BLUEPRINTS, set()):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "hub_csrf_exempt", False))


def check_csrf() -> None:
    """Refuse a state-changing request whose token does not match the session's."""
    if request.method in _SAFE_METHODS or request.routing_exception is not None or _is_exempt():
        return
    expected = session.get("_csrf")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise ApiError(400, "csrf_failed",
                       lazy_gettext("the form has expired or did not come from this site; "
                                    "reload the page and try again"))


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Portal links carry their token in the path: never leak it to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.blueprint != "static" and "Cache-Control" not in headers and (
            response.mimetype == "text/html"):
        headers["Cache-Control"] = "no-store"  # pages show personal and financial data
    return response


def configure_sessions(app: Flask, *, public_url: str, session_hours: int,
                       max_upload_bytes: int) -> None:
    """HttpOnly, SameSite=Lax cookies; Secure (and the __Host- prefix) behind HTTPS."""
    secure = public_url.startswith("https://")
    app.config.update(
        SESSION_COOKIE_NAME="__Host-hub_session" if secure else "hub_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=session_hours),
        # Bodies larger than the biggest allowed upload (plus form fields) are refused (413).
        MAX_CONTENT_LENGTH=max_upload_bytes + 256 * 1024,
    )


def setup_security(app: Flask) -> None:
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
