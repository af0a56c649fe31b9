"""Report periods (报告期): a month (月研判), a quarter (季调度) or a year (年考核), with the
period before it for "changes against last month"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from whirlwind.errors import ValidationFailed

KINDS = {"month": "月", "quarter": "季度", "year": "年度"}


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    number: int  # month 1-12, quarter 1-4, or 1 for a year

    @property
    def start(self) -> dt.date:
        if self.kind == "month":
            return dt.date(self.year, self.number, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * (self.number - 1) + 1, 1)
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        """First day *after* the period (half-open interval [start, end))."""
        return self.next().start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.number}季度"
        return f"{self.year}年"

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return f"{self.year}"

    def next(self) -> Period:
        size = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if self.number < size:
            return Period(self.kind, self.year, self.number + 1)
        return Period(self.kind, self.year + 1, 1)

    def previous(self) -> Period:
        size = {"month": 12, "quarter": 4, "year": 1}[self.kind]
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, size)

    def months(self) -> list[Period]:
        """The months inside the period, in order."""
        out, p = [], Period("month", self.start.year, self.start.month)
        while p.start < self.end:
            out.append(p)
            p = p.next()
        return out


def containing(kind: str, day: dt.date) -> Period:
    if kind == "month":
        return Period("month", day.year, day.month)
    if kind == "quarter":
        return Period("quarter", day.year, (day.month - 1) // 3 + 1)
    if kind == "year":
        return Period("year", day.year, 1)
    raise ValidationFailed(f"未知的报告期类型：{kind}")


def parse(kind: str, key: str | None, today: dt.date) -> Period:
    """A period from ``kind`` and ``key`` (``2026-03``, ``2026-Q1``, ``2026``); the current
    one when ``key`` is empty. Bad values answer a Chinese message."""
    if kind not in KINDS:
        raise ValidationFailed(f"未知的报告期类型：{kind}", fields={"kind": "无效"})
    if not key:
        return containing(kind, today)
    try:
        if kind == "month":
            year, month = key.split("-")
            period = Period("month", int(year), int(month))
            if not 1 <= period.number <= 12:
                raise ValueError
        elif kind == "quarter":
            year, q = key.split("-Q")
            period = Period("quarter", int(year), int(q))
            if not 1 <= period.number <= 4:
                raise ValueError
        else:
            period = Period("year", int(key), 1)
        if not 1990 <= period.year <= 2100:
            raise ValueError
    except ValueError:
        raise ValidationFailed(
            f"报告期“{key}”格式不正确。", fields={"period": "格式不正确"}
        ) from None
    return period


def recent_months(today: dt.date, count: int = 12) -> list[Period]:
    p = containing("month", today)
    out = [p]
    for _ in range(count - 1):
        p = p.previous()
        out.append(p)
    return list(reversed(out))
