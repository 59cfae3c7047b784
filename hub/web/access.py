"""Who is signed in, what they may see, and the decorators that guard pages.

Scopes: a collector sees the accounts they own, a manager their department,
finance, admin and read-only staff everything. Read-only staff change nothing.
An account outside the viewer's scope answers 404, exactly like one that does
not exist, so scopes do not leak which customers exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec
from typing import TypeVar
from urllib.parse import urlsplit

from flask import current_app
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.i18n import lazy_gettext
from hub.web.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")

ACTING_ROLES = frozenset({Role.ADMIN, Role.FINANCE, Role.MANAGER, Role.COLLECTOR})


@dataclass(frozen=True)
class Viewer:
    """The signed-in member of staff."""

    id: int
    email: str
    name: str
    role: Role
    department: str | None
    creditor_id: int = 1  # the creditor this request acts for (hub.ledger.tenancy)

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.FINANCE, Role.READ_ONLY)

    @property
    def can_act(self) -> bool:
        return self.role in ACTING_ROLES

    def owner_filter(self) -> str | None:
        """The owner every visible account has, or None when not limited by owner."""
        return self.email if self.role == Role.COLLECTOR else None

    def department_filter(self) -> str | None:
        """The department every visible account is in, or None when not limited."""
        if self.role == Role.MANAGER:
            return self.department or "\x00no department"  # a manager without one sees none
        return None

    def can_view(self, owner: str | None, department: str | None) -> bool:
        if self.sees_everything:
            return True
        if self.role == Role.COLLECTOR:
            return owner is not None and owner.lower() == self.email.lower()
        if self.role == Role.MANAGER:
            return self.department is not None and department == self.department
        return False


def hub() -> Hub:
    found: Hub = current_app.extensions["hub"]
    return found


def current_viewer() -> Viewer | None:
    """The viewer loaded for this request by `load_viewer` (None when signed out)."""
    viewer: Viewer | None = g.get("viewer")
    return viewer


def require_viewer() -> Viewer:
    viewer = current_viewer()
    if viewer is None:
        raise ApiError(401, "unauthorized", lazy_gettext("sign in first"))
    return viewer


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after sign-in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def login_required(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
    """Signed-out visitors go to the sign-in page and come back afterwards."""
    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
        if current_viewer() is None:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("signin.signin_form", next=target))
        return view(*args, **kwargs)
    return wrapper


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R | WerkzeugResponse]]:
    """Signed in, and with one of `roles` (403 otherwise)."""
    allowed = frozenset(roles)

    def decorate(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
            viewer = current_viewer()
            if viewer is None:
                target = request.full_path if request.query_string else request.path
                return redirect(url_for("signin.signin_form", next=target))
            if viewer.role not in allowed:
                names = ", ".join(sorted(r.value for r in allowed))
                raise ApiError(403, "forbidden", lazy_gettext("this page is for %(roles)s",
                                                              roles=names))
            return view(*args, **kwargs)
        return wrapper
    return decorate


def require_action_rights(viewer: Viewer) -> None:
    if not viewer.can_act:
        raise ApiError(403, "forbidden",
                       lazy_gettext("read-only accounts cannot change anything"))


def sign_in_session(viewer_id: int, credential_stamp: str) -> None:
    """A fresh session for the signed-in user (a new CSRF token; no fixation), bound to
    their current password (see StaffRow.credential_stamp)."""
    session.clear()
    session.permanent = True
    session["uid"] = viewer_id
    session["cred"] = credential_stamp
