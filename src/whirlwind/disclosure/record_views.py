"""Records, checks and failures (公开记录、检查、转整改): list, forms and detail pages."""

from __future__ import annotations

import datetime as dt

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from whirlwind import changelog, clock
from whirlwind.attachments.services import for_owner, store_upload
from whirlwind.disclosure import services
from whirlwind.disclosure.models import (
    DOMAIN_LABELS,
    CheckResult,
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
    FailureKind,
)
from whirlwind.disclosure.periods import classify
from whirlwind.disclosure.schemas import (
    CheckForm,
    EventRecordForm,
    FailureForm,
    RecordEditForm,
    RecordForm,
)
from whirlwind.errors import NotFound, ValidationFailed
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form
from whirlwind.ledger.models import ItemSource
from whirlwind.ledger.services import items_for_source, source_progress
from whirlwind.orgs.models import Org
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import request_labels
from whirlwind.scoping import get_visible, scope_to_unit
from whirlwind.security import Permission
from whirlwind.web.actions import action

FORM = "whirlwind:disclosure/templates/form.jinja2"


def _calendar_url(request, org_id, period_start: dt.date | None = None):
    query = {"year": period_start.year} if period_start else {}
    return request.route_url("disclosure.calendar", org_id=org_id, _query=query)


# --- Records list ---------------------------------------------------------------------------


def _records_query(request):
    params = request.params
    rec = DisclosureRecord
    stmt = (
        select(rec)
        .join(DisclosureCatalogItem, DisclosureCatalogItem.id == rec.catalog_item_id)
        .options(joinedload(rec.org))
        .order_by(rec.published_on.desc(), rec.id.desc())
    )
    try:
        unit_id = int(params.get("unit") or 0) or None
    except ValueError:
        unit_id = None
    stmt = scope_to_unit(stmt, rec.org_id, request.identity, unit_id)
    if params.get("domain") in DOMAIN_LABELS:
        stmt = stmt.where(DisclosureCatalogItem.domain == params["domain"])
    if params.get("item", "").isdigit():
        stmt = stmt.where(rec.catalog_item_id == int(params["item"]))
    if params.get("channel"):
        stmt = stmt.where(rec.channel == params["channel"])
    if params.get("year", "").isdigit():
        year = int(params["year"])
        stmt = stmt.where(
            rec.published_on >= dt.date(year, 1, 1), rec.published_on <= dt.date(year, 12, 31)
        )
    if params.get("timeliness") == "late":
        stmt = stmt.where(rec.published_on > rec.due_date)
    elif params.get("timeliness") == "on_time":
        stmt = stmt.where(rec.published_on <= rec.due_date)
    return stmt


def _filter_context(request):
    session = request.dbsession
    units = session.execute(
        scope_to_unit(
            select(Org.id, Org.name, Org.level).where(Org.level.in_(("district", "street"))),
            Org.id,
            request.identity,
            None,
        ).order_by(Org.code)
    ).all()
    items = services.catalog_items(session, active_only=False)
    return {
        "units": units,
        "items": items,
        "domains": DOMAIN_LABELS,
        "channels": request_labels(request, "disclosure_channel"),
    }


@view_config(
    route_name="disclosure.records",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/records.jinja2",
)
def records(request):
    page_no, size = page_params(request)
    page = paginate(request.dbsession, _records_query(request), page_no, size)
    return {"page": page, "params": request.params, **_filter_context(request)}


@view_config(route_name="disclosure.records_export", permission=Permission.DISCLOSURE_VIEW)
def records_export(request):
    channels = request_labels(request, "disclosure_channel")
    rows = []
    for r in request.dbsession.scalars(_records_query(request)):
        status = classify(
            r.due_date
            if not r.catalog_item.is_periodic
            else r.catalog_item.period(r.period).due(r.catalog_item.deadline_days),
            r.published_on,
            clock.today(),
        )
        rows.append(
            [
                r.org.name,
                r.catalog_item.domain_label,
                r.catalog_item.title,
                r.period_label,
                r.published_on,
                status.label,
                channels.get(r.channel, r.channel),
                r.content,
                r.evidence_link,
                r.reviewer_body_label,
                r.reviewer_name,
                r.reviewed_on,
            ]
        )
    wb = new_workbook()
    add_sheet(
        wb,
        "公开记录",
        [
            "村/社区",
            "类别",
            "公开事项",
            "公开期间",
            "公开日期",
            "状态",
            "公开渠道",
            "内容摘要",
            "佐证链接",
            "审核主体",
            "审核人",
            "审核日期",
        ],
        rows,
    )
    return workbook_response(wb, "三务公开记录.xlsx")


# --- Record form and page -------------------------------------------------------------------


def _obligation_from_params(request):
    p = request.params
    event_date = None
    if p.get("event_date"):
        try:
            event_date = dt.date.fromisoformat(p["event_date"])
        except ValueError:
            event_date = None
    try:
        return services.resolve(
            request.dbsession,
            request.identity,
            p.get("org_id"),
            p.get("catalog_item_id"),
            p.get("period"),
            event_date=event_date,
            today=clock.today(),
        )
    except ValidationFailed:
        # An event item reached without a date: the form asks for it.
        org = services.get_unit(request.dbsession, request.identity, p.get("org_id"))
        item = services.get_catalog_item(request.dbsession, p.get("catalog_item_id"))
        if item.is_periodic:
            raise
        return services.Obligation(org, item, None)


@view_config(
    route_name="disclosure.record_new", permission=Permission.DISCLOSURE_EDIT, renderer=FORM
)
def record_new(request):
    ob = _obligation_from_params(request)
    schema = RecordForm() if ob.item.is_periodic else EventRecordForm()
    form = make_form(request, schema, buttons=("保存公开记录",), formid="record")

    def on_success(data):
        record = services.create_record(
            request.dbsession, request.identity, data, today=clock.today()
        )
        request.session.flash(
            f"已登记{record.org.name}“{record.catalog_item.title}”{record.period_label}的公开。",
            "success",
        )
        return HTTPFound(request.route_url("disclosure.record", id=record.id))

    defaults = {
        "org_id": ob.org.id,
        "catalog_item_id": ob.item.id,
        "published_on": clock.today(),
        "period": ob.period.key if ob.period and ob.item.is_periodic else "",
    }
    if ob.period and not ob.item.is_periodic:
        defaults["event_date"] = ob.period.start
    result = handle_form(request, form, on_success, appstruct=defaults)
    if isinstance(result, dict):
        result.update(title="登记公开", ob=ob)
    return result


def _record(request) -> DisclosureRecord:
    return get_visible(
        request.dbsession, request.identity, DisclosureRecord, request.matchdict["id"]
    )


@view_config(
    route_name="disclosure.record",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/record.jinja2",
)
def record_view(request):
    record = _record(request)
    session = request.dbsession
    checks = list(
        session.scalars(
            select(DisclosureCheck)
            .where(
                DisclosureCheck.org_id == record.org_id,
                DisclosureCheck.catalog_item_id == record.catalog_item_id,
                DisclosureCheck.period == record.period,
            )
            .order_by(DisclosureCheck.checked_on, DisclosureCheck.id)
        )
    )
    failures = list(
        session.scalars(
            select(DisclosureFailure)
            .where(
                DisclosureFailure.org_id == record.org_id,
                DisclosureFailure.catalog_item_id == record.catalog_item_id,
                DisclosureFailure.period == record.period,
            )
            .order_by(DisclosureFailure.id)
        )
    )
    ob = services.Obligation(
        record.org, record.catalog_item, record.catalog_item.period(record.period)
    )
    due = record.due_date if not record.catalog_item.is_periodic else ob.due
    return {
        "record": record,
        "due": due,
        "status": classify(due, record.published_on, clock.today()),
        "checks": checks,
        "failures": failures,
        "attachments": for_owner(session, "disclosure_record", [record.id])[record.id],
        "channels": request_labels(request, "disclosure_channel"),
        "reasons": request_labels(request, "disclosure_failure"),
        "history": changelog.history(session, "disclosure_record", record.id),
    }


@view_config(
    route_name="disclosure.record_edit", permission=Permission.DISCLOSURE_EDIT, renderer=FORM
)
def record_edit(request):
    record = _record(request)
    form = make_form(request, RecordEditForm(), buttons=("保存修改",), formid="record")

    def on_success(data):
        version = data.pop("version", None)
        services.update_record(
            request.dbsession, request.identity, record, data, version=version, today=clock.today()
        )
        request.session.flash("公开记录已修改。", "success")
        return HTTPFound(request.route_url("disclosure.record", id=record.id))

    values = {name: getattr(record, name) for name in services.RECORD_FIELDS}
    values["version"] = record.version
    result = handle_form(request, form, on_success, appstruct=values)
    if isinstance(result, dict):
        ob = services.Obligation(
            record.org, record.catalog_item, record.catalog_item.period(record.period)
        )
        result.update(title="修改公开记录", ob=ob)
    return result


@view_config(
    route_name="disclosure.record_evidence",
    permission=Permission.DISCLOSURE_EDIT,
    request_method="POST",
)
@action(lambda r: record_view(r), "whirlwind:disclosure/templates/record.jinja2", "evidence-form")
def record_evidence(request):
    record = _record(request)
    attachment = store_upload(
        request,
        "file",
        owner_type="disclosure_record",
        owner_id=record.id,
        org_id=record.org_id,
        required=True,
    )
    request.session.flash(f"已上传佐证材料“{attachment.filename}”。", "success")
    return HTTPFound(request.route_url("disclosure.record", id=record.id))


# --- Checks -------------------------------------------------------------------------------


@view_config(
    route_name="disclosure.check_new", permission=Permission.DISCLOSURE_CHECK, renderer=FORM
)
def check_new(request):
    p = request.params
    ob = services.resolve(
        request.dbsession,
        request.identity,
        p.get("org_id"),
        p.get("catalog_item_id"),
        p.get("period"),
        today=clock.today(),
    )
    form = make_form(request, CheckForm(), buttons=("保存检查结果",), formid="check")

    def on_success(data):
        check = services.record_check(
            request.dbsession, request.identity, data, today=clock.today()
        )
        if check.passed:
            request.session.flash("检查结果已保存：合格。", "success")
            return HTTPFound(_calendar_url(request, check.org_id, ob.period.start))
        request.session.flash("检查结果已保存：不合格。可填写下表转为整改事项。", "warning")
        return HTTPFound(request.route_url("disclosure.failure_new", _query={"check": check.id}))

    defaults = {
        "org_id": ob.org.id,
        "catalog_item_id": ob.item.id,
        "period": ob.period.key,
        "checked_on": clock.today(),
    }
    result = handle_form(request, form, on_success, appstruct=defaults)
    if isinstance(result, dict):
        record = services.record_for(request.dbsession, ob.org.id, ob.item.id, ob.period.key)
        result.update(
            title="三务公开检查",
            ob=ob,
            record=record,
            status=services.status_of(request.dbsession, ob, clock.today()),
        )
    return result


@view_config(
    route_name="disclosure.check",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/check.jinja2",
)
def check_view(request):
    check = services.get_check(request.dbsession, request.identity, request.matchdict["id"])
    return {
        "check": check,
        "failure": services.failure_for_check(request.dbsession, check.id),
        "reasons": request_labels(request, "disclosure_failure"),
        "history": changelog.history(request.dbsession, "disclosure_check", check.id),
    }


# --- Failures -> ledger ---------------------------------------------------------------------


@view_config(
    route_name="disclosure.failure_new", permission=Permission.DISCLOSURE_CHECK, renderer=FORM
)
def failure_new(request):
    session = request.dbsession
    reasons = request_labels(request, "disclosure_failure")
    check = None
    if request.params.get("check"):
        check = services.get_check(session, request.identity, request.params["check"])
        if check.passed:
            raise NotFound("该检查结论为合格，无需整改。")
        kind = FailureKind.CHECK
        ob = services.Obligation(
            check.org, check.catalog_item, check.catalog_item.period(check.period)
        )
        problem = services.default_problem(
            ob, kind, [reasons.get(r, r) for r in check.reason_codes]
        )
    else:
        p = request.params
        ob = services.resolve(
            session,
            request.identity,
            p.get("org_id"),
            p.get("catalog_item_id"),
            p.get("period"),
            today=clock.today(),
        )
        kind = FailureKind.MISSING
        problem = services.default_problem(ob, kind)
    form = make_form(request, FailureForm(), buttons=("转为整改事项",), formid="failure")

    def on_success(data):
        failure = services.open_failure(
            session, request.identity, kind=kind, data=data, check=check, ob=ob, today=clock.today()
        )
        request.session.flash(
            f"已转为整改事项（问题编号 {failure.number}），进入整改台账。", "success"
        )
        return HTTPFound(request.route_url("disclosure.source", id=failure.id))

    defaults = {
        "problem": problem,
        "deadline": clock.today() + dt.timedelta(days=30),
        "measure": "立即补充公开，并由村(居)务监督委员会复核。",
    }
    result = handle_form(request, form, on_success, appstruct=defaults)
    if isinstance(result, dict):
        result.update(title="转为整改事项", ob=ob, kind_label=FailureKind(kind).label)
    return result


@view_config(
    route_name="disclosure.source",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/failure.jinja2",
)
def failure_view(request):
    failure = get_visible(
        request.dbsession, request.identity, DisclosureFailure, request.matchdict["id"]
    )
    items = items_for_source(request.dbsession, ItemSource.DISCLOSURE, failure.id)
    record = services.record_for(
        request.dbsession, failure.org_id, failure.catalog_item_id, failure.period
    )
    return {
        "failure": failure,
        "items": items,
        "progress": source_progress(items),
        "record": record,
        "reasons": request_labels(request, "disclosure_failure"),
        "history": changelog.history(request.dbsession, "disclosure_failure", failure.id),
        "CheckResult": CheckResult,
    }
