"""The calendar is derived from the catalogue: periods, labels, due dates, statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from whirlwind.disclosure.periods import (
    Status,
    classify,
    parse_key,
    period_containing,
    periods_due_between,
    periods_in_year,
)

D = dt.date


def test_month_periods_cover_the_year_with_correct_month_ends():
    months = periods_in_year("month", 2024)
    assert len(months) == 12
    assert months[0].key == "2024-01" and months[0].label == "2024年1月"
    assert months[1].end == D(2024, 2, 29)  # leap year
    assert periods_in_year("month", 2026)[1].end == D(2026, 2, 28)
    assert months[11].start == D(2024, 12, 1) and months[11].end == D(2024, 12, 31)


def test_quarter_half_and_year_periods_and_labels():
    q = periods_in_year("quarter", 2026)
    assert [p.key for p in q] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert q[0].label == "2026年第1季度" and q[0].end == D(2026, 3, 31)
    assert q[3].start == D(2026, 10, 1) and q[3].end == D(2026, 12, 31)
    h = periods_in_year("half", 2026)
    assert [(p.label, p.start, p.end) for p in h] == [
        ("2026年上半年", D(2026, 1, 1), D(2026, 6, 30)),
        ("2026年下半年", D(2026, 7, 1), D(2026, 12, 31)),
    ]
    (y,) = periods_in_year("year", 2026)
    assert (y.key, y.label, y.start, y.end) == ("2026", "2026年", D(2026, 1, 1), D(2026, 12, 31))
    assert periods_in_year("event", 2026) == []


def test_due_dates_at_boundaries_including_the_next_year():
    # Financial affairs by the 10th of the following month.
    assert parse_key("month", "2026-03").due(10) == D(2026, 4, 10)
    assert parse_key("month", "2026-01").due(31) == D(2026, 3, 3)
    assert parse_key("month", "2025-12").due(10) == D(2026, 1, 10)
    assert parse_key("quarter", "2025-Q4").due(15) == D(2026, 1, 15)
    assert parse_key("quarter", "2026-Q1").due(15) == D(2026, 4, 15)
    assert parse_key("half", "2025-H2").due(15) == D(2026, 1, 15)
    assert parse_key("half", "2026-H1").due(15) == D(2026, 7, 15)
    assert parse_key("year", "2025").due(31) == D(2026, 1, 31)
    assert parse_key("year", "2025").due(0) == D(2025, 12, 31)


def test_periods_due_in_a_range_include_last_years_periods():
    # What falls due in 2026 for a monthly item with 10 days: Dec 2025 … Nov 2026.
    keys = [p.key for p in periods_due_between("month", 10, D(2026, 1, 1), D(2026, 12, 31))]
    assert keys[0] == "2025-12" and keys[-1] == "2026-11" and len(keys) == 12
    assert [p.key for p in periods_due_between("quarter", 15, D(2026, 1, 1), D(2026, 12, 31))] == [
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
    ]
    assert [p.key for p in periods_due_between("year", 31, D(2026, 1, 1), D(2026, 12, 31))] == [
        "2025"
    ]
    assert [p.key for p in periods_due_between("half", 0, D(2026, 1, 1), D(2026, 12, 31))] == [
        "2026-H1",
        "2026-H2",
    ]
    # A single month.
    assert [p.key for p in periods_due_between("month", 10, D(2026, 4, 1), D(2026, 4, 30))] == [
        "2026-03"
    ]
    assert periods_due_between("event", 7, D(2026, 1, 1), D(2026, 12, 31)) == []


def test_period_keys_must_fit_the_frequency():
    assert parse_key("quarter", "2026-Q2").start == D(2026, 4, 1)
    assert period_containing("half", D(2026, 7, 1)).key == "2026-H2"
    assert period_containing("quarter", D(2026, 3, 31)).key == "2026-Q1"
    for freq, key in [
        ("month", "2026-13"),
        ("month", "2026-Q1"),
        ("quarter", "2026-Q5"),
        ("quarter", "2026-03"),
        ("half", "2026-H3"),
        ("year", "26"),
        ("year", "2026-01"),
        ("event", "2026-02-30"),
    ]:
        with pytest.raises(ValueError):
            parse_key(freq, key)
    event = parse_key("event", "2026-03-15")
    assert event.start == event.end == D(2026, 3, 15) and event.due(7) == D(2026, 3, 22)


def test_classification_on_time_late_missing_pending():
    due = D(2026, 4, 10)
    assert classify(due, D(2026, 4, 10), D(2026, 5, 1)) == Status.ON_TIME  # on the due day
    assert classify(due, D(2026, 4, 2), D(2026, 4, 5)) == Status.ON_TIME  # before it is due
    assert classify(due, D(2026, 4, 11), D(2026, 5, 1)) == Status.LATE
    assert classify(due, None, D(2026, 4, 10)) == Status.PENDING  # still the due day
    assert classify(due, None, D(2026, 4, 11)) == Status.MISSING
    assert Status.MISSING.label == "未公开" and Status.LATE.label == "逾期公开"
