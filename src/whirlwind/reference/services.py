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
                RefValue(kind=kind, code=code, label_zh=zh, label_en=en, note=note,
                         parent_code=parent, sort=sort)
            )
            existing.add((kind, code))
            added += 1
    session.flush()
    return added


def choices(session, kind: str, parent_code: str | None = None) -> list[tuple[str, str]]:
    stmt = select(RefValue.code, RefValue.label_zh).where(RefValue.kind == kind, RefValue.active.is_(True))
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
