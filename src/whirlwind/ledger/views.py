"""Ledger pages (整改台账): list with filters and export, item page with progress and
sign-off, progress board per level, overdue lists, my packages."""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.interfaces import IRoutesMapper
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind import clock, forms
from whirlwind.attachments.services import check_file, for_owner, store_upload
from whirlwind.changelog import history
from whirlwind.deadlines import COLOUR_CHOICES, COLOUR_NAMES, overdue_days, policy
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import parse
from whirlwind.ledger import extensions, queries
from whirlwind.ledger.models import (
    ITEM_SOURCE_LABELS,
    ITEM_STATUS_LABELS,
    REVIEW_LEVEL_LABELS,
    ExtensionRequest,
    ItemReview,
    ProgressNote,
    RectificationItem,
)
from whirlwind.ledger.services import add_note, update_item
from whirlwind.ledger.workflow import (
    ACTION_LABELS,
    NEEDS_REASON,
    available_actions,
    awaiting_level,
    review_stages,
    transition,
)
from whirlwind.orgs.models import Org
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import get_visible, scope
from whirlwind.security import Permission
from whirlwind.targets.models import Campaign
from whirlwind.web.actions import action, page_for

# Where each source of items is shown (route name taking {id}); linked when the route exists.
SOURCE_ROUTES = {
    "target": "targets.detail",
    "finding": "audits.finding",
    "disclosure": "disclosure.source",
    "case": "cases.case",
    "committee_report": "audits.report",
}


def source_url(request, item) -> str | None:
    route = SOURCE_ROUTES.get(item.source_type)
    mapper = request.registry.getUtility(IRoutesMapper)
    if route is None or mapper.get_route(route) is None:
        return None
    return request.route_path(route, id=item.source_id)


class TransitionSchema(forms.CSRFSchema):
    version = colander.SchemaNode(colander.Int(), missing_msg="缺少版本号，请刷新页面后重试。")
    reason = forms.text("原因", max_length=2000, missing="")


class NoteSchema(forms.CSRFSchema):
    note = forms.text("整改进展", max_length=4000)


class ExtensionSchema(forms.CSRFSchema):
    """延期申请 (form and API)."""

    new_deadline = forms.date("申请延至")
    reason = forms.text("延期理由", max_length=2000)


class ExtensionDecisionSchema(forms.CSRFSchema):
    """延期审批 (form and API)."""

    decision = colander.SchemaNode(
        colander.String(),
        title="审批结果",
        validator=colander.OneOf(["approve", "reject"], msg_err="审批结果只能是 approve 或 reject"),
    )
    note = forms.text("审批意见", max_length=2000, missing="")
    version = colander.SchemaNode(colander.Int(), missing_msg="缺少版本号，请刷新页面后重试。")


class ItemSchema(colander.MappingSchema):
    """Editable fields of an item (form and API)."""

    problem = forms.text("问题描述", max_length=4000)
    measure = forms.text("整改措施", max_length=4000, missing="")
    responsible_person = forms.text("责任人", max_length=64, missing="")
    # Optional and never changed here: the deadline moves only through a 延期申请.
    deadline = forms.date("整改期限（只读，变更请提出延期申请）", missing=None)


class ItemForm(forms.CSRFSchema):
    problem = forms.text("问题描述", max_length=4000)
    measure = forms.text("整改措施", max_length=4000, missing="")
    responsible_person = forms.text("责任人", max_length=64, missing="")
    version = colander.SchemaNode(colander.Int(), widget=deform.widget.HiddenWidget())


def _filter_options(request, filters):
    session, identity = request.dbsession, request.identity
    districts = list(
        session.execute(
            scope(
                select(Org.id, Org.name).where(Org.level == "district"), Org.id, identity
            ).order_by(Org.code)
        )
    )
    street_stmt = scope(select(Org.id, Org.name).where(Org.level == "street"), Org.id, identity)
    if filters.district:
        street_stmt = street_stmt.where(Org.district_id == filters.district)
    streets = list(session.execute(street_stmt.order_by(Org.code)))
    from whirlwind.targets.services import campaigns_stmt

    campaigns = list(
        session.scalars(campaigns_stmt(identity).order_by(Campaign.year.desc(), Campaign.id))
    )
    return {"districts": districts, "streets": streets, "campaigns": campaigns}


def _row_view(request, item, day):
    return {
        "item": item,
        "colour": None if item.is_cleared else policy(request).colour_for_due(item.deadline, day),
        "overdue_days": 0 if item.is_cleared else overdue_days(item.deadline, day),
        "awaiting": awaiting_level(item),
    }


@view_config(
    route_name="ledger.index",
    renderer="whirlwind:ledger/templates/index.jinja2",
    permission=Permission.LEDGER_VIEW,
)
def index(request):
    filters = queries.LedgerFilters.from_params(request.params)
    day = clock.today()
    stmt = queries.item_query(request.identity, filters, day, request.registry.settings)
    page_no, size = page_params(request)
    page = paginate(request.dbsession, stmt, page_no, size)
    return {
        "filters": filters,
        "page": page,
        "rows": [_row_view(request, i, day) for i in page.items],
        "options": _filter_options(request, filters),
        "sources": ITEM_SOURCE_LABELS,
        "statuses": ITEM_STATUS_LABELS,
        "states": queries.STATE_GROUPS,
        "colours": COLOUR_CHOICES,
        "awaiting": queries.AWAITING,
        "sorts": queries.SORTS,
        "levels": REVIEW_LEVEL_LABELS,
        "export_url": request.route_path("ledger.export", _query=filters.as_query()),
    }


EXPORT_HEADERS = (
    "整改编号",
    "来源",
    "区",
    "街道/乡镇",
    "单位",
    "问题描述",
    "整改措施",
    "责任人",
    "整改期限",
    "状态",
    "待审核层级",
    "逾期天数",
    "预警",
    "退回原因",
)


@view_config(route_name="ledger.export", permission=Permission.LEDGER_VIEW)
def export(request):
    """Excel of exactly the filtered rows (the same scoped query as the list)."""
    filters = queries.LedgerFilters.from_params(request.params)
    day = clock.today()
    stmt = queries.item_query(request.identity, filters, day, request.registry.settings)
    rows = []
    for item in request.dbsession.scalars(stmt).unique():
        r = _row_view(request, item, day)
        org = item.org
        rows.append(
            (
                item.number,
                item.source_label,
                org.district.name if org.district else "",
                org.street.name if org.street else "",
                org.name,
                item.problem,
                item.measure,
                item.responsible_person,
                item.deadline,
                item.status_label,
                REVIEW_LEVEL_LABELS.get(r["awaiting"] or "", ""),
                r["overdue_days"] or "",
                COLOUR_NAMES.get(r["colour"] or "", ""),
                item.last_return_reason,
            )
        )
    wb = new_workbook()
    add_sheet(wb, "整改台账", EXPORT_HEADERS, rows)
    return workbook_response(wb, f"整改台账-{day.isoformat()}.xlsx")


def _load_item(request) -> RectificationItem:
    return get_visible(
        request.dbsession, request.identity, RectificationItem, request.matchdict["id"]
    )


@view_config(
    route_name="ledger.item",
    renderer="whirlwind:ledger/templates/item.jinja2",
    permission=Permission.LEDGER_VIEW,
)
def item_page(request):
    item = _load_item(request)
    session, day = request.dbsession, clock.today()
    notes = list(
        session.scalars(
            select(ProgressNote)
            .where(ProgressNote.item_id == item.id)
            .options(selectinload(ProgressNote.author))
            .order_by(ProgressNote.id)
        )
    )
    reviews = list(
        session.scalars(
            select(ItemReview)
            .where(ItemReview.item_id == item.id)
            .options(selectinload(ItemReview.reviewer))
            .order_by(ItemReview.id)
        )
    )
    actions = available_actions(session, request.identity, item)
    ext_rows = extensions.requests_for(session, item)
    return {
        "extensions": ext_rows,
        "extension_decidable": {
            r.id
            for r in ext_rows
            if r.is_pending and extensions.decision_refusal(session, request.identity, r) is None
        },
        "can_request_extension": request.identity.can(Permission.LEDGER_EDIT)
        and not item.is_cleared
        and not any(r.is_pending for r in ext_rows),
        "item": item,
        "row": _row_view(request, item, day),
        "source_url": source_url(request, item),
        "members": item.package.members if item.package else [],
        "notes": notes,
        "evidence": for_owner(session, "progress_note", [n.id for n in notes]),
        "reviews": reviews,
        "stages": review_stages(item),
        "levels": REVIEW_LEVEL_LABELS,
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "needs_reason": NEEDS_REASON,
        "can_note": request.identity.can(Permission.LEDGER_EDIT)
        and item.status in ("pending", "in_progress", "returned"),
        "can_edit": request.identity.can(Permission.LEDGER_EDIT)
        and item.status in ("pending", "in_progress", "returned"),
        "entries": history(session, "item", item.id),
    }


ITEM_PAGE = "whirlwind:ledger/templates/item.jinja2"


@view_config(
    route_name="ledger.transition", request_method="POST", permission=Permission.LEDGER_VIEW
)
@action(lambda r: item_page(r), ITEM_PAGE, lambda r: f"action-{r.matchdict['action']}")
def item_transition(request):
    item = _load_item(request)
    action = request.matchdict["action"]
    data = parse(TransitionSchema(), request)
    transition(
        request.dbsession,
        request.identity,
        item,
        action,
        version=data["version"],
        reason=data["reason"],
    )
    request.session.flash(
        f"已{ACTION_LABELS.get(action, action)}：{item.number}（当前状态：{item.status_label}）。",
        "success",
    )
    return HTTPFound(request.route_url("ledger.item", id=item.id))


@view_config(route_name="ledger.note", request_method="POST", permission=Permission.LEDGER_EDIT)
@action(lambda r: item_page(r), ITEM_PAGE, "note-form")
def item_note(request):
    item = _load_item(request)
    data = parse(NoteSchema(), request)
    # The file is checked before anything is written, so a bad file leaves no note behind.
    check_file(request, "file")
    note = add_note(request.dbsession, request.identity, item, data["note"])
    store_upload(request, "file", owner_type="progress_note", owner_id=note.id, org_id=item.org_id)
    request.session.flash("整改进展已保存。", "success")
    return HTTPFound(request.route_url("ledger.item", id=item.id, _anchor="notes"))


@view_config(
    route_name="ledger.extension_request",
    request_method="POST",
    permission=Permission.LEDGER_EDIT,
)
@action(lambda r: item_page(r), ITEM_PAGE, "extension-form")
def extension_request(request):
    item = _load_item(request)
    data = parse(ExtensionSchema(), request)
    extensions.request_extension(
        request.dbsession,
        request.identity,
        item,
        new_deadline=data["new_deadline"],
        reason=data["reason"],
        today=clock.today(),
    )
    request.session.flash("延期申请已提交，待上一级审批。", "success")
    return HTTPFound(request.route_url("ledger.item", id=item.id, _anchor="extensions"))


@view_config(
    route_name="ledger.extension_decide",
    request_method="POST",
    permission=Permission.LEDGER_REVIEW,
)
@action(
    page_for(
        lambda r: item_page(r),
        lambda r: get_visible(r.dbsession, r.identity, ExtensionRequest, r.matchdict["id"]).item_id,
    ),
    ITEM_PAGE,
    lambda r: f"extension-decide-{r.matchdict['id']}",
)
def extension_decide(request):
    req = get_visible(
        request.dbsession, request.identity, ExtensionRequest, request.matchdict["id"]
    )
    data = parse(ExtensionDecisionSchema(), request)
    extensions.decide_extension(
        request.dbsession,
        request.identity,
        req,
        approve=data["decision"] == "approve",
        note=data["note"],
        version=data["version"],
        today=clock.today(),
    )
    request.session.flash(f"延期申请{req.status_label}。", "success")
    return HTTPFound(request.route_url("ledger.item", id=req.item_id, _anchor="extensions"))


@view_config(
    route_name="ledger.edit",
    renderer="whirlwind:ledger/templates/edit.jinja2",
    permission=Permission.LEDGER_EDIT,
)
def item_edit(request):
    item = _load_item(request)
    form = forms.make_form(request, ItemForm(), buttons=("保存",), formid="item")

    def on_success(data):
        update_item(request.dbsession, request.identity, item, **data)
        request.session.flash("整改事项已修改。", "success")
        return HTTPFound(request.route_url("ledger.item", id=item.id))

    appstruct = {
        "problem": item.problem,
        "measure": item.measure,
        "responsible_person": item.responsible_person,
        "version": item.version,
    }
    result = forms.handle_form(request, form, on_success, appstruct=appstruct)
    if isinstance(result, dict):
        result["item"] = item
    return result


@view_config(
    route_name="ledger.board",
    renderer="whirlwind:ledger/templates/board.jinja2",
    permission=Permission.LEDGER_VIEW,
)
def board(request):
    try:
        campaign = int(request.params.get("campaign") or 0) or None
    except ValueError:
        campaign = None
    rows, totals, param, heading = queries.board(
        request.dbsession, request.identity, clock.today(), campaign=campaign
    )
    return {
        "rows": rows,
        "totals": totals,
        "param": param,
        "heading": heading,
        "campaign": campaign,
    }


@view_config(
    route_name="ledger.overdue",
    renderer="whirlwind:ledger/templates/overdue.jinja2",
    permission=Permission.LEDGER_VIEW,
)
def overdue(request):
    day = clock.today()
    summary, param, heading = queries.overdue_summary(
        request.dbsession, request.identity, day, request.registry.settings
    )
    filters = queries.LedgerFilters.from_params(request.params)
    filters.overdue = "1"
    stmt = queries.item_query(request.identity, filters, day, request.registry.settings)
    page_no, size = page_params(request)
    page = paginate(request.dbsession, stmt, page_no, size)
    return {
        "summary": summary,
        "param": param,
        "heading": heading,
        "page": page,
        "rows": [_row_view(request, i, day) for i in page.items],
        "levels": REVIEW_LEVEL_LABELS,
        "export_url": request.route_path("ledger.export", _query=filters.as_query()),
    }


@view_config(
    route_name="ledger.my_packages",
    renderer="whirlwind:ledger/templates/my_packages.jinja2",
    permission=Permission.LEDGER_VIEW,
)
def my_packages(request):
    session, day = request.dbsession, clock.today()
    packages = queries.my_packages(session, request.identity)
    items = queries.items_by_package(session, [p.id for p in packages])
    entries = []
    for p in packages:
        rows = [_row_view(request, i, day) for i in items[p.id]]
        url = None
        route = SOURCE_ROUTES.get(p.source_type)
        if (
            route
            and p.source_id
            and request.registry.getUtility(IRoutesMapper).get_route(route) is not None
        ):
            url = request.route_path(route, id=p.source_id)
        mine = [m for m in p.members if m.user_id == request.identity.user.id]
        entries.append(
            {
                "package": p,
                "rows": rows,
                "source_url": url,
                "mine": mine,
                "cleared": sum(1 for r in rows if r["item"].is_cleared),
            }
        )
    return {"entries": entries}
