"""A rule file's text -> RuleFile, with every schema and meaning problem found at once."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import replace
from decimal import Decimal
from typing import Any

from hub.domain.decisions import ActionKind
from rules.actions import ACTION_KEYS
from rules.actions import NOTIFY_TARGETS
from rules.actions import Vocabulary
from rules.actions import read_actions
from rules.conditions import AllOf
from rules.conditions import Condition
from rules.conditions import ConditionError
from rules.conditions import Const
from rules.conditions import example
from rules.conditions import parse_condition
from rules.experiments import read_experiment
from rules.model import FIRST_CONTACT
from rules.model import PROGRESSIONS
from rules.model import ActionSpec
from rules.model import EventRule
from rules.model import Experiment
from rules.model import Ladder
from rules.model import Pause
from rules.model import RuleFile
from rules.model import RuleTest
from rules.model import Segment
from rules.model import Step
from rules.reader import Problems
from rules.reader import Reader
from rules.reader import shown
from rules.settings import read_fees
from rules.settings import read_limitation
from rules.settings import read_settings
from rules.settings import read_teams
from rules.source import Map
from rules.source import Seq
from rules.source import SourceError
from rules.source import parse
from rules.source import plain

TOP_KEYS = ("name", "description", "segments", "minimum_balance", "ladders", "pause_when",
            "rules", "contact", "portal", "fees", "limitation", "teams", "tests",
            "first_contact")
PLAN_REVIEW_PAUSE = "plan.in_review"
INVOICE_PAUSES = ("invoice.disputed", "invoice.excluded")
EVENTS = {
    "broken promise": "promise.broken",
    "missed instalment": "plan.missed_instalments >= 1",
    "credit limit exceeded": "account.over_credit_limit",
    "large balance": "account.overdue_balance >= {over}",
    "limitation": "limitation.days_left <= {days_before}",
    # paid, or what is left overdue is below the hold threshold (and not over the credit
    # limit, which is a reason for a hold of its own)
    "hold release": ("customer.on_hold and account.over_credit_limit == false "
                     "and account.overdue_balance < {below}"),
}
DEFAULT_RELEASE_BELOW = Decimal("0.01")  # "hold release" without "below:": when paid


def _condition(problems: Problems, line: int, rule: str, text: Any) -> Condition | None:
    try:
        return parse_condition(text)
    except ConditionError as exc:
        problems.error(line, rule, str(exc))
        return None


def _items(problems: Problems, root: Map, key: str, rule: str) -> list[tuple[Map, int]]:
    value = root.get(key)
    if value is None:
        return []
    if not isinstance(value, Seq):
        problems.error(root.line_of(key), rule, f'"{key}" must be a list (each item on a line '
                                                f'starting with "- "), got {shown(value)}')
        return []
    result = []
    for item, line in zip(value.items, value.lines, strict=True):
        if isinstance(item, Map):
            result.append((item, line))
        else:
            problems.error(line, rule, f"each item of {key} needs a name and settings, "
                                       f"got {shown(item)}")
    return result


def _name(problems: Problems, node: Map, what: str, seen: dict[str, int]) -> str | None:
    name = node.get("name")
    if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
        problems.error(node.line, what, f'every {what} needs a "name"')
        return None
    text = str(name).strip()
    if text in seen:
        problems.error(node.line_of("name"), f'{what} "{text}"',
                       f"the name is already used on line {seen[text]}; names must differ")
        return None
    seen[text] = node.line_of("name")
    return text


def _segments(problems: Problems, root: Map) -> list[Segment]:
    segments, seen = [], {}  # type: ignore[var-annotated]
    catch_all: str | None = None
    for node, _ in _items(problems, root, "segments", "segments"):
        name = _name(problems, node, "segment", seen)
        if name is None:
            continue
        reader = Reader(problems, node, f'segment "{name}"', ("name", "when", "ladder"))
        rule = f'segment "{name}"'
        if catch_all is not None:
            problems.error(node.line, rule, f'can never apply: segment "{catch_all}" above it '
                                            "takes every customer (first match wins)")
        condition = _condition(problems, reader.line("when"), rule, node.get("when", True))
        if condition is None:
            continue
        if condition == Const(True):
            catch_all = name
        segments.append(Segment(name, condition, node.line, reader.text("ladder")))
    return segments


def _reuse(problems: Problems, segments: list[Segment], ladders: dict[str, Ladder]) -> None:
    """`ladder: business` in a segment: the segment runs a copy of that ladder under its
    own name, so each segment keeps its own progress (steps taken, explain, timeline)."""
    for segment in segments:
        if segment.ladder is None or segment.ladder == segment.name:
            continue
        rule = f'segment "{segment.name}"'
        if segment.name in ladders:
            problems.error(segment.line, rule, f'says "ladder: {segment.ladder}" but a ladder '
                                               f'"{segment.name}" is written too; keep one')
        elif segment.ladder not in ladders:
            close = difflib.get_close_matches(segment.ladder, list(ladders), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            problems.error(segment.line, rule, f'uses ladder "{segment.ladder}", which is not '
                                               f'under "ladders:"{hint}')
        else:
            ladders[segment.name] = replace(ladders[segment.ladder], name=segment.name)


def _steps(problems: Problems, ladder: str, node: Map, vocabulary: Vocabulary,
           experiments: list[Experiment]) -> list[Step]:
    steps: list[Step] = []  # as written (their days are checked in order)
    split: list[tuple[Step, list[Step]]] = []  # an experiment's step, run as one per variant
    seen: dict[str, int] = {}
    for item, _ in _items(problems, node, "steps", f'ladder "{ladder}"'):
        name = _name(problems, item, "step", seen)
        if name is None:
            continue
        rule = f'step "{name}"'
        reader = Reader(problems, item, rule, ("name", "at", "when", "experiment",
                                               *ACTION_KEYS))
        at = reader.whole("at", "days", required=True, default=-1, minimum=1, maximum=3650)
        condition = None
        if reader.has("when"):
            condition = _condition(problems, reader.line("when"), rule, item.get("when"))
        actions, fees = read_actions(reader, vocabulary)
        if not any(key in item for key in ACTION_KEYS):
            problems.error(item.line, rule, "the step does nothing: give it send, task, "
                                            "escalate, notify, hold_sales, fees, "
                                            "legal_handover or handover")
        if at < 0:
            continue
        for other in steps:
            if other.at == at:
                problems.error(reader.line("at"), rule, f'overlaps step "{other.name}" '
                                                        f"(line {other.line}): both at {at} days")
            elif other.at > at:
                problems.error(reader.line("at"), rule,
                               f'is at {at} days but comes after step "{other.name}" at '
                               f"{other.at} days; put the steps in order of days")
        steps.append(Step(name, at, item.line, actions, condition, fees))
        if "experiment" in item:
            experiment, arms = read_experiment(problems, ladder, steps[-1], item, vocabulary)
            if experiment is not None:
                experiments.append(experiment)
                split.append((steps[-1], arms))
    if not split:
        return steps
    variants = [step for base, arms in split
                for step in _variant_days(problems, base, arms, steps, seen)]
    bases = {base.name for base, _ in split}
    return sorted([s for s in steps if s.name not in bases] + variants,
                  key=lambda s: s.at)  # stable: the written order within a day


def _variant_days(problems: Problems, base: Step, arms: list[Step], written: list[Step],
                  seen: dict[str, int]) -> list[Step]:
    """A variant's own day (`at:`) may fall between later steps, but not on another step's
    day, and its name ("reminder (sms)") must not be another step's."""
    kept = []
    for step in arms:
        rule = f'step "{base.name}" variant "{step.variant}"'
        if step.name in seen:
            problems.error(step.line, rule, f'runs as step "{step.name}", a name already used '
                                            f"on line {seen[step.name]}")
            continue
        clash = next((s for s in written if s is not base and s.at == step.at), None)
        if clash is not None:
            problems.error(step.line, rule, f'overlaps step "{clash.name}" (line {clash.line}): '
                                            f"both at {step.at} days")
            continue
        seen[step.name] = step.line
        kept.append(step)
    return kept


def _experiment_names(problems: Problems, experiments: list[Experiment]) -> None:
    """An experiment's name is its field (experiment.<name>) and its records in the ledger:
    one step per name in the file."""
    seen: dict[str, Experiment] = {}
    for experiment in experiments:
        first = seen.setdefault(experiment.name, experiment)
        if first is not experiment:
            problems.error(experiment.line, f'step "{experiment.step}"',
                           f'experiment "{experiment.name}" is already on line {first.line} '
                           f'(step "{first.step}"); give each experiment its own name')


def _first_contact(problems: Problems, parent: Map, rule: str) -> str | None:
    """`first_contact: {start_at: ...}` of the file or of one ladder (None: not set)."""
    node = parent.get("first_contact")
    if node is None:
        return None
    if not isinstance(node, Map):
        problems.error(parent.line_of("first_contact"), rule,
                       '"first_contact" needs "start_at", e.g. {start_at: age}')
        return None
    return Reader(problems, node, rule, ("start_at",)).text("start_at", required=True)


def _start_at(problems: Problems, line: int, rule: str, start_at: str, *, steps: list[Step],
              body: Map) -> str:
    """Checks a first_contact value against one ladder's steps (a step refused for its own
    error is not reported twice)."""
    if start_at in FIRST_CONTACT or any(step.name == start_at for step in steps):
        return start_at
    written = body.get("steps")
    if isinstance(written, Seq) and any(isinstance(item, Map) and
                                        str(item.get("name", "")).strip() == start_at
                                        for item in written.items):
        return "age"
    names = ", ".join(f'"{step.name}"' for step in steps)
    problems.error(line, rule, f'first_contact "{start_at}" is neither age, first nor a '
                               f"step of this ladder ({names})")
    return "age"


def _ladders(problems: Problems, root: Map, vocabulary: Vocabulary,
             experiments: list[Experiment]) -> dict[str, Ladder]:
    node = root.get("ladders")
    start_at = _first_contact(problems, root, "first_contact")
    ladders: dict[str, Ladder] = {}
    if node is None:
        return ladders
    if not isinstance(node, Map):
        problems.error(root.line_of("ladders"), "ladders", '"ladders" must name one ladder '
                                                           "per segment")
        return ladders
    for name, body in node.values.items():
        rule = f'ladder "{name}"'
        if not isinstance(body, Map):
            problems.error(node.line_of(name), rule, 'a ladder needs "progression" and "steps"')
            continue
        reader = Reader(problems, body, rule, ("progression", "steps", "notify",
                                               "first_contact"))
        progression = reader.text("progression", choices=PROGRESSIONS) or "ladder"
        steps = _steps(problems, name, body, vocabulary, experiments)
        notify = reader.words("notify", NOTIFY_TARGETS + tuple(sorted(vocabulary.teams)),
                              "person to notify")
        if notify:
            steps = [_notify_too(step, notify, reader.line("notify")) for step in steps]
        if not steps and "steps" in body:
            problems.error(node.line_of(name), rule, "the ladder has no steps")
        own = _first_contact(problems, body, rule)
        # not set: as before the setting existed (ladder: the first step; most_severe: age)
        first = "first" if progression == "ladder" else "age"
        if own is not None:
            first = _start_at(problems, body.line_of("first_contact"), rule, own, steps=steps,
                              body=body)
        elif start_at is not None:
            first = _start_at(problems, root.line_of("first_contact"), rule, start_at, steps=steps,
                              body=body)
        ladders[name] = Ladder(name, progression, tuple(steps), node.line_of(name), first)
    return ladders


def _notify_too(step: Step, who: tuple[str, ...], line: int) -> Step:
    """A ladder's `notify:` tells those people at each of its steps (with whoever the
    step's own `notify:` names, each once)."""
    own = [spec for spec in step.actions if spec.kind is ActionKind.NOTIFY]
    others = [spec for spec in step.actions if spec.kind is not ActionKind.NOTIFY]
    named = list(dict.fromkeys([*who, *(w for spec in own for w in spec.params["who"])]))
    spec = ActionSpec(ActionKind.NOTIFY, {"who": named, "template": "collection-started"},
                      own[0].line if own else line)
    return replace(step, actions=(*others, spec))


def _pauses(problems: Problems, root: Map) -> list[Pause]:
    value = root.get("pause_when")
    if value is None:
        return []
    items = value.items if isinstance(value, Seq) else [value]
    lines = value.lines if isinstance(value, Seq) else [root.line_of("pause_when")]
    pauses = []
    for item, line in zip(items, lines, strict=True):
        text = str(item).strip()
        if text in INVOICE_PAUSES:
            pauses.append(Pause(text, None, line))
            continue
        condition = _condition(problems, line, "pause_when", item)
        if condition is not None:
            pauses.append(Pause(text, condition, line))
    return pauses


def _event_rules(problems: Problems, root: Map, vocabulary: Vocabulary) -> list[EventRule]:
    rules: list[EventRule] = []
    seen: dict[str, int] = {}
    for node, _ in _items(problems, root, "rules", "rules"):
        name = _name(problems, node, "rule", seen)
        if name is None:
            continue
        rule = f'rule "{name}"'
        reader = Reader(problems, node, rule, ("name", "on", "when", "over", "days_before",
                                               "below", "then"))
        on = (reader.text("on") or "").replace("_", " ")
        parts: list[Condition] = []
        days = 90
        if on:
            if on not in EVENTS:
                reader.error("on", f'"on: {on}" is not an event the hub knows; use '
                                   f'{", ".join(EVENTS)}')
                continue
            days = reader.whole("days_before", "days", default=90, minimum=1, maximum=3650)
            parts.append(_event_condition(reader, on, days))
        if reader.has("when"):
            extra = _condition(problems, reader.line("when"), rule, node.get("when"))
            if extra is None:
                continue
            parts.append(extra)
        if not parts:
            problems.error(node.line, rule, 'a rule needs "on: <event>" or "when: <condition>"')
            continue
        actions: list[ActionSpec] = []
        fees: str | None = None
        for item, line in _then(problems, node, rule):
            found, item_fees = read_actions(Reader(problems, item, rule, ACTION_KEYS),
                                            vocabulary)
            actions.extend(found)
            fees = fees or item_fees
            if not found and not item_fees:
                problems.error(line, rule, "this action does nothing")
        if not actions and not fees:
            problems.error(node.line, rule, 'the rule does nothing: add "then:" actions')
        condition = parts[0] if len(parts) == 1 else AllOf(tuple(parts))
        rules.append(EventRule(name, on, condition, tuple(actions), node.line, fees, days))
    return rules


def _event_condition(reader: Reader, on: str, days: int) -> Condition:
    """The condition of `on: <event>`, with its amount (`over:`, `below:`) filled in."""
    over = reader.amount("over", Decimal(0)) if on == "large balance" else 0
    if on == "large balance" and not reader.has("over"):
        reader.error("on", '"on: large balance" needs "over: <amount>"')
    below = reader.amount("below", DEFAULT_RELEASE_BELOW) \
        if on == "hold release" else DEFAULT_RELEASE_BELOW
    if on != "hold release" and reader.has("below"):
        reader.error("below", '"below" is the hold threshold of "on: hold release"')
    if on == "hold release" and below <= 0:
        reader.error("below", '"below" must be more than 0 (a paid account has nothing '
                              'overdue)')
    return parse_condition(EVENTS[on].format(over=over, days_before=days, below=below))


def _then(problems: Problems, node: Map, rule: str) -> list[tuple[Map, int]]:
    return _items(problems, node, "then", rule)


def _tests(problems: Problems, root: Map) -> list[RuleTest]:
    tests: list[RuleTest] = []
    seen: dict[str, int] = {}
    for node, _ in _items(problems, root, "tests", "tests"):
        name = _name(problems, node, "test", seen)
        if name is None:
            continue
        reader = Reader(problems, node, f'test "{name}"', ("name", "account", "expect",
                                                           "expect_paused"))
        account = reader.section("account")
        expect = reader.words("expect") if reader.has("expect") else None
        tests.append(RuleTest(name, node.line, plain(account) if account else {},
                              expect, reader.text("expect_paused")))
    return tests


def _meaning(problems: Problems, segments: list[Segment], ladders: dict[str, Ladder]) -> None:
    for segment in segments:
        if segment.name not in ladders:
            problems.error(segment.line, f'segment "{segment.name}"',
                           f'has no ladder: add "{segment.name}:" under "ladders:", or '
                           f'reuse one with "ladder: <name>" in the segment')
        elif example(segment.condition) is None:
            problems.error(segment.line, f'segment "{segment.name}"',
                           "its condition can never be true")
    names = {segment.name for segment in segments} | \
        {segment.ladder for segment in segments if segment.ladder}
    for ladder in ladders.values():
        if ladder.name not in names:
            problems.warning(ladder.line, f'ladder "{ladder.name}"',
                             "no segment uses this ladder, so it never runs")
        for step in ladder.steps:
            if step.condition is not None and example(step.condition) is None:
                problems.error(step.line, f'step "{step.name}"', "can never be reached: its "
                                                                 "condition is never true")


def parse_rule_text(text: str, file: str, *, known_templates: frozenset[str] | None = None
                    ) -> tuple[RuleFile | None, list[Any]]:
    """The rule file and its problems (errors and warnings, in line order).

    The RuleFile is None when there is any error."""
    problems = Problems(file)
    try:
        root, duplicates = parse(text)
    except SourceError as exc:
        problems.error(exc.line, None, exc.message)
        return None, problems.sorted()
    for line, message in duplicates:
        problems.error(line, None, message)
    if not isinstance(root, Map):
        problems.error(1, None, "a rule file starts with settings such as 'segments:' and "
                                "'ladders:'")
        return None, problems.sorted()
    Reader(problems, root, None, TOP_KEYS)
    teams = read_teams(problems, root)
    vocabulary = Vocabulary(frozenset(teams), known_templates)
    segments = _segments(problems, root)
    experiments: list[Experiment] = []
    ladders = _ladders(problems, root, vocabulary, experiments)
    _reuse(problems, segments, ladders)
    _experiment_names(problems, experiments)
    if not segments:
        problems.error(root.line, None, 'there are no "segments:"; add at least one, e.g. '
                                        '"- {name: business, when: true}"')
    _meaning(problems, segments, ladders)
    pauses = _pauses(problems, root)
    if ladders and not any(pause.name == PLAN_REVIEW_PAUSE for pause in pauses):
        problems.warning(root.line_of("pause_when") if "pause_when" in root else root.line,
                         "pause_when", f"{PLAN_REVIEW_PAUSE} is not listed: a debtor who "
                         "proposes a payment plan is told no reminders are sent while it "
                         "is reviewed, but the ladder would go on")
    rule_file = RuleFile(
        file=file, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        segments=tuple(segments), ladders=ladders, pauses=tuple(pauses),
        events=tuple(_event_rules(problems, root, vocabulary)),
        settings=read_settings(problems, root), fees=read_fees(problems, root),
        limitation=read_limitation(problems, root), teams=teams,
        tests=tuple(_tests(problems, root)), lines=dict(root.lines),
        experiments=tuple(experiments))
    return (None if problems.errors else rule_file), problems.sorted()
