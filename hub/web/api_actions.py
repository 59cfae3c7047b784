"""JSON API person actions: record a promise, propose a payment plan, open a dispute,
change a customer's account manager.

They go through the same services as the web, sheets and chat (source "api"), so each is
an event on the account's timeline with the token (or person) as the actor. Only tokens
whose role may act (not read-only) may call them, and only on accounts in their scope.
Every problem with a body is a 422 naming the field; nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint
from flask import request

from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.domain.parsing import parse_money
from hub.services.accounts.account_status import set_account_manager
from hub.services.accounts.account_status import set_whatsapp_opt_in
from hub.services.accounts.disputes import open_dispute
from hub.services.accounts.plans import propose_plan
from hub.services.accounts.promises import record_promise
from hub.services.read import api_queries
from hub.services.read import queries
from hub.web import serialize
from hub.web.api_scope import check_visible
from hub.web.api_scope import scope
from hub.web.api_scope import the_hub
from hub.web.auth import api_viewer
from hub.web.errors import ApiError
from hub.web.portal_access import policy_settings

SOURCE = "api"
MAX_AMOUNT = Decimal(10) ** 12
API_LANGUAGE = "en"  # JSON amounts are "1250.00"; "1,234" is refused as ambiguous
MAX_INSTALMENTS = 60


def invalid(field: str, expected: str) -> ApiError:
    return ApiError(422, "invalid_body", f"{field}: expected {expected}",
                    {"field": field, "expected": expected})


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object (Content-Type: application/json)")
    return body


def _text(body: dict[str, Any], field: str, *, limit: int = 2000) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise invalid(field, f"text of 1 to {limit} characters")
    return value.strip()


def _date(value: Any, field: str) -> date:
    """Read by the one date reader: YYYY-MM-DD (also 31-12-2026, as people type)."""
    if isinstance(value, str):
        try:
            return parse_date(value, API_LANGUAGE)
        except ParseError:
            pass
    raise invalid(field, "a date as YYYY-MM-DD")


def _money(value: Any, field: str) -> Money:
    expected = 'an object {"amount": "12.50", "currency": "EUR"} with a positive amount'
    if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
        raise invalid(field, expected)
    amount, currency = value["amount"], value["currency"]
    if not isinstance(amount, str) or not isinstance(currency, str):
        raise invalid(field, expected)
    try:
        money = parse_money(amount, currency, API_LANGUAGE)  # the one amount reader
    except (ParseError, ValueError):
        raise invalid(field, expected) from None
    if not 0 < money.amount < MAX_AMOUNT:
        raise invalid(field, expected)
    return money


def _customer(body: dict[str, Any]) -> str:
    """The body's customer, which must exist and be in the caller's scope (else 404)."""
    viewer = api_viewer()
    if not viewer.can_act:
        raise ApiError(403, "forbidden", "read-only tokens cannot change anything")
    code = _text(body, "customer", limit=64)
    owner, department = api_queries.account_scope(the_hub().engine, code)
    if not api_queries.customer_exists(the_hub().engine, code):
        raise ApiError(404, "not_found", f"no customer {code!r}")
    check_visible(owner, department, f"customer {code!r}")
    return code


def _created(find: Callable[..., Any], new_id: int) -> tuple[dict[str, Any], int]:
    found = find(the_hub().engine, scope(), customer=None, state=None, page=1, per_page=1,
                 only_id=new_id)
    return {"data": serialize.plain(found.items[0])}, 201


def create_promise() -> tuple[dict[str, Any], int]:
    body = _body()
    code = _customer(body)
    amount = _money(body.get("amount"), "amount")
    due = _date(body.get("due_date"), "due_date")
    hub = the_hub()
    with hub.engine.begin() as connection:
        promise_id = record_promise(connection, customer_code=code, amount=amount,
                                    due_date=due, actor=api_viewer().email, source=SOURCE,
                                    now=hub.clock.now(), today=hub.clock.today())
    return _created(api_queries.list_promises, promise_id)


def create_plan() -> tuple[dict[str, Any], int]:
    body = _body()
    code = _customer(body)
    raw = body.get("instalments")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_INSTALMENTS:
        raise invalid("instalments", f"a list of 1 to {MAX_INSTALMENTS} instalments")
    instalments = []
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid(f"instalments[{n}]", 'an object {"due_date": ..., "amount": ...}')
        instalments.append((_date(item.get("due_date"), f"instalments[{n}].due_date"),
                            _money(item.get("amount"), f"instalments[{n}].amount")))
    hub = the_hub()
    limits = policy_settings(hub).plan_auto_approve
    with hub.engine.begin() as connection:
        outcome = propose_plan(connection, customer_code=code, instalments=instalments,
                               actor=api_viewer().email, source=SOURCE, now=hub.clock.now(),
                               limits=limits, today=hub.clock.today())
    return _created(api_queries.list_plans, outcome.plan_id)


def create_dispute() -> tuple[dict[str, Any], int]:
    body = _body()
    code = _customer(body)
    numbers = body.get("invoices", [])
    if not isinstance(numbers, list) or not all(
            isinstance(n, str) and n and len(n) <= 64 for n in numbers):
        raise invalid("invoices", "a list of invoice numbers (empty: all open invoices)")
    reason = _text(body, "reason")
    hub = the_hub()
    with hub.engine.begin() as connection:
        dispute_id = open_dispute(connection, customer_code=code, invoice_numbers=numbers,
                                  reason=reason, actor=api_viewer().email, source=SOURCE,
                                  now=hub.clock.now())
    return _created(api_queries.list_disputes, dispute_id)


CUSTOMER_WRITABLE = ("account_manager", "whatsapp_opt_in")


def update_customer(code: str) -> dict[str, Any]:
    """PATCH a customer: `account_manager` (a user's e-mail, or null for nobody),
    `whatsapp_opt_in` (true or false, for the contact with a phone number)."""
    body = _body()
    unknown = sorted(set(body) - set(CUSTOMER_WRITABLE))
    if unknown or not body:
        raise ApiError(422, "invalid_body", f"{', '.join(unknown) or 'the body'}: "
                       f"a customer can be changed in {', '.join(CUSTOMER_WRITABLE)} only",
                       {"field": unknown[0] if unknown else None,
                        "expected": ", ".join(CUSTOMER_WRITABLE)})
    manager = body.get("account_manager")
    if manager is not None and (not isinstance(manager, str) or len(manager) > 320):
        raise invalid("account_manager", "a user's e-mail address or null")
    opt_in = body.get("whatsapp_opt_in")
    if "whatsapp_opt_in" in body and not isinstance(opt_in, bool):
        raise invalid("whatsapp_opt_in", "true or false")
    _customer({"customer": code})
    hub = the_hub()
    field = "account_manager"
    try:
        with hub.engine.begin() as connection:
            if "account_manager" in body:
                set_account_manager(connection, customer_code=code, email=manager,
                                    actor=api_viewer().email, source=SOURCE,
                                    now=hub.clock.now())
            if isinstance(opt_in, bool):
                field = "whatsapp_opt_in"
                set_whatsapp_opt_in(connection, customer_code=code, opt_in=opt_in,
                                    actor=api_viewer().email, source=SOURCE,
                                    now=hub.clock.now())
    except UserError as exc:
        expected = "an active user's e-mail" if field == "account_manager" else \
            "a customer with a contact phone number"
        raise ApiError(422, "invalid_body", str(exc), {"field": field, "expected": expected}
                       ) from None
    detail = queries.customer_detail(hub.engine, code)
    return {"data": serialize.customer_detail(detail, hub.clock.today())}


def register(blueprint: Blueprint) -> None:
    for rule, view in (("/promises", create_promise), ("/plans", create_plan),
                       ("/disputes", create_dispute)):
        blueprint.add_url_rule(rule, view_func=view, methods=["POST"])
    blueprint.add_url_rule("/customers/<path:code>", view_func=update_customer,
                           methods=["PATCH"])
