"""The bulk import (``importer.import_rows`` → ``history.bulk.import_historical``) writes
what the services write row by row (``importer.import_row``: ``create_clue`` and
``record_historical_case``): the same clues, persons, categories, cases, subjects, links,
stage events and versions, the same change-log rows for every record (action, unit, user,
field changes) and a search outbox row for every clue and case, once.

Both paths import the same file into the same database, each inside a savepoint that is
rolled back; ids are compared by their order among the new rows (PostgreSQL sequences do
not roll back)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from whirlwind import clock
from whirlwind.cases.models import (
    Case,
    CaseClue,
    CaseStageEvent,
    CaseSubject,
    Clue,
    ClueCategory,
    ClueReportedPerson,
    ClueStatus,
)
from whirlwind.cases.services import record_historical_case
from whirlwind.changelog import ChangeLog, changes_json, json_row_hash, row_hash, verify_chain
from whirlwind.errors import ValidationFailed
from whirlwind.history import importer
from whirlwind.outbox import SearchOutbox
from whirlwind.persons.models import Person
from whirlwind.persons.services import match_or_create
from whirlwind.security import Identity

HEAD = "编号,标题,简要案情,被反映人,职务,所在单位,问题类别,线索来源,涉及金额,受理日期,立案日期,结案日期,办理阶段,处理结果"

# Every kind of row: clue statuses with and without 结案日期, every case stage, no persons,
# a name written twice, persons already known (blank 职务 filled, 职务 left empty, a merged
# one), persons shared between rows, repeated categories, amounts as written by hand, a
# case number already taken, and a row imported before (skipped).
ROWS = [
    "B-001,大潭村线索一,案情一,,,大潭村,,信访举报,,2019-01-05,,,,",
    'B-002,大潭村线索二,案情二,张伟华、李四,会计,大潭村,截留挪用、截留挪用、私分,上级交办,"1,234.5元",2019-02-01,,2019-06-01,,已了结',
    "B-003,星光村线索三,案情三,王芳,报账员,星光村,优亲厚友,信访举报,200,2019-03-01,,2019-05-01,已移送,",
    "B-004,星光村线索四,案情四,李强,,星光村,,领导批办,,2019-03-02,,,重复件,",
    "B-005,星光村线索五,案情五,李强、王芳,,星光村,,信访举报,0,2019-03-03,,,暂存待查,",
    "B-006,大潭村案件六,案情六,张伟华,出纳,大潭村,贪污侵占,信访举报,30000,2019-03-01,2019-05-01,2019-10-01,,给予党内警告处分",
    "B-007,大潭村案件七,案情七,赵敏、赵敏,村委会主任,大潭村,,审计移送,10,2019-04-01,2019-04-20,,,",
    "B-008,大潭村案件八,案情八,,,大潭村,,审计移送,,2019-04-02,2019-04-21,2019-12-01,,无被反映人",
    "B-009,星光村案件九,案情九,李强,,星光村,,信访举报,,2020-01-02,2020-02-01,,审理,",
    "B-010,星光村案件十,案情十,王芳、新人甲,村民小组长,星光村,,信访举报,,2020-01-03,2020-02-02,2020-08-01,撤销案件,撤销",
    "B-011,刘家山村案件十一,案情十一,张伟华,,刘家山村,,信访举报,,2019-05-01,2019-06-01,,处分决定,",
    "B-012,大潭村案件十二,案情十二,李四,会计,大潭村,,信访举报,,2019-06-01,2019-07-01,,宣布送达,",
    "B-013,大潭村案件十三,案情十三,张伟华、李四,会计,大潭村,,信访举报,,2019-07-01,2019-08-01,,执行,",
    "B-014,大潭村案件十四,案情十四,,,大潭村,,信访举报,,2019-08-01,2019-09-01,,,",
    "B-015,大潭村线索十五,案情十五,孙某,,大潭村,,信访举报,,2019-09-01,,,初步核实中,",
    "B-EXIST,已导入的线索,案情,,,大潭村,,信访举报,,2019-01-01,,,,",
]
NAMES = ["张伟华", "李四", "王芳", "李强", "赵敏", "周八", "吴九", "郑十"]
POSTS = ["", "", "会计", "出纳", "村委会主任"]
UNITS = ["大潭村", "星光村", "刘家山村"]
CLUE_STAGES = ["", "", "已登记", "已办结", "已移送", "重复件", "暂存待查", "谈话函询中"]
CASE_STAGES = ["", "", "审查调查", "审理", "结案归档", "撤销案件", "执行"]


def random_rows(n: int, seed: int) -> list[str]:
    """Rows mixing the cases above at random (names and units from small pools, so that
    persons repeat within and across chunks)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        year = rng.choice((2018, 2019, 2020))
        received = f"{year}-0{rng.randint(1, 4)}-1{rng.randint(0, 9)}"
        names = "、".join(rng.sample(NAMES, rng.choice((0, 1, 1, 2, 3))))
        opened = closed = stage = ""
        if rng.random() < 0.5:
            opened = f"{year}-0{rng.randint(5, 6)}-1{rng.randint(0, 9)}"
            stage = rng.choice(CASE_STAGES)
            if stage in ("", "结案归档") or rng.random() < 0.3:
                closed = f"{year}-0{rng.randint(7, 9)}-0{rng.randint(1, 9)}"
        else:
            stage = rng.choice(CLUE_STAGES)
            if rng.random() < 0.5:
                closed = f"{year}-0{rng.randint(5, 9)}-0{rng.randint(1, 9)}"
        rows.append(
            f"R-{i:03d},随机线索{i},随机案情{i},{names},{rng.choice(POSTS)},{rng.choice(UNITS)},"
            f"{rng.choice(['', '私分', '截留挪用、私分'])},信访举报,{rng.choice(['', '0', '12.5'])},"
            f"{received},{opened},{closed},{stage},{rng.choice(['', '已处理'])}"
        )
    return rows


def parse(dbsession, identity, rows: list[str]) -> list[importer.ImportRow]:
    table = importer.read_table(("\n".join([HEAD, *rows]) + "\n").encode(), "h.csv")
    result = importer.validate(dbsession, identity, table)
    assert not result.errors, result.errors
    return result.rows


@pytest.fixture
def world(dbsession, tree, users):
    """Persons, a clue and cases recorded before the import."""
    user = users["district"]
    actor = (user.id, user.username)
    dbsession.info["actor"] = actor
    match_or_create(dbsession, name="王芳", org=tree["V2"])  # 职务 blank: the import fills it
    match_or_create(
        dbsession,
        name="李强",
        org=tree["V2"],
        post="村委会主任",
        political_status="中共党员",
        identity="village_cadre",
    )
    merged = match_or_create(dbsession, name="赵敏", org=tree["V1"])
    merged.merged_into_id = match_or_create(dbsession, name="赵敏敏", org=tree["V1"]).id
    # 孙某's identity is no longer a known code: a case about him is refused.
    match_or_create(dbsession, name="孙某", org=tree["V1"], identity="retired_code")
    # 案件编号 AJ2019-0001 and AJ2019-0003 are taken in 大潭村: the next free one is 0004.
    for number in ("AJ2019-0001", "AJ2019-0003"):
        record_historical_case(
            dbsession,
            user,
            org=tree["V1"],
            title="旧案",
            opened_on=dt.date(2019, 1, 1),
            stage="closed",
            stage_dates={"closed": dt.date(2019, 2, 1)},
            number=number,
        )
    importer.import_rows(
        dbsession, actor, parse(dbsession, Identity(user, user.permissions), ROWS[-1:])
    )
    dbsession.flush()
    del merged
    dbsession.expire_all()
    return Identity(user, user.permissions), actor


def row_by_row(session, actor, rows) -> tuple[int, int]:
    """The services one row at a time (what ``import_rows`` did before the bulk path)."""
    created = skipped = 0
    known = importer.existing_keys(session, rows)
    for row in rows:
        # A row's flushes depend on which records are still in memory (a person already in
        # the identity map is not loaded again, so no autoflush happens there); collecting
        # the previous rows' reference cycles gives every row the same start, as a row
        # imported on its own has.
        gc.collect()
        if importer.import_row(session, actor, row, known=known):
            known.add((row.number, row.org_id))
            created += 1
        else:
            skipped += 1
    return created, skipped


# table -> (model, foreign keys to the tables compared)
TABLES = {
    "person": (Person, {"merged_into_id": "person"}),
    "clue": (Clue, {"duplicate_of_id": "clue"}),
    "clue_category": (ClueCategory, {"clue_id": "clue"}),
    "clue_person": (ClueReportedPerson, {"clue_id": "clue", "person_id": "person"}),
    "case_file": (Case, {}),
    "case_clue": (CaseClue, {"case_id": "case_file", "clue_id": "clue"}),
    "case_subject": (CaseSubject, {"case_id": "case_file", "person_id": "person"}),
    "case_stage_event": (CaseStageEvent, {"case_id": "case_file"}),
}
RECORD_TABLES = {
    "person": "person",
    "clue": "clue",
    "clue_person": "clue_person",
    "case": "case_file",
    "case_subject": "case_subject",
    "case_stage": "case_stage_event",
}
TIMESTAMPS = {"created_at", "updated_at"}


def marks(session) -> dict:
    out = {
        name: session.scalar(select(func.max(model.__table__.c.id))) or 0
        for name, (model, _) in TABLES.items()
    }
    out["seq"] = session.scalar(select(func.max(ChangeLog.seq))) or 0
    out["outbox"] = session.scalar(select(func.max(SearchOutbox.seq))) or 0
    return out


def snapshot(session, before: dict) -> dict:
    """Every row of the compared tables, the change-log rows per record and the outbox
    rows written since ``before``; new ids replaced by their rank among the new ids."""
    rank: dict[str, dict[int, tuple]] = {}
    tables = {}
    for name, (model, _) in TABLES.items():
        table = model.__table__
        rows = [dict(r) for r in session.execute(select(table).order_by(table.c.id)).mappings()]
        new = [r["id"] for r in rows if r["id"] > before[name]]
        rank[name] = {i: ("new", n) for n, i in enumerate(new, start=1)}
        tables[name] = rows

    def norm(table: str, value):
        return rank[table].get(value, value)

    for name, (_, fks) in TABLES.items():
        tables[name] = [
            {
                k: norm(name, v) if k == "id" else norm(fks[k], v) if k in fks else v
                for k, v in row.items()
                if k not in TIMESTAMPS
            }
            for row in tables[name]
        ]
    log: dict[tuple, list] = {}
    for entry in session.scalars(
        select(ChangeLog).where(ChangeLog.seq > before["seq"]).order_by(ChangeLog.seq)
    ):
        # The text is json.dumps's (the hash covers it), not only the same content.
        assert entry.changes == json.dumps(
            json.loads(entry.changes), ensure_ascii=False, sort_keys=True
        )
        table = RECORD_TABLES[entry.record_type]
        fks = {"id": table, **TABLES[table][1]}
        changes = {
            key: [norm(fks[key], v) for v in pair] if key in fks else pair
            for key, pair in json.loads(entry.changes).items()
        }
        log.setdefault((entry.record_type, norm(table, entry.record_id)), []).append(
            (entry.action, entry.org_id, entry.user_id, entry.username, changes)
        )
    outbox = [
        (r.record_type, norm(RECORD_TABLES[r.record_type], r.record_id), r.op)
        for r in session.scalars(
            select(SearchOutbox)
            .where(SearchOutbox.seq > before["outbox"])
            .order_by(SearchOutbox.seq)
        )
    ]
    return {"tables": tables, "log": log, "outbox": outbox}


def both_ways(dbsession, actor, rows, chunk: int):
    before = marks(dbsession)
    savepoint = dbsession.begin_nested()
    dbsession.info["actor"] = actor
    counts_a = row_by_row(dbsession, actor, rows)
    dbsession.flush()
    a = snapshot(dbsession, before)
    savepoint.rollback()

    savepoint = dbsession.begin_nested()
    counts_b = [0, 0]
    for start in range(0, len(rows), chunk):
        c, s = importer.import_rows(dbsession, actor, rows[start : start + chunk])
        counts_b[0] += c
        counts_b[1] += s
    b = snapshot(dbsession, before)
    assert verify_chain(dbsession).ok
    savepoint.rollback()
    return counts_a, tuple(counts_b), a, b


def assert_same(a: dict, b: dict) -> None:
    for name in TABLES:
        assert len(b["tables"][name]) == len(a["tables"][name]), name
        for row_b, row_a in zip(b["tables"][name], a["tables"][name], strict=True):
            diff = {k: (row_a[k], row_b[k]) for k in row_a if row_a[k] != row_b[k]}
            assert not diff, (name, row_a["id"], diff)
    assert b["log"].keys() == a["log"].keys()
    for key in a["log"]:
        assert b["log"][key] == a["log"][key], key
    # One outbox row per clue and case written (the row-by-row path writes one per flush).
    assert len(b["outbox"]) == len(set(b["outbox"]))
    assert set(b["outbox"]) == set(a["outbox"])


@pytest.mark.parametrize("chunk", [200, 4])
def test_bulk_import_writes_what_the_services_write(dbsession, world, chunk):
    identity, actor = world
    rows = parse(dbsession, identity, ROWS)
    counts_a, counts_b, a, b = both_ways(dbsession, actor, rows, chunk)
    assert counts_a == counts_b == (len(rows) - 1, 1)
    assert_same(a, b)
    # What the rows exercised: a known person's blank 职务 filled, a subject's 职务 emptied
    # (the row has none), a taken case number skipped, cases without persons.
    log = b["log"]
    assert any(
        kind == "person" and isinstance(rid, int) and [e[0] for e in entries] == ["update"]
        for (kind, rid), entries in log.items()
    )
    assert any(
        kind == "case_subject" and [e[0] for e in entries] == ["create", "update"]
        for (kind, rid), entries in log.items()
    )
    new_cases = [c for c in b["tables"]["case_file"] if isinstance(c["id"], tuple)]
    assert [c["number"] for c in new_cases if c["org_id"] == b["tables"]["clue"][0]["org_id"]]
    assert "AJ2019-0004" in {c["number"] for c in new_cases}
    with_subjects = {s["case_id"] for s in b["tables"]["case_subject"]}
    assert any(c["id"] not in with_subjects for c in new_cases)


@pytest.mark.parametrize("seed", [1, 2])
def test_bulk_import_of_random_rows_writes_what_the_services_write(dbsession, world, seed):
    identity, actor = world
    rows = parse(dbsession, identity, random_rows(60, seed))
    assert len(rows) >= 40  # the generator's rows are mostly valid
    counts_a, counts_b, a, b = both_ways(dbsession, actor, rows, 9)
    assert counts_a == counts_b
    assert_same(a, b)


def test_a_row_the_services_refuse_is_named_and_nothing_is_written(dbsession, world):
    identity, actor = world
    rows = parse(
        dbsession,
        identity,
        [*ROWS[:3], "B-016,孙某案,案情,孙某,,大潭村,,信访举报,,2019-09-01,2019-10-01,,,"],
    )
    before = marks(dbsession)
    savepoint = dbsession.begin_nested()
    with pytest.raises(ValidationFailed) as row_path:
        row_by_row(dbsession, actor, rows)
    savepoint.rollback()
    with pytest.raises(ValidationFailed) as bulk:
        importer.import_rows(dbsession, actor, rows)
    assert bulk.value.message == row_path.value.message == "第 5 行：无效的人员身份：retired_code"
    assert marks(dbsession) == before


def test_second_import_of_the_same_rows_creates_nothing(dbsession, world):
    identity, actor = world
    rows = parse(dbsession, identity, ROWS[:6])
    assert importer.import_rows(dbsession, actor, rows) == (6, 0)
    before = marks(dbsession)
    assert importer.import_rows(dbsession, actor, rows) == (0, 6)
    assert marks(dbsession) == before


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(),
    st.sampled_from(list(ClueStatus)),  # str enums, as jsonable leaves them
)


@settings(max_examples=300, deadline=None)
@given(
    changes=st.dictionaries(st.text(), st.lists(scalars, min_size=2, max_size=2), max_size=6),
    fields=st.fixed_dictionaries(
        {
            "action": st.text(),
            "org_id": st.none() | st.integers(),
            "record_id": st.integers(),
            "record_type": st.text(),
            "seq": st.integers(min_value=1),
            "user_id": st.none() | st.integers(),
            "username": st.text(),
        }
    ),
)
def test_the_change_log_hash_is_the_json_hash(changes, fields):
    """The change log writes its JSON directly (the bulk import writes thousands of rows a
    second); the text and hashes are the json module's, so old chains still verify."""
    text = changes_json(changes)
    assert text == json.dumps(changes, ensure_ascii=False, sort_keys=True)
    row = dict(fields, changes=text, created_at=clock.now(), prev_hash="0" * 64)
    assert row_hash(row) == json_row_hash(row)
    # Values of other types take the json module's way.
    assert row_hash(dict(row, org_id=1.5)) == json_row_hash(dict(row, org_id=1.5))
    assert changes_json({"k": [1.5, "x"]}) == json.dumps({"k": [1.5, "x"]}, sort_keys=True)
    assert changes_json({1: [None, "x"]}) == json.dumps({1: [None, "x"]}, sort_keys=True)
