"""Sign-in and sign-out pages: local passwords and "Sign in with Microsoft"."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hub.i18n import lazy_ngettext
from hub.ledger import staff
from hub.ledger import tenancy
from hub.services.staff import auth as staff_auth
from hub.services.staff.creditors import allowed_creditors
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import safe_next
from hub.web.access import sign_in_session
from hub.web.entra import EntraError
from hub.web.entra import EntraSignIn
from hub.web.errors import ApiError
from hub.web.ratelimit import client_address
from hub.web.ratelimit import rate_limited

signin = Blueprint("signin", __name__)

SIGNIN_ATTEMPTS_PER_MINUTE = 10  # Microsoft sign-in round trips, per address
SIGNIN_GUESSING = staff_auth.GuessingLimit(per_person_and_address=10, per_address=30)


def entra() -> EntraSignIn:
    found: EntraSignIn = current_app.extensions["hub.entra"]
    return found


def load_viewer() -> None:
    """Put the signed-in user on `g.viewer`. A deactivated user, or one whose password
    has changed since this session began, is signed out at once."""
    g.viewer = None
    tenancy.set_current(tenancy.DEFAULT_CREDITOR)  # a pooled thread may have served another
    if request.endpoint == "static":  # stylesheets and scripts need no database
        return
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return
    with hub().engine.connect() as connection:
        with tenancy.platform_wide():  # who it is decides which creditor the request is for
            user = staff.user_by_id(connection, user_id)
        if user is None or not user.active or session.get("cred") != user.credential_stamp:
            session.clear()
            return
        creditor = user.creditor_id
        chosen = session.get("creditor")
        if isinstance(chosen, int) and chosen != creditor and chosen in (
                c.id for c in allowed_creditors(connection, user.id, user.creditor_id)):
            creditor = chosen  # platform staff switched to a creditor they are granted
    tenancy.set_current(creditor)
    g.viewer = Viewer(id=user.id, email=user.email, name=user.name, role=user.role,
                      department=user.department, creditor_id=creditor)


def forget_creditor(_error: BaseException | None) -> None:
    """After each request: back to the default creditor (threads are reused)."""
    tenancy.set_current(tenancy.DEFAULT_CREDITOR)


@signin.get("/signin")
def signin_form() -> str:
    return render_template("signin.html", next=safe_next(request.args.get("next")),
                           entra_enabled=entra().enabled)


def _refuse_guessing(email: str) -> None:
    """429 once this address has failed too often for this person (or for anybody) in the
    last minute; correct sign-ins are not counted, so an office signing in is never held."""
    if current_app.config.get("HUB_RATE_LIMITS_DISABLED"):
        return
    the_hub = hub()
    wait = staff_auth.guessing_wait(the_hub.engine, email, client_address(),
                                    now=the_hub.clock.now(), limit=SIGNIN_GUESSING)
    if wait is not None:
        seconds = math.ceil(wait.total_seconds())
        raise ApiError(429, "too_many_requests",
                       lazy_ngettext("too many failed sign-ins; try again in %(num)s second",
                                     "too many failed sign-ins; try again in %(num)s seconds",
                                     seconds),
                       {"retry_after": seconds})


@signin.post("/signin")
def signin_submit() -> Response | tuple[str, int]:
    the_hub = hub()
    settings = the_hub.settings
    email = request.form.get("email", "").strip()
    # Failed sign-ins only, per person and address and per address, from the audit log
    # (shared by every worker); guesses at one account from many addresses meet the
    # account's lockout.
    target = safe_next(request.form.get("next"))
    _refuse_guessing(email)
    result = staff_auth.sign_in(
        the_hub.engine, email, request.form.get("password", ""), now=the_hub.clock.now(),
        address=client_address(),
        policy=staff_auth.LockoutPolicy(settings.signin_max_failures,
                                        timedelta(minutes=settings.signin_lockout_minutes)))
    if result.user is None:
        if result.locked_until is not None:
            message = ("Too many failed attempts: this account is locked for "
                       f"{settings.signin_lockout_minutes} minutes.")
        else:
            message = "The e-mail address or password is wrong."
        page = render_template("signin.html", next=target, email=email, error=message,
                               entra_enabled=entra().enabled)
        return page, 401
    sign_in_session(result.user.id, result.user.credential_stamp)
    return redirect(target or "/")


@signin.post("/signout")
def signout() -> Response:
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("signin.signin_form"))


@signin.get("/signin/entra")
@rate_limited("signin", SIGNIN_ATTEMPTS_PER_MINUTE, 60)
def entra_start() -> Response | tuple[str, int]:
    if not entra().enabled:
        return render_template("signin.html", error="Microsoft sign-in is not configured.",
                               entra_enabled=False), 404
    try:
        flow = entra().start()
    except EntraError as exc:
        return render_template("signin.html", error=str(exc), entra_enabled=True), 502
    session["entra_flow"] = flow
    session["entra_next"] = safe_next(request.args.get("next"))
    return redirect(flow["auth_uri"])


@signin.get("/signin/entra/callback")
@rate_limited("signin", SIGNIN_ATTEMPTS_PER_MINUTE, 60)
def entra_callback() -> Response | tuple[str, int]:
    flow = session.pop("entra_flow", None)
    target = safe_next(session.pop("entra_next", None))
    if not isinstance(flow, dict):
        return render_template("signin.html", error="That sign-in link has expired; start "
                               "again.", entra_enabled=entra().enabled), 400
    the_hub = hub()
    try:
        identity = entra().finish(flow, request.args.to_dict())
    except EntraError as exc:
        with the_hub.engine.begin() as connection:
            staff.audit(connection, actor="anonymous", action="signin.failed",
                        address=client_address(), now=the_hub.clock.now(),
                        detail={"method": "entra", "reason": str(exc)[:300]})
        return render_template("signin.html", error=f"Microsoft sign-in failed: {exc}",
                               entra_enabled=True), 401
    result = staff_auth.sign_in_external(the_hub.engine, identity.email, provider="entra",
                                         now=the_hub.clock.now(), address=client_address())
    if result.user is None:
        return render_template(
            "signin.html", entra_enabled=True,
            error=f"{identity.email} has no account in the hub; ask an administrator."), 403
    sign_in_session(result.user.id, result.user.credential_stamp)
    return redirect(target or "/")
