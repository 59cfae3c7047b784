"""`experiments list`, `experiments report NAME --days N`: what finance's rule-file
experiments show (recovery within N days per variant, the difference, its interval)."""

from __future__ import annotations

import json
from datetime import date

import click

from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.domain.errors import UserError
from hub.domain.experiments import points
from hub.domain.experiments import verdict
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.services.prediction.experiments import ExperimentReport
from hub.services.prediction.experiments import experiments
from hub.services.prediction.experiments import report_data


@click.group("experiments")
def experiments_group() -> None:
    """Campaign experiments of the rule file: which variant of a step recovers more."""


@experiments_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every experiment with accounts dealt a variant, and the rule file's experiments."""
    hub = get_hub(ctx)
    plans = hub.experiment_plans()
    with hub.engine.connect() as connection:
        found = {summary.name: summary for summary in experiments(connection)}
    rows = []
    for name in sorted(set(plans) | set(found)):
        plan, seen = plans.get(name), found.get(name)
        shares = ", ".join(f"{v} {s:g}%" for v, s in plan.variants) if plan else \
            "(no longer in the rule file)"
        rows.append([name, f"{plan.ladder} / {plan.step}" if plan else "-", shares,
                     str(seen.accounts if seen else 0),
                     f"{seen.first_assigned} .. {seen.last_assigned}" if seen else "-"])
    if not rows:
        click.echo("no experiments: add `experiment:` to a step of the rule file "
                   "(docs/experiments.md)")
        return
    click.echo(table(["experiment", "step", "variants", "accounts", "exposed"], rows, [3]))


def report_text(report: ExperimentReport) -> str:
    lines = [f'Experiment "{report.name}": recovery within {report.days} days of exposure, '
             f"as of {report.as_of} ({report.currency})"]
    if report.first_assigned:
        lines.append(f"accounts exposed {report.first_assigned} .. {report.last_assigned}; "
                     f"control: {report.control}")
    rows = [[v.variant + (" (control)" if v.variant == report.control else ""),
             str(v.accounts), str(v.running), f"{v.owed:,.2f}", f"{v.recovered:,.2f}",
             f"{points(v.rate)}%"] for v in report.variants]
    lines += ["", table(["variant", "accounts", "running", "owed", "recovered", "recovery"],
                        rows, [1, 2, 3, 4, 5]), ""]
    accounts = {v.variant: v.accounts for v in report.variants}
    for c in report.comparisons:
        lines.append(f"- {verdict(c, accounts[c.variant], accounts[c.against])}")
    if not report.comparisons:
        lines.append("- no comparison yet: each variant needs at least two accounts whose "
                     f"{report.days} days are over")
    lines.append("")
    lines.append('"running": exposed fewer than N days ago, not counted yet. Interval: 95% '
                 "percentile bootstrap over accounts (docs/experiments.md).")
    if report.other_currencies:
        lines.append(f"{report.other_currencies} accounts owing in other currencies are not "
                     "counted (--currency picks one).")
    return "\n".join(lines)


@experiments_group.command("report")
@click.argument("name")
@click.option("--days", type=int, default=30, show_default=True,
              help="Count payments received within this many days of each account's "
                   "exposure.")
@click.option("--as-of", "as_of", help="Report date, YYYY-MM-DD (default: today).")
@click.option("--against", help="Compare with this variant (default: the control).")
@click.option("--effect", type=float, default=None,
              help="Smallest difference worth knowing, in points, for the accounts still "
                   "needed (default 5).")
@click.option("--currency", help="Count accounts owing in this currency (default: the most "
                                 "common).")
@click.option("--format", "output", type=click.Choice(("table", "json")), default="table",
              show_default=True)
@click.pass_context
def report_command(ctx: click.Context, name: str, days: int, as_of: str | None,  # noqa: PLR0917
                   against: str | None, effect: float | None, currency: str | None,
                   output: str) -> None:
    """Recovery within N days per variant of experiment NAME: the difference against the
    control, its 95% interval and the accounts still needed for a clear answer."""
    hub = get_hub(ctx)
    day: date | None = None
    if as_of:
        try:
            day = parse_date(as_of, "en")
        except ParseError as exc:
            raise UserError(f"--as-of: {exc}") from None
    if effect is not None and not 0 < effect <= 100:
        raise UserError(f"--effect is in points, above 0 and at most 100, got {effect:g}")
    report = hub.experiment_report(name, days=days, as_of=day, against=against,
                                   effect=None if effect is None else effect / 100,
                                   currency=currency and currency.upper())
    if output == "json":
        click.echo(json.dumps(report_data(report), indent=2))
    else:
        click.echo(report_text(report))


def register(cli: click.Group) -> None:
    cli.add_command(experiments_group)
