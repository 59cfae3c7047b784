"""Jinja filters and globals shared by every page: money, dates, the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask_babel import gettext

from hub.domain.money import Money
from hub.i18n import N_


def money(value: Money | None) -> str:
    """1234.5 EUR -> "EUR 1,234.50" (thousands grouped; exact, never float)."""
    if value is None:
        return ""
    amount: Decimal = value.amount
    return f"{value.currency} {amount:,.2f}" if amount.as_tuple().exponent in (-2, 0) \
        else f"{value.currency} {amount:,}"


def minor_money(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return ""
    return money(Money.from_minor(minor, currency))


def day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


# The words of the enum values people read (roles, states, error codes), translated; any
# other value (an event kind, a task type) is shown in English words.
HUMAN = {
    "admin": N_("Admin"), "finance": N_("Finance"), "manager": N_("Manager"),
    "collector": N_("Collector"), "read_only": N_("Read only"),
    "open": N_("Open"), "partially_paid": N_("Partially paid"), "paid": N_("Paid"),
    "cancelled": N_("Cancelled"), "written_off": N_("Written off"),
    "unmatched": N_("Unmatched"), "partially_allocated": N_("Partially allocated"),
    "allocated": N_("Allocated"), "credit": N_("Credit"), "reversed": N_("Reversed"),
    "returned": N_("Returned"), "kept": N_("Kept"), "broken": N_("Broken"),
    "proposed": N_("Proposed"), "active": N_("Active"), "completed": N_("Completed"),
    "rejected": N_("Rejected"), "resolved": N_("Resolved"), "done": N_("Done"),
    "queued": N_("Queued"), "claimed": N_("Claimed"), "sending": N_("Sending"),
    "sent": N_("Sent"), "failed": N_("Failed"), "uncertain": N_("Uncertain"),
    "held": N_("Held"), "skipped": N_("Skipped"),
    "bad_request": N_("Bad request"), "unauthorized": N_("Unauthorized"),
    "forbidden": N_("Forbidden"), "not_found": N_("Not found"),
    "too_many_requests": N_("Too many requests"), "internal_error": N_("Internal error"),
}


def humanize(value: str | None) -> str:
    """"promise.recorded" -> "Promise recorded"; a known role, state or error code in the
    request's language ("read_only" -> "Alleen lezen")."""
    if not value:
        return ""
    label = HUMAN.get(str(value))
    if label is not None:
        return str(gettext(label))
    words = value.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str
    current: bool


# (endpoint, label, roles that see it; empty: everyone signed in). Links whose
# blueprint is not registered are left out.
NAVIGATION: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("ui.worklist", N_("Worklist"), frozenset()),
    ("ui.accounts", N_("Accounts"), frozenset()),
    ("team.team_page", N_("Team"), frozenset({"manager", "finance", "admin", "read_only"})),
    ("cash.queue_page", N_("Cash"), frozenset({"manager", "finance", "admin"})),
    ("campaigns.index", N_("Campaigns"), frozenset()),
    ("handover.creditor_list", N_("Hand-overs"), frozenset()),
    ("reports.index", N_("Reports"), frozenset()),
    ("rule_editor.index", N_("Rules"), frozenset({"finance", "admin"})),
    ("outbox.outbox_page", N_("Outbox"), frozenset({"manager", "finance", "admin",
                                                    "read_only"})),
    ("admin.people", N_("People"), frozenset({"admin"})),
    ("admin.audit", N_("Audit log"), frozenset({"admin"})),
    ("creditor_admin.page", N_("Creditor"), frozenset({"admin"})),
)


def nav_links() -> list[NavLink]:
    viewer = g.get("viewer")
    if viewer is None:
        return []
    here = request.endpoint or ""
    links = [NavLink(endpoint, gettext(label), here.split(".")[0] == endpoint.split(".")[0]
                     if not endpoint.startswith(("ui.", "admin.", "handover.")) else
                     here == endpoint)
             for endpoint, label, roles in NAVIGATION
             if endpoint in current_app.view_functions
             and (not roles or viewer.role.value in roles)]
    if QUEUE in current_app.view_functions and works_the_queue(viewer.id):
        links.append(NavLink(QUEUE, gettext("Collection queue"),
                             here.startswith("handover.collection")))
    return links


QUEUE = "handover.collection_queue"


def works_the_queue(user_id: int) -> bool:
    """Platform staff (a creditor granted, or an admin of the company that runs the hub)
    see the collection company's queue in the menu; asked once per request."""
    if "works_the_queue" not in g:
        from hub.services.handover.queue import queue_creditors  # noqa: PLC0415

        hub = current_app.extensions["hub"]
        with hub.engine.connect() as connection:
            g.works_the_queue = bool(queue_creditors(connection, user_id))
    return bool(g.works_the_queue)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(money=money, minor_money=minor_money, day=day,
                                 humanize=humanize)
    app.jinja_env.globals["viewer"] = lambda: g.get("viewer")
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
