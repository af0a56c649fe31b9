"""Weak-organization rectification targets (软弱涣散基层党组织整顿对象): campaigns (read),
targets (list, detail, update with ``version``, identification, start / request acceptance /
clear / remove). Schemas are ``targets.schemas``, the list is the targets page's own query,
rules ``targets.services``."""

from __future__ import annotations

from whirlwind.api.framework import (
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
    text_filter,
    with_version,
)
from whirlwind.api.ledger import ITEM, item_json
from whirlwind.api.orgs import ORG_BRIEF, org_brief
from whirlwind.errors import NotFound
from whirlwind.reference.services import choices
from whirlwind.scoping import get_visible
from whirlwind.security import Permission
from whirlwind.targets import services as ts
from whirlwind.targets.models import TARGET_STATUS_LABELS, Campaign, RectificationTarget
from whirlwind.targets.schemas import ActionSchema, IdentifySchema, TargetSchema, WaiverSchema
from whirlwind.targets.views import _target_query

TAG = "软弱涣散整顿"
ACTIONS = ("start", "request", "clear", "remove")

CAMPAIGN = COMPONENTS.add(
    "Campaign",
    obj(
        id=INTEGER,
        org=ORG_BRIEF,
        year=INTEGER,
        title=STRING,
        selection_mode=STRING,
        assessment_year=INTEGER,
        acceptance_deadline=nullable(DATE),
        acceptance_level=STRING,
        version=INTEGER,
    ),
)
TARGET = COMPONENTS.add(
    "RectificationTarget",
    obj(
        id=INTEGER,
        campaign_id=INTEGER,
        org=ORG_BRIEF,
        status={"type": "string", "enum": list(TARGET_STATUS_LABELS)},
        status_label=STRING,
        categories={"type": "array", "items": STRING},
        evidence=STRING,
        problem=STRING,
        plan_summary=STRING,
        deadline=nullable(DATE),
        committee_approval_date=nullable(DATE),
        cleared_date=nullable(DATE),
        created_at=DATETIME,
        updated_at=DATETIME,
        version=INTEGER,
    ),
)
TARGET_DETAIL = COMPONENTS.add(
    "RectificationTargetDetail", {"allOf": [TARGET, obj(items={"type": "array", "items": ITEM})]}
)


def campaign_json(c: Campaign) -> dict:
    return {
        "id": c.id,
        "org": org_brief(c.org),
        "year": c.year,
        "title": c.title,
        "selection_mode": c.selection_mode,
        "assessment_year": c.assessment_year,
        "acceptance_deadline": iso(c.acceptance_deadline),
        "acceptance_level": c.acceptance_level,
        "version": c.version,
    }


def target_json(t: RectificationTarget) -> dict:
    return {
        "id": t.id,
        "campaign_id": t.campaign_id,
        "org": org_brief(t.org),
        "status": t.status,
        "status_label": t.status_label,
        "categories": list(t.category_codes),
        "evidence": t.evidence or "",
        "problem": t.problem or "",
        "plan_summary": t.plan_summary or "",
        "deadline": iso(t.deadline),
        "committee_approval_date": iso(t.committee_approval_date),
        "cleared_date": iso(t.cleared_date),
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "version": t.version,
    }


def target_detail(request, target: RectificationTarget) -> dict:
    items = ts.target_items(request.dbsession, target.id)
    return {**target_json(target), "items": [item_json(i) for i in items]}


def _target(request) -> RectificationTarget:
    return get_visible(request.dbsession, request.identity, RectificationTarget, path_id(request))


@endpoint(
    "campaigns.list",
    "/campaigns",
    summary="整顿工作（年度）列表",
    tag=TAG,
    permission=Permission.TARGETS_VIEW,
    query=ListQuery,
    response=page_schema(CAMPAIGN),
)
def campaigns_list(request):
    p = query_params(request, ListQuery)
    stmt = ts.campaigns_stmt(request.identity).order_by(Campaign.year.desc(), Campaign.id)
    return json_page(request, stmt, p, campaign_json)


def target_query(request):
    q = ListQuery()
    nodes = (
        ("campaign", id_filter("整顿工作 ID")),
        ("district", id_filter("区 ID")),
        ("status", choice_filter("状态（默认不含已移出）", list(TARGET_STATUS_LABELS))),
        (
            "category",
            choice_filter(
                "软弱涣散情形", [c for c, _ in choices(request.dbsession, "weakness_category")]
            ),
        ),
        ("q", text_filter("单位名称或主要问题")),
    )
    for name, node in nodes:
        node.name = name
        q.add(node)
    return q


@endpoint(
    "targets.list",
    "/targets",
    summary="整顿对象列表",
    tag=TAG,
    permission=Permission.TARGETS_VIEW,
    query=target_query,
    response=page_schema(TARGET),
)
def targets_list(request):
    p = query_params(request, target_query)
    stmt, _filters = _target_query(request)
    return json_page(request, stmt, p, target_json)


@endpoint(
    "targets.detail",
    "/targets/{id}",
    summary="整顿对象详情（含整改事项）",
    tag=TAG,
    permission=Permission.TARGETS_VIEW,
    response=TARGET_DETAIL,
)
def targets_detail(request):
    return target_detail(request, _target(request))


def edit_target_schema(request):
    return with_version(TargetSchema())


@endpoint(
    "targets.update",
    "/targets/{id}",
    "PUT",
    summary="修改整顿对象（须带 version）",
    tag=TAG,
    permission=Permission.TARGETS_EDIT,
    body=edit_target_schema,
    response=TARGET_DETAIL,
    errors=(409, 422),
)
def targets_update(request):
    target = _target(request)
    data = json_body(request, edit_target_schema)
    ts.update_target(request.dbsession, request.identity, target, **data)
    return target_detail(request, target)


def identify_schema(request):
    return with_version(IdentifySchema())


@endpoint(
    "targets.identify",
    "/targets/{id}/identify",
    "POST",
    summary="认定整顿对象（区委常委会审定日期必填，须带 version）",
    tag=TAG,
    permission=Permission.TARGETS_EDIT,
    body=identify_schema,
    response=TARGET_DETAIL,
    errors=(409, 422),
)
def targets_identify(request):
    target = _target(request)
    data = json_body(request, identify_schema)
    ts.identify_target(request.dbsession, request.identity, target, **data)
    return target_detail(request, target)


@endpoint(
    "targets.transition",
    "/targets/{id}/transitions/{action}",
    "POST",
    summary="整顿对象流转：start 开始整顿、request 申请验收、clear 整顿销号、remove 移出（须填原因）",
    tag=TAG,
    permission=Permission.TARGETS_VIEW,
    body=ActionSchema,
    response=TARGET_DETAIL,
    errors=(409, 422),
    path_schemas={"action": {"type": "string", "enum": list(ACTIONS)}},
)
def targets_transition(request):
    """Who may do what is the targets service's rule (edit or accept permission,
    jurisdiction, state)."""
    target = _target(request)
    action = request.matchdict["action"]
    if action not in ACTIONS:
        raise NotFound("没有这种流转。")
    data = json_body(request, ActionSchema)
    session, identity = request.dbsession, request.identity
    if action == "remove":
        ts.remove_target(session, identity, target, reason=data["reason"], version=data["version"])
    else:
        func = {
            "start": ts.start_rectification,
            "request": ts.request_acceptance,
            "clear": ts.clear_target,
        }[action]
        func(session, identity, target, version=data["version"])
    return target_detail(request, target)


@endpoint(
    "targets.items.waiver",
    "/targets/{id}/items/{item_id}/waiver",
    "POST",
    summary="验收豁免：验收层级说明理由，使一项未销号的整顿方案事项不再妨碍验收",
    tag=TAG,
    permission=Permission.TARGETS_ACCEPT,
    body=WaiverSchema,
    response=TARGET_DETAIL,
    errors=(422,),
)
def targets_item_waiver(request):
    """Only a user of the campaign's acceptance level may waive; the reason is kept on the
    item (豁免理由, who, when)."""
    from whirlwind.ledger.models import RectificationItem

    target = _target(request)
    item = get_visible(
        request.dbsession, request.identity, RectificationItem, path_id(request, "item_id")
    )
    data = json_body(request, WaiverSchema)
    ts.waive_plan_item(request.dbsession, request.identity, target, item, reason=data["reason"])
    return target_detail(request, target)
