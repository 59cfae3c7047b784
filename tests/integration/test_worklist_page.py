"""A worklist page reads in full only the rows it shows, and shows exactly the rows the
whole list (`worklist_of`, the same for the web, sheets, digests and the API) has there."""

from __future__ import annotations

from datetime import date

from hub.bootstrap import Hub
from hub.services.accounts.tasks import create_task
from hub.services.read.worklist import worklist_of
from hub.services.read.worklist import worklist_page
from tests.builders import add_customer
from tests.builders import add_invoice

TODAY = date(2026, 11, 23)


def _ledger(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        for number in range(40):
            owner = "ann@example.com" if number % 4 else "bob@example.com"
            customer = add_customer(connection, f"W{number:02d}", owner=owner)
            # equal priorities on purpose: the customer code breaks ties the same way
            add_invoice(connection, f"W{number:02d}-1", customer, issued="2026-01-01",
                        due=f"2026-{1 + number % 5:02d}-15", amount=f"{100 + number % 3}.00")
            # some of bob's accounts' calls are assigned to ann: she holds them
            assignee = "ann@example.com" if number % 8 == 0 else None
            create_task(connection, customer_code=f"W{number:02d}", task_type="call",
                        assignee=assignee, due_date=TODAY, reason="r", actor="rules",
                        now=hub.clock.now(), key=f"W{number}")


def test_pages_are_the_whole_list_cut_in_order(hub: Hub) -> None:
    _ledger(hub)
    with hub.engine.connect() as connection:
        whole = worklist_of(connection, as_of=TODAY, person="ann@example.com")
        first, total = worklist_page(connection, as_of=TODAY, person="ann@example.com",
                                     limit=12)
        last = first[-1]
        second, _ = worklist_page(connection, as_of=TODAY, person="ann@example.com",
                                  limit=100, after=(last.priority, last.customer_code))
    assert total == len(whole) == 35
    assert first == whole[:12]
    assert second == whole[12:]


def test_someone_with_nothing_to_do_gets_an_empty_page(hub: Hub) -> None:
    _ledger(hub)
    with hub.engine.connect() as connection:
        assert worklist_page(connection, as_of=TODAY, person="cy@example.com",
                             limit=50) == ([], 0)
