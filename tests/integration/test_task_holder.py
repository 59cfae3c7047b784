"""Each task names whose worklist it is on (`tasks.holder`: the assignee, else the account's
owner), and the worklist finds a person's accounts by it (issue 16). When work moves (a
task for another person, an owner changed by an import or given by onboarding), the
account moves from one person's worklist to the other's, and each person's worklist and
the digests' list of their accounts stay the same."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import customers
from hub.ledger.tables import tasks
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import TaskBatch
from hub.services.accounts.tasks import create_task
from hub.services.imports.owners import give_owner
from hub.services.read.worklist import UNASSIGNED
from hub.services.read.worklist import worklist_of
from hub.services.read.worklist import worklist_page
from hub.services.read.worklist import worklists_by_person
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.imports.conftest import CUSTOMER_HEADER

TODAY = date(2026, 11, 23)
ANN, BOB, CY = "ann@example.com", "bob@example.com", "cy@example.com"


def _ledger(hub: Hub) -> None:
    """P1 and P2 are ann's, Q1 bob's, N1 nobody's; P1's and N1's calls name no assignee
    (the cycle's bulk path), P2's is given to cy by hand, Q1's is bob's."""
    now = hub.clock.now()
    with hub.engine.begin() as c:
        upsert_users(c, [User(email=email, name=email[:3].title(), role=Role.COLLECTOR,
                              department="Sales") for email in (ANN, BOB, CY)], now)
        ids = {}
        for code, owner in (("P1", ANN), ("P2", ANN), ("Q1", BOB), ("N1", None)):
            ids[code] = add_customer(c, code, owner=owner, department="Sales")
            add_invoice(c, f"{code}-1", ids[code], issued="2026-09-01", due="2026-10-01",
                        amount="500.00")
        batch = TaskBatch(c, [ids["P1"], ids["N1"]])
        for code in ("P1", "N1"):
            batch.add(customer_id=ids[code], task_type="call", assignee=None, due_date=TODAY,
                      key=f"{code}|call", reason="r", decision_key=None, actor="rules",
                      source="rules", now=now)
        batch.flush()
        create_task(c, customer_code="P2", task_type="call", assignee=CY, due_date=TODAY,
                    reason="r", actor="tests", now=now, key="P2|call", source="web")
        create_task(c, customer_code="Q1", task_type="call", assignee=None, due_date=TODAY,
                    reason="r", actor="tests", now=now, key="Q1|call", source="web")


def _holders(hub: Hub) -> dict[str, str | None]:
    with hub.engine.connect() as c:
        return dict(c.execute(sa.select(customers.c.code, tasks.c.holder).join(
            customers, customers.c.id == tasks.c.customer_id)).all())


def _lists(hub: Hub) -> dict[str, list[str]]:
    """Each person's worklist (the web's page, the whole list), checked against the
    digests' split of the company's list (`worklists_by_person`)."""
    with hub.engine.connect() as c:
        by_person = worklists_by_person(c, as_of=TODAY)
        found = {}
        for person in (ANN, BOB, CY):
            mine = worklist_of(c, as_of=TODAY, person=person)
            page, total = worklist_page(c, as_of=TODAY, person=person, limit=50)
            assert page == mine, person
            assert total == len(mine), person
            assert by_person.get(person, []) == mine, person  # the digest lists the same
            found[person] = [row.customer_code for row in mine]
        found[UNASSIGNED] = [row.customer_code for row in by_person.get(UNASSIGNED, [])]
    return found


def _import_owners(hub: Hub, tmp_path: Path, owners: dict[str, str]) -> None:
    path = tmp_path / "owners.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "owner"])
        writer.writerows([code, f"Customer {code}", owner] for code, owner in owners.items())
    result = import_file(hub.engine, path, "customers", actor="tests", clock=hub.clock)
    assert result.updated == len(owners), result


def test_a_task_is_held_by_its_assignee_else_the_account_owner(hub: Hub) -> None:
    _ledger(hub)
    assert _holders(hub) == {"P1": ANN, "N1": None, "P2": CY, "Q1": BOB}
    assert _lists(hub) == {ANN: ["P1"], BOB: ["Q1"], CY: ["P2"], UNASSIGNED: ["N1"]}


def test_an_owner_changed_by_an_import_moves_the_unassigned_work(hub: Hub,
                                                                  tmp_path: Path) -> None:
    _ledger(hub)
    assert CUSTOMER_HEADER[:1] == ["customer_id"]  # the import's key column
    _import_owners(hub, tmp_path, {"P1": BOB, "P2": BOB})

    # P1's call named nobody: it is bob's now. P2's was given to cy: it stays hers.
    assert _holders(hub) == {"P1": BOB, "N1": None, "P2": CY, "Q1": BOB}
    assert _lists(hub) == {ANN: [], BOB: ["P1", "Q1"], CY: ["P2"], UNASSIGNED: ["N1"]}

    _import_owners(hub, tmp_path, {"P1": ANN})  # and back
    assert _lists(hub)[ANN] == ["P1"]


def test_an_owner_given_to_accounts_without_one_takes_their_work(hub: Hub) -> None:
    _ledger(hub)
    with hub.engine.begin() as c:
        assert give_owner(c, ["N1", "P1"], CY, actor="tests", now=hub.clock.now()) == 1
    assert _holders(hub)["N1"] == CY
    lists = _lists(hub)
    assert sorted(lists.pop(CY)) == ["N1", "P2"]
    assert lists == {ANN: ["P1"], BOB: ["Q1"], UNASSIGNED: []}


def test_a_task_for_another_person_moves_the_account_to_their_worklist(hub: Hub) -> None:
    """The account's work is held by whoever its most urgent task is for: a new task for
    bob due earlier than ann's takes the account from her list to his."""
    _ledger(hub)
    with hub.engine.begin() as c:
        create_task(c, customer_code="P1", task_type="dispute_review", assignee=BOB,
                    due_date=date(2026, 11, 20), reason="r", actor="tests",
                    now=hub.clock.now(), key="P1|dispute", source="web")
    lists = _lists(hub)
    assert "P1" not in lists[ANN]
    assert "P1" in lists[BOB]
