"""The one clock: "today" is a date in Asia/Shanghai, "now" an aware instant in UTC.

Users work in Beijing time; servers often run in UTC. ``datetime.date.today()`` reads the
server's zone, so between 00:00 and 08:00 Beijing time it would return yesterday and every
deadline, overdue count and warning colour would be a day off. Code asks this module
instead:

- ``today()`` — the calendar date in Asia/Shanghai (deadlines, colours, defaults in forms,
  export file names);
- ``now()`` — an aware datetime in UTC, how timestamps are stored (``db.UTCDateTime``);
- ``local_now()`` — the same instant in Asia/Shanghai, for display.

``source`` is the seam: a function returning the current instant as an aware datetime.
Tests replace it (``monkeypatch.setattr(clock, "source", ...)``) to run at a chosen time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def system_now() -> dt.datetime:
    """The process clock, as an aware datetime in UTC."""
    return dt.datetime.now(dt.UTC)


source = system_now


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return source().astimezone(dt.UTC)


def local_now() -> dt.datetime:
    """The current instant, aware, in Asia/Shanghai."""
    return source().astimezone(SHANGHAI)


def today() -> dt.date:
    """Today's date in Asia/Shanghai."""
    return local_now().date()
