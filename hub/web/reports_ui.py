"""The reports page: aging, DSO trend, CEI, promise-kept rate, recovery per ladder
step and channel, collector productivity; SVG charts and CSV/XLSX downloads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from hub.domain.errors import NotFound
from hub.domain.model import Role
from hub.domain.money import Money
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.domain.reports import BUCKETS
from hub.i18n import lazy_gettext
from hub.ledger.users import list_users
from hub.web import exports
from hub.web.access import Viewer
from hub.web.access import hub
from hub.web.access import require_viewer
from hub.web.access import roles_required
from hub.web.charts import Series
from hub.web.charts import bar_chart
from hub.web.charts import line_chart
from hub.web.errors import bad_parameter
from hub.web.numbers import amount
from hub.web.numbers import number
from hub.web.report_tables import TABLES
from hub.web.report_tables import ReportPeriod
from hub.web.report_tables import Table
from hub.web.translations import translated

reports = Blueprint("reports", __name__)
READERS = (Role.MANAGER, Role.FINANCE, Role.ADMIN, Role.READ_ONLY)
MAX_MONTHS = 24
CACHE_SECONDS = 300.0


def _period() -> ReportPeriod:
    today = hub().clock.today()
    raw = request.args.get("as_of", "").strip()
    try:
        as_of = parse_date(raw, "en") if raw else today  # the one date reader
    except ParseError:
        raise bad_parameter("as_of", raw, "a date YYYY-MM-DD") from None
    months_raw = request.args.get("months", "6").strip()
    if not months_raw.isdigit() or not 1 <= int(months_raw) <= MAX_MONTHS:
        raise bad_parameter("months", months_raw, f"a number of months from 1 to {MAX_MONTHS}")
    return ReportPeriod(as_of, int(months_raw))


class TableCache:
    """Report tables kept for a few minutes per web process: aging, DSO and CEI read the
    whole ledger, and the page, its CSV and its XLSX ask for the same figures."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._tables: dict[tuple[str, date, int, str | None], tuple[float, Table]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, period: ReportPeriod, build: Callable[[], Table],
            department: str | None = None) -> Table:
        key = (name, period.as_of, period.months, department)
        now = time.monotonic()
        with self._lock:
            found = self._tables.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        table = build()
        with self._lock:
            self._tables = {k: v for k, v in self._tables.items() if now - v[0] < self.seconds}
            self._tables[key] = (now, table)
        return table


def _cache() -> TableCache:
    app = current_app
    cache: TableCache | None = app.extensions.get("hub.report_cache")
    if cache is None:
        cache = app.extensions.setdefault("hub.report_cache", TableCache())
    return cache


def _table(name: str, viewer: Viewer, period: ReportPeriod) -> Table:
    build = TABLES.get(name)
    if build is None:
        raise NotFound(lazy_gettext("no report called %(name)s; choose one of %(names)s",
                                    name=repr(name), names=", ".join(TABLES)))
    engine = hub().engine
    department = viewer.department_filter()  # a manager: their department's accounts only
    table = _cache().get(name, period, lambda: build(engine, period, department), department)
    if name == "productivity" and viewer.role == Role.MANAGER:  # their own team only
        with hub().engine.connect() as connection:
            team = {u.email.lower() for u in list_users(connection)
                    if u.department == viewer.department}
        table = Table(table.name, table.title, table.columns,
                      [r for r in table.rows if r["person"] in team])
    return table


def _main_currency(aging: Table) -> str | None:
    chosen = request.args.get("currency", "").upper()
    currencies = [r["currency"] for r in aging.rows]
    if chosen in currencies:
        return chosen
    best = max(aging.rows, key=lambda r: r["total"], default=None)
    return str(best["currency"]) if best else None


def _charts(tables: dict[str, Table], currency: str | None,
            period: ReportPeriod) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    aging_row = next((r for r in tables["aging"].rows if r["currency"] == currency), None)
    if aging_row is not None:
        charts["aging"] = bar_chart(
            _("Open %(currency)s by days overdue", currency=currency),
            [translated(b.label) for b in BUCKETS],
            [Series(currency or "", [aging_row[b.key] for b in BUCKETS])])
    months = [w.end.strftime("%Y-%m") for w in period.windows]  # every month, gaps too
    dso = {r["month_end"][:7]: r["dso"] for r in tables["dso"].rows
           if r["currency"] == currency}
    if dso:
        charts["dso"] = line_chart(_("DSO in days (%(currency)s)", currency=currency), months,
                                   Series("DSO", [dso.get(m) for m in months]))
    cei = {r["month"]: r["cei"] for r in tables["cei"].rows if r["currency"] == currency}
    if cei:
        charts["cei"] = bar_chart(_("CEI %% per month (%(currency)s)", currency=currency),
                                  months,
                                  [Series("CEI", [cei.get(m) for m in months])])
    for name, label in (("promises", "month"), ("steps", "step"), ("channels", "channel")):
        rows = tables[name].rows
        if rows:
            charts[name] = bar_chart(f"{translated(tables[name].title)}: %",
                                     [str(r[label]) for r in rows],
                                     [Series("%", [r["rate"] for r in rows])])
    return charts


def _kpis(tables: dict[str, Table], currency: str | None) -> list[tuple[str, str]]:
    kpis: list[tuple[str, str]] = []
    aging_row = next((r for r in tables["aging"].rows if r["currency"] == currency), None)
    if aging_row is not None:
        kpis += [(_("Open"), amount(Money(aging_row["total"], str(currency)))),
                 (_("Overdue"), amount(Money(aging_row["overdue"], str(currency))))]
    dso = [r for r in tables["dso"].rows if r["currency"] == currency]
    if dso:
        days = dso[-1]["dso"]
        kpis.append((_("DSO on %(date)s", date=dso[-1]["month_end"]),
                     ngettext("%(days)s day", "%(days)s days", int(days), days=number(days))))
    cei = [r for r in tables["cei"].rows if r["currency"] == currency and r["cei"] is not None]
    if cei:
        kpis.append((_("CEI, %(month)s", month=cei[-1]["month"]), f"{number(cei[-1]['cei'])} %"))
    kept = sum(r["kept"] for r in tables["promises"].rows)
    broken = sum(r["broken"] for r in tables["promises"].rows)
    if kept + broken:
        rate = (Decimal(kept) * 100 / (kept + broken)).quantize(Decimal("0.1"))
        kpis.append((_("Promises kept"), f"{number(rate)} %"))
    return kpis


@reports.get("/reports")
@roles_required(*READERS)
def index() -> str:
    viewer = require_viewer()
    period = _period()
    tables = {name: _table(name, viewer, period) for name in TABLES}
    currency = _main_currency(tables["aging"])
    currencies = [r["currency"] for r in tables["aging"].rows]
    query: dict[str, Any] = {"as_of": period.as_of.isoformat(), "months": period.months}
    return render_template("reports.html", tables=tables, charts=_charts(tables, currency, period),
                           kpis=_kpis(tables, currency), period=period, currency=currency,
                           currencies=currencies, query=query)


@reports.get("/reports/<name>.<fmt>")
@roles_required(*READERS)
def download(name: str, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound(lazy_gettext("no %(format)s download; choose csv or xlsx",
                                    format=repr(fmt)))
    table = _table(name, require_viewer(), _period())
    return exports.as_csv(table) if fmt == "csv" else exports.as_xlsx(table)
