"""Clues and cases (问题线索 / 案件): lists with the cases area's filters, detail, clue
registration, the disposal steps (拟办 → 审批/退回 → 谈话函询·初核 → 结果) and case stage
moves. Schemas are ``cases.schemas``, rules ``cases.services`` / ``cases.casework``.

Reporter details (反映人) appear only for callers whose role grants ``cases:reporter``,
as on the pages."""

from __future__ import annotations

import colander
from sqlalchemy import select

from whirlwind import clock
from whirlwind.api.framework import (
    BOOLEAN,
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
from whirlwind.cases import casework, services
from whirlwind.cases.clue_views import _disposal
from whirlwind.cases.common import category_choices, limits, refs, unit_choices
from whirlwind.cases.models import (
    CLUE_STATUS_LABELS,
    Case,
    CaseClue,
    CaseStage,
    Clue,
)
from whirlwind.cases.queries import (
    Filters,
    case_extras,
    case_statement,
    clue_extras,
    clue_statement,
)
from whirlwind.cases.schemas import (
    AdvanceSchema,
    ApproveSchema,
    ConcludeSchema,
    ProposeSchema,
    RejectSchema,
    ResponseSchema,
    clue_schema,
)
from whirlwind.deadlines import COLOUR_LABELS, policy
from whirlwind.forms import FiniteDecimal, date_range
from whirlwind.ledger.services import items_for_source
from whirlwind.orgs.models import Org
from whirlwind.scoping import get_visible, in_jurisdiction
from whirlwind.security import Permission

TAG = "问题线索与案件"

CLUE = COMPONENTS.add(
    "Clue",
    obj(
        required=[
            "id",
            "number",
            "title",
            "org",
            "received_date",
            "source",
            "summary",
            "amount_involved",
            "status",
            "status_label",
            "due_date",
            "closed_on",
            "persons",
            "categories",
            "version",
        ],
        id=INTEGER,
        number=STRING,
        title=STRING,
        org=ORG_BRIEF,
        received_date=DATE,
        source=STRING,
        source_detail=STRING,
        field=STRING,
        campaign=STRING,
        summary=STRING,
        amount_involved=MONEY,
        is_important=BOOLEAN,
        handling_way=STRING,
        disposal_mode=STRING,
        status={"type": "string", "enum": list(CLUE_STATUS_LABELS)},
        status_label=STRING,
        due_date=nullable(DATE),
        closed_on=nullable(DATE),
        persons={"type": "array", "items": STRING, "description": "被反映人姓名"},
        categories={"type": "array", "items": STRING},
        reporter_name={"type": "string", "description": "仅对有“反映人信息”权限的角色返回"},
        reporter_unit=STRING,
        reporter_phone=STRING,
        is_anonymous=BOOLEAN,
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
DISPOSAL = obj(
    id=INTEGER,
    mode=STRING,
    mode_label=STRING,
    state=STRING,
    state_label=STRING,
    opinion=STRING,
    proposed_on=DATE,
    approved_on=nullable(DATE),
    due_date=nullable(DATE),
    method=STRING,
    response_on=nullable(DATE),
    outcome=STRING,
    outcome_label=STRING,
    outcome_on=nullable(DATE),
)
CLUE_DETAIL = COMPONENTS.add(
    "ClueDetail",
    {
        "allOf": [
            CLUE,
            obj(
                reported_persons={
                    "type": "array",
                    "items": obj(
                        name=STRING,
                        post=STRING,
                        unit_name=STRING,
                        role=STRING,
                        political_status=STRING,
                    ),
                },
                disposals={"type": "array", "items": DISPOSAL},
                case_ids={"type": "array", "items": INTEGER},
            ),
        ]
    },
)
CASE = COMPONENTS.add(
    "Case",
    obj(
        id=INTEGER,
        number=STRING,
        title=STRING,
        org=ORG_BRIEF,
        case_type=STRING,
        stage={"type": "string", "enum": [str(s) for s in CaseStage]},
        stage_label=STRING,
        opened_on=DATE,
        due_date=nullable(DATE),
        closed_on=nullable(DATE),
        source=STRING,
        amount_involved=MONEY,
        subjects={
            "type": "array",
            "items": obj(
                name=STRING, four_form=nullable({"type": "integer", "minimum": 1, "maximum": 4})
            ),
            "description": "被审查调查人及其“四种形态”（1—4，未认定为 null）",
        },
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
CASE_DETAIL = COMPONENTS.add(
    "CaseDetail",
    {
        "allOf": [
            CASE,
            obj(
                summary=STRING,
                events={"type": "array", "items": obj(stage=STRING, on_date=DATE, note=STRING)},
                clue_ids={"type": "array", "items": INTEGER},
                items={"type": "array", "items": ITEM},
            ),
        ]
    },
)


def clue_json(request, c: Clue, persons: list[str], categories: list[str]) -> dict:
    out = {
        "id": c.id,
        "number": c.number,
        "title": c.title,
        "org": org_brief(c.org),
        "received_date": iso(c.received_date),
        "source": c.source,
        "source_detail": c.source_detail or "",
        "field": c.field or "",
        "campaign": c.campaign or "",
        "summary": c.summary or "",
        "amount_involved": money(c.amount_involved),
        "is_important": bool(c.is_important),
        "handling_way": c.handling_way or "",
        "disposal_mode": c.disposal_mode or "",
        "status": c.status,
        "status_label": c.status_label,
        "due_date": iso(c.due_date),
        "closed_on": iso(c.closed_on),
        "persons": persons,
        "categories": sorted(categories),
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "version": c.version,
    }
    if request.identity.can(Permission.CASES_REPORTER):
        out.update(
            reporter_name=c.reporter_name or "",
            reporter_unit=c.reporter_unit or "",
            reporter_phone=c.reporter_phone or "",
            is_anonymous=bool(c.is_anonymous),
        )
    return out


def clue_detail(request, clue: Clue) -> dict:
    session = request.dbsession
    persons, categories = clue_extras(session, [clue.id])
    case_ids = session.scalars(
        select(CaseClue.case_id)
        .join(Case, Case.id == CaseClue.case_id)
        .where(CaseClue.clue_id == clue.id)
        .order_by(CaseClue.case_id)
    )
    return {
        **clue_json(request, clue, [n for _, n in persons[clue.id]], categories[clue.id]),
        "reported_persons": [
            {
                "name": p.name,
                "post": p.post or "",
                "unit_name": p.unit_name or "",
                "role": p.role,
                "political_status": p.political_status or "",
            }
            for p in clue.persons
        ],
        "disposals": [
            {
                "id": d.id,
                "mode": d.mode,
                "mode_label": d.mode_label,
                "state": d.state,
                "state_label": d.state_label,
                "opinion": d.opinion or "",
                "proposed_on": iso(d.proposed_on),
                "approved_on": iso(d.approved_on),
                "due_date": iso(d.due_date),
                "method": d.method or "",
                "response_on": iso(d.response_on),
                "outcome": d.outcome or "",
                "outcome_label": d.outcome_label if d.outcome else "",
                "outcome_on": iso(d.outcome_on),
            }
            for d in clue.disposals
        ],
        "case_ids": list(case_ids),
    }


def case_json(c: Case, subjects) -> dict:
    return {
        "id": c.id,
        "number": c.number,
        "title": c.title,
        "org": org_brief(c.org),
        "case_type": c.case_type,
        "stage": c.stage,
        "stage_label": c.stage_label,
        "opened_on": iso(c.opened_on),
        "due_date": iso(c.due_date),
        "closed_on": iso(c.closed_on),
        "source": c.source or "",
        "amount_involved": money(c.amount_involved),
        "subjects": [{"name": p.name, "four_form": s.four_form or None} for s, p in subjects],
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "version": c.version,
    }


def case_detail(request, case: Case) -> dict:
    session = request.dbsession
    subjects = case_extras(session, [case.id])[case.id]
    clue_ids = [
        link.clue_id
        for link in case.clue_links
        if in_jurisdiction(session, request.identity, link.clue.org_id)
    ]
    return {
        **case_json(case, subjects),
        "summary": case.summary or "",
        "events": [
            {"stage": e.stage, "on_date": iso(e.on_date), "note": e.note or ""} for e in case.events
        ],
        "clue_ids": clue_ids,
        "items": [item_json(i) for i in items_for_source(session, "case", case.id)],
    }


# --- Query schemas (the list pages' filters, validated) --------------------------------------


def _filters_query(request, statuses: list[str]):
    r = refs(request)
    q = ListQuery()
    nodes = (
        ("q", text_filter("编号、标题或被反映人姓名")),
        ("source", choice_filter("线索来源", [c for c, _ in r["clue_source"]])),
        ("category", choice_filter("问题类别", [c for c, _ in category_choices(request)])),
        ("status", choice_filter("状态（open 为未办结）", ["open", *statuses])),
        ("unit", id_filter("区或街道 ID")),
        (
            "date_from",
            colander.SchemaNode(
                colander.Date(), title="日期（起）", missing=None, validator=date_range
            ),
        ),
        (
            "date_to",
            colander.SchemaNode(
                colander.Date(), title="日期（止）", missing=None, validator=date_range
            ),
        ),
        ("amount_min", _amount("涉及金额（下限）")),
        ("amount_max", _amount("涉及金额（上限）")),
        ("colour", choice_filter("预警颜色", list(COLOUR_LABELS))),
    )
    for name, node in nodes:
        node.name = name
        q.add(node)
    return q


def _amount(title: str):
    from decimal import Decimal

    return colander.SchemaNode(
        FiniteDecimal(quant="0.01"),
        title=title,
        missing=None,
        validator=colander.Range(Decimal("0"), Decimal("999999999999.99")),
    )


def clue_query(request):
    return _filters_query(request, list(CLUE_STATUS_LABELS))


def case_query(request):
    return _filters_query(request, [str(s) for s in CaseStage])


# --- Clues -------------------------------------------------------------------------------------


def new_clue_schema(request):
    return clue_schema(
        dict(refs(request), problem_category=category_choices(request)),
        with_reporter=request.identity is not None
        and request.identity.can(Permission.CASES_REPORTER),
        org_choices=unit_choices(request) if request.identity is not None else [],
    )


@endpoint(
    "clues.list",
    "/clues",
    summary="问题线索列表",
    tag=TAG,
    permission=Permission.CASES_VIEW,
    query=clue_query,
    response=page_schema(CLUE),
)
def clues_list(request):
    p = query_params(request, clue_query)
    stmt = clue_statement(
        request.identity, Filters.from_request(request), policy(request), clock.today()
    )
    page = json_page(request, stmt, p, lambda c: c)
    persons, categories = clue_extras(request.dbsession, [c.id for c in page["items"]])
    page["items"] = [
        clue_json(request, c, [n for _, n in persons[c.id]], categories[c.id])
        for c in page["items"]
    ]
    return page


def _clue(request) -> Clue:
    return get_visible(request.dbsession, request.identity, Clue, path_id(request))


@endpoint(
    "clues.detail",
    "/clues/{id}",
    summary="问题线索详情（含处置过程）",
    tag=TAG,
    permission=Permission.CASES_VIEW,
    response=CLUE_DETAIL,
)
def clues_detail(request):
    return clue_detail(request, _clue(request))


@endpoint(
    "clues.create",
    "/clues",
    "POST",
    summary="登记问题线索",
    tag=TAG,
    permission=Permission.CASES_EDIT,
    body=new_clue_schema,
    response=CLUE_DETAIL,
    status=201,
)
def clues_create(request):
    """``org_id`` (问题属地) is a unit inside the caller's jurisdiction; at least one
    reported person (被反映人)."""
    data = json_body(request, new_clue_schema)
    org = get_visible(request.dbsession, request.identity, Org, data.pop("org_id"), org_attr="id")
    persons = data.pop("persons")
    clue = services.create_clue(
        request.dbsession,
        request.identity.user,
        org=org,
        persons=persons,
        categories=sorted(data.pop("categories")),
        number=data.pop("number") or None,
        limits=limits(request),
        **data,
    )
    return clue_detail(request, clue)


@endpoint(
    "clues.propose",
    "/clues/{id}/disposals",
    "POST",
    summary="提出拟办意见（处置方式）",
    tag=TAG,
    permission=Permission.CASES_EDIT,
    body=ProposeSchema,
    response=CLUE_DETAIL,
    status=201,
    errors=(409, 422),
)
def clues_propose(request):
    clue = _clue(request)
    data = json_body(request, ProposeSchema)
    services.propose_disposal(
        request.dbsession, request.identity.user, clue, today=clock.today(), **data
    )
    return clue_detail(request, clue)


def _load_disposal(request):
    path_id(request)  # a well-formed id first; the area's loader does the scoping
    return _disposal(request)


@endpoint(
    "disposals.approve",
    "/disposals/{id}/approve",
    "POST",
    summary="审批拟办意见（立案审查调查时同时立案）",
    tag=TAG,
    permission=Permission.CASES_APPROVE,
    body=ApproveSchema,
    response=CLUE_DETAIL,
    errors=(409, 422),
)
def disposals_approve(request):
    d = _load_disposal(request)
    data = json_body(request, ApproveSchema)
    case_fields = {
        "number": data.pop("case_number") or None,
        "case_type": data.pop("case_type"),
        "investigators": data.pop("investigators"),
        "review_unit": data.pop("review_unit"),
    }
    services.approve_disposal(
        request.dbsession,
        request.identity.user,
        d,
        case_fields=case_fields,
        limits=limits(request),
        today=clock.today(),
        **data,
    )
    return clue_detail(request, d.clue)


@endpoint(
    "disposals.reject",
    "/disposals/{id}/reject",
    "POST",
    summary="不同意拟办意见（退回）",
    tag=TAG,
    permission=Permission.CASES_APPROVE,
    body=RejectSchema,
    response=CLUE_DETAIL,
    errors=(409, 422),
)
def disposals_reject(request):
    d = _load_disposal(request)
    data = json_body(request, RejectSchema)
    services.reject_disposal(
        request.dbsession,
        request.identity.user,
        d,
        limits=limits(request),
        today=clock.today(),
        **data,
    )
    return clue_detail(request, d.clue)


@endpoint(
    "disposals.response",
    "/disposals/{id}/response",
    "POST",
    summary="登记谈话记录、函询回复或初核报告",
    tag=TAG,
    permission=Permission.CASES_EDIT,
    body=ResponseSchema,
    response=CLUE_DETAIL,
    errors=(409, 422),
)
def disposals_response(request):
    d = _load_disposal(request)
    data = json_body(request, ResponseSchema)
    services.record_response(
        request.dbsession, request.identity.user, d, today=clock.today(), **data
    )
    return clue_detail(request, d.clue)


@endpoint(
    "disposals.conclude",
    "/disposals/{id}/conclude",
    "POST",
    summary="登记处置结果",
    tag=TAG,
    permission=Permission.CASES_APPROVE,
    body=ConcludeSchema,
    response=CLUE_DETAIL,
    errors=(409, 422),
)
def disposals_conclude(request):
    d = _load_disposal(request)
    data = json_body(request, ConcludeSchema)
    services.conclude_disposal(
        request.dbsession,
        request.identity.user,
        d,
        limits=limits(request),
        today=clock.today(),
        **data,
    )
    return clue_detail(request, d.clue)


# --- Cases -------------------------------------------------------------------------------------


@endpoint(
    "cases.list",
    "/cases",
    summary="案件列表",
    tag=TAG,
    permission=Permission.CASES_VIEW,
    query=case_query,
    response=page_schema(CASE),
)
def cases_list(request):
    p = query_params(request, case_query)
    stmt = case_statement(
        request.identity, Filters.from_request(request), policy(request), clock.today()
    )
    page = json_page(request, stmt, p, lambda c: c)
    subjects = case_extras(request.dbsession, [c.id for c in page["items"]])
    page["items"] = [case_json(c, subjects[c.id]) for c in page["items"]]
    return page


def _case(request) -> Case:
    return get_visible(request.dbsession, request.identity, Case, path_id(request))


@endpoint(
    "cases.detail",
    "/cases/{id}",
    summary="案件详情（阶段、被审查调查人、以案促改整改事项）",
    tag=TAG,
    permission=Permission.CASES_VIEW,
    response=CASE_DETAIL,
)
def cases_detail(request):
    return case_detail(request, _case(request))


def advance_body(request):
    return with_version(AdvanceSchema())


@endpoint(
    "cases.advance",
    "/cases/{id}/advance",
    "POST",
    summary="案件进入下一阶段（须带 version）",
    tag=TAG,
    permission=Permission.CASES_EDIT,
    body=advance_body,
    response=CASE_DETAIL,
    errors=(409, 422),
)
def cases_advance(request):
    case = _case(request)
    data = json_body(request, advance_body)
    casework.advance_case(
        request.dbsession,
        request.identity.user,
        case,
        limits=limits(request),
        today=clock.today(),
        **data,
    )
    return case_detail(request, case)
