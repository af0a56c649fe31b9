"""Jurisdiction (管辖范围): the one filter "rows this identity may see".

A user sees records of their own unit and every unit below it, never above or beside.
Every list, count, detail page, search, export and API query of records goes through
``scope`` (or ``get_visible`` for one record); a record outside the caller's jurisdiction
answers 404 as if it did not exist.
"""

from __future__ import annotations

from sqlalchemy import select

from whirlwind.errors import NotFound
from whirlwind.orgs.models import OrgClosure


def visible_org_ids(identity):
    """SELECT of the org ids inside the identity's jurisdiction."""
    if identity is None:
        # Nobody: a filter that matches no row.
        return select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == -1)
    return select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == identity.org_id)


def scope(stmt, org_id_column, identity):
    """Limit ``stmt`` to rows whose ``org_id_column`` lies in the identity's jurisdiction."""
    return stmt.where(org_id_column.in_(visible_org_ids(identity)))


def scope_to_unit(stmt, org_id_column, identity, unit_id: int | None):
    """``scope`` and, when ``unit_id`` is given, also limit to that unit's subtree
    (the district/street filters of lists and reports)."""
    stmt = scope(stmt, org_id_column, identity)
    if unit_id:
        stmt = stmt.where(
            org_id_column.in_(
                select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == unit_id)
            )
        )
    return stmt


def in_jurisdiction(session, identity, org_id: int | None) -> bool:
    if identity is None or org_id is None:
        return False
    return (
        session.scalar(
            select(OrgClosure.depth).where(
                OrgClosure.ancestor_id == identity.org_id, OrgClosure.descendant_id == org_id
            )
        )
        is not None
    )


def get_visible(session, identity, model, record_id, *, org_attr: str = "org_id"):
    """Load one record or raise ``NotFound`` when it does not exist *or* lies outside the
    identity's jurisdiction (the two are indistinguishable to the caller)."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise NotFound("记录不存在。") from None
    if not 0 < record_id <= 2**31 - 1:
        # Beyond what an id column holds: unknown, not a database error.
        raise NotFound("记录不存在。")
    column = getattr(model, org_attr)
    stmt = scope(select(model).where(model.id == record_id), column, identity)
    record = session.scalar(stmt)
    if record is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return record
