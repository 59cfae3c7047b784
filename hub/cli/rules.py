"""`rules check [FILE]`, `rules explain CUSTOMER`, `rules simulate FILE`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from hub.bootstrap.rules import Explainer
from hub.bootstrap.rules import check_rule_file
from hub.bootstrap.rules import check_templates
from hub.bootstrap.rules import experiments_in
from hub.bootstrap.rules import people_named
from hub.bootstrap.rules import read_rule_file
from hub.bootstrap.rules import rules_path
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.config import Settings
from hub.domain.decisions import describe_action
from hub.domain.errors import NotFound
from hub.domain.errors import RuleFileError
from hub.domain.errors import UserError
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.services.cycle.account_facts import load_account_facts
from hub.services.cycle.assignees import unknown_people


@click.group("rules")
def rules_group() -> None:
    """Finance's rule file: check it, explain a customer, simulate a change."""


def _default_file() -> Path:
    return rules_path(Settings.from_env())


@rules_group.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.pass_context
def check(ctx: click.Context, file: Path | None) -> None:
    """Check a rule file (default: HUB_RULES_FILE) without activating it.

    Exit status 0 when it can go live, 2 when it cannot (like every input error)."""
    path = file or _default_file()
    if not path.exists():
        raise UserError(f"{path}: no such rule file")
    problems = check_rule_file(path, Settings.from_env().templates_dir)
    refused = any(p.severity == "error" for p in problems)
    named = [] if refused else people_named(path.read_text(encoding="utf-8"), path.name)
    if named:
        try:
            with get_hub(ctx).engine.connect() as connection:
                problems += unknown_people(connection, named, path.name)
        except Exception as exc:  # the file can be checked without a ledger
            click.secho(f"{path.name}: the people it names were not checked against the "
                        f"hub's users ({type(exc).__name__}: {exc})", fg="yellow")
    for problem in problems:
        colour = "red" if problem.severity == "error" else "yellow"
        click.secho(str(problem), fg=colour)
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        click.secho(f"{path.name}: {errors} error{'s' if errors != 1 else ''}; the file "
                    f"cannot go live", fg="red", err=True)
        raise SystemExit(2)
    for line in experiments_in(path.read_text(encoding="utf-8"), path.name):
        click.echo(line)
    click.secho(f"{path.name}: OK, the file can go live", fg="green")


def _as_of(value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return parse_date(value, "en")  # the one date reader
    except ParseError as exc:
        raise UserError(f"--as-of: {exc}") from None


@rules_group.command("explain")
@click.argument("customer")
@click.option("--as-of", "as_of", help="the day to decide for (default: today)")
@click.pass_context
def explain_command(ctx: click.Context, customer: str, as_of: str | None) -> None:
    """Why the rules in force decide what they do for CUSTOMER."""
    hub = get_hub(ctx)
    day = _as_of(as_of, hub.clock.today())
    policy = hub.policy()
    explainer = Explainer(policy)
    with hub.engine.connect() as connection:
        found = list(load_account_facts(connection, as_of=day, customer_codes=[customer],
                                        enforcement=hub.settings.enforcement,
                                        predictions=policy.uses_predictions))
    if not found:
        raise NotFound(f"there is no customer {customer!r}")
    result = explainer.explain(found[0])
    click.echo(f"{result.customer_code} on {result.as_of}, rules {explainer.file_name} "
               f"({policy.version[:12]})")
    click.echo(f"  segment: {result.segment or 'none matches'}")
    for line in hub.campaigns.explain_lines(result.segment, list(result.decisions)):
        click.echo(f"  {line}")
    click.echo(f"  paused by: {result.pause or 'nothing'}")
    click.echo("  facts: " + ", ".join(f"{k}={_shown(v)}"
                                       for k, v in sorted(result.facts.items())))
    rows = [["yes" if c.matched else "no", c.kind,
             f"{c.ladder} / {c.name}" if c.ladder else c.name, str(c.line), c.condition]
            for c in result.checks]
    click.echo(table(["match", "kind", "name", "line", "condition"], rows))
    for decision in result.decisions:
        state = f"paused by {decision.paused_by}" if decision.paused_by else "decided"
        click.echo(f"{state}: {decision.rule} ({decision.source}), key {decision.key}")
        for action in decision.actions:
            click.echo(f"    {describe_action(action)}")
    for note in result.notes:
        click.echo(f"note: {note}")
    if not result.decisions:
        click.echo("no decision today")


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower() if isinstance(value, bool) else str(value)


@rules_group.command("simulate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", help="the day to compare (default: today)")
@click.pass_context
def simulate(ctx: click.Context, file: Path, as_of: str | None) -> None:
    """The decisions that would differ from the rules in force if FILE went live."""
    hub = get_hub(ctx)
    day = _as_of(as_of, hub.clock.today())
    try:
        text = read_rule_file(file)
        rows = hub.rule_files.simulate(text, day, in_force=hub.policy(), file_name=file.name)
    except RuleFileError as exc:
        raise UserError(str(exc)) from None
    if not rows:
        click.echo(f"{file.name}: no decision on {day} would change")
        return
    click.echo(table(["customer", "change", "rule", "rules in force", file.name],
                     [[r.customer_code, r.change, r.rule, r.in_force, r.candidate]
                      for r in rows]))
    click.echo(f"{len(rows)} decision{'s' if len(rows) != 1 else ''} would change on {day} "
               f"(in force: {rules_path(hub.settings).name})")


@click.group("templates")
def templates_group() -> None:
    """Finance's message templates (HUB_TEMPLATES_DIR), over the shipped ones."""


@templates_group.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path))
def templates_check(folder: Path | None) -> None:
    """Check a templates folder (default: HUB_TEMPLATES_DIR) before it is used."""
    folder = folder or Settings.from_env().templates_dir
    if folder is None:
        raise UserError("no templates folder: set HUB_TEMPLATES_DIR or name the folder "
                        "(python app.py templates check FOLDER)")
    problems = check_templates(folder)
    for problem in problems:
        click.secho(str(problem), fg="red" if problem.severity == "error" else "yellow")
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        click.secho(f"{folder}: {errors} error{'s' if errors != 1 else ''}; fix them before "
                    f"the hub sends from this folder", fg="red", err=True)
        raise SystemExit(2)
    click.secho(f"{folder}: OK, {len(list(folder.glob('*/*.j2')))} template file(s)",
                fg="green")


def register(cli: click.Group) -> None:
    cli.add_command(rules_group)
    cli.add_command(templates_group)
