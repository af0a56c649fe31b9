"""Pause points are inert unless named, and pause on the named visit only."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.processes import EndedBeforePause, kill_at
from whirlwind import faults

LOOP = "from whirlwind.faults import pause_point\nfor i in range(5):\n    pause_point('step')\n"


def test_unnamed_points_do_nothing(monkeypatch):
    monkeypatch.delenv("WHIRLWIND_PAUSE_AT", raising=False)
    for _ in range(3):
        faults.pause_point("import.chunk_written")  # returns at once


def test_a_process_pauses_on_the_named_visit_and_is_killed_there(tmp_path):
    assert kill_at([sys.executable, "-c", LOOP], "step", 3, tmp_path) == "step 3"


def test_a_point_never_reached_is_reported(tmp_path):
    with pytest.raises(EndedBeforePause):
        kill_at([sys.executable, "-c", LOOP], "step", 6, tmp_path)
    with pytest.raises(EndedBeforePause):
        kill_at([sys.executable, "-c", LOOP], "other", 1, tmp_path)
    assert subprocess.run([sys.executable, "-c", LOOP], check=False).returncode == 0
