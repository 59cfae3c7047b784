"""Decisions become tasks, outbox messages, holds, escalations, legal handovers and fee
and interest lines. Idempotent by decision key: a decision already applied is skipped,
so running a day again creates nothing. Runs inside the caller's transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import Action
from hub.domain.decisions import ActionKind
from hub.domain.decisions import Decision
from hub.domain.money import Money
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.domain.outbox import describe_skipped
from hub.domain.outbox import message_key
from hub.ledger.accounts import add_events
from hub.ledger.accounts import ids_in
from hub.ledger.bulk import chunks
from hub.ledger.id_sets import TEMP_TABLE_FROM
from hub.ledger.id_sets import analyze
from hub.ledger.id_sets import ids_in_planned
from hub.ledger.lookups import ids_by_key
from hub.ledger.lookups import key_in
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.outbox import message_row
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import charges
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import messages as outbox
from hub.ledger.tables import sales_holds
from hub.ledger.tables import tasks
from hub.services.assignees import Assignment
from hub.services.assignees import Directory
from hub.services.holds import release_hold
from hub.services.tasks import task_event

ACTOR = "rules"
ENFORCEMENT_OFF = "enforcement off"
STAFF_VIA = ("slack", "teams", "email")
NOT_DELIVERED = ("failed", "skipped")  # outbox states of a notice the debtor never got


@dataclass(frozen=True, slots=True)
class ApplyContext:
    as_of: date
    now: datetime
    run_id: int | None = None


def anchor_due_date(facts: AccountFacts) -> date | None:
    """The oldest unpaid due date the ladder counts from (recomputed every evaluation)."""
    chased = [i.due_date for i in facts.overdue_invoices if not i.disputed and not i.excluded]
    return min(chased) if chased else None


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
    writer = _Writer(connection, facts, context, counts)
    writer.notices_before = notices_sent(connection, sorted(
        {d.customer_code for d in todo if any(a.kind is ActionKind.SEND for a in d.actions)}))
    for decision in todo:
        writer.apply(decision)
    writer.flush()
    return counts


@dataclass(frozen=True, slots=True)
class _Item:
    """One action of one decision, with what it needs to be carried out. `recorded` is what
    the decision row keeps of the action: its parameters plus the person actually given the
    work (`assignee`, and `assignment_note` when it is not whom the rule names)."""

    decision: Decision
    action: Action
    facts: AccountFacts
    customer_id: int
    recorded: dict[str, Any]

    @property
    def params(self) -> dict[str, Any]:
        return self.action.params

    @property
    def teams(self) -> dict[str, list[str]]:
        return dict(self.params.get("teams") or {})


class _Writer:
    def __init__(self, connection: Connection, facts: Mapping[str, AccountFacts],
                 context: ApplyContext, counts: Counter[str]) -> None:
        self.connection = connection
        self.facts = facts
        self.context = context
        self.counts = counts
        codes = sorted(set(facts))
        self.customer_ids = ids_by_key(connection, customers, "code", codes)
        self.directory = Directory.load(connection)
        self.applied_rows: list[dict[str, Any]] = []
        self.event_rows: list[dict[str, Any]] = []
        self.messages: list[OutboxMessage] = []
        self.charges: list[dict[str, Any]] = []
        self.task_rows: list[dict[str, Any]] = []
        self.holds: dict[int, tuple[str, str]] = {}  # customer id -> reason, decision key
        self.notices_before: Counter[str] = Counter()
        ids = list(self.customer_ids.values())
        # many ids: planned from an analyzed id table on PostgreSQL (hub.ledger.id_sets)
        self.open_tasks = {(row.customer_id, row.task_type) for row in connection.execute(
            sa.select(tasks.c.customer_id, tasks.c.task_type).where(
                tasks.c.state == "open", ids_in_planned(connection, tasks.c.customer_id, ids)))}

    def apply(self, decision: Decision) -> None:
        facts = self.facts[decision.customer_code]
        customer_id = self.customer_ids[decision.customer_code]
        enforced = facts.enforcement
        items = [_Item(decision, action, facts, customer_id, dict(action.params))
                 for action in decision.actions]
        if enforced:
            self.counts["applied"] += 1
            for item in items:
                handler = getattr(self, f"_{item.action.kind.value}")
                handler(item)
        else:  # recorded for the timeline and explain, nothing is done
            self.counts["enforcement_off"] += 1
        recorded = [{"kind": str(item.action.kind), "params": item.recorded} for item in items]
        self.applied_rows.append({
            "decision_key": decision.key, "customer_id": customer_id, "rule": decision.rule,
            "source": decision.source, "ladder": decision.ladder, "step": decision.step,
            "anchor_due_date": anchor_due_date(facts), "applied_on": self.context.as_of,
            "paused_by": None if enforced else ENFORCEMENT_OFF, "facts": decision.facts,
            "first_contact": bool(decision.facts.get("first_contact")),
            "actions": recorded, "applied_at": self.context.now,
            "cycle_run_id": self.context.run_id})
        if enforced:
            what = decision.step or decision.rule
            self.event_rows.append(self._event(
                customer_id, kinds.DECISION_APPLIED, f"{what}: {_describe(recorded)}",
                # the facts stay in applied_decisions, once
                {"decision_key": decision.key, "rule": decision.rule,
                 "source": decision.source}))

    def flush(self) -> None:
        """Write what was collected: set at a time, one statement per table."""
        self.connection.execute(applied_decisions.insert(), self.applied_rows)
        self._flush_messages()
        self._flush_charges()
        self._flush_holds()
        self._flush_tasks()
        add_events(self.connection, self.event_rows)

    def _flush_messages(self) -> None:
        """Into NOTIFY's outbox (the rows hub.ledger.outbox.enqueue writes), skipping keys
        already queued; one executemany instead of a statement per message."""
        wanted = {message.idempotency_key: message for message in self.messages}
        queued = rows_by_key(self.connection, outbox, "idempotency_key", list(wanted),
                             columns=["id"])
        rows = [message_row(message, self.context.now)
                for key, message in wanted.items() if key not in queued]
        if rows:
            self.connection.execute(outbox.insert(), rows)
        self.counts["messages"] += len(rows)

    def _flush_tasks(self) -> None:
        """One executemany, then the new ids by key for the timeline events."""
        if not self.task_rows:
            return
        self.connection.execute(tasks.insert(), self.task_rows)
        if len(self.task_rows) >= TEMP_TABLE_FROM:  # the next lookup plans from them
            analyze(self.connection, tasks)
        ids = ids_by_key(self.connection, tasks, "key", [row["key"] for row in self.task_rows])
        for row in self.task_rows:
            event = task_event(row["customer_id"], ids[row["key"]], task_type=row["task_type"],
                               assignee=row["assignee"], due_date=row["due_date"],
                               reason=row["reason"], actor=ACTOR, now=self.context.now,
                               source="rules")
            self.event_rows.append(self._event(event["customer_id"], event["kind"],
                                               event["summary"], event["data"]))

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
            self.event_rows.append({**event, "invoice_id": row["invoice_id"]})
            self.counts["interest" if row["kind"] == "interest" else "fees"] += 1
        if rows:
            self.connection.execute(charges.insert(), rows)

    def _event(self, customer_id: int, kind: str, summary: str,
               data: dict[str, Any]) -> dict[str, Any]:
        return {"occurred_at": self.context.now, "actor": ACTOR, "kind": kind,
                "summary": summary, "customer_id": customer_id, "invoice_id": None,
                "data": data}

    def _context(self, decision: Decision, facts: AccountFacts) -> dict[str, Any]:
        # what is chased: a disputed invoice is never in a notice (hub.domain.owed)
        open_invoices = [i for i in facts.overdue_invoices if not i.excluded and not i.disputed]
        return {"customer_code": facts.customer_code, "step": decision.step,
                "ladder": decision.ladder, "rule": decision.rule,
                "as_of": self.context.as_of.isoformat(),
                "invoices": [{"number": i.number, "due_date": i.due_date.isoformat(),
                              "open": str(i.open_amount.amount), "currency": i.currency,
                              "days_overdue": i.days_overdue} for i in open_invoices]}

    # one method per ActionKind -------------------------------------------------------

    def _send(self, item: _Item) -> None:
        decision, facts = item.decision, item.facts
        channels = tuple(item.params.get("channels") or ("email",))
        # what the debtor was sent before, so a first message never says "despite our
        # reminders" (templates read `previous_reminders` and `first_contact`)
        before = self.notices_before[facts.customer_code]
        self.notices_before[facts.customer_code] += 1
        context = self._context(decision, facts)
        context.update(previous_reminders=before, first_contact=before == 0)
        self.messages.append(OutboxMessage(
            idempotency_key=message_key(decision.key, "send"),
            template=str(item.params.get("template") or "reminder-1"),
            customer_code=facts.customer_code,
            channels=channels, language=facts.language,
            context=context, decision_key=decision.key,
            batch=self.context.as_of.isoformat(),
            skipped=tuple(skip for skip in item.params.get("skipped_channels") or ()
                          if skip["channel"] not in channels)))

    def _staff(self, item: _Item, people: Sequence[str], *, template: str, tag: str) -> None:
        via = tuple(item.params.get("via") or STAFF_VIA)
        for email in people:
            self.messages.append(OutboxMessage(
                idempotency_key=message_key(item.decision.key, tag, email), template=template,
                recipient_kind=RecipientKind.STAFF, customer_code=item.facts.customer_code,
                recipient=email, channels=via,
                context=self._context(item.decision, item.facts),
                decision_key=item.decision.key, batch=self.context.as_of.isoformat()))

    def _task(self, item: _Item) -> None:
        params = item.params
        self._create_task(item, str(params.get("task_type") or "call"), params.get("assign"),
                          int(params.get("due_in_days") or 0),
                          reason=_deadline(params) or params.get("reason"))

    def _create_task(self, item: _Item, task_type: str, rule: str | None,
                     due_in_days: int, *, reason: str | None = None) -> Assignment | None:
        """One open task of a type per account: a second one is not created (None). A task
        about one invoice's legal deadline is one per invoice (its decision is once per
        claim), due no later than the last day. The assignee is chosen here, once, and
        recorded on the decision and the task."""
        deadline = _day(item.params.get("expires_on"))
        if deadline is None and (item.customer_id, task_type) in self.open_tasks:
            self.counts["tasks_already_open"] += 1
            return None
        assignment = self.directory.assign(rule, item.facts, item.teams)
        item.recorded["assignee"] = assignment.assignee
        if assignment.note:
            item.recorded["assignment_note"] = assignment.note
            self.counts["tasks_reassigned"] += 1
        decision = item.decision
        self.open_tasks.add((item.customer_id, task_type))
        due = self.context.as_of + timedelta(days=due_in_days)
        if deadline is not None:
            due = max(self.context.as_of, min(due, deadline))
        origin = f"{decision.step or decision.rule} ({decision.source})"
        text = f"{reason}; {origin}" if reason else origin
        self.task_rows.append({
            "customer_id": item.customer_id, "task_type": task_type,
            "assignee": assignment.assignee, "due_date": due, "state": "open",
            "snoozed_until": None, "key": f"{decision.key}|{task_type}",
            "reason": f"{text}; {assignment.note}" if assignment.note else text,
            "decision_key": decision.key, "outcome": None, "created_by": ACTOR,
            "source": "rules", "closed_at": None, "closed_by": None,
            "created_at": self.context.now, "updated_at": self.context.now})
        self.counts["tasks"] += 1
        return assignment

    def _escalate(self, item: _Item) -> None:
        target = item.params.get("target")
        people = self.directory.resolve(target, item.facts, item.teams)
        assignment = self._create_task(item, "escalation", target, 0)
        if not people and assignment is not None and assignment.assignee:
            people = [assignment.assignee]  # whoever took the work over is told
        self._staff(item, people, template=str(item.params.get("template") or "escalation"),
                    tag="escalate")
        self.counts["escalations"] += 1
        self.event_rows.append(self._event(
            item.customer_id, kinds.ESCALATED,
            f"escalated to {', '.join(people) or 'nobody (no manager found)'}",
            {"decision_key": item.decision.key, "to": people}))

    def _notify(self, item: _Item) -> None:
        """Each person once, whatever several `who` entries name them (everyone = owner,
        account manager and department manager). They are told in their digest of the day
        (hub.services.digests reads `told` from the decision): one message per person per
        day, however many accounts start or move on."""
        people: dict[str, str] = {}
        for who in item.params.get("who") or ("owner",):
            for email in self.directory.resolve(who, item.facts, item.teams):
                people.setdefault(email.lower(), email)
        item.recorded["told"] = list(people.values())
        self.counts["people_told"] += len(people)

    def _hold_sales(self, item: _Item) -> None:
        reason = str(item.params.get("reason") or item.decision.step or item.decision.rule)
        self.holds.setdefault(item.customer_id, (reason, item.decision.key))

    def _release_hold(self, item: _Item) -> None:
        """Lift a hold the rules placed; a hold a person placed is theirs to lift, so they
        get a `release_hold` task saying why it could go."""
        reason = str(item.params.get("reason") or item.decision.rule)
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

    def _legal_handover(self, item: _Item) -> None:
        self._create_task(item, "legal_handover", item.params.get("assign") or "legal", 0)
        self.counts["legal_handovers"] += 1
        self.event_rows.append(self._event(item.customer_id, kinds.LEGAL_HANDOVER,
                                           "handed over to legal: soft collection stops",
                                           {"decision_key": item.decision.key}))

    def _fee(self, item: _Item) -> None:
        kind = str(item.params.get("fee") or item.params.get("kind") or "fixed")
        self._charge(item, kind, once=True)

    def _interest(self, item: _Item) -> None:
        self._charge(item, "interest", once=False)

    def _charge(self, item: _Item, kind: str, *, once: bool) -> None:
        params = item.params
        number = str(params["invoice"])
        amount = Money(Decimal(str(params["amount"])), str(params["currency"]))
        until = _day(params.get("until") or params.get("period_to")) or self.context.as_of
        self.charges.append({
            "number": number, "customer_id": item.customer_id, "kind": kind,
            "unique_key": f"{number}|{kind}" if once else f"{number}|{kind}|{until}",
            "currency": amount.currency, "amount_minor": amount.to_minor(),
            "rate": _rate(params), "basis": _basis(params),
            "period_from": _day(params.get("from") or params.get("period_from")),
            "period_to": None if once else until, "decision_key": item.decision.key,
            "created_at": self.context.now,
            "event": self._event(item.customer_id, kinds.CHARGE_ADDED,
                                 f"{kind} {amount} on invoice {number}",
                                 {"decision_key": item.decision.key, "kind": kind,
                                  "amount": str(amount.amount), "currency": amount.currency})})

    def _resume(self, _: _Item) -> None:
        self.counts["resumed"] += 1

    def _warn(self, item: _Item) -> None:
        """A warning is a task for a person: the rule's own task when it has one (legal,
        say), else one for the owner (or whoever the fallback names). A claim nearing
        limitation is a `limitation_warning` naming the invoice and its last day."""
        self.counts["warnings"] += 1
        if any(action.kind is ActionKind.TASK for action in item.decision.actions):
            return
        deadline = _deadline(item.params)
        self._create_task(item, "limitation_warning" if deadline else "warning",
                          "owner", 0,
                          reason=deadline or str(item.params.get("reason") or ""))


def _basis(params: dict[str, Any]) -> str | None:
    """What the charge rests on: the statute's scheme, the contract or the rule file."""
    basis = params.get("basis") or params.get("scheme")
    return None if basis is None else str(basis)[:20]


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


def _rate(params: dict[str, Any]) -> str | None:
    """The yearly percent(s) an interest line was computed at, as written on the line."""
    rate = params.get("rate") or params.get("percent")
    if rate is None:
        return None
    return ("/".join(str(part) for part in rate) if isinstance(rate, list) else str(rate))[:20]


def _deadline(params: Mapping[str, Any]) -> str | None:
    """What a person must know of a claim nearing limitation: the invoice, its last day."""
    if not params.get("expires_on") or not params.get("invoice"):
        return None
    return (f"invoice {params['invoice']}: last day {params['expires_on']} "
            f"(the claim is time-barred after it)")


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _skipped_note(skipped: Any) -> str:
    return f" (not by {describe_skipped(skipped)})" if skipped else ""


def _describe(actions: Sequence[dict[str, Any]]) -> str:
    """The applied actions in a few words: the task's assignee is the person chosen, and the
    channels a notice could not take, with why."""
    words = {ActionKind.SEND: lambda p: f"send {p.get('template')} by "
                                        f"{'/'.join(p.get('channels') or ['email'])}"
                                        + _skipped_note(p.get("skipped_channels")),
             ActionKind.TASK: lambda p: f"task {p.get('task_type')} for "
                                        f"{p.get('assignee') or p.get('assign')}",
             ActionKind.ESCALATE: lambda p: f"escalate to {p.get('target')}",
             ActionKind.NOTIFY: lambda p: f"tell {', '.join(p.get('told') or ()) or 'nobody'}"
                                          " in their digest"}
    parts = []
    for action in actions:
        kind = ActionKind(action["kind"])
        parts.append(words[kind](action["params"]) if kind in words
                     else kind.value.replace("_", " "))
    return ", ".join(parts) or "nothing to do"
