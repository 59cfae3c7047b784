"""Campaign experiments: a ladder step whose accounts are split at random between variants.

    - name: reminder
      at: 5
      send: [email]
      template: reminder-1
      experiment:
        name: first_channel
        variants:
          - {name: email, share: 45}                  # the step as written
          - {name: sms, share: 45, send: [sms]}       # the step with these keys changed
          - {name: control, share: 10, skip: true}    # no reminder at this step

Each variant becomes a step of its own, "reminder (sms)", with the extra condition
`experiment.first_channel == "sms"`. So the engine, the shadow, decide.py, `rules explain`
and the simulation need nothing new: an experiment is ordinary conditions on one more text
field of the account fact, whose value (the account's variant) is dealt here.

The deal is a hash of the experiment's name and the customer code, cut by the shares: the
same account always gets the same variant, with no state, in any process and on any day,
and different experiments deal independently. The first time an account reaches the step
the hub records its variant with the date (hub/services/prediction/experiments.py); from then on the
recorded variant wins, so editing the shares later never moves an account already exposed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from rules.actions import ACTION_KEYS
from rules.actions import Vocabulary
from rules.actions import read_actions
from rules.conditions import AllOf
from rules.conditions import Compare
from rules.conditions import Condition
from rules.fields import TEXT
from rules.fields import Field
from rules.model import Experiment
from rules.model import Step
from rules.model import Variant
from rules.reader import Problems
from rules.reader import Reader
from rules.reader import shown
from rules.source import Map
from rules.source import Seq

BUCKETS = 10_000  # shares are percents with at most two decimals: 0.01 % is one bucket
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}")
EXPERIMENT_KEYS = ("name", "variants", "control")
VARIANT_KEYS = ("name", "share", "skip", "at", *ACTION_KEYS)
CONTROL = "control"  # a variant of this name is the one the others are compared with


def field_of(experiment: Experiment | str, variants: tuple[str, ...] = ()) -> Field:
    """The account fact's field holding the experiment's variant: experiment.<name>."""
    if isinstance(experiment, Experiment):
        name, variants = experiment.name, experiment.variant_names()
    else:
        name = experiment
    return Field(f"experiment.{name}", TEXT, f"the variant of experiment {name}", variants)


def bucket(experiment: str, customer_code: str) -> int:
    """0..BUCKETS-1, uniform and independent between experiments (SHA-256, not Python's
    salted hash(), so every process and every day agree)."""
    digest = hashlib.sha256(f"{experiment}\x00{customer_code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def deal(experiment: Experiment, customer_code: str) -> str:
    """The variant the account gets, by its bucket and the variants' shares in order."""
    slot = bucket(experiment.name, customer_code)
    edge = 0
    for variant in experiment.variants:
        edge += int(variant.share * 100)
        if slot < edge:
            return variant.name
    return experiment.variants[-1].name  # shares sum to 100: not reached


def variant_of(experiment: Experiment, customer_code: str,
               recorded: dict[str, str] | None = None) -> str:
    """The recorded variant if the account has one that still exists, else its deal."""
    known = (recorded or {}).get(experiment.name)
    if known is not None and known in experiment.variant_names():
        return known
    return deal(experiment, customer_code)


def _share(reader: Reader, node: Map) -> Decimal | None:
    value = node.get("share")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        reader.error("share", f'"share" must be a percent such as 45, got {shown(value)}')
        return None
    try:
        share = Decimal(str(value))
    except InvalidOperation:
        reader.error("share", f'"share" must be a percent such as 45, got "{value}"')
        return None
    if not 0 < share <= 100 or share != share.quantize(Decimal("0.01")):
        reader.error("share", f'"share" must be a percent above 0 and at most 100, with at '
                              f'most two decimals, got {value}')
        return None
    return share


def _variants(problems: Problems, node: Map, rule: str) -> list[tuple[Variant, Map]]:
    value = node.get("variants")
    if not isinstance(value, Seq) or len(value.items) < 2:
        problems.error(node.line_of("variants"), rule,
                       'an experiment needs "variants:", a list of at least two, e.g. '
                       "- {name: email, share: 50} and - {name: sms, share: 50, send: [sms]}")
        return []
    found: list[tuple[Variant, Map]] = []
    seen: dict[str, int] = {}
    for item, line in zip(value.items, value.lines, strict=True):
        if not isinstance(item, Map):
            problems.error(line, rule, f"each variant needs a name and a share, got "
                                       f"{shown(item)}")
            continue
        reader = Reader(problems, item, rule, VARIANT_KEYS)
        name = reader.text("name", required=True)
        if name is None:
            continue
        if not VARIANT_NAME.fullmatch(name):
            reader.error("name", f'variant "{name}": a variant name is up to 40 letters, '
                                 "digits, spaces, dots, dashes or underscores")
            continue
        if name in seen:
            reader.error("name", f'variant "{name}" is already on line {seen[name]}; '
                                 "variant names must differ")
            continue
        seen[name] = item.line_of("name")
        if "share" not in item:
            problems.error(item.line, rule, f'variant "{name}" has no "share" (a percent of '
                                            f"the accounts reaching the step)")
            continue
        share = _share(reader, item)
        skip = reader.flag("skip")
        if skip and any(key in item for key in ("at", *ACTION_KEYS)):
            problems.error(item.line, rule, f'variant "{name}" says "skip: true" (no step for '
                                            "these accounts) and also changes the step; "
                                            "keep one")
            continue
        if share is not None:
            found.append((Variant(name, share, line, skip), item))
    total = sum((variant.share for variant, _ in found), Decimal(0))
    if found and len(found) == len(value.items) and total != 100:
        problems.error(node.line_of("variants"), rule,
                       f"the variants' shares add up to {total.normalize():f}%, not 100%")
    return found  # read on, so the variants' own problems are reported too


def _merged(step: Map, variant: Map) -> Map:
    """The step as written with the variant's keys in place of the step's, each key keeping
    the line it was written on (so a problem points at the variant or at the step)."""
    values = {k: v for k, v in step.values.items() if k not in ("experiment", "name")}
    lines = {k: line for k, line in step.lines.items() if k in values}
    for key, value in variant.values.items():
        if key not in ("name", "share", "skip"):
            values[key] = value
            lines[key] = variant.line_of(key)
    return Map(variant.line, values, lines)


def read_experiment(problems: Problems, ladder: str, step: Step, node: Map,
                    vocabulary: Vocabulary) -> tuple[Experiment | None, list[Step]]:
    """The experiment written on a step and the step's variants as steps of their own
    (none when it has an error; the problems are added)."""
    rule = f'step "{step.name}"'
    spec = node.get("experiment")
    if not isinstance(spec, Map):
        problems.error(node.line_of("experiment"), rule,
                       '"experiment" needs a name and variants, e.g. {name: first_channel, '
                       "variants: [...]}")
        return None, []
    reader = Reader(problems, spec, rule, EXPERIMENT_KEYS)
    name = reader.text("name", required=True)
    if name is not None and not NAME.fullmatch(name):
        reader.error("name", f'experiment "{name}": the name must start with a letter and '
                             "hold only letters, digits and underscores (up to 40), e.g. "
                             "first_channel")
        name = None
    variants = _variants(problems, spec, rule)
    if name is None or not variants:
        return None, []
    names = [variant.name for variant, _ in variants]
    control = reader.text("control") or (CONTROL if CONTROL in names else names[0])
    if control not in names:
        reader.error("control", f'"control: {control}" is not one of the variants '
                                f'({", ".join(names)})')
        return None, []
    experiment = Experiment(name, ladder, step.name, tuple(v for v, _ in variants), control,
                            spec.line)
    field = field_of(experiment)
    steps = []
    for variant, item in variants:
        arm: Condition = Compare(field, "==", variant.name)
        condition = arm if step.condition is None else AllOf((step.condition, arm))
        label = f"{step.name} ({variant.name})"
        if variant.skip:
            steps.append(replace(step, name=label, line=variant.line, actions=(), fees=None,
                                 condition=condition, experiment=name, variant=variant.name))
            continue
        changed = _merged(node, item)
        scratch = Problems(problems.file)
        variant_reader = Reader(scratch, changed, f'{rule} variant "{variant.name}"', None)
        at = variant_reader.whole("at", "days", default=step.at, minimum=1, maximum=3650)
        actions, fees = read_actions(variant_reader, vocabulary)
        _keep_new(problems, scratch)
        steps.append(replace(step, name=label, at=at, line=variant.line, actions=actions,
                             fees=fees, condition=condition, experiment=name,
                             variant=variant.name))
    return experiment, steps


def _keep_new(problems: Problems, scratch: Problems) -> None:
    """A variant re-reads the step's own keys: their problems are reported once."""
    known = {(p.line, p.message) for p in problems.items}
    for found in scratch.items:
        if (found.line, found.message) not in known:
            problems.items.append(found)
            known.add((found.line, found.message))


def experiment_fields(experiments: tuple[Experiment, ...]) -> dict[str, Any]:
    """Engine field name -> Field, for the fields catalogue of one file."""
    return {field_of(e).engine_name: field_of(e) for e in experiments}
