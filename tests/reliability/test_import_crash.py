"""Crash consistency of a running historical import (``whirlwind import INI FILE``).

The import commits in chunks (``--chunk`` rows per transaction) and skips 编号 already in
the database, so an interrupted import is finished by running it again. The test starts the
real command on a generated workbook and SIGKILLs it ten times, each time at a point named
by the program's own progress (``whirlwind.faults``), never after a delay: after the file is
read and checked, inside a chunk's transaction (written, not committed) and between chunks
(committed, the next not begun). After every kill:

- exactly the chunks committed before the kill are in the database: none of the chunk that
  was being written, all of those before it (the count is computed, not bounded);
- no partial record (every clue has both reported persons, every row with 立案日期 its case,
  every clue its search outbox row), and no 编号 appears twice.

Then the import is run to the end: exactly one clue per row, and after
``whirlwind index --once`` the index equals the database (``whirlwind index --check``).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.factories import make_tree, make_users
from tests.processes import kill_at
from whirlwind.cases.models import CaseClue, Clue, ClueReportedPerson
from whirlwind.outbox import SearchOutbox

pytestmark = pytest.mark.slow  # real processes killed ten times

ROWS = 300
CHUNK = 10
# Ten kills: where (the pause point) and on which visit. Each kill at a chunk point lets one
# or two more chunks commit first, so the plan ends well inside the workbook's 30 chunks.
PLAN = (
    [("import.validated", 0)] * 2
    + [("import.chunk_written", 0)] * 4
    + [("import.chunk_committed", 0)] * 4
)
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


def run(cmd, timeout=600):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def expected_after(point: str, visit: int, before: int) -> int:
    """Clues committed when the import is killed at ``point`` on its ``visit``-th visit,
    given ``before`` already in the database (chunks cover the rows in order, existing
    ones skipped)."""
    if point == "import.validated":
        return before
    done = visit - 1 if point == "import.chunk_written" else visit
    return max(before, min(ROWS, done * CHUNK))


def test_sigkill_during_import_leaves_whole_chunks_and_rerun_completes(site, tmp_path):
    assert source_label_known(site), "the generated workbook uses an unknown 线索来源"
    rng = random.Random(13)
    plan = list(PLAN)
    rng.shuffle(plan)
    counts = []
    for point, _ in plan:
        before = state(site)["clues"]
        visit = 1 if point == "import.validated" else before // CHUNK + rng.randint(1, 2)
        assert visit * CHUNK < ROWS, "the kill plan outgrew the workbook"
        kill_at(import_cmd(site), point, visit, tmp_path)
        st = state(site)
        assert_consistent(site, st)
        assert st["clues"] == expected_after(point, visit, before), (point, visit, st)
        counts.append(st["clues"])
    assert len(counts) == len(PLAN) and 0 < counts[-1] < ROWS, counts

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
    print(f"import killed {len(counts)} times at {counts}")
