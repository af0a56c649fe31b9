"""Named pause points: where a crash test stops a real process before it kills it.

A crash test must decide *where* a process dies from the program's own progress, never from
"it will still be running after N ms" (a fast machine finishes first, a busy one has not
started). The importer and the indexer call :func:`pause_point` at the moments that matter
(a chunk written but not committed, committed but the next not begun, an index segment
written but its sequence not recorded …). The point is inert unless the environment names
it::

    WHIRLWIND_PAUSE_AT=import.chunk_written:3   # the 3rd time this point is reached
    WHIRLWIND_PAUSE_FILE=/tmp/x/paused          # written once the process has paused

On the named visit the process writes ``<point> <visit>`` to the file and then waits until
it is killed. Several points can be named, separated by commas; the first one reached on its
visit pauses the process.
"""

from __future__ import annotations

import os
import time

_visits: dict[str, int] = {}


def _targets(spec: str) -> dict[str, int]:
    targets = {}
    for part in spec.split(","):
        name, _, visit = part.strip().partition(":")
        if name:
            targets[name] = int(visit or 1)
    return targets


def pause_point(name: str) -> None:
    """Pause here for good when the environment names this point and visit (tests only)."""
    spec = os.environ.get("WHIRLWIND_PAUSE_AT")
    if not spec:
        return
    visit = _visits.get(name, 0) + 1
    _visits[name] = visit
    if _targets(spec).get(name) != visit:
        return
    marker = os.environ.get("WHIRLWIND_PAUSE_FILE")
    if marker:
        tmp = f"{marker}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"{name} {visit}\n")
        os.replace(tmp, marker)  # the test sees the whole line or nothing
    while True:  # until the test kills the process
        time.sleep(3600)
