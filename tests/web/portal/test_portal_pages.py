"""The debtor portal: what a debtor sees and does, and where each action lands."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from hub.ledger.tables import disputes
from hub.ledger.tables import events
from hub.ledger.tables import messages
from hub.ledger.tables import payment_plans
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from tests.web.portal.support import PDF
from tests.web.portal.support import PNG
from tests.web.portal.support import Portal
from tests.web.portal.support import text


def test_the_page_lists_open_invoices_in_the_debtors_language(portal: Portal) -> None:
    html = portal.page()
    assert '<html lang="nl">' in html
    assert "Uw facturen" in html
    assert "Acme Trading BV" in html
    assert "€ 1.500,00" in html  # total open
    assert "Factuur A-1" in html
    assert "€ 1.000,00" in html
    assert "1 oktober 2026" in html
    assert "53 dagen te laat" in html
    assert "Factuur A-2" in html
    assert "nog niet vervallen" in html
    assert "B-1" not in html
    assert "Bolt" not in html


@pytest.mark.parametrize(("lang", "words"), [
    ("de", ["Ihre Rechnungen", "1.000,00 €", "1. Oktober 2026"]),
    ("pl", ["Twoje faktury", "1 000,00 €", "1 października 2026"]),
    ("es", ["Sus facturas", "1.000,00 €", "1 de octubre de 2026"]),
    ("en", ["Your invoices", "€1,000.00", "October 1, 2026"]),
])
def test_the_debtor_can_switch_language(portal: Portal, lang: str, words: list[str]) -> None:
    html = portal.page(f"{portal.url}?lang={lang}")
    for word in words:
        assert word in html


def test_days_overdue_take_the_plural_form_of_the_debtors_language(portal: Portal) -> None:
    assert "53 dni po terminie" in portal.page(f"{portal.url}?lang=pl")  # the "few" form
    assert "53 Tage überfällig" in portal.page(f"{portal.url}?lang=de")
    assert "53 days overdue" in portal.page(f"{portal.url}?lang=en")


def test_a_promise_within_the_horizon_is_recorded_and_confirmed(portal: Portal) -> None:
    response = portal.post("promise", {"due_date": "2026-12-01", "amount": "1500,00"})
    assert response.status_code == 303
    html = portal.page(response.headers["Location"])
    assert "We hebben uw belofte genoteerd: € 1.500,00 uiterlijk 1 december 2026" in html
    assert "U heeft beloofd € 1.500,00 te betalen" in html
    (row,) = portal.rows(sa.select(promises.c.amount_minor, promises.c.source, promises.c.actor))
    assert row == (150000, "portal", "debtor (portal)")
    (message,) = portal.rows(sa.select(messages.c.template, messages.c.language))
    assert tuple(message) == ("promise-confirmation", "nl")
    assert portal.count(events, events.c.kind == "promise.recorded") == 1


def test_a_promise_beyond_the_horizon_is_refused_and_keeps_the_input(portal: Portal) -> None:
    response = portal.post("promise", {"due_date": "2026-12-31", "amount": "99.00"})
    assert response.status_code == 422
    html = text(response)
    assert "Kies een datum tot en met 7 december 2026." in html  # 14 days by default
    assert 'value="2026-12-31"' in html
    assert 'value="99.00"' in html
    assert portal.count(promises) == 0


@pytest.mark.parametrize(("data", "message"), [
    ({"due_date": "tomorrow", "amount": "10"},
     "“tomorrow” is geen datum; schrijf het zoals 31-12-2026."),
    ({"due_date": "2026-11-30", "amount": "ten"},
     "“ten” is geen bedrag; schrijf het zoals 1.250,00."),
    ({"due_date": "2026-11-30", "amount": "1,234"},
     "“1,234” kan op twee manieren gelezen worden; schrijf het met de centen, zoals 1.234,00."),
    ({"due_date": "2026-11-30", "amount": "-5"}, "Vul een bedrag in, zoals 150,00."),
    ({"due_date": "2026-11-01", "amount": "10"}, "Kies vandaag of een latere datum."),
])
def test_bad_promise_input_is_explained(portal: Portal, data: dict[str, str],
                                        message: str) -> None:
    response = portal.post("promise", data)
    assert response.status_code == 422
    assert message in text(response)
    assert portal.count(promises) == 0


@pytest.mark.parametrize(("typed", "minor"), [
    ("1.234,56", 123456), ("1,234.56", 123456), ("150,50", 15050), ("€ 1.000", None)])
def test_a_dutch_debtor_types_amounts_their_way(portal: Portal, typed: str,
                                                minor: int | None) -> None:
    response = portal.post("promise", {"due_date": "2026-12-01", "amount": typed})
    if minor is None:  # "1.000": a thousand, or one? refused, not guessed
        assert response.status_code == 422
        html = text(response)
        assert "kan op twee manieren gelezen worden" in html
        assert f'value="{typed}"' in html  # kept for correcting
        assert portal.count(promises) == 0
        return
    assert response.status_code == 303, text(response)[:300]
    assert [r.amount_minor for r in portal.rows(sa.select(promises.c.amount_minor))] == [minor]


def test_a_refused_form_brings_its_message_into_view(portal: Portal) -> None:
    """The form posts to its own card's anchor, so the browser scrolls the message (shown
    in that card, opened) into view instead of the top of a long page on a phone."""
    html = portal.page()
    assert f'action="{portal.url}/promise#promise"' in html
    response = portal.post("promise", {"due_date": "2026-12-01", "amount": "1,234"})
    html = text(response)
    card = html[html.index('id="promise"'):]
    assert card.index('role="alert"') < card.index("</details>")
    assert '<details class="card" id="promise" open' in html


def test_a_plan_inside_the_limits_is_confirmed_at_once(portal: Portal) -> None:
    response = portal.post("plan", {"count": "3", "first_date": "2026-11-30"})
    assert response.status_code == 303
    html = portal.page(response.headers["Location"])
    assert "Uw betalingsregeling is bevestigd." in html
    assert "30 november 2026: € 500,00" in html
    assert "30 januari 2027: € 500,00" in html
    assert [r.state for r in portal.rows(sa.select(payment_plans.c.state))] == ["active"]
    assert [r.template for r in portal.rows(sa.select(messages.c.template))] == [
        "plan-confirmation"]
    assert portal.count(tasks) == 0


def test_a_plan_outside_the_limits_becomes_a_review_task(portal: Portal) -> None:
    response = portal.post("plan", {"count": "6", "first_date": "2026-11-30"})
    assert response.status_code == 303
    html = portal.page(response.headers["Location"])
    assert "Uw voorstel wordt beoordeeld" in html
    assert "Uw voorstel voor een betalingsregeling wordt beoordeeld." in html
    assert [r.state for r in portal.rows(sa.select(payment_plans.c.state))] == ["proposed"]
    (task,) = portal.rows(sa.select(tasks.c.task_type, tasks.c.assignee))
    assert tuple(task) == ("review_plan", "ann@example.com")
    assert [r.template for r in portal.rows(sa.select(messages.c.template))] == [
        "plan-in-review"]


def test_a_copy_on_file_is_downloaded(portal: Portal) -> None:
    response = portal.client.get(f"{portal.url}/invoices/A-1/copy")
    assert response.status_code == 200
    assert response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
    assert portal.count(events, events.c.kind == "portal.copy_downloaded") == 1


def test_a_copy_not_on_file_becomes_a_task_for_the_owner(portal: Portal) -> None:
    html = portal.page()
    assert f"{portal.url}/invoices/A-1/copy" in html  # A-1 has a copy, A-2 has none
    assert f"{portal.url}/invoices/A-2/copy" not in html
    response = portal.post("copy-request", {"invoice": "A-2"})
    assert response.status_code == 303
    assert "een kopie van factuur A-2 te sturen" in portal.page(response.headers["Location"])
    (task,) = portal.rows(sa.select(tasks.c.task_type, tasks.c.assignee, tasks.c.reason))
    assert task.task_type == "copy_request"
    assert task.assignee == "ann@example.com"
    assert "A-2" in task.reason
    portal.post("copy-request", {"invoice": "A-2"})  # asked twice the same day: one task
    assert portal.count(tasks) == 1


def test_i_have_paid_with_proof_starts_a_payment_check(portal: Portal) -> None:
    response = portal.post("paid", {"paid_on": "2026-11-20", "amount": "1000.00",
                                    "proof": (io.BytesIO(PNG), "receipt.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert "We controleren uw betaling" in portal.page(response.headers["Location"])
    (task,) = portal.rows(sa.select(tasks.c.task_type, tasks.c.assignee, tasks.c.reason))
    assert (task.task_type, task.assignee) == ("payment_check", "ann@example.com")
    assert "2026-11-20" in task.reason
    assert "receipt.png" in task.reason
    (event,) = portal.rows(sa.select(events.c.data)
                           .where(events.c.kind == "portal.payment_reported"))
    stored = portal.hub.settings.var_dir / event.data["proof"]["path"]
    assert stored.read_bytes() == PNG
    assert event.data["proof"]["mime_type"] == "image/png"


def test_i_have_paid_without_proof(portal: Portal) -> None:
    response = portal.post("paid", {"paid_on": "2026-11-23"})
    assert response.status_code == 303
    assert portal.count(tasks, tasks.c.task_type == "payment_check") == 1


def test_a_payment_date_in_the_future_is_refused(portal: Portal) -> None:
    response = portal.post("paid", {"paid_on": "2026-11-24"})
    assert response.status_code == 422
    assert "De betaaldatum kan niet in de toekomst liggen." in text(response)
    assert portal.count(tasks) == 0


def test_a_dispute_with_a_reason_opens_and_is_acknowledged(portal: Portal) -> None:
    response = portal.post("dispute", {"invoices": ["A-1"], "reason": "Goods never arrived"})
    assert response.status_code == 303
    html = portal.page(response.headers["Location"])
    assert "We hebben uw bezwaar ontvangen" in html
    assert "betwist" in html
    (row,) = portal.rows(sa.select(disputes.c.reason, disputes.c.source))
    assert tuple(row) == ("Goods never arrived", "portal")
    assert [r.template for r in portal.rows(sa.select(messages.c.template))] == [
        "dispute-received"]


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": "wrong"}, "Kies ten minste één factuur."),
    ({"invoices": ["A-1"], "reason": "   "}, "Vertel ons wat er niet klopt."),
])
def test_an_incomplete_dispute_is_explained(portal: Portal, data: dict[str, object],
                                            message: str) -> None:
    response = portal.post("dispute", data)
    assert response.status_code == 422
    assert message in text(response)
    assert portal.count(disputes) == 0


def test_an_account_with_nothing_open_says_thank_you(portal: Portal) -> None:
    html = portal.page(f"/portal/{portal.other_token}")
    assert "Bolt GmbH" in html
    assert "B-1" in html
    with portal.hub.engine.begin() as c:
        c.execute(sa.text("UPDATE invoices SET open_minor = 0, status = 'paid' "
                          "WHERE number = 'B-1'"))
    assert "Sie haben keine offenen Rechnungen" in portal.page(f"/portal/{portal.other_token}")


def test_the_test_clock_is_what_the_page_calls_today(portal: Portal) -> None:
    assert portal.hub.clock.today() == date(2026, 11, 23)
    assert 'max="2026-11-23"' in portal.page()  # the payment date cannot be later


def test_an_active_plan_and_a_proposal_in_review_are_both_shown(portal: Portal) -> None:
    portal.post("plan", {"count": "2", "first_date": "2026-11-30"})
    response = portal.post("plan", {"count": "8", "first_date": "2026-12-15"})
    html = portal.page(response.headers["Location"])
    assert "<strong>Uw betalingsregeling</strong>" in html
    assert "30 december 2026: € 750,00" in html  # the active plan's second instalment
    assert "Uw voorstel voor een betalingsregeling wordt beoordeeld." in html
    assert "15 juli 2027: € 187,50" in html  # the proposal's last instalment


def test_what_needs_a_person_lands_in_the_owners_worklist(portal: Portal) -> None:
    from hub.services.read.worklist import worklist

    portal.post("copy-request", {"invoice": "A-2"})
    portal.post("paid", {"paid_on": "2026-11-22"})
    with portal.hub.engine.connect() as c:
        rows = worklist(c, as_of=portal.hub.clock.today(), owner="ann@example.com")
        bobs = worklist(c, as_of=portal.hub.clock.today(), owner="bob@example.com")
    (row,) = rows
    assert row.customer_code == "ACME"
    assert len(row.open_task_ids) == 2
    assert bobs == []
