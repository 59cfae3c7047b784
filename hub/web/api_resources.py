"""JSON API lists of the collections work: payments, promises, plans, disputes, tasks
and cycle runs (registered on the /api/v1 blueprint by hub.web.api)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from hub.domain.model import DisputeState
from hub.domain.model import PaymentStatus
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.model import TaskState
from hub.services.read import api_queries as queries
from hub.services.read.queries import Page
from hub.web import params
from hub.web import serialize
from hub.web.api_scope import paging
from hub.web.api_scope import scope
from hub.web.api_scope import the_hub

PROMISE_STATES = tuple(s.value for s in PromiseState)
PLAN_STATES = tuple(s.value for s in PlanState)
DISPUTE_STATES = tuple(s.value for s in DisputeState)
TASK_STATES = tuple(s.value for s in TaskState)
PAYMENT_STATES = tuple(s.value for s in PaymentStatus)


def _listed(found: Page[dict[str, Any]], page: params.Paging) -> dict[str, Any]:
    return params.paginated([serialize.plain(row) for row in found.items], total=found.total,
                            paging=page)


def list_payments() -> dict[str, Any]:
    params.allow_only("customer", "status", *params.PAGINATION)
    page = paging()
    return _listed(queries.list_payments(
        the_hub().engine, scope(), customer=params.text("customer"),
        status=params.choice("status", PAYMENT_STATES), page=page.page,
        per_page=page.per_page), page)


def list_promises() -> dict[str, Any]:
    params.allow_only("customer", "state", *params.PAGINATION)
    page = paging()
    return _listed(queries.list_promises(
        the_hub().engine, scope(), customer=params.text("customer"),
        state=params.choice("state", PROMISE_STATES), page=page.page,
        per_page=page.per_page), page)


def list_plans() -> dict[str, Any]:
    params.allow_only("customer", "state", *params.PAGINATION)
    page = paging()
    return _listed(queries.list_plans(
        the_hub().engine, scope(), customer=params.text("customer"),
        state=params.choice("state", PLAN_STATES), page=page.page,
        per_page=page.per_page), page)


def list_disputes() -> dict[str, Any]:
    params.allow_only("customer", "state", *params.PAGINATION)
    page = paging()
    return _listed(queries.list_disputes(
        the_hub().engine, scope(), customer=params.text("customer"),
        state=params.choice("state", DISPUTE_STATES), page=page.page,
        per_page=page.per_page), page)


def list_tasks() -> dict[str, Any]:
    params.allow_only("customer", "state", "assignee", "type", *params.PAGINATION)
    page = paging()
    return _listed(queries.list_tasks(
        the_hub().engine, scope(), customer=params.text("customer"),
        state=params.choice("state", TASK_STATES), assignee=params.text("assignee"),
        task_type=params.text("type"), page=page.page, per_page=page.per_page), page)


def list_cycle_runs() -> dict[str, Any]:
    params.allow_only(*params.PAGINATION)
    page = paging()
    return _listed(queries.list_cycle_runs(the_hub().engine, page=page.page,
                                           per_page=page.per_page), page)


def register(blueprint: Blueprint) -> None:
    for rule, view in (("/payments", list_payments), ("/promises", list_promises),
                       ("/plans", list_plans), ("/disputes", list_disputes),
                       ("/tasks", list_tasks), ("/cycle-runs", list_cycle_runs)):
        blueprint.add_url_rule(rule, view_func=view, methods=["GET"])
