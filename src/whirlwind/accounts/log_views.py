"""The change-log page (变更记录): verifies the hash chain and lists recent rows of the
user's jurisdiction, searchable and paginated."""

from __future__ import annotations

import datetime as dt

from pyramid.view import view_config
from sqlalchemy import or_, select

from whirlwind import clock
from whirlwind.changelog import ChangeLog, verify_chain
from whirlwind.changelog_labels import RECORD_TYPES, field_label, record_label, value_label
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.orgs.services import contains_pattern
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import visible_org_ids
from whirlwind.security import Permission
from whirlwind.web.rendering import SHANGHAI, localtime

TEMPLATES = "whirlwind:accounts/templates/"


def _date(value: str | None):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def scoped_log(request):
    """Rows of the user's jurisdiction (by ``org_id``). Rows without a unit (roles,
    reference lists) are shown only to users whose unit is the root of the tree."""
    identity = request.identity
    cond = ChangeLog.org_id.in_(visible_org_ids(identity))
    if identity.org.parent_id is None:
        cond = or_(cond, ChangeLog.org_id.is_(None))
    stmt = select(ChangeLog).where(cond)
    params = request.params
    if params.get("record_type"):
        stmt = stmt.where(ChangeLog.record_type == params["record_type"])
    if (params.get("record_id") or "").isdigit():
        stmt = stmt.where(ChangeLog.record_id == int(params["record_id"]))
    user = (params.get("user") or "").strip()
    if user:
        stmt = stmt.where(ChangeLog.username == user)
    q = (params.get("q") or "").strip()
    if q:
        like = contains_pattern(q)
        stmt = stmt.where(
            or_(ChangeLog.action.like(like, escape="\\"), ChangeLog.changes.like(like, escape="\\"))
        )
    start, end = _date(params.get("from")), _date(params.get("to"))
    if start:
        stmt = stmt.where(ChangeLog.created_at >= dt.datetime.combine(start, dt.time(), SHANGHAI))
    if end:
        stmt = stmt.where(
            ChangeLog.created_at
            < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), SHANGHAI)
        )
    return stmt.order_by(ChangeLog.seq.desc())


def _summary(e) -> str:
    return "；".join(
        f"{field_label(e.record_type, k)}：{value_label(e.record_type, k, a)} → {value_label(e.record_type, k, b)}"
        for k, (a, b) in e.change_dict.items()
    )


@view_config(
    route_name="changelog.verify",
    permission=Permission.LOG_VIEW,
    renderer=TEMPLATES + "changelog.jinja2",
)
def changelog_page(request):
    session = request.dbsession
    stmt = scoped_log(request)
    if request.params.get("format") == "xlsx":
        wb = new_workbook()
        rows = [
            (
                e.seq,
                localtime(e.created_at),
                e.username,
                record_label(e.record_type),
                e.record_id,
                e.action_label,
                _summary(e),
            )
            for e in session.scalars(stmt.limit(50000))
        ]
        add_sheet(
            wb, "变更记录", ["序号", "时间", "操作人", "记录类型", "记录编号", "操作", "内容"], rows
        )
        return workbook_response(wb, f"变更记录-{clock.today():%Y%m%d}.xlsx")
    page, size = page_params(request)
    return {
        "result": verify_chain(session),
        "page": paginate(session, stmt, page, size),
        "record_types": RECORD_TYPES,
        "record_label": record_label,
        "params": request.params,
    }
