"""When a debtor may be contacted: inside the local send window, on business days.

Pure: the caller supplies the holiday test and the weekend of the debtor's country (most
countries rest on Saturday and Sunday; Israel and Saudi Arabia on Friday and Saturday)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

SATURDAY_SUNDAY: frozenset[int] = frozenset({5, 6})  # date.weekday() numbers


def is_business_day(day: date, is_holiday: Callable[[date], bool],
                    weekend: frozenset[int] = SATURDAY_SUNDAY) -> bool:
    return day.weekday() not in weekend and not is_holiday(day)


def next_contact_time(now: datetime, zone: ZoneInfo, window: tuple[time, time], *,
                      business_days_only: bool,
                      is_holiday: Callable[[date], bool] = lambda _day: False,
                      weekend: frozenset[int] = SATURDAY_SUNDAY) -> datetime:
    """`now` when it lies inside the window on an allowed day, else the start of the next
    window (as a UTC datetime). Looks at most a year ahead."""
    start, end = window
    local = now.astimezone(zone)
    for offset in range(366):
        day = local.date() + timedelta(days=offset)
        if business_days_only and not is_business_day(day, is_holiday, weekend):
            continue
        opens = datetime.combine(day, start, tzinfo=zone)
        closes = datetime.combine(day, end, tzinfo=zone)
        if offset == 0 and opens <= local < closes:
            return now
        if local < opens:
            return opens.astimezone(UTC)
    return now  # a window that never opens is a configuration error; do not block forever
