"""From "which rules matched" (engine or shadow) to decisions, with the file's semantics:
first matching segment wins, progression (ladder | most_severe), pauses, minimum balance,
business days, one decision per step per anchor, fees and interest computed as data."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from hub.domain.campaigns import SEGMENT_PREFIX
from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.decisions import Decision
from hub.domain.decisions import StepTaken
from hub.domain.decisions import decision_key
from hub.domain.outbox import missing_address
from rules.compiler import Compiled
from rules.compiler import CompiledRule
from rules.conditions import ALWAYS
from rules.conditions import Condition
from rules.conditions import comparisons
from rules.conditions import describe
from rules.facts import Situation
from rules.fees import fee_actions
from rules.model import ActionSpec
from rules.model import EventRule
from rules.model import Ladder
from rules.model import RuleFile
from rules.model import Step
from rules.rates import is_business_day
from rules.rates import next_business_day

HANDED_OVER = "handed over to collection"  # the pause of every rule on a handed-over account


@dataclass
class Outcome:
    """Everything decided for one account, with the reasons nothing else happened."""

    customer_code: str
    segment: str | None
    pause: str | None
    matched: list[str]  # names of every rule that matched
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    next_due: date | None = None  # the next day the account must be evaluated again

    def due(self, day: date) -> None:
        if self.next_due is None or day < self.next_due:
            self.next_due = day


@dataclass(frozen=True, slots=True)
class _Fired:
    """What one set of fired rules means, the same for every account it fired for."""

    rules: tuple[CompiledRule, ...]  # in file order
    segment: str | None  # the first matching segment
    pause: str | None  # the first matching pause
    names: list[str]
    reached: set[str]  # the segment's ladder steps whose day is reached


class Decider:
    def __init__(self, rule_file: RuleFile, compiled: Compiled) -> None:
        self.rule_file = rule_file
        self.compiled = compiled
        self.by_id = {rule.rule_id: rule for rule in compiled.rules}
        self.file_name = PurePath(rule_file.file).name
        # per set of fired rules (a few dozen classes of accounts share a handful of sets):
        # the rules in file order, the segment, the pause and the reached steps
        self._fired: dict[frozenset[str], _Fired] = {}
        # per ladder and anchor due date: each step's day (the same for every account
        # whose oldest debt fell due that day); a fresh copy per account
        self._days: dict[tuple[str, date], dict[str, date]] = {}
        self._positions = {name: {step.name: index for index, step in enumerate(ladder.steps)}
                           for name, ladder in rule_file.ladders.items()}
        self._events = {event.name: event for event in rule_file.events}
        self._limitation = [event for event in rule_file.events if event.on == "limitation"]
        self._seen: dict[int, tuple[str, ...]] = {}  # per condition: the fields it tests

    def source(self, line: int) -> str:
        return f"{self.file_name} line {line}"

    def _of(self, fired: frozenset[str]) -> _Fired:
        found = self._fired.get(fired)
        if found is None:
            if len(self._fired) > 10_000:  # a long-lived policy: keep the cache small
                self._fired.clear()
            rules = tuple(self.by_id[rule_id]
                          for rule_id in sorted(fired, key=lambda r: int(r[1:])))
            segment = next((r.name for r in rules if r.kind == "segment"), None)
            found = self._fired[fired] = _Fired(
                rules, segment, next((r.name for r in rules if r.kind == "pause"), None),
                [r.name for r in rules],
                self.reached(segment, list(rules)) if segment is not None else set())
        return found

    def outcome(self, situation: Situation, fired: frozenset[str]) -> Outcome:
        known = self._of(fired)
        rules = known.rules
        facts = situation.facts
        segment = known.segment
        pause = known.pause
        if facts.handed_over:  # whatever the file pauses on: the case is the collector's
            pause = HANDED_OVER
        outcome = Outcome(facts.customer_code, segment, pause, list(known.names))
        if facts.handed_over:
            outcome.notes.append("the account is handed over to hard collection: the hub "
                                 "sends nothing and takes no step until the case is "
                                 "returned to the creditor")
        if segment is not None:
            self._ladder(outcome, situation, segment, known.reached)
        elif situation.anchor is not None:
            outcome.notes.append("no segment matches this customer, so no ladder applies")
        for rule in rules:
            if rule.kind == "event":
                self._event(outcome, situation, rule)
        self._limitation_days(outcome, situation)
        return outcome

    def _schedule(self, outcome: Outcome, country: str | None, day: date) -> None:
        """The account is due again on `day`, or on the next business day after it when
        steps wait for business days."""
        if self.rule_file.settings.business_days_only and not is_business_day(country, day):
            day = next_business_day(country, day)
        outcome.due(day)

    def _limitation_days(self, outcome: Outcome, situation: Situation) -> None:
        """The day each open claim enters a limitation rule's warning period."""
        today = situation.facts.today
        for event in self._limitation:
            for _, last_day in situation.expiring:
                warn_on = last_day - timedelta(days=event.days_before)
                if warn_on > today:
                    outcome.due(warn_on)

    # --- ladders -------------------------------------------------------------------------

    def reached(self, ladder_name: str, rules: list[CompiledRule]) -> set[str]:
        """Steps whose day is reached: the fired ones, and every plain step below the
        highest fired plain step (plain steps compile to bands)."""
        fired = {r.name for r in rules if r.kind == "step" and r.ladder == ladder_name}
        steps = self.rule_file.ladders[ladder_name].steps
        top = max((s.at for s in steps if s.condition is None and s.name in fired), default=-1)
        return fired | {s.name for s in steps if s.condition is None and s.at <= top}

    def _ladder(self, outcome: Outcome, situation: Situation, name: str,
                reached_names: set[str]) -> None:
        ladder = self.rule_file.ladders[name]
        anchor = situation.anchor
        facts = situation.facts
        if anchor is None:
            return
        due_after = self._due_after(ladder, anchor.due_date)
        # taken for this anchor, or taken on or after the day it fell due for this anchor
        # (then the customer already had it while this invoice was that late)
        taken = [s for s in _renamed(ladder, facts.steps_taken)
                 if s.ladder == name and s.step in due_after
                 and (s.anchor_due_date == anchor.due_date or s.taken_on >= due_after[s.step])]
        taken_names = {s.step for s in taken}
        positions = self._positions[name]
        highest = max((positions[step] for step in taken_names), default=-1)
        spacing = _spacing(ladder, taken)
        if spacing is not None:  # a go-live first contact past the first step
            origin, started = spacing
            for each in ladder.steps:
                due_after[each.name] = max(due_after[each.name],
                                           started + timedelta(days=each.at - origin.at))
        later = min((due_after[s.name] for i, s in enumerate(ladder.steps)
                     if i > highest and due_after[s.name] > facts.today), default=None)
        pending = [s for i, s in enumerate(ladder.steps)
                   if i > highest and s.name in reached_names]
        pending = self._spaced(outcome, spacing, pending, facts.today)
        step = self._next_step(outcome, situation, name, taken, pending)
        index = positions[step.name] if step is not None else -1
        if step is not None and not taken and 0 < index < len(ladder.steps) - 1:
            # the first contact started past the first step today: the next step keeps
            # the ladder's spacing from today (not its day after the due date)
            later = facts.today + timedelta(days=ladder.steps[index + 1].at - step.at)
        if later is not None:  # the next step's day (for the cycle's schedule)
            self._schedule(outcome, facts.country, later)

    def _due_after(self, ladder: Ladder, due: date) -> dict[str, date]:
        """Each step's day for a debt that fell due on `due` (a copy: the caller may move
        the days of a debt whose first contact started past the first step)."""
        days = self._days.get((ladder.name, due))
        if days is None:
            if len(self._days) > 100_000:  # a long-lived policy: keep the cache small
                self._days.clear()
            days = self._days[ladder.name, due] = {
                step.name: due + timedelta(days=step.at) for step in ladder.steps}
        return dict(days)

    def _next_step(self, outcome: Outcome, situation: Situation, name: str,
                   taken: list[StepTaken], pending: list[Step]) -> Step | None:
        """The step decided today (applied, or recorded as paused), if any."""
        if not pending:
            return None
        ladder = self.rule_file.ladders[name]
        facts = situation.facts
        tomorrow = facts.today + timedelta(days=1)
        if ladder.progression == "ladder" and any(s.taken_on == facts.today for s in taken):
            outcome.notes.append("a step was already taken today (ladder: one step per cycle)")
            self._schedule(outcome, facts.country, tomorrow)
            return None
        first_contact = not taken
        if first_contact and len(pending) > 1:
            step = _first_step(ladder, pending)
            outcome.notes.append(f"first contact for this debt: starts at {step.name} "
                                 f"(first_contact: {ladder.first_contact})")
        else:
            step = pending[0] if ladder.progression == "ladder" else pending[-1]
        blocked = outcome.pause
        minimum = self.rule_file.settings.minimum_balance_for(facts.currency)
        if blocked is None and situation.overdue_balance < minimum:
            blocked = "minimum_balance"
            outcome.notes.append(f"overdue balance {situation.overdue_balance} is below the "
                                 f"minimum balance {minimum}")
        if blocked is None and self.rule_file.settings.business_days_only \
                and not is_business_day(facts.country, facts.today):
            outcome.notes.append(f"{facts.today} is not a business day in "
                                 f"{facts.country or 'the customer country'}; the step waits")
            self._schedule(outcome, facts.country, tomorrow)
            return None
        skipped = [s.name for s in pending if s is not step and s.at < step.at]
        outcome.decisions.append(self._step_decision(situation, name, step, blocked, skipped,
                                                     first_contact=first_contact))
        if blocked is not None:
            return None  # paused: nothing was taken, the schedule stays the ladder's
        following = pending[pending.index(step) + 1:]
        if following and ladder.progression == "ladder" and not (
                first_contact and self._positions[name][step.name] > 0):
            self._schedule(outcome, facts.country, tomorrow)  # the next step, one per cycle
        return step

    @staticmethod
    def _spaced(outcome: Outcome, spacing: tuple[Step, date] | None, pending: list[Step],
                today: date) -> list[Step]:
        """A debt whose first contact started past the ladder's first step (go-live, an
        old import): the later steps keep the ladder's spacing from that first contact,
        so each message's deadline runs before the next step comes."""
        if spacing is None or not pending:
            return pending
        origin, started = spacing
        ready = [s for s in pending if today >= started + timedelta(days=s.at - origin.at)]
        if not ready:
            upcoming = pending[0]
            outcome.notes.append(
                f"the first contact was {origin.name} on {started}; {upcoming.name} "
                f"follows {upcoming.at - origin.at} days after it, on "
                f"{started + timedelta(days=upcoming.at - origin.at)}")
        return ready

    def _step_decision(self, situation: Situation, ladder: str, step: Step,
                       paused_by: str | None, skipped: list[str], *,
                       first_contact: bool = False) -> Decision:
        anchor = situation.anchor
        assert anchor is not None
        due_on = anchor.due_date + timedelta(days=step.at)
        actions = [self._action(spec, situation) for spec in step.actions]
        if step.fees:
            actions += fee_actions(self.rule_file, situation, step.fees)
        condition = f"account.days_overdue >= {step.at}"
        if step.condition is not None:
            condition += f" and {describe(step.condition)}"
        facts = self._facts(situation, condition, step.condition)
        facts.update(step_due_on=due_on.isoformat(), ladder=ladder)
        if skipped:
            facts["skipped_steps"] = skipped  # reached, never applied (most_severe, go-live)
        if first_contact:
            facts["first_contact"] = True  # no step of this ladder was taken for this debt
        if step.experiment is not None:  # recorded at the account's first exposure
            facts["experiment"] = {"name": step.experiment, "variant": step.variant}
        return Decision(
            key=decision_key(situation.facts.customer_code, f"{ladder}/{step.name}", due_on),
            customer_code=situation.facts.customer_code, rule=step.name,
            source=self.source(step.line), ladder=ladder, step=step.name,
            actions=tuple(actions), facts=facts, paused_by=paused_by)

    # --- event rules ---------------------------------------------------------------------

    def _event(self, outcome: Outcome, situation: Situation, rule: CompiledRule) -> None:
        event = self._events[rule.name]
        # a claim nearing limitation, and a hold that is no longer owed, are not paused
        paused_by = None if event.on in ("limitation", "hold release") else outcome.pause
        if situation.facts.handed_over:
            paused_by = HANDED_OVER
        facts = situation.facts
        subjects: list[tuple[str, date, dict[str, Any]]] = []
        grace = timedelta(days=self.rule_file.settings.promise_grace_days)
        if event.on == "broken promise":
            for promise in situation.broken_promises:
                subjects.append((f"#{promise.id}", promise.due_date + grace + timedelta(days=1),
                                 {"promise": promise.id, "promise_due": str(promise.due_date),
                                  "promised": str(promise.amount)}))
        elif event.on == "missed instalment":
            for plan in situation.missed_plans:
                subjects.append((f"#{plan.id}/{plan.missed_instalments}",
                                 plan.next_due_date or facts.today,
                                 {"plan": plan.id, "missed": plan.missed_instalments}))
        elif event.on == "limitation":
            for invoice, last_day in situation.expiring:
                if (last_day - facts.today).days <= event.days_before:
                    subjects.append((f"#{invoice.number}", last_day,
                                     {"invoice": invoice.number,
                                      "expires_on": last_day.isoformat()}))
        elif event.on == "hold release":  # once per hold
            subjects.append(("", facts.hold_since or facts.today,
                             {"reason": f"overdue balance {situation.overdue_balance} "
                                        f"{facts.currency} is below the hold threshold"
                              if situation.overdue_balance else "the account is paid"}))
        elif situation.anchor is not None:
            subjects.append(("", situation.anchor.due_date, {}))
        else:
            subjects.append(("", facts.today.replace(day=1), {}))
        for suffix, on, extra in subjects:
            outcome.decisions.append(self._event_decision(
                situation, event, rule, suffix=suffix, on=on, extra=extra, paused_by=paused_by))

    def _event_decision(self, situation: Situation, event: EventRule, rule: CompiledRule, *,
                        suffix: str, on: date, extra: dict[str, Any],
                        paused_by: str | None) -> Decision:
        actions = [self._action(spec, situation, extra) for spec in event.actions]
        if event.on == "limitation":
            actions.insert(0, Action(ActionKind.WARN, {
                "reason": f"claim {extra['invoice']} is time-barred after {extra['expires_on']}",
                **extra}))
        if event.fees:
            actions += fee_actions(self.rule_file, situation, event.fees)
        facts = self._facts(situation, rule.text, rule.condition)
        facts.update(extra)
        code = situation.facts.customer_code
        return Decision(key=decision_key(code, f"{event.name}{suffix}", on),
                        customer_code=code, rule=event.name, source=self.source(event.line),
                        ladder=None, step=None, actions=tuple(actions), facts=facts,
                        paused_by=paused_by)

    # --- shared --------------------------------------------------------------------------

    def _action(self, spec: ActionSpec, situation: Situation,
                extra: dict[str, Any] | None = None) -> Action:
        facts = situation.facts
        params = dict(spec.params)
        if spec.kind is ActionKind.SEND:
            wanted = list(params["channels"])
            reachable = facts.channels
            unreachable = [c for c in wanted if reachable is not None and c not in reachable]
            available = [c for c in wanted if c not in unreachable]
            # none reachable: the dispatcher tries them all at send time and records why
            params.update(channels=available or wanted, language=facts.language,
                          skipped_channels=[{"channel": c, "reason": missing_address(c)}
                                            for c in unreachable])
        elif spec.kind is ActionKind.TASK:
            params["due_date"] = (facts.today + timedelta(days=params["due_in_days"])
                                  ).isoformat()
        if spec.kind in (ActionKind.TASK, ActionKind.ESCALATE, ActionKind.NOTIFY,
                         ActionKind.LEGAL_HANDOVER):
            params["teams"] = self._teams(params)
        if extra:
            params.update(extra)
        return Action(spec.kind, params)

    def _teams(self, params: dict[str, Any]) -> dict[str, list[str]]:
        """The members of the teams an action names, as the rule file declares them: the
        hub picks the person when it applies the decision (hub.services.cycle.assignees), so the
        decision records who was actually given the work."""
        named = [params.get("assign"), params.get("target"), *(params.get("who") or ())]
        if "assign" not in params and "target" not in params and "who" not in params:
            named.append("legal")  # legal_handover: true goes to the legal team
        found: dict[str, list[str]] = {}
        for who in filter(None, named):
            team = (str(who).partition(":")[2] if ":" in str(who) else str(who)).strip()
            if team in self.rule_file.teams:
                found[team] = list(self.rule_file.teams[team])
        return found

    def _tested(self, tree: Condition) -> tuple[str, ...]:
        """The fields a condition tests, in the order `seen` lists them (once per rule)."""
        found = self._seen.get(id(tree))
        if found is None:
            found = self._seen[id(tree)] = tuple(
                field for field, _, _ in sorted(comparisons(tree), key=str) if field != ALWAYS)
        return found

    def _facts(self, situation: Situation, condition: str,
               tree: Condition | None = None) -> dict[str, Any]:
        anchor = situation.anchor
        facts = situation.facts
        seen = {field.replace("_", ".", 1): situation.fact.get(field)
                for field in self._tested(tree)} if tree is not None else {}
        return {
            "seen": seen,  # the values of the fields the rule's condition tests
            "as_of": facts.today.isoformat(),
            "condition": condition,
            "kind": facts.kind,
            "country": facts.country,
            "currency": facts.currency,
            "days_overdue": situation.days_overdue,
            "overdue_balance": str(situation.overdue_balance),
            "anchor_invoice": anchor.number if anchor else None,
            "anchor_due_date": anchor.due_date.isoformat() if anchor else None,
            "open_invoices": situation.open_count,
        }


def _renamed(ladder: Ladder, taken: tuple[StepTaken, ...]) -> list[StepTaken]:
    """Steps taken under another name because an experiment started or ended since: a
    "reminder" taken before the step was split into variants counts as each variant's
    "reminder (sms)", and a "reminder (sms)" taken before the split ended counts as the
    "reminder" again, so no account is sent a step twice when finance edits the file."""
    names = {step.name for step in ladder.steps}
    if ladder.name.startswith(SEGMENT_PREFIX):  # a campaign's steps count by position
        return [_by_position(ladder, each) for each in taken]
    variants: dict[str, list[str]] = {}
    for step in ladder.steps:
        if step.experiment is not None:
            variants.setdefault(step.name.rsplit(" (", 1)[0], []).append(step.name)
    found: list[StepTaken] = []
    for each in taken:
        if each.step in names or each.ladder != ladder.name:
            found.append(each)
        elif each.step in variants:
            found += [replace(each, step=variant) for variant in variants[each.step]]
        elif each.step.endswith(")") and each.step.rsplit(" (", 1)[0] in names:
            found.append(replace(each, step=each.step.rsplit(" (", 1)[0]))
        else:
            found.append(each)
    return found


def _by_position(ladder: Ladder, taken: StepTaken) -> StepTaken:
    """A campaign's step "2. sms" taken before the campaign was adjusted (its second step
    is now "2. email") counts as the second step taken: an adjustment never sends a step
    the customer already passed again (docs/campaigns.md)."""
    number = taken.step.split(".", 1)[0]
    if taken.ladder != ladder.name or not number.isdigit() \
            or not 1 <= int(number) <= len(ladder.steps):
        return taken
    return replace(taken, step=ladder.steps[int(number) - 1].name)


def _spacing(ladder: Ladder, taken: list[StepTaken]) -> tuple[Step, date] | None:
    """(the step, the day) a debt's first contact started at, when that was past the
    ladder's first step (go-live): later steps keep the ladder's spacing from it."""
    if not taken:
        return None
    start = min(taken, key=lambda s: s.taken_on)
    index = {s.name: i for i, s in enumerate(ladder.steps)}
    first = index[start.step]
    if not start.first_contact or first == 0:
        return None
    return ladder.steps[first], start.taken_on


def _first_step(ladder: Ladder, pending: list[Step]) -> Step:
    """Where a debt the ladder never reached starts when several steps are due at once:
    finance's `first_contact` (age: the step that fits the age; first: the first step;
    a step name: the step that fits the age, but never one after the named step)."""
    if ladder.first_contact == "first":
        return pending[0]
    if ladder.first_contact == "age":
        return pending[-1]
    limit = next((s.at for s in ladder.steps if s.name == ladder.first_contact), None)
    within = [s for s in pending if limit is None or s.at <= limit]
    return within[-1] if within else pending[0]
