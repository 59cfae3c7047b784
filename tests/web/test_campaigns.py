"""Campaign pages: start from a template with the channel order changed, the campaign page
per customer with totals, form errors next to their field (the form's own check and the
rule compiler's), scope (only the customers a viewer may see), pause, resume, stop and
"save as template"."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask.testing import FlaskClient

from hub.bootstrap import Hub
from tests.web.conftest import csrf_from

STEPS = {"step-1-channel": "sms", "step-1-day": "0", "step-2-channel": "email",
         "step-2-day": "5", "step-3-channel": "letter", "step-3-day": "14",
         "step-4-channel": "call", "step-4-day": "21", "step-5-channel": "", "step-5-day": ""}


def _start(client: FlaskClient, **changes: str) -> tuple[int, str, str]:
    form_page = client.get("/campaigns/new?template=standard")
    assert form_page.status_code == 200
    data = {"csrf_token": csrf_from(form_page.get_data(as_text=True)), "template": "standard",
            "name": "Autumn push", "target": "customer", "customer": "ACME", "tone": "standard",
            "stop_when": ["promise", "plan"], "stop_below": "", **STEPS, **changes}
    response = client.post("/campaigns/new", data=data)
    return response.status_code, response.headers.get("Location", ""), \
        response.get_data(as_text=True)


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" role="alert">([^<]*)<', page)
    assert found, f"no error next to {field}"
    return html.unescape(found.group(1))


def test_the_form_starts_from_the_template_and_sms_moved_first_shows_on_the_page(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    form = client.get("/campaigns/new?template=standard").get_data(as_text=True)
    assert re.search(r'id="step-1-channel".*?<option value="email" selected>', form, re.S)
    assert 'name="step-4-day" value="21"' in form  # the template's call on day 21
    status, location, _ = _start(client)
    assert status == 302
    assert location.endswith("/campaigns/autumn-push")
    page = client.get(location).get_data(as_text=True)
    assert "Campaign Autumn push" in page
    text = " ".join(re.sub(r"<[^>]+>", "", page).split())
    assert "1. SMS (day 0) → 2. E-mail (day 5) → 3. Letter (day 14) → 4. Phone call" in text
    row = re.search(r'<tr data-customer="ACME">(.*?)</tr>', page, re.S)
    assert row, page
    assert re.search(r'data-col="reached"><span class="muted">none yet', row.group(1))
    assert re.search(r'data-col="next">1\. sms <small class="muted">2026-11-23', row.group(1))
    assert "600.00" in row.group(1)  # overdue when it joined (A-2 is not due yet)
    assert re.search(r'data-total="customers">1<', page)
    listing = client.get("/campaigns").get_data(as_text=True)
    assert 'href="/campaigns/autumn-push">Autumn push</a>' in listing


def test_an_invalid_form_comes_back_with_the_message_next_to_the_field(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    status, _, html = _start(client, **{"step-2-day": "ten"})
    assert status == 422
    assert _error(html, "step-2-day") == 'step 2: the day must be a whole number, got "ten"'
    status, _, html = _start(client, **{"step-2-day": "0"})
    assert _error(html, "step-2-day") == "step 2: day 0 must come after step 1's day 0"
    # the form lets the amount through; the rule compiler refuses it, and its message is
    # shown beside the amount
    status, _, html = _start(client, stop_below="1E+400")
    assert status == 422
    assert "cannot read '+400'" in _error(html, "stop_below")
    status, _, html = _start(client, customer="NOPE")
    assert _error(html, "customer") == 'there is no customer "NOPE" you may see'
    assert client.get("/campaigns").get_data(as_text=True).count("autumn-push") == 0


def test_each_viewer_sees_only_their_customers_and_changes_only_what_they_may(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    manager = as_user("mia@example.com")  # sales: ACME and CRUX
    form = manager.get("/campaigns/new?template=friendly").get_data(as_text=True)
    response = manager.post("/campaigns/new", data={
        "csrf_token": csrf_from(form), "template": "friendly", "name": "Sales sweep",
        "target": "filter", "min_days": "30", "tone": "friendly", **STEPS})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = manager.get("/campaigns/sales-sweep").get_data(as_text=True)
    assert 'data-customer="ACME"' in page
    assert 'data-customer="CRUX"' in page
    assert 'data-customer="BOLT"' not in page  # ops: not the manager's to select

    ann = as_user("ann@example.com")  # owns ACME and CRUX: sees the campaign
    assert ann.get("/campaigns/sales-sweep").status_code == 200
    assert ann.get("/campaigns/new").status_code == 403
    bob = as_user("bob@example.com")  # owns BOLT only: the campaign does not exist for him
    assert "sales-sweep" not in bob.get("/campaigns").get_data(as_text=True)
    assert bob.get("/campaigns/sales-sweep").status_code == 404

    finance = as_user("fin@example.com")
    shown = finance.get("/campaigns/sales-sweep").get_data(as_text=True)
    token = csrf_from(shown)
    assert finance.post("/campaigns/sales-sweep/pause",
                        data={"csrf_token": token}).status_code == 302
    assert staffed.campaigns.get("Sales sweep").state == "paused"
    assert 'class="badge warn">paused' in finance.get("/campaigns/sales-sweep").get_data(
        as_text=True)
    assert finance.post("/campaigns/sales-sweep/resume",
                        data={"csrf_token": token}).status_code == 302
    assert finance.post("/campaigns/sales-sweep/template",
                        data={"csrf_token": token, "template": "Sweep"}).status_code == 302
    assert "Sweep" in [t.name for t in staffed.campaigns.templates()]
    assert finance.post("/campaigns/sales-sweep/stop",
                        data={"csrf_token": token}).status_code == 302
    assert staffed.campaigns.get("Sales sweep").state == "stopped"

    _, _, _ = _start(finance)  # finance's campaign: the manager may not change it
    manager_token = csrf_from(manager.get("/campaigns").get_data(as_text=True))
    assert manager.post("/campaigns/autumn-push/pause",
                        data={"csrf_token": manager_token}).status_code == 403


def test_check_and_simulate_shows_what_its_customers_would_get_today_and_starts_nothing(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    status, _, page = _start(client, action="check")
    assert status == 200
    assert "The campaign can start" in page
    assert "<li>ACME: 1. sms</li>" in page
    assert staffed.campaigns.all() == []


def test_adjusting_makes_the_next_version_and_a_mistake_stays_on_its_field(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    _start(client)
    form = client.get("/campaigns/autumn-push/adjust")
    assert form.status_code == 200
    html_form = form.get_data(as_text=True)
    assert re.search(r'id="step-1-channel".*?<option value="sms" selected>', html_form, re.S)
    data = {"csrf_token": csrf_from(html_form), "tone": "firm", "stop_when": ["plan"],
            "stop_below": "", **STEPS, "step-2-day": "3"}
    wrong = client.post("/campaigns/autumn-push/adjust", data={**data, "step-3-day": "2"})
    assert wrong.status_code == 422
    assert _error(wrong.get_data(as_text=True), "step-3-day") == \
        "step 3: day 2 must come after step 2's day 3"
    done = client.post("/campaigns/autumn-push/adjust", data=data)
    assert done.status_code == 302
    found = staffed.campaigns.get("Autumn push")
    assert (found.version, found.settings.tone, found.settings.steps[1].day) == (2, "firm", 3)
    page = client.get("/campaigns/autumn-push").get_data(as_text=True)
    assert "Campaign adjusted: version 2." in page
    assert as_user("mia@example.com").get("/campaigns/autumn-push/adjust").status_code == 403
