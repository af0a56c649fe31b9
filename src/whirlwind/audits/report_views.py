"""Pages of committee problem reports (问题反映): list, submit, the report page and the
inspector's steps (receive, verify, convert to finding/item/clue, dismiss, feed back)."""

from __future__ import annotations

from functools import partial

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import select

from whirlwind import clock
from whirlwind.audits import reports, services
from whirlwind.audits.models import REPORT_STATUS_LABELS, CommitteeReport, Finding
from whirlwind.audits.queries import Filters, filter_choices
from whirlwind.audits.schemas import (
    finding_schema,
    reason_schema,
    report_item_schema,
    report_schema,
)
from whirlwind.audits.views import T, _form_page, _unit_choices, parse, ref_choices
from whirlwind.changelog import history
from whirlwind.deadlines import policy
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form
from whirlwind.ledger.services import items_for_source, source_progress
from whirlwind.orgs.models import GRASSROOTS_LEVELS
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import choices
from whirlwind.scoping import get_visible, scope_to_unit
from whirlwind.security import Permission
from whirlwind.web.actions import action


def _statement(request, f: Filters, status: str):
    stmt = select(CommitteeReport)
    stmt = scope_to_unit(stmt, CommitteeReport.org_id, request.identity, f.unit)
    if status in REPORT_STATUS_LABELS:
        stmt = stmt.where(CommitteeReport.status == status)
    if f.date_from:
        stmt = stmt.where(CommitteeReport.found_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(CommitteeReport.found_date <= f.date_to)
    return stmt.order_by(CommitteeReport.id.desc())


@view_config(
    route_name="audits.reports", renderer=T + "reports.jinja2", permission=Permission.AUDITS_VIEW
)
def report_list(request):
    f = Filters.from_params(request.params)
    status = request.params.get("status", "")
    page, size = page_params(request)
    return {
        "filters": f,
        "status": status,
        "statuses": REPORT_STATUS_LABELS,
        "units": filter_choices(request.dbsession, request.identity, f),
        "page": paginate(request.dbsession, _statement(request, f, status), page, size),
        "can_submit": request.identity.can(Permission.REPORTS_SUBMIT),
        "colour": partial(reports.report_colour, policy(request), today=clock.today()),
    }


@view_config(route_name="audits.reports_export", permission=Permission.AUDITS_VIEW)
def report_export(request):
    f = Filters.from_params(request.params)
    rows = [
        (
            r.number,
            r.org.name,
            r.found_date,
            r.problem,
            r.persons,
            r.amount,
            r.reporter.display_name,
            r.status_label,
            r.outcome_label,
            r.dismiss_reason,
            r.feedback,
        )
        for r in request.dbsession.scalars(_statement(request, f, request.params.get("status", "")))
    ]
    wb = new_workbook()
    add_sheet(
        wb,
        "问题反映",
        [
            "编号",
            "村(社区)",
            "发现日期",
            "反映的问题",
            "涉及人员",
            "涉及金额",
            "提交人",
            "状态",
            "处理结果",
            "不予采纳理由",
            "反馈意见",
        ],
        rows,
    )
    return workbook_response(wb, f"村监委问题反映-{clock.today():%Y%m%d}.xlsx")


@view_config(
    route_name="audits.report_new", renderer=T + "form.jinja2", permission=Permission.REPORTS_SUBMIT
)
def report_new(request):
    units = [] if request.identity.org.level in GRASSROOTS_LEVELS else _unit_choices(request)
    form = make_form(
        request, report_schema({"units": units}), buttons=("提交问题反映",), formid="report"
    )

    def on_success(data):
        report = reports.submit_report(request.dbsession, request.identity, data)
        request.session.flash(
            f"问题反映 {report.number} 已提交，街道纪工委接收后将核实处理并反馈。", "success"
        )
        return HTTPFound(request.route_url("audits.report", id=report.id))

    title = f"提交问题反映：{request.identity.org.name}" if not units else "提交问题反映"
    return _form_page(
        title,
        request.route_path("audits.reports"),
        handle_form(request, form, on_success, appstruct={"found_date": clock.today()}),
    )


@view_config(
    route_name="audits.report", renderer=T + "report.jinja2", permission=Permission.AUDITS_VIEW
)
def report_view(request):
    session = request.dbsession
    report = get_visible(session, request.identity, CommitteeReport, request.matchdict["id"])
    finding = session.scalar(select(Finding).where(Finding.report_id == report.id).limit(1))
    items = items_for_source(session, "committee_report", report.id)
    return {
        "report": report,
        "colour": reports.report_colour(policy(request), report, clock.today()),
        "finding": finding,
        "items": items,
        "progress": source_progress(items),
        "actions": reports.available_actions(request.identity, report),
        "can_clue": request.identity.can(Permission.CASES_EDIT)
        and services.clue_create_function() is not None,
        "history": history(session, "committee_report", report.id),
    }


ACTION_FIELDS = {
    "receive": None,
    "verify": ("verification", "核实情况"),
    "dismiss": ("reason", "不予采纳理由"),
    "feedback": ("feedback", "反馈意见"),
}


@view_config(
    route_name="audits.report_action", request_method="POST", permission=Permission.AUDITS_EDIT
)
@action(lambda r: report_view(r), T + "report.jinja2", lambda r: f"report-{r.matchdict['action']}")
def report_action(request):
    session = request.dbsession
    report = get_visible(session, request.identity, CommitteeReport, request.matchdict["id"])
    action = request.matchdict["action"]
    spec = ACTION_FIELDS[action]
    if spec is None:
        reports.receive(session, request.identity, report, version=request.POST.get("version"))
    else:
        field, title = spec
        data = parse(request, reason_schema(field, title))
        func = {
            "verify": reports.verify,
            "dismiss": reports.dismiss,
            "feedback": reports.feed_back,
        }[action]
        func(session, request.identity, report, version=data["version"], **{field: data[field]})
    request.session.flash(f"问题反映 {report.number}：{report.status_label}。", "success")
    return HTTPFound(request.route_url("audits.report", id=report.id))


@view_config(
    route_name="audits.report_finding",
    renderer=T + "form.jinja2",
    permission=Permission.AUDITS_EDIT,
)
def report_to_finding(request):
    session = request.dbsession
    report = get_visible(session, request.identity, CommitteeReport, request.matchdict["id"])
    form = make_form(
        request, finding_schema(ref_choices(request)), buttons=("转为发现问题",), formid="finding"
    )

    def on_success(data):
        finding = reports.to_finding(
            session, request.identity, report, data, version=data.pop("version", None)
        )
        request.session.flash(f"已转为发现问题 {finding.number}。", "success")
        return HTTPFound(request.route_url("audits.finding", id=finding.id))

    initial = {
        "description": report.problem,
        "amount_involved": report.amount,
        "version": report.version,
    }
    return _form_page(
        f"转为发现问题：问题反映 {report.number}",
        request.route_path("audits.report", id=report.id),
        handle_form(request, form, on_success, appstruct=initial),
    )


@view_config(
    route_name="audits.report_item", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT
)
def report_to_item(request):
    session = request.dbsession
    report = get_visible(session, request.identity, CommitteeReport, request.matchdict["id"])
    form = make_form(request, report_item_schema(), buttons=("转整改事项",), formid="items")

    def on_success(data):
        item = reports.to_item(
            session, request.identity, report, data, data, version=data.get("version")
        )
        request.session.flash(f"已转整改事项 {item.number}。", "success")
        return HTTPFound(request.route_url("audits.report", id=report.id))

    initial = {"problem": report.problem, "version": report.version}
    return _form_page(
        f"转整改事项：问题反映 {report.number}",
        request.route_path("audits.report", id=report.id),
        handle_form(request, form, on_success, appstruct=initial),
    )


@view_config(
    route_name="audits.report_clue", renderer=T + "form.jinja2", permission=Permission.CASES_EDIT
)
def report_to_clue(request):
    from whirlwind.audits.schemas import clue_schema

    session = request.dbsession
    report = get_visible(session, request.identity, CommitteeReport, request.matchdict["id"])
    schema = clue_schema({"clue_source": choices(session, "clue_source")})
    form = make_form(request, schema, buttons=("转问题线索",), formid="clue")

    def on_success(data):
        clue = reports.to_clue(session, request.identity, report, data, version=data.get("version"))
        request.session.flash(f"已转问题线索 {clue.number}。", "success")
        return HTTPFound(request.route_url("audits.report", id=report.id))

    initial = {
        "title": f"{report.org.name}：{report.problem[:40]}",
        "received_date": clock.today(),
        "source": "committee",
        "summary": report.problem,
        "version": report.version,
    }
    return _form_page(
        f"转问题线索：问题反映 {report.number}",
        request.route_path("audits.report", id=report.id),
        handle_form(request, form, on_success, appstruct=initial),
    )
