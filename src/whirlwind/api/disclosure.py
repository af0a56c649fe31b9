"""三务公开: the catalogue (read), disclosure records (list, detail, create, update with
``version``), checks (list, detail, create) and turning a failed check into a rectification
item. Schemas are ``disclosure.schemas``, rules ``disclosure.services``; the records list is
the records page's own query."""

from __future__ import annotations

import colander
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from whirlwind.api.framework import (
    BOOLEAN,
    COMPONENTS,
    DATE,
    DATETIME,
    INTEGER,
    STRING,
    ListQuery,
    choice_filter,
    endpoint,
    id_filter,
    iso,
    json_body,
    json_page,
    nullable,
    obj,
    page_schema,
    path_id,
    query_params,
    with_version,
)
from whirlwind.api.ledger import ITEM, item_json
from whirlwind.api.orgs import ORG_BRIEF, org_brief
from whirlwind.disclosure import services
from whirlwind.disclosure.models import (
    DOMAIN_LABELS,
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
    FailureKind,
)
from whirlwind.disclosure.record_views import _records_query
from whirlwind.disclosure.schemas import CheckSchema, FailureSchema, RecordFields, RecordSchema
from whirlwind.forms import date
from whirlwind.ledger.services import items_for_source
from whirlwind.scoping import get_visible, scope_to_unit
from whirlwind.security import Permission

TAG = "三务公开"

CATALOG_ITEM = COMPONENTS.add(
    "DisclosureCatalogItem",
    obj(
        id=INTEGER,
        code=STRING,
        domain=STRING,
        title=STRING,
        frequency=STRING,
        deadline_days=INTEGER,
        applies_to=STRING,
        active=BOOLEAN,
    ),
)
CATALOG_BRIEF = obj(id=INTEGER, code=STRING, title=STRING, domain=STRING)
RECORD = COMPONENTS.add(
    "DisclosureRecord",
    obj(
        id=INTEGER,
        org=ORG_BRIEF,
        catalog_item=CATALOG_BRIEF,
        period=STRING,
        period_start=DATE,
        period_end=DATE,
        event_date=nullable(DATE),
        due_date=DATE,
        published_on=DATE,
        on_time=BOOLEAN,
        channel=STRING,
        content=STRING,
        evidence_link=STRING,
        reviewer_body=STRING,
        reviewer_name=STRING,
        reviewed_on=nullable(DATE),
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
FAILURE = obj(id=INTEGER, kind=STRING, problem=STRING, items={"type": "array", "items": ITEM})
CHECK = COMPONENTS.add(
    "DisclosureCheck",
    obj(
        id=INTEGER,
        org=ORG_BRIEF,
        catalog_item=CATALOG_BRIEF,
        period=STRING,
        record_id=nullable(INTEGER),
        checked_on=DATE,
        result={"type": "string", "enum": ["pass", "fail"]},
        reasons={"type": "array", "items": STRING},
        note=STRING,
        created_at=DATETIME,
    ),
)
CHECK_DETAIL = COMPONENTS.add(
    "DisclosureCheckDetail", {"allOf": [CHECK, obj(failure=nullable(FAILURE))]}
)


def _catalog_brief(c: DisclosureCatalogItem) -> dict:
    return {"id": c.id, "code": c.code, "title": c.title, "domain": c.domain}


def catalog_json(c: DisclosureCatalogItem) -> dict:
    return {
        **_catalog_brief(c),
        "frequency": c.frequency,
        "deadline_days": c.deadline_days,
        "applies_to": c.applies_to,
        "active": bool(c.active),
    }


def record_json(r: DisclosureRecord) -> dict:
    return {
        "id": r.id,
        "org": org_brief(r.org),
        "catalog_item": _catalog_brief(r.catalog_item),
        "period": r.period,
        "period_start": iso(r.period_start),
        "period_end": iso(r.period_end),
        "event_date": iso(r.event_date),
        "due_date": iso(r.due_date),
        "published_on": iso(r.published_on),
        "on_time": r.published_on <= r.due_date,
        "channel": r.channel,
        "content": r.content or "",
        "evidence_link": r.evidence_link or "",
        "reviewer_body": r.reviewer_body or "",
        "reviewer_name": r.reviewer_name or "",
        "reviewed_on": iso(r.reviewed_on),
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "version": r.version,
    }


def check_json(c: DisclosureCheck) -> dict:
    return {
        "id": c.id,
        "org": org_brief(c.org),
        "catalog_item": _catalog_brief(c.catalog_item),
        "period": c.period,
        "record_id": c.record_id,
        "checked_on": iso(c.checked_on),
        "result": c.result,
        "reasons": list(c.reason_codes),
        "note": c.note or "",
        "created_at": iso(c.created_at),
    }


def failure_json(session, f: DisclosureFailure | None) -> dict | None:
    if f is None:
        return None
    items = items_for_source(session, "disclosure", f.id)
    return {
        "id": f.id,
        "kind": f.kind,
        "problem": f.problem,
        "items": [item_json(i) for i in items],
    }


def check_detail(request, check: DisclosureCheck) -> dict:
    session = request.dbsession
    return {
        **check_json(check),
        "failure": failure_json(session, services.failure_for_check(session, check.id)),
    }


# --- Catalogue -------------------------------------------------------------------------------


class CatalogQuery(ListQuery):
    domain = choice_filter("公开类别", list(DOMAIN_LABELS))


@endpoint(
    "disclosure.catalog.list",
    "/disclosure/catalog",
    summary="三务公开目录",
    tag=TAG,
    permission=Permission.DISCLOSURE_VIEW,
    query=CatalogQuery,
    response=page_schema(CATALOG_ITEM),
)
def catalog_list(request):
    """The city-wide catalogue of what must be disclosed, how often and by when."""
    p = query_params(request, CatalogQuery)
    stmt = select(DisclosureCatalogItem).order_by(
        DisclosureCatalogItem.sort, DisclosureCatalogItem.code
    )
    if p["domain"]:
        stmt = stmt.where(DisclosureCatalogItem.domain == p["domain"])
    return json_page(request, stmt, p, catalog_json)


# --- Records ---------------------------------------------------------------------------------


def record_query(request):
    from whirlwind.reference.services import choices

    q = ListQuery()
    for name, node in (
        ("unit", id_filter("区、街道或村(社区) ID")),
        ("domain", choice_filter("公开类别", list(DOMAIN_LABELS))),
        ("item", id_filter("公开事项 ID")),
        (
            "channel",
            choice_filter(
                "公开渠道", [c for c, _ in choices(request.dbsession, "disclosure_channel")]
            ),
        ),
        (
            "year",
            colander.SchemaNode(
                colander.Integer(),
                title="公开年份",
                missing=None,
                validator=colander.Range(1990, 2100),
            ),
        ),
        ("timeliness", choice_filter("是否按时（on_time / late）", ["on_time", "late"])),
    ):
        node.name = name
        q.add(node)
    return q


class NewRecord(RecordSchema):
    """The record form's fields; ``event_date`` is needed for 即时/专项 items only (the
    service says so), ``period`` for periodic ones (2026-03, 2026-Q1, 2026-H1, 2026)."""

    event_date = date("事项发生日期（即时/专项公开）", missing=None)


def edit_record_schema(request):
    return with_version(RecordFields())


@endpoint(
    "disclosure.records.list",
    "/disclosure/records",
    summary="公开记录列表",
    tag=TAG,
    permission=Permission.DISCLOSURE_VIEW,
    query=record_query,
    response=page_schema(RECORD),
)
def records_list(request):
    p = query_params(request, record_query)
    return json_page(request, _records_query(request), p, record_json)


@endpoint(
    "disclosure.records.detail",
    "/disclosure/records/{id}",
    summary="公开记录详情",
    tag=TAG,
    permission=Permission.DISCLOSURE_VIEW,
    response=RECORD,
)
def records_detail(request):
    return record_json(
        get_visible(request.dbsession, request.identity, DisclosureRecord, path_id(request))
    )


@endpoint(
    "disclosure.records.create",
    "/disclosure/records",
    "POST",
    summary="登记公开",
    tag=TAG,
    permission=Permission.DISCLOSURE_EDIT,
    body=NewRecord,
    response=RECORD,
    status=201,
    errors=(409,),
)
def records_create(request):
    """One record per unit, item and period; a second answers 409."""
    data = json_body(request, NewRecord)
    return record_json(services.create_record(request.dbsession, request.identity, data))


@endpoint(
    "disclosure.records.update",
    "/disclosure/records/{id}",
    "PUT",
    summary="修改公开记录（须带 version）",
    tag=TAG,
    permission=Permission.DISCLOSURE_EDIT,
    body=edit_record_schema,
    response=RECORD,
    errors=(409,),
)
def records_update(request):
    record = get_visible(request.dbsession, request.identity, DisclosureRecord, path_id(request))
    data = json_body(request, edit_record_schema)
    version = data.pop("version")
    services.update_record(request.dbsession, request.identity, record, data, version=version)
    return record_json(record)


# --- Checks ----------------------------------------------------------------------------------


class CheckQuery(ListQuery):
    unit = id_filter("区、街道或村(社区) ID")
    result = choice_filter("检查结论", ["pass", "fail"])


@endpoint(
    "disclosure.checks.list",
    "/disclosure/checks",
    summary="公开检查记录列表",
    tag=TAG,
    permission=Permission.DISCLOSURE_VIEW,
    query=CheckQuery,
    response=page_schema(CHECK),
)
def checks_list(request):
    p = query_params(request, CheckQuery)
    stmt = (
        select(DisclosureCheck)
        .options(joinedload(DisclosureCheck.org))
        .order_by(DisclosureCheck.checked_on.desc(), DisclosureCheck.id.desc())
    )
    stmt = scope_to_unit(stmt, DisclosureCheck.org_id, request.identity, p["unit"])
    if p["result"]:
        stmt = stmt.where(DisclosureCheck.result == p["result"])
    return json_page(request, stmt, p, check_json)


@endpoint(
    "disclosure.checks.detail",
    "/disclosure/checks/{id}",
    summary="公开检查详情（含转整改情况）",
    tag=TAG,
    permission=Permission.DISCLOSURE_VIEW,
    response=CHECK_DETAIL,
)
def checks_detail(request):
    return check_detail(
        request, services.get_check(request.dbsession, request.identity, path_id(request))
    )


@endpoint(
    "disclosure.checks.create",
    "/disclosure/checks",
    "POST",
    summary="记录公开检查（合格 / 不合格及情形）",
    tag=TAG,
    permission=Permission.DISCLOSURE_CHECK,
    body=CheckSchema,
    response=CHECK_DETAIL,
    status=201,
)
def checks_create(request):
    data = json_body(request, CheckSchema)
    check = services.record_check(request.dbsession, request.identity, data)
    return check_detail(request, check)


@endpoint(
    "disclosure.checks.failure",
    "/disclosure/checks/{id}/failure",
    "POST",
    summary="不合格的检查转为整改事项（进入整改台账）",
    tag=TAG,
    permission=Permission.DISCLOSURE_CHECK,
    body=FailureSchema,
    response=CHECK_DETAIL,
    status=201,
    errors=(409,),
)
def checks_failure(request):
    session = request.dbsession
    check = services.get_check(session, request.identity, path_id(request))
    data = json_body(request, FailureSchema)
    services.open_failure(session, request.identity, kind=FailureKind.CHECK, data=data, check=check)
    return check_detail(request, check)
