"""Decisions become tasks, outbox messages, holds, escalations, legal handovers, hand-overs
to collection and fee and interest lines. Idempotent by decision key: a decision already
applied is skipped, so running a day again creates nothing. Runs inside the caller's
transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import get_args

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.actions import Deadline
from hub.domain.actions import Escalate
from hub.domain.actions import Fee
from hub.domain.actions import Handover
from hub.domain.actions import HoldSales
from hub.domain.actions import Interest
from hub.domain.actions import LegalHandover
from hub.domain.actions import Notify
from hub.domain.actions import ReleaseHold
from hub.domain.actions import Resume
from hub.domain.actions import Send
from hub.domain.actions import Task
from hub.domain.actions import Teams
from hub.domain.actions import TypedAction
from hub.domain.actions import Warn
from hub.domain.actions import deadline_of
from hub.domain.actions import typed
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.decisions import Decision
from hub.domain.decisions import InvoiceFacts
from hub.domain.money import Money
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.domain.outbox import describe_skipped
from hub.domain.outbox import message_key
from hub.ledger.accounts import ids_in
from hub.ledger.bulk import insert_rows
from hub.ledger.bulk import insert_tuples
from hub.ledger.event_log import add_event_rows
from hub.ledger.experiments import exposure_row
from hub.ledger.experiments import record_exposures
from hub.ledger.in_lists import chunks
from hub.ledger.lookups import ids_by_key
from hub.ledger.lookups import key_in
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.outbox import enqueue_new
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import charges
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import messages as outbox
from hub.ledger.tables import sales_holds
from hub.services.accounts.holds import release_hold
from hub.services.accounts.tasks import RULES
from hub.services.accounts.tasks import TaskBatch
from hub.services.cycle.assignees import Assignment
from hub.services.cycle.assignees import Directory
from hub.services.handover.cases import open_case

ACTOR = "rules"
ENFORCEMENT_OFF = "enforcement off"
NOT_DELIVERED = ("failed", "skipped")  # outbox states of a notice the debtor never got
# An applied decision's row as _Writer collects it (applied_on, applied_at and
# cycle_run_id are the run's, written once as constants)
APPLIED_COLUMNS = ("decision_key", "customer_id", "rule", "source", "ladder", "step",
                   "anchor_due_date", "paused_by", "facts", "first_contact", "actions")
EventRow = tuple[Any, ...]  # in hub.ledger.event_log.EVENT_COLUMNS' order
# The kinds of action whose handler may open a task (_create_task): the open tasks of these
# decisions' accounts are read at once; any other account's when it asks (TaskBatch.waits).
MAY_OPEN_TASKS = frozenset({ActionKind.TASK, ActionKind.ESCALATE, ActionKind.RELEASE_HOLD,
                            ActionKind.LEGAL_HANDOVER, ActionKind.WARN})


@dataclass(frozen=True, slots=True)
class ApplyContext:
    as_of: date
    now: datetime
    run_id: int | None = None


def chased_invoices(facts: AccountFacts) -> list[InvoiceFacts]:
    """What is chased: overdue, not excluded, not disputed (a disputed invoice is never in
    a notice, hub.domain.owed). In the ledger's order; one pass over the invoices (what
    `facts.overdue_invoices` filtered further would give, without its two passes)."""
    return [i for i in facts.invoices if i.open_amount.amount > 0 and i.days_overdue > 0
            and not i.excluded and not i.disputed]


def already_applied(connection: Connection, keys: Sequence[str]) -> set[str]:
    return set(rows_by_key(connection, applied_decisions, "decision_key", keys,
                           columns=["id"]))


def apply_decisions(connection: Connection, decisions: Sequence[Decision],
                    facts: Mapping[str, AccountFacts], context: ApplyContext) -> Counter[str]:
    """Apply what was not applied before; returns counts by kind of effect."""
    counts: Counter[str] = Counter()
    done = already_applied(connection, [decision.key for decision in decisions])
    todo = []
    for decision in decisions:
        if decision.customer_code not in facts:  # the policy answered for another account
            counts["unknown_account"] += 1
        elif decision.key in done:
            counts["already_applied"] += 1
        elif decision.paused_by:
            counts["paused"] += 1
        else:
            todo.append(decision)
            done.add(decision.key)  # two decisions with one key: the first wins
    if not todo:
        return counts
    writer = _Writer(connection, facts, context, counts, todo)
    writer.notices_before = notices_sent(connection, sorted(
        {d.customer_code for d in todo if any(a.kind is ActionKind.SEND for a in d.actions)}))
    for decision in todo:
        writer.apply(decision)
    writer.flush()
    return counts


# not frozen: one is built per action applied, and a frozen dataclass's __init__ costs
# several times more; nothing reassigns its fields
@dataclass(slots=True)
class _Item:
    """One action of one decision, with what it needs to be carried out. `recorded` is what
    the decision row keeps of the action: its parameters plus the person actually given the
    work (`assignee`, and `assignment_note` when it is not whom the rule names)."""

    decision: Decision
    action: Action
    facts: AccountFacts
    customer_id: int
    recorded: dict[str, Any]
    deadline: Deadline | None  # set on the actions of a claim nearing limitation

    @classmethod
    def of(cls, decision: Decision, action: Action, facts: AccountFacts,
           customer_id: int) -> _Item:
        return cls(decision, action, facts, customer_id, dict(action.params),
                   deadline_of(action.params))


class _Writer:
    def __init__(self, connection: Connection, facts: Mapping[str, AccountFacts],
                 context: ApplyContext, counts: Counter[str],
                 todo: Sequence[Decision]) -> None:
        self.connection = connection
        self.facts = facts
        self.context = context
        self.counts = counts
        codes = sorted(set(facts))
        self.customer_ids = ids_by_key(connection, customers, "code", codes)
        self.directory = Directory.load(connection)
        self.applied_rows: list[tuple[Any, ...]] = []  # in APPLIED_COLUMNS' order
        self.event_rows: list[EventRow] = []
        self.messages: list[OutboxMessage] = []
        self.charges: list[dict[str, Any]] = []
        self.holds: dict[int, tuple[str, str]] = {}  # customer id -> reason, decision key
        self.exposures: list[dict[str, Any]] = []  # experiment variants applied
        self.notices_before: Counter[str] = Counter()
        # only the accounts whose decisions may open a task (issue 16: the open tasks of
        # every account in the batch were read, most of them never asked about)
        self.tasks = TaskBatch(connection, sorted(
            {self.customer_ids[d.customer_code] for d in todo
             if facts[d.customer_code].enforcement
             and any(action.kind in MAY_OPEN_TASKS for action in d.actions)}))
        self._chased_by: dict[str, list[InvoiceFacts]] = {}

    def apply(self, decision: Decision) -> None:
        facts = self.facts[decision.customer_code]
        customer_id = self.customer_ids[decision.customer_code]
        enforced = facts.enforcement
        items = [_Item.of(decision, action, facts, customer_id) for action in decision.actions]
        if enforced:
            self.counts["applied"] += 1
            for item in items:
                action = typed(item.action)
                HANDLERS[type(action)](self, item, action)
        else:  # recorded for the timeline and explain, nothing is done
            self.counts["enforcement_off"] += 1
        recorded = [{"kind": str(item.action.kind), "params": item.recorded} for item in items]
        self.applied_rows.append((
            decision.key, customer_id, decision.rule, decision.source, decision.ladder,
            decision.step,
            # the oldest unpaid due date the ladder counts from
            min((i.due_date for i in self._chased(facts)), default=None),
            None if enforced else ENFORCEMENT_OFF, decision.facts,
            bool(decision.facts.get("first_contact")), recorded))
        if enforced and decision.facts.get("experiment"):
            self.exposures.append(exposure_row(decision, customer_id, self.context.as_of,
                                               self.context.now))
        if enforced:
            what = decision.step or decision.rule
            self.event_rows.append(self._event(
                customer_id, kinds.DECISION_APPLIED, f"{what}: {_describe(recorded)}",
                # the facts stay in applied_decisions, once
                {"decision_key": decision.key, "rule": decision.rule,
                 "source": decision.source}))

    def flush(self) -> None:
        """Write what was collected: set at a time, one statement per table."""
        run = {"applied_on": self.context.as_of, "applied_at": self.context.now,
               "cycle_run_id": self.context.run_id}
        if not insert_tuples(self.connection, applied_decisions, APPLIED_COLUMNS,
                             self.applied_rows, run):  # a per-row default: Core's insert
            self.connection.execute(applied_decisions.insert(), [
                {**dict(zip(APPLIED_COLUMNS, row, strict=True)), **run}
                for row in self.applied_rows])
        self._flush_messages()
        self._flush_charges()
        self._flush_holds()
        self._flush_tasks()
        self.counts["experiment_assignments"] += record_exposures(self.connection,
                                                                  self.exposures)
        add_event_rows(self.connection, self.event_rows)

    def _flush_messages(self) -> None:
        """Into NOTIFY's outbox, skipping keys already queued (hub.ledger.outbox)."""
        self.counts["messages"] += enqueue_new(self.connection, self.messages,
                                               now=self.context.now)

    def _flush_tasks(self) -> None:
        self.event_rows.extend(self._event(event["customer_id"], event["kind"],
                                           event["summary"], event["data"])
                               for event in self.tasks.flush())

    def _flush_holds(self) -> None:
        """New sales holds (an account already on hold keeps its hold), set at a time."""
        if not self.holds:
            return
        held = {row.customer_id for row in self.connection.execute(
            sa.select(sales_holds.c.customer_id).where(
                sales_holds.c.released_at.is_(None),
                ids_in(self.connection, sales_holds.c.customer_id, list(self.holds))))}
        now = self.context.now
        new = {customer: why for customer, why in self.holds.items() if customer not in held}
        if not new:
            return
        self.connection.execute(sales_holds.insert(), [
            {"customer_id": customer, "reason": reason, "decision_key": key,
             "placed_by": ACTOR, "placed_at": now, "released_by": None, "released_at": None}
            for customer, (reason, key) in new.items()])
        update_by_id(self.connection, customers, [
            {"row_id": customer, "on_hold": True, "updated_at": now} for customer in new])
        self.event_rows.extend(
            self._event(customer, kinds.SALES_HOLD_PLACED, f"sales hold placed: {reason}",
                        {"decision_key": key}) for customer, (reason, key) in new.items())
        self.counts["holds_placed"] += len(new)

    def _flush_charges(self) -> None:
        if not self.charges:
            return
        made = set(rows_by_key(self.connection, charges, "unique_key",
                               [row["unique_key"] for row in self.charges], columns=["id"]))
        numbers = {row["number"] for row in self.charges}
        invoice_ids = ids_by_key(self.connection, invoices, "number", numbers)
        rows = []
        for row in self.charges:
            if row["unique_key"] in made:
                self.counts["charges_already_made"] += 1
                continue
            made.add(row["unique_key"])
            number, event = row.pop("number"), row.pop("event")
            row["invoice_id"] = invoice_ids[number]
            rows.append(row)
            self.event_rows.append((*event[:-1], row["invoice_id"]))
            self.counts["interest" if row["kind"] == "interest" else "fees"] += 1
        if rows:
            insert_rows(self.connection, charges, rows)

    def _event(self, customer_id: int, kind: str, summary: str,
               data: dict[str, Any]) -> EventRow:
        return (self.context.now, ACTOR, kind, summary, data, customer_id, None)

    def _chased(self, facts: AccountFacts) -> list[InvoiceFacts]:
        """chased_invoices, once per account (an account has several decisions)."""
        found = self._chased_by.get(facts.customer_code)
        if found is None:
            found = self._chased_by[facts.customer_code] = chased_invoices(facts)
        return found

    def _context(self, decision: Decision, facts: AccountFacts) -> dict[str, Any]:
        open_invoices = self._chased(facts)
        return {"customer_code": facts.customer_code, "step": decision.step,
                "ladder": decision.ladder, "rule": decision.rule,
                "as_of": self.context.as_of.isoformat(),
                "invoices": [{"number": i.number, "due_date": i.due_date.isoformat(),
                              "open": str(i.open_amount.amount), "currency": i.currency,
                              "days_overdue": i.days_overdue} for i in open_invoices]}

    # one method per kind of action (the table HANDLERS, below the class) -----------------

    def _send(self, item: _Item, send: Send) -> None:
        decision, facts = item.decision, item.facts
        # what the debtor was sent before, so a first message never says "despite our
        # reminders" (templates read `previous_reminders` and `first_contact`)
        before = self.notices_before[facts.customer_code]
        self.notices_before[facts.customer_code] += 1
        context = self._context(decision, facts)
        context.update(previous_reminders=before, first_contact=before == 0)
        self.messages.append(OutboxMessage(
            idempotency_key=message_key(decision.key, "send"),
            template=send.template, customer_code=facts.customer_code,
            channels=send.channels, language=facts.language,
            context=context, decision_key=decision.key,
            batch=self.context.as_of.isoformat(), skipped=send.skipped))

    def _staff(self, item: _Item, people: Sequence[str], *, template: str, tag: str) -> None:
        """Staff alerts are not sent one by one (74 "credit limit exceeded" e-mails in one
        cycle): the people are recorded on the decision, and each finds the alert in the
        alerts section of their digest of the day (hub.services.notify.digests.alerts_for), one
        message per person per channel per day. The rule file has no "urgent" mark, so
        none goes separately."""
        item.recorded["alerted"] = list(dict.fromkeys(people))
        item.recorded["alert"] = tag if template == "escalation" else template
        self.counts["staff_alerts"] += len(item.recorded["alerted"])

    def _task(self, item: _Item, task: Task) -> None:
        reason = item.deadline.describe() if item.deadline else task.reason
        self._create_task(item, task.task_type, task.assign, task.due_in_days,
                          teams=task.teams, reason=reason)

    def _create_task(self, item: _Item, task_type: str, rule: str | None,
                     due_in_days: int, *, teams: Teams | None = None,
                     reason: str | None = None) -> Assignment | None:
        """One open task of a type per account: a second one is not created (None). A task
        about one invoice's legal deadline is one per invoice (its decision is once per
        claim), due no later than the last day. The assignee is chosen here, once, and
        recorded on the decision and the task."""
        deadline = item.deadline.expires_on if item.deadline else None
        if self.tasks.waits(item.customer_id, task_type, per_claim=deadline is not None):
            self.counts["tasks_already_open"] += 1
            return None
        assignment = self.directory.assign(rule, item.facts, dict(teams or {}))
        item.recorded["assignee"] = assignment.assignee
        if assignment.note:
            item.recorded["assignment_note"] = assignment.note
            self.counts["tasks_reassigned"] += 1
        decision = item.decision
        due = self.context.as_of + timedelta(days=due_in_days)
        if deadline is not None:
            due = max(self.context.as_of, min(due, deadline))
        origin = f"{decision.step or decision.rule} ({decision.source})"
        text = f"{reason}; {origin}" if reason else origin
        self.tasks.add(
            customer_id=item.customer_id, task_type=task_type, assignee=assignment.assignee,
            due_date=due, key=f"{decision.key}|{task_type}",
            reason=f"{text}; {assignment.note}" if assignment.note else text,
            decision_key=decision.key, actor=ACTOR, source=RULES, now=self.context.now)
        self.counts["tasks"] += 1
        return assignment

    def _escalate(self, item: _Item, escalate: Escalate) -> None:
        target = escalate.target
        people = self.directory.resolve(target, item.facts, dict(escalate.teams))
        assignment = self._create_task(item, "escalation", target, 0, teams=escalate.teams)
        if not people and assignment is not None and assignment.assignee:
            people = [assignment.assignee]  # whoever took the work over is told
        self._staff(item, people, template=escalate.template,
                    tag="escalate")
        self.counts["escalations"] += 1
        self.event_rows.append(self._event(
            item.customer_id, kinds.ESCALATED,
            f"escalated to {', '.join(people) or 'nobody (no manager found)'}",
            {"decision_key": item.decision.key, "to": people}))

    def _notify(self, item: _Item, notify: Notify) -> None:
        """Each person once, whatever several `who` entries name them (everyone = owner,
        account manager and department manager). They are told in their digest of the day
        (hub.services.notify.digests reads `told` from the decision): one message per person per
        day, however many accounts start or move on."""
        people: dict[str, str] = {}
        teams = dict(notify.teams)
        for who in notify.who:
            for email in self.directory.resolve(who, item.facts, teams):
                people.setdefault(email.lower(), email)
        item.recorded["told"] = list(people.values())
        self.counts["people_told"] += len(people)

    def _hold_sales(self, item: _Item, hold: HoldSales) -> None:
        reason = hold.reason or item.decision.step or item.decision.rule
        self.holds.setdefault(item.customer_id, (reason, item.decision.key))

    def _release_hold(self, item: _Item, release: ReleaseHold) -> None:
        """Lift a hold the rules placed; a hold a person placed is theirs to lift, so they
        get a `release_hold` task saying why it could go."""
        reason = release.reason or item.decision.rule
        placed_by = self.connection.execute(sa.select(sales_holds.c.placed_by).where(
            sales_holds.c.customer_id == item.customer_id,
            sales_holds.c.released_at.is_(None))).scalar()
        if placed_by is not None and placed_by != ACTOR:
            self._create_task(item, "release_hold", item.facts.owner or placed_by, 0,
                              reason=f"{reason}; the hold was placed by {placed_by}: "
                                     f"release it or keep it")
            return
        if release_hold(self.connection, customer_id=item.customer_id, actor=ACTOR,
                        now=self.context.now, reason=reason):
            self.counts["holds_released"] += 1

    def _legal_handover(self, item: _Item, handover: LegalHandover) -> None:
        self._create_task(item, "legal_handover", handover.assign, 0, teams=handover.teams)
        self.counts["legal_handovers"] += 1
        self.event_rows.append(self._event(item.customer_id, kinds.LEGAL_HANDOVER,
                                           "handed over to legal: soft collection stops",
                                           {"decision_key": item.decision.key}))

    def _handover(self, item: _Item, handover: Handover) -> None:
        """A case for the collection company: waiting for the creditor's approval when the
        rule file asks for it, else handed over now (its case file is made in the same
        cycle, hub.services.handover.files). One open case per account."""
        decision = item.decision
        totals: dict[str, Money] = {}
        for invoice in self._chased(item.facts):
            amount = invoice.open_amount
            totals[amount.currency] = totals[amount.currency] + amount \
                if amount.currency in totals else amount
        case = open_case(self.connection, customer_id=item.customer_id,
                         approval=handover.approval, actor=ACTOR, decision_key=decision.key,
                         reason=f"{decision.step or decision.rule} ({decision.source})",
                         owed=[totals[c] for c in sorted(totals)], today=self.context.as_of,
                         now=self.context.now)
        if case is None:
            self.counts["handovers_already_open"] += 1
            return
        item.recorded["case"] = case
        self.counts["handover_approvals_asked" if handover.approval else "handed_over"] += 1

    def _fee(self, item: _Item, fee: Fee) -> None:
        self._charge(item, fee.fee, fee.invoice, fee.amount, once=True, basis=fee.basis,
                     rate=None, period_from=fee.period_from, until=None)

    def _interest(self, item: _Item, interest: Interest) -> None:
        self._charge(item, "interest", interest.invoice, interest.amount, once=False,
                     basis=interest.basis, rate=interest.rate,
                     period_from=interest.period_from, until=interest.until)

    def _charge(self, item: _Item, kind: str, number: str, amount: Money, *, once: bool,
                basis: str | None, rate: str | None, period_from: date | None,
                until: date | None) -> None:
        until = until or self.context.as_of
        self.charges.append({
            "number": number, "customer_id": item.customer_id, "kind": kind,
            "unique_key": f"{number}|{kind}" if once else f"{number}|{kind}|{until}",
            "currency": amount.currency, "amount_minor": amount.to_minor(),
            "rate": rate, "basis": basis, "period_from": period_from,
            "period_to": None if once else until, "decision_key": item.decision.key,
            "created_at": self.context.now,
            "event": self._event(item.customer_id, kinds.CHARGE_ADDED,
                                 f"{kind} {amount} on invoice {number}",
                                 {"decision_key": item.decision.key, "kind": kind,
                                  "amount": str(amount.amount), "currency": amount.currency})})

    def _resume(self, _item: _Item, _resume: Resume) -> None:
        self.counts["resumed"] += 1

    def _warn(self, item: _Item, warn: Warn) -> None:
        """A warning is a task for a person: the rule's own task when it has one (legal,
        say), else one for the owner (or whoever the fallback names). A claim nearing
        limitation is a `limitation_warning` naming the invoice and its last day."""
        self.counts["warnings"] += 1
        if any(action.kind is ActionKind.TASK for action in item.decision.actions):
            return
        deadline = item.deadline
        self._create_task(item, "limitation_warning" if deadline else "warning", "owner", 0,
                          reason=deadline.describe() if deadline else warn.reason)


# What carries out each kind of action: a kind without a handler fails here, at import.
HANDLERS: dict[type, Callable[[_Writer, _Item, Any], None]] = {
    Send: _Writer._send, Task: _Writer._task, Escalate: _Writer._escalate,
    Notify: _Writer._notify, HoldSales: _Writer._hold_sales,
    ReleaseHold: _Writer._release_hold, LegalHandover: _Writer._legal_handover,
    Handover: _Writer._handover,
    Fee: _Writer._fee, Interest: _Writer._interest, Resume: _Writer._resume,
    Warn: _Writer._warn,
}
if set(HANDLERS) != set(get_args(TypedAction)):
    raise ImportError("apply_decisions: a kind of action has no handler in HANDLERS")


def notices_sent(connection: Connection, codes: Sequence[str]) -> Counter[str]:
    """Per customer, the debtor notices the rules queued before (sent or on their way;
    not those that failed or had no channel the debtor can receive)."""
    counts: Counter[str] = Counter()
    for part in chunks(list(codes), 5000):
        counts.update({str(code): int(count) for code, count in connection.execute(
            sa.select(outbox.c.customer_code, sa.func.count())
            .where(key_in(connection, outbox.c.customer_code, list(part)),
                   outbox.c.recipient_kind == RecipientKind.DEBTOR.value,
                   outbox.c.decision_key.is_not(None),
                   outbox.c.state.not_in(NOT_DELIVERED))
            .group_by(outbox.c.customer_code))})
    return counts


def _skipped_note(skipped: Any) -> str:
    return f" (not by {describe_skipped(skipped)})" if skipped else ""


# Each kind of action in a few words (_describe), from its recorded parameters
_WORDS: dict[ActionKind, Callable[[dict[str, Any]], str]] = {
    ActionKind.SEND: lambda p: f"send {p.get('template')} by "
                               f"{'/'.join(p.get('channels') or ['email'])}"
                               + _skipped_note(p.get("skipped_channels")),
    ActionKind.TASK: lambda p: f"task {p.get('task_type')} for "
                               f"{p.get('assignee') or p.get('assign')}",
    ActionKind.ESCALATE: lambda p: f"escalate to {p.get('target')}",
    ActionKind.NOTIFY: lambda p: f"tell {', '.join(p.get('told') or ()) or 'nobody'}"
                                 " in their digest",
    ActionKind.HANDOVER: lambda p: (
        "hand-over to collection already open" if not p.get("case")
        else f"hand-over to collection (case {p['case']}) "
             + ("waits for the creditor's approval" if p.get("approval") == "creditor"
                else "done"))}


def _describe(actions: Sequence[dict[str, Any]]) -> str:
    """The applied actions in a few words: the task's assignee is the person chosen, and the
    channels a notice could not take, with why."""
    parts = []
    for action in actions:
        kind = action["kind"]  # an ActionKind's value: _WORDS' keys are equal to it
        words = _WORDS.get(kind)
        parts.append(words(action["params"]) if words is not None else kind.replace("_", " "))
    return ", ".join(parts) or "nothing to do"
