"""Report periods at month, quarter and year boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from whirlwind.errors import ValidationFailed
from whirlwind.reports.periods import Period, containing, parse, recent_months


def test_month_boundaries():
    dec = Period("month", 2025, 12)
    assert dec.start == dt.date(2025, 12, 1) and dec.end == dt.date(2026, 1, 1)
    assert dec.next() == Period("month", 2026, 1)
    assert Period("month", 2026, 1).previous() == dec
    assert Period("month", 2024, 2).last_day == dt.date(2024, 2, 29)


def test_quarter_boundaries():
    q4 = containing("quarter", dt.date(2025, 11, 30))
    assert (q4.number, q4.start, q4.end) == (4, dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    assert q4.next() == Period("quarter", 2026, 1)
    assert [m.number for m in Period("quarter", 2026, 2).months()] == [4, 5, 6]
    assert q4.label == "2025年第4季度"


def test_year():
    y = parse("year", "2026", dt.date(2026, 5, 1))
    assert (y.start, y.end, len(y.months())) == (dt.date(2026, 1, 1), dt.date(2027, 1, 1), 12)
    assert y.previous().label == "2025年"


def test_parse_defaults_and_errors():
    assert parse("month", "", dt.date(2026, 3, 15)) == Period("month", 2026, 3)
    assert parse("quarter", "2026-Q3", dt.date(2026, 1, 1)).start == dt.date(2026, 7, 1)
    for kind, key in (("month", "2026-13"), ("quarter", "2026-Q5"), ("year", "abc"), ("week", "")):
        with pytest.raises(ValidationFailed):
            parse(kind, key, dt.date(2026, 1, 1))


def test_recent_months_cross_year():
    months = recent_months(dt.date(2026, 2, 10), 3)
    assert [m.key for m in months] == ["2025-12", "2026-01", "2026-02"]
