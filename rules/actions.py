"""Reading the actions of a ladder step or an event rule (send, task, escalate, ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.domain.decisions import ActionKind
from rules.model import DEBTOR_CHANNELS
from rules.model import FEE_CHOICES
from rules.model import STAFF_CHANNELS
from rules.model import ActionSpec
from rules.reader import Reader
from rules.reader import shown

ACTION_KEYS = ("send", "template", "task", "assign", "due_in_days", "escalate", "via",
               "notify", "hold_sales", "release_hold", "fees", "legal_handover", "resume",
               "warn", "handover", "approval")
HANDOVER_TO = ("collection",)  # the collection company that operates the hub
APPROVALS = ("creditor", "none")
FIXED_ASSIGNEES = ("owner", "account_manager", "department_manager")
NOTIFY_TARGETS = ("owner", "account_manager", "department_manager", "everyone")
TEAM_STRATEGIES = ("round_robin", "least_loaded")
PERSON = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    teams: frozenset[str]
    templates: frozenset[str] | None  # None: templates are not checked


def check_assignee(reader: Reader, key: str, value: str, vocabulary: Vocabulary) -> bool:
    """owner, account_manager, department_manager, a team, round_robin:<team>,
    least_loaded:<team> or a person's e-mail address."""
    if value in FIXED_ASSIGNEES or value in vocabulary.teams or PERSON.fullmatch(value):
        return True
    strategy, colon, team = value.partition(":")
    if colon and strategy.strip() in TEAM_STRATEGIES:
        if team.strip() in vocabulary.teams:
            return True
        reader.error(key, f'{strategy.strip().replace("_", " ")} needs a team defined under '
                          f'"teams:", "{team.strip()}" is not one')
        return False
    teams = ", ".join(sorted(vocabulary.teams)) or "none defined"
    reader.error(key, f'"{key}: {value}" is not someone the hub can find; use owner, '
                      f"account_manager, department_manager, a person's e-mail address, a team "
                      f"(teams: {teams}), round_robin:<team> or least_loaded:<team>")
    return False


def _template(reader: Reader, vocabulary: Vocabulary, *, required: bool) -> str | None:
    template = reader.text("template", required=required)
    if template and vocabulary.templates is not None and template not in vocabulary.templates:
        from difflib import get_close_matches  # noqa: PLC0415

        close = get_close_matches(template, sorted(vocabulary.templates), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        reader.error("template", f'there is no message template "{template}"{hint}')
    return template


def _handover(reader: Reader) -> ActionSpec | None:
    """`handover: collection`, with `approval: creditor` when the creditor must approve
    first. A step that hands over sends nothing itself: after the hand-over the hub's own
    messages stop, so a notice beside it would contradict it."""
    to = reader.node.get("handover")
    approval = reader.node.get("approval")
    if to is None:
        if approval is not None:
            reader.error("approval", '"approval" says who approves a hand-over: add '
                                     '"handover: collection"')
        return None
    if isinstance(to, bool) or str(to).strip() not in HANDOVER_TO:
        reader.error("handover", f'"handover" must be collection (the collection company that '
                                 f"runs the hub takes the case over), got {shown(to)}")
        return None
    if approval is not None and (isinstance(approval, bool)
                                 or str(approval).strip() not in APPROVALS):
        reader.error("approval", f'"approval" must be creditor (the creditor approves each '
                                 f"hand-over first) or none, got {shown(approval)}")
        return None
    if reader.has("send"):
        reader.error("send", "a step that hands over sends nothing itself (the hub's messages "
                             "stop at the hand-over): put the notice on a step before it")
        return None
    wanted = None if approval is None else str(approval).strip()
    return ActionSpec(ActionKind.HANDOVER, {"to": str(to).strip(),
                                            "approval": "creditor" if wanted == "creditor"
                                            else None},
                      reader.line("handover"))


def read_actions(  # noqa: PLR0912 - one branch per action key, read in order
    reader: Reader, vocabulary: Vocabulary) -> tuple[tuple[ActionSpec, ...],
                                                                    str | None]:
    """The actions written on one step or `then:` item, and its `fees:` choice."""
    actions: list[ActionSpec] = []
    channels = reader.words("send", DEBTOR_CHANNELS, "channel")
    if reader.has("send"):
        template = _template(reader, vocabulary, required=True)
        if channels:
            actions.append(ActionSpec(ActionKind.SEND, {"channels": list(channels),
                                                        "template": template},
                                      reader.line("send")))
    elif reader.has("template"):
        reader.error("template", '"template" only makes sense with "send: [email, ...]"')
    task = reader.text("task")
    assign = reader.text("assign")
    due = reader.whole("due_in_days", "days", maximum=365)
    if task:
        if not assign:
            reader.error("task", f'task "{task}" has no assignee: add "assign: owner" '
                                 f"(or department_manager, a team, round_robin:<team>)")
        elif check_assignee(reader, "assign", assign, vocabulary):
            actions.append(ActionSpec(ActionKind.TASK, {"task_type": task, "assign": assign,
                                                        "due_in_days": due},
                                      reader.line("task")))
    elif assign:
        reader.error("assign", '"assign" needs a "task" to assign')
    target = reader.text("escalate")
    via = reader.words("via", STAFF_CHANNELS, "chat channel")
    if target:
        if check_assignee(reader, "escalate", target, vocabulary):
            actions.append(ActionSpec(ActionKind.ESCALATE, {
                "target": target, "via": list(via or ("email",)), "template": "escalation"},
                reader.line("escalate")))
    elif via:
        reader.error("via", '"via" says how to escalate: add "escalate: department_manager"')
    notify = reader.words("notify", NOTIFY_TARGETS + tuple(sorted(vocabulary.teams)),
                          "person to notify")
    if notify:
        actions.append(ActionSpec(ActionKind.NOTIFY, {"who": list(notify),
                                                      "template": "collection-started"},
                                  reader.line("notify")))
    for key, kind in (("hold_sales", ActionKind.HOLD_SALES),
                      ("release_hold", ActionKind.RELEASE_HOLD),
                      ("legal_handover", ActionKind.LEGAL_HANDOVER)):
        if reader.flag(key):
            actions.append(ActionSpec(kind, {}, reader.line(key)))
    handover = _handover(reader)
    if handover is not None:
        actions.append(handover)
    resume = reader.text("resume", choices=("dunning",))
    if resume:
        actions.append(ActionSpec(ActionKind.RESUME, {"what": resume}, reader.line("resume")))
    warning = reader.text("warn")
    if warning:
        actions.append(ActionSpec(ActionKind.WARN, {"reason": warning}, reader.line("warn")))
    fees = reader.text("fees", choices=FEE_CHOICES)
    return tuple(actions), fees
