"""Crash consistency of a running historical import (``whirlwind import INI FILE``).

The import commits in chunks (``--chunk`` rows per transaction) and skips 编号 already in
the database, so an interrupted import is finished by running it again. The test starts the
real command on a generated workbook and SIGKILLs it at random points (after a random number
of committed chunks plus a random delay, so the kill lands inside a chunk's transaction as
well as between chunks), at least ten times within a bounded time. After every kill:

- only whole chunks are in the database (the count of imported clues is a multiple of the
  chunk size, or everything): no partial chunk, and no partial record (every clue has both
  reported persons, every row with 立案日期 its case, every clue its search outbox row);
- no 编号 appears twice.

Then the import is run to the end: exactly one clue per row, and after
``whirlwind index --once`` the index equals the database (``whirlwind index --check``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import make_tree, make_users
from whirlwind.cases.models import CaseClue, Clue, ClueReportedPerson
from whirlwind.outbox import SearchOutbox

ROWS = 400  # enough rows that ten kills land before the (fast) import finishes
CHUNK = 10
MIN_KILLS = 10
TIME_BUDGET = 90.0  # hard cap in seconds for all the kills (about 30 s on an idle machine)
PREFIX = "LS-CRASH-"
WHIRLWIND = [sys.executable, "-m", "whirlwind.cli"]


def make_workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["编号", "标题", "简要案情", "被反映人", "职务", "所在单位", "线索来源", "涉及金额",
         "受理日期", "立案日期"]
    )  # fmt: skip
    for n in range(ROWS):
        ws.append(
            [
                f"{PREFIX}{n:04d}",
                f"历史线索第{n}号：反映村干部优亲厚友",
                "群众反映低保评定中优亲厚友，涉及多户。" * 3,
                f"张某{n}、李某{n}",
                "村委会委员",
                "大潭村" if n % 2 else "星光村",
                "信访举报",
                f"{1000 + n}.50",
                f"20{19 + n % 5}-0{1 + n % 9}-1{n % 9}",
                f"20{19 + n % 5}-1{n % 3}-2{n % 8}" if n % 5 == 0 else None,
            ]
        )
    wb.save(path)


@pytest.fixture(scope="module")
def site(scratch_db_factory, tmp_path_factory):
    db = scratch_db_factory("importcrash")
    with db.session() as s:
        tree = make_tree(s)
        make_users(s, tree)
        s.commit()
    directory = tmp_path_factory.mktemp("importcrash")
    ini = directory / "crash.ini"
    ini.write_text(
        "[app:main]\n"
        "use = egg:whirlwind\n"
        f"sqlalchemy.url = {db.url}\n"
        "whirlwind.secret = crash-test-secret\n"
        "whirlwind.cookie_secure = false\n"
        f"whirlwind.index_dir = {directory / 'index'}\n"
        f"whirlwind.attachments_dir = {directory / 'attachments'}\n",
        encoding="utf-8",
    )
    book = directory / "history.xlsx"
    make_workbook(book)
    db.ini, db.book = str(ini), str(book)
    return db


def source_label_known(db) -> bool:
    from whirlwind.reference.models import RefValue

    with db.session() as s:
        return bool(
            s.scalar(
                select(RefValue.id).where(
                    RefValue.kind == "clue_source", RefValue.label_zh == "信访举报"
                )
            )
        )


def import_cmd(db) -> list[str]:
    return [*WHIRLWIND, "import", db.ini, db.book, "--user", "t_street", "--chunk", str(CHUNK)]


def state(db) -> dict:
    with db.session() as s:
        clues = s.scalar(select(func.count(Clue.id)).where(Clue.number.like(PREFIX + "%")))
        distinct = s.scalar(
            select(func.count(func.distinct(Clue.number))).where(Clue.number.like(PREFIX + "%"))
        )
        ids = select(Clue.id).where(Clue.number.like(PREFIX + "%")).scalar_subquery()
        persons = s.scalar(
            select(func.count(ClueReportedPerson.id)).where(ClueReportedPerson.clue_id.in_(ids))
        )
        cases = s.scalar(select(func.count(CaseClue.case_id)).where(CaseClue.clue_id.in_(ids)))
        outboxed = s.scalar(
            select(func.count(func.distinct(SearchOutbox.record_id))).where(
                SearchOutbox.record_type == "clue", SearchOutbox.record_id.in_(ids)
            )
        )
        numbers = s.scalars(select(Clue.number).where(Clue.number.like(PREFIX + "%"))).all()
    expected_cases = sum(1 for n in numbers if int(n[len(PREFIX) :]) % 5 == 0)
    return {
        "clues": clues,
        "distinct": distinct,
        "persons": persons,
        "cases": cases,
        "expected_cases": expected_cases,
        "outboxed": outboxed,
    }


def assert_consistent(db, st: dict) -> None:
    assert st["clues"] == st["distinct"], f"duplicate 编号 after a kill: {st}"
    assert st["clues"] % CHUNK == 0 or st["clues"] == ROWS, f"a partial chunk committed: {st}"
    assert st["persons"] == 2 * st["clues"], f"a clue without its reported persons: {st}"
    assert st["cases"] == st["expected_cases"], f"a row with 立案日期 without its case: {st}"
    assert st["outboxed"] == st["clues"], f"a clue without its search outbox row: {st}"


def run(cmd, timeout=60):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def test_sigkill_during_import_leaves_whole_chunks_and_rerun_completes(site):
    assert source_label_known(site), "the generated workbook uses an unknown 线索来源"
    rng = random.Random(int(os.environ.get("WHIRLWIND_CRASH_SEED", "13")))
    started = time.monotonic()
    kills, counts = 0, []
    while kills < MIN_KILLS:
        assert time.monotonic() - started < TIME_BUDGET, f"only {kills} kills in {TIME_BUDGET}s"
        before = state(site)["clues"]
        if before == ROWS:
            break
        proc = subprocess.Popen(
            import_cmd(site), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=False
        )
        # Wait for a random number of committed chunks (progress lines), then a random
        # moment inside the next chunk, and kill.
        wanted = before // CHUNK + rng.randint(1, 2)  # imported chunks print progress too
        seen = 0
        buf = b""
        if rng.random() < 0.3:
            wanted = 0  # sometimes kill it early: while it starts, reads or validates
            time.sleep(rng.uniform(0.2, 1.5))
        while seen < wanted and proc.poll() is None:
            ch = proc.stderr.read(1)
            if not ch:
                break
            buf += ch
            if ch == b"\r" and "导入".encode() in buf:
                seen += 1
        time.sleep(rng.uniform(0.0, 0.12))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=30)
        proc.stderr.close()
        st = state(site)
        assert_consistent(site, st)
        assert st["clues"] >= before, "committed rows disappeared"
        counts.append(st["clues"])
    assert kills >= MIN_KILLS, f"only {kills} kills landed before the import finished ({counts})"
    assert sum(0 < c < ROWS for c in counts) >= MIN_KILLS // 2, f"kills mostly missed: {counts}"

    # Re-run to the end: every row once, nothing duplicated.
    done = run(import_cmd(site))
    assert done.returncode == 0, done.stderr[-2000:]
    st = state(site)
    assert_consistent(site, st)
    assert st["clues"] == ROWS
    assert f"已存在跳过 {counts[-1]} 条" in done.stdout, done.stdout

    # The index catches up with the database and equals it.
    applied = run([*WHIRLWIND, "index", site.ini, "--once"])
    assert applied.returncode == 0, applied.stderr[-2000:]
    check = run([*WHIRLWIND, "index", site.ini, "--check"])
    assert check.returncode == 0, check.stdout + check.stderr[-2000:]
    print(f"import killed {kills} times at {counts}; total {time.monotonic() - started:.1f}s")
