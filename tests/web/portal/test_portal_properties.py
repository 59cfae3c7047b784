"""Whatever a debtor (or anyone holding a link) types into the portal's forms, the answer
is a page, never a server error, and nothing lands on another account."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from hub.ledger.tables import customers
from hub.ledger.tables import disputes
from hub.ledger.tables import promises
from hub.ledger.tables import tasks
from tests.web.portal.support import Portal

TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=30)
DATEISH = st.one_of(TEXT, st.dates().map(str))
NUMBERISH = st.one_of(TEXT, st.decimals(allow_nan=True, allow_infinity=True).map(str),
                      st.integers().map(str))
FORMS = st.one_of(
    st.tuples(st.just("promise"), st.fixed_dictionaries({"due_date": DATEISH,
                                                         "amount": NUMBERISH})),
    st.tuples(st.just("plan"), st.fixed_dictionaries({"count": NUMBERISH,
                                                      "first_date": DATEISH})),
    st.tuples(st.just("paid"), st.fixed_dictionaries({"paid_on": DATEISH,
                                                      "amount": NUMBERISH})),
    st.tuples(st.just("dispute"), st.fixed_dictionaries({
        "invoices": st.lists(st.one_of(st.sampled_from(["A-1", "A-2", "B-1"]), TEXT),
                             max_size=3),
        "reason": TEXT})),
    st.tuples(st.just("copy-request"), st.fixed_dictionaries({
        "invoice": st.one_of(st.sampled_from(["A-1", "A-2", "B-1"]), TEXT)})),
)


def test_no_form_input_causes_a_server_error(make_portal: Callable[..., Portal]) -> None:
    portal = make_portal(portal_rate_limit=100_000)
    csrf = portal.csrf()
    bolt_id = portal.rows(sa.select(customers.c.id).where(customers.c.code == "BOLT"))[0].id

    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(form=FORMS, lang=st.sampled_from(["", "de", "xx"]))
    def post(form: tuple[str, dict[str, object]], lang: str) -> None:
        action, data = form
        response = portal.client.post(f"{portal.url}/{action}?lang={lang}",
                                      data={**data, "csrf_token": csrf})
        assert response.status_code in (303, 404, 422), (action, data, response.status_code)

    post()
    for table in (promises, disputes, tasks):
        assert portal.count(table, table.c.customer_id == bolt_id) == 0
