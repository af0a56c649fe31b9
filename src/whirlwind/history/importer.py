"""Historical import (历史线索/案件导入) from an Excel or CSV file.

Headers (first row), exactly these, in any order; unknown headers are an error:

    编号* 标题* 简要案情* 被反映人 职务 所在单位* 问题类别 线索来源* 涉及金额 受理日期* 立案日期 结案日期 办理阶段 处理结果

(* required). Several 被反映人 or 问题类别 are separated by 、，, or ;. 问题类别, 线索来源
and 办理阶段 are written as their Chinese labels. A row with 立案日期 creates a clue and
its case (办理阶段 is then a case stage, default 结案 when 结案日期 is given, else 审查调查);
without, a clue (办理阶段 a clue status, default 已办结 when 结案日期 is given, else 已登记).

Every row is validated before anything is written, and errors are listed by row and
column. A row whose 编号 already exists in its unit is skipped, so importing the same file
twice does not duplicate, and an import that was interrupted can simply be run again.

The command line and the upload page import in chunks, one transaction each:
``import_rows`` writes a chunk in bulk (``history.bulk.import_historical``, a few
statements per table and one change-log append); ``import_row`` writes one row through
``create_clue`` and ``record_historical_case`` and is the reference the bulk path is tested
against (tests/search/test_import_bulk.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import gc
import re
from dataclasses import asdict, dataclass, field

from sqlalchemy import select

from whirlwind import clock, tabular
from whirlwind.errors import DomainError, ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.scoping import scope

HEADERS = [
    "编号",
    "标题",
    "简要案情",
    "被反映人",
    "职务",
    "所在单位",
    "问题类别",
    "线索来源",
    "涉及金额",
    "受理日期",
    "立案日期",
    "结案日期",
    "办理阶段",
    "处理结果",
]
REQUIRED = ["编号", "标题", "简要案情", "所在单位", "线索来源", "受理日期"]
SPLIT_RE = re.compile(r"[、，,;；\s]+")
DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DATE_ZH_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
MAX_ROWS = 200_000
LIMITS = tabular.Limits(max_rows=MAX_ROWS)


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off while a file is read and checked or a chunk is
    written. These allocate many objects without reference cycles (freed by reference
    counting), and the collections that the allocations trigger, each walking the objects
    of the whole process, took a fifth of the import's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class RowError:
    row: int  # as in the spreadsheet (the header is row 1)
    column: str
    message: str


@dataclass
class ImportRow:
    row: int
    number: str
    title: str
    summary: str
    persons: list[str]
    post: str
    org_id: int
    unit_name: str
    categories: list[str]
    source: str
    amount: str
    received: str
    opened: str | None
    closed: str | None
    stage: str
    result: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Validation:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


ImportFileError = tabular.TableRefused


def read_table(data: bytes, filename: str, limits: tabular.Limits | None = None) -> list[list[str]]:
    """Rows of cells as strings (dates as YYYY-MM-DD) of the first sheet of an .xlsx, .xls or
    .ods workbook or of a CSV file, read within ``limits`` (``tabular``)."""
    with _collector_paused():
        return tabular.read(data, filename, limits or LIMITS).rows


def _date(value: str) -> dt.date:
    value = value.strip().replace("/", "-").replace(".", "-")
    m = DATE_RE.fullmatch(value) or DATE_ZH_RE.fullmatch(value)
    if not m:
        raise ValueError
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _stage_maps():
    from whirlwind.cases.models import CASE_STAGE_LABELS, CLUE_STATUS_LABELS

    clue = {label: str(code) for code, label in CLUE_STATUS_LABELS.items()}
    case = {label: str(code) for code, label in CASE_STAGE_LABELS.items()}
    return clue, case


@_collector_paused()
def validate(
    session, identity, table: list[list[str]], *, today: dt.date | None = None
) -> Validation:
    """Check every row; nothing is written. Units are looked up by name inside the
    importing user's jurisdiction."""
    from whirlwind.reference.services import labels

    today = today or clock.today()
    result = Validation()
    table = [r for r in table if any(c.strip() for c in r)]
    if not table:
        result.errors.append(RowError(1, "", "文件是空的。"))
        return result
    headers = [h.strip() for h in table[0]]
    while headers and not headers[-1]:
        headers.pop()
    unknown = [h for h in headers if h not in HEADERS]
    missing = [h for h in REQUIRED if h not in headers]
    dupes = {h for h in headers if headers.count(h) > 1}
    for h in unknown:
        result.errors.append(
            RowError(1, h or "（空）", f"未知的列名“{h}”；允许的列：{'、'.join(HEADERS)}")
        )
    for h in missing:
        result.errors.append(RowError(1, h, f"缺少必填列“{h}”"))
    for h in dupes:
        result.errors.append(RowError(1, h, f"列“{h}”重复"))
    if result.errors:
        return result
    body = table[1:]
    if len(body) > MAX_ROWS:
        result.errors.append(RowError(1, "", f"一次最多导入 {MAX_ROWS} 行。"))
        return result
    result.total = len(body)
    categories = {v: k for k, v in labels(session, "problem_category").items()}
    sources = {v: k for k, v in labels(session, "clue_source").items()}
    clue_stages, case_stages = _stage_maps()
    unit_names = {
        (r[headers.index("所在单位")] if headers.index("所在单位") < len(r) else "").strip()
        for r in body
    }
    units: dict[str, list[int]] = {}
    if unit_names:
        stmt = scope(
            select(Org.id, Org.name).where(Org.name.in_(unit_names - {""})), Org.id, identity
        )
        for oid, name in session.execute(stmt):
            units.setdefault(name, []).append(oid)
    seen: dict[tuple[str, int], int] = {}
    for i, raw in enumerate(body, start=2):
        cells = {h: (raw[j].strip() if j < len(raw) else "") for j, h in enumerate(headers)}
        errs: list[RowError] = []

        def err(col, msg, row=i, errs=errs):
            errs.append(RowError(row, col, msg))

        for h in REQUIRED:
            if not cells.get(h):
                err(h, "必填")
        number, title = cells.get("编号", ""), cells.get("标题", "")
        if len(number) > 40:
            err("编号", "不能超过 40 个字符")
        if len(title) > 200:
            err("标题", "不能超过 200 个字符")
        unit = cells.get("所在单位", "")
        org_id = None
        if unit:
            found = units.get(unit, [])
            if not found:
                err("所在单位", f"在您的管辖范围内找不到单位“{unit}”")
            elif len(found) > 1:
                err("所在单位", f"单位名称“{unit}”不唯一")
            else:
                org_id = found[0]
        cats = []
        for label in SPLIT_RE.split(cells.get("问题类别", "")):
            if label:
                if label in categories:
                    cats.append(categories[label])
                else:
                    err("问题类别", f"未知的问题类别“{label}”")
        source = ""
        if cells.get("线索来源"):
            source = sources.get(cells["线索来源"], "")
            if not source:
                err("线索来源", f"未知的线索来源“{cells['线索来源']}”")
        amount = "0"
        if cells.get("涉及金额"):
            try:
                value = decimal.Decimal(cells["涉及金额"].replace(",", "").replace("元", ""))
                if not value.is_finite() or value < 0 or value >= decimal.Decimal("1e12"):
                    raise decimal.InvalidOperation
                amount = str(value.quantize(decimal.Decimal("0.01")))
            except decimal.InvalidOperation:
                err("涉及金额", "须为不小于 0 的金额")
        dates: dict[str, dt.date | None] = {}
        for h in ("受理日期", "立案日期", "结案日期"):
            dates[h] = None
            if cells.get(h):
                try:
                    dates[h] = _date(cells[h])
                except ValueError:
                    err(h, f"日期无效“{cells[h]}”（应为 YYYY-MM-DD）")
                    continue
                if dates[h] > today:
                    err(h, "不能晚于今天")
        rec, opened, closed = dates["受理日期"], dates["立案日期"], dates["结案日期"]
        if rec and opened and opened < rec:
            err("立案日期", "不能早于受理日期")
        if closed and (opened or rec) and closed < (opened or rec):
            err("结案日期", "不能早于立案日期" if opened else "不能早于受理日期")
        stage_label = cells.get("办理阶段", "")
        if opened or (cells.get("立案日期") and opened is None):
            stage = (
                case_stages.get(stage_label)
                if stage_label
                else ("closed" if closed else "investigation")
            )
            if stage is None:
                err("办理阶段", f"“{stage_label}”不是案件阶段（可选：{'、'.join(case_stages)}）")
            elif stage == "closed" and not closed:
                err("结案日期", "办理阶段为已结案时须填写结案日期")
        else:
            stage = (
                clue_stages.get(stage_label)
                if stage_label
                else ("closed" if closed else "registered")
            )
            if stage is None:
                err("办理阶段", f"“{stage_label}”不是线索状态（可选：{'、'.join(clue_stages)}）")
        if org_id is not None and number:
            key = (number, org_id)
            if key in seen:
                err("编号", f"与第 {seen[key]} 行的编号重复（同一单位）")
            else:
                seen[key] = i
        if errs:
            result.errors.extend(errs)
            continue
        result.rows.append(
            ImportRow(
                row=i,
                number=number,
                title=title,
                summary=cells.get("简要案情", ""),
                # A name written twice in one row is one person (the services refuse a
                # person listed twice on a clue).
                persons=list(
                    dict.fromkeys(p for p in SPLIT_RE.split(cells.get("被反映人", "")) if p)
                ),
                post=cells.get("职务", ""),
                org_id=org_id,
                unit_name=unit,
                categories=cats,
                source=source,
                amount=amount,
                received=rec.isoformat(),
                opened=opened.isoformat() if opened else None,
                closed=closed.isoformat() if closed else None,
                stage=stage,
                result=cells.get("处理结果", ""),
            )
        )
    return result


def exists(session, row: ImportRow) -> bool:
    from whirlwind.cases.models import Clue

    return (
        session.scalar(select(Clue.id).where(Clue.org_id == row.org_id, Clue.number == row.number))
        is not None
    )


def existing_keys(session, rows: list[ImportRow]) -> set[tuple[str, int]]:
    """(编号, unit) of ``rows`` already in the database, in a few queries per chunk."""
    from whirlwind.history.bulk import taken_clue_numbers

    taken = taken_clue_numbers(session, [(r.org_id, r.number) for r in rows])
    return {(number, org_id) for org_id, number in taken}


def import_row(
    session,
    actor,
    row: ImportRow,
    *,
    today: dt.date | None = None,
    known: set[tuple[str, int]] | None = None,
) -> bool:
    """Create the row's clue (and case) through the services, one record at a time; False
    when it was imported before (skipped). ``known``: the (编号, unit) pairs already
    imported (``existing_keys``), else one query for this row. ``import_rows`` writes the
    same in bulk; this is the reference it is tested against."""
    from whirlwind.cases.services import create_clue, record_historical_case

    if (row.number, row.org_id) in known if known is not None else exists(session, row):
        return False
    org = session.get(Org, row.org_id)
    persons = [{"name": p, "post": row.post, "unit_name": row.unit_name} for p in row.persons]
    received = dt.date.fromisoformat(row.received)
    opened = dt.date.fromisoformat(row.opened) if row.opened else None
    closed = dt.date.fromisoformat(row.closed) if row.closed else None
    extra = {"is_historical": True, "result_text": row.result}
    if opened is None:
        extra["status"] = row.stage
        if closed and row.stage in ("closed", "transferred", "duplicate"):
            extra["closed_on"] = closed
    else:
        extra["status"] = "case_opened"
    try:
        clue = create_clue(
            session,
            actor,
            org=org,
            source=row.source,
            received_date=received,
            title=row.title,
            summary=row.summary,
            persons=persons,
            categories=row.categories,
            amount_involved=decimal.Decimal(row.amount),
            number=row.number,
            today=today,
            **extra,
        )
        if opened is not None:
            record_historical_case(
                session,
                actor,
                org=org,
                title=row.title,
                opened_on=opened,
                stage=row.stage,
                stage_dates={"closed": closed} if closed and row.stage == "closed" else {},
                subjects=persons,
                clues=[clue],
                summary=row.summary,
                result_text=row.result,
                source=row.source,
                amount_involved=decimal.Decimal(row.amount),
                today=today,
            )
    except DomainError as e:
        raise ValidationFailed(f"第 {row.row} 行：{e.message}") from e
    return True


def historical_record(row: ImportRow, org: Org):
    """The row as the services' ``HistoricalRecord`` (what ``import_row`` writes)."""
    from whirlwind.history.bulk import HistoricalRecord

    return HistoricalRecord(
        org=org,
        number=row.number,
        title=row.title,
        summary=row.summary,
        source=row.source,
        received_date=dt.date.fromisoformat(row.received),
        persons=row.persons,
        post=row.post,
        unit_name=row.unit_name,
        categories=row.categories,
        amount_involved=decimal.Decimal(row.amount),
        opened_on=dt.date.fromisoformat(row.opened) if row.opened else None,
        closed_on=dt.date.fromisoformat(row.closed) if row.closed else None,
        stage=row.stage,
        result_text=row.result,
        label=f"第 {row.row} 行",
    )


@_collector_paused()
def import_rows(
    session, actor, rows: list[ImportRow], *, today=None, progress=None
) -> tuple[int, int]:
    """Import ``rows`` in the caller's transaction; returns (created, skipped).

    One bulk write (``history.bulk.import_historical``) for the rows not imported before:
    the same rows, change log and search outbox as ``import_row`` for each, in a few
    statements. A bad row raises ``ValidationFailed`` naming it, before anything is written.
    ``progress(n)`` is called with the number of rows done once they are written."""
    from whirlwind.history.bulk import import_historical

    known = existing_keys(session, rows)
    units = {
        o.id: o for o in session.scalars(select(Org).where(Org.id.in_({r.org_id for r in rows})))
    }
    records = []
    for row in rows:
        key = (row.number, row.org_id)
        if key in known:
            continue
        known.add(key)
        records.append(historical_record(row, units[row.org_id]))
    import_historical(session, actor, records, today=today)
    if progress:
        progress(len(rows))
    return len(records), len(rows) - len(records)
