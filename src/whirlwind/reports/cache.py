"""A short-lived, per-process cache of dashboard sections.

A city-wide dashboard runs a dozen aggregate queries over whole tables (about a second at
100k cases); leaders reading it do not need the numbers of this very second. A section's
figures are kept for ``whirlwind.report.cache_seconds`` (default 300, 0 turns the cache
off) under a key of everything they depend on: the viewer's unit (jurisdiction), their
permissions (which links are drawn), the section and the day. Nothing outside the viewer's
jurisdiction can be served from another viewer's entry, since the unit is in the key.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from whirlwind.settings import as_int

MAX_ENTRIES = 512


class TTLCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic):
        self._data: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def get_or_compute(self, key: Hashable, ttl: int, compute: Callable[[], object]):
        """The cached value with the time it was computed (a ``time.time()`` stamp)."""
        if ttl <= 0:
            return compute(), time.time()
        now = self._clock()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and now - hit[0] < ttl:
                self._data.move_to_end(key)
                return hit[1]
        value = (compute(), time.time())
        with self._lock:
            self._data[key] = (now, value)
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


SECTIONS = TTLCache()


def cache_seconds(settings) -> int:
    return as_int(settings, "whirlwind.report.cache_seconds", 300)


def section_key(identity, title: str, day) -> tuple:
    return (identity.org_id, identity.permissions, title, day)
