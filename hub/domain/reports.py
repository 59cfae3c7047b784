"""Receivables reports as pure calculations: aging buckets, DSO, CEI, summary.

The ledger queries in hub.services.read.reports aggregate in SQL and hand the sums to
these functions. Amounts in different currencies are never added together: every
row belongs to one (group, currency) pair.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from operator import itemgetter

from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.i18n import N_
from hub.i18n import lazy_gettext

ONE_DECIMAL = Decimal("0.1")
GROUPINGS: tuple[str, ...] = ("currency", "owner", "department", "customer")
DSO_MONTHS = 12  # how far the countback walks before it reports "more than"
Key = tuple[str | None, str]  # (group label or None, currency)


@dataclass(frozen=True, slots=True)
class AgingBucket:
    key: str  # stable identifier for CSV/JSON
    label: str  # what a person reads in a table header
    first_day: int  # days overdue, inclusive
    last_day: int | None  # inclusive; None = no upper bound


BUCKETS: tuple[AgingBucket, ...] = (
    AgingBucket("current", N_("current"), 0, 0),  # not yet due (due today counts as current)
    AgingBucket("1_30", "1-30", 1, 30),
    AgingBucket("31_60", "31-60", 31, 60),
    AgingBucket("61_90", "61-90", 61, 90),
    AgingBucket("91_180", "91-180", 91, 180),
    AgingBucket("over_180", N_("over 180"), 181, None),
)
BUCKET_KEYS: tuple[str, ...] = tuple(bucket.key for bucket in BUCKETS)


def check_grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise UserError(lazy_gettext("cannot group a report by %(by)s; choose one of %(names)s",
                                     by=repr(by), names=', '.join(GROUPINGS)))
    return by


def bucket_for(days_overdue: int) -> str:
    """Key of the bucket for an invoice this many days past due (<= 0: current)."""
    for bucket in BUCKETS:
        if bucket.last_day is None or days_overdue <= bucket.last_day:
            return bucket.key
    raise AssertionError("the last bucket is open-ended")


def bucket_cutoffs(as_of: date) -> list[tuple[str, date]]:
    """(bucket key, earliest due date in it) for every bucket but the last.

    An invoice falls in the first bucket whose cutoff its due date is on or after,
    so SQL can bucket by comparing dates, with no date arithmetic per row.
    """
    return [(b.key, as_of - timedelta(days=b.last_day))
            for b in BUCKETS if b.last_day is not None]


def percent(part: Decimal, whole: Decimal) -> Decimal:
    """`part` as a percentage of `whole`, one decimal; 0 when `whole` is 0."""
    if whole == 0:
        return Decimal("0.0")
    return (part * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


# --- aging ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgingCell:
    """What SQL returns: the open amount and invoice count of one bucket of a row."""

    group: str | None
    currency: str
    bucket: str
    open_minor: int
    count: int


@dataclass(frozen=True, slots=True)
class AgingRow:
    """One (group, currency) row, kept in the ledger's integer minor units: a report by
    customer has tens of thousands of rows, and a `Money` per cell took half its time
    (issue 16). `amounts`, `total` and `overdue` build `Money` when someone asks."""

    group: str | None
    currency: str
    minor: dict[str, int]  # open amount per bucket, minor units; every bucket is present
    counts: dict[str, int]
    # Worked out once; so the dicts are not to change.
    total_minor: int = field(init=False)
    count: int = field(init=False)
    _amounts: dict[str, Money] = field(init=False, repr=False, compare=False)
    _shares: dict[str, Decimal] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_minor", sum(self.minor.values()))
        object.__setattr__(self, "count", sum(self.counts.values()))
        object.__setattr__(self, "_amounts", {})
        object.__setattr__(self, "_shares", {})

    @property
    def amounts(self) -> dict[str, Money]:
        if not self._amounts:
            self._amounts.update((bucket, Money.from_minor(value, self.currency))
                                 for bucket, value in self.minor.items())
        return self._amounts

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

    @property
    def overdue_minor(self) -> int:
        return self.total_minor - self.minor["current"]

    @property
    def overdue(self) -> Money:
        return Money.from_minor(self.overdue_minor, self.currency)

    def share(self, bucket: str) -> Decimal:
        """The bucket's share of this row's total open amount, in percent."""
        found = self._shares.get(bucket)
        if found is None:
            found = self._shares[bucket] = share_of(self.minor[bucket], self.total_minor)
        return found


def share_of(part: int, whole: int) -> Decimal:
    """`percent` of two integer amounts (minor units: the scale cancels out), in integer
    arithmetic: exact, where Decimal divides to 28 digits first (the same result for any
    amount below 10^25 minor units)."""
    if part < 0 or whole <= 0:
        return percent(Decimal(part), Decimal(whole))
    return Decimal((part * 2000 + whole) // (2 * whole)).scaleb(-1)  # tenths, half up


def share_text(part: int, whole: int) -> str:
    """`str(share_of(part, whole))` without building the Decimal (a report's table)."""
    if part < 0 or whole <= 0:
        return str(share_of(part, whole))
    tenths = (part * 2000 + whole) // (2 * whole)
    return f"{tenths // 10}.{tenths % 10}"


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    by: str
    rows: list[AgingRow]
    totals: list[AgingRow]  # one per currency; group is None


def build_aging(cells: Iterable[AgingCell]) -> list[AgingRow]:
    """Gather bucket cells into one row per (group, currency), sorted."""
    minor: dict[Key, dict[str, int]] = {}
    counts: dict[Key, dict[str, int]] = {}
    for cell in cells:
        key = (cell.group, cell.currency)
        minor.setdefault(key, dict.fromkeys(BUCKET_KEYS, 0))[cell.bucket] += cell.open_minor
        counts.setdefault(key, dict.fromkeys(BUCKET_KEYS, 0))[cell.bucket] += cell.count
    return sort_aging(AgingRow(group, currency, minor[(group, currency)],
                               counts[(group, currency)]) for group, currency in minor)


def sort_aging(rows: Iterable[AgingRow]) -> list[AgingRow]:
    """Rows in report order: by currency, groups before the row without one, by group."""
    return sorted(rows, key=lambda row: _sort_key((row.group, row.currency)))


def aging_totals(rows: Iterable[AgingRow]) -> list[AgingRow]:
    """One row per currency adding up every group in that currency."""
    per_currency: dict[str, list[AgingRow]] = {}
    for row in rows:
        per_currency.setdefault(row.currency, []).append(row)
    totals = []
    for currency in sorted(per_currency):
        minor = [row.minor for row in per_currency[currency]]
        counts = [row.counts for row in per_currency[currency]]
        totals.append(AgingRow(None, currency,
                               {key: sum(map(itemgetter(key), minor)) for key in BUCKET_KEYS},
                               {key: sum(map(itemgetter(key), counts)) for key in BUCKET_KEYS}))
    return totals


@dataclass(frozen=True, slots=True)
class LeftOut:
    """What the rows of one currency that `top_overdue` left out add up to."""

    currency: str
    rows: int
    total_minor: int
    overdue_minor: int


def top_overdue(rows: Iterable[AgingRow], count: int
                ) -> tuple[list[AgingRow], list[LeftOut]]:
    """Per currency (amounts in different currencies are not compared), the `count` rows
    with the most overdue, largest first (then by group), and per currency what the other
    rows add up to (none where nothing was left out)."""
    per_currency: dict[str, list[AgingRow]] = {}
    for row in rows:
        per_currency.setdefault(row.currency, []).append(row)
    shown: list[AgingRow] = []
    left_out: list[LeftOut] = []
    for currency in sorted(per_currency):
        ranked = sorted(per_currency[currency],
                        key=lambda row: (-row.overdue_minor, _sort_key((row.group, currency))))
        shown += ranked[:count]
        rest = ranked[count:]
        if rest:
            left_out.append(LeftOut(currency, len(rest), sum(r.total_minor for r in rest),
                                    sum(r.overdue_minor for r in rest)))
    return shown, left_out


def _sort_key(key: Key) -> tuple[str, int, str]:
    group, currency = key
    return (currency, 0 if group is not None else 1, group or "")


# --- DSO ----------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's end.

    A month's last day maps to the other month's last day (30 Jun -> 31 May), so a
    report on a month end walks back through whole calendar months.
    """
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return date(year, month, last)
    return date(year, month, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days from `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_windows(as_of: date, count: int) -> list[Period]:
    """`count` consecutive calendar months ending on `as_of`, newest first.

    As of 23 Nov: 24 Oct-23 Nov, 24 Sep-23 Oct, ... (each one calendar month long).
    """
    return [Period(months_before(as_of, i + 1) + timedelta(days=1), months_before(as_of, i))
            for i in range(count)]


def calendar_months(as_of: date, count: int) -> list[Period]:
    """The last `count` whole calendar months that have ended by `as_of`, newest first.

    Each runs from the 1st to the month's last day, so a report labels it with a real
    month end. As of 23 Nov: 1-31 Oct, 1-30 Sep, ...; as of 30 Nov, November is whole
    and comes first. (Rolling windows from `month_windows` end on the as-of day, which
    is why "month end" once read the 2nd of every month on a report run on the 2nd.)
    """
    last = calendar.monthrange(as_of.year, as_of.month)[1]
    newest_end = as_of if as_of.day == last else as_of.replace(day=1) - timedelta(days=1)
    found = []
    for i in range(count):
        end = months_before(newest_end, i)
        found.append(Period(end.replace(day=1), end))
    return found


@dataclass(frozen=True, slots=True)
class Countback:
    days: Decimal
    complete: bool  # False: sales history ran out first, so `days` is a lower bound


def countback_dso(receivables: Decimal, months: Sequence[Period],
                  sales: Sequence[Decimal]) -> Countback:
    """Days sales outstanding by the countback method.

    Walk back month by month (newest first): while the receivables left exceed a
    month's credit sales, that whole month's days count and its sales are used up;
    the month that covers the rest counts in proportion, rest / sales x days.
    """
    remaining = receivables
    days = Decimal(0)
    for period, month_sales in zip(months, sales, strict=True):
        if remaining <= 0:
            break
        if month_sales > remaining:
            days += period.days * remaining / month_sales
            remaining = Decimal(0)
        else:
            days += period.days
            remaining -= month_sales
    return Countback(days.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP), remaining <= 0)


def simple_dso(receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Receivables / credit sales x days; None when there were no sales."""
    if sales <= 0:
        return None
    return (receivables / sales * days).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Balance:
    """Receivables of one (group, currency) on one date."""

    total: Money
    current: Money  # not yet due
    count: int = 0

    @property
    def overdue(self) -> Money:
        return self.total - self.current


def balances(rows: Iterable[AgingRow]) -> dict[Key, Balance]:
    return {(r.group, r.currency): Balance(r.total, Money.from_minor(r.minor["current"],
                                                                     r.currency), r.count)
            for r in rows}


@dataclass(frozen=True, slots=True)
class DsoRow:
    group: str | None
    currency: str
    receivables: Money
    current: Money
    countback: Countback
    best_possible: Countback  # countback of the receivables not yet due
    simple: Decimal | None  # receivables / sales x days over `simple_window`

    @property
    def average_days_delinquent(self) -> Decimal:
        """ADD = DSO - best possible DSO: how late, on average, customers pay."""
        return self.countback.days - self.best_possible.days


@dataclass(frozen=True, slots=True)
class DsoReport:
    as_of: date
    by: str
    months: list[Period]
    simple_window: Period
    rows: list[DsoRow]


def build_dso(as_of: date, by: str, *, months: list[Period], simple_months: int,
              receivables: Mapping[Key, Balance],
              sales: Mapping[Key, Sequence[Decimal]]) -> DsoReport:
    """One DSO row per (group, currency) that has receivables on `as_of`.

    `sales[key][i]` is the credit sales of `months[i]`; missing keys sold nothing.
    """
    window = Period(months[simple_months - 1].start, months[0].end)
    rows = []
    for key in sorted(receivables, key=_sort_key):
        balance = receivables[key]
        monthly = list(sales.get(key, [Decimal(0)] * len(months)))
        rows.append(DsoRow(
            key[0], key[1], balance.total, balance.current,
            countback_dso(balance.total.amount, months, monthly),
            countback_dso(balance.current.amount, months, monthly),
            simple_dso(balance.total.amount, sum(monthly[:simple_months], Decimal(0)),
                       window.days),
        ))
    return DsoReport(as_of, by, months, window, rows)


# --- CEI and the period summary ------------------------------------------------


def collection_effectiveness(beginning: Decimal, sales: Decimal, ending_total: Decimal,
                             ending_current: Decimal) -> Decimal | None:
    """CEI in percent: of what could be collected in a period, how much was.

    (beginning + sales - ending total) / (beginning + sales - ending current) x 100;
    None when nothing was collectible (the denominator is not positive).
    """
    collectible = beginning + sales - ending_current
    if collectible <= 0:
        return None
    return ((beginning + sales - ending_total) * 100 / collectible).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """Movements of one (group, currency) over a period; feeds CEI and the summary."""

    group: str | None
    currency: str
    opening: Balance  # at the end of the day before the period starts
    invoiced: Money  # credit sales: invoices issued in the period
    collected: Money  # payments applied to invoices in the period
    received: Money  # cash received in the period, applied or not
    closing: Balance  # at the end of the period

    @property
    def cei(self) -> Decimal | None:
        return collection_effectiveness(self.opening.total.amount, self.invoiced.amount,
                                        self.closing.total.amount,
                                        self.closing.current.amount)

    @property
    def adjustments(self) -> Money:
        """What opening + invoiced - collected does not explain: write-offs,
        cancellations, and payments the ERP reported without an allocation."""
        return self.closing.total - (self.opening.total + self.invoiced - self.collected)


@dataclass(frozen=True, slots=True)
class PeriodReport:
    as_of: date
    by: str
    period: Period
    rows: list[PeriodRow] = field(default_factory=list)


def build_period(as_of: date, by: str, period: Period, *, opening: Mapping[Key, Balance],
                 closing: Mapping[Key, Balance], invoiced: Mapping[Key, Money],
                 collected: Mapping[Key, Money],
                 received: Mapping[Key, Money]) -> PeriodReport:
    """Join the per-key figures; a key missing from one mapping counts as zero."""
    keys = set(opening) | set(closing) | set(invoiced) | set(collected) | set(received)
    rows = []
    for key in sorted(keys, key=_sort_key):
        zero = Money.zero(key[1])
        empty = Balance(zero, zero)
        rows.append(PeriodRow(key[0], key[1], opening.get(key, empty),
                              invoiced.get(key, zero), collected.get(key, zero),
                              received.get(key, zero), closing.get(key, empty)))
    return PeriodReport(as_of, by, period, rows)


def period_ending(as_of: date, *, start: date | None = None,
                  days: int | None = None) -> Period:
    """The report period ending on `as_of`: from `start`, or the last `days` days,
    or by default the calendar month ending on `as_of`."""
    if start is not None and days is not None:
        raise UserError("give either a start date (--from) or a number of days, not both")
    if days is not None:
        if days < 1:
            raise UserError(f"a period is at least one day long, got {days} days")
        return Period(as_of - timedelta(days=days - 1), as_of)
    if start is None:
        return month_windows(as_of, 1)[0]
    if start > as_of:
        raise UserError(f"the period starts on {start}, after it ends on {as_of}")
    return Period(start, as_of)
