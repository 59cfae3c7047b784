"""`campaign list | templates | start | show | pause | resume | stop | save-template`:
campaigns on top of finance's rule file (docs/campaigns.md)."""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.domain.campaigns import CampaignFormError
from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import Target
from hub.domain.campaigns import settings_from_form
from hub.domain.campaigns import with_channel_first
from hub.domain.errors import UserError
from hub.ledger.campaigns import CampaignRow
from hub.services.cycle.campaigns import CampaignRefused
from hub.services.cycle.campaigns import Draft
from hub.services.cycle.campaigns import SimulatedDay
from hub.services.read.api_queries import Scope


@click.group("campaign")
def campaign_group() -> None:
    """Campaigns: a template with adjustments, on top of finance's rule file."""


def _steps(settings: CampaignSettings) -> str:
    return ", ".join(f"{s.channel} day {s.day}" for s in settings.steps)


def _describe(settings: CampaignSettings) -> str:
    stops = ", ".join(settings.stop_when) or "none"
    if settings.stop_below is not None:
        stops += f", below {settings.stop_below}"
    return (f"{_steps(settings)}; tone {settings.tone}; fees {'on' if settings.fees else 'off'};"
            f" stop when: {stops}")


@campaign_group.command("templates")
@click.pass_context
def templates_command(ctx: click.Context) -> None:
    """The templates a campaign starts from (shipped and saved)."""
    rows = [[t.key, "shipped" if t.builtin else "saved", _describe(t.settings)]
            for t in get_hub(ctx).campaigns.templates()]
    click.echo(table(["template", "kind", "steps"], rows))


@campaign_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every campaign with its state."""
    found = get_hub(ctx).campaigns.all()
    if not found:
        click.echo("no campaigns: start one with `campaign start NAME --template standard "
                   "--customer CODE`")
        return
    click.echo(table(["campaign", "state", "started", "version", "template", "steps"],
                     [[c.name, c.state, str(c.started_on), str(c.version), c.template,
                       _steps(c.settings)] for c in found]))


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise UserError(f'{option}: "{value}" is not an amount such as 500.00') from None


def _settings(base: CampaignSettings, *, channels: str | None, days: str | None,
              first_channel: str | None, tone: str | None, fees: bool | None,
              stop_when: str | None, stop_below: str | None) -> CampaignSettings:
    """`base` (a template's or a campaign's settings) with the options given."""
    if first_channel:
        base = with_channel_first(base, first_channel.strip().lower())
    try:
        return settings_from_form(
            _split(channels) or [s.channel for s in base.steps],
            _split(days) or [str(s.day) for s in base.steps],
            tone=tone or base.tone, fees=base.fees if fees is None else fees,
            stop_when=_split(stop_when) if stop_when is not None else list(base.stop_when),
            stop_below=stop_below if stop_below is not None else
            ("" if base.stop_below is None else str(base.stop_below)))
    except CampaignFormError as exc:
        raise UserError(f"--{exc.field.split('-')[-1].replace('_', '-')}: {exc.message}") \
            from None


@campaign_group.command("start")
@click.argument("name")
@click.option("--template", "template_key", default="standard", show_default=True,
              help="friendly, standard, firm or a saved template")
@click.option("--customer", help="one customer's code")
@click.option("--segment", help="selection: customers of this ERP segment")
@click.option("--country", help="selection: customers of this country (DE)")
@click.option("--min-days", type=int, help="selection: at least this many days overdue")
@click.option("--min-amount", help="selection: at least this overdue amount")
@click.option("--max-score", type=int, help="selection: a risk score at most this")
@click.option("--channels", help="the channel order, e.g. sms,email,letter (default: the "
                                 "template's)")
@click.option("--days", help="each step's day after joining, e.g. 0,5,14")
@click.option("--first", "first_channel", help="move this channel to the first step")
@click.option("--tone", help="friendly, standard or firm")
@click.option("--fees/--no-fees", default=None, help="statutory fees at the last step")
@click.option("--stop-when", help="promise,plan,dispute (default: the template's)")
@click.option("--stop-below", help="stop while the overdue balance is below this amount")
@click.option("--dry-run", is_flag=True, help="check and simulate, start nothing")
@click.option("--simulate", "simulate_days", type=click.IntRange(1, 365), metavar="DAYS",
              help="with --dry-run: simulate the first DAYS days (messages per day and "
                   "channel, customers and amounts reached), as the onboarding page does")
@click.pass_context
def start_command(ctx: click.Context, *, name: str, template_key: str, customer: str | None,
                  segment: str | None, country: str | None, min_days: int | None,
                  min_amount: str | None, max_score: int | None, channels: str | None,
                  days: str | None, first_channel: str | None, tone: str | None,
                  fees: bool | None, stop_when: str | None, stop_below: str | None,
                  dry_run: bool, simulate_days: int | None) -> None:
    """Start campaign NAME from a template for one customer (--customer) or a selection."""
    hub = get_hub(ctx)
    service = hub.campaigns
    template = service.template(template_key)
    settings = _settings(template.settings, channels=channels, days=days,
                         first_channel=first_channel, tone=tone, fees=fees,
                         stop_when=stop_when, stop_below=stop_below)
    selection = any(v is not None for v in (segment, country, min_days, min_amount, max_score))
    if (customer is None) == (not selection):
        raise UserError("give --customer CODE, or a selection (--segment, --country, "
                        "--min-days, --min-amount, --max-score), not both")
    target = Target(customer, segment, country, min_days, _decimal(min_amount, "--min-amount"),
                    max_score)
    draft = Draft(name, template.key, settings, target)
    try:
        if simulate_days is not None and not dry_run:
            raise UserError("--simulate goes with --dry-run (nothing is started)")
        if simulate_days is not None:
            _print_days(service.simulate_days(draft, Scope(), days=simulate_days), name,
                        settings)
            return
        if dry_run:
            decisions = service.simulate(draft, Scope())
            click.echo(f'campaign "{name}" can start: {_describe(settings)}')
            for decision in decisions:
                state = f"paused by {decision.paused_by}" if decision.paused_by else "today"
                click.echo(f"  {decision.customer_code}: {decision.rule} ({state})")
            if not decisions:
                click.echo("  nothing is due today for its customers")
            click.echo("(dry run: nothing was started)")
            return
        started = service.start(draft, cli_actor(), Scope())
    except CampaignRefused as exc:
        for field_name, message in exc.problems:
            click.secho(f"{field_name}: {message}", fg="red", err=True)
        raise SystemExit(2) from None
    members = service.view(started.name, Scope(), per_page=1).members.total
    click.echo(f'campaign "{started.name}" started on {started.started_on} for {members} '
               f"customer{'s' if members != 1 else ''}: {_describe(started.settings)}")


def _print_days(days: list[SimulatedDay], name: str, settings: CampaignSettings) -> None:
    click.echo(f'campaign "{name}" can start: {_describe(settings)}')
    for day in days:
        if not day.total:
            continue
        sent = ", ".join(f"{channel} {count}" for channel, count in sorted(day.messages.items()))
        amounts = ", ".join(f"{m.amount:,.2f} {m.currency}" for m in day.amount_reached)
        click.echo(f"  day {day.campaign_day} ({day.day}): {sent}; reached so far "
                   f"{day.customers_reached} customers owing {amounts}")
    if not days:
        click.echo("  no customer of the selection has an overdue debt")
    click.echo(f"(dry run over {len(days)} days, nobody paying or answering: nothing was "
               "started)")


def _state(found: CampaignRow) -> str:
    return {"paused": f"paused since {found.paused_on}",
            "stopped": f"stopped on {found.stopped_on}"}.get(found.state, "running")


@campaign_group.command("show")
@click.argument("name")
@click.option("--page", default=1, show_default=True)
@click.option("--per-page", default=50, show_default=True)
@click.pass_context
def show_command(ctx: click.Context, name: str, page: int, per_page: int) -> None:
    """Campaign NAME per customer: step reached, next step and date, messages, responses,
    promises and the amount recovered since it started; totals."""
    view = get_hub(ctx).campaigns.view(name, Scope(), page=max(1, page),
                                       per_page=max(1, min(per_page, 500)))
    found = view.campaign
    click.echo(f'campaign "{found.name}" ({_state(found)}), started {found.started_on}, '
               f"version {found.version}, template {found.template}")
    click.echo(f"  {_describe(found.settings)}")
    for version in get_hub(ctx).campaigns.versions(found.name):
        click.echo(f"  version {version['version']}: {version['actor']}, "
                   f"{str(version['created_at'])[:16]}")
    rows = [[m.customer_code, f"{m.step_reached} ({m.reached_on})" if m.step_reached else "-",
             f"{m.next_step} ({m.next_on})" if m.next_step else "-",
             str(m.messages_sent), str(m.responses), str(m.promises), str(m.owed_at_start),
             str(m.recovered)] for m in view.members.items]
    click.echo(table(["customer", "step reached", "next step", "sent", "responses",
                      "promises", "owed at start", "recovered"], rows, [3, 4, 5, 6, 7]))
    totals = view.totals
    click.echo(f"totals: {totals['customers']} customers, {totals['reached_a_step']} reached "
               f"a step, {totals['messages_sent']} messages sent, {totals['responses']} "
               f"responses, {totals['promises']} promises; owed at start "
               f"{', '.join(str(m) for m in totals['owed_at_start']) or '0'}, recovered "
               f"{', '.join(str(m) for m in totals['recovered']) or '0'}")
    pages = max(1, -(-view.members.total // view.members.per_page))
    if pages > 1:
        click.echo(f"page {view.members.page} of {pages}")


def _change(ctx: click.Context, name: str, what: str) -> None:
    service = get_hub(ctx).campaigns
    found = getattr(service, what)(name, cli_actor())
    click.echo(f'campaign "{found.name}" is {_state(found)}')


@campaign_group.command("pause")
@click.argument("name")
@click.pass_context
def pause_command(ctx: click.Context, name: str) -> None:
    """Pause campaign NAME: its customers get no step until it is resumed."""
    _change(ctx, name, "pause")


@campaign_group.command("resume")
@click.argument("name")
@click.pass_context
def resume_command(ctx: click.Context, name: str) -> None:
    """Resume campaign NAME: the steps go on, their days shifted by the pause."""
    _change(ctx, name, "resume")


@campaign_group.command("stop")
@click.argument("name")
@click.pass_context
def stop_command(ctx: click.Context, name: str) -> None:
    """Stop campaign NAME for good: its customers go back to finance's ladders."""
    _change(ctx, name, "stop")


@campaign_group.command("adjust")
@click.argument("name")
@click.option("--channels", help="the channel order, e.g. sms,email,letter")
@click.option("--days", help="each step's day after joining, e.g. 0,5,14")
@click.option("--first", "first_channel", help="move this channel to the first step")
@click.option("--tone", help="friendly, standard or firm")
@click.option("--fees/--no-fees", default=None, help="statutory fees at the last step")
@click.option("--stop-when", help="promise,plan,dispute")
@click.option("--stop-below", help="stop while the overdue balance is below this amount")
@click.pass_context
def adjust_command(ctx: click.Context, *, name: str, channels: str | None, days: str | None,
                   first_channel: str | None, tone: str | None, fees: bool | None,
                   stop_when: str | None, stop_below: str | None) -> None:
    """A new version of campaign NAME (what is not given stays): checked like a start; its
    customers keep the steps they passed."""
    service = get_hub(ctx).campaigns
    found = service.get(name)
    settings = _settings(found.settings, channels=channels, days=days,
                         first_channel=first_channel, tone=tone, fees=fees,
                         stop_when=stop_when, stop_below=stop_below)
    try:
        changed = service.adjust(found.name, settings, cli_actor())
    except CampaignRefused as exc:
        for field_name, message in exc.problems:
            click.secho(f"{field_name}: {message}", fg="red", err=True)
        raise SystemExit(2) from None
    click.echo(f'campaign "{changed.name}" is at version {changed.version}: '
               f"{_describe(changed.settings)}")


@campaign_group.command("save-template")
@click.argument("name")
@click.argument("template")
@click.pass_context
def save_template_command(ctx: click.Context, name: str, template: str) -> None:
    """Save campaign NAME's settings as a template named TEMPLATE."""
    saved = get_hub(ctx).campaigns.save_as_template(name, template, cli_actor())
    click.echo(f'template "{saved.name}" saved: {_describe(saved.settings)}')


def register(cli: click.Group) -> None:
    cli.add_command(campaign_group)
