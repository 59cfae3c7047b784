"""Campaigns: a template plus adjustments (channel order, step days, tone, fees, stop
conditions), turned into a rule fragment that finance's rule file is extended with.

Pure: the fragment is plain data (dicts, lists, strings) in the rule file's own language;
rules/campaigns.py merges it into finance's file, and the same compiler, checks and
activation gate as for any rule file decide whether it can run.

How a campaign runs inside the rule file (docs/campaigns.md):

- a segment `campaign <slug>` placed before finance's segments, taking the customers whose
  `campaign.name` is the campaign's slug (the hub sets it for the members of a campaign that
  is not stopped), with a ladder of the same name: one step per channel, in the campaign's
  order;
- step k waits until the customer has been in the campaign for its day
  (`campaign.days >= N`: days since the customer joined, paused days left out) and is
  written at `at: k` (days overdue), so only an overdue debt is chased;
- each stop condition pauses the campaign's ladder for that customer while it holds;
- a paused campaign pauses its members' ladder (`campaign.paused`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

# the channels a campaign step can use: the rule file's debtor channels, a call by a
# person (a `call` task for the account's owner), and, as the last step, the hand-over to
# hard collection once the creditor approves it (docs/handover.md)
CHANNELS = ("email", "sms", "letter", "whatsapp", "voice", "call", "handover")
HANDOVER = "handover"
TONES = ("friendly", "standard", "firm")
STOP_CONDITIONS = ("promise", "plan", "dispute")
STATES = ("running", "paused", "stopped")
MAX_STEPS = 8
MAX_DAY = 365
SEGMENT_PREFIX = "campaign "
SLUG_LENGTH = 24  # the pauses that name it fit the ledger's 100 characters

# the message template of each step by tone: the first, the middle and the last step
TONE_TEMPLATES: dict[str, tuple[str, str, str]] = {
    "friendly": ("reminder-1", "reminder-1", "reminder-2"),
    "standard": ("reminder-1", "reminder-2", "final-notice"),
    "firm": ("reminder-2", "final-notice", "pre-legal"),
}
STOP_PAUSES = {"promise": "promise.open", "plan": "plan.active or plan.in_review",
               "dispute": "account.disputed_invoices > 0"}


class CampaignFormError(ValueError):
    """A value of the form that cannot be a campaign; `field` names the form field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class CampaignStep:
    channel: str  # one of CHANNELS
    day: int  # days after the customer joined the campaign


@dataclass(frozen=True, slots=True)
class CampaignSettings:
    """What a template holds and a campaign adjusts."""

    steps: tuple[CampaignStep, ...]
    tone: str = "standard"
    fees: bool = False
    stop_when: tuple[str, ...] = ("promise", "plan")
    stop_below: Decimal | None = None  # the overdue balance under which steps stop

    def as_json(self) -> dict[str, Any]:
        return {"steps": [{"channel": s.channel, "day": s.day} for s in self.steps],
                "tone": self.tone, "fees": self.fees, "stop_when": list(self.stop_when),
                "stop_below": None if self.stop_below is None else str(self.stop_below)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CampaignSettings:
        below = data.get("stop_below")
        return cls(tuple(CampaignStep(str(s["channel"]), int(s["day"]))
                         for s in data.get("steps", [])),
                   str(data.get("tone", "standard")), bool(data.get("fees", False)),
                   tuple(str(s) for s in data.get("stop_when", ())),
                   None if below in (None, "") else Decimal(str(below)))

    def step_names(self) -> list[str]:
        return [step_name(index, step.channel) for index, step in enumerate(self.steps)]


@dataclass(frozen=True, slots=True)
class Template:
    key: str  # friendly | standard | firm, or a saved template's name
    name: str
    settings: CampaignSettings
    builtin: bool = True


BUILTIN_TEMPLATES: tuple[Template, ...] = (
    Template("friendly", "Friendly", CampaignSettings(
        (CampaignStep("email", 0), CampaignStep("sms", 7), CampaignStep("email", 14)),
        tone="friendly", fees=False, stop_when=("promise", "plan", "dispute"))),
    Template("standard", "Standard", CampaignSettings(
        (CampaignStep("email", 0), CampaignStep("sms", 5), CampaignStep("letter", 14),
         CampaignStep("call", 21)), tone="standard", fees=False, stop_when=("promise", "plan"))),
    Template("firm", "Firm", CampaignSettings(
        (CampaignStep("email", 0), CampaignStep("sms", 3), CampaignStep("letter", 7),
         CampaignStep("call", 10)), tone="firm", fees=True, stop_when=("plan",))),
)


@dataclass(frozen=True, slots=True)
class Target:
    """Who is in the campaign: one customer, or every customer a filter selects when the
    campaign starts (segment, country, days overdue, overdue amount, risk score)."""

    customer: str | None = None
    segment: str | None = None
    country: str | None = None
    min_days_overdue: int | None = None
    min_amount: Decimal | None = None
    max_score: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"customer": self.customer, "segment": self.segment, "country": self.country,
                "min_days_overdue": self.min_days_overdue,
                "min_amount": None if self.min_amount is None else str(self.min_amount),
                "max_score": self.max_score}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        amount = data.get("min_amount")
        return cls(data.get("customer"), data.get("segment"), data.get("country"),
                   data.get("min_days_overdue"),
                   None if amount in (None, "") else Decimal(str(amount)),
                   data.get("max_score"))

    @property
    def is_filter(self) -> bool:
        return self.customer is None


def step_name(index: int, channel: str) -> str:
    """`1. sms`: the step's name in the campaign's ladder (and on the timeline)."""
    return f"{index + 1}. {channel}"


def segment_name(slug: str) -> str:
    return f"{SEGMENT_PREFIX}{slug}"


def slug_of(name: str) -> str:
    """A campaign's name as it appears in the rule file: lower case, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    slug = slug[:SLUG_LENGTH].strip("-")
    return slug or "campaign"


def template_for(tone: str, index: int, count: int) -> str:
    first, middle, last = TONE_TEMPLATES[tone]
    if index == count - 1 and count > 1:
        return last
    return first if index == 0 else middle


# --- the form -------------------------------------------------------------------------


def _whole(text: str, field_name: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise CampaignFormError(field_name, f'{what} must be a whole number, got "{text}"') \
            from None
    if not low <= value <= high:
        raise CampaignFormError(field_name, f"{what} must be from {low} to {high}, got {value}")
    return value


def _steps(channels: list[str], days: list[str]) -> tuple[CampaignStep, ...]:
    """The form's step rows (empty ones left out), each checked."""
    if len(channels) != len(days):
        raise CampaignFormError("steps", f"{len(channels)} channels but {len(days)} days: "
                                         "give one day per channel")
    steps: list[CampaignStep] = []
    for index, (written, typed) in enumerate(zip(channels, days, strict=True)):
        channel, day = written.strip().lower(), typed.strip()
        if not channel and not day:
            continue
        row = len(steps) + 1
        if channel not in CHANNELS:
            raise CampaignFormError(f"step-{index + 1}-channel",
                                    f'step {row}: "{channel}" is not a channel; use '
                                    f'{", ".join(CHANNELS)}')
        value = _whole(day, f"step-{index + 1}-day", f"step {row}: the day", 0, MAX_DAY)
        if steps and value <= steps[-1].day:
            raise CampaignFormError(f"step-{index + 1}-day",
                                    f"step {row}: day {value} must come after step {row - 1}'s "
                                    f"day {steps[-1].day}")
        if steps and steps[-1].channel == HANDOVER:
            raise CampaignFormError(f"step-{index + 1}-channel",
                                    f"step {row}: the hand-over to collection must be the last "
                                    f"step (after it the hub sends nothing)")
        steps.append(CampaignStep(channel, value))
    if not steps:
        raise CampaignFormError("steps", "a campaign needs at least one step (a channel and "
                                         "a day)")
    if len(steps) > MAX_STEPS:
        raise CampaignFormError("steps", f"a campaign has at most {MAX_STEPS} steps, got "
                                         f"{len(steps)}")
    return tuple(steps)


def settings_from_form(channels: list[str], days: list[str], *, tone: str, fees: bool,
                       stop_when: list[str], stop_below: str = "") -> CampaignSettings:
    """The settings from the form's fields (or the command line's options); a
    CampaignFormError names the field (`step-2-day`, `tone`, ...) and what is wrong.
    Empty step rows are left out."""
    steps = _steps(channels, days)
    if tone not in TONES:
        raise CampaignFormError("tone", f'"{tone}" is not a tone; use {", ".join(TONES)}')
    unknown = [s for s in stop_when if s not in STOP_CONDITIONS]
    if unknown:
        raise CampaignFormError("stop_when", f'"{unknown[0]}" is not a stop condition; use '
                                             f'{", ".join(STOP_CONDITIONS)}')
    below: Decimal | None = None
    if stop_below.strip():
        try:
            below = Decimal(stop_below.strip())
        except InvalidOperation:
            raise CampaignFormError("stop_below", f'the amount must be a number such as '
                                                  f'25.00, got "{stop_below}"') from None
        if not below.is_finite() or below <= 0:
            raise CampaignFormError("stop_below", f"the amount must be above 0, got "
                                                  f"{stop_below}")
    return CampaignSettings(steps, tone, fees,
                            tuple(s for s in STOP_CONDITIONS if s in stop_when), below)


def with_channel_first(settings: CampaignSettings, channel: str) -> CampaignSettings:
    """The same steps and days with `channel` moved to the first step (the others keep
    their order): "SMS before e-mail"."""
    channels = [s.channel for s in settings.steps]
    if channel not in channels:
        channels = [channel, *channels][:len(settings.steps)]
    else:
        channels.remove(channel)
        channels.insert(0, channel)
    return replace(settings, steps=tuple(CampaignStep(c, s.day)
                                         for c, s in zip(channels, settings.steps, strict=True)))


# --- the rule fragment ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fragment:
    """A campaign in the rule file's language: its segment, ladder and pauses."""

    slug: str
    segment: dict[str, Any]
    ladder: dict[str, Any]
    pauses: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return str(self.segment["name"])


def fragment(slug: str, settings: CampaignSettings) -> Fragment:
    """The rule fragment of a campaign (see the module's docstring)."""
    name = segment_name(slug)
    member = f'campaign.name == "{slug}"'
    steps: list[dict[str, Any]] = []
    count = len(settings.steps)
    for index, step in enumerate(settings.steps):
        entry: dict[str, Any] = {"name": step_name(index, step.channel), "at": index + 1,
                                 "when": f"campaign.days >= {step.day}"}
        if step.channel == "call":
            entry.update(task="call", assign="owner")
        elif step.channel == HANDOVER:  # the creditor approves each one (docs/handover.md)
            entry.update(handover="collection", approval="creditor")
        else:
            entry.update(send=[step.channel], template=template_for(settings.tone, index, count))
        if settings.fees and index == count - 1:
            entry["fees"] = "statutory"
        steps.append(entry)
    pauses = [f"{member} and campaign.paused"]
    pauses += [f"{member} and ({STOP_PAUSES[s]})" for s in settings.stop_when]
    if settings.stop_below is not None:
        pauses.append(f"{member} and account.overdue_balance < {settings.stop_below}")
    return Fragment(slug, {"name": name, "when": member},
                    {"progression": "ladder", "first_contact": {"start_at": "first"},
                     "steps": steps}, tuple(pauses))


def field_of_problem(rule: str | None, message: str, settings: CampaignSettings,
                     slug: str) -> str:
    """The form field a compiler problem belongs to: a step's row (by the step's name in
    the problem), the amount or the other stop conditions (a pause of this campaign), else
    the form as a whole."""
    names = settings.step_names()
    for index, name in enumerate(names):
        if rule == f'step "{name}"' or f'"{name}"' in message:
            return f"step-{index + 1}-{'day' if 'days' in message else 'channel'}"
    said = f"{rule or ''} {message}"
    if f'campaign.name == "{slug}" and' in said or (rule or "").startswith("pause"):
        return "stop_below" if "account.overdue_balance <" in said else "stop_when"
    return "form"
