"""Rectification items (整改事项) of the one ledger: list, detail, edit, progress notes and
the sign-off transitions. Schemas, queries and rules are the ledger's own
(``ledger.views`` schemas, ``ledger.queries.item_query``, ``ledger.services``,
``ledger.workflow``)."""

from __future__ import annotations

import colander
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind import clock
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
)
from whirlwind.api.orgs import ORG_BRIEF, org_brief
from whirlwind.deadlines import COLOUR_CHOICES
from whirlwind.errors import NotFound
from whirlwind.ledger import extensions, queries
from whirlwind.ledger.models import (
    ExtensionRequest,
    ExtensionStatus,
    ItemReview,
    ItemSource,
    ItemStatus,
    ProgressNote,
    RectificationItem,
)
from whirlwind.ledger.services import add_note, update_item
from whirlwind.ledger.views import (
    ExtensionDecisionSchema,
    ExtensionSchema,
    ItemSchema,
    NoteSchema,
    TransitionSchema,
)
from whirlwind.ledger.workflow import (
    ACTIONS,
    available_actions,
    awaiting_level,
    review_stages,
    transition,
)
from whirlwind.scoping import get_visible
from whirlwind.security import Permission

TAG = "整改台账"

ITEM = COMPONENTS.add(
    "RectificationItem",
    obj(
        id=INTEGER,
        number={"type": "string", "description": "整改编号"},
        org=ORG_BRIEF,
        source_type={"type": "string", "enum": [str(s) for s in ItemSource]},
        source_label=STRING,
        source_id=INTEGER,
        problem=STRING,
        measure=STRING,
        responsible_person=STRING,
        deadline={**DATE, "description": "现行整改期限（只能经批准的延期申请变更）"},
        original_deadline={**DATE, "description": "最初的整改期限"},
        extension_count={"type": "integer", "description": "已延期次数（已延期 N 次）"},
        waiver_reason={"type": "string", "description": "验收豁免理由（空：未豁免）"},
        status={"type": "string", "enum": [str(s) for s in ItemStatus]},
        status_label=STRING,
        package_id=nullable(INTEGER),
        submitted_at=nullable(DATETIME),
        cleared_at=nullable(DATETIME),
        reopened_count=INTEGER,
        last_return_reason=STRING,
        created_at=DATETIME,
        updated_at=DATETIME,
        version={"type": "integer", "description": "乐观锁版本号：修改与流转时原样带回"},
    ),
)
REVIEW = obj(
    id=INTEGER,
    level=STRING,
    level_label=STRING,
    decision=STRING,
    decision_label=STRING,
    reason=STRING,
    reviewer=nullable(STRING),
    created_at=DATETIME,
)
NOTE = COMPONENTS.add(
    "ProgressNote",
    obj(id=INTEGER, item_id=INTEGER, note=STRING, author=nullable(STRING), created_at=DATETIME),
)
EXTENSION = COMPONENTS.add(
    "ExtensionRequest",
    obj(
        id=INTEGER,
        item_id=INTEGER,
        old_deadline=DATE,
        new_deadline=DATE,
        reason=STRING,
        status={"type": "string", "enum": [str(s) for s in ExtensionStatus]},
        status_label=STRING,
        requested_by=nullable(STRING),
        requested_at=DATETIME,
        decided_by=nullable(STRING),
        decided_at=nullable(DATETIME),
        decided_on=nullable(DATE),
        decision_note=STRING,
        version=INTEGER,
    ),
)
ITEM_DETAIL = COMPONENTS.add(
    "RectificationItemDetail",
    {
        "allOf": [
            ITEM,
            obj(
                awaiting_level=nullable(STRING),
                review_stages={"type": "array", "items": STRING},
                actions={
                    "type": "array",
                    "items": {"type": "string", "enum": list(ACTIONS)},
                    "description": "当前用户现在可以执行的流转",
                },
                reviews={"type": "array", "items": REVIEW},
                notes={"type": "array", "items": NOTE},
                extensions={"type": "array", "items": EXTENSION},
            ),
        ]
    },
)


def item_json(item: RectificationItem) -> dict:
    return {
        "id": item.id,
        "number": item.number,
        "org": org_brief(item.org),
        "source_type": item.source_type,
        "source_label": item.source_label,
        "source_id": item.source_id,
        "problem": item.problem,
        "measure": item.measure,
        "responsible_person": item.responsible_person,
        "deadline": iso(item.deadline),
        "original_deadline": iso(item.first_deadline),
        "extension_count": item.extension_count or 0,
        "waiver_reason": item.waiver_reason or "",
        "status": item.status,
        "status_label": item.status_label,
        "package_id": item.package_id,
        "submitted_at": iso(item.submitted_at),
        "cleared_at": iso(item.cleared_at),
        "reopened_count": item.reopened_count or 0,
        "last_return_reason": item.last_return_reason or "",
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "version": item.version,
    }


def note_json(note: ProgressNote) -> dict:
    return {
        "id": note.id,
        "item_id": note.item_id,
        "note": note.note,
        "author": note.author.display_name if note.author else None,
        "created_at": iso(note.created_at),
    }


def extension_json(r: ExtensionRequest) -> dict:
    return {
        "id": r.id,
        "item_id": r.item_id,
        "old_deadline": iso(r.old_deadline),
        "new_deadline": iso(r.new_deadline),
        "reason": r.reason,
        "status": r.status,
        "status_label": r.status_label,
        "requested_by": r.requested_by.display_name if r.requested_by else None,
        "requested_at": iso(r.requested_at),
        "decided_by": r.decided_by.display_name if r.decided_by else None,
        "decided_at": iso(r.decided_at),
        "decided_on": iso(r.decided_on),
        "decision_note": r.decision_note or "",
        "version": r.version,
    }


def item_detail(request, item: RectificationItem) -> dict:
    session = request.dbsession
    reviews = session.scalars(
        select(ItemReview)
        .where(ItemReview.item_id == item.id)
        .options(selectinload(ItemReview.reviewer))
        .order_by(ItemReview.id)
    )
    notes = session.scalars(
        select(ProgressNote)
        .where(ProgressNote.item_id == item.id)
        .options(selectinload(ProgressNote.author))
        .order_by(ProgressNote.id)
    )
    return {
        **item_json(item),
        "awaiting_level": awaiting_level(item),
        "review_stages": review_stages(item),
        "actions": available_actions(session, request.identity, item),
        "reviews": [
            {
                "id": r.id,
                "level": r.level,
                "level_label": r.level_label,
                "decision": r.decision,
                "decision_label": r.decision_label,
                "reason": r.reason or "",
                "reviewer": r.reviewer.display_name if r.reviewer else None,
                "created_at": iso(r.created_at),
            }
            for r in reviews
        ],
        "notes": [note_json(n) for n in notes],
        "extensions": [extension_json(r) for r in extensions.requests_for(session, item)],
    }


class ItemQuery(ListQuery):
    district = id_filter("区 ID")
    street = id_filter("街道/乡镇 ID")
    unit = id_filter("单位 ID（含下级）")
    source = choice_filter("来源", list(ItemSource))
    status = choice_filter("状态", list(ItemStatus))
    state = choice_filter(
        "状态分组：open 未销号、review 审核中、cleared 已销号", list(queries.STATE_GROUPS)
    )
    overdue = choice_filter("是否逾期（1 逾期，0 未逾期）", ["1", "0"])
    colour = choice_filter("预警颜色", list(COLOUR_CHOICES))
    awaiting = choice_filter("待哪一级审核", list(queries.AWAITING))
    q = text_filter("关键词（问题、措施、责任人、单位）")
    sort = choice_filter("排序", list(queries.SORTS))


class ItemUpdate(ItemSchema):
    version = colander.SchemaNode(
        colander.Integer(),
        title="读取时的版本号",
        missing_msg="缺少版本号（version），请先读取记录",
    )


def _item(request) -> RectificationItem:
    return get_visible(request.dbsession, request.identity, RectificationItem, path_id(request))


@endpoint(
    "items.list",
    "/items",
    summary="整改事项列表",
    tag=TAG,
    permission=Permission.LEDGER_VIEW,
    query=ItemQuery,
    response=page_schema(ITEM),
)
def items_list(request):
    """Items in the caller's jurisdiction, with the ledger page's filters."""
    p = query_params(request, ItemQuery)
    filters = queries.LedgerFilters(
        **{k: v for k, v in p.items() if k not in ("page", "size") and v}
    )
    stmt = queries.item_query(request.identity, filters, clock.today(), request.registry.settings)
    return json_page(request, stmt, p, item_json)


@endpoint(
    "items.detail",
    "/items/{id}",
    summary="整改事项详情（含审核记录、进展与可执行的流转）",
    tag=TAG,
    permission=Permission.LEDGER_VIEW,
    response=ITEM_DETAIL,
)
def items_detail(request):
    return item_detail(request, _item(request))


@endpoint(
    "items.update",
    "/items/{id}",
    "PUT",
    summary="修改整改事项（须带 version）",
    tag=TAG,
    permission=Permission.LEDGER_EDIT,
    body=ItemUpdate,
    response=ITEM_DETAIL,
    errors=(409, 422),
)
def items_update(request):
    """Only items not under review or cleared may be edited; a stale ``version`` answers 409
    and changes nothing."""
    item = _item(request)
    data = json_body(request, ItemUpdate)
    update_item(request.dbsession, request.identity, item, **data)
    return item_detail(request, item)


@endpoint(
    "items.notes.create",
    "/items/{id}/notes",
    "POST",
    summary="填报整改进展",
    tag=TAG,
    permission=Permission.LEDGER_EDIT,
    body=NoteSchema,
    response=NOTE,
    status=201,
    errors=(422,),
)
def items_note(request):
    """A progress note; the first note on an item 待整改 starts it (整改中). Evidence files
    are attached to notes in the web page (申请销号 needs at least one)."""
    item = _item(request)
    data = json_body(request, NoteSchema)
    return note_json(add_note(request.dbsession, request.identity, item, data["note"]))


@endpoint(
    "items.transition",
    "/items/{id}/transitions/{action}",
    "POST",
    summary="整改事项流转：start 开始整改、submit 申请销号、approve 审核通过、return 退回、reopen 回头看重新打开",
    tag=TAG,
    permission=Permission.LEDGER_VIEW,
    body=TransitionSchema,
    response=ITEM_DETAIL,
    errors=(409, 422),
    path_schemas={"action": {"type": "string", "enum": list(ACTIONS)}},
)
def items_transition(request):
    """Who may do what is the ledger workflow's rule (level, permission, jurisdiction);
    a transition the caller may not make now answers 422 with the reason, a stale
    ``version`` 409; ``reason`` is required for return and reopen."""
    item = _item(request)
    action = request.matchdict["action"]
    if action not in ACTIONS:
        raise NotFound("没有这种流转。")
    data = json_body(request, TransitionSchema)
    transition(
        request.dbsession,
        request.identity,
        item,
        action,
        version=data["version"],
        reason=data["reason"],
    )
    return item_detail(request, item)


@endpoint(
    "items.extensions.create",
    "/items/{id}/extensions",
    "POST",
    summary="提出延期申请（理由、申请延至的日期），待上一级审批",
    tag=TAG,
    permission=Permission.LEDGER_EDIT,
    body=ExtensionSchema,
    response=EXTENSION,
    status=201,
    errors=(409, 422),
)
def items_extension_create(request):
    """The deadline of an item changes only through an approved 延期申请; one request may
    be pending per item (a second answers 409)."""
    item = _item(request)
    data = json_body(request, ExtensionSchema)
    row = extensions.request_extension(
        request.dbsession,
        request.identity,
        item,
        new_deadline=data["new_deadline"],
        reason=data["reason"],
    )
    return extension_json(row)


@endpoint(
    "extensions.decision",
    "/extensions/{id}/decision",
    "POST",
    summary="审批延期申请：approve 批准（期限变更、计入延期次数）或 reject 不予批准（须填意见）",
    tag=TAG,
    permission=Permission.LEDGER_REVIEW,
    body=ExtensionDecisionSchema,
    response=EXTENSION,
    errors=(409, 422),
)
def extensions_decision(request):
    """Only a reviewer of a unit above the applicant's unit decides, never the applicant
    (职责分离); a refusal answers 422 with the rule, a stale ``version`` 409."""
    req = get_visible(request.dbsession, request.identity, ExtensionRequest, path_id(request))
    data = json_body(request, ExtensionDecisionSchema)
    extensions.decide_extension(
        request.dbsession,
        request.identity,
        req,
        approve=data["decision"] == "approve",
        note=data["note"],
        version=data["version"],
    )
    return extension_json(req)
