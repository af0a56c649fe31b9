"""Warning colours (预警颜色, domain.md §5.24), thresholds from the ini file.

With a due date: blue (normal) → yellow N days before → red when overdue.
Without one: by age since receipt, ≤ blue_max_days blue, ≤ yellow_max_days yellow, else red.
"""

from __future__ import annotations

import datetime as dt

from whirlwind.settings import as_int


def thresholds(settings) -> dict[str, int]:
    return {
        "yellow_days_before_due": as_int(settings, "whirlwind.warning.yellow_days_before_due", 3),
        "blue_max_days": as_int(settings, "whirlwind.warning.blue_max_days", 30),
        "yellow_max_days": as_int(settings, "whirlwind.warning.yellow_max_days", 60),
    }


def colour_for_due(due: dt.date | None, today: dt.date, settings) -> str | None:
    if due is None:
        return None
    t = thresholds(settings)
    if today > due:
        return "red"
    if (due - today).days <= t["yellow_days_before_due"]:
        return "yellow"
    return "blue"


def colour_for_age(received: dt.date | None, today: dt.date, settings) -> str | None:
    if received is None:
        return None
    t = thresholds(settings)
    age = (today - received).days
    if age <= t["blue_max_days"]:
        return "blue"
    if age <= t["yellow_max_days"]:
        return "yellow"
    return "red"


def overdue_days(due: dt.date | None, today: dt.date) -> int:
    return max(0, (today - due).days) if due else 0
