"""Time as a dependency, so tests and `--as-of` can fix "today"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


@dataclass(frozen=True)
class SystemClock:
    zone: ZoneInfo

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.zone).date()


@dataclass
class FixedClock:
    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()


def day_of(value: object) -> date:
    """A day as a database returns it: a date, a datetime (its date), or ISO text (SQLite
    returns a DATE or TIMESTAMP column as text in raw SQL)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def moment_on(day: date, now: datetime) -> datetime:
    """The moment a run dated `day` writes (holds placed, tasks, events, the sheets' "last
    check"): `now` on that day. A run dated another day (`cycle --as-of`, a catch-up, a
    simulation) writes that day at the same time of day, so `on_hold_since` and the
    timeline tell the cycle's date, not the day it happened to be run. For a day next to
    today (the local date is ahead of or behind UTC) it is the moment of `day` nearest to
    `now`, so the record stays within hours of the truth."""
    moment = now.astimezone(UTC)
    if moment.date() == day:
        return now
    start = datetime.combine(day, time(0, 0), UTC)
    if abs((day - moment.date()).days) > 1:
        return datetime.combine(day, moment.timetz())
    return min(max(moment, start), start + timedelta(days=1, microseconds=-1))


@dataclass
class SteppedClock:
    """A clock a replay moves by hand (`moment`), then lets go (`moment = None`): from
    then on it is `base` again. Services built while it was stepped (the dispatcher, the
    sheet hooks) keep this object, so they follow both."""

    zone: ZoneInfo
    base: Clock
    moment: datetime | None = None

    def now(self) -> datetime:
        return self.moment if self.moment is not None else self.base.now()

    def today(self) -> date:
        if self.moment is None:
            return self.base.today()
        return self.moment.astimezone(self.zone).date()
