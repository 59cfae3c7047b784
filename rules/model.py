"""The rule file once read: an engine-neutral description (segments, ladders, pauses, event
rules, fees, limitation, tests). The compiler turns it into durable_rules JSON and into
the Python shadow; decide.py turns matches into decisions."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.domain.decisions import ActionKind
from hub.domain.decisions import PolicySettings
from hub.domain.fees import Scheme
from rules.conditions import Condition

DEBTOR_CHANNELS = ("email", "sms", "letter", "whatsapp", "voice")
STAFF_CHANNELS = ("slack", "teams", "email")
PROGRESSIONS = ("ladder", "most_severe")
FIRST_CONTACT = ("age", "first")  # or the name of a step of the ladder
FEE_CHOICES = ("statutory", "interest", "compensation")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    kind: ActionKind
    params: dict[str, Any]
    line: int


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    at: int  # days overdue of the oldest overdue invoice
    line: int
    actions: tuple[ActionSpec, ...]
    condition: Condition | None = None  # an optional extra `when:`
    fees: str | None = None  # statutory | interest | compensation
    # a variant of an experiment's step (rules/experiments.py): the experiment's name and
    # the variant's; the step runs only for the accounts dealt that variant
    experiment: str | None = None
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Ladder:
    name: str
    progression: str  # ladder | most_severe
    steps: tuple[Step, ...]
    line: int
    # where an account the ladder never reached starts when several steps are due at once
    # (the first cycle after go-live or an import of old debts): "age" (the step that fits
    # the account's age), "first" (the ladder's first step) or a step's name (the step that
    # fits the age, but never one after that step); not set: "first" for a ladder
    # progression, "age" for most_severe (as the progression itself does)
    first_contact: str = "first"


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    condition: Condition
    line: int
    ladder: str | None = None  # `ladder: business`: reuse that ladder; None: the segment's


@dataclass(frozen=True, slots=True)
class Pause:
    name: str  # as written: promise.open
    condition: Condition | None  # None: an invoice-level pause (invoice.disputed/excluded)
    line: int


@dataclass(frozen=True, slots=True)
class EventRule:
    name: str
    on: str  # broken promise | missed instalment | large balance | credit limit exceeded |
    #          limitation | (empty: plain `when:`)
    condition: Condition
    actions: tuple[ActionSpec, ...]
    line: int
    fees: str | None = None
    days_before: int = 90  # on: limitation: warn this many days before a claim expires


@dataclass(frozen=True, slots=True)
class FeePolicy:
    by_country: dict[str, Scheme] = field(default_factory=dict)
    default: Scheme = Scheme.NONE
    contract_percent: Decimal | None = None  # a contractual yearly rate instead of statute
    # the fixed sum per late invoice by currency, replacing the statute's amount (0: none)
    fixed_by_currency: dict[str, Decimal] = field(default_factory=dict)
    rates_folder: Path | None = None  # finance's reference-rate files, merged with rules/data

    def scheme_for(self, country: str | None) -> Scheme:
        return self.by_country.get(country or "", self.default)


@dataclass(frozen=True, slots=True)
class LimitationPolicy:
    by_country: dict[str, Scheme] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleTest:
    name: str
    line: int
    account: dict[str, Any]
    expect: tuple[str, ...] | None  # rule or step names that decide; None: not checked
    expect_paused: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    share: Decimal  # percent of the accounts reaching the step
    line: int
    skip: bool = False  # the step is left out for these accounts (a hold-out)


@dataclass(frozen=True, slots=True)
class Experiment:
    """A step whose accounts are split at random between variants (rules/experiments.py)."""

    name: str
    ladder: str
    step: str  # the step as written; each variant runs as "step (variant)"
    variants: tuple[Variant, ...]
    control: str  # the variant the others are compared with in the report
    line: int

    def variant_names(self) -> tuple[str, ...]:
        return tuple(variant.name for variant in self.variants)


@dataclass(frozen=True, slots=True)
class RuleFile:
    file: str
    sha256: str
    segments: tuple[Segment, ...]
    ladders: dict[str, Ladder]
    pauses: tuple[Pause, ...]
    events: tuple[EventRule, ...]
    settings: PolicySettings
    fees: FeePolicy
    limitation: LimitationPolicy
    teams: dict[str, tuple[str, ...]]
    tests: tuple[RuleTest, ...]
    lines: dict[str, int]  # line of each top-level section
    experiments: tuple[Experiment, ...] = ()

    def line_of(self, rule: str) -> int | None:
        """The line where a rule, step or segment named `rule` is written."""
        for ladder in self.ladders.values():
            for step in ladder.steps:
                if step.name == rule:
                    return step.line
        for event in self.events:
            if event.name == rule:
                return event.line
        for segment in self.segments:
            if segment.name == rule:
                return segment.line
        return None
