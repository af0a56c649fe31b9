"""Scoped queries of audits and findings: list filters, status expressions, sums per level.

Every statement here goes through ``whirlwind.scoping``; lists, counts, sums and exports are
built from the same statement so that what is exported is exactly what is filtered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, not_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from whirlwind.audits.models import Audit, AuditScope, Finding
from whirlwind.ledger.models import ItemSource, ItemStatus, RectificationItem
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org, OrgClosure, OrgLevel
from whirlwind.scoping import scope, scope_to_unit, visible_org_ids

# --- finding state (整改状态) ------------------------------------------------------------------

_items = RectificationItem.__table__.c


def _item_exists(*conds):
    return exists().where(
        _items.source_type == ItemSource.FINDING.value, _items.source_id == Finding.id, *conds
    )


HAS_ITEMS = _item_exists()
HAS_OPEN_ITEMS = _item_exists(_items.status != ItemStatus.CLEARED.value)
# A finding is cleared (已销号) when it has rectification items and all are cleared.
IS_CLEARED = and_(HAS_ITEMS, not_(HAS_OPEN_ITEMS))
IS_OPEN = not_(IS_CLEARED)

FINDING_STATES = {
    "no_items": "未生成整改事项",
    "in_progress": "整改中",
    "cleared": "已销号",
}
STATE_FILTERS = {
    "open": ("未销号（全部）", IS_OPEN),
    "no_items": ("未生成整改事项", not_(HAS_ITEMS)),
    "in_progress": ("整改中", HAS_OPEN_ITEMS),
    "cleared": ("已销号", IS_CLEARED),
    "clue": ("已移送线索", Finding.clue_id.is_not(None)),
}


def finding_states(session, finding_ids) -> dict[int, str]:
    """State per finding, in one grouped query (no N+1)."""
    ids = list(finding_ids)
    result = dict.fromkeys(ids, "no_items")
    if not ids:
        return result
    stmt = (
        select(
            _items.source_id,
            func.count(),
            func.sum(case((_items.status == ItemStatus.CLEARED.value, 1), else_=0)),
        )
        .where(_items.source_type == ItemSource.FINDING.value, _items.source_id.in_(ids))
        .group_by(_items.source_id)
    )
    for fid, total, cleared in session.execute(stmt):
        result[fid] = "cleared" if total and total == cleared else "in_progress"
    return result


# --- filters ----------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        v = int(value)
    except (TypeError, ValueError):
        return None
    return v if v > 0 else None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass
class Filters:
    """List filters from a query string; invalid values are ignored, never an error page."""

    district: int | None = None
    street: int | None = None
    village: int | None = None
    body: str = ""
    asset_type: str = ""
    irregularity: str = ""
    state: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""

    @classmethod
    def from_params(cls, params) -> Filters:
        state = params.get("state", "")
        return cls(
            district=_int(params.get("district")),
            street=_int(params.get("street")),
            village=_int(params.get("village")),
            body=(params.get("body") or "")[:40],
            asset_type=(params.get("asset_type") or "")[:40],
            irregularity=(params.get("irregularity") or "")[:40],
            state=state if state in STATE_FILTERS else "",
            date_from=_date(params.get("date_from")),
            date_to=_date(params.get("date_to")),
            q=(params.get("q") or "").strip()[:100],
        )

    @property
    def unit(self) -> int | None:
        """The most specific unit chosen (village, else street, else district)."""
        return self.village or self.street or self.district


def audit_statement(identity, f: Filters):
    stmt = select(Audit).options(
        selectinload(Audit.scopes), joinedload(Audit.org).joinedload(Org.street)
    )
    stmt = scope_to_unit(stmt, Audit.org_id, identity, f.unit)
    if f.body:
        stmt = stmt.where(Audit.body == f.body)
    if f.date_from:
        stmt = stmt.where(Audit.audit_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(Audit.audit_date <= f.date_to)
    if f.asset_type:
        stmt = stmt.where(
            exists().where(AuditScope.audit_id == Audit.id, AuditScope.asset_type == f.asset_type)
        )
    return stmt.order_by(Audit.audit_date.desc(), Audit.id.desc())


def _finding_filters(stmt, identity, f: Filters):
    stmt = scope_to_unit(stmt, Finding.org_id, identity, f.unit)
    if f.asset_type:
        stmt = stmt.where(Finding.asset_type == f.asset_type)
    if f.irregularity:
        stmt = stmt.where(Finding.irregularity == f.irregularity)
    if f.state:
        stmt = stmt.where(STATE_FILTERS[f.state][1])
    if f.body or f.date_from or f.date_to:
        a = aliased(Audit)
        conds = [a.id == Finding.audit_id]
        if f.body:
            conds.append(a.body == f.body)
        if f.date_from:
            conds.append(a.audit_date >= f.date_from)
        if f.date_to:
            conds.append(a.audit_date <= f.date_to)
        stmt = stmt.where(exists().where(*conds))
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(
            Finding.description.like(like)
            | Finding.object_name.like(like)
            | Finding.object_number.like(like)
        )
    return stmt


def finding_statement(identity, f: Filters):
    stmt = select(Finding).options(selectinload(Finding.audit), selectinload(Finding.persons))
    stmt = _finding_filters(stmt, identity, f)
    return stmt.order_by(Finding.id.desc())


def finding_totals(session, identity, f: Filters) -> tuple[int, object, object]:
    stmt = _finding_filters(
        select(
            func.count(Finding.id),
            func.coalesce(func.sum(Finding.amount_involved), 0),
            func.coalesce(func.sum(Finding.amount_recovered), 0),
        ),
        identity,
        f,
    )
    return tuple(session.execute(stmt).one())


# --- sums per level (GROUP BY) ----------------------------------------------------------------

LEVEL_COLUMNS = {"district": Org.district_id, "street": Org.street_id, "village": Org.id}
NEXT_LEVEL = {"district": "street", "street": "village", "village": None}


def sums(session, identity, f: Filters, level: str) -> list[dict]:
    """Findings, amounts involved and recovered, open findings, grouped by the unit at
    ``level`` (district, street or village/community) of each finding's org."""
    group_col = LEVEL_COLUMNS[level]
    stmt = (
        select(
            group_col.label("unit_id"),
            func.count(Finding.id),
            func.coalesce(func.sum(Finding.amount_involved), 0),
            func.coalesce(func.sum(Finding.amount_recovered), 0),
            func.sum(case((IS_OPEN, 1), else_=0)),
        )
        .join(Org, Org.id == Finding.org_id)
        .group_by(group_col)
    )
    stmt = _finding_filters(stmt, identity, f)
    rows = session.execute(stmt).all()
    names = {}
    ids = [r[0] for r in rows if r[0] is not None]
    if ids:
        names = {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(ids)))}
    out = []
    for unit_id, count, involved, recovered, open_count in rows:
        org = names.get(unit_id)
        out.append(
            {
                "unit_id": unit_id,
                "org": org,
                "name": org.name if org else "（未归属）",
                "count": count,
                "involved": involved,
                "recovered": recovered,
                "open": open_count or 0,
            }
        )
    out.sort(key=lambda r: r["org"].code if r["org"] else "")
    return out


# --- unit choices for filters and forms -------------------------------------------------------


def visible_units(session, identity, levels, *, within: int | None = None) -> list[Org]:
    stmt = select(Org).where(Org.level.in_(list(levels)), Org.id.in_(visible_org_ids(identity)))
    if within:
        stmt = stmt.where(
            Org.id.in_(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == within))
        )
    return list(session.scalars(stmt.order_by(Org.code)))


def filter_choices(session, identity, f: Filters) -> dict[str, list[Org]]:
    """District, street and village options: what the identity may see, narrowed by the
    level above when chosen."""
    return {
        "districts": visible_units(session, identity, [OrgLevel.DISTRICT]),
        "streets": visible_units(session, identity, [OrgLevel.STREET], within=f.district),
        "villages": visible_units(
            session, identity, GRASSROOTS_LEVELS, within=f.street or f.district
        ),
    }


def open_findings_of(session, identity, org_id: int) -> list[Finding]:
    stmt = scope(
        select(Finding)
        .options(selectinload(Finding.audit), selectinload(Finding.persons))
        .where(Finding.org_id == org_id, IS_OPEN)
        .order_by(Finding.id.desc()),
        Finding.org_id,
        identity,
    )
    return list(session.scalars(stmt))
