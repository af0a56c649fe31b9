"""This year in Asia/Shanghai, for the supervision area (today is ``whirlwind.clock``)."""

from __future__ import annotations

from whirlwind.clock import today


def this_year() -> int:
    return today().year
