"""Cash application on the web (issue 12, item 10): the queue of unmatched payments with the
matcher's suggestions, and match, split, on account and return, each changing the ledger,
the account's timeline and the audit log; finance and admins only, with the form's token."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import allocations
from hub.ledger.tables import audit_log
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from tests.builders import add_payment
from tests.web.conftest import csrf_from

Client = Callable[[str], FlaskClient]


@pytest.fixture
def waiting(staffed: Hub) -> Hub:
    """Three payments the matcher left in the queue (ACME: A-1 600.00 and A-2 500.00 open;
    BOLT: B-1 2000.00 open):

    U-REF   600.00 from Acme, recognised, remittance naming A-1
    U-SPLIT 900.00 from Acme Trading BV, no reference
    U-AMT  2000.00 from someone unknown: only the amount fits B-1
    """
    with staffed.engine.begin() as c:
        acme = c.execute(sa.select(customers.c.id).where(customers.c.code == "ACME")).scalar()
        add_payment(c, "U-REF", received_on="2026-11-20", amount="600.00", customer_id=acme)
        add_payment(c, "U-SPLIT", received_on="2026-11-21", amount="900.00")
        add_payment(c, "U-AMT", received_on="2026-11-22", amount="2000.00")
        for reference, payer, remittance in (("U-REF", "Acme Trading BV", "Invoice A-1"),
                                             ("U-SPLIT", "Acme Trading BV", "November"),
                                             ("U-AMT", "J. Doe", None)):
            c.execute(payments.update().where(payments.c.reference == reference)
                      .values(payer_name=payer, remittance=remittance))
    return staffed


def _id(hub: Hub, reference: str) -> int:
    with hub.engine.connect() as c:
        found: int = c.execute(sa.select(payments.c.id)
                               .where(payments.c.reference == reference)).scalar_one()
    return found


def _payment(hub: Hub, reference: str) -> tuple[str, int, str | None]:
    with hub.engine.connect() as c:
        row = c.execute(sa.select(payments.c.status, payments.c.unallocated_minor,
                                  customers.c.code)
                        .select_from(payments.outerjoin(
                            customers, customers.c.id == payments.c.customer_id))
                        .where(payments.c.reference == reference)).one()
    return row.status, row.unallocated_minor, row.code


def _open(hub: Hub) -> dict[str, int]:
    with hub.engine.connect() as c:
        return {r.number: r.open_minor for r in c.execute(
            sa.select(invoices.c.number, invoices.c.open_minor))}


def _audited(hub: Hub) -> list[tuple[str, str, str]]:
    with hub.engine.connect() as c:
        return [(r.action, r.actor, r.target) for r in c.execute(
            sa.select(audit_log).where(audit_log.c.action.startswith("payment.")))]


def _post(client: FlaskClient, hub: Hub, reference: str, action: str,
          data: dict[str, str | list[str]], **kwargs: object) -> tuple[int, str]:
    payment_id = _id(hub, reference)
    token = csrf_from(client.get(f"/payments/{payment_id}").get_data(as_text=True))
    response = client.post(f"/payments/{payment_id}/{action}",
                           data={"csrf_token": token, **data}, follow_redirects=True,
                           **kwargs)
    return response.status_code, response.get_data(as_text=True)


def _timeline(client: FlaskClient, code: str) -> str:
    return client.get(f"/accounts/{code}").get_data(as_text=True)


def test_the_queue_lists_each_payment_with_the_matchers_suggestions_and_why(
        waiting: Hub, as_user: Client) -> None:
    fin = as_user("fin@example.com")
    page = fin.get("/worklist").get_data(as_text=True)
    assert 'href="/payments/unmatched"' in page
    page = fin.get("/payments/unmatched").get_data(as_text=True)
    assert "3 payments the matcher could not place" in page
    rows = dict(re.findall(r">(U-[A-Z]+)</a>(.*?)</tr>", page, re.S))
    assert set(rows) == {"U-REF", "U-SPLIT", "U-AMT"}
    assert re.search(r"Match A-1</button>.*?reference", rows["U-REF"], re.S)
    assert re.search(r"Match A-1</button>.*?customer.*?Match A-2</button>.*?customer",
                     rows["U-SPLIT"], re.S)
    assert re.search(r"Match B-1</button>.*?BOLT.*?EUR 2,000.00 open.*?amount",
                     rows["U-AMT"], re.S)


def test_a_manager_sees_her_departments_payments_read_only(waiting: Hub, as_user: Client
                                                          ) -> None:
    with waiting.engine.begin() as c:  # suggests ACME's and BOLT's B-1 (amount)
        acme = c.execute(sa.select(customers.c.id).where(customers.c.code == "ACME")).scalar()
        add_payment(c, "U-MIX", received_on="2026-11-22", amount="2000.00", customer_id=acme)
    mix = _id(waiting, "U-MIX")
    page = as_user("fin@example.com").get(f"/payments/{mix}").get_data(as_text=True)
    assert "B-1 · BOLT" in page
    assert "B-1 · BOLT" not in as_user("mia@example.com").get(f"/payments/{mix}").get_data(
        as_text=True)
    page = as_user("mia@example.com").get("/payments/unmatched").get_data(as_text=True)
    assert "U-MIX" in page
    assert "U-REF" in page
    assert "U-SPLIT" in page
    assert "U-AMT" not in page
    assert "B-1" not in page
    assert "<button" not in page.split("<main", 1)[1]
    assert as_user("mia@example.com").get(f"/payments/{_id(waiting, 'U-AMT')}").status_code \
        == 404


def test_matching_to_a_suggestion_pays_the_invoice_and_says_so_on_the_timeline(
        waiting: Hub, as_user: Client) -> None:
    fin = as_user("fin@example.com")
    status, body = _post(fin, waiting, "U-REF", "match", {"invoice": "A-1"})
    assert status == 200
    assert "Payment U-REF: 600.00 EUR to A-1." in body
    assert "U-REF" not in body.split("<table", 1)[1]  # gone from the queue
    assert _payment(waiting, "U-REF") == ("allocated", 0, "ACME")
    assert _open(waiting)["A-1"] == 0
    assert "600.00 EUR of payment U-REF applied to invoice A-1 (manual); now paid" \
        in _timeline(fin, "ACME")
    assert _audited(waiting) == [("payment.matched", "fin@example.com", "U-REF")]


def test_a_split_typed_the_dutch_way_pays_each_invoice_its_amount(
        waiting: Hub, as_user: Client) -> None:
    fin = as_user("fin@example.com")
    status, body = _post(fin, waiting, "U-SPLIT", "split",
                         {"invoice": ["A-1", "A-2"], "amount": ["400,00", "450,50"]},
                         headers={"Accept-Language": "nl"})
    assert status == 200, body
    assert "Payment U-SPLIT: 400.00 EUR to A-1, 450.50 EUR to A-2. 49.50 EUR kept as credit" \
        in body
    assert _open(waiting)["A-1"] == 20000
    assert _open(waiting)["A-2"] == 4950
    assert _payment(waiting, "U-SPLIT") == ("credit", 4950, "ACME")
    timeline = _timeline(fin, "ACME")
    assert "400.00 EUR of payment U-SPLIT applied to invoice A-1 (manual); 200.00 EUR still " \
        "open" in timeline
    assert "450.50 EUR of payment U-SPLIT applied to invoice A-2" in timeline
    assert "49.50 EUR of payment U-SPLIT kept as credit on the account" in timeline
    assert _audited(waiting) == [("payment.split", "fin@example.com", "U-SPLIT")]


def test_a_split_over_the_payment_is_refused_next_to_the_field_and_nothing_changes(
        waiting: Hub, as_user: Client) -> None:
    fin = as_user("fin@example.com")
    before = (_open(waiting), _payment(waiting, "U-SPLIT"))
    status, body = _post(fin, waiting, "U-SPLIT", "split",
                         {"invoice": ["A-1", "A-2"], "amount": ["700.00", "100.00"]})
    assert status == 400
    assert re.search(r'value="700.00" aria-invalid="true"></label>\s*<span class="field-problem"'
                     r' role="alert">700.00 EUR is more than the 600.00 EUR open on invoice A-1',
                     body)
    status, body = _post(fin, waiting, "U-SPLIT", "split",
                         {"invoice": ["A-1", "A-2"], "amount": ["600.00", "500.00"]})
    assert status == 400
    assert re.search(r'value="500.00" aria-invalid="true"></label>\s*<span class="field-problem" '
                     r'role="alert">the amounts add up to 1,100.00 EUR, more than the '
                     r"payment&#39;s 900.00 EUR", body)
    assert (_open(waiting), _payment(waiting, "U-SPLIT")) == before
    with waiting.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(allocations)
                         .where(allocations.c.payment_id == _id(waiting, "U-SPLIT"))
                         ).scalar() == 0
    assert _audited(waiting) == []


def test_on_account_keeps_the_payment_as_the_customers_credit(waiting: Hub, as_user: Client
                                                             ) -> None:
    adm = as_user("adm@example.com")
    status, body = _post(adm, waiting, "U-AMT", "on-account", {"customer": "BOLT"})
    assert status == 200
    assert "Payment U-AMT: 2,000.00 EUR kept as credit on account BOLT." in body
    assert _payment(waiting, "U-AMT") == ("credit", 200000, "BOLT")
    assert _open(waiting)["B-1"] == 200000  # no invoice touched
    assert "2,000.00 EUR of payment U-AMT kept as credit on the account" in _timeline(adm, "BOLT")
    assert _audited(waiting) == [("payment.on_account", "adm@example.com", "U-AMT")]
    status, body = _post(adm, waiting, "U-SPLIT", "on-account", {"customer": "NOPE"})
    assert status == 400
    assert "no customer &#39;NOPE&#39; in the ledger" in body


def test_returning_a_payment_allocates_nothing_and_goes_on_the_timeline(
        waiting: Hub, as_user: Client) -> None:
    fin = as_user("fin@example.com")
    status, body = _post(fin, waiting, "U-REF", "return", {"reason": "paid twice"})
    assert status == 200
    assert "Payment U-REF: 600.00 EUR recorded as returned to the payer." in body
    assert _payment(waiting, "U-REF") == ("returned", 0, "ACME")
    assert _open(waiting)["A-1"] == 60000
    assert "Payment U-REF of 600.00 EUR returned to Acme Trading BV by fin@example.com: paid " \
        "twice" in _timeline(fin, "ACME")
    assert _audited(waiting) == [("payment.returned", "fin@example.com", "U-REF")]


def test_collectors_get_403_and_a_post_without_the_token_400(waiting: Hub, as_user: Client
                                                             ) -> None:
    ann = as_user("ann@example.com")
    payment_id = _id(waiting, "U-REF")
    assert ann.get("/payments/unmatched").status_code == 403
    assert 'href="/payments/unmatched"' not in ann.get("/worklist").get_data(as_text=True)
    for client in (ann, as_user("mia@example.com")):
        token = csrf_from(client.get("/worklist").get_data(as_text=True))
        assert client.post(f"/payments/{payment_id}/match",
                           data={"csrf_token": token, "invoice": "A-1"}).status_code == 403
    forged = as_user("fin@example.com").post(f"/payments/{payment_id}/match",
                                             data={"invoice": "A-1"})
    assert forged.status_code == 400
    assert _payment(waiting, "U-REF") == ("unmatched", 60000, "ACME")
    assert _audited(waiting) == []
