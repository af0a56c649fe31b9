"""Reading the ledger: the filtered list (also used by the Excel export), the progress
board per level and the overdue summary. Every query goes through ``whirlwind.scoping``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from whirlwind.deadlines import COLOUR_CHOICES, policy
from whirlwind.ledger.models import (
    REVIEW_STATUSES,
    ItemSource,
    ItemStatus,
    PackageMember,
    RectificationItem,
    ResponsibilityPackage,
)
from whirlwind.orgs.models import Org
from whirlwind.scoping import scope, scope_to_unit

STATE_GROUPS = {"open": "未销号", "review": "审核中", "cleared": "已销号"}
AWAITING = {"street": "待街道审核", "district": "待区级审核", "city": "待市级审核"}
SORTS = {
    "deadline": "期限（早→晚）",
    "-deadline": "期限（晚→早）",
    "-created": "最新录入",
    "status": "状态",
    "unit": "单位",
}
GRASSROOTS_OR_STREET = ("street", "community", "village")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass
class LedgerFilters:
    district: int | None = None
    street: int | None = None
    unit: int | None = None
    source: str = ""
    campaign: int | None = None
    status: str = ""
    state: str = ""
    overdue: str = ""
    colour: str = ""
    awaiting: str = ""
    q: str = ""
    sort: str = "deadline"

    @classmethod
    def from_params(cls, params) -> LedgerFilters:
        f = cls(
            district=_int(params.get("district")),
            street=_int(params.get("street")),
            unit=_int(params.get("unit")),
            campaign=_int(params.get("campaign")),
            q=(params.get("q") or "").strip()[:100],
        )
        # Unknown values are ignored rather than matching nothing by accident.
        source = params.get("source") or ""
        f.source = source if source in ItemSource.__members__.values() else ""
        status = params.get("status") or ""
        f.status = status if status in ItemStatus.__members__.values() else ""
        f.state = (params.get("state") or "") if params.get("state") in STATE_GROUPS else ""
        f.overdue = (params.get("overdue") or "") if params.get("overdue") in ("1", "0") else ""
        f.colour = (params.get("colour") or "") if params.get("colour") in COLOUR_CHOICES else ""
        f.awaiting = (params.get("awaiting") or "") if params.get("awaiting") in AWAITING else ""
        f.sort = (params.get("sort") or "deadline") if params.get("sort") in SORTS else "deadline"
        return f

    def as_query(self) -> dict:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
            and not (f.name == "sort" and self.sort == "deadline")
        }


def awaiting_clause(level: str):
    """SQL for "waits for ``level``'s sign-off" (the responsible level); see
    ``workflow.awaiting_level`` for the same rule in Python."""
    if level == "street":
        return and_(
            RectificationItem.status == ItemStatus.SUBMITTED, Org.level.in_(GRASSROOTS_OR_STREET)
        )
    if level == "district":
        return or_(
            RectificationItem.status == ItemStatus.STREET_APPROVED,
            and_(RectificationItem.status == ItemStatus.SUBMITTED, Org.level == "district"),
        )
    return or_(
        RectificationItem.status == ItemStatus.DISTRICT_APPROVED,
        and_(RectificationItem.status == ItemStatus.SUBMITTED, Org.level == "city"),
    )


def _open():
    return RectificationItem.status != ItemStatus.CLEARED


def item_query(identity, filters: LedgerFilters, today: dt.date, settings):
    """The scoped, filtered, sorted SELECT of items (list page and export alike)."""
    stmt = select(RectificationItem).join(Org, Org.id == RectificationItem.org_id)
    stmt = scope(stmt, RectificationItem.org_id, identity)
    for unit in (filters.district, filters.street, filters.unit):
        if unit:
            stmt = scope_to_unit(stmt, RectificationItem.org_id, identity, unit)
    if filters.source:
        stmt = stmt.where(RectificationItem.source_type == filters.source)
    if filters.campaign:
        from whirlwind.targets.models import RectificationTarget

        stmt = stmt.where(
            RectificationItem.source_type == ItemSource.TARGET,
            RectificationItem.source_id.in_(
                select(RectificationTarget.id).where(
                    RectificationTarget.campaign_id == filters.campaign
                )
            ),
        )
    if filters.status:
        stmt = stmt.where(RectificationItem.status == filters.status)
    if filters.state == "open":
        stmt = stmt.where(_open())
    elif filters.state == "review":
        stmt = stmt.where(RectificationItem.status.in_(REVIEW_STATUSES))
    elif filters.state == "cleared":
        stmt = stmt.where(RectificationItem.status == ItemStatus.CLEARED)
    if filters.overdue == "1":
        stmt = stmt.where(_open(), RectificationItem.deadline < today)
    elif filters.overdue == "0":
        stmt = stmt.where(or_(~_open(), RectificationItem.deadline >= today))
    if filters.colour:
        warn = policy(settings)
        stmt = stmt.where(_open(), warn.where(filters.colour, today, RectificationItem.deadline))
    if filters.awaiting:
        stmt = stmt.where(awaiting_clause(filters.awaiting))
    if filters.q:
        like = f"%{filters.q}%"
        stmt = stmt.where(
            or_(
                RectificationItem.problem.ilike(like),
                RectificationItem.measure.ilike(like),
                RectificationItem.responsible_person.ilike(like),
                Org.name.ilike(like),
            )
        )
    order = {
        "deadline": (RectificationItem.deadline.asc(), RectificationItem.id.asc()),
        "-deadline": (RectificationItem.deadline.desc(), RectificationItem.id.desc()),
        "-created": (RectificationItem.id.desc(),),
        "status": (
            RectificationItem.status.asc(),
            RectificationItem.deadline.asc(),
            RectificationItem.id,
        ),
        "unit": (Org.code.asc(), RectificationItem.deadline.asc(), RectificationItem.id),
    }[filters.sort]
    return stmt.order_by(*order).options(
        joinedload(RectificationItem.org).joinedload(Org.district),
        joinedload(RectificationItem.org).joinedload(Org.street),
        selectinload(RectificationItem.package).selectinload(ResponsibilityPackage.members),
    )


# --- Board and overdue summary ----------------------------------------------------------


def group_column(identity):
    """What the board groups by: districts for a city user, streets for a district user,
    grassroots units for a street user (and the unit itself below that)."""
    level = identity.level
    if level == "city":
        return Org.district_id, "district", "区"
    if level == "district":
        return Org.street_id, "street", "街道/乡镇"
    return Org.id, "unit", "社区/村"


def board(
    session, identity, today: dt.date, *, campaign: int | None = None
) -> tuple[list[dict], dict, str, str]:
    """Counts per unit one level down: open / in review / cleared / overdue (GROUP BY)."""
    column, param, heading = group_column(identity)
    is_open = RectificationItem.status != ItemStatus.CLEARED
    stmt = (
        select(
            column.label("unit_id"),
            func.count().label("total"),
            func.sum(case((is_open, 1), else_=0)).label("open"),
            func.sum(case((RectificationItem.status.in_(REVIEW_STATUSES), 1), else_=0)).label(
                "review"
            ),
            func.sum(case((RectificationItem.status == ItemStatus.CLEARED, 1), else_=0)).label(
                "cleared"
            ),
            func.sum(case((and_(is_open, RectificationItem.deadline < today), 1), else_=0)).label(
                "overdue"
            ),
        )
        .select_from(RectificationItem)
        .join(Org, Org.id == RectificationItem.org_id)
        .group_by(column)
    )
    stmt = scope(stmt, RectificationItem.org_id, identity)
    if campaign:
        stmt = item_campaign_filter(stmt, campaign)
    rows = session.execute(stmt).all()
    names = _names(session, [r.unit_id for r in rows if r.unit_id])
    out = []
    totals = {"total": 0, "open": 0, "review": 0, "cleared": 0, "overdue": 0}
    for r in rows:
        d = {
            "unit_id": r.unit_id,
            "name": names.get(r.unit_id, ("", "本级"))[1] if r.unit_id else "本级",
            "code": names.get(r.unit_id, ("", ""))[0] if r.unit_id else "",
            "total": r.total or 0,
            "open": int(r.open or 0),
            "review": int(r.review or 0),
            "cleared": int(r.cleared or 0),
            "overdue": int(r.overdue or 0),
        }
        for k in totals:
            totals[k] += d[k]
        out.append(d)
    out.sort(key=lambda d: d["code"])
    return out, totals, param, heading


def item_campaign_filter(stmt, campaign: int):
    from whirlwind.targets.models import RectificationTarget

    return stmt.where(
        RectificationItem.source_type == ItemSource.TARGET,
        RectificationItem.source_id.in_(
            select(RectificationTarget.id).where(RectificationTarget.campaign_id == campaign)
        ),
    )


def _names(session, ids) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {
        i: (c, n)
        for i, c, n in session.execute(select(Org.id, Org.code, Org.name).where(Org.id.in_(ids)))
    }


def overdue_summary(session, identity, today: dt.date, settings) -> tuple[list[dict], str, str]:
    """Overdue items below the caller's level: per unit one level down, by how long (the
    red band of the warning colours, split into ≤30 days, 31–60 days and more)."""
    column, param, heading = group_column(identity)
    days = func.count()
    is_overdue = and_(
        RectificationItem.status != ItemStatus.CLEARED, RectificationItem.deadline < today
    )
    d30, d60 = today - dt.timedelta(days=30), today - dt.timedelta(days=60)
    stmt = (
        select(
            column.label("unit_id"),
            days.label("overdue"),
            func.sum(case((RectificationItem.deadline >= d30, 1), else_=0)).label("upto30"),
            func.sum(
                case(
                    (and_(RectificationItem.deadline < d30, RectificationItem.deadline >= d60), 1),
                    else_=0,
                )
            ).label("upto60"),
            func.sum(case((RectificationItem.deadline < d60, 1), else_=0)).label("over60"),
            func.sum(case((RectificationItem.status.in_(REVIEW_STATUSES), 1), else_=0)).label(
                "review"
            ),
            func.min(RectificationItem.deadline).label("oldest"),
        )
        .select_from(RectificationItem)
        .join(Org, Org.id == RectificationItem.org_id)
        .where(is_overdue)
        .group_by(column)
    )
    stmt = scope(stmt, RectificationItem.org_id, identity)
    rows = session.execute(stmt).all()
    names = _names(session, [r.unit_id for r in rows if r.unit_id])
    out = [
        {
            "unit_id": r.unit_id,
            "name": names.get(r.unit_id, ("", "本级"))[1] if r.unit_id else "本级",
            "code": names.get(r.unit_id, ("", ""))[0] if r.unit_id else "",
            "overdue": r.overdue,
            "upto30": int(r.upto30 or 0),
            "upto60": int(r.upto60 or 0),
            "over60": int(r.over60 or 0),
            "review": int(r.review or 0),
            "oldest_days": (today - r.oldest).days if r.oldest else 0,
        }
        for r in rows
    ]
    out.sort(key=lambda d: (-d["overdue"], d["code"]))
    return out, param, heading


def my_packages(session, identity) -> list[ResponsibilityPackage]:
    """Packages naming the current user as a member (包保责任), inside the jurisdiction."""
    stmt = (
        select(ResponsibilityPackage)
        .where(
            ResponsibilityPackage.id.in_(
                select(PackageMember.package_id).where(PackageMember.user_id == identity.user.id)
            )
        )
        .options(joinedload(ResponsibilityPackage.org), selectinload(ResponsibilityPackage.members))
        .order_by(ResponsibilityPackage.id)
    )
    stmt = scope(stmt, ResponsibilityPackage.org_id, identity)
    return list(session.scalars(stmt).unique())


def items_by_package(session, package_ids) -> dict[int, list[RectificationItem]]:
    ids = list(package_ids)
    result: dict[int, list[RectificationItem]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = (
        select(RectificationItem)
        .where(RectificationItem.package_id.in_(ids))
        .order_by(RectificationItem.deadline, RectificationItem.id)
        .options(
            joinedload(RectificationItem.org).joinedload(Org.district),
            joinedload(RectificationItem.org).joinedload(Org.street),
            selectinload(RectificationItem.package).selectinload(ResponsibilityPackage.members),
        )
    )
    for item in session.scalars(stmt).unique():
        result[item.package_id].append(item)
    return result
