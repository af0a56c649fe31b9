"""Clue pages: list with filters and export, intake form, the clue page with its disposal
actions (拟办 → 审批 → 谈话函询/初核/暂存 → 结果), attachments."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind import changelog, clock
from whirlwind.attachments.services import for_owner, store_upload
from whirlwind.cases import services
from whirlwind.cases.common import (
    actor,
    category_choices,
    filter_units,
    labels_for,
    limits,
    load,
    refs,
    unit_choices,
)
from whirlwind.cases.models import (
    CLOSE_REASONS,
    CLUE_STATUS_LABELS,
    DISPOSAL_MODE_LABELS,
    MODE_OUTCOMES,
    CaseClue,
    Clue,
    ClueDisposal,
    ClueReportedPerson,
    ClueStatus,
    DisposalMode,
    DisposalState,
)
from whirlwind.cases.queries import Filters, clue_colour, clue_extras, clue_statement
from whirlwind.cases.schemas import (
    ApproveSchema,
    ConcludeSchema,
    DuplicateSchema,
    ProposeSchema,
    RejectSchema,
    ResponseSchema,
    clue_form_schema,
)
from whirlwind.deadlines import COLOUR_LABELS, policy
from whirlwind.errors import NotFound
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form, parse, version_node
from whirlwind.orgs.models import Org
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import get_visible, in_jurisdiction, scope
from whirlwind.search.views import related_for
from whirlwind.security import Permission
from whirlwind.web.actions import action, page_for

EXPORT_LIMIT = 20000


def _list_context(request, f: Filters):
    return {
        "filters": f,
        "sources": refs(request)["clue_source"],
        "categories": category_choices(request),
        "statuses": [("open", "未办结（全部）"), *CLUE_STATUS_LABELS.items()],
        "units": filter_units(request),
        "colours": COLOUR_LABELS,
        "source_labels": labels_for(request, "clue_source"),
        "category_labels": labels_for(request, "problem_category"),
    }


@view_config(
    route_name="cases.index",
    renderer="whirlwind:cases/templates/clues.jinja2",
    permission=Permission.CASES_VIEW,
)
def clue_list(request):
    f = Filters.from_request(request)
    warn = policy(request)
    stmt = clue_statement(request.identity, f, warn, clock.today())
    page = paginate(request.dbsession, stmt, *page_params(request))
    persons, categories = clue_extras(request.dbsession, [c.id for c in page.items])
    return dict(
        _list_context(request, f),
        page=page,
        persons=persons,
        clue_categories=categories,
        colour=lambda c: clue_colour(warn, c, clock.today()),
    )


@view_config(route_name="cases.clues_export", permission=Permission.CASES_VIEW)
def clue_export(request):
    f = Filters.from_request(request)
    warn = policy(request)
    stmt = clue_statement(request.identity, f, warn, clock.today()).limit(EXPORT_LIMIT)
    clues = list(request.dbsession.scalars(stmt).unique())
    persons, categories = clue_extras(request.dbsession, [c.id for c in clues])
    src = labels_for(request, "clue_source")
    cat = labels_for(request, "problem_category")
    show_reporter = request.identity.can(Permission.CASES_REPORTER)
    headers = [
        "线索编号",
        "标题",
        "被反映人",
        "问题属地",
        "线索来源",
        "问题类别",
        "受理日期",
        "涉及金额（元）",
        "状态",
        "时限",
        "预警",
    ]
    if show_reporter:
        headers += ["反映人", "反映人电话"]
    rows = []
    for c in clues:
        row = [
            c.number,
            c.title,
            "、".join(n for _, n in persons[c.id]),
            c.org.name,
            src.get(c.source, c.source),
            "、".join(cat.get(x, x) for x in categories[c.id]),
            c.received_date,
            c.amount_involved,
            c.status_label,
            c.due_date,
            COLOUR_LABELS.get(clue_colour(warn, c, clock.today()) or "", ""),
        ]
        if show_reporter:
            row += [c.reporter_name, c.reporter_phone]
        rows.append(row)
    wb = new_workbook()
    add_sheet(wb, "问题线索", headers, rows)
    return workbook_response(wb, f"问题线索-{clock.today():%Y%m%d}.xlsx")


def _clue_form(request):
    schema = clue_form_schema(
        dict(refs(request), problem_category=category_choices(request)),
        with_reporter=request.identity.can(Permission.CASES_REPORTER),
        org_choices=unit_choices(request),
    )
    return make_form(request, schema, buttons=("登记线索",), formid="clue")


@view_config(
    route_name="cases.clue_new",
    renderer="whirlwind:cases/templates/form.jinja2",
    permission=Permission.CASES_EDIT,
)
def clue_new(request):
    form = _clue_form(request)

    def on_success(data):
        org = get_visible(
            request.dbsession, request.identity, Org, data.pop("org_id"), org_attr="id"
        )
        persons = data.pop("persons")
        clue = services.create_clue(
            request.dbsession,
            actor(request),
            org=org,
            persons=persons,
            categories=sorted(data.pop("categories")),
            number=data.pop("number") or None,
            limits=limits(request),
            **data,
        )
        request.session.flash(f"线索 {clue.number} 已登记。", "success")
        return HTTPFound(request.route_url("cases.clue", id=clue.id))

    result = handle_form(
        request, form, on_success, appstruct={"received_date": clock.today(), "persons": [{}]}
    )
    if isinstance(result, dict):
        result.update(title="登记问题线索", back=request.route_path("cases.index"))
    return result


@view_config(
    route_name="cases.clue_edit",
    renderer="whirlwind:cases/templates/form.jinja2",
    permission=Permission.CASES_EDIT,
)
def clue_edit(request):
    """Correct the intake fields of a clue (not its number, unit, persons or status).

    The form carries the version it was read at: a save on top of someone else's change is
    refused (409) and changes nothing."""
    clue = _load_clue(request)
    with_reporter = request.identity.can(Permission.CASES_REPORTER)
    schema = clue_form_schema(
        dict(refs(request), problem_category=category_choices(request)),
        with_reporter=with_reporter,
        org_choices=unit_choices(request),
        with_persons=False,
    )
    for name in ("number", "org_id"):
        del schema[name]
    schema.add(version_node())
    form = make_form(request, schema, buttons=("保存修改",), formid="clue-edit")

    def on_success(data):
        version = data.pop("version")
        services.update_clue(
            request.dbsession,
            actor(request),
            clue,
            version=version,
            categories=sorted(data.pop("categories")),
            **data,
        )
        request.session.flash(f"线索 {clue.number} 已修改。", "success")
        return HTTPFound(request.route_url("cases.clue", id=clue.id))

    fields = [
        "title",
        "received_date",
        "source",
        "source_detail",
        "field",
        "campaign",
        "summary",
        "full_text",
        "amount_involved",
        "is_important",
        "handling_way",
    ]
    if with_reporter:
        fields += ["is_anonymous", "reporter_name", "reporter_unit", "reporter_phone"]
    appstruct = {f: getattr(clue, f) for f in fields}
    appstruct.update(categories=set(clue.category_codes), version=clue.version)
    result = handle_form(request, form, on_success, appstruct=appstruct)
    if isinstance(result, dict):
        result.update(
            title=f"修改线索 {clue.number}", back=request.route_path("cases.clue", id=clue.id)
        )
    return result


def _load_clue(request) -> Clue:
    clue = load(request, Clue)
    return clue


def _history(request, clue: Clue):
    session = request.dbsession
    entries = changelog.history(session, "clue", clue.id)
    for d in clue.disposals:
        entries += changelog.history(session, "clue_disposal", d.id)
    return sorted(entries, key=lambda e: e.seq)


@view_config(
    route_name="cases.clue",
    renderer="whirlwind:cases/templates/clue.jinja2",
    permission=Permission.CASES_VIEW,
)
def clue_detail(request):
    session = request.dbsession
    clue = session.scalar(
        scope(select(Clue), Clue.org_id, request.identity)
        .where(Clue.id == _int(request.matchdict["id"]))
        .options(
            selectinload(Clue.persons).selectinload(ClueReportedPerson.person),
            selectinload(Clue.categories),
            selectinload(Clue.disposals).selectinload(ClueDisposal.proposed_by),
            selectinload(Clue.disposals).selectinload(ClueDisposal.approved_by),
        )
    )
    if clue is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    case_links = list(
        session.scalars(
            select(CaseClue).where(CaseClue.clue_id == clue.id).options(selectinload(CaseClue.case))
        )
    )
    duplicates = list(
        session.scalars(
            scope(select(Clue), Clue.org_id, request.identity).where(
                Clue.duplicate_of_id == clue.id
            )
        )
    )
    original = None
    if clue.duplicate_of_id and in_jurisdiction(
        session, request.identity, clue.duplicate_of.org_id
    ):
        original = clue.duplicate_of
    warn = policy(request)
    return {
        "clue": clue,
        "cases": [
            link.case
            for link in case_links
            if in_jurisdiction(session, request.identity, link.case.org_id)
        ],
        "duplicates": duplicates,
        "original": original,
        "related": related_for(
            request, "clue", clue.id, exclude=[("case", link.case_id) for link in case_links]
        ),
        "show_reporter": request.identity.can(Permission.CASES_REPORTER),
        "category_names": [
            labels_for(request, "problem_category").get(c, c) for c in clue.category_codes
        ],
        "labels": {
            k: labels_for(request, k)
            for k in (
                "clue_source",
                "problem_category",
                "clue_field",
                "handling_way",
                "subject_identity",
            )
        },
        "modes": DISPOSAL_MODE_LABELS,
        "local_modes": {m.value for m in DisposalMode if m.is_local},
        "mode_outcomes": {
            m.value: [(o.value, o.label) for o in outs] for m, outs in MODE_OUTCOMES.items()
        },
        "close_reasons": CLOSE_REASONS,
        "colour": clue_colour(warn, clue, clock.today()),
        "today": clock.today(),
        "attachments": for_owner(session, "clue", [clue.id])[clue.id],
        "entries": _history(request, clue),
        "DisposalState": DisposalState,
        "can_propose": clue.status == ClueStatus.REGISTERED,
    }


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("记录不存在。") from None


def _back(request, clue: Clue, message: str):
    request.session.flash(message, "success")
    return HTTPFound(request.route_url("cases.clue", id=clue.id, _anchor="disposal"))


CLUE_PAGE = "whirlwind:cases/templates/clue.jinja2"


def _clue_page_of_disposal(request):
    return page_for(clue_detail, lambda r: _disposal(r).clue_id)(request)


@view_config(
    route_name="cases.clue_propose", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: clue_detail(r), CLUE_PAGE, "propose-form")
def clue_propose(request):
    clue = _load_clue(request)
    data = parse(ProposeSchema(), request)
    d = services.propose_disposal(
        request.dbsession, actor(request), clue, today=clock.today(), **data
    )
    return _back(request, clue, f"已提出拟办意见：{d.mode_label}，等待审批。")


def _disposal(request) -> ClueDisposal:
    session = request.dbsession
    d = session.scalar(
        select(ClueDisposal)
        .join(Clue, Clue.id == ClueDisposal.clue_id)
        .where(ClueDisposal.id == _int(request.matchdict["id"]))
        .where(Clue.id.in_(scope(select(Clue.id), Clue.org_id, request.identity)))
    )
    if d is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return d


@view_config(
    route_name="cases.disposal_approve", request_method="POST", permission=Permission.CASES_APPROVE
)
@action(_clue_page_of_disposal, CLUE_PAGE, lambda r: f"approve-{r.matchdict['id']}")
def disposal_approve(request):
    d = _disposal(request)
    data = parse(ApproveSchema(), request)
    case_fields = {
        "number": data.pop("case_number") or None,
        "case_type": data.pop("case_type"),
        "investigators": data.pop("investigators"),
        "review_unit": data.pop("review_unit"),
    }
    result = services.approve_disposal(
        request.dbsession,
        actor(request),
        d,
        case_fields=case_fields,
        limits=limits(request),
        today=clock.today(),
        **data,
    )
    if d.mode == DisposalMode.OPEN_CASE:
        request.session.flash(f"已批准立案，案件编号 {result.number}。", "success")
        return HTTPFound(request.route_url("cases.case", id=result.id))
    return _back(request, d.clue, f"已批准：{d.mode_label}。")


@view_config(
    route_name="cases.disposal_reject", request_method="POST", permission=Permission.CASES_APPROVE
)
@action(_clue_page_of_disposal, CLUE_PAGE, lambda r: f"reject-{r.matchdict['id']}")
def disposal_reject(request):
    d = _disposal(request)
    data = parse(RejectSchema(), request)
    services.reject_disposal(
        request.dbsession, actor(request), d, limits=limits(request), today=clock.today(), **data
    )
    return _back(request, d.clue, "已退回拟办意见，请重新提出处置意见。")


@view_config(
    route_name="cases.disposal_response", request_method="POST", permission=Permission.CASES_EDIT
)
@action(_clue_page_of_disposal, CLUE_PAGE, lambda r: f"response-{r.matchdict['id']}")
def disposal_response(request):
    d = _disposal(request)
    data = parse(ResponseSchema(), request)
    services.record_response(request.dbsession, actor(request), d, today=clock.today(), **data)
    return _back(request, d.clue, "已登记。")


@view_config(
    route_name="cases.disposal_conclude", request_method="POST", permission=Permission.CASES_APPROVE
)
@action(_clue_page_of_disposal, CLUE_PAGE, lambda r: f"conclude-{r.matchdict['id']}")
def disposal_conclude(request):
    d = _disposal(request)
    data = parse(ConcludeSchema(), request)
    result = services.conclude_disposal(
        request.dbsession, actor(request), d, limits=limits(request), today=clock.today(), **data
    )
    if result is not d:
        return _back(
            request,
            d.clue,
            f"已登记结果：{d.outcome_label}；已转入下一步：{result.mode_label}（待审批）。",
        )
    return _back(request, d.clue, "已登记处置结果。")


@view_config(
    route_name="cases.clue_duplicate", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: clue_detail(r), CLUE_PAGE, "duplicate-form")
def clue_duplicate(request):
    clue = _load_clue(request)
    data = parse(DuplicateSchema(), request)
    original = request.dbsession.scalar(
        scope(select(Clue), Clue.org_id, request.identity).where(
            Clue.number == data["original_number"]
        )
    )
    if original is None:
        raise NotFound(f"找不到编号为“{data['original_number']}”的线索。")
    services.mark_duplicate(
        request.dbsession, actor(request), clue, original, on_date=data["on_date"]
    )
    return _back(request, clue, f"已标记为 {original.number} 的重复件。")


@view_config(
    route_name="cases.clue_upload", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: clue_detail(r), CLUE_PAGE, "upload-form")
def clue_upload(request):
    clue = _load_clue(request)
    a = store_upload(
        request, "file", owner_type="clue", owner_id=clue.id, org_id=clue.org_id, required=True
    )
    request.session.flash(f"已上传附件“{a.filename}”。", "success")
    return HTTPFound(request.route_url("cases.clue", id=clue.id, _anchor="attachments"))
