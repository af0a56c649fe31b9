"""The historical import written in bulk (历史线索/案件导入): a chunk of records in a few
statements per table and one change-log append, the same rows, change log and search outbox
as ``cases.services.create_clue`` and ``record_historical_case`` write record by record
(tests/history/test_import_bulk.py compares the two)."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, func, literal, or_, select, text, union_all

from whirlwind import changelog, clock
from whirlwind.cases.casework import SUBJECT_FIELDS, stage_due, validate_handling
from whirlwind.cases.limits import DEFAULT
from whirlwind.cases.models import (
    CASE_OPEN_STAGES,
    Case,
    CaseClue,
    CaseStage,
    CaseStageEvent,
    CaseSubject,
    Clue,
    ClueCategory,
    ClueReportedPerson,
    ClueStatus,
)
from whirlwind.cases.services import (
    ZERO,
    _actor_id,
)
from whirlwind.db import utcnow
from whirlwind.errors import DomainError, ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person
from whirlwind.persons.services import normalize_name
from whirlwind.reference.services import labels


@dataclass
class HistoricalRecord:
    """One clue of the historical import (历史线索/案件导入), with its case when it has one.

    Without ``opened_on`` the clue is in status ``stage`` (a ``ClueStatus`` code, default
    已登记); ``closed_on`` is its closing date when that status is closed, transferred or
    duplicate (else the receiving date is used). With ``opened_on`` the clue is 已立案 and its
    case is now in stage ``stage`` (a ``CaseStage`` code); ``closed_on`` is the case's 结案归档
    date when ``stage`` is "closed". ``persons`` are the names of the 被反映人, each with
    ``post`` and ``unit_name``, working in ``org`` (the unit of the clue). ``number`` (线索编号)
    is required. ``label`` prefixes the record's error messages (e.g. "第 5 行").
    """

    org: Org
    number: str
    title: str
    summary: str
    source: str
    received_date: dt.date
    persons: Sequence[str] = ()
    post: str = ""
    unit_name: str = ""
    categories: Sequence[str] = ()
    amount_involved: decimal.Decimal = ZERO
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    stage: str = ""
    result_text: str = ""
    label: str = ""


class _Row:
    """A row to insert: its column values (a value may be another ``_Row``, whose id it
    takes once inserted) and its id once inserted."""

    __slots__ = ("id", "values")

    def __init__(self, values: dict, id: int | None = None):
        self.values = values
        self.id = id


class _Person:
    """A person as ``match_or_create`` would see it during the batch."""

    __slots__ = ("identity", "name", "org_id", "political_status", "post", "row", "unit_name")

    def __init__(self, row, name, org_id, unit_name, post, political_status, identity):
        self.row = row
        self.name = name
        self.org_id = org_id
        self.unit_name = unit_name
        self.post = post
        self.political_status = political_status
        self.identity = identity


# The columns of the bulk-written rows that point at rows of the same batch.
_BATCH_KEYS = {
    ClueCategory: ("clue_id",),
    ClueReportedPerson: ("clue_id", "person_id"),
    CaseClue: ("case_id", "clue_id"),
    CaseSubject: ("case_id", "person_id"),
    CaseStageEvent: ("case_id",),
}


def _resolve(model, values: dict) -> dict:
    """``values`` with the ``_Row`` values replaced by their ids."""
    for key in _BATCH_KEYS.get(model, ()):
        value = values[key]
        if isinstance(value, _Row):
            values[key] = value.id
    return values


def _column_defaults(model, now: dt.datetime) -> dict:
    """Every column of ``model`` but the primary key, at its default (as a flush fills it)."""
    values = {}
    for column in model.__table__.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_scalar:
            values[column.key] = default.arg
        elif column.key in ("created_at", "updated_at"):
            values[column.key] = now
        else:  # pragma: no cover - a new kind of default needs a decision here
            raise TypeError(f"{model.__name__}.{column.key}: unsupported default")
    return values


def _batches(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The tables the bulk import writes; the tables their foreign keys point at are checked on
# every inserted row.
_BULK_MODELS = (
    Person,
    Clue,
    ClueCategory,
    ClueReportedPerson,
    Case,
    CaseClue,
    CaseSubject,
    CaseStageEvent,
)


def _refresh_planner_statistics(conn) -> None:
    """PostgreSQL: ANALYZE the tables that a bulk import's foreign-key checks read when they
    have grown well past what the planner knows of them (more rows changed since the last
    ANALYZE than it counted then, plus 500: the first import into a new installation, or a
    server whose autovacuum is off or behind). A check planned for a table thought empty
    scans the whole table for every inserted row; after the ANALYZE it uses the primary key.
    Tables the user does not own are skipped by PostgreSQL with a warning."""
    if conn.dialect.name != "postgresql":
        return
    names = sorted(
        {fk.column.table.name for model in _BULK_MODELS for fk in model.__table__.foreign_keys}
    )
    stale = (
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
                " WHERE c.relname IN :names AND c.relnamespace = to_regnamespace(current_schema())"
                " AND s.n_mod_since_analyze > GREATEST(c.reltuples, 0) + 500"
            ).bindparams(bindparam("names", expanding=True)),
            {"names": names},
        )
        .scalars()
        .all()
    )
    if stale:
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql("ANALYZE " + ", ".join(quote(name) for name in sorted(stale)))


def _new_ids(conn, table, n: int) -> list[int]:
    """``n`` new ids of ``table``, ascending, the ones its inserts would take one by one.
    On SQLite (the next rowid after the largest) the caller holds the write lock
    (``changelog.lock``), so that nobody inserts meanwhile; PostgreSQL hands them out from
    the table's sequence."""
    if conn.dialect.name == "postgresql":
        stmt = select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, n)
        )
        return sorted(conn.scalars(stmt))
    if conn.dialect.name != "sqlite" or table.dialect_options["sqlite"]["autoincrement"]:
        raise NotImplementedError(f"new ids of {table.name} on {conn.dialect.name}")
    last = conn.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + n + 1))


_PAIRS = 25  # (a, b) pairs per statement (psycopg caches the parsing of 50 parameters)


@functools.cache
def _pairs_statement(table, first: str, second: str, columns: tuple[str, ...], unmerged: bool):
    """SELECT ``columns`` of the rows whose (``first``, ``second``) is one of _PAIRS pairs
    given as parameters a0, b0, a1, b1 …: each pair one lookup in the index on the two
    columns, in one statement that compiles once."""
    stmt = select(*(table.c[c] for c in columns)).where(
        or_(
            *(
                and_(table.c[first] == bindparam(f"a{i}"), table.c[second] == bindparam(f"b{i}"))
                for i in range(_PAIRS)
            )
        )
    )
    if unmerged:
        stmt = stmt.where(table.c.merged_into_id.is_(None))
    return stmt.order_by(table.c.id)


def _rows_for_pairs(conn, table, first, second, pairs, columns, *, unmerged=False) -> list:
    """The rows of ``table`` whose (``first``, ``second``) is in ``pairs``, by id within
    each statement of _PAIRS pairs."""
    pairs = list(dict.fromkeys(pairs))
    found = []
    for part in _batches(pairs, _PAIRS):
        part = part + part[-1:] * (_PAIRS - len(part))  # the same statement every time
        params = {}
        for i, (a, b) in enumerate(part):
            params[f"a{i}"] = a
            params[f"b{i}"] = b
        stmt = _pairs_statement(table, first, second, tuple(columns), unmerged)
        found.extend(conn.execute(stmt, params))
    return found


def taken_clue_numbers(session, keys) -> set[tuple[int, str]]:
    """The (unit id, 线索编号) of ``keys`` that a clue already has."""
    table = Clue.__table__
    rows = _rows_for_pairs(
        session.connection(), table, "org_id", "number", keys, ("org_id", "number")
    )
    return {(org_id, number) for org_id, number in rows}


class _CaseNumbers:
    """``next_number(session, Case, org, "AJ", year)`` for a batch of new cases, in order:
    the counts per (unit, year) COUNTS at a time, then the candidate numbers checked in
    one more lookup (another only when one of them was taken)."""

    PREFIX = "AJ"
    COUNTS = 20  # (unit, year) pairs per statement (psycopg caches the parsing of 4 kB)

    def __init__(self, conn, wanted: list[tuple[int, int]]):
        self.conn = conn
        self.counts: dict[tuple[int, int], int] = {}
        pairs = list(dict.fromkeys(wanted))
        for part in _batches(pairs, self.COUNTS):
            # Always COUNTS pairs (the last repeated): one statement, compiled once.
            part = part + part[-1:] * (self.COUNTS - len(part))
            params = {}
            for i, (org_id, year) in enumerate(part):
                params[f"org_{i}"] = org_id
                params[f"stem_{i}"] = f"{self.PREFIX}{year}-%"
            for i, count in conn.execute(self._count_statement(), params):
                self.counts[part[i]] = count or 0
        need: dict[tuple[int, int], int] = {}
        for pair in wanted:
            need[pair] = need.get(pair, 0) + 1
        candidates = [
            (org_id, self._number(year, n))
            for (org_id, year), k in need.items()
            for n in range(self.counts[(org_id, year)] + 1, self.counts[(org_id, year)] + k + 1)
        ]
        self.checked: set[tuple[int, str]] = set(candidates)
        self.taken: set[tuple[int, str]] = set()
        self._load_taken(candidates)

    @classmethod
    @functools.cache
    def _count_statement(cls):
        """``next_number``'s count for COUNTS (unit, stem) pairs, as one statement."""
        table = Case.__table__
        return union_all(
            *(
                select(literal(i), func.count())
                .select_from(table)
                .where(
                    table.c.org_id == bindparam(f"org_{i}"),
                    table.c.number.like(bindparam(f"stem_{i}")),
                )
                for i in range(cls.COUNTS)
            )
        )

    def _number(self, year: int, n: int) -> str:
        return f"{self.PREFIX}{year}-{n:04d}"

    def _load_taken(self, candidates: list[tuple[int, str]]) -> None:
        self.taken.update(
            (org_id, number)
            for org_id, number in _rows_for_pairs(
                self.conn, Case.__table__, "org_id", "number", candidates, ("org_id", "number")
            )
        )

    def next(self, org_id: int, year: int) -> str:
        n = self.counts[(org_id, year)] + 1
        while True:
            key = (org_id, self._number(year, n))
            if key not in self.checked:  # numbers beyond the expected ones were taken
                self.checked.add(key)
                self._load_taken([key])
            if key not in self.taken:
                break
            n += 1
        self.taken.add(key)
        self.counts[(org_id, year)] += 1
        return key[1]


def _diff(model, before: dict, after: dict) -> dict:
    """The logged changes between two states of a record (as a flush would log them)."""
    changes = {}
    for key in changelog.logged_keys(model):
        old, new = changelog.jsonable(before.get(key)), changelog.jsonable(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def import_historical(
    session,
    actor,
    records: Iterable[HistoricalRecord],
    *,
    today: dt.date | None = None,
) -> list[int]:
    """Write historical clues and cases in bulk; returns the new clues' ids.

    Each record is written as ``create_clue`` (is_historical, its persons through
    ``match_or_create``) and, with ``opened_on``, ``record_historical_case`` from that clue
    would write it, and under the same rules and messages: the same rows and versions, the
    same change-log entries for every record and a search outbox row for every clue and
    case. The batch is checked first (the first bad record raises ``ValidationFailed``,
    prefixed by its label, before any row is written); then each table gets one insert
    of all its rows (``changelog.insert_rows``), and the change log one append. Records are written in their order, so a
    later record sees the persons and case numbers of an earlier one; the persons, numbers
    and case-number counts of the batch are read in a few statements (no query per row).
    Runs in the caller's transaction and never commits.

    The services' writes for one record are spread over several flushes (autoflushes as
    they load what they need), and each flush logs what changed since the previous one:
    e.g. a case is logged as created in investigation, then 立案, then its stage. This
    function writes the same rows per record (see tests/search/test_import_bulk.py).
    """
    today = today or clock.today()
    records = list(records)
    if not records:
        return []
    for record in records:
        if not (record.number or "").strip():
            raise ValueError("import_historical: every record needs its number (线索编号)")
    session.flush()  # pending changes of the session are logged before the batch
    changelog.lock(session)  # new ids are taken before the inserts
    conn = session.connection()
    _refresh_planner_statistics(conn)
    actor_id = _actor_id(actor)
    now = utcnow()

    sources = labels(session, "clue_source")
    problem_categories = labels(session, "problem_category")
    # Numbers already taken in their unit (create_clue refuses them).
    taken_numbers = taken_clue_numbers(session, [(r.org.id, r.number.strip()) for r in records])

    # The persons match_or_create would find: the first unmerged one per name and unit.
    people: dict[tuple[str, int], _Person] = {}
    wanted = [(normalize_name(n), r.org.id) for r in records for n in r.persons]
    for pid, name, org_id, unit_name, post, status, identity, version in _rows_for_pairs(
        conn,
        Person.__table__,
        "name",
        "org_id",
        [key for key in wanted if key[0]],
        ("id", "name", "org_id", "unit_name", "post", "political_status", "identity", "version"),
        unmerged=True,
    ):
        if (name, org_id) not in people:
            row = _Row({"version": version}, pid)
            people[(name, org_id)] = _Person(row, name, org_id, unit_name, post, status, identity)
    case_numbers = _CaseNumbers(
        conn, [(r.org.id, r.opened_on.year) for r in records if r.opened_on is not None]
    )

    defaults = {model: _column_defaults(model, now) for model in _BULK_MODELS}
    inserts: dict[type, list[_Row]] = {model: [] for model in _BULK_MODELS}
    person_updates: dict[int, tuple[_Row, str]] = {}  # existing persons whose post was blank
    entries: list[tuple] = []  # (model, row, org_id, action, changes | snapshot to create)
    search: list[tuple[str, _Row]] = []

    def created(model, row: _Row, org_id, action: str = "create", *, changing=False) -> None:
        # The values as the record is first flushed (a copy when later steps of the batch
        # change them); the changes are computed once the ids are known.
        entries.append(
            (model, row, org_id, action, dict(row.values) if changing else row.values, None)
        )

    def updated(model, row: _Row, org_id, action: str, changes: dict) -> None:
        entries.append((model, row, org_id, action, None, changes))

    for record in records:
        try:
            org = record.org
            # create_clue's checks, in its order.
            title = (record.title or "").strip()
            if not title:
                raise ValidationFailed("线索标题不能为空。", fields={"title": "必填"})
            received = record.received_date
            if received is None:
                raise ValidationFailed("受理日期不能为空。", fields={"received_date": "必填"})
            if received > today:
                raise ValidationFailed(
                    "受理日期不能晚于今天。", fields={"received_date": "日期在未来"}
                )
            if record.source and record.source not in sources:
                raise ValidationFailed(f"无效的线索来源：{record.source}")
            if not record.source:
                raise ValidationFailed("线索来源不能为空。", fields={"source": "必填"})
            codes = list(dict.fromkeys(c for c in record.categories if c))
            for code in codes:
                if code not in problem_categories:
                    raise ValidationFailed(f"无效的问题类别：{code}")
            amount = decimal.Decimal(record.amount_involved or 0)
            if amount < 0:
                raise ValidationFailed(
                    "涉及金额不能为负数。", fields={"amount_involved": "不能为负数"}
                )
            opened = record.opened_on
            status = ClueStatus.CASE_OPENED if opened else (record.stage or ClueStatus.REGISTERED)
            try:
                status = ClueStatus(status)
            except ValueError:
                raise ValidationFailed(f"无效的线索状态：{status}") from None
            number = record.number.strip()
            if (org.id, number) in taken_numbers:
                raise ValidationFailed(
                    f"线索编号“{number}”在本单位已存在。", fields={"number": "编号重复"}
                )
            taken_numbers.add((org.id, number))
            closed_on = None
            if status in (ClueStatus.CLOSED, ClueStatus.TRANSFERRED, ClueStatus.DUPLICATE):
                closed_on = record.closed_on if opened is None else None
                closed_on = closed_on or received
            clue = _Row(
                defaults[Clue]
                | {
                    "org_id": org.id,
                    "number": number,
                    "title": title,
                    "received_date": received,
                    "source": record.source,
                    "summary": (record.summary or "").strip(),
                    "amount_involved": amount,
                    "status": status,
                    "closed_on": closed_on,
                    "is_historical": True,
                    "result_text": record.result_text,
                    "created_by_id": actor_id,
                }
            )
            inserts[Clue].append(clue)
            created(Clue, clue, org.id)
            search.append(("clue", clue))
            for code in codes:
                inserts[ClueCategory].append(
                    _Row(defaults[ClueCategory] | {"clue_id": clue, "code": code})
                )

            # add_reported_person for each name.
            post = (record.post or "").strip()
            unit_name = (record.unit_name or "").strip()
            links: list[tuple[_Row, _Person]] = []
            linked: set[_Person] = set()
            for raw in record.persons:
                if not (raw or "").strip():
                    raise ValidationFailed("被反映人姓名不能为空。", fields={"persons": "姓名必填"})
                name = normalize_name(raw)
                person = people.get((name, org.id))
                filled = None
                if person is None:
                    prow = _Row(
                        defaults[Person]
                        | {
                            "name": name,
                            "org_id": org.id,
                            "unit_name": unit_name or org.name,
                            "post": post,
                            "political_status": "",
                            "identity": "",
                            "version": 1,
                        }
                    )
                    person = people[(name, org.id)] = _Person(
                        prow, name, org.id, unit_name or org.name, post, "", ""
                    )
                    inserts[Person].append(prow)
                    created(Person, prow, org.id, changing=True)
                elif post and not person.post:
                    filled = [person.post, post]
                    person.post = post
                    person.row.values["version"] += 1
                    if person.row.id is None:
                        person.row.values["post"] = post
                    else:
                        person_updates[person.row.id] = (person.row, post)
                if person in linked:
                    raise ValidationFailed(f"被反映人“{person.name}”重复填写。")
                link = _Row(
                    defaults[ClueReportedPerson]
                    | {
                        "clue_id": clue,
                        "person_id": person.row,
                        "role": "other" if links else "main",
                        "name": person.name,
                        "post": post or person.post,
                        "unit_name": unit_name or person.unit_name,
                        "political_status": person.political_status,
                        "identity": person.identity,
                    }
                )
                links.append((link, person))
                linked.add(person)
                inserts[ClueReportedPerson].append(link)
                created(ClueReportedPerson, link, None)
                if filled is not None:
                    updated(Person, person.row, org.id, "update", {"post": filled})
            if opened is None:
                continue

            # record_historical_case (open_case from the clue, then the stage it is in).
            try:
                target = CaseStage(record.stage)
            except ValueError:
                raise ValidationFailed(f"无效的案件阶段：{record.stage}") from None
            if opened > today:
                raise ValidationFailed("立案日期不能晚于今天。", fields={"opened_on": "日期在未来"})
            if opened < received:
                raise ValidationFailed(f"立案日期不能早于线索 {number} 的受理日期。")
            case = _Row(
                defaults[Case]
                | {
                    "org_id": org.id,
                    "number": case_numbers.next(org.id, opened.year),
                    "title": title,
                    "case_type": "both",
                    "summary": (record.summary or "").strip(),
                    "stage": CaseStage.INVESTIGATION,
                    "opened_on": opened,
                    "source": record.source,
                    "amount_involved": amount
                    if record.amount_involved is None
                    else decimal.Decimal(record.amount_involved),
                    "is_historical": True,
                    "result_text": record.result_text or "",
                    "created_by_id": actor_id,
                }
            )
            inserts[Case].append(case)
            inserts[CaseClue].append(_Row(defaults[CaseClue] | {"case_id": case, "clue_id": clue}))
            opening = dict(case.values)
            search.append(("case", case))
            subjects = []
            for link, person in links:
                subject = _Row(
                    defaults[CaseSubject]
                    | {
                        "case_id": case,
                        "person_id": person.row,
                        "post": link.values["post"] or person.post,
                        "political_status": link.values["political_status"]
                        or person.political_status,
                        "identity": link.values["identity"] or person.identity,
                    }
                )
                subjects.append(subject)
            event = _Row(
                defaults[CaseStageEvent]
                | {
                    "case_id": case,
                    "stage": CaseStage.INVESTIGATION,
                    "on_date": opened,
                    "note": "立案",
                    "actor_id": actor_id,
                }
            )
            inserts[CaseStageEvent].append(event)
            # open_case flushes the case (loading the clue's persons) before its subjects,
            # then the clue, then the 立案 stage event with the case's 立案.
            created(Case, case, org.id, changing=True)
            for subject in subjects:
                created(CaseSubject, subject, org.id, changing=True)
            updated(Clue, clue, org.id, "立案审查调查", {})
            created(CaseStageEvent, event, org.id)
            updated(Case, case, org.id, "立案", {})
            clue.values["version"] = 2
            case.values["version"] = 3

            values = case.values
            last_stage, last_date = CaseStage.INVESTIGATION, opened
            on = record.closed_on if record.stage == CaseStage.CLOSED else None
            if on is not None:
                if on < last_date:
                    raise ValidationFailed(
                        f"{CaseStage.CLOSED.label}日期（{on:%Y-%m-%d}）不能早于"
                        f"{last_stage.label}日期（{last_date:%Y-%m-%d}）。"
                    )
                if on > today:
                    raise ValidationFailed(f"{CaseStage.CLOSED.label}日期不能晚于今天。")
                values["closed_on"] = on
                closing = _Row(
                    defaults[CaseStageEvent]
                    | {
                        "case_id": case,
                        "stage": CaseStage.CLOSED,
                        "on_date": on,
                        "note": "历史案件导入",
                        "actor_id": actor_id,
                    }
                )
                inserts[CaseStageEvent].append(closing)
                created(CaseStageEvent, closing, org.id)
                last_stage, last_date = CaseStage.CLOSED, on
            if target == CaseStage.REVOKED:
                values["revoked_on"] = last_date
            elif target == CaseStage.CLOSED and values["closed_on"] is None:
                raise ValidationFailed("已结案的历史案件须填写结案日期。")
            values["stage"] = target
            state = SimpleNamespace(**{k: values.get(k) for k in ("opened_on", "stage")})
            state.extension_days = values["extension_days"]
            state.review_on = state.decision_on = state.announced_on = None
            due = None if target not in CASE_OPEN_STAGES else stage_due(state, DEFAULT)
            values["due_date"] = due
            updated(Case, case, org.id, "update", _diff(Case, opening, values))
            for subject in subjects:
                # The subject's handling is its 职务 as written (``post`` of the person dict).
                checked = {key: subject.values.get(key) for key in SUBJECT_FIELDS}
                checked["post"] = post
                checked.setdefault("decision_on", values["decision_on"])
                validate_handling(session, checked, case=SimpleNamespace(opened_on=opened))
                before = subject.values["post"]
                subject.values["post"] = post
                subject.values["version"] = 2
                if before != post:
                    updated(CaseSubject, subject, org.id, "update", {"post": [before, post]})
                inserts[CaseSubject].append(subject)
        except DomainError as e:
            message = f"{record.label}：{e.message}" if record.label else e.message
            raise ValidationFailed(message, fields=e.fields) from e

    # One insert per table, in the order of their foreign keys; the rows the change log
    # names get their ids first.
    for model in _BULK_MODELS:
        rows = inserts[model]
        if rows and model not in (ClueCategory, CaseClue):
            for row, new_id in zip(rows, _new_ids(conn, model.__table__, len(rows)), strict=True):
                row.id = row.values["id"] = new_id
        changelog.insert_rows(conn, model.__table__, [_resolve(model, r.values) for r in rows])
    if person_updates:
        _update_persons(session, conn, list(person_updates.values()), now)

    log = []
    for model, row, org_id, action, snapshot, changes in entries:
        if snapshot is not None:
            snapshot["id"] = row.id
            changes = changelog.creation_json(model, _resolve(model, snapshot))
        log.append(
            {
                "record_type": model.record_type,
                "record_id": row.id,
                "org_id": org_id,
                "action": action,
                "changes": changes,
            }
        )
    changelog.append(session, log, [(kind, row.id, "upsert") for kind, row in search])
    return [row.id for row in inserts[Clue]]


def _update_persons(session, conn, updates: list[tuple[_Row, str]], now: dt.datetime) -> None:
    """Fill the blank 职务 of existing persons (as ``match_or_create`` does), each a new
    version; a person changed meanwhile by someone else is a stale version."""
    from sqlalchemy import update
    from sqlalchemy.orm.util import identity_key

    from whirlwind.errors import StaleVersion

    table = Person.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("pid"), table.c.version == bindparam("old_version"))
        .values(post=bindparam("new_post"), version=bindparam("new_version"), updated_at=now)
    )
    params = [
        {
            "pid": row.id,
            "old_version": row.values["version"] - 1,
            "new_post": post,
            "new_version": row.values["version"],
        }
        for row, post in updates
    ]
    result = conn.execute(stmt, params)
    if result.rowcount != len(params):
        raise StaleVersion()
    for row, _post in updates:  # objects of the session must not keep the old version
        obj = session.identity_map.get(identity_key(Person, row.id))
        if obj is not None:
            session.expire(obj)
