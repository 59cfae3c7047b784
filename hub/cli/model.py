"""`model train|evaluate|explain CUSTOMER|list`: the payment-prediction models."""

from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.domain.prediction import LATE_CLASSES
from hub.ledger import model_versions
from hub.ledger.tables import customers


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value, "en")
    except ParseError as exc:
        raise UserError(f"{option}: {exc}") from None


def _rounds(value: int) -> int:
    if value < 20:
        raise UserError(f"--bootstrap: at least 20 resamples, got {value}")
    return value


@click.group("model")
def model_group() -> None:
    """Payment prediction: who will pay late, and how late (docs/prediction.md)."""


@model_group.command("evaluate")
@click.option("--cut", help="test on invoices issued from this day (default: the day "
              "that leaves 70% of the paid invoices before it)")
@click.option("--bootstrap", "rounds", default=200, show_default=True,
              help="resamples for the confidence intervals")
@click.option("--undated-disputes", is_flag=True,
              help="take imported dispute flags (which carry no date) as known from the "
                   "issue date: LOOKS AHEAD; only to measure what that flag is worth")
@click.pass_context
def evaluate_command(ctx: click.Context, cut: str | None, rounds: int,
                     *, undated_disputes: bool) -> None:
    """Time-split evaluation beside both baselines; nothing is stored."""
    from hub.services.prediction.predictions import evaluate_ledger  # noqa: PLC0415 - loads sklearn

    hub = get_hub(ctx)
    evaluation = evaluate_ledger(hub.engine, cut=_day(cut, "--cut"), rounds=_rounds(rounds),
                                 undated_disputes=undated_disputes)
    if undated_disputes:
        click.echo("WARNING: imported dispute flags taken as known from the issue date "
                   "(look-ahead); the hub never predicts this way")
    for line in evaluation.lines():
        click.echo(line)


@model_group.command("train")
@click.option("--cut", help="the evaluation's split day (default: 70% of paid invoices "
              "before it)")
@click.option("--bootstrap", "rounds", default=200, show_default=True,
              help="resamples for the confidence intervals")
@click.pass_context
def train_command(ctx: click.Context, cut: str | None, rounds: int) -> None:
    """Evaluate, learn from every paid invoice, store the version (used only when it beat
    both baselines)."""
    from hub.services.prediction.predictions import train  # noqa: PLC0415 - loads sklearn

    hub = get_hub(ctx)
    trained = train(hub.engine, as_of=hub.clock.today(), actor=cli_actor(),
                    now=hub.clock.now(), cut=_day(cut, "--cut"), rounds=_rounds(rounds))
    for line in trained.evaluation.lines():
        click.echo(line)
    v = trained.version
    used = ("in use" if v.status == model_versions.ACTIVE else
            "stored, NOT used: predictions stay on the customer-history baseline")
    click.echo(f"model v{v.version}: learnt from {v.rows} paid invoices issued "
               f"{v.data_from} .. {v.data_to}; {used}")


@model_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every stored model version, newest first."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        versions = model_versions.history(connection)
    if not versions:
        click.echo("no model trained: predictions come from each customer's history")
        return
    rows = [[f"v{v.version}", v.status, f"{v.created_at:%Y-%m-%d %H:%M}", v.actor,
             f"{v.data_from} .. {v.data_to}", str(v.rows), str(v.cut_date),
             f"{v.metrics.get('gain_over_history', {}).get('value', 0):+.3f}"]
            for v in versions]
    click.echo(table(["version", "status", "trained", "by", "data", "rows", "cut",
                      "AUC gain"], rows, [5, 7]))


@model_group.command("explain")
@click.argument("customer")
@click.option("--as-of", "as_of", help="the day to predict on (default: today)")
@click.pass_context
def explain_command(ctx: click.Context, customer: str, as_of: str | None) -> None:
    """The prediction for CUSTOMER's open invoices and its top reasons."""
    from hub.services.prediction.predictions import predict_accounts  # noqa: PLC0415 - loads sklearn

    hub = get_hub(ctx)
    day = _day(as_of, "--as-of") or hub.clock.today()
    with hub.engine.connect() as connection:
        customer_id = connection.execute(sa.select(customers.c.id)
                                         .where(customers.c.code == customer)).scalar()
        if customer_id is None:
            raise NotFound(f"there is no customer {customer!r}")
        found = predict_accounts(connection, [customer_id], day, with_reasons=True)
    outlook = found.get(customer_id)
    if outlook is None:
        click.echo(f"{customer} on {day}: nothing open, nothing to predict")
        return
    p = outlook.prediction
    click.echo(f"{customer} on {day}, from the {p.source}")
    click.echo(f"  p_late {p.p_late:.2f}  late_class {p.late_class_text}  "
               f"expected_days_to_pay {p.expected_days_to_pay:.0f}  "
               f"expected recovery {p.expected_recovery:.2f}")
    for reason in p.reasons:
        click.echo(f"  - {reason}")
    for invoice in outlook.invoices:
        i = invoice.prediction
        shares = "  ".join(f"{name} {share:.0%}"
                           for name, share in zip(LATE_CLASSES, i.classes, strict=True))
        click.echo(f"  {i.invoice_number}: open {i.open_amount:.2f}, {i.days_overdue} days "
                   f"overdue, p_late {i.p_late:.2f}, {shares}, paid "
                   f"{i.expected_days_to_pay:.0f} days after issue")


def register(cli: click.Group) -> None:
    cli.add_command(model_group)
