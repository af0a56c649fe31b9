"""Pages of weak-organization rectification: campaigns, assessments, reverse ranking,
targets with plan, package, acceptance, clearing and re-check."""

from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import func, or_, select

from whirlwind import clock, forms
from whirlwind.changelog import history
from whirlwind.errors import ValidationFailed
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import parse
from whirlwind.ledger.models import REVIEW_LEVEL_LABELS
from whirlwind.ledger.workflow import awaiting_level
from whirlwind.orgs.models import Org
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import request_labels
from whirlwind.scoping import get_visible, scope, scope_to_unit
from whirlwind.security import Permission
from whirlwind.targets import schemas
from whirlwind.targets import services as ts
from whirlwind.targets.models import (
    TARGET_STATUS_LABELS,
    Campaign,
    OrgAssessment,
    RectificationTarget,
    TargetStatus,
)
from whirlwind.web.actions import action

FORM_PAGE = "whirlwind:targets/templates/form.jinja2"


def _int(v):
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


def _org_by_code(request, code: str) -> Org:
    org = request.dbsession.scalar(
        scope(select(Org).where(Org.code == code.strip()), Org.id, request.identity)
    )
    if org is None:
        raise ValidationFailed(
            f"组织编码 {code} 不存在或不在您的管辖范围内。", fields={"org_code": "无效"}
        )
    return org


def _form_page(request, form, on_success, *, title, back, appstruct=None, note=""):
    result = forms.handle_form(request, form, on_success, appstruct=appstruct)
    if isinstance(result, dict):
        result.update(title=title, back=back, note=note)
    return result


# --- Targets list ----------------------------------------------------------------------


def _target_query(request):
    p = request.params
    stmt = select(RectificationTarget).join(Org, Org.id == RectificationTarget.org_id)
    stmt = scope(stmt, RectificationTarget.org_id, request.identity)
    filters = {
        "campaign": _int(p.get("campaign")),
        "district": _int(p.get("district")),
        "status": p.get("status") if p.get("status") in TARGET_STATUS_LABELS else "",
        "category": (p.get("category") or "").strip()[:8],
        "q": (p.get("q") or "").strip()[:100],
    }
    if filters["campaign"]:
        stmt = stmt.where(RectificationTarget.campaign_id == filters["campaign"])
    if filters["district"]:
        stmt = scope_to_unit(
            stmt, RectificationTarget.org_id, request.identity, filters["district"]
        )
    if filters["status"]:
        stmt = stmt.where(RectificationTarget.status == filters["status"])
    else:
        stmt = stmt.where(RectificationTarget.status != TargetStatus.REMOVED)
    if filters["category"]:
        stmt = stmt.where(RectificationTarget.categories.contains(filters["category"]))
    if filters["q"]:
        like = f"%{filters['q']}%"
        stmt = stmt.where(or_(Org.name.ilike(like), RectificationTarget.problem.ilike(like)))
    return stmt.order_by(Org.code, RectificationTarget.id), {k: v for k, v in filters.items() if v}


@view_config(
    route_name="targets.index",
    renderer="whirlwind:targets/templates/index.jinja2",
    permission=Permission.TARGETS_VIEW,
)
def index(request):
    stmt, filters = _target_query(request)
    page_no, size = page_params(request)
    page = paginate(request.dbsession, stmt, page_no, size)
    session = request.dbsession
    campaigns = list(
        session.scalars(
            ts.campaigns_stmt(request.identity).order_by(Campaign.year.desc(), Campaign.id)
        )
    )
    districts = list(
        session.execute(
            scope(
                select(Org.id, Org.name).where(Org.level == "district"), Org.id, request.identity
            ).order_by(Org.code)
        )
    )
    return {
        "page": page,
        "filters": filters,
        "campaigns": campaigns,
        "districts": districts,
        "statuses": TARGET_STATUS_LABELS,
        "categories": request_labels(request, "weakness_category"),
        "export_url": request.route_path("targets.export", _query=filters),
    }


@view_config(route_name="targets.export", permission=Permission.TARGETS_VIEW)
def export(request):
    stmt, _ = _target_query(request)
    labels = request_labels(request, "weakness_category")
    rows = [
        (
            t.org.code,
            t.org.name,
            t.campaign.year,
            "、".join(labels.get(c, c) for c in t.category_codes),
            t.score_at_selection,
            t.status_label,
            t.deadline,
            t.cleared_date,
            t.problem,
        )
        for t in request.dbsession.scalars(stmt).unique()
    ]
    wb = new_workbook()
    add_sheet(
        wb,
        "整顿对象",
        (
            "组织编码",
            "组织",
            "年度",
            "软弱涣散情形",
            "考核得分",
            "状态",
            "整顿期限",
            "销号日期",
            "主要问题",
        ),
        rows,
    )
    return workbook_response(wb, f"整顿对象-{clock.today().isoformat()}.xlsx")


# --- Campaigns -------------------------------------------------------------------------


@view_config(
    route_name="targets.campaigns",
    renderer="whirlwind:targets/templates/campaigns.jinja2",
    permission=Permission.TARGETS_VIEW,
)
def campaigns(request):
    session = request.dbsession
    rows = list(
        session.scalars(
            ts.campaigns_stmt(request.identity).order_by(Campaign.year.desc(), Campaign.id)
        )
    )
    counts = {}
    if rows:
        stmt = scope(
            select(RectificationTarget.campaign_id, RectificationTarget.status, func.count())
            .where(RectificationTarget.campaign_id.in_([c.id for c in rows]))
            .group_by(RectificationTarget.campaign_id, RectificationTarget.status),
            RectificationTarget.org_id,
            request.identity,
        )
        for cid, status, n in session.execute(stmt):
            counts.setdefault(cid, {})[status] = n
    return {"campaigns": rows, "counts": counts, "statuses": TARGET_STATUS_LABELS}


@view_config(
    route_name="targets.campaign_new", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT
)
def campaign_new(request):
    form = forms.make_form(request, schemas.CampaignForm(), buttons=("创建",), formid="campaign")

    def on_success(data):
        campaign = ts.create_campaign(
            request.dbsession,
            request.identity,
            org=request.identity.org,
            settings=request.registry.settings,
            **data,
        )
        request.session.flash("年度整顿已创建。", "success")
        return HTTPFound(request.route_url("targets.campaign", id=campaign.id))

    defaults = ts.rules(request.registry.settings)
    return _form_page(
        request,
        form,
        on_success,
        title="新建年度整顿",
        back=request.route_path("targets.campaigns"),
        appstruct={
            "year": clock.today().year,
            "selection_mode": "ranked",
            "ratio": defaults["ratio"],
            "per_district": True,
            "acceptance_level": defaults["acceptance_level"],
        },
        note=f"范围：{request.identity.org.name}。验收合格分 {defaults['pass_score']} 分，不满意率超过 {defaults['max_dissatisfied']}% 直接不通过。",
    )


def _campaign(request) -> Campaign:
    return ts.get_campaign(request.dbsession, request.identity, request.matchdict["id"])


@view_config(
    route_name="targets.campaign",
    renderer="whirlwind:targets/templates/campaign.jinja2",
    permission=Permission.TARGETS_VIEW,
)
def campaign_page(request):
    campaign = _campaign(request)
    session = request.dbsession
    counts = dict(
        session.execute(
            scope(
                select(RectificationTarget.status, func.count())
                .where(RectificationTarget.campaign_id == campaign.id)
                .group_by(RectificationTarget.status),
                RectificationTarget.org_id,
                request.identity,
            )
        ).all()
    )
    assessed = session.scalar(
        scope(
            select(func.count())
            .select_from(OrgAssessment)
            .where(OrgAssessment.year == campaign.assessment_year),
            OrgAssessment.org_id,
            request.identity,
        )
    )
    return {
        "campaign": campaign,
        "counts": counts,
        "statuses": TARGET_STATUS_LABELS,
        "assessed": assessed,
        "import_errors": request.session.pop_flash("import_errors"),
    }


@view_config(
    route_name="targets.assessment_import",
    request_method="POST",
    permission=Permission.TARGETS_EDIT,
)
def assessment_import(request):
    campaign = _campaign(request)
    parse(
        colander.MappingSchema(
            children=[colander.SchemaNode(colander.String(), name="csrf_token", missing="")]
        ),
        request,
    )
    upload = request.POST.get("file")
    if upload is None or not getattr(upload, "file", None):
        raise ValidationFailed("请选择要导入的 Excel 文件。")
    result = ts.import_assessments(
        request.dbsession,
        request.identity,
        upload.file,
        campaign.assessment_year,
        filename=upload.filename,
    )
    if result.errors:
        request.response.status = 400
        request.tm.doom()
        for e in result.errors[:200]:
            request.session.flash(e, "import_errors")
        request.session.flash(
            f"导入失败：共 {len(result.errors)} 处错误，未写入任何数据。", "danger"
        )
    else:
        request.session.flash(f"已导入 {result.imported} 个组织的考核结果。", "success")
    return HTTPFound(request.route_url("targets.campaign", id=campaign.id))


@view_config(
    route_name="targets.assessment_new", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT
)
def assessment_new(request):
    campaign = _campaign(request)
    form = forms.make_form(
        request, schemas.AssessmentForm(), buttons=("保存",), formid="assessment"
    )

    def on_success(data):
        org = _org_by_code(request, data["org_code"])
        ts.set_assessment(
            request.dbsession,
            request.identity,
            org=org,
            year=campaign.assessment_year,
            score=data["score"],
            star_level=data["star_level"],
        )
        ts.recompute_ranks(request.dbsession, campaign.assessment_year)
        request.session.flash(f"已录入 {org.name} 的考核结果。", "success")
        return HTTPFound(request.route_url("targets.assessment_new", id=campaign.id))

    return _form_page(
        request,
        form,
        on_success,
        title=f"录入{campaign.assessment_year}年度考核结果",
        back=request.route_path("targets.campaign", id=campaign.id),
    )


@view_config(
    route_name="targets.ranking",
    renderer="whirlwind:targets/templates/ranking.jinja2",
    permission=Permission.TARGETS_VIEW,
)
def ranking_page(request):
    campaign = _campaign(request)
    mode = request.params.get("mode")
    per_district = None if mode not in ("city", "district") else mode == "district"
    district_id = _int(request.params.get("district"))
    if request.method == "POST":
        if not request.identity.can(Permission.TARGETS_EDIT):
            from pyramid.httpexceptions import HTTPForbidden

            raise HTTPForbidden()
        parse(
            colander.MappingSchema(
                children=[colander.SchemaNode(colander.String(), name="csrf_token", missing="")]
            ),
            request,
        )
        created = ts.confirm_targets(
            request.dbsession, request.identity, campaign, request.POST.getall("org")
        )
        request.session.flash(f"已将 {len(created)} 个组织拟定为整顿对象。", "success")
        return HTTPFound(request.route_url("targets.ranking", id=campaign.id, _query=request.GET))
    result = ts.ranking(
        request.dbsession,
        request.identity,
        campaign,
        district_id=district_id,
        per_district=per_district,
    )
    districts = list(
        request.dbsession.execute(
            scope(
                select(Org.id, Org.name).where(Org.level == "district"), Org.id, request.identity
            ).order_by(Org.code)
        )
    )
    return {
        "campaign": campaign,
        "ranking": result,
        "per_district": campaign.per_district if per_district is None else per_district,
        "district_id": district_id,
        "districts": districts,
    }


@view_config(route_name="targets.add", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT)
def add_target(request):
    campaign = _campaign(request)
    schema = schemas.AddTargetForm()
    form = forms.make_form(request, schema, buttons=("列为整顿对象",), formid="add-target")

    def on_success(data):
        org = _org_by_code(request, data["org_code"])
        target = ts.add_target(
            request.dbsession,
            request.identity,
            campaign,
            org,
            categories=data["categories"],
            evidence=data["evidence"],
            problem=data["problem"],
            selected_how="criteria",
        )
        request.session.flash(f"已将 {org.name} 拟定为整顿对象。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    return _form_page(
        request,
        form,
        on_success,
        title="按标准增列整顿对象",
        back=request.route_path("targets.campaign", id=campaign.id),
    )


# --- One target ------------------------------------------------------------------------


def _target(request) -> RectificationTarget:
    return get_visible(
        request.dbsession, request.identity, RectificationTarget, request.matchdict["id"]
    )


@view_config(
    route_name="targets.detail",
    renderer="whirlwind:targets/templates/detail.jinja2",
    permission=Permission.TARGETS_VIEW,
)
def detail(request):
    target = _target(request)
    session = request.dbsession
    items = ts.target_items(session, target.id)
    today = clock.today()
    identity = request.identity
    status = TargetStatus(target.status)
    can_edit = identity.can(Permission.TARGETS_EDIT)
    can_accept = identity.can(Permission.TARGETS_ACCEPT)
    buttons = []
    if can_edit and status == TargetStatus.IDENTIFIED:
        buttons.append(("start", "开始整顿"))
    if can_edit and status in (TargetStatus.RECTIFYING, TargetStatus.RERECTIFY):
        buttons.append(("request", "申请验收"))
    gaps = ts.clearing_gaps(session, target, items)
    if can_accept and status == TargetStatus.ACCEPTED and gaps["ready"]:
        buttons.append(("clear", "整顿销号"))
    return {
        "target": target,
        "items": [(i, awaiting_level(i), not i.is_cleared and i.deadline < today) for i in items],
        "gaps": gaps,
        "categories": request_labels(request, "weakness_category"),
        "selection": request_labels(request, "selection_how"),
        "levels": REVIEW_LEVEL_LABELS,
        "members": target.package.members if target.package else [],
        "buttons": buttons,
        "can_edit": can_edit and status not in (TargetStatus.CLEARED, TargetStatus.REMOVED),
        "can_identify": can_edit and status == TargetStatus.PROPOSED,
        "can_remove": can_edit and status in (TargetStatus.PROPOSED, TargetStatus.IDENTIFIED),
        "can_plan": can_edit
        and status not in (TargetStatus.PROPOSED, TargetStatus.CLEARED, TargetStatus.REMOVED),
        "can_accept": can_accept and status == TargetStatus.ACCEPTANCE_REQUESTED,
        "can_recheck": can_accept and status == TargetStatus.CLEARED,
        "can_waive": can_accept
        and identity.level == target.campaign.acceptance_level
        and status not in (TargetStatus.CLEARED, TargetStatus.REMOVED),
        "entries": history(session, "target", target.id),
    }


@view_config(
    route_name="targets.waiver", request_method="POST", permission=Permission.TARGETS_ACCEPT
)
def waiver(request):
    """豁免 one open plan item (the accepting level, with a reason)."""
    from whirlwind.ledger.models import RectificationItem

    target = _target(request)
    item = get_visible(
        request.dbsession, request.identity, RectificationItem, request.matchdict["item_id"]
    )
    data = parse(schemas.WaiverSchema(), request)
    ts.waive_plan_item(request.dbsession, request.identity, target, item, reason=data["reason"])
    request.session.flash(f"已豁免整改事项 {item.number}。", "success")
    return HTTPFound(request.route_url("targets.detail", id=target.id, _anchor="items"))


ACTIONS = {
    "start": (ts.start_rectification, "已开始整顿。"),
    "request": (ts.request_acceptance, "已申请验收。"),
    "clear": (ts.clear_target, "已整顿销号。"),
}


@view_config(route_name="targets.action", request_method="POST", permission=Permission.TARGETS_VIEW)
@action(
    lambda r: detail(r),
    "whirlwind:targets/templates/detail.jinja2",
    lambda r: f"target-{r.matchdict['action']}",
)
def target_action(request):
    target = _target(request)
    data = parse(schemas.ActionSchema(), request)
    action = request.matchdict["action"]
    if action == "remove":
        ts.remove_target(
            request.dbsession,
            request.identity,
            target,
            reason=data["reason"],
            version=data["version"],
        )
        message = "已移出整顿对象。"
    else:
        func_, message = ACTIONS[action]
        func_(request.dbsession, request.identity, target, version=data["version"])
    request.session.flash(message, "success")
    return HTTPFound(request.route_url("targets.detail", id=target.id))


@view_config(route_name="targets.edit", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT)
def edit(request):
    target = _target(request)
    schema = schemas.TargetForm()
    form = forms.make_form(request, schema, buttons=("保存",), formid="target")

    def on_success(data):
        ts.update_target(request.dbsession, request.identity, target, **data)
        request.session.flash("整顿对象已修改。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    appstruct = {
        "categories": set(target.category_codes),
        "evidence": target.evidence,
        "problem": target.problem,
        "plan_summary": target.plan_summary,
        "deadline": target.deadline,
        "version": target.version,
    }
    return _form_page(
        request,
        form,
        on_success,
        title=f"修改整顿对象：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        appstruct=appstruct,
    )


@view_config(route_name="targets.identify", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT)
def identify(request):
    target = _target(request)
    form = forms.make_form(request, schemas.IdentifyForm(), buttons=("认定",), formid="identify")

    def on_success(data):
        ts.identify_target(request.dbsession, request.identity, target, **data)
        request.session.flash("已认定为整顿对象。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    return _form_page(
        request,
        form,
        on_success,
        title=f"认定：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        appstruct={"version": target.version},
        note="认定程序：支部自查 → 上级党委审核 → 组织部门分析研判 → 区（县）委常委会审定。",
    )


@view_config(route_name="targets.package", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT)
def package(request):
    target = _target(request)
    form = forms.make_form(
        request, schemas.PackageForm(), buttons=("保存包保责任",), formid="package"
    )
    roles = dict((lvl, role) for lvl, role, _ in ts.PACKAGE_SLOTS)

    def on_success(data):
        version = data.pop("version")
        members = [
            dict(data[lvl], level=lvl, role=roles[lvl])
            for lvl in ("city", "district", "street", "village")
        ]
        ts.set_package(request.dbsession, request.identity, target, members, version=version)
        request.session.flash("包保责任已保存。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    appstruct = {"version": target.version}
    if target.package:
        for m in target.package.members:
            appstruct[m.level] = {
                "person_name": m.person_name,
                "post": m.post,
                "unit_name": m.unit_name,
                "phone": m.phone,
                "username": m.user.username if m.user else "",
            }
    return _form_page(
        request,
        form,
        on_success,
        title=f"包保责任：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        appstruct=appstruct,
    )


@view_config(route_name="targets.plan", renderer=FORM_PAGE, permission=Permission.TARGETS_EDIT)
def plan_row(request):
    target = _target(request)
    form = forms.make_form(request, schemas.PlanRowForm(), buttons=("加入整顿方案",), formid="plan")

    def on_success(data):
        item = ts.add_plan_row(request.dbsession, request.identity, target, **data)
        request.session.flash(f"已加入整顿方案，生成整改事项 {item.number}。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    return _form_page(
        request,
        form,
        on_success,
        title=f"整顿方案：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        note="方案每一行（问题、措施、责任人、时限）生成一项整改事项，进入整改台账，经街道、区级（及市级）审核销号。",
    )


@view_config(
    route_name="targets.acceptance", renderer=FORM_PAGE, permission=Permission.TARGETS_ACCEPT
)
def acceptance(request):
    target = _target(request)
    form = forms.make_form(
        request, schemas.AcceptanceForm(), buttons=("记录验收结果",), formid="acceptance"
    )
    c = target.campaign

    def on_success(data):
        row = ts.record_acceptance(request.dbsession, request.identity, target, **data)
        request.session.flash(
            f"验收结果：{row.result_label}。", "success" if row.result == "pass" else "warning"
        )
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    return _form_page(
        request,
        form,
        on_success,
        title=f"验收：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        appstruct={"version": target.version, "date": clock.today()},
        note=f"得分 ≥ {c.pass_score} 且不满意率不超过 {c.max_dissatisfied}% 为通过；本次整顿以{c.acceptance_level_label}验收为准。",
    )


@view_config(route_name="targets.recheck", renderer=FORM_PAGE, permission=Permission.TARGETS_ACCEPT)
def recheck(request):
    target = _target(request)
    form = forms.make_form(
        request, schemas.RecheckForm(), buttons=("记录回头看",), formid="recheck"
    )

    def on_success(data):
        row = ts.record_recheck(request.dbsession, request.identity, target, **data)
        request.session.flash(f"回头看：{row.result_label}。", "success")
        return HTTPFound(request.route_url("targets.detail", id=target.id))

    return _form_page(
        request,
        form,
        on_success,
        title=f"回头看：{target.org.name}",
        back=request.route_path("targets.detail", id=target.id),
        appstruct={"version": target.version, "date": clock.today()},
    )
