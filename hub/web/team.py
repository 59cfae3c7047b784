"""Department and supervision views: every collector (idle ones too) with their open
accounts, overdue amount, promises due and broken and tasks done today; then the overdue
tasks, promises due today and broken promises. A manager sees their department; finance,
admin and read-only staff any department (or all)."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import time

from flask import Blueprint
from flask import render_template
from flask import request

from hub.domain.model import Role
from hub.ledger.tables import customers
from hub.services.read import supervision
from hub.services.read.team_figures import overdue_totals
from hub.services.read.team_figures import team_figures
from hub.services.read.team_figures import week_end
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required

team = Blueprint("team", __name__)


def _departments() -> list[str]:
    with hub().engine.connect() as connection:
        return [d for (d,) in connection.execute(
            customers.select().with_only_columns(customers.c.department).distinct()
            .where(customers.c.department.is_not(None)).order_by(customers.c.department))]


@team.get("/team")
@roles_required(Role.MANAGER, Role.FINANCE, Role.ADMIN, Role.READ_ONLY)
def team_page() -> str:
    viewer = require_viewer()
    if viewer.role == Role.MANAGER:
        department: str | None = viewer.department_filter()
        choices: list[str] = []
    else:
        department = request.args.get("department", "").strip() or None
        choices = _departments()
    today = hub().clock.today()
    day_start = datetime.combine(today, time.min, tzinfo=hub().settings.zone).astimezone(UTC)
    with hub().engine.connect() as connection:
        people = team_figures(connection, today=today, day_start=day_start,
                              department=department)
        late = supervision.overdue_tasks(connection, as_of=today, department=department)
        due = supervision.promises_due(connection, on=today, department=department)
        broken = supervision.broken_promises(connection, as_of=today, department=department)
    return render_template("team.html", people=people,
                           overdue_total=overdue_totals(people), week_end=week_end(today),
                           late=late, due=due, broken=broken,
                           department=department, choices=choices, today=today,
                           manager=viewer.role == Role.MANAGER)
