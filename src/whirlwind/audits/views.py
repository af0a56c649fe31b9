"""Pages of audits and findings: lists with filters and Excel export, the audit page, the
finding page (items' progress, clue status, recoveries, persons), sums per level and the
village page. Views parse input and call ``audits.services``; rules live there."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from whirlwind import clock
from whirlwind.attachments.services import for_owner, store_upload
from whirlwind.audits import queries, services
from whirlwind.audits.models import Audit, Finding
from whirlwind.audits.schemas import (
    audit_schema,
    finding_schema,
    item_schema,
    person_schema,
    recovery_schema,
)
from whirlwind.changelog import history
from whirlwind.errors import NotFound
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form
from whirlwind.forms import parse as forms_parse
from whirlwind.ledger.services import items_for_source, source_progress
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import choices, request_labels
from whirlwind.scoping import get_visible, in_jurisdiction
from whirlwind.security import Permission
from whirlwind.web.actions import action

T = "whirlwind:audits/templates/"
REF_KINDS = ("audit_body", "asset_type", "asset_subtype", "irregularity", "ledger_object_kind")


def ref_choices(request) -> dict:
    return {kind: choices(request.dbsession, kind) for kind in REF_KINDS}


def ref_labels(request) -> dict:
    return {kind: request_labels(request, kind) for kind in REF_KINDS}


def parse(request, schema) -> dict:
    """The one form parser (``whirlwind.forms.parse``) in this area's argument order."""
    return forms_parse(schema, request)


def _form_page(title: str, back: str, result):
    if isinstance(result, dict):
        result.setdefault("title", title)
        result.setdefault("back", back)
    return result


# --- audits -----------------------------------------------------------------------------------


def _list_context(request):
    f = queries.Filters.from_params(request.params)
    return f, {
        "filters": f,
        "units": queries.filter_choices(request.dbsession, request.identity, f),
        "refs": ref_choices(request),
        "labels": ref_labels(request),
    }


@view_config(
    route_name="audits.index", renderer=T + "index.jinja2", permission=Permission.AUDITS_VIEW
)
def audit_list(request):
    f, ctx = _list_context(request)
    page, size = page_params(request)
    ctx["page"] = paginate(
        request.dbsession, queries.audit_statement(request.identity, f), page, size
    )
    ctx["finding_counts"] = _finding_counts(request.dbsession, [a.id for a in ctx["page"].items])
    return ctx


def _finding_counts(session, audit_ids) -> dict[int, tuple[int, object]]:
    if not audit_ids:
        return {}
    stmt = (
        select(
            Finding.audit_id,
            func.count(Finding.id),
            func.coalesce(func.sum(Finding.amount_involved), 0),
        )
        .where(Finding.audit_id.in_(audit_ids))
        .group_by(Finding.audit_id)
    )
    return {a: (c, s) for a, c, s in session.execute(stmt)}


@view_config(route_name="audits.export", permission=Permission.AUDITS_VIEW)
def audit_export(request):
    f = queries.Filters.from_params(request.params)
    session = request.dbsession
    audits = list(session.scalars(queries.audit_statement(request.identity, f)))
    counts = _finding_counts(session, [a.id for a in audits])
    labels = ref_labels(request)
    wb = new_workbook()
    rows = [
        (
            a.number,
            _unit_name(a.org.district),
            _unit_name(a.org.street),
            a.org.name,
            a.audit_date,
            f"{a.period_from:%Y-%m-%d} 至 {a.period_to:%Y-%m-%d}",
            labels["audit_body"].get(a.body, a.body),
            a.inspectors,
            "、".join(labels["asset_type"].get(t, t) for t in a.asset_types),
            counts.get(a.id, (0, 0))[0],
            counts.get(a.id, (0, 0))[1],
        )
        for a in audits
    ]
    add_sheet(
        wb,
        "四资一项目检查",
        [
            "检查编号",
            "区",
            "街道",
            "村(社区)",
            "检查日期",
            "所查期间",
            "检查单位",
            "检查人员",
            "检查范围",
            "发现问题数",
            "涉及金额",
        ],
        rows,
    )
    return workbook_response(wb, f"四资一项目检查-{clock.today():%Y%m%d}.xlsx")


def _unit_name(org) -> str:
    return org.name if org is not None else ""


def _unit_choices(request) -> list[tuple[str, str]]:
    units = queries.visible_units(request.dbsession, request.identity, GRASSROOTS_LEVELS)
    return [(str(o.id), f"{o.name}（{o.street.name if o.street else ''}）") for o in units]


@view_config(route_name="audits.new", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT)
def audit_new(request):
    refs = ref_choices(request) | {"units": _unit_choices(request)}
    form = make_form(request, audit_schema(refs), buttons=("保存",), formid="audit")

    def on_success(data):
        audit = services.create_audit(request.dbsession, request.identity, data)
        request.session.flash(f"已登记检查 {audit.number}。", "success")
        return HTTPFound(request.route_url("audits.view", id=audit.id))

    initial = {}
    if request.params.get("org_id"):
        initial["org_id"] = request.params["org_id"]
    return _form_page(
        "登记四资一项目检查",
        request.route_path("audits.index"),
        handle_form(request, form, on_success, appstruct=initial),
    )


@view_config(
    route_name="audits.edit", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT
)
def audit_edit(request):
    audit = get_visible(request.dbsession, request.identity, Audit, request.matchdict["id"])
    refs = ref_choices(request) | {"units": [(str(audit.org_id), audit.org.name)]}
    form = make_form(request, audit_schema(refs, edit=True), buttons=("保存",), formid="audit")

    def on_success(data):
        services.update_audit(request.dbsession, request.identity, audit, data)
        request.session.flash("检查信息已保存。", "success")
        return HTTPFound(request.route_url("audits.view", id=audit.id))

    initial = {
        "org_id": str(audit.org_id),
        "period_from": audit.period_from,
        "period_to": audit.period_to,
        "audit_date": audit.audit_date,
        "body": audit.body,
        "inspectors": audit.inspectors,
        "scope_assets": set(audit.asset_types),
        "scope_projects": audit.scope_projects,
        "summary": audit.summary,
        "version": audit.version,
    }
    return _form_page(
        f"修改检查 {audit.number}",
        request.route_path("audits.view", id=audit.id),
        handle_form(request, form, on_success, appstruct=initial),
    )


@view_config(
    route_name="audits.view", renderer=T + "audit.jinja2", permission=Permission.AUDITS_VIEW
)
def audit_view(request):
    session = request.dbsession
    audit = get_visible(session, request.identity, Audit, request.matchdict["id"])
    findings = list(
        session.scalars(
            select(Finding)
            .options(selectinload(Finding.persons))
            .where(Finding.audit_id == audit.id)
            .order_by(Finding.seq)
        )
    )
    return {
        "audit": audit,
        "findings": findings,
        "labels": ref_labels(request),
        "states": queries.finding_states(session, [f.id for f in findings]),
        "attachments": for_owner(session, "audit", [audit.id])[audit.id],
        "history": history(session, "audit", audit.id),
    }


@view_config(route_name="audits.attach", request_method="POST", permission=Permission.AUDITS_EDIT)
@action(lambda r: audit_view(r), T + "audit.jinja2", "attach-form")
def audit_attach(request):
    audit = get_visible(request.dbsession, request.identity, Audit, request.matchdict["id"])
    att = store_upload(
        request, "file", owner_type="audit", owner_id=audit.id, org_id=audit.org_id, required=True
    )
    request.session.flash(f"已上传附件“{att.filename}”。", "success")
    return HTTPFound(request.route_url("audits.view", id=audit.id, _anchor="attachments"))


# --- findings ---------------------------------------------------------------------------------


@view_config(
    route_name="audits.finding_new", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT
)
def finding_new(request):
    audit = get_visible(request.dbsession, request.identity, Audit, request.matchdict["id"])
    form = make_form(
        request, finding_schema(ref_choices(request)), buttons=("保存",), formid="finding"
    )

    def on_success(data):
        finding = services.add_finding(request.dbsession, request.identity, audit, data)
        request.session.flash(f"已登记发现问题 {finding.number}。", "success")
        return HTTPFound(request.route_url("audits.finding", id=finding.id))

    return _form_page(
        f"登记发现问题：{audit.org.name} {audit.number}",
        request.route_path("audits.view", id=audit.id),
        handle_form(request, form, on_success),
    )


@view_config(
    route_name="audits.finding_edit", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT
)
def finding_edit(request):
    finding = get_visible(request.dbsession, request.identity, Finding, request.matchdict["id"])
    form = make_form(
        request,
        finding_schema(ref_choices(request), edit=True),
        buttons=("保存",),
        formid="finding",
    )

    def on_success(data):
        services.update_finding(request.dbsession, request.identity, finding, data)
        request.session.flash("发现问题已保存。", "success")
        return HTTPFound(request.route_url("audits.finding", id=finding.id))

    fields = (
        "asset_type",
        "asset_subtype",
        "irregularity",
        "description",
        "object_kind",
        "object_name",
        "object_number",
        "object_counterparty",
        "amount_involved",
        "excess_explanation",
        "version",
    )
    initial = {k: getattr(finding, k) for k in fields}
    return _form_page(
        f"修改发现问题 {finding.number}",
        request.route_path("audits.finding", id=finding.id),
        handle_form(request, form, on_success, appstruct=initial),
    )


def _clue_of(session, finding):
    if not finding.clue_id:
        return None
    try:
        from whirlwind.cases.models import Clue
    except ImportError:
        return None
    return session.get(Clue, finding.clue_id)


@view_config(
    route_name="audits.finding", renderer=T + "finding.jinja2", permission=Permission.AUDITS_VIEW
)
def finding_view(request):
    session = request.dbsession
    finding = get_visible(session, request.identity, Finding, request.matchdict["id"])
    items = items_for_source(session, "finding", finding.id)
    clue = _clue_of(session, finding)
    return {
        "finding": finding,
        "labels": ref_labels(request),
        "items": items,
        "progress": source_progress(items),
        "clue": clue,
        "clue_visible": clue is not None
        and request.identity.can(Permission.CASES_VIEW)
        and in_jurisdiction(session, request.identity, clue.org_id),
        "package": services.finding_package(session, finding),
        "state": queries.finding_states(session, [finding.id])[finding.id],
        "states": queries.FINDING_STATES,
        "can_edit": request.identity.can(Permission.AUDITS_EDIT),
        "can_transfer": request.identity.can(Permission.CASES_EDIT)
        and services.clue_create_function() is not None,
        "today": clock.today(),
        "history": history(session, "finding", finding.id),
    }


@view_config(
    route_name="audits.finding_recovery", request_method="POST", permission=Permission.AUDITS_EDIT
)
@action(lambda r: finding_view(r), T + "finding.jinja2", "recovery-form")
def finding_recovery(request):
    finding = get_visible(request.dbsession, request.identity, Finding, request.matchdict["id"])
    data = parse(request, recovery_schema())
    entry = services.add_recovery(
        request.dbsession,
        request.identity,
        finding,
        entry_date=data["entry_date"],
        amount=data["amount"],
        note=data["note"],
        explanation=data["explanation"],
        version=data["version"],
    )
    request.session.flash(
        f"已登记挽回/追缴 {entry.amount:,.2f} 元，累计 {finding.amount_recovered:,.2f} 元。",
        "success",
    )
    return HTTPFound(request.route_url("audits.finding", id=finding.id, _anchor="recoveries"))


@view_config(
    route_name="audits.finding_person", request_method="POST", permission=Permission.AUDITS_EDIT
)
@action(lambda r: finding_view(r), T + "finding.jinja2", "person-form")
def finding_person(request):
    finding = get_visible(request.dbsession, request.identity, Finding, request.matchdict["id"])
    data = parse(request, person_schema())
    link = services.add_person(request.dbsession, request.identity, finding, **data)
    request.session.flash(f"已添加责任人 {link.name}。", "success")
    return HTTPFound(request.route_url("audits.finding", id=finding.id, _anchor="persons"))


@view_config(
    route_name="audits.finding_person_remove",
    request_method="POST",
    permission=Permission.AUDITS_EDIT,
)
def finding_person_remove(request):
    finding = get_visible(request.dbsession, request.identity, Finding, request.matchdict["id"])
    services.remove_person(request.dbsession, request.identity, finding, request.matchdict["link"])
    request.session.flash("已移除责任人。", "success")
    return HTTPFound(request.route_url("audits.finding", id=finding.id, _anchor="persons"))


@view_config(
    route_name="audits.finding_items", renderer=T + "form.jinja2", permission=Permission.AUDITS_EDIT
)
def finding_items(request):
    session = request.dbsession
    finding = get_visible(session, request.identity, Finding, request.matchdict["id"])
    package = services.finding_package(session, finding)
    form = make_form(
        request,
        item_schema(with_package=package is None),
        buttons=("生成整改事项",),
        formid="items",
    )

    def on_success(data):
        items = services.create_items(session, request.identity, finding, [data], package_data=data)
        request.session.flash(f"已生成整改事项 {items[0].number}，进入整改台账。", "success")
        return HTTPFound(request.route_url("audits.finding", id=finding.id, _anchor="items"))

    initial = {"problem": finding.description}
    result = handle_form(request, form, on_success, appstruct=initial)
    return _form_page(
        f"生成整改事项：{finding.number}",
        request.route_path("audits.finding", id=finding.id),
        result,
    )


@view_config(
    route_name="audits.finding_clue", renderer=T + "form.jinja2", permission=Permission.CASES_EDIT
)
def finding_clue(request):
    from whirlwind.audits import clues

    session = request.dbsession
    finding = get_visible(session, request.identity, Finding, request.matchdict["id"])
    form = make_form(
        request, clues.transfer_schema(request), buttons=("移送问题线索",), formid="clue"
    )

    def on_success(data):
        clue = clues.transfer(session, request.identity, finding, data)
        request.session.flash(f"已移送问题线索 {clue.number}。", "success")
        return HTTPFound(request.route_url("audits.finding", id=finding.id, _anchor="clue"))

    initial = clues.initial(request, finding)
    return _form_page(
        f"移送问题线索：{finding.number}",
        request.route_path("audits.finding", id=finding.id),
        handle_form(request, form, on_success, appstruct=initial),
    )


def _finding_list_context(request):
    f, ctx = _list_context(request)
    ctx["states_filter"] = [(k, v[0]) for k, v in queries.STATE_FILTERS.items()]
    ctx["irregularities"] = choices(request.dbsession, "irregularity")
    return f, ctx


@view_config(
    route_name="audits.findings", renderer=T + "findings.jinja2", permission=Permission.AUDITS_VIEW
)
def finding_list(request):
    f, ctx = _finding_list_context(request)
    session = request.dbsession
    page, size = page_params(request)
    ctx["page"] = paginate(session, queries.finding_statement(request.identity, f), page, size)
    ctx["states"] = queries.finding_states(session, [x.id for x in ctx["page"].items])
    ctx["state_labels"] = queries.FINDING_STATES
    ctx["totals"] = queries.finding_totals(session, request.identity, f)
    return ctx


FINDING_HEADERS = [
    "问题编号",
    "区",
    "街道",
    "村(社区)",
    "检查日期",
    "检查单位",
    "资产类型",
    "细类",
    "问题类别",
    "问题描述",
    "台账对象",
    "对象编号",
    "相对方",
    "涉及金额",
    "挽回/追缴金额",
    "责任人",
    "整改状态",
    "移送线索",
]


@view_config(route_name="audits.findings_export", permission=Permission.AUDITS_VIEW)
def finding_export(request):
    session = request.dbsession
    f = queries.Filters.from_params(request.params)
    findings = list(session.scalars(queries.finding_statement(request.identity, f)))
    states = queries.finding_states(session, [x.id for x in findings])
    lb = ref_labels(request)
    orgs = _orgs(session, {o for x in findings for o in (x.org.district_id, x.org.street_id)})
    rows = []
    involved = recovered = 0
    for x in findings:
        involved += x.amount_involved
        recovered += x.amount_recovered
        rows.append(
            (
                x.number,
                _unit_name(orgs.get(x.org.district_id)),
                _unit_name(orgs.get(x.org.street_id)),
                x.org.name,
                x.audit.audit_date if x.audit else None,
                lb["audit_body"].get(x.audit.body, x.audit.body)
                if x.audit
                else "村(居)务监督委员会反映",
                lb["asset_type"].get(x.asset_type, x.asset_type),
                lb["asset_subtype"].get(x.asset_subtype, x.asset_subtype),
                lb["irregularity"].get(x.irregularity, x.irregularity),
                x.description,
                x.object_name,
                x.object_number,
                x.object_counterparty,
                x.amount_involved,
                x.amount_recovered,
                "、".join(x.person_names),
                queries.FINDING_STATES[states[x.id]],
                "是" if x.clue_id else "",
            )
        )
    wb = new_workbook()
    totals = ["合计", *[""] * 12, involved, recovered, "", "", ""]
    add_sheet(wb, "发现问题", FINDING_HEADERS, rows, totals=totals)
    return workbook_response(wb, f"四资一项目发现问题-{clock.today():%Y%m%d}.xlsx")


def _orgs(session, ids) -> dict[int, Org]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(ids)))}


# --- sums per level and the village page -------------------------------------------------------


def _sum_level(request, f) -> str:
    level = request.params.get("level")
    if level in queries.LEVEL_COLUMNS:
        return level
    if f.street:
        return "village"
    if f.district:
        return "street"
    return {"city": "district", "district": "street"}.get(request.identity.level, "village")


@view_config(
    route_name="audits.sums", renderer=T + "sums.jinja2", permission=Permission.AUDITS_VIEW
)
def sums_view(request):
    f, ctx = _finding_list_context(request)
    level = _sum_level(request, f)
    rows = queries.sums(request.dbsession, request.identity, f, level)
    ctx.update(
        level=level,
        rows=rows,
        next_level=queries.NEXT_LEVEL[level],
        total={k: sum(r[k] for r in rows) for k in ("count", "involved", "recovered", "open")},
    )
    return ctx


LEVEL_LABELS = {"district": "区", "street": "街道/乡镇", "village": "村(社区)"}


@view_config(route_name="audits.sums_export", permission=Permission.AUDITS_VIEW)
def sums_export(request):
    f = queries.Filters.from_params(request.params)
    level = _sum_level(request, f)
    rows = queries.sums(request.dbsession, request.identity, f, level)
    wb = new_workbook()
    add_sheet(
        wb,
        f"按{LEVEL_LABELS[level]}汇总",
        [LEVEL_LABELS[level], "发现问题数", "未销号", "涉及金额", "挽回/追缴金额"],
        [(r["name"], r["count"], r["open"], r["involved"], r["recovered"]) for r in rows],
        totals=[
            "合计",
            sum(r["count"] for r in rows),
            sum(r["open"] for r in rows),
            sum(r["involved"] for r in rows),
            sum(r["recovered"] for r in rows),
        ],
    )
    return workbook_response(wb, f"四资一项目金额汇总-{clock.today():%Y%m%d}.xlsx")


@view_config(
    route_name="audits.village", renderer=T + "village.jinja2", permission=Permission.AUDITS_VIEW
)
def village_view(request):
    session = request.dbsession
    org = get_visible(session, request.identity, Org, request.matchdict["org_id"], org_attr="id")
    if org.level not in GRASSROOTS_LEVELS:
        raise NotFound("该单位不是村或社区。")
    f = queries.Filters(village=org.id)
    audits = list(session.scalars(queries.audit_statement(request.identity, f)))
    open_findings = queries.open_findings_of(session, request.identity, org.id)
    count, involved, recovered = queries.finding_totals(session, request.identity, f)
    return {
        "org": org,
        "audits": audits,
        "findings": open_findings,
        "labels": ref_labels(request),
        "states": queries.finding_states(session, [x.id for x in open_findings]),
        "state_labels": queries.FINDING_STATES,
        "totals": {"count": count, "involved": involved, "recovered": recovered},
    }
