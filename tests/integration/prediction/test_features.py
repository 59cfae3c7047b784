"""Features from the ledger as of a day: what a collector would read off the history, and
no look-ahead (a feature as of D does not change when rows dated D or later are added)."""

from __future__ import annotations

import math
from datetime import date
from datetime import timedelta

import pytest

from hub.bootstrap import Hub
from hub.services.prediction import features
from hub.services.prediction.features import LedgerHistory
from hub.services.prediction.features import lookahead_differences
from hub.services.prediction.features import open_invoice_points
from tests.integration.prediction.history import add_rows_from
from tests.integration.prediction.history import late_payer_history

AS_OF = date(2026, 6, 1)


def _features(hub: Hub, points: list[tuple[int, date]]) -> features.FeatureTable:
    with hub.engine.connect() as connection:
        return LedgerHistory(connection).features(points)


def _points(hub: Hub) -> list[tuple[int, date]]:
    with hub.engine.connect() as connection:
        history = LedgerHistory(connection)
        # the open invoices on the day, and every invoice as of its issue date and of the day
        return sorted(open_invoice_points(history, AS_OF)
                      + [(i.id, i.issue_date) for i in history.by_id.values()]
                      + [(i.id, AS_OF - timedelta(days=15)) for i in history.by_id.values()])


def test_the_features_read_the_history_as_a_collector_would(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        ids = late_payer_history(connection, AS_OF)
    table = _features(hub, [(ids["S-new"], AS_OF), (ids["P-new"], AS_OF)])
    slow = dict(zip(features.FEATURE_NAMES, table.x[0], strict=True))
    prompt = dict(zip(features.FEATURE_NAMES, table.x[1], strict=True))
    assert slow["hist_invoices"] == 8
    assert slow["hist_late_share"] == pytest.approx(7 / 8)
    assert slow["hist_mean_days_late"] == pytest.approx(121 / 8)
    assert slow["hist_trend_days_late"] == pytest.approx((20 + 31 + 40) / 3 - 121 / 8)
    assert slow["hist_over_30_share"] == pytest.approx(2 / 8)
    assert slow["last_paid_late"] == 1
    assert slow["last_days_late"] == 40
    assert (slow["open_overdue"], slow["oldest_overdue_days"]) == (1, 40)
    assert (slow["promises_kept"], slow["promises_broken"]) == (1, 1)
    assert slow["disputes_opened"] == 1
    assert slow["days_since_payment"] == 80  # S-7: issued 150 days before, 30 + 40 to pay
    assert slow["amount_ratio"] == pytest.approx(150 / ((1080 + 400) / 9))
    assert (slow["terms_days"], slow["issue_month"], slow["paperless"]) == (30, 5, 1)
    assert slow["consumer"] == 0
    assert prompt["consumer"] == 1
    assert slow["messages_90d"] == 3
    assert slow["channels_90d"] == 2
    assert slow["steps_90d"] == 3
    assert slow["responses_90d"] == 2
    assert slow["days_since_contact"] == 20
    assert prompt["hist_late_share"] == pytest.approx(2 / 6)
    assert prompt["open_overdue"] == 0
    assert math.isnan(prompt["oldest_overdue_days"])
    assert math.isnan(prompt["days_since_contact"])


def test_no_feature_changes_when_rows_dated_on_or_after_the_day_are_added(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        ids = late_payer_history(connection, AS_OF)
    points = _points(hub)
    before = _features(hub, points)
    with hub.engine.begin() as connection:
        add_rows_from(connection, AS_OF, ids)
    after = _features(hub, points)
    assert lookahead_differences(before, after) == []
    # the added rows are seen from the day after they are dated
    later = _features(hub, [(ids["S-new"], AS_OF + timedelta(days=200))])
    assert later.column("hist_invoices")[0] == 8 + 1 + 3  # S-old and S-later-0..2


def test_the_check_catches_a_feature_that_looks_ahead(hub: Hub,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Introduce a leak on purpose: "days since the last payment" computed from the
    customer's latest payment in the ledger, whatever its date."""
    with hub.engine.begin() as connection:
        ids = late_payer_history(connection, AS_OF)
    real_row = features._CustomerFeatures.row
    column = features.FEATURE_NAMES.index("days_since_payment")

    def leaking_row(self: features._CustomerFeatures, invoice: features.Invoice,
                    as_of: date) -> list[float]:
        values = real_row(self, invoice, as_of)
        if self.h.payments:
            values[column] = float((as_of - self.h.payments[-1]).days)
        return values

    monkeypatch.setattr(features._CustomerFeatures, "row", leaking_row)
    points = _points(hub)
    before = _features(hub, points)
    with hub.engine.begin() as connection:
        add_rows_from(connection, AS_OF, ids)
    leaks = lookahead_differences(before, _features(hub, points))
    assert leaks, "the leak went unnoticed"
    assert all(line.startswith("days_since_payment of invoice ") for line in leaks)
