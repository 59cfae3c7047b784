"""hub.domain.clock.day_of: a day column as PostgreSQL (date, datetime) or SQLite raw SQL
(ISO text) returns it."""
from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from hub.domain.clock import day_of


@pytest.mark.parametrize("value", [
    date(2026, 3, 9), datetime(2026, 3, 9, 23, 59, tzinfo=UTC), "2026-03-09",
    "2026-03-09 08:15:00.000000", "2026-03-09T08:15:00+00:00"])
def test_every_form_of_a_day_reads_as_that_day(value: object) -> None:
    assert day_of(value) == date(2026, 3, 9)


def test_text_that_is_no_day_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        day_of("09/03/2026")
