"""Campaigns (docs/campaigns.md): start one from a template for a customer or a selection,
pause, resume, stop, save as template, and follow it per customer.

A campaign's settings become a rule fragment (hub/domain/campaigns.py) that goes on top of
the rule file in force. Starting one checks finance's file with every campaign that is not
stopped plus the new one through the same compiler, checks and activation gate as any rule
file (`RuleFiles.validate`), and simulates what it changes today; a problem is refused with
the compiler's message, placed on the form field it concerns. The rules in force then carry
the campaign (`RuleFiles._with_campaigns`) until it stops, when its customers go back to
finance's ladders where they left them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.campaigns import BUILTIN_TEMPLATES
from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import Target
from hub.domain.campaigns import Template
from hub.domain.campaigns import field_of_problem
from hub.domain.campaigns import fragment
from hub.domain.campaigns import segment_name
from hub.domain.campaigns import slug_of
from hub.domain.clock import day_of
from hub.domain.errors import NotFound
from hub.domain.errors import RuleFileError
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger import campaigns as ledger
from hub.ledger.accounts import mark_due
from hub.ledger.campaigns import CampaignRow
from hub.ledger.event_log import add_events
from hub.ledger.tables import allocations
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import campaign_members
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import payments
from hub.ledger.tables import promises
from hub.services.cycle.rule_files import RuleFiles
from hub.services.cycle.rule_files import merged_name
from hub.services.read.api_queries import Scope
from hub.services.read.queries import Page

OPEN_STATUSES = ("open", "partially_paid")
NAME_LENGTH = 80
CAMPAIGN_STARTED = "campaign.started"
CAMPAIGN_PAUSED = "campaign.paused"
CAMPAIGN_RESUMED = "campaign.resumed"
CAMPAIGN_STOPPED = "campaign.stopped"
CAMPAIGN_ADJUSTED = "campaign.adjusted"
SIMULATED_DAYS = 30
GONE = ("reversed", "returned")  # payments that brought nothing in


class CampaignRefused(UserError):
    """The campaign cannot start: each problem with the form field it belongs to."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("the campaign cannot start: " + "; ".join(m for _, m in problems))
        self.problems = problems

    def by_field(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for name, message in self.problems:
            found[name].append(message)
        return dict(found)


@dataclass(frozen=True, slots=True)
class Draft:
    """A campaign as the form or the command line gives it."""

    name: str
    template: str
    settings: CampaignSettings
    target: Target


@dataclass(frozen=True, slots=True)
class MemberProgress:
    customer_code: str
    customer_name: str
    joined_on: date
    left_on: date | None
    step_reached: str | None
    reached_on: date | None
    next_step: str | None
    next_on: date | None
    messages_sent: int
    messages_waiting: int
    channels: tuple[str, ...]
    responses: int
    last_response: str | None
    promises: int
    owed_at_start: Money
    recovered: Money


@dataclass(frozen=True, slots=True)
class SimulatedDay:
    """One day of a campaign's simulated start (`Campaigns.simulate_days`)."""

    day: date
    campaign_day: int  # days since the start (0: the first cycle)
    messages: dict[str, int]  # channel (email, sms, letter, whatsapp, voice; call: tasks)
    steps: int  # campaign steps taken that day
    customers_reached: int  # so far
    amount_reached: list[Money]  # what those customers owed overdue when first reached

    @property
    def total(self) -> int:
        return sum(self.messages.values())


@dataclass(frozen=True, slots=True)
class Selection:
    """What a campaign's target covers today (`Campaigns.selection`): its customers with an
    overdue debt, what they owe overdue (per currency), and who of them is in a live
    campaign already (they would be refused at the start)."""

    customers: int
    amounts: list[Money]
    busy: int


@dataclass(frozen=True, slots=True)
class CampaignView:
    campaign: CampaignRow
    members: Page[MemberProgress]
    totals: dict[str, Any] = field(default_factory=dict)


class Campaigns:
    """The campaign use cases over the ledger and the rule files."""

    def __init__(self, engine: Engine, rule_files: RuleFiles,
                 in_force: Callable[[], tuple[str, str]], now: Callable[[], datetime],
                 today: Callable[[], date]) -> None:
        self.engine = engine
        self.rule_files = rule_files
        self.in_force = in_force  # finance's rule file in force: (text, file name)
        self.now = now
        self.today = today

    # --- templates -----------------------------------------------------------------------

    def templates(self) -> list[Template]:
        with self.engine.connect() as connection:
            saved = ledger.saved_templates(connection)
        return [*BUILTIN_TEMPLATES, *(Template(name, name, settings, builtin=False)
                                      for name, settings in saved)]

    def template(self, key: str) -> Template:
        for found in self.templates():
            if key in (found.key, found.name) or key.lower() == found.key.lower():
                return found
        names = ", ".join(t.key for t in self.templates())
        raise NotFound(lazy_gettext('there is no campaign template "%(key)s"; there are %(names)s',
                                    key=key, names=names))

    def save_as_template(self, campaign: str, name: str, actor: str) -> Template:
        found = self.get(campaign)
        name = name.strip()
        if not name or len(name) > NAME_LENGTH:
            raise UserError(lazy_gettext("a template's name is 1 to %(most)s characters",
                                         most=NAME_LENGTH))
        if any(name.lower() in (t.key.lower(), t.name.lower()) for t in self.templates()):
            raise UserError(lazy_gettext('a template named "%(name)s" exists already; '
                                         'choose another name', name=name))
        with self.engine.begin() as connection:
            ledger.save_template(connection, name, found.settings, actor, self.now())
        return Template(name, name, found.settings, builtin=False)

    # --- reading -------------------------------------------------------------------------

    def all(self) -> list[CampaignRow]:
        with self.engine.connect() as connection:
            return ledger.all_campaigns(connection)

    def visible(self, scope: Scope, actor: str | None = None) -> list[CampaignRow]:
        """The campaigns with a customer the viewer may see, or started by them."""
        found = self.all()
        if not scope.limited:
            return found
        with self.engine.connect() as connection:
            seen = {row[0] for row in connection.execute(
                sa.select(campaign_members.c.campaign_id).distinct()
                .join(customers, customers.c.id == campaign_members.c.customer_id)
                .where(*scope.conditions()))}
        return [c for c in found if c.id in seen or (actor and c.created_by == actor)]

    def get(self, name: str) -> CampaignRow:
        with self.engine.connect() as connection:
            found = ledger.by_name(connection, name.strip())
        if found is None:
            raise NotFound(lazy_gettext('there is no campaign "%(name)s"', name=name))
        return found

    def by_slug(self, slug: str) -> CampaignRow | None:
        with self.engine.connect() as connection:
            return ledger.by_name(connection, slug)

    def versions(self, name: str) -> list[dict[str, Any]]:
        found = self.get(name)
        with self.engine.connect() as connection:
            return ledger.versions(connection, found.id)

    # --- starting ------------------------------------------------------------------------

    def check(self, draft: Draft, scope: Scope | None = None) -> tuple[str, list[int]]:
        """The merged rule file's text and the members, or CampaignRefused with every
        problem by form field: the name, the target, then the compiler's checks and
        activation gate on finance's file with the campaigns on top."""
        problems: list[tuple[str, str]] = []
        name = draft.name.strip()
        slug = slug_of(name)
        with self.engine.connect() as connection:
            live = ledger.live(connection)
            taken = {c.name.lower() for c in ledger.all_campaigns(connection)}
            slugs = {c.slug for c in ledger.all_campaigns(connection)}
            if not name or len(name) > NAME_LENGTH:
                problems.append(("name", f"a campaign's name is 1 to {NAME_LENGTH} characters"))
            elif name.lower() in taken or slug in slugs:
                problems.append(("name", f'a campaign named "{name}" exists already (also '
                                         "stopped ones keep their name); choose another name"))
            members = self._members(connection, draft.target, scope or Scope(), problems)
        if problems:
            raise CampaignRefused(problems)
        text, file_name = self.in_force()
        candidate = fragment(slug, draft.settings)
        try:
            merged = self.rule_files.with_campaigns_text(
                text, [c.fragment for c in live] + [candidate])
        except RuleFileError as exc:
            raise CampaignRefused([("form", str(exc))]) from None
        self._validate(merged, file_name, draft.settings, slug)
        return merged, members

    def _validate(self, merged: str, file_name: str, settings: CampaignSettings,
                  slug: str) -> None:
        """The compiler's checks and activation gate on the merged file; CampaignRefused
        with each error placed on its form field."""
        found = [p for p in self.rule_files.validate(merged, merged_name(file_name))
                 if p.severity == "error"]
        if found:
            raise CampaignRefused([
                (field_of_problem(p.rule, p.message, settings, slug),
                 f"{p.rule}: {p.message}" if p.rule else p.message) for p in found])

    def adjust(self, name: str, settings: CampaignSettings, actor: str) -> CampaignRow:
        """A new version of the campaign's settings, checked like a start. Its customers
        keep their progress: a step counts by its position, so one already passed is not
        sent again under its new channel."""
        found = self.get(name)
        if found.state == "stopped":
            raise UserError(lazy_gettext('campaign "%(name)s" was stopped on %(day)s: '
                                         'start a new one',
                                         name=found.name, day=found.stopped_on))
        text, file_name = self.in_force()
        candidate = fragment(found.slug, settings)
        with self.engine.connect() as connection:
            live = ledger.live(connection)
        try:
            merged = self.rule_files.with_campaigns_text(
                text, [candidate if c.id == found.id else c.fragment for c in live])
        except RuleFileError as exc:
            raise CampaignRefused([("form", str(exc))]) from None
        self._validate(merged, file_name, settings, found.slug)
        with self.engine.begin() as connection:
            version = ledger.add_version(connection, found.id, settings, candidate,
                                         actor=actor, now=self.now())
            self._touch(connection, ledger.member_ids(connection, found.id),
                        CAMPAIGN_ADJUSTED, actor=actor, name=found.name,
                        summary=f'campaign "{found.name}" adjusted (version {version})')
        return self.get(found.name)

    def selection(self, target: Target, scope: Scope | None = None) -> Selection:
        """How many customers the target selects and what they owe overdue, read as the
        start reads them (`_members`), before any check or simulation."""
        problems: list[tuple[str, str]] = []
        with self.engine.connect() as connection:
            ids = self._members(connection, target, scope or Scope(), problems)
            owed = _overdue(connection, ids, self.today())
        amounts: dict[str, int] = defaultdict(int)
        for money in owed.values():
            amounts[money.currency] += money.to_minor()
        busy = sum(1 for field_name, _ in problems if field_name != "name")
        return Selection(len(ids), [Money.from_minor(v, c) for c, v in sorted(amounts.items())],
                         busy if ids else 0)

    def simulate(self, draft: Draft, scope: Scope | None = None) -> list[Any]:
        """What would change today for the campaign's customers if it started."""
        merged, members = self.check(draft, scope)
        with self.engine.connect() as connection:
            codes = [row[0] for row in connection.execute(
                sa.select(customers.c.code).where(customers.c.id.in_(members)))]
        status_policy = self.rule_files.active()
        if status_policy is None:
            return []
        from hub.services.cycle.account_facts import load_account_facts  # noqa: PLC0415

        candidate = self.rule_files.compiler.compile(merged,
                                                     merged_name(status_policy.file_name))
        slug = slug_of(draft.name)
        today = self.today()
        with self.engine.connect() as connection:
            facts = [_joined(f, slug) for f in load_account_facts(
                connection, as_of=today, customer_codes=codes)]
        return list(candidate.evaluate(facts))

    def simulate_days(self, draft: Draft, scope: Scope | None = None,
                      days: int = SIMULATED_DAYS) -> list[SimulatedDay]:
        """The campaign's first `days` days if it started today, day by day: the rule file
        in force with the campaign on top (checked as `check` does) decides for each
        customer it would join as the cycle would, with the steps it took on earlier
        simulated days and the debt growing older; nobody pays, promises or answers.
        Per day: the messages per channel, the call tasks, and the customers reached so
        far with what they owed when first reached."""
        merged, members = self.check(draft, scope)
        status_policy = self.rule_files.active()
        if status_policy is None or not members:
            return []
        from dataclasses import replace  # noqa: PLC0415

        from hub.domain.decisions import ActionKind  # noqa: PLC0415
        from hub.domain.decisions import StepTaken  # noqa: PLC0415
        from hub.services.cycle.account_facts import load_account_facts  # noqa: PLC0415

        policy = self.rule_files.compiler.compile(merged, merged_name(status_policy.file_name))
        slug = slug_of(draft.name)
        ladder = segment_name(slug)
        start = self.today()
        with self.engine.connect() as connection:
            codes = [row[0] for row in connection.execute(
                sa.select(customers.c.code).where(customers.c.id.in_(members)))]
            accounts = [_joined(f, slug) for f in load_account_facts(
                connection, as_of=start, customer_codes=codes)]
        taken: dict[str, tuple[StepTaken, ...]] = {a.customer_code: () for a in accounts}
        reached: dict[str, Money] = {}
        found = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            facts = [replace(a, today=day, campaign_days=offset,
                             steps_taken=a.steps_taken + taken[a.customer_code],
                             invoices=tuple(replace(i, days_overdue=max(0, (day - i.due_date)
                                                                        .days))
                                            for i in a.invoices)) for a in accounts]
            by_code = {f.customer_code: f for f in facts}
            channels: dict[str, int] = defaultdict(int)
            steps = 0
            for decision in policy.evaluate(facts):
                if decision.ladder != ladder or decision.step is None or decision.paused_by:
                    continue
                account = by_code[decision.customer_code]
                overdue = list(account.overdue_invoices)
                anchor = min((i.due_date for i in overdue), default=day)
                taken[account.customer_code] += (StepTaken(
                    ladder, decision.step, day, anchor,
                    first_contact=not taken[account.customer_code]),)
                steps += 1
                for action in decision.actions:
                    if action.kind == ActionKind.SEND and action.params.get("channels"):
                        channels[str(action.params["channels"][0])] += 1
                    elif action.kind == ActionKind.TASK:
                        channels[str(action.params.get("task_type") or "task")] += 1
                if account.customer_code not in reached:
                    reached[account.customer_code] = _sum_overdue(overdue, account.currency)
            amounts: dict[str, Decimal] = defaultdict(Decimal)
            for money in reached.values():
                amounts[money.currency] += money.amount
            found.append(SimulatedDay(day, offset, dict(channels), steps, len(reached),
                                      [Money(v, c) for c, v in sorted(amounts.items())]))
        return found

    def start(self, draft: Draft, actor: str, scope: Scope | None = None) -> CampaignRow:
        """Start the campaign: checked (see `check`), stored as version 1, its customers
        joined today; the cycle evaluates them at its next run."""
        _, members = self.check(draft, scope)
        name = draft.name.strip()
        slug = slug_of(name)
        today, now = self.today(), self.now()
        with self.engine.begin() as connection:
            campaign_id = ledger.insert(connection, name=name, slug=slug,
                                        template=draft.template, target=draft.target,
                                        started_on=today, actor=actor, now=now)
            ledger.add_version(connection, campaign_id, draft.settings,
                               fragment(slug, draft.settings), actor=actor, now=now)
            owed = _overdue(connection, members, today)
            ledger.add_members(connection, [
                {"campaign_id": campaign_id, "customer_id": customer_id, "joined_on": today,
                 "currency": owed[customer_id].currency,
                 "owed_minor": owed[customer_id].to_minor()} for customer_id in members])
            self._touch(connection, members, CAMPAIGN_STARTED, actor=actor,
                        summary=f'campaign "{name}" started (template {draft.template})',
                        name=name)
        return self.get(name)

    def _members(self, connection: Connection, target: Target, scope: Scope,
                 problems: list[tuple[str, str]]) -> list[int]:
        today = self.today()
        query = sa.select(customers.c.id, customers.c.code).where(*scope.conditions())
        if target.customer is not None:
            found = connection.execute(query.where(
                customers.c.code == target.customer.strip())).all()
            if not found:
                problems.append(("customer", f'there is no customer "{target.customer}" you '
                                             "may see"))
                return []
        else:
            overdue = (sa.select(invoices.c.customer_id,
                                 sa.func.min(invoices.c.due_date).label("oldest"),
                                 sa.func.sum(invoices.c.open_minor).label("open_minor"))
                       .where(invoices.c.status.in_(OPEN_STATUSES), invoices.c.open_minor > 0,
                              invoices.c.due_date < today, invoices.c.disputed.is_(False))
                       .group_by(invoices.c.customer_id).subquery())
            query = query.join(overdue, overdue.c.customer_id == customers.c.id)
            if target.segment:
                query = query.where(customers.c.segment == target.segment)
            if target.country:
                query = query.where(customers.c.country == target.country.upper())
            if target.min_days_overdue is not None:
                query = query.where(overdue.c.oldest
                                    <= today - timedelta(days=target.min_days_overdue))
            if target.min_amount is not None:
                query = query.where(overdue.c.open_minor >= int(target.min_amount * 100))
            if target.max_score is not None:
                query = query.where(customers.c.score <= target.max_score)
            found = connection.execute(query.order_by(customers.c.code)).all()
            if not found:
                problems.append(("filter", "no customer you may see has an overdue debt that "
                                           "matches this selection"))
                return []
        ids = [row.id for row in found]
        busy = ledger.in_live_campaign(connection, ids)
        codes = {row.id: row.code for row in found}
        for customer_id, campaign in sorted(busy.items()):
            problems.append(("customer" if target.customer else "filter",
                             f'customer {codes[customer_id]} is already in campaign '
                             f'"{campaign}"; stop that campaign first'))
        return ids

    # --- pause, resume, stop -------------------------------------------------------------

    def pause(self, name: str, actor: str) -> CampaignRow:
        found = self.get(name)
        if found.state != "running":
            raise UserError(lazy_gettext('campaign "%(name)s" is %(state)s: only a running '
                                         'campaign can be paused',
                                         name=found.name, state=found.state))
        with self.engine.begin() as connection:
            ledger.set_state(connection, found.id, {"state": "paused",
                                                    "paused_on": self.today()}, self.now())
            self._touch(connection, ledger.member_ids(connection, found.id), CAMPAIGN_PAUSED,
                        actor=actor, summary=f'campaign "{found.name}" paused', name=found.name)
        return self.get(found.name)

    def resume(self, name: str, actor: str) -> CampaignRow:
        found = self.get(name)
        if found.state != "paused":
            raise UserError(lazy_gettext('campaign "%(name)s" is %(state)s: only a paused '
                                         'campaign can be resumed',
                                         name=found.name, state=found.state))
        with self.engine.begin() as connection:
            ledger.set_state(connection, found.id, {
                "state": "running", "paused_on": None,
                "paused_days": found.paused_before(self.today())}, self.now())
            self._touch(connection, ledger.member_ids(connection, found.id), CAMPAIGN_RESUMED,
                        actor=actor, summary=f'campaign "{found.name}" resumed', name=found.name)
        return self.get(found.name)

    def stop(self, name: str, actor: str) -> CampaignRow:
        """Stop for good: the customers go back to finance's ladders."""
        found = self.get(name)
        if found.state == "stopped":
            raise UserError(lazy_gettext('campaign "%(name)s" was stopped on %(day)s',
                                         name=found.name, day=found.stopped_on))
        today = self.today()
        with self.engine.begin() as connection:
            ledger.set_state(connection, found.id, {
                "state": "stopped", "stopped_on": today, "paused_on": None,
                "paused_days": found.paused_before(today)}, self.now())
            ledger.leave(connection, found.id, today)
            self._touch(connection, ledger.member_ids(connection, found.id), CAMPAIGN_STOPPED,
                        actor=actor, name=found.name,
                        summary=f'campaign "{found.name}" stopped: back on the rule '
                                "file's ladder")
        return self.get(found.name)

    def _touch(self, connection: Connection, ids: list[int], kind: str, *, actor: str,
               summary: str, name: str) -> None:
        """On each member's timeline, and evaluated by the next cycle."""
        now = self.now()
        add_events(connection, [{"occurred_at": now, "actor": actor, "kind": kind,
                                 "summary": summary, "customer_id": customer_id,
                                 "invoice_id": None, "data": {"campaign": name}}
                                for customer_id in ids])
        mark_due(connection, ids, self.today())

    # --- following a campaign ------------------------------------------------------------

    def view(self, name: str, scope: Scope, *, page: int = 1, per_page: int = 50) -> CampaignView:
        """The campaign's customers the viewer may see, a page of them, with totals over
        all of those (never over customers outside the viewer's scope)."""
        found = self.get(name)
        today = self.today()
        with self.engine.connect() as connection:
            query = (sa.select(campaign_members, customers.c.code, customers.c.name)
                     .join(customers, customers.c.id == campaign_members.c.customer_id)
                     .where(campaign_members.c.campaign_id == found.id, *scope.conditions()))
            rows = list(connection.execute(query.order_by(customers.c.code)))
            progress = _progress(connection, found, rows, today)
        totals = _totals(progress)
        first = (page - 1) * per_page
        return CampaignView(found, Page(progress[first:first + per_page], len(progress), page,
                                        per_page), totals)

    def explain_lines(self, segment: str | None, decisions: list[Any]) -> list[str]:
        """For `rules explain`: the campaign the customer's segment comes from, and which
        of the decisions are its steps."""
        if not segment or not segment.startswith("campaign "):
            return []
        found = self.by_slug(segment.removeprefix("campaign "))
        if found is None:
            return []
        steps = ", ".join(found.settings.step_names())
        lines = [f'campaign: "{found.name}" (version {found.version}, {found.state}, '
                 f"started {found.started_on}, template {found.template}) applies on top of "
                 f"the rule file; its steps: {steps}"]
        lines += [f"  from the campaign: {d.rule}" for d in decisions
                  if getattr(d, "ladder", None) == segment]
        return lines


def _sum_overdue(overdue: list[Any], currency: str) -> Money:
    """The overdue open amount in the account's currency (others are not added up)."""
    minor = sum(i.open_amount.to_minor() for i in overdue if i.currency == currency)
    return Money.from_minor(minor, currency)


def _joined(facts: Any, slug: str) -> Any:
    from dataclasses import replace  # noqa: PLC0415

    return replace(facts, campaign=slug, campaign_days=0, campaign_paused=False)


def _overdue(connection: Connection, ids: list[int], today: date) -> dict[int, Money]:
    """Each customer's overdue open balance today, in its main currency."""
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for start in range(0, len(ids), 5000):
        for row in connection.execute(
                sa.select(invoices.c.customer_id, invoices.c.currency,
                          sa.func.sum(invoices.c.open_minor).label("minor"))
                .where(invoices.c.customer_id.in_(ids[start:start + 5000]),
                       invoices.c.status.in_(OPEN_STATUSES), invoices.c.due_date < today)
                .group_by(invoices.c.customer_id, invoices.c.currency)):
            sums[row.customer_id][row.currency] += int(row.minor or 0)
    found = {}
    for customer_id in ids:
        by_currency = sums.get(customer_id) or {"EUR": 0}
        currency = max(by_currency, key=lambda c: (by_currency[c], c))
        found[customer_id] = Money.from_minor(by_currency[currency], currency)
    return found


def _progress(connection: Connection, campaign: CampaignRow, rows: list[Any],
              today: date) -> list[MemberProgress]:
    ids = [row.customer_id for row in rows]
    if not ids:
        return []
    ladder = segment_name(campaign.slug)
    names = campaign.settings.step_names()
    reached: dict[int, tuple[str, date]] = {}
    for applied in connection.execute(
            sa.select(applied_decisions.c.customer_id, applied_decisions.c.step,
                      applied_decisions.c.applied_on)
            .where(applied_decisions.c.customer_id.in_(ids), applied_decisions.c.ladder == ladder,
                   applied_decisions.c.paused_by.is_(None))
            .order_by(applied_decisions.c.applied_on, applied_decisions.c.id)):
        number = str(applied.step).split(".", 1)[0]
        if number.isdigit() and 1 <= int(number) <= len(names):  # by position (adjusted)
            reached[applied.customer_id] = (names[int(number) - 1], day_of(applied.applied_on))
    codes = {row.customer_id: row.code for row in rows}
    joined = {row.customer_id: day_of(row.joined_on) for row in rows}
    first = min(joined.values())
    sent: dict[str, list[Any]] = defaultdict(list)
    for message in connection.execute(
            sa.select(messages.c.customer_code, messages.c.state, messages.c.channel,
                      messages.c.channels, messages.c.created_at)
            .where(messages.c.customer_code.in_(list(codes.values())),
                   messages.c.recipient_kind == "debtor",
                   messages.c.created_at >= datetime.combine(first, time.min, UTC))):
        sent[message.customer_code].append(message)
    responses: dict[int, list[Any]] = defaultdict(list)
    for event in connection.execute(
            sa.select(events.c.customer_id, events.c.summary, events.c.occurred_at)
            .where(events.c.customer_id.in_(ids), events.c.actor.like("debtor%"))
            .order_by(events.c.id)):
        if day_of(event.occurred_at) >= joined[event.customer_id]:
            responses[event.customer_id].append(event)
    promised: dict[int, int] = defaultdict(int)
    for promise in connection.execute(
            sa.select(promises.c.customer_id, promises.c.promised_on)
            .where(promises.c.customer_id.in_(ids))):
        if day_of(promise.promised_on) >= joined[promise.customer_id]:
            promised[promise.customer_id] += 1
    recovered: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for paid in connection.execute(
            sa.select(invoices.c.customer_id, allocations.c.currency,
                      allocations.c.amount_minor, allocations.c.allocated_on)
            .join(invoices, invoices.c.id == allocations.c.invoice_id)
            .join(payments, payments.c.id == allocations.c.payment_id)
            .where(invoices.c.customer_id.in_(ids), payments.c.status.not_in(GONE))):
        if day_of(paid.allocated_on) >= joined[paid.customer_id]:
            recovered[paid.customer_id][paid.currency] += int(paid.amount_minor)
    found = []
    for row in rows:
        step, on = reached.get(row.customer_id, (None, None))
        index = names.index(step) + 1 if step else 0
        next_step = next_on = None
        if row.left_on is None and campaign.state != "stopped" and index < len(names):
            next_step = names[index]
            due = day_of(row.joined_on) + timedelta(
                days=campaign.settings.steps[index].day + campaign.paused_before(today))
            next_on = max(due, today if on != today else today + timedelta(days=1))
        their = sent.get(row.code, [])
        state_sent = [m for m in their if m.state == "sent"]
        channels = tuple(dict.fromkeys(m.channel for m in state_sent if m.channel))
        said = responses.get(row.customer_id, [])
        found.append(MemberProgress(
            row.code, row.name, day_of(row.joined_on),
            None if row.left_on is None else day_of(row.left_on), step, on, next_step,
            next_on, len(state_sent), len(their) - len(state_sent), channels, len(said),
            said[-1].summary if said else None, promised.get(row.customer_id, 0),
            Money.from_minor(int(row.owed_minor), row.currency),
            Money.from_minor(recovered[row.customer_id].get(row.currency, 0), row.currency)))
    return found


def _totals(progress: list[MemberProgress]) -> dict[str, Any]:
    owed: dict[str, Decimal] = defaultdict(Decimal)
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    for member in progress:
        owed[member.owed_at_start.currency] += member.owed_at_start.amount
        recovered[member.recovered.currency] += member.recovered.amount
    return {"customers": len(progress),
            "reached_a_step": sum(1 for m in progress if m.step_reached),
            "messages_sent": sum(m.messages_sent for m in progress),
            "responses": sum(m.responses for m in progress),
            "promises": sum(m.promises for m in progress),
            "owed_at_start": [Money(v, c) for c, v in sorted(owed.items())],
            "recovered": [Money(v, c) for c, v in sorted(recovered.items())]}
