"""The staff web app speaks HUB_STAFF_LANGUAGE (English by default) through Flask-Babel,
with the plural forms of that language; the portal in the same app speaks the debtor's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Flask

from hub.bootstrap import Hub
from hub.services.accounts.tasks import create_task
from tests.web.conftest import sign_in

TODAY = date(2026, 11, 23)


def _one_task(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        create_task(connection, customer_code="ACME", task_type="call",
                    assignee="ann@example.com", due_date=TODAY, reason="test", actor="rules",
                    now=hub.clock.now(), key="ACME|call")


def _worklist(app: Flask) -> str:
    client = app.test_client()
    sign_in(client, "ann@example.com")
    return client.get("/worklist").get_data(as_text=True)


def test_the_staff_app_is_english_by_default_with_the_singular_for_one(
        staffed: Hub, staff_app: Flask) -> None:
    _one_task(staffed)
    page = _worklist(staff_app)
    assert '<html lang="en">' in page
    assert "1 account needs you today, most urgent first." in page
    assert "1 accounts" not in page
    assert ">Sign out<" in page
    assert ">Worklist<" in page


def test_the_staff_app_in_polish_and_dutch(staffed: Hub,
                                           make_app: Callable[..., Flask]) -> None:
    _one_task(staffed)
    polish = _worklist(make_app(staff_language="pl"))
    assert '<html lang="pl">' in polish
    assert "1 konto wymaga dziś Twojej uwagi, najpilniejsze najpierw." in polish
    assert "<td>Zadzwoń do klienta</td>" in polish  # the task's next step
    assert ">Wyloguj się<" in polish
    assert ">Lista zadań<" in polish
    dutch = _worklist(make_app(staff_language="nl"))
    assert "1 klant heeft vandaag uw aandacht nodig" in dutch
    assert ">Werklijst<" in dutch
    assert ">Uitloggen<" in dutch


def test_a_link_inside_a_translated_sentence_stays_a_link(staff_app: Flask) -> None:
    client = staff_app.test_client()
    sign_in(client, "adm@example.com")
    page = client.get("/admin/people").get_data(as_text=True)
    assert '">audit log</a>.</p>' in page
    assert "&lt;a href" not in page
