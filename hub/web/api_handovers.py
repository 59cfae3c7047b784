"""JSON API: hand-overs to hard collection (docs/handover.md). The token's creditor's cases
within its scope, the creditor's approval or refusal of a proposed hand-over, and the case
file kept at the hand-over (PDF or JSON). The status is the collection company's, set in
its queue (web) or with `python app.py handover status`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import request
from flask import url_for

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.handover import CASE_FILE_MIME
from hub.domain.handover import DECIDERS
from hub.domain.handover import HandoverStatus
from hub.services.handover.cases import Case
from hub.services.handover.cases import get_case
from hub.services.handover.cases import list_cases
from hub.services.handover.workflow import approve_case
from hub.services.handover.workflow import case_file
from hub.services.handover.workflow import decline_case
from hub.services.handover.workflow import hand_over_now
from hub.services.read import queries
from hub.web import params
from hub.web.api_scope import check_visible
from hub.web.api_scope import scope
from hub.web.api_scope import the_hub
from hub.web.auth import api_viewer
from hub.web.errors import ApiError
from hub.web.errors import bad_parameter
from hub.web.serialize import money


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def case_json(case: Case) -> dict[str, Any]:
    made = "json" in case.files  # the zip is made from the kept JSON
    files = {kind: url_for(f"api.handover_case_file_{kind}", case_id=case.id)
             if kind in case.files or (kind == "zip" and made) else None for kind in CASE_FILE_MIME}
    return {"id": case.id, "customer": {"code": case.customer_code, "name": case.customer_name},
            "status": case.status.value, "approval_required": case.approval_required,
            "requested_on": case.requested_on.isoformat(), "requested_by": case.requested_by,
            "reason": case.reason, "owed": [money(m) for m in case.owed],
            "decided_by": case.decided_by, "decided_at": _moment(case.decided_at),
            "decline_reason": case.decline_reason,
            "handed_over_at": _moment(case.handed_over_at), "note": case.note,
            "updated_at": _moment(case.updated_at), "case_file": files}


def _visible(case_id: int) -> Case:
    with the_hub().engine.connect() as connection:
        try:
            case = get_case(connection, case_id)
        except NotFound:
            raise ApiError(404, "not_found", f"no hand-over case {case_id}") from None
    check_visible(case.owner, case.department, f"hand-over case {case_id}")
    return case


def listing() -> dict[str, Any]:
    params.allow_only("status")
    wanted = params.text("status")
    statuses = None
    if wanted:
        try:
            statuses = [HandoverStatus(wanted)]
        except ValueError:
            raise bad_parameter("status", wanted, "one of " + ", ".join(
                s.value for s in HandoverStatus)) from None
    limits = scope()
    with the_hub().engine.connect() as connection:
        found = list_cases(connection, statuses=statuses, owner=limits.owner,
                           department=limits.department)
    return {"data": [case_json(c) for c in found]}


def show(case_id: int) -> dict[str, Any]:
    params.allow_only()
    return {"data": case_json(_visible(case_id))}


def _decider(case_id: int) -> Case:
    viewer = api_viewer()
    case = _visible(case_id)
    if not viewer.can_act or viewer.role not in DECIDERS:
        raise ApiError(403, "forbidden", "a hand-over is approved or declined by an admin, "
                                         "finance or manager token")
    return case


def approve(case_id: int) -> dict[str, Any]:
    _decider(case_id)
    hub = the_hub()
    try:
        done = approve_case(hub.engine, hub.case_files(), case_id, actor=api_viewer().email,
                            now=hub.clock.now())
    except UserError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return {"data": case_json(done)}


def decline(case_id: int) -> dict[str, Any]:
    _decider(case_id)
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        raise ApiError(422, "invalid_body", "say why the hand-over is declined",
                       {"reason": "required: a short text"})
    hub = the_hub()
    try:
        done = decline_case(hub.engine, case_id, actor=api_viewer().email, reason=reason,
                            now=hub.clock.now())
    except UserError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return {"data": case_json(done)}


def create() -> tuple[dict[str, Any], int]:
    """Hand an account over by hand: the caller's approval (admin, finance, manager)."""
    viewer = api_viewer()
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    code, reason = body.get("customer"), body.get("reason")
    problems: dict[str, str] = {}
    if not isinstance(code, str) or not code.strip():
        problems["customer"] = "required: the customer's code"
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "required: why the account goes to the collection company"
    if problems or not isinstance(code, str) or not isinstance(reason, str):
        raise ApiError(422, "invalid_body", "name the customer and say why", problems)
    hub = the_hub()
    try:
        customer = queries.customer_detail(hub.engine, code.strip()).customer
    except NotFound:
        raise ApiError(404, "not_found", f"no customer with code {code!r}") from None
    check_visible(customer.owner, customer.department, f"customer {code!r}")
    if not viewer.can_act or viewer.role not in DECIDERS:
        raise ApiError(403, "forbidden", "an account is handed over by an admin, finance or "
                                         "manager token")
    try:
        done = hand_over_now(hub.engine, hub.case_files(), customer.code,
                             actor=viewer.email, reason=reason, today=hub.clock.today(),
                             now=hub.clock.now())
    except UserError as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return {"data": case_json(done)}, 201


def _file(case_id: int, kind: str) -> Response:
    params.allow_only()
    _visible(case_id)
    hub = the_hub()
    try:
        name, content = case_file(hub.engine, hub.case_files(), case_id, kind)
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    response = Response(content, mimetype=CASE_FILE_MIME[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def file_pdf(case_id: int) -> Response:
    return _file(case_id, "pdf")


def file_json(case_id: int) -> Response:
    return _file(case_id, "json")


def file_zip(case_id: int) -> Response:
    return _file(case_id, "zip")


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/handovers", view_func=listing, methods=["GET"],
                           endpoint="handovers")
    blueprint.add_url_rule("/handovers", view_func=create, methods=["POST"],
                           endpoint="handover_create")
    blueprint.add_url_rule("/handovers/<int:case_id>", view_func=show, methods=["GET"],
                           endpoint="handover")
    blueprint.add_url_rule("/handovers/<int:case_id>/approve", view_func=approve,
                           methods=["POST"], endpoint="handover_approve")
    blueprint.add_url_rule("/handovers/<int:case_id>/decline", view_func=decline,
                           methods=["POST"], endpoint="handover_decline")
    blueprint.add_url_rule("/handovers/<int:case_id>/case-file.pdf", view_func=file_pdf,
                           methods=["GET"], endpoint="handover_case_file_pdf")
    blueprint.add_url_rule("/handovers/<int:case_id>/case-file.json", view_func=file_json,
                           methods=["GET"], endpoint="handover_case_file_json")
    blueprint.add_url_rule("/handovers/<int:case_id>/case-file.zip", view_func=file_zip,
                           methods=["GET"], endpoint="handover_case_file_zip")
