"""Time limits of clue disposal and case stages (domain.md §4.4, §4.5, §6). Their warning
colours follow the one policy in ``whirlwind.deadlines`` (§5.24).

Every limit is a number of calendar days read from the ini file
(``whirlwind.cases.limit.<name>``); the defaults below are the values domain.md gives,
most of them marked [U] (unconfirmed) and therefore configurable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

PREFIX = "whirlwind.cases.limit."


@dataclass(frozen=True)
class Limits:
    # 处置建议: from receipt (or from the outcome that calls for a new disposal) to approval [U].
    proposal_days: int = 30
    # 谈话函询: written reply within 15 working days (≈ 21 calendar days) [U].
    talk_inquiry_days: int = 21
    # 初步核实 [U].
    verification_days: int = 60
    # 暂存待查: periodic review [U].
    shelve_review_days: int = 90
    # 审查调查 ≤ 90 days, one extension of 90 days [U].
    investigation_days: int = 90
    extension_days: int = 90
    # 审理 within one month of acceptance [U].
    review_days: int = 30
    # Decision announced within one month [C S25].
    announce_days: int = 30
    # Execution reported within six months [C S25].
    execution_days: int = 180

    @classmethod
    def from_settings(cls, settings) -> Limits:
        values = {}
        for f in fields(cls):
            raw = (settings or {}).get(PREFIX + f.name)
            if raw not in (None, ""):
                values[f.name] = int(raw)
        return cls(**values)


DEFAULT = Limits()


def request_limits(request) -> Limits:
    return Limits.from_settings(request.registry.settings)


def add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)
