"""A ladder step hands an account over to hard collection: with the creditor's approval it
waits and nothing says "handed over"; once approved (or at once without approval) the case
file is made and kept, waiting notices are not sent and the hub takes no further step.
On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.errors import UserError
from hub.domain.handover import SCHEMA
from hub.domain.handover import HandoverStatus
from hub.ledger.event_log import add_event
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import events
from hub.ledger.tables import handover_files
from hub.ledger.tables import messages
from hub.ledger.tables import payment_plans
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import tasks
from hub.services.accounts.plan_watch import remind_instalments
from hub.services.accounts.tasks import create_task
from hub.services.handover.cases import list_cases
from hub.services.handover.workflow import approve_case
from hub.services.handover.workflow import case_file
from hub.services.handover.workflow import change_status
from hub.services.handover.workflow import decline_case
from hub.services.handover.workflow import hand_over_now
from tests.integration.cycle.helpers import morning
from tests.integration.handover.support import DUE
from tests.integration.handover.support import debtor
from tests.integration.handover.support import debtor_reports_a_payment
from tests.integration.handover.support import policy
from tests.integration.handover.support import run


def _messages(hub: Hub) -> list[tuple[str, str]]:
    with hub.engine.connect() as connection:
        return [(row.template, row.state) for row in connection.execute(
            sa.select(messages.c.template, messages.c.state)
            .where(messages.c.recipient_kind == "debtor").order_by(messages.c.id))]


def _steps(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return [row[0] for row in connection.execute(
            sa.select(applied_decisions.c.step).where(applied_decisions.c.paused_by.is_(None))
            .order_by(applied_decisions.c.id))]


def _said(hub: Hub) -> str:
    with hub.engine.connect() as connection:
        return " | ".join(row[0] for row in connection.execute(
            sa.select(events.c.summary).order_by(events.c.id)))


def _pdf_text(content: bytes) -> str:
    """The words of every page, one space apart (a table cell may wrap)."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_approval_then_handover_then_no_more_reminders(hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=True)
    for days in (3, 10):
        run(hub, rules, DUE + timedelta(days=days))
    debtor_reports_a_payment(hub, DUE + timedelta(days=15))
    run(hub, rules, DUE + timedelta(days=20))
    assert _steps(hub) == ["reminder", "final notice", "hand over"]
    with hub.engine.connect() as connection:
        [case] = list_cases(connection)
    assert case.status is HandoverStatus.AWAITING_APPROVAL
    assert case.files == ()  # nothing is handed over yet
    assert "handed over" not in _said(hub)
    assert "waits for the creditor's approval" in _said(hub)
    # the cycle before the approval still chases: nothing stops while it waits
    run(hub, rules, DUE + timedelta(days=21))
    assert case_file_missing(hub, case.id)

    approved = approve_case(hub.engine, hub.case_files(), case.id, actor="fin@example.com",
                            now=morning(DUE + timedelta(days=22)))
    assert approved.status is HandoverStatus.NEW
    assert approved.files == ("json", "pdf")
    assert "handed over to collection (case 1)" in _said(hub)
    sent_before = _messages(hub)
    for days in (30, 31, 45):
        run(hub, rules, DUE + timedelta(days=days))
    assert _messages(hub) == sent_before  # the late reminder at 30 days never comes
    assert "late reminder" not in _steps(hub)
    with pytest.raises(UserError, match="does not wait for approval"):
        approve_case(hub.engine, hub.case_files(), case.id, actor="fin@example.com",
                     now=morning(DUE + timedelta(days=46)))

    # the kept PDF: the claim, the invoice, each reminder with its date and channel, fees
    name, pdf = case_file(hub.engine, hub.case_files(), case.id, "pdf")
    assert name == "case-1-C1.pdf"
    text = _pdf_text(pdf)
    for expected in ("Łódź Trading sp. z o.o. (C1)", "INV-7", "2026-03-02",
                     "2026-03-05 email", "2026-03-12 letter", "final-notice",
                     "fixed compensation", "40.00 EUR", "interest", "Total claim",
                     "1,243.34 EUR", "Approved by: fin@example.com",
                     "2026-03-17 portal says 1200.00 was paid on 2026-03-15"):
        assert expected in text, (expected, text)
    # kept as produced: a later payment does not change the file
    with hub.engine.begin() as connection:
        connection.execute(handover_files.update().values(created_at=morning(DUE)))
    assert case_file(hub.engine, hub.case_files(), case.id, "pdf")[1] == pdf


def case_file_missing(hub: Hub, case_id: int) -> bool:
    with hub.engine.connect() as connection:
        return connection.execute(sa.select(handover_files.c.id).where(
            handover_files.c.handover_id == case_id)).first() is None


def test_without_approval_the_step_hands_over_and_skips_waiting_notices(
        hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    for days in (3, 10):
        run(hub, rules, DUE + timedelta(days=days))
    # a reminder still waiting in the outbox on the day of the hand-over is not sent, and
    # the creditor's own call is off the worklist (a plan to review stays)
    with hub.engine.begin() as connection:
        connection.execute(messages.update().where(messages.c.template == "final-notice")
                           .values(state="queued"))
        for kind in ("call", "review_plan"):
            create_task(connection, customer_code="C1", task_type=kind, assignee=None,
                        due_date=DUE, reason="test", actor="ann@example.com", source="web",
                        key=None, now=morning(DUE + timedelta(days=11)))
    report = run(hub, rules, DUE + timedelta(days=20))
    assert report.counts["handed_over"] == 1
    assert any(hook.counts.get("case_files") == 1 for hook in report.hooks)
    assert ("final-notice", "skipped") in _messages(hub)
    with hub.engine.connect() as connection:
        states = {row.task_type: row.state for row in connection.execute(
            sa.select(tasks.c.task_type, tasks.c.state))}
        assert states == {"call": "done", "review_plan": "open"}
        assert connection.execute(sa.select(tasks.c.outcome).where(
            tasks.c.task_type == "call")).scalar_one() == "handed over to collection (case 1)"
    with hub.engine.connect() as connection:
        [case] = list_cases(connection)
    assert case.status is HandoverStatus.NEW
    assert case.files == ("json", "pdf")
    run(hub, rules, DUE + timedelta(days=30))
    assert "late reminder" not in _steps(hub)
    text = _pdf_text(case_file(hub.engine, hub.case_files(), case.id, "pdf")[1])
    assert "skipped: handed over to collection" in text


def test_the_json_export_holds_the_same_case(hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    debtor_reports_a_payment(hub, DUE + timedelta(days=2))
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    name, content = case_file(hub.engine, hub.case_files(), 1, "json")
    assert name == "case-1-C1.json"
    data = json.loads(content)
    assert data["schema"] == SCHEMA
    assert set(data) == {"schema", "case", "produced_at", "reason", "approved_by",
                         "creditor", "debtor", "claim", "invoices", "reminders",
                         "responses", "charges", "payments"}
    assert data["debtor"] == {"name": "Łódź Trading sp. z o.o.", "code": "C1",
                              "details": ["PL", "Paweł · pawel@example.pl",
                                          "business, language en"]}
    assert data["claim"]["total"] == [{"amount": "1243.34", "currency": "EUR"}]
    assert [i["number"] for i in data["invoices"]] == ["INV-7"]
    assert [(r["date"], r["channel"], r["template"]) for r in data["reminders"]] == [
        ("2026-03-05", "email", "reminder-1"), ("2026-03-12", "letter", "final-notice")]
    assert [(c["kind"], c["amount"]["amount"]) for c in data["charges"]] == [
        ("fixed_compensation", "40.00"), ("interest", "3.34")]
    assert data["approved_by"] is None
    assert data["responses"] == [{"date": "2026-03-04", "kind": "portal.payment_reported",
                                  "summary": "says 1200.00 was paid on 2026-03-15",
                                  "source": "portal"}]
    assert data["produced_at"].startswith("2026-03-22")  # the day of the hand-over


def _csv_rows(bundle: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(bundle.read(name).decode("utf-8-sig"))))


def test_the_csv_export_is_the_same_case_in_a_zip(hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    with hub.engine.begin() as connection:  # a debtor's text a spreadsheet would run
        customer = connection.execute(sa.select(customers.c.id)).scalar_one()
        add_event(connection, customer_id=customer, kind="dispute.opened",
                  actor="debtor (portal)", now=morning(DUE + timedelta(days=2)),
                  summary="=HYPERLINK(\"http://x.example\")", data={"source": "portal"})
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    name, content = case_file(hub.engine, hub.case_files(), 1, "zip")
    assert name == "case-1-C1.zip"
    bundle = zipfile.ZipFile(io.BytesIO(content))
    assert bundle.namelist() == ["claim.csv", "invoices.csv", "reminders.csv",
                                 "responses.csv", "charges.csv", "payments.csv"]
    [claim] = _csv_rows(bundle, "claim.csv")
    assert (claim["case"], claim["debtor"], claim["debtor_code"], claim["currency"],
            claim["principal"], claim["charges"], claim["total"]) == (
        "1", "Łódź Trading sp. z o.o.", "C1", "EUR", "1200.00", "43.34", "1243.34")
    assert claim["approved_by"] == ""  # no approval needed
    assert claim["produced_at"].startswith("2026-03-22")
    [invoice] = _csv_rows(bundle, "invoices.csv")
    assert (invoice["number"], invoice["due"], invoice["currency"], invoice["open"],
            invoice["disputed"]) == ("INV-7", "2026-03-02", "EUR", "1200.00", "no")
    assert [(r["date"], r["channel"], r["template"], r["state"])
            for r in _csv_rows(bundle, "reminders.csv")] == [
        ("2026-03-05", "email", "reminder-1", "sent"),
        ("2026-03-12", "letter", "final-notice", "skipped: letter: no postal address")]
    assert [(c["kind"], c["currency"], c["amount"]) for c in _csv_rows(bundle, "charges.csv")] \
        == [("fixed_compensation", "EUR", "40.00"), ("interest", "EUR", "3.34")]
    [response] = _csv_rows(bundle, "responses.csv")
    assert response["summary"] == "'=HYPERLINK(\"http://x.example\")"  # kept as text
    assert response["kind"] == "dispute.opened"
    assert _csv_rows(bundle, "payments.csv") == []
    # made from the kept JSON: the same bytes each time, and the same case
    assert case_file(hub.engine, hub.case_files(), 1, "zip")[1] == content
    data = json.loads(case_file(hub.engine, hub.case_files(), 1, "json")[1])
    assert [i["number"] for i in data["invoices"]] == [invoice["number"]]


def test_declined_keeps_the_dunning_and_returned_resumes_it(hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=True)
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    with pytest.raises(UserError, match="a reason is needed"):
        decline_case(hub.engine, 1, actor="fin@example.com", reason=" ",
                     now=morning(DUE + timedelta(days=21)))
    declined = decline_case(hub.engine, 1, actor="fin@example.com",
                            reason="we talk to them ourselves",
                            now=morning(DUE + timedelta(days=21)))
    assert declined.status is HandoverStatus.DECLINED
    with pytest.raises(UserError, match="not with the collection company"):
        change_status(hub.engine, 1, "paid", note="", actor="ops@collector.example",
                      now=morning(DUE + timedelta(days=22)))
    run(hub, rules, DUE + timedelta(days=30))
    assert _steps(hub)[-1] == "late reminder"  # the creditor kept the account


def test_statuses_with_notes_and_return_to_the_creditor(hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    with pytest.raises(UserError, match="not a case status; use one of new, in_progress"):
        change_status(hub.engine, 1, "lost", note="", actor="ops@collector.example",
                      now=morning(DUE + timedelta(days=21)))
    moved = change_status(hub.engine, 1, "in progress", note="called the debtor",
                          actor="ops@collector.example", now=morning(DUE + timedelta(days=21)))
    assert moved.status is HandoverStatus.IN_PROGRESS
    assert moved.note == "called the debtor"
    run(hub, rules, DUE + timedelta(days=30))
    assert "late reminder" not in _steps(hub)
    change_status(hub.engine, 1, "returned", note="no assets found here",
                  actor="ops@collector.example", now=morning(DUE + timedelta(days=31)))
    run(hub, rules, DUE + timedelta(days=32))
    assert _steps(hub)[-1] == "late reminder"  # back with the creditor: dunning resumes
    assert "collection case 1: returned: no assets found here" in _said(hub)


def test_the_command_line_explains_lists_moves_and_writes_the_case(hub: Hub,
                                                                   tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}

    def command(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    explained = command("rules", "explain", "C1", "--as-of", "2026-04-10")
    assert "paused by: handed over to collection" in explained
    assert "note: the account is handed over to hard collection" in explained
    listed = command("handover", "list")
    assert "C1" in listed
    assert "new" in listed
    assert "1,200.00 EUR" in listed
    moved = command("handover", "status", "1", "paid", "--note", "settled in full")
    assert "case 1: C1 Łódź Trading sp. z o.o., paid" in moved
    shown = command("handover", "show", "1")
    assert "paid by cli" in shown
    assert "settled in full" in shown
    target = tmp_path / "case.json"
    assert "wrote" in command("handover", "file", "1", "--json", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["case"] == 1
    zipped = tmp_path / "case.zip"
    assert "wrote" in command("handover", "file", "1", "--csv", "-o", str(zipped))
    with zipfile.ZipFile(zipped) as bundle:
        assert "INV-7" in bundle.read("invoices.csv").decode("utf-8-sig")
    both = CliRunner().invoke(cli, ["handover", "file", "1", "--csv", "--json"], env=env)
    assert both.exit_code == 2
    assert "choose one of --json and --csv" in both.output
    refused = CliRunner().invoke(cli, ["handover", "approve", "1"], env=env)
    assert refused.exit_code == 2
    assert "case 1 does not wait for approval (it is paid)" in refused.output


def test_no_instalment_reminder_while_the_collection_company_has_the_case(
        hub: Hub, tmp_path: Path) -> None:
    debtor(hub)
    rules = policy(tmp_path, approval=False)
    for days in (3, 10, 20):
        run(hub, rules, DUE + timedelta(days=days))
    today = DUE + timedelta(days=25)
    with hub.engine.begin() as connection:
        customer = connection.execute(sa.select(customers.c.id)).scalar_one()
        plan = connection.execute(payment_plans.insert().returning(payment_plans.c.id).values(
            customer_id=customer, currency="EUR", total_minor=120000, state="active",
            actor="ann@example.com", source="web", created_at=morning(today),
            updated_at=morning(today))).scalar_one()
        connection.execute(plan_instalments.insert().values(
            plan_id=plan, seq=1, due_date=today + timedelta(days=2), currency="EUR",
            amount_minor=120000))
        assert remind_instalments(connection, as_of=today, days_before=3,
                                  now=morning(today)) == 0
    change_status(hub.engine, 1, "returned", note="", actor="ops@collector.example",
                  now=morning(today))
    with hub.engine.begin() as connection:  # back with the creditor: the reminder goes
        assert remind_instalments(connection, as_of=today, days_before=3,
                                  now=morning(today)) == 1


def test_a_person_hands_over_by_hand_and_the_dunning_stops(hub: Hub, tmp_path: Path) -> None:
    """No rule hands over here (approval-less ladder's step is at 20 days): finance hands
    the account over on day 5 itself; that is the approval, the case file is the same and
    the ladder's later steps never come."""
    debtor(hub)
    debtor(hub, "C2", "Second Trading", "INV-8")
    rules = policy(tmp_path, approval=True)
    run(hub, rules, DUE + timedelta(days=3))
    with pytest.raises(UserError, match="a reason is needed"):
        hand_over_now(hub.engine, hub.case_files(), "C1", actor="fin@example.com",
                      reason="  ", today=DUE + timedelta(days=5),
                      now=morning(DUE + timedelta(days=5)))
    case = hand_over_now(hub.engine, hub.case_files(), "C1", actor="fin@example.com",
                         reason="no answer to three calls", today=DUE + timedelta(days=5),
                         now=morning(DUE + timedelta(days=5)))
    assert case.status is HandoverStatus.NEW
    assert case.decided_by == "fin@example.com"
    assert case.files == ("json", "pdf")
    assert [str(m) for m in case.owed] == ["1,200.00 EUR"]
    exported = json.loads(case_file(hub.engine, hub.case_files(), case.id, "json")[1])
    assert exported["approved_by"] == "fin@example.com"
    assert exported["reason"] == "handed over by hand: no answer to three calls"
    assert "handed over to collection (case 1)" in _said(hub)
    sent_before = _messages(hub)
    for days in (10, 20, 30):
        run(hub, rules, DUE + timedelta(days=days))
    c1_steps = _steps(hub)
    assert c1_steps.count("final notice") == 1  # C2's only: C1 gets no further step
    assert len(_messages(hub)) == len(sent_before) + 2  # C2's final notice and reminder-2
    with pytest.raises(UserError, match="C1 is already with the collection company"):
        hand_over_now(hub.engine, hub.case_files(), "C1", actor="fin@example.com",
                      reason="again", today=DUE + timedelta(days=31),
                      now=morning(DUE + timedelta(days=31)))
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    # C2's step at 20 days asked for approval: handing over by hand approves that case
    started = CliRunner().invoke(cli, ["handover", "start", "C2", "--reason", "by hand"],
                                 env=env)
    assert started.exit_code == 0, started.output
    assert "case 2: C2 Second Trading, new" in started.output
    assert "decided by cli" in started.output
