"""The rule editor for finance: edit the rule file in the browser with highlighting
and live validation (the compiler's own messages), simulate the change (decisions
that would differ today), activate it with an audit record, read the history with
diffs, and roll back. The rules in force change only through `RuleFiles`, which
refuses a file that does not pass its checks.

Text from the browser is checked in a child process with a time and memory limit
(`RuleFiles.validate(limited=True)`) before anything else is done with it, so a hostile
file (a YAML "billion laughs") is refused without stalling the server."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from hub.domain.decisions import RuleProblem
from hub.domain.errors import RuleFileError
from hub.domain.model import Role
from hub.i18n import lazy_gettext
from hub.ledger import staff
from hub.safe_yaml import DEFAULT_LIMITS
from hub.safe_yaml import too_large
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.errors import ApiError
from hub.web.ratelimit import client_address
from hub.web.translations import refusal

rule_editor = Blueprint("rule_editor", __name__)
EDITORS = (Role.FINANCE, Role.ADMIN)
SIMULATION_ROWS_SHOWN = 500


def _text() -> str:
    text = request.form.get("text", "")
    refused = too_large(len(text.encode("utf-8")), DEFAULT_LIMITS)
    if refused is not None:
        raise ApiError(413, "too_large", lazy_gettext("this rule file cannot be checked: "
                                                      "%(problem)s", problem=refused))
    return text.replace("\r\n", "\n")


def _problem(problem: RuleProblem) -> dict[str, Any]:
    return {"line": problem.line, "rule": problem.rule, "message": problem.message,
            "severity": problem.severity, "text": str(problem)}


def _file_name() -> str:
    active = hub().rule_files.active()
    return active.file_name if active else "rules.yaml"


def _audit(action: str, detail: dict[str, Any]) -> None:
    the_hub = hub()
    with the_hub.engine.begin() as connection:
        staff.audit(connection, actor=require_viewer().email, action=action, target="rules",
                    address=client_address(), now=the_hub.clock.now(), detail=detail)


@rule_editor.get("/rules")
@roles_required(*EDITORS)
def index() -> str:
    status = hub().policy_status()  # read only: an edited file goes live with the cycle
    files = hub().rule_files
    active = files.active()
    return render_template("rules/editor.html", text=active.text if active else "",
                           active=active, history=files.history(50), pending=status.pending,
                           problems=[_problem(p) for p in status.problems])


@rule_editor.post("/rules/validate")
@roles_required(*EDITORS)
def validate() -> Response:
    """The compiler's messages for the text being edited (the editor calls this live)."""
    problems = hub().rule_files.validate(_text(), _file_name(), limited=True)
    return jsonify({"problems": [_problem(p) for p in problems],
                    "ok": not any(p.severity == "error" for p in problems)})


@rule_editor.post("/rules/simulate")
@roles_required(*EDITORS)
def simulate() -> str | tuple[str, int]:
    text = _text()
    files = hub().rule_files
    problems = files.validate(text, _file_name(), limited=True)
    today = hub().clock.today()
    if any(p.severity == "error" for p in problems):
        return render_template("rules/editor.html", text=text, active=files.active(),
                               history=files.history(50),
                               problems=[_problem(p) for p in problems]), 422
    try:
        rows = files.simulate(text, today, in_force=hub().policy(), file_name=_file_name())
    except RuleFileError as exc:
        return render_template("rules/editor.html", text=text, active=files.active(),
                               history=files.history(50),
                               problems=[{"text": str(exc), "severity": "error",
                                          "line": None}]), 422
    counts = {change: sum(1 for r in rows if r.change == change)
              for change in ("new", "changed", "gone")}
    return render_template("rules/simulation.html", text=text, rows=rows[:SIMULATION_ROWS_SHOWN],
                           total=len(rows), counts=counts, today=today,
                           problems=[_problem(p) for p in problems])


@rule_editor.post("/rules/activate")
@roles_required(*EDITORS)
def activate() -> Response | tuple[str, int]:
    viewer = require_viewer()
    text = _text()
    note = request.form.get("note", "").strip()[:500] or None
    files = hub().rule_files
    problems = files.validate(text, _file_name(), limited=True)
    if any(p.severity == "error" for p in problems):
        files.refuse(text, viewer.email, problems, file_name=_file_name(), source="web")
        _audit("rules.refused", {"error": "; ".join(
            str(p) for p in problems if p.severity == "error")[:500]})
        return render_template("rules/editor.html", text=text, active=files.active(),
                               history=files.history(50),
                               problems=[_problem(p) for p in problems]), 422
    try:
        version = files.activate(text, viewer.email, file_name=_file_name(), source="web",
                                 note=note)
    except RuleFileError as exc:
        _audit("rules.refused", {"error": str(exc)[:500]})
        problems = [*problems, RuleProblem(_file_name(), None, None, str(exc))]
        return render_template("rules/editor.html", text=text, active=files.active(),
                               history=files.history(50),
                               problems=[_problem(p) for p in problems]), 422
    _audit("rules.activated", {"version": version.version, "sha256": version.sha256,
                               "note": note})
    flash(_("Version %(version)s is now in force.", version=version.version), "ok")
    return redirect(url_for("rule_editor.index"))


@rule_editor.get("/rules/versions/<int:number>")
@roles_required(*EDITORS)
def version_page(number: int) -> str:
    files = hub().rule_files
    version = files.version(number)
    active = files.active()
    diff = files.diff(number) if active and active.version != number else ""
    return render_template("rules/version.html", version=version, active=active, diff=diff)


@rule_editor.post("/rules/versions/<int:number>/rollback")
@roles_required(*EDITORS)
def rollback(number: int) -> Response:
    viewer = require_viewer()
    try:
        version = hub().rule_files.rollback(number, viewer.email)
    except RuleFileError as exc:
        flash(_("Version %(number)s cannot go back in force: %(problem)s", number=number,
                problem=refusal(exc)), "error")
        return redirect(url_for("rule_editor.version_page", number=number))
    _audit("rules.rolled_back", {"to": number, "version": version.version})
    flash(_("Version %(number)s is back in force as version %(version)s.", number=number,
            version=version.version), "ok")
    return redirect(url_for("rule_editor.index"))
