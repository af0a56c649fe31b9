"""四资一项目 audits and their findings: lists with the audits area's filters, detail,
create, update (with ``version``), recoveries and the hand-off of a finding to the ledger.
Schemas are ``audits.schemas`` (built with ``csrf=False``), queries ``audits.queries``,
rules ``audits.services``."""

from __future__ import annotations

import colander
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind.api.framework import (
    COMPONENTS,
    DATE,
    DATETIME,
    INTEGER,
    MONEY,
    STRING,
    ListQuery,
    choice_filter,
    endpoint,
    id_filter,
    iso,
    json_body,
    json_page,
    money,
    nullable,
    obj,
    page_schema,
    path_id,
    query_params,
    text_filter,
    with_version,
)
from whirlwind.api.ledger import ITEM, item_json
from whirlwind.api.orgs import ORG_BRIEF, org_brief
from whirlwind.audits import queries, services
from whirlwind.audits.models import Audit, Finding
from whirlwind.audits.schemas import audit_schema, finding_schema, item_schema, recovery_schema
from whirlwind.audits.views import _unit_choices, ref_choices
from whirlwind.errors import ValidationFailed
from whirlwind.reference.services import choices
from whirlwind.scoping import get_visible
from whirlwind.security import Permission

TAG = "四资一项目"

AUDIT = COMPONENTS.add(
    "Audit",
    obj(
        id=INTEGER,
        number=STRING,
        org=ORG_BRIEF,
        period_from=DATE,
        period_to=DATE,
        audit_date=DATE,
        body=STRING,
        inspectors=STRING,
        scope_assets={"type": "array", "items": STRING},
        scope_projects=STRING,
        summary=STRING,
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
FINDING = COMPONENTS.add(
    "Finding",
    obj(
        id=INTEGER,
        number=STRING,
        audit_id=nullable(INTEGER),
        org=ORG_BRIEF,
        asset_type=STRING,
        asset_subtype=STRING,
        irregularity=STRING,
        description=STRING,
        object_kind=STRING,
        object_name=STRING,
        object_number=STRING,
        object_counterparty=STRING,
        amount_involved=MONEY,
        amount_recovered=MONEY,
        excess_explanation=STRING,
        clue_id=nullable(INTEGER),
        state={"type": "string", "enum": list(queries.FINDING_STATES)},
        persons={"type": "array", "items": obj(name=STRING, role=STRING, post=STRING)},
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
AUDIT_DETAIL = COMPONENTS.add(
    "AuditDetail", {"allOf": [AUDIT, obj(findings={"type": "array", "items": FINDING})]}
)
FINDING_DETAIL = COMPONENTS.add(
    "FindingDetail",
    {
        "allOf": [
            FINDING,
            obj(
                items={"type": "array", "items": ITEM},
                recoveries={
                    "type": "array",
                    "items": obj(id=INTEGER, entry_date=DATE, amount=MONEY, note=STRING),
                },
            ),
        ]
    },
)


def audit_json(a: Audit) -> dict:
    return {
        "id": a.id,
        "number": a.number,
        "org": org_brief(a.org),
        "period_from": iso(a.period_from),
        "period_to": iso(a.period_to),
        "audit_date": iso(a.audit_date),
        "body": a.body,
        "inspectors": a.inspectors or "",
        "scope_assets": list(a.asset_types),
        "scope_projects": a.scope_projects or "",
        "summary": a.summary or "",
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
        "version": a.version,
    }


def finding_json(f: Finding, state: str) -> dict:
    return {
        "id": f.id,
        "number": f.number,
        "audit_id": f.audit_id,
        "org": org_brief(f.org),
        "asset_type": f.asset_type,
        "asset_subtype": f.asset_subtype or "",
        "irregularity": f.irregularity,
        "description": f.description,
        "object_kind": f.object_kind or "",
        "object_name": f.object_name or "",
        "object_number": f.object_number or "",
        "object_counterparty": f.object_counterparty or "",
        "amount_involved": money(f.amount_involved),
        "amount_recovered": money(f.amount_recovered),
        "excess_explanation": f.excess_explanation or "",
        "clue_id": f.clue_id,
        "state": state,
        "persons": [
            {"name": p.name, "role": p.role or "", "post": p.post or ""} for p in f.persons
        ],
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
        "version": f.version,
    }


def findings_json(session, findings) -> list[dict]:
    states = queries.finding_states(session, [f.id for f in findings])
    return [finding_json(f, states[f.id]) for f in findings]


def audit_detail(request, audit: Audit) -> dict:
    session = request.dbsession
    findings = session.scalars(
        select(Finding)
        .options(selectinload(Finding.persons))
        .where(Finding.audit_id == audit.id)
        .order_by(Finding.seq)
    )
    return {**audit_json(audit), "findings": findings_json(session, list(findings))}


def finding_detail(request, finding: Finding) -> dict:
    from whirlwind.ledger.services import items_for_source

    session = request.dbsession
    return {
        **findings_json(session, [finding])[0],
        "items": [item_json(i) for i in items_for_source(session, "finding", finding.id)],
        "recoveries": [
            {
                "id": r.id,
                "entry_date": iso(r.entry_date),
                "amount": money(r.amount),
                "note": r.note or "",
            }
            for r in finding.recoveries
        ],
    }


# --- Schemas (the area's, built for the API) ------------------------------------------------


def _refs(request) -> dict:
    return ref_choices(request)


def new_audit_schema(request):
    return audit_schema(_refs(request) | {"units": _unit_choices(request)}, csrf=False)


def edit_audit_schema(request):
    # The unit of an audit does not change; the schema still names it (the form does too).
    return with_version(new_audit_schema(request))


def new_finding_schema(request):
    return finding_schema(_refs(request), csrf=False)


def edit_finding_schema(request):
    return with_version(new_finding_schema(request))


def recovery_body(request):
    return with_version(recovery_schema(csrf=False))


def items_body(request):
    """The finding's items form: package fields are part of it (required only for the
    first items of a finding, which the service checks)."""
    return item_schema(with_package=True, csrf=False)


def _ref_filter(kind: str, title: str):
    def factory(request):
        return choice_filter(title, [c for c, _ in choices(request.dbsession, kind)])

    return factory


def audit_query(request):
    q = ListQuery()
    for name, node in (
        ("district", id_filter("区 ID")),
        ("street", id_filter("街道/乡镇 ID")),
        ("village", id_filter("村(社区) ID")),
        ("body", _ref_filter("audit_body", "检查单位")(request)),
        ("asset_type", _ref_filter("asset_type", "资产类型")(request)),
        ("date_from", _date_filter("检查日期（起）")),
        ("date_to", _date_filter("检查日期（止）")),
    ):
        node.name = name
        q.add(node)
    return q


def finding_query(request):
    q = audit_query(request)
    for name, node in (
        ("irregularity", _ref_filter("irregularity", "问题类别")(request)),
        ("state", choice_filter("整改状态", list(queries.STATE_FILTERS))),
        ("q", text_filter("关键词（问题描述、台账对象）")),
    ):
        node.name = name
        q.add(node)
    return q


def _date_filter(title: str):
    from whirlwind.forms import date_range

    return colander.SchemaNode(colander.Date(), title=title, missing=None, validator=date_range)


def _filters(p: dict) -> queries.Filters:
    keep = {k: v for k, v in p.items() if k not in ("page", "size") and v not in (None, "")}
    return queries.Filters(**keep)


# --- Audits ------------------------------------------------------------------------------------


@endpoint(
    "audits.list",
    "/audits",
    summary="四资一项目检查列表",
    tag=TAG,
    permission=Permission.AUDITS_VIEW,
    query=audit_query,
    response=page_schema(AUDIT),
)
def audits_list(request):
    p = query_params(request, audit_query)
    stmt = queries.audit_statement(request.identity, _filters(p))
    return json_page(request, stmt, p, audit_json)


@endpoint(
    "audits.detail",
    "/audits/{id}",
    summary="检查详情（含发现问题）",
    tag=TAG,
    permission=Permission.AUDITS_VIEW,
    response=AUDIT_DETAIL,
)
def audits_detail(request):
    audit = get_visible(request.dbsession, request.identity, Audit, path_id(request))
    return audit_detail(request, audit)


@endpoint(
    "audits.create",
    "/audits",
    "POST",
    summary="登记四资一项目检查",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=new_audit_schema,
    response=AUDIT_DETAIL,
    status=201,
)
def audits_create(request):
    """``org_id`` is a village or community inside the caller's jurisdiction."""
    data = json_body(request, new_audit_schema)
    audit = services.create_audit(request.dbsession, request.identity, data)
    return audit_detail(request, audit)


@endpoint(
    "audits.update",
    "/audits/{id}",
    "PUT",
    summary="修改检查（须带 version）",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=edit_audit_schema,
    response=AUDIT_DETAIL,
    errors=(409,),
)
def audits_update(request):
    audit = get_visible(request.dbsession, request.identity, Audit, path_id(request))
    data = json_body(request, edit_audit_schema)
    if str(data.get("org_id")) != str(audit.org_id):
        raise ValidationFailed("检查对象（村/社区）不能修改。", fields={"org_id": "不能修改"})
    services.update_audit(request.dbsession, request.identity, audit, data)
    return audit_detail(request, audit)


# --- Findings ----------------------------------------------------------------------------------


def _finding(request) -> Finding:
    return get_visible(request.dbsession, request.identity, Finding, path_id(request))


@endpoint(
    "findings.list",
    "/findings",
    summary="发现问题列表",
    tag=TAG,
    permission=Permission.AUDITS_VIEW,
    query=finding_query,
    response=page_schema(FINDING),
)
def findings_list(request):
    p = query_params(request, finding_query)
    stmt = queries.finding_statement(request.identity, _filters(p))
    page = json_page(request, stmt, p, lambda f: f)
    page["items"] = findings_json(request.dbsession, page["items"])
    return page


@endpoint(
    "findings.detail",
    "/findings/{id}",
    summary="发现问题详情（含整改事项与挽回记录）",
    tag=TAG,
    permission=Permission.AUDITS_VIEW,
    response=FINDING_DETAIL,
)
def findings_detail(request):
    return finding_detail(request, _finding(request))


@endpoint(
    "findings.create",
    "/audits/{id}/findings",
    "POST",
    summary="登记发现问题",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=new_finding_schema,
    response=FINDING_DETAIL,
    status=201,
)
def findings_create(request):
    audit = get_visible(request.dbsession, request.identity, Audit, path_id(request))
    data = json_body(request, new_finding_schema)
    finding = services.add_finding(request.dbsession, request.identity, audit, data)
    return finding_detail(request, finding)


@endpoint(
    "findings.update",
    "/findings/{id}",
    "PUT",
    summary="修改发现问题（须带 version）",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=edit_finding_schema,
    response=FINDING_DETAIL,
    errors=(409,),
)
def findings_update(request):
    finding = _finding(request)
    data = json_body(request, edit_finding_schema)
    services.update_finding(request.dbsession, request.identity, finding, data)
    return finding_detail(request, finding)


@endpoint(
    "findings.recoveries.create",
    "/findings/{id}/recoveries",
    "POST",
    summary="登记挽回/追缴金额（须带发现问题的 version）",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=recovery_body,
    response=FINDING_DETAIL,
    status=201,
    errors=(409,),
)
def findings_recovery(request):
    finding = _finding(request)
    data = json_body(request, recovery_body)
    services.add_recovery(request.dbsession, request.identity, finding, **data)
    return finding_detail(request, finding)


@endpoint(
    "findings.items.create",
    "/findings/{id}/items",
    "POST",
    summary="为发现问题生成整改事项（首次须填包保责任人）",
    tag=TAG,
    permission=Permission.AUDITS_EDIT,
    body=items_body,
    response=FINDING_DETAIL,
    status=201,
)
def findings_items(request):
    finding = _finding(request)
    data = json_body(request, items_body)
    services.create_items(request.dbsession, request.identity, finding, [data], package_data=data)
    return finding_detail(request, finding)
