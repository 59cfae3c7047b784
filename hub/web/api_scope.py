"""What the API caller may see: their scope as SQL conditions, and report access."""

from __future__ import annotations

from flask import current_app

from hub.bootstrap import Hub
from hub.services.read.api_queries import Scope
from hub.web import params
from hub.web.auth import api_viewer
from hub.web.errors import ApiError

# A filter value no row has: longer than any owner or department column holds (and no NUL
# byte, which PostgreSQL refuses in text).
NOTHING = "~matches-nothing~" * 24


def the_hub() -> Hub:
    found: Hub = current_app.extensions["hub"]
    return found


def paging() -> params.Paging:
    settings = the_hub().settings
    return params.paging(settings.api_page_size, settings.api_max_page_size)


def scope() -> Scope:
    viewer = api_viewer()

    def safe(value: str | None) -> str | None:
        return NOTHING if value is not None and "\x00" in value else value

    return Scope(owner=safe(viewer.owner_filter()), department=safe(viewer.department_filter()))


def narrow(requested: str | None, forced: str | None, *, any_case: bool = False) -> str | None:
    """A filter the caller asked for, inside the scope they have: asking for someone
    else's accounts finds nothing (never everything, never an error that confirms them)."""
    if forced is None:
        return requested
    if requested is None:
        return forced
    same = requested.lower() == forced.lower() if any_case else requested == forced
    return forced if same else NOTHING


def require_whole_ledger() -> None:
    """Reports add up the whole ledger: for the roles that see all of it."""
    if not api_viewer().sees_everything:
        raise ApiError(403, "forbidden", "reports cover the whole ledger: they need an admin, "
                       "finance or read-only token")


def check_visible(owner: str | None, department: str | None, what: str) -> None:
    if not api_viewer().can_view(owner, department):
        raise ApiError(404, "not_found", f"no {what}")  # as if it did not exist
