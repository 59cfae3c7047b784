"""A small ledger whose report figures are worked out by hand in the tests.

As of 2026-11-23 (the test clock):

| invoice | customer (owner) | cur | amount  | issued     | due        | payments             |
|---------|------------------|-----|---------|------------|------------|----------------------|
| A-1     | ACME (ann)       | EUR | 1000.00 | 2026-09-01 | 2026-10-01 | 400.00 on 2026-10-15 |
| A-2     | ACME (ann)       | EUR |  500.00 | 2026-11-01 | 2026-12-01 |                      |
| A-3     | ACME (ann)       | EUR |  300.00 | 2026-03-01 | 2026-03-31 | 300.00 on 2026-11-20 |
| A-4     | ACME (ann)       | EUR |  100.00 | 2026-11-10 | 2026-12-10 | cancelled            |
| B-1     | BOLT (bob)       | EUR | 2000.00 | 2026-10-01 | 2026-10-31 |                      |
| B-2     | BOLT (bob)       | EUR |  250.00 | 2026-12-01 | 2026-12-31 | issued after as-of   |
| C-1     | CRUX (ann)       | USD |  700.00 | 2026-06-01 | 2026-07-01 |                      |

plus an unmatched EUR 50.00 received on 2026-11-05.
"""

from __future__ import annotations

import pytest

from hub.bootstrap import Hub
from hub.domain.model import InvoiceStatus
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment


@pytest.fixture
def ledger(hub: Hub) -> Hub:
    with hub.engine.begin() as c:
        acme = add_customer(c, "ACME", owner="ann@example.com", department="sales",
                            country="NL")
        bolt = add_customer(c, "BOLT", owner="bob@example.com", department="ops",
                            country="DE")
        crux = add_customer(c, "CRUX", owner="ann@example.com", department="sales",
                            country="US")
        a1 = add_invoice(c, "A-1", acme, issued="2026-09-01", due="2026-10-01", amount="1000.00")
        add_invoice(c, "A-2", acme, issued="2026-11-01", due="2026-12-01", amount="500.00")
        a3 = add_invoice(c, "A-3", acme, issued="2026-03-01", due="2026-03-31", amount="300.00")
        add_invoice(c, "A-4", acme, issued="2026-11-10", due="2026-12-10", amount="100.00",
                    status=InvoiceStatus.CANCELLED)
        add_invoice(c, "B-1", bolt, issued="2026-10-01", due="2026-10-31", amount="2000.00")
        add_invoice(c, "B-2", bolt, issued="2026-12-01", due="2026-12-31", amount="250.00")
        add_invoice(c, "C-1", crux, issued="2026-06-01", due="2026-07-01", amount="700.00",
                    currency="USD")
        add_payment(c, "PAY-1", received_on="2026-10-15", amount="400.00", customer_id=acme,
                    allocate={a1: "400.00"})
        add_payment(c, "PAY-2", received_on="2026-11-20", amount="300.00", customer_id=acme,
                    allocate={a3: "300.00"})
        add_payment(c, "PAY-3", received_on="2026-11-05", amount="50.00")
    return hub
