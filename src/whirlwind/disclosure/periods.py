"""The disclosure calendar as pure functions (公开周期与期限).

What each village or community owes in each period is *derived* from the catalogue, never
typed: a frequency gives the periods (month, quarter, half-year, year), a deadline rule gives
the due date (period end + N days, which may fall in the next year), and a publication date
against the due date gives the status. Event-driven (即时) and one-off (专项) items are due N
days after the event date recorded on the disclosure record.

Period keys are stable strings stored on records: ``2026-03`` (month), ``2026-Q1``
(quarter), ``2026-H1`` (half-year), ``2026`` (year), and for event items the event date
``2026-03-15``.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import enum
import re
from dataclasses import dataclass


class Frequency(enum.StrEnum):
    """§5.9 公开频次."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    EVENT = "event"
    SPECIAL = "special"

    @property
    def label(self) -> str:
        return FREQUENCY_LABELS[self]

    @property
    def periodic(self) -> bool:
        return self in PERIODIC


FREQUENCY_LABELS = {
    Frequency.MONTH: "每月",
    Frequency.QUARTER: "每季度",
    Frequency.HALF: "每半年",
    Frequency.YEAR: "每年",
    Frequency.EVENT: "即时（事项发生后）",
    Frequency.SPECIAL: "专项（重大事项一事一公开）",
}
PERIODIC = (Frequency.MONTH, Frequency.QUARTER, Frequency.HALF, Frequency.YEAR)
# Number of months in one period of each periodic frequency.
MONTHS = {Frequency.MONTH: 1, Frequency.QUARTER: 3, Frequency.HALF: 6, Frequency.YEAR: 12}


class Status(enum.StrEnum):
    """§4.6 status of one (org, item, period)."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.ON_TIME: "按时公开",
    Status.LATE: "逾期公开",
    Status.MISSING: "未公开",
    Status.PENDING: "待公开",
}


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.date
    end: dt.date

    def due(self, days: int) -> dt.date:
        return due_date(self.end, days)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _cal.monthrange(year, month)[1])


def _label(frequency: Frequency, year: int, index: int) -> tuple[str, str]:
    if frequency == Frequency.MONTH:
        return f"{year}-{index:02d}", f"{year}年{index}月"
    if frequency == Frequency.QUARTER:
        return f"{year}-Q{index}", f"{year}年第{index}季度"
    if frequency == Frequency.HALF:
        return f"{year}-H{index}", f"{year}年{'上' if index == 1 else '下'}半年"
    return f"{year}", f"{year}年"


def period_of(frequency: str, year: int, index: int) -> Period:
    """The ``index``-th period (1-based) of ``year``."""
    frequency = Frequency(frequency)
    size = MONTHS[frequency]
    if not 1 <= index <= 12 // size:
        raise ValueError(f"no period {index} of {frequency} in a year")
    first_month = (index - 1) * size + 1
    last_month = first_month + size - 1
    key, label = _label(frequency, year, index)
    return Period(key, label, dt.date(year, first_month, 1), _month_end(year, last_month))


def periods_in_year(frequency: str, year: int) -> list[Period]:
    frequency = Frequency(frequency)
    if not frequency.periodic:
        return []
    return [period_of(frequency, year, i) for i in range(1, 12 // MONTHS[frequency] + 1)]


def period_containing(frequency: str, day: dt.date) -> Period:
    frequency = Frequency(frequency)
    size = MONTHS[frequency]
    return period_of(frequency, day.year, (day.month - 1) // size + 1)


_KEY_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), Frequency.MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), Frequency.QUARTER),
    (re.compile(r"^(\d{4})-H([12])$"), Frequency.HALF),
    (re.compile(r"^(\d{4})$"), Frequency.YEAR),
)


def parse_key(frequency: str, key: str) -> Period:
    """The period a stored key names; ``ValueError`` when the key does not fit ``frequency``."""
    frequency = Frequency(frequency)
    key = (key or "").strip()
    if not frequency.periodic:
        day = dt.date.fromisoformat(key)  # raises ValueError
        return event_period(day)
    for pattern, freq in _KEY_PATTERNS:
        match = pattern.match(key)
        if match and freq == frequency:
            year = int(match.group(1))
            index = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 1
            if not 1990 <= year <= 2100:
                break
            return period_of(frequency, year, index)
    raise ValueError(f"period key {key!r} does not fit {frequency}")


def event_period(day: dt.date) -> Period:
    return Period(day.isoformat(), f"{day.year}年{day.month}月{day.day}日事项", day, day)


def due_date(period_end: dt.date, days: int) -> dt.date:
    """Period end + N days (a March deadline of 10 days is 10 April; December's falls in
    January of the next year)."""
    return period_end + dt.timedelta(days=days)


def periods_due_between(frequency: str, days: int, first: dt.date, last: dt.date) -> list[Period]:
    """Periods whose due date lies in [first, last] (the obligations of those months)."""
    frequency = Frequency(frequency)
    if not frequency.periodic or last < first:
        return []
    result = []
    # A due date in `first` may belong to a period ending long before (large N); start early.
    start = first - dt.timedelta(days=max(days, 0) + 1)
    for year in range(start.year - 1, last.year + 1):
        for period in periods_in_year(frequency, year):
            if first <= period.due(days) <= last:
                result.append(period)
    return result


def periods_ending_in_year(frequency: str, year: int) -> list[Period]:
    """The periods a calendar of ``year`` shows (those that end in the year)."""
    return periods_in_year(frequency, year)


def classify(due: dt.date, published_on: dt.date | None, today: dt.date) -> Status:
    """按时公开 (published on or before the due date), 逾期公开 (after it), 未公开 (due date
    passed, nothing published), 待公开 (not yet due, nothing published)."""
    if published_on is not None:
        return Status.ON_TIME if published_on <= due else Status.LATE
    return Status.MISSING if today > due else Status.PENDING


def month_key(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def months_of_year(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def month_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def month_label(key: str) -> str:
    _year, month = key.split("-")
    return f"{int(month)}月"
