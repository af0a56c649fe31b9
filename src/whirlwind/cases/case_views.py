"""Case pages: list with filters and export, the case page (whole history, stages,
subjects), stage moves, per-person handling, 以案促改, overdue list."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind import changelog, clock
from whirlwind.attachments.services import for_owner, store_upload
from whirlwind.cases import casework
from whirlwind.cases.common import (
    actor,
    category_choices,
    filter_units,
    labels_for,
    limits,
    load,
    refs,
)
from whirlwind.cases.models import (
    CASE_STAGE_LABELS,
    FOUR_FORMS,
    STAGE_ORDER,
    Case,
    CaseClue,
    CaseStage,
    CaseStageEvent,
    CaseSubject,
    Clue,
    ClueStatus,
    PublicNotice,
    PublicNoticeEntry,
)
from whirlwind.cases.queries import (
    Filters,
    case_colour,
    case_extras,
    case_statement,
    clue_statement,
)
from whirlwind.cases.schemas import (
    AdvanceSchema,
    EarlyReviewSchema,
    ExtendSchema,
    RevokeSchema,
    SubjectAddSchema,
    rectify_schema,
    subject_form_schema,
    with_csrf,
)
from whirlwind.deadlines import COLOUR_CHOICES, COLOUR_LABELS, policy
from whirlwind.errors import NotFound
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form, parse
from whirlwind.ledger.services import items_for_source, source_progress
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import in_jurisdiction, scope
from whirlwind.search.views import related_for
from whirlwind.security import Permission
from whirlwind.web.actions import action

EXPORT_LIMIT = 20000


@view_config(
    route_name="cases.cases",
    renderer="whirlwind:cases/templates/cases.jinja2",
    permission=Permission.CASES_VIEW,
)
def case_list(request):
    f = Filters.from_request(request)
    warn = policy(request)
    stmt = case_statement(request.identity, f, warn, clock.today())
    page = paginate(request.dbsession, stmt, *page_params(request))
    return {
        "filters": f,
        "page": page,
        "subjects": case_extras(request.dbsession, [c.id for c in page.items]),
        "sources": refs(request)["clue_source"],
        "categories": category_choices(request),
        "stages": [("open", "未结案（全部）"), *CASE_STAGE_LABELS.items()],
        "units": filter_units(request),
        "colours": COLOUR_LABELS,
        "source_labels": labels_for(request, "clue_source"),
        "party_labels": labels_for(request, "party_sanction"),
        "state_labels": labels_for(request, "state_sanction"),
        "colour": lambda c: case_colour(warn, c, clock.today()),
    }


@view_config(route_name="cases.cases_export", permission=Permission.CASES_VIEW)
def case_export(request):
    f = Filters.from_request(request)
    warn = policy(request)
    cases = list(
        request.dbsession.scalars(
            case_statement(request.identity, f, warn, clock.today()).limit(EXPORT_LIMIT)
        ).unique()
    )
    subjects = case_extras(request.dbsession, [c.id for c in cases])
    src = labels_for(request, "clue_source")
    party = labels_for(request, "party_sanction")
    state = labels_for(request, "state_sanction")
    org_handling = labels_for(request, "org_handling")
    wb = new_workbook()
    add_sheet(
        wb,
        "案件",
        [
            "案件编号",
            "案件名称",
            "问题属地",
            "线索来源",
            "立案日期",
            "当前阶段",
            "移送审理",
            "处分决定",
            "结案日期",
            "涉及金额（元）",
            "被审查调查人",
            "时限",
            "预警",
        ],
        [
            [
                c.number,
                c.title,
                c.org.name,
                src.get(c.source, c.source),
                c.opened_on,
                c.stage_label,
                c.review_on,
                c.decision_on,
                c.closed_on,
                c.amount_involved,
                "、".join(p.name for _, p in subjects[c.id]),
                c.due_date,
                COLOUR_LABELS.get(case_colour(warn, c, clock.today()) or "", ""),
            ]
            for c in cases
        ],
    )
    rows = []
    for c in cases:
        for s, p in subjects[c.id]:
            rows.append(
                [
                    c.number,
                    p.name,
                    s.post,
                    FOUR_FORMS.get(s.four_form, "") if s.four_form else "",
                    party.get(s.party_sanction, ""),
                    state.get(s.state_sanction, ""),
                    org_handling.get(s.org_handling, ""),
                    "是" if s.to_prosecution else "",
                    s.amount_involved,
                    s.illegal_gains,
                    s.confiscated,
                    s.ordered_returned,
                    s.recovered,
                    s.decision_number,
                    s.decision_on,
                    s.announced_on,
                ]
            )
    add_sheet(
        wb,
        "处理结果",
        [
            "案件编号",
            "姓名",
            "时任职务",
            "四种形态",
            "党纪处分",
            "政务处分",
            "组织处理",
            "移送司法",
            "涉及金额",
            "违纪违法所得",
            "收缴",
            "责令退赔",
            "挽回损失",
            "处分决定文号",
            "处分决定日期",
            "宣布日期",
        ],
        rows,
    )
    return workbook_response(wb, f"案件-{clock.today():%Y%m%d}.xlsx")


def _load_case(request) -> Case:
    try:
        case_id = int(request.matchdict["id"])
    except ValueError:
        raise NotFound("记录不存在。") from None
    case = request.dbsession.scalar(
        scope(select(Case), Case.org_id, request.identity)
        .where(Case.id == case_id)
        .options(
            selectinload(Case.subjects).selectinload(CaseSubject.person),
            selectinload(Case.events).selectinload(CaseStageEvent.actor),
            selectinload(Case.clue_links).selectinload(CaseClue.clue).selectinload(Clue.disposals),
        )
    )
    if case is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return case


def _history(session, case: Case):
    entries = changelog.history(session, "case", case.id)
    for s in case.subjects:
        entries += changelog.history(session, "case_subject", s.id)
    return sorted(entries, key=lambda e: e.seq)


@view_config(
    route_name="cases.case",
    renderer="whirlwind:cases/templates/case.jinja2",
    permission=Permission.CASES_VIEW,
)
def case_detail(request):
    session = request.dbsession
    case = _load_case(request)
    warn = policy(request)
    current = CaseStage(case.stage)
    next_stage = STAGE_ORDER[current.order + 1] if case.is_open else None
    notices = list(
        session.scalars(
            select(PublicNotice)
            .join(PublicNoticeEntry, PublicNoticeEntry.notice_id == PublicNotice.id)
            .where(PublicNoticeEntry.case_id == case.id)
            .distinct()
            .order_by(PublicNotice.issued_on)
        )
    )
    items = items_for_source(session, "case", case.id)
    clues = [
        link.clue
        for link in case.clue_links
        if in_jurisdiction(session, request.identity, link.clue.org_id)
    ]
    return {
        "case": case,
        "clues": clues,
        "next_stage": next_stage,
        "stage_order": STAGE_ORDER,
        "colour": case_colour(warn, case, clock.today()),
        "limits": limits(request),
        "four_forms": FOUR_FORMS,
        "labels": {
            k: labels_for(request, k)
            for k in (
                "party_sanction",
                "state_sanction",
                "org_handling",
                "handling_measure",
                "subject_identity",
                "clue_source",
                "notice_channel",
            )
        },
        "notices": notices,
        "items": items,
        "progress": source_progress(items),
        "attachments": for_owner(session, "case", [case.id])[case.id],
        "entries": _history(session, case),
        "today": clock.today(),
        "identities": refs(request)["subject_identity"],
        "related": related_for(
            request, "case", case.id, exclude=[("clue", link.clue_id) for link in case.clue_links]
        ),
    }


CASE_PAGE = "whirlwind:cases/templates/case.jinja2"


def _back(request, case: Case, message: str, anchor: str = "stages"):
    request.session.flash(message, "success")
    return HTTPFound(request.route_url("cases.case", id=case.id, _anchor=anchor))


@view_config(
    route_name="cases.case_advance", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: case_detail(r), CASE_PAGE, "advance-form")
def case_advance(request):
    case = load(request, Case)
    data = parse(AdvanceSchema(), request)
    casework.advance_case(
        request.dbsession, actor(request), case, limits=limits(request), today=clock.today(), **data
    )
    return _back(request, case, f"案件已进入“{case.stage_label}”阶段。")


@view_config(
    route_name="cases.case_extend", request_method="POST", permission=Permission.CASES_APPROVE
)
@action(lambda r: case_detail(r), CASE_PAGE, "extend-form")
def case_extend(request):
    case = load(request, Case)
    data = parse(ExtendSchema(), request)
    casework.extend_investigation(
        request.dbsession, actor(request), case, limits=limits(request), **data
    )
    return _back(request, case, f"审查调查已延期，新的期限为 {case.due_date:%Y-%m-%d}。")


@view_config(
    route_name="cases.case_early_review", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: case_detail(r), CASE_PAGE, "early-review-form")
def case_early_review(request):
    case = load(request, Case)
    data = parse(EarlyReviewSchema(), request)
    casework.early_review(request.dbsession, actor(request), case, today=clock.today(), **data)
    return _back(request, case, "已登记提前介入审理。")


@view_config(
    route_name="cases.case_revoke", request_method="POST", permission=Permission.CASES_APPROVE
)
@action(lambda r: case_detail(r), CASE_PAGE, "revoke-form")
def case_revoke(request):
    case = load(request, Case)
    data = parse(RevokeSchema(), request)
    casework.revoke_case(request.dbsession, actor(request), case, today=clock.today(), **data)
    return _back(request, case, "案件已撤销。")


@view_config(
    route_name="cases.case_upload", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: case_detail(r), CASE_PAGE, "upload-form")
def case_upload(request):
    case = load(request, Case)
    a = store_upload(
        request, "file", owner_type="case", owner_id=case.id, org_id=case.org_id, required=True
    )
    return _back(request, case, f"已上传附件“{a.filename}”。", "attachments")


@view_config(
    route_name="cases.subject_add", request_method="POST", permission=Permission.CASES_EDIT
)
@action(lambda r: case_detail(r), CASE_PAGE, "subject-form")
def subject_add(request):
    case = load(request, Case)
    data = parse(SubjectAddSchema(), request)
    s = casework.add_subject(request.dbsession, actor(request), case, data)
    return _back(request, case, f"已增加被审查调查人 {s.person.name}。", "subjects")


def _load_subject(request) -> CaseSubject:
    try:
        subject_id = int(request.matchdict["id"])
    except ValueError:
        raise NotFound("记录不存在。") from None
    subject = request.dbsession.scalar(
        select(CaseSubject)
        .where(CaseSubject.id == subject_id)
        .where(CaseSubject.case_id.in_(scope(select(Case.id), Case.org_id, request.identity)))
    )
    if subject is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return subject


@view_config(
    route_name="cases.subject",
    renderer="whirlwind:cases/templates/form.jinja2",
    permission=Permission.CASES_EDIT,
)
def subject_edit(request):
    subject = _load_subject(request)
    form = make_form(
        request, subject_form_schema(refs(request)), buttons=("保存处理结果",), formid="subject"
    )

    def on_success(data):
        data["four_form"] = int(data["four_form"]) if data.get("four_form") else None
        casework.update_subject(request.dbsession, actor(request), subject, **data)
        return _back(
            request, subject.case, f"已保存 {subject.person.name} 的处理结果。", "subjects"
        )

    values = {k: getattr(subject, k) for k in casework.SUBJECT_FIELDS}
    values["four_form"] = str(subject.four_form) if subject.four_form else ""
    values = {k: v for k, v in values.items() if v is not None}
    values["version"] = subject.version
    result = handle_form(request, form, on_success, appstruct=values)
    if isinstance(result, dict):
        result.update(
            title=f"{subject.person.name}的处理结果（{subject.case.number}）",
            back=request.route_path("cases.case", id=subject.case_id, _anchor="subjects"),
            note="对村(社区)两委干部等基层群众性自治组织中从事管理的人员，政务处分只能是警告、记过或记大过。",
        )
    return result


@view_config(
    route_name="cases.case_rectify",
    renderer="whirlwind:cases/templates/form.jinja2",
    permission=Permission.LEDGER_EDIT,
)
def case_rectify(request):
    case = load(request, Case)
    form = make_form(
        request, with_csrf(rectify_schema()), buttons=("生成整改事项",), formid="rectify"
    )

    def on_success(data):
        members = []
        for level, key, role in (
            ("city", "city_leader", "city_leader"),
            ("district", "district_leader", "district_leader"),
            ("street", "street_leader", "street_leader"),
        ):
            if data.get(key):
                members.append({"level": level, "role": role, "person_name": data[key]})
        _, items = casework.open_rectification(
            request.dbsession,
            actor(request),
            case,
            package_title=data["package_title"],
            members=members,
            items=data["items"],
            today=clock.today(),
        )
        return _back(request, case, f"以案促改：已生成整改事项 {len(items)} 项。", "rectification")

    result = handle_form(
        request,
        form,
        on_success,
        appstruct={"package_title": f"以案促改：{case.title}"[:200], "items": [{}]},
    )
    if isinstance(result, dict):
        result.update(
            title=f"以案促改：{case.number}",
            back=request.route_path("cases.case", id=case.id, _anchor="rectification"),
            note="整改事项进入统一整改台账，按包保责任逐级审核销号。",
        )
    return result


@view_config(
    route_name="cases.overdue",
    renderer="whirlwind:cases/templates/overdue.jinja2",
    permission=Permission.CASES_VIEW,
)
def overdue(request):
    """超期/预警清单: clues and cases whose time limit has passed (red) or is near (yellow)."""
    warn = policy(request)
    colour = request.GET.get("colour") if request.GET.get("colour") in ("red", "yellow") else "red"
    f = Filters(colour=colour, unit=Filters.from_request(request).unit)
    session = request.dbsession
    # Time limits only: a historical clue coloured by its age has no limit to be past.
    clue_stmt = clue_statement(request.identity, f, warn, clock.today())
    clue_stmt = clue_stmt.where(Clue.due_date.is_not(None)).limit(500)
    clues = list(session.scalars(clue_stmt).unique())
    case_stmt = case_statement(request.identity, f, warn, clock.today()).limit(500)
    cases = list(session.scalars(case_stmt).unique())
    return {
        "colour_filter": colour,
        "colour_choices": COLOUR_CHOICES,
        "clues": sorted(clues, key=lambda c: c.due_date),
        "cases": sorted(cases, key=lambda c: c.due_date),
        "today": clock.today(),
        "units": filter_units(request),
        "filters": f,
        "colour": lambda d: warn.colour_for_due(d, clock.today()),
        "ClueStatus": ClueStatus,
    }
