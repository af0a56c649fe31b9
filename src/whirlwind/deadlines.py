"""Warning colours (预警颜色, domain.md §5.24): one policy for every record kind.

With a due date (整改期限, 线索处置/案件阶段时限): red once it has passed, yellow from
``yellow_days_before_due`` days before it, blue otherwise. Without one, an open record is
coloured by its age since receipt: blue up to ``blue_max_days``, yellow up to
``yellow_max_days``, red after that. Closed records carry no colour.

The thresholds are read once, from ``whirlwind.warning.*`` in the ini file, into a
``WarningPolicy`` kept on the registry (``policy(request)``). The colour of a row in Python
and the bounds a list filters on in SQL (``WarningPolicy.where``) come from the same
numbers, so a row listed under "yellow" is painted yellow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import and_, false, or_

PREFIX = "whirlwind.warning."
# Settings of an earlier, second colour rule; refused so an ini file that still sets them
# does not silently lose its meaning.
OBSOLETE = ("whirlwind.cases.limit.yellow_days_before_due",)

# The one place for the names of the colours.
COLOUR_LABELS = {"red": "红色预警", "yellow": "黄色预警", "blue": "蓝色提示"}
COLOUR_HINTS = {"red": "已逾期", "yellow": "临近期限", "blue": "正常"}
COLOUR_NAMES = {"red": "红", "yellow": "黄", "blue": "蓝"}
# Filter choices: "红色预警（已逾期）" …
COLOUR_CHOICES = {k: f"{v}（{COLOUR_HINTS[k]}）" for k, v in COLOUR_LABELS.items()}


class WarningSettingsError(ValueError):
    """A ``whirlwind.warning.*`` value is not a usable number of days."""


@dataclass(frozen=True)
class WarningPolicy:
    # Yellow this many days before the due date (Kuytun: 3) [L S22].
    yellow_days_before_due: int = 3
    # Without a due date: blue up to this age in days since receipt (≤ 1 month) [L S22].
    blue_max_days: int = 30
    # … yellow up to this age, red after it (> 2 months) [L S22].
    yellow_max_days: int = 60

    @classmethod
    def from_settings(cls, settings) -> WarningPolicy:
        values = {}
        for f in fields(cls):
            raw = (settings or {}).get(PREFIX + f.name)
            if raw in (None, ""):
                continue
            try:
                values[f.name] = int(raw)
            except (TypeError, ValueError):
                raise WarningSettingsError(
                    f"{PREFIX}{f.name} must be a whole number of days"
                ) from None
            if values[f.name] < 0:
                raise WarningSettingsError(f"{PREFIX}{f.name} must not be negative")
        policy = cls(**values)
        if policy.yellow_max_days < policy.blue_max_days:
            raise WarningSettingsError(
                f"{PREFIX}yellow_max_days must not be less than {PREFIX}blue_max_days"
            )
        return policy

    # --- one record in Python ---------------------------------------------------------

    def colour(
        self,
        due: dt.date | None,
        today: dt.date,
        *,
        received: dt.date | None = None,
    ) -> str | None:
        """The colour of an open record: by its due date, else by its age since
        ``received``; None when it has neither. Callers pass nothing for closed records."""
        if due is not None:
            return self.colour_for_due(due, today)
        return self.colour_for_age(received, today)

    def colour_for_due(self, due: dt.date | None, today: dt.date) -> str | None:
        if due is None:
            return None
        if today > due:
            return "red"
        if (due - today).days <= self.yellow_days_before_due:
            return "yellow"
        return "blue"

    def colour_for_age(self, received: dt.date | None, today: dt.date) -> str | None:
        if received is None:
            return None
        age = (today - received).days
        if age <= self.blue_max_days:
            return "blue"
        if age <= self.yellow_max_days:
            return "yellow"
        return "red"

    # --- the same rule as bounds, for lists filtered in SQL ------------------------------

    def due_bounds(self, colour: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """(earliest, latest) due date of a colour; None is open-ended."""
        yellow_until = today + dt.timedelta(days=self.yellow_days_before_due)
        if colour == "red":
            return None, today - dt.timedelta(days=1)
        if colour == "yellow":
            return today, yellow_until
        if colour == "blue":
            return yellow_until + dt.timedelta(days=1), None
        raise ValueError(colour)

    def received_bounds(self, colour: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
        """(earliest, latest) receipt date of a colour for records without a due date."""
        blue_from = today - dt.timedelta(days=self.blue_max_days)
        yellow_from = today - dt.timedelta(days=self.yellow_max_days)
        if colour == "red":
            return None, yellow_from - dt.timedelta(days=1)
        if colour == "yellow":
            return yellow_from, blue_from - dt.timedelta(days=1)
        if colour == "blue":
            return blue_from, None
        raise ValueError(colour)

    def where(self, colour: str, today: dt.date, due_column, received_column=None):
        """SQL condition "the row has ``colour``" (the caller adds "and it is open").

        Rows with a due date are judged by it; rows without one by ``received_column``
        when given, else they have no colour."""
        low, high = self.due_bounds(colour, today)
        by_due = and_(
            due_column.is_not(None),
            *([due_column >= low] if low is not None else []),
            *([due_column <= high] if high is not None else []),
        )
        if received_column is None:
            return by_due
        low, high = self.received_bounds(colour, today)
        if low is not None and high is not None and low > high:
            by_age = false()  # an empty band (blue_max_days == yellow_max_days)
        else:
            by_age = and_(
                due_column.is_(None),
                received_column.is_not(None),
                *([received_column >= low] if low is not None else []),
                *([received_column <= high] if high is not None else []),
            )
        return or_(by_due, by_age)


DEFAULT = WarningPolicy()


def includeme(config) -> None:
    """Read the thresholds once at start-up; a bad value stops the application starting."""
    settings = config.registry.settings
    for key in OBSOLETE:
        if settings.get(key) not in (None, ""):
            raise WarningSettingsError(f"{key} is no longer read: set {PREFIX}* instead")
    config.registry.warning_policy = WarningPolicy.from_settings(settings)


def policy(request_or_settings) -> WarningPolicy:
    """The configured policy: from a request (the registry's), or from a settings mapping
    (scripts and reports that only have the settings)."""
    registry = getattr(request_or_settings, "registry", None)
    if registry is not None:
        found = getattr(registry, "warning_policy", None)
        if found is not None:
            return found
        return WarningPolicy.from_settings(registry.settings)
    return WarningPolicy.from_settings(request_or_settings)


def overdue_days(due: dt.date | None, today: dt.date) -> int:
    return max(0, (today - due).days) if due else 0
