"""Killing a real process at a point of its own progress (see ``whirlwind.faults``).

``kill_at`` starts a command with ``WHIRLWIND_PAUSE_AT`` naming a pause point and visit,
waits until the process reports that it has paused there and SIGKILLs it. Where it dies is
decided by the program's progress, never by a delay, so a fast machine and a busy one kill
it at the same place. The wait has a ceiling only for a process that hangs or never reaches
the point (a broken test), not as a measure of speed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

CEILING = 600.0  # seconds: a stuck process, not a slow one


class EndedBeforePause(AssertionError):
    """The process finished (or failed) without reaching the named point."""


def kill_at(
    cmd: list[str], point: str, visit: int, workdir: Path, *, env=None, while_paused=None
) -> str:
    """Run ``cmd`` until it pauses at ``point`` on its ``visit``-th visit, then SIGKILL it.

    ``while_paused()``, when given, runs while the process is held at the point (writes
    made then are committed while the process is mid-step). Returns the marker line the
    process wrote (``"<point> <visit>"``). Raises
    :class:`EndedBeforePause` with the process's stderr when it ended first."""
    marker = Path(workdir) / "paused"
    marker.unlink(missing_ok=True)
    errors = Path(workdir) / "stderr.log"
    environment = {
        **(env or os.environ),
        "WHIRLWIND_PAUSE_AT": f"{point}:{visit}",
        "WHIRLWIND_PAUSE_FILE": str(marker),
    }
    with open(errors, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=environment)
        try:
            deadline = time.monotonic() + CEILING
            while not marker.exists():
                if proc.poll() is not None:
                    raise EndedBeforePause(
                        f"exit {proc.returncode} before {point}:{visit}: "
                        + errors.read_text("utf-8", "replace")[-2000:]
                    )
                if time.monotonic() > deadline:
                    raise AssertionError(f"{cmd[:4]} hung before {point}:{visit}")
                time.sleep(0.02)
            if while_paused is not None:
                while_paused()
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait(60)
    assert proc.returncode == -signal.SIGKILL, f"the process ended itself ({proc.returncode})"
    return marker.read_text("utf-8").strip()
