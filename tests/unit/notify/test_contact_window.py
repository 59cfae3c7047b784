from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo

from hub.domain.contact_window import next_contact_time
from hub.domain.outbox import retry_delay

WINDOW = (time(8), time(20))
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_inside_the_window_is_now() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
    assert next_contact_time(now, AMSTERDAM, WINDOW, business_days_only=True) == now


def test_after_hours_waits_for_the_next_morning() -> None:
    now = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # Monday 21:30 in Amsterdam
    assert next_contact_time(now, AMSTERDAM, WINDOW, business_days_only=True) == \
        datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_weekends_and_holidays_are_skipped() -> None:
    friday_night = datetime(2026, 12, 24, 20, 0, tzinfo=UTC)  # Christmas Eve, 21:00 local
    holidays = {date(2026, 12, 25), date(2026, 12, 26)}
    opens = next_contact_time(friday_night, AMSTERDAM, WINDOW, business_days_only=True,
                              is_holiday=holidays.__contains__)
    assert opens == datetime(2026, 12, 28, 7, 0, tzinfo=UTC)  # Monday 08:00
    assert next_contact_time(friday_night, AMSTERDAM, WINDOW, business_days_only=False,
                             is_holiday=holidays.__contains__) == \
        datetime(2026, 12, 25, 7, 0, tzinfo=UTC)


def test_backoff_doubles_up_to_the_cap_and_honours_retry_after() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8)] == [60, 120, 240, 3600]
    assert retry_delay(1, retry_after=300).total_seconds() == 300
