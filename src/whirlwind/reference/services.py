"""Reading and seeding reference lists.

Each area declares its lists in ``whirlwind/<area>/reference.py`` as
``REFERENCE = {kind: [(code, label_zh, label_en, note), ...]}`` (an optional fifth element
is the parent code). ``seed`` inserts what is missing and never overwrites an
administrator's edits. Forms take their choices from ``choices`` (active values only);
pages show labels through ``labels`` (inactive values too, for old records).
"""

from __future__ import annotations

import importlib

from sqlalchemy import select

from whirlwind.reference.models import RefValue

# Modules that declare REFERENCE, in seeding order.
SOURCES = (
    "whirlwind.orgs.reference",
    "whirlwind.ledger.reference",
    "whirlwind.targets.reference",
    "whirlwind.audits.reference",
    "whirlwind.disclosure.reference",
    "whirlwind.cases.reference",
)


def declared() -> dict[str, list[tuple]]:
    result: dict[str, list[tuple]] = {}
    for name in SOURCES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        result.update(getattr(module, "REFERENCE", {}))
    return result


def seed(session) -> int:
    """Insert declared values that are missing; return how many were added."""
    existing = {(k, c) for k, c in session.execute(select(RefValue.kind, RefValue.code))}
    added = 0
    for kind, values in declared().items():
        for sort, value in enumerate(values):
            code, zh, en, note, parent = (*value, "", "", "")[:5]
            if (kind, code) in existing:
                continue
            session.add(
                RefValue(
                    kind=kind,
                    code=code,
                    label_zh=zh,
                    label_en=en,
                    note=note,
                    parent_code=parent,
                    sort=sort,
                )
            )
            existing.add((kind, code))
            added += 1
    session.flush()
    return added


def choices(session, kind: str, parent_code: str | None = None) -> list[tuple[str, str]]:
    stmt = select(RefValue.code, RefValue.label_zh).where(
        RefValue.kind == kind, RefValue.active.is_(True)
    )
    if parent_code is not None:
        stmt = stmt.where(RefValue.parent_code == parent_code)
    return [(c, z) for c, z in session.execute(stmt.order_by(RefValue.sort, RefValue.id))]


def labels(session, kind: str) -> dict[str, str]:
    stmt = select(RefValue.code, RefValue.label_zh).where(RefValue.kind == kind)
    return dict(session.execute(stmt).all())


def label(session, kind: str, code: str | None) -> str:
    if not code:
        return ""
    return labels(session, kind).get(code, code)


def request_labels(request, kind: str) -> dict[str, str]:
    """``labels`` cached for the duration of one request."""
    cache = request.environ.setdefault("whirlwind.ref_labels", {})
    if kind not in cache:
        cache[kind] = labels(request.dbsession, kind)
    return cache[kind]


# --- Administration (参考数据维护) ----------------------------------------------------------


def kinds(session) -> list[tuple[str, int, int]]:
    """(kind, values, active values) of every list, counted in SQL."""
    from sqlalchemy import case, func

    stmt = (
        select(RefValue.kind, func.count(), func.sum(case((RefValue.active.is_(True), 1), else_=0)))
        .group_by(RefValue.kind)
        .order_by(RefValue.kind)
    )
    return [(k, n, int(a or 0)) for k, n, a in session.execute(stmt)]


def values(session, kind: str) -> list[RefValue]:
    return list(
        session.scalars(
            select(RefValue).where(RefValue.kind == kind).order_by(RefValue.sort, RefValue.id)
        )
    )


def update_value(
    session,
    value: RefValue,
    *,
    label_zh: str,
    label_en: str = "",
    active: bool,
    sort: int,
    note: str | None = None,
) -> RefValue:
    """Labels, order and whether a value is offered; the code never changes (records store it)."""
    from whirlwind.errors import ValidationFailed

    if not (label_zh or "").strip():
        raise ValidationFailed("中文名称不能为空。", fields={"label_zh": "必填"})
    value.label_zh = label_zh.strip()
    value.label_en = (label_en or "").strip()
    value.active = bool(active)
    value.sort = int(sort)
    if note is not None:
        value.note = note
    session.flush()
    return value


def add_value(
    session,
    kind: str,
    *,
    code: str,
    label_zh: str,
    label_en: str = "",
    sort: int | None = None,
    parent_code: str = "",
) -> RefValue:
    import re

    from sqlalchemy import func

    from whirlwind.errors import NotFound, ValidationFailed

    if (
        session.scalar(select(RefValue.id).where(RefValue.kind == kind).limit(1)) is None
        and kind not in declared()
    ):
        raise NotFound("参考数据类别不存在。")
    code = (code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-.]{1,40}", code):
        raise ValidationFailed(
            "代码只能使用字母、数字、下划线、点和连字符（最多 40 个字符）。",
            fields={"code": "格式不对"},
        )
    if (
        session.scalar(select(RefValue.id).where(RefValue.kind == kind, RefValue.code == code))
        is not None
    ):
        raise ValidationFailed(f"代码 {code} 在该类别中已存在。", fields={"code": "已存在"})
    if not (label_zh or "").strip():
        raise ValidationFailed("中文名称不能为空。", fields={"label_zh": "必填"})
    if sort is None:
        sort = (
            session.scalar(select(func.max(RefValue.sort)).where(RefValue.kind == kind)) or 0
        ) + 1
    value = RefValue(
        kind=kind,
        code=code,
        label_zh=label_zh.strip(),
        label_en=(label_en or "").strip(),
        sort=sort,
        parent_code=(parent_code or "").strip(),
        note="local",
    )
    session.add(value)
    session.flush()
    return value
