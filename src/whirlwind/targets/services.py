"""Rules of weak-organization rectification: campaigns, assessments, reverse ranking,
targets from proposal to 整顿销号, acceptance (验收) and re-check (回头看).

Services take the session and the acting identity; they check rights and jurisdiction
and raise domain errors with a Chinese message. A target's obligations are items in the
one ledger, created with ``whirlwind.ledger.services.create_item``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import math
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from whirlwind import changelog, clock, tabular
from whirlwind.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from whirlwind.guards import check_version, require
from whirlwind.ledger.models import (
    ItemSource,
    ItemStatus,
    PackageMember,
    RectificationItem,
)
from whirlwind.ledger.services import create_item, create_package
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org, OrgClosure
from whirlwind.orgs.services import ancestor_ids, subtree_ids
from whirlwind.scoping import scope, visible_org_ids
from whirlwind.security import Permission
from whirlwind.settings import as_int
from whirlwind.targets.models import (
    ACCEPTANCE_RESULTS,
    RECHECK_RESULTS,
    AcceptanceInspection,
    Campaign,
    OrgAssessment,
    RectificationTarget,
    TargetRecheck,
    TargetStatus,
)

HUNDRED = decimal.Decimal("100")


def rules(settings) -> dict:
    """Configurable defaults of a new campaign (ini: whirlwind.targets.*)."""
    settings = settings or {}
    return {
        "ratio": decimal.Decimal(str(settings.get("whirlwind.targets.ratio", "0.10"))),
        "pass_score": decimal.Decimal(str(as_int(settings, "whirlwind.targets.pass_score", 70))),
        "max_dissatisfied": decimal.Decimal(
            str(as_int(settings, "whirlwind.targets.max_dissatisfied_percent", 50))
        ),
        "acceptance_level": settings.get("whirlwind.targets.acceptance_level") or "district",
        "ratio_community": (
            decimal.Decimal(str(settings["whirlwind.targets.ratio_community"]))
            if settings.get("whirlwind.targets.ratio_community")
            else None
        ),
        "min_satisfied": decimal.Decimal(
            str(as_int(settings, "whirlwind.targets.min_satisfied_percent", 0))
        ),
    }


# --- Rights ----------------------------------------------------------------------------


def _user_id(identity) -> int | None:
    return identity.user.id if identity is not None else None


# --- Campaigns -------------------------------------------------------------------------


def campaigns_stmt(identity):
    """Campaigns whose scope lies inside the jurisdiction or above the user's unit (a city
    campaign is worked on by every district, each on its own units)."""
    stmt = select(Campaign)
    if identity is None:
        return scope(stmt, Campaign.org_id, identity)
    return stmt.where(
        or_(
            Campaign.org_id.in_(visible_org_ids(identity)),
            Campaign.org_id.in_(ancestor_ids(identity.org_id)),
        )
    )


def get_campaign(session, identity, campaign_id) -> Campaign:
    try:
        cid = int(campaign_id)
    except (TypeError, ValueError):
        raise NotFound("记录不存在。") from None
    campaign = session.scalar(campaigns_stmt(identity).where(Campaign.id == cid))
    if campaign is None:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return campaign


def create_campaign(
    session,
    identity,
    *,
    org: Org,
    year: int,
    title: str,
    selection_mode: str = "ranked",
    ratio: decimal.Decimal | None = None,
    per_district: bool = True,
    star_below: int | None = None,
    assessment_year: int | None = None,
    screening_deadline=None,
    identification_deadline=None,
    plan_deadline=None,
    acceptance_deadline=None,
    pass_score=None,
    max_dissatisfied=None,
    acceptance_level: str | None = None,
    settings=None,
) -> Campaign:
    require(identity, Permission.TARGETS_EDIT, org.id, message="您没有组织整顿工作的权限。")
    if org.level not in ("city", "district"):
        raise ValidationFailed("年度整顿的范围须为市或区。", fields={"org": "范围无效"})
    if selection_mode not in ("ranked", "criteria", "star"):
        raise ValidationFailed("未知的确定方式。", fields={"selection_mode": "无效"})
    defaults = rules(settings)
    if selection_mode == "ranked":
        ratio = defaults["ratio"] if ratio is None else decimal.Decimal(ratio)
        if not (decimal.Decimal("0") < ratio <= decimal.Decimal("1")):
            raise ValidationFailed(
                "倒排比例须在 0 到 1 之间（如 0.10 表示 10%）。", fields={"ratio": "比例无效"}
            )
    if selection_mode == "star" and not star_below:
        raise ValidationFailed(
            "星级方式须填写星级线（低于该星级的列为对象）。", fields={"star_below": "必填"}
        )
    dates = [screening_deadline, identification_deadline, plan_deadline, acceptance_deadline]
    given = [d for d in dates if d]
    if given != sorted(given):
        raise ValidationFailed("各阶段期限须依次为：排查、认定、方案、验收。")
    level = acceptance_level or defaults["acceptance_level"]
    if level not in ("street", "district", "city"):
        raise ValidationFailed("验收层级无效。")
    campaign = Campaign(
        org_id=org.id,
        year=year,
        title=title.strip() or f"{year}年软弱涣散基层党组织整顿",
        selection_mode=selection_mode,
        ratio=ratio,
        ratio_community=defaults["ratio_community"] if selection_mode == "ranked" else None,
        min_satisfied=defaults["min_satisfied"],
        per_district=per_district,
        star_below=star_below,
        assessment_year=assessment_year or year - 1,
        screening_deadline=screening_deadline,
        identification_deadline=identification_deadline,
        plan_deadline=plan_deadline,
        acceptance_deadline=acceptance_deadline,
        pass_score=decimal.Decimal(pass_score)
        if pass_score is not None
        else defaults["pass_score"],
        max_dissatisfied=decimal.Decimal(max_dissatisfied)
        if max_dissatisfied is not None
        else defaults["max_dissatisfied"],
        acceptance_level=level,
        created_by_id=_user_id(identity),
    )
    session.add(campaign)
    session.flush()
    return campaign


# --- Assessments -----------------------------------------------------------------------


def set_assessment(
    session,
    identity,
    *,
    org: Org,
    year: int,
    score,
    star_level: int | None = None,
    source: str = "entered",
    note: str = "",
) -> OrgAssessment:
    """Enter (or correct) one organization's yearly score."""
    require(identity, Permission.TARGETS_EDIT, org.id, message="您没有录入考核结果的权限。")
    _validate_assessment(org, score, star_level)
    row = session.scalar(
        select(OrgAssessment).where(OrgAssessment.org_id == org.id, OrgAssessment.year == year)
    )
    if row is None:
        row = OrgAssessment(org_id=org.id, year=year)
        session.add(row)
    row.score = decimal.Decimal(score)
    row.star_level = star_level
    row.source = source
    row.note = note
    session.flush()
    return row


def _validate_assessment(org: Org, score, star_level) -> str | None:
    if org.level not in GRASSROOTS_LEVELS:
        raise ValidationFailed(f"“{org.name}”不是社区或村，不参加倒排。")
    try:
        value = decimal.Decimal(str(score))
    except (decimal.InvalidOperation, ValueError):
        raise ValidationFailed("得分须为数字。") from None
    if not (0 <= value <= 100):
        raise ValidationFailed("得分须在 0 到 100 之间。")
    if star_level is not None and star_level not in (1, 2, 3, 4, 5):
        raise ValidationFailed("星级须为 1 到 5。")
    return None


@dataclass
class ImportResult:
    imported: int = 0
    errors: list[str] = field(default_factory=list)


ASSESSMENT_HEADERS = ("组织编码", "组织名称", "得分", "星级")


ASSESSMENT_LIMITS = tabular.Limits(max_rows=20_000, max_columns=20)


def import_assessments(
    session, identity, workbook_file, year: int, *, filename: str = "assessments.xlsx"
) -> ImportResult:
    """Import scores from a workbook or CSV file (columns 组织编码, 组织名称, 得分, 星级),
    read within bounds (``whirlwind.tabular``). Every row is validated; if any row is wrong
    nothing is written and each error names its row."""
    if not identity.can(Permission.TARGETS_EDIT):
        raise Forbidden("您没有导入考核结果的权限。")
    data = workbook_file.read() if hasattr(workbook_file, "read") else bytes(workbook_file)
    rows = [
        tuple(cell or None for cell in row)
        for row in tabular.read(data, filename or "assessments.xlsx", ASSESSMENT_LIMITS).rows
    ]
    if not rows or [str(c or "").strip() for c in rows[0][:1]] != ["组织编码"]:
        raise ValidationFailed("第 1 行须为表头：组织编码、组织名称、得分、星级。")
    parsed, errors, seen = [], [], set()
    codes = [str(r[0]).strip() for r in rows[1:] if r and r[0] not in (None, "")]
    orgs = (
        {o.code: o for o in session.scalars(select(Org).where(Org.code.in_(codes)))}
        if codes
        else {}
    )
    visible = set(session.scalars(visible_org_ids(identity))) if orgs else set()
    for n, raw in enumerate(rows[1:], start=2):
        if raw is None or all(c in (None, "") for c in raw):
            continue
        raw = tuple(raw) + (None,) * 4
        code = str(raw[0] or "").strip()
        org = orgs.get(code)
        if not code:
            errors.append(f"第 {n} 行：缺少组织编码。")
            continue
        if org is None or org.id not in visible:
            errors.append(f"第 {n} 行：组织编码 {code} 不存在或不在您的管辖范围内。")
            continue
        if code in seen:
            errors.append(f"第 {n} 行：组织编码 {code} 重复。")
            continue
        seen.add(code)
        star = raw[3]
        try:
            star = int(star) if star not in (None, "") else None
        except (TypeError, ValueError):
            errors.append(f"第 {n} 行：星级须为 1 到 5 的整数。")
            continue
        try:
            _validate_assessment(org, raw[2] if raw[2] is not None else "x", star)
        except ValidationFailed as e:
            errors.append(f"第 {n} 行：{e.message}")
            continue
        parsed.append((org, decimal.Decimal(str(raw[2])).quantize(decimal.Decimal("0.01")), star))
    if not parsed and not errors:
        errors.append("文件中没有数据行。")
    if errors:
        return ImportResult(0, errors)
    for org, score, star in parsed:
        set_assessment(
            session, identity, org=org, year=year, score=score, star_level=star, source="imported"
        )
    recompute_ranks(session, year)
    return ImportResult(len(parsed), [])


def recompute_ranks(session, year: int) -> None:
    """Rank within each district, best score first (1 = best)."""
    rows = session.execute(
        select(OrgAssessment, Org.district_id)
        .join(Org, Org.id == OrgAssessment.org_id)
        .where(OrgAssessment.year == year)
        .order_by(Org.district_id, OrgAssessment.score.desc(), Org.code)
    ).all()
    last, rank = None, 0
    for assessment, district_id in rows:
        rank = 1 if district_id != last else rank + 1
        last = district_id
        if assessment.rank != rank:
            assessment.rank = rank
    session.flush()


# --- Reverse ranking (倒排) --------------------------------------------------------------


@dataclass
class RankRow:
    org: Org
    assessment: OrgAssessment | None
    position: int | None = None
    proposed: bool = False
    target: RectificationTarget | None = None


@dataclass
class Ranking:
    groups: list[tuple[Org | None, list[RankRow], int]]  # (district or None, rows, quota)
    unscored: int = 0

    @property
    def proposed(self) -> list[RankRow]:
        return [r for _, rows, _ in self.groups for r in rows if r.proposed]


def ranking(
    session,
    identity,
    campaign: Campaign,
    *,
    district_id: int | None = None,
    per_district: bool | None = None,
) -> Ranking:
    """Grassroots organizations of the campaign scope inside the jurisdiction, lowest score
    first, city-wide or per district; the lowest ceil(ratio × count) are proposed (per
    district when chosen: quotas are not split evenly across streets)."""
    per_district = campaign.per_district if per_district is None else per_district
    stmt = (
        select(Org, OrgAssessment)
        .outerjoin(
            OrgAssessment,
            (OrgAssessment.org_id == Org.id) & (OrgAssessment.year == campaign.assessment_year),
        )
        .where(
            Org.level.in_(GRASSROOTS_LEVELS),
            Org.active.is_(True),
            Org.id.in_(subtree_ids(campaign.org_id)),
        )
        .options(joinedload(Org.district))
    )
    stmt = scope(stmt, Org.id, identity)
    if district_id:
        stmt = stmt.where(
            Org.id.in_(
                select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == district_id)
            )
        )
    rows = session.execute(stmt).unique().all()
    targets = {
        t.org_id: t
        for t in session.scalars(
            select(RectificationTarget).where(RectificationTarget.campaign_id == campaign.id)
        )
    }
    buckets: dict[int | None, list[RankRow]] = {}
    for org, assessment in rows:
        key = org.district_id if per_district else None
        if campaign.ratio_community is not None:
            # Per-level shares (villages, communities): each kind ranked on its own.
            key = (key, org.level)
        buckets.setdefault(key, []).append(RankRow(org, assessment, target=targets.get(org.id)))
    groups = []
    unscored = 0
    for items in buckets.values():
        scored = [r for r in items if r.assessment is not None]
        unscored += len(items) - len(scored)
        scored.sort(key=lambda r: (r.assessment.score, r.org.code))
        quota = _quota(campaign, len(scored), items[0].org.level)
        for i, r in enumerate(scored, start=1):
            r.position = i
            if campaign.selection_mode == "ranked":
                r.proposed = i <= quota
            elif campaign.selection_mode == "star":
                r.proposed = bool(
                    r.assessment.star_level
                    and campaign.star_below
                    and r.assessment.star_level < campaign.star_below
                )
        rest = sorted((r for r in items if r.assessment is None), key=lambda r: r.org.code)
        district = items[0].org.district if per_district else None
        groups.append((district, scored + rest, quota))
    groups.sort(key=lambda g: (g[0].code if g[0] else "", g[1][0].org.level if g[1] else ""))
    return Ranking(groups, unscored)


def _quota(campaign: Campaign, count: int, level: str = "village") -> int:
    ratio = campaign.ratio
    if level == "community" and campaign.ratio_community is not None:
        ratio = campaign.ratio_community
    if campaign.selection_mode != "ranked" or not ratio or count == 0:
        return 0
    # ceil with an exact Decimal product: 0.10 × 30 is 3, never 4.
    return math.ceil(decimal.Decimal(ratio) * count)


# --- Targets ---------------------------------------------------------------------------


def _check_categories(session, codes) -> str:
    from whirlwind.reference.services import labels

    known = labels(session, "weakness_category")
    codes = [c for c in (codes or []) if c]
    bad = [c for c in codes if c not in known]
    if bad:
        raise ValidationFailed(
            f"未知的软弱涣散情形：{'、'.join(bad)}", fields={"categories": "无效"}
        )
    return " ".join(sorted(set(codes)))


def confirm_targets(
    session, identity, campaign: Campaign, org_ids, *, today: dt.date | None = None
) -> list[RectificationTarget]:
    """Turn proposals of the ranking into targets (拟定), category W11 and the score noted."""
    created = []
    ids = [int(i) for i in org_ids]
    if not ids:
        raise ValidationFailed("请至少勾选一个组织。")
    proposal = {r.org.id: r for r in ranking(session, identity, campaign).proposed}
    for org_id in ids:
        row = proposal.get(org_id)
        if row is None:
            raise ValidationFailed("所选组织不在倒排建议名单中；名单外的组织请用“按标准增列”。")
        if row.target is not None and row.target.status != TargetStatus.REMOVED:
            continue
        created.append(
            add_target(
                session,
                identity,
                campaign,
                row.org,
                categories=["W11"],
                selected_how="ranked",
                evidence=f"{campaign.assessment_year}年度考核得分 {row.assessment.score}，倒排第 {row.position} 位。",
                score=row.assessment.score,
            )
        )
    return created


def add_target(
    session,
    identity,
    campaign: Campaign,
    org: Org,
    *,
    categories,
    evidence: str = "",
    problem: str = "",
    selected_how: str = "criteria",
    score=None,
) -> RectificationTarget:
    """Add an organization as a target (拟定), e.g. by criteria outside the ranking."""
    require(identity, Permission.TARGETS_EDIT, org.id, message="您没有确定整顿对象的权限。")
    if org.level not in GRASSROOTS_LEVELS:
        raise ValidationFailed("整顿对象须为社区或村党组织。")
    in_scope = session.scalar(
        select(OrgClosure.depth).where(
            OrgClosure.ancestor_id == campaign.org_id, OrgClosure.descendant_id == org.id
        )
    )
    if in_scope is None:
        raise ValidationFailed("该组织不在本次整顿的范围内。")
    codes = _check_categories(session, categories)
    if not codes:
        raise ValidationFailed("请至少选择一种软弱涣散情形。", fields={"categories": "必填"})
    existing = session.scalar(
        select(RectificationTarget).where(
            RectificationTarget.campaign_id == campaign.id, RectificationTarget.org_id == org.id
        )
    )
    if existing is not None and existing.status != TargetStatus.REMOVED:
        raise ValidationFailed(f"“{org.name}”已是本次整顿的对象。")
    if score is None:
        a = session.scalar(
            select(OrgAssessment.score).where(
                OrgAssessment.org_id == org.id, OrgAssessment.year == campaign.assessment_year
            )
        )
        score = a
    if existing is not None:
        target = existing
        target.status = TargetStatus.PROPOSED
        target.removed_reason = ""
        changelog.set_action(target, "重新列为整顿对象")
    else:
        target = RectificationTarget(
            campaign_id=campaign.id, org_id=org.id, created_by_id=_user_id(identity)
        )
        session.add(target)
        changelog.set_action(target, "拟定整顿对象")
    target.categories = codes
    target.evidence = (evidence or "").strip()
    target.problem = (problem or "").strip()
    target.selected_how = (
        selected_how if selected_how in ("ranked", "criteria", "both") else "criteria"
    )
    target.score_at_selection = score
    session.flush()
    return target


def _edit_check(session, identity, target, version):
    require(identity, Permission.TARGETS_EDIT, target.org_id, message="您没有编辑整顿对象的权限。")
    check_version(target, version)


def remove_target(
    session, identity, target: RectificationTarget, *, reason: str, version=None
) -> None:
    _edit_check(session, identity, target, version)
    if target.status not in (TargetStatus.PROPOSED, TargetStatus.IDENTIFIED):
        raise InvalidTransition("只有拟定或认定阶段的对象可以移出；已开始整顿的对象须经验收销号。")
    if not (reason or "").strip():
        raise ValidationFailed("请填写移出原因。", fields={"reason": "必填"})
    target.status = TargetStatus.REMOVED
    target.removed_reason = reason.strip()
    changelog.set_action(target, "移出整顿对象")
    session.flush()


def update_target(
    session,
    identity,
    target: RectificationTarget,
    *,
    version=None,
    categories,
    evidence: str,
    problem: str,
    plan_summary: str,
    deadline: dt.date | None,
) -> None:
    _edit_check(session, identity, target, version)
    if target.status in (TargetStatus.CLEARED, TargetStatus.REMOVED):
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，不能修改。")
    codes = _check_categories(session, categories)
    if not codes:
        raise ValidationFailed("请至少选择一种软弱涣散情形。", fields={"categories": "必填"})
    target.categories = codes
    target.evidence = (evidence or "").strip()
    target.problem = (problem or "").strip()
    target.plan_summary = (plan_summary or "").strip()
    target.deadline = deadline
    changelog.set_action(target, "修改整顿对象")
    session.flush()


def identify_target(
    session,
    identity,
    target: RectificationTarget,
    *,
    version=None,
    self_check_date=None,
    upper_review_date=None,
    org_dept_analysis_date=None,
    committee_approval_date: dt.date,
) -> None:
    """认定: record the identification chain; the committee approval date is required."""
    _edit_check(session, identity, target, version)
    if target.status != TargetStatus.PROPOSED:
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，不能认定。")
    if committee_approval_date is None:
        raise ValidationFailed(
            "请填写区（县）委常委会审定日期。", fields={"committee_approval_date": "必填"}
        )
    names = ("支部自查", "上级党委审核", "组织部门分析研判", "常委会审定")
    dated = [
        (n, d)
        for n, d in zip(
            names,
            (self_check_date, upper_review_date, org_dept_analysis_date, committee_approval_date),
            strict=True,
        )
        if d
    ]
    for (n1, d1), (n2, d2) in itertools.pairwise(dated):
        if d2 < d1:
            raise ValidationFailed(
                f"认定程序的日期须依次为：支部自查、上级党委审核、组织部门分析研判、常委会审定；"
                f"{n2}日期（{d2:%Y-%m-%d}）早于{n1}日期（{d1:%Y-%m-%d}）。"
            )
    for n, d in dated:
        _check_event_date(d, f"{n}日期", today=_today())
    target.self_check_date = self_check_date
    target.upper_review_date = upper_review_date
    target.org_dept_analysis_date = org_dept_analysis_date
    target.committee_approval_date = committee_approval_date
    target.status = TargetStatus.IDENTIFIED
    changelog.set_action(target, "认定整顿对象")
    session.flush()


PACKAGE_SLOTS = (
    ("city", "city_leader", "市级包保领导"),
    ("district", "district_leader", "区级包保领导"),
    ("street", "street_leader", "街道包保领导/第一责任人"),
    ("village", "first_secretary", "第一书记/驻村工作队（一线责任人）"),
)


def set_package(
    session, identity, target: RectificationTarget, members: list[dict], *, version=None
):
    """包保责任: city (optional), district and street leaders plus the first-line person.
    Replaces the members of an existing package; a city member adds the city sign-off to
    every item of the target."""
    from whirlwind.accounts.models import User

    _edit_check(session, identity, target, version)
    if target.status in (TargetStatus.CLEARED, TargetStatus.REMOVED):
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，不能调整包保责任。")
    clean = []
    for m in members:
        if not (m.get("person_name") or "").strip():
            continue
        m = dict(m)
        username = (m.pop("username", "") or "").strip()
        if username:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise ValidationFailed(f"用户名 {username} 不存在。", fields={"username": "不存在"})
            m["user_id"] = user.id
        clean.append(m)
    from whirlwind.ledger.models import PACKAGE_LEVELS
    from whirlwind.procedure import target_package_levels

    levels = {m["level"] for m in clean}
    needed = target_package_levels()
    missing = [lv for lv in needed if lv not in levels]
    if missing:
        raise ValidationFailed(
            "包保责任须包括以下层级的责任人："
            + "、".join(PACKAGE_LEVELS[lv] for lv in needed)
            + f"（缺少{'、'.join(PACKAGE_LEVELS[lv] for lv in missing)}）。"
        )
    if target.package is None:
        package = create_package(
            session,
            org=target.org,
            title=f"{target.org.name}整顿包保责任",
            members=clean,
            source_type=ItemSource.TARGET,
            source_id=target.id,
        )
        target.package_id = package.id
        target.package = package
    else:
        package = target.package
        package.members.clear()
        session.flush()
        for m in clean:
            package.members.append(PackageMember(**m))
        changelog.set_action(package, "调整包保责任")
    session.flush()
    for item in session.scalars(
        select(RectificationItem).where(
            RectificationItem.source_type == ItemSource.TARGET,
            RectificationItem.source_id == target.id,
            RectificationItem.package_id.is_(None),
        )
    ):
        item.package_id = package.id
    changelog.set_action(target, "设定包保责任")
    session.flush()
    return package


def add_plan_row(
    session,
    identity,
    target: RectificationTarget,
    *,
    problem: str,
    measure: str,
    responsible_person: str,
    deadline: dt.date,
    today: dt.date | None = None,
) -> RectificationItem:
    """One row of the plan (整顿方案: 问题/措施/责任 lists) becomes one ledger item."""
    require(identity, Permission.TARGETS_EDIT, target.org_id, message="您没有制定整顿方案的权限。")
    if target.status in (TargetStatus.PROPOSED, TargetStatus.CLEARED, TargetStatus.REMOVED):
        raise InvalidTransition(
            f"对象处于“{target.status_label}”状态，不能增加整改事项（须先认定）。"
        )
    if not (measure or "").strip():
        raise ValidationFailed("请填写整改措施。", fields={"measure": "必填"})
    if not (responsible_person or "").strip():
        raise ValidationFailed("请填写责任人。", fields={"responsible_person": "必填"})
    return create_item(
        session,
        identity.user,
        org=target.org,
        source_type=ItemSource.TARGET,
        source_id=target.id,
        problem=problem,
        measure=measure,
        responsible_person=responsible_person,
        deadline=deadline,
        package=target.package,
        today=today,
    )


def target_items(session, target_id: int) -> list[RectificationItem]:
    stmt = (
        select(RectificationItem)
        .where(
            RectificationItem.source_type == ItemSource.TARGET,
            RectificationItem.source_id == target_id,
        )
        .order_by(RectificationItem.id)
    )
    return list(session.scalars(stmt).unique())


def start_rectification(session, identity, target: RectificationTarget, *, version=None) -> None:
    """整顿中: the plan is approved and the package set."""
    _edit_check(session, identity, target, version)
    if target.status != TargetStatus.IDENTIFIED:
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，不能开始整顿（须先认定）。")
    missing = []
    if target.package_id is None:
        missing.append("包保责任")
    if not target_items(session, target.id):
        missing.append("整顿方案中的整改事项")
    if target.deadline is None:
        missing.append("整顿期限")
    if missing:
        raise InvalidTransition(f"开始整顿前请先设定：{'、'.join(missing)}。")
    target.status = TargetStatus.RECTIFYING
    changelog.set_action(target, "开始整顿")
    session.flush()


def request_acceptance(session, identity, target: RectificationTarget, *, version=None) -> None:
    _edit_check(session, identity, target, version)
    if target.status not in (TargetStatus.RECTIFYING, TargetStatus.RERECTIFY):
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，不能申请验收。")
    target.status = TargetStatus.ACCEPTANCE_REQUESTED
    changelog.set_action(target, "申请验收")
    session.flush()


def record_acceptance(
    session,
    identity,
    target: RectificationTarget,
    *,
    version=None,
    date: dt.date,
    inspectors: str,
    score,
    respondents: int,
    satisfied_pct,
    dissatisfied_pct,
    deferred: bool = False,
    new_deadline: dt.date | None = None,
    note: str = "",
) -> AcceptanceInspection:
    """验收: pass when the score reaches the campaign's pass score and no more than the
    allowed share is dissatisfied; a failure needs a new deadline (重新整顿)."""
    require(identity, Permission.TARGETS_ACCEPT, target.org_id, message="您没有组织验收的权限。")
    check_version(target, version)
    if target.status != TargetStatus.ACCEPTANCE_REQUESTED:
        raise InvalidTransition(f"对象处于“{target.status_label}”状态，须先申请验收。")
    campaign = target.campaign
    score = decimal.Decimal(str(score))
    satisfied_pct, dissatisfied_pct = (
        decimal.Decimal(str(satisfied_pct)),
        decimal.Decimal(str(dissatisfied_pct)),
    )
    if not (0 <= score <= 100):
        raise ValidationFailed("验收得分须在 0 到 100 之间。", fields={"score": "无效"})
    if (
        not (0 <= satisfied_pct <= 100 and 0 <= dissatisfied_pct <= 100)
        or satisfied_pct + dissatisfied_pct > HUNDRED
    ):
        raise ValidationFailed("满意率与不满意率须在 0 到 100 之间，且两者之和不超过 100。")
    if not (inspectors or "").strip():
        raise ValidationFailed("请填写验收人员。", fields={"inspectors": "必填"})
    level = identity.level
    _check_not_own_package(target, identity, level)
    _check_event_date(date, "验收日期", today=_today())
    if target.committee_approval_date and date < target.committee_approval_date:
        raise ValidationFailed(
            f"验收日期（{date:%Y-%m-%d}）不能早于常委会审定（认定）日期"
            f"（{target.committee_approval_date:%Y-%m-%d}）。",
            fields={"date": "早于认定日期"},
        )
    if deferred:
        result = "deferred"
    elif (
        score >= campaign.pass_score
        and dissatisfied_pct <= campaign.max_dissatisfied
        and satisfied_pct >= (campaign.min_satisfied or 0)
    ):
        result = "pass"
    else:
        result = "fail"
    blocking = [i for i in target_items(session, target.id) if _blocks(i)]
    if result == "pass" and blocking:
        raise InvalidTransition(
            f"尚有 {len(blocking)} 项整改事项既未销号也未经验收层级说明理由予以豁免"
            f"（{'、'.join(i.number for i in blocking)}），验收不能通过。"
        )
    if result == "fail":
        if new_deadline is None or new_deadline <= date:
            raise ValidationFailed(
                "验收不通过：请填写晚于验收日期的重新整顿期限。", fields={"new_deadline": "必填"}
            )
    row = AcceptanceInspection(
        target=target,
        org_id=target.org_id,
        date=date,
        level=level,
        inspectors=inspectors.strip(),
        score=score,
        respondents=respondents or 0,
        satisfied_pct=satisfied_pct,
        dissatisfied_pct=dissatisfied_pct,
        result=result,
        new_deadline=new_deadline if result == "fail" else None,
        note=(note or "").strip(),
        recorded_by_id=_user_id(identity),
    )
    session.add(row)
    if result == "fail":
        target.status = TargetStatus.RERECTIFY
        target.deadline = new_deadline
        changelog.set_action(target, "验收不通过，重新整顿")
    elif result == "pass" and level == campaign.acceptance_level:
        target.status = TargetStatus.ACCEPTED
        changelog.set_action(target, "验收通过")
    session.flush()
    return row


def _today() -> dt.date:
    try:
        from whirlwind.clock import today
    except ImportError:  # pragma: no cover - before the shared clock existed
        return dt.date.today()
    return today()


def _check_event_date(value, what: str, *, today: dt.date) -> None:
    """The date of something that happened is not after today."""
    if value is not None and value > today:
        raise ValidationFailed(
            f"{what}（{value:%Y-%m-%d}）是已发生事项的日期，不能晚于今天（{today:%Y-%m-%d}）。",
            fields={"date": "日期在未来"},
        )


def _check_not_own_package(target: RectificationTarget, identity, level: str) -> None:
    """职责分离: the target's package member of a level does not accept it at that level."""
    package = target.package
    if package is None or identity is None:
        return
    for m in package.members:
        if m.user_id == identity.user.id and m.level == level:
            raise InvalidTransition(
                f"职责分离：您是该整顿对象的{m.level_label}包保责任人，不能组织或录入"
                f"{m.level_label}验收，须由本级其他人员验收。"
            )


def _blocks(item: RectificationItem) -> bool:
    """A plan item blocks acceptance while neither cleared nor waived (豁免)."""
    return item.status != ItemStatus.CLEARED and not (item.waiver_reason or "").strip()


def waive_plan_item(
    session, identity, target: RectificationTarget, item: RectificationItem, *, reason: str
) -> RectificationItem:
    """豁免: the accepting level explains why an open plan item does not block acceptance
    (e.g. a measure overtaken by events). Recorded with who and when; never silent."""
    require(identity, Permission.TARGETS_ACCEPT, target.org_id, message="您没有组织验收的权限。")
    if item.source_type != ItemSource.TARGET or item.source_id != target.id:
        raise NotFound("记录不存在或不在您的管辖范围内。")
    if identity.level != target.campaign.acceptance_level:
        raise InvalidTransition(
            f"只有验收层级（{target.campaign.acceptance_level_label}）可以豁免整改事项。"
        )
    if item.status == ItemStatus.CLEARED:
        raise InvalidTransition("该整改事项已销号，无需豁免。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写豁免理由。", fields={"reason": "必填"})
    item.waiver_reason = reason[:2000]
    item.waived_by_id = identity.user.id
    item.waived_on = _today()
    changelog.set_action(item, "验收层级豁免")
    session.flush()
    return item


def reopened_at(session, target: RectificationTarget):
    """The latest re-opening of the target as (local date, moment recorded): a 回头看
    rebound, or one of its items reopened by a re-check. None when never reopened."""
    from whirlwind.ledger.models import ItemReview
    from whirlwind.web.rendering import SHANGHAI

    found = [(r.date, r.created_at) for r in target.rechecks if r.result == "rebound"]
    stamps = session.scalars(
        select(ItemReview.created_at)
        .join(RectificationItem, RectificationItem.id == ItemReview.item_id)
        .where(
            RectificationItem.source_type == ItemSource.TARGET,
            RectificationItem.source_id == target.id,
            ItemReview.decision == "reopen",
        )
    )
    found += [(s.astimezone(SHANGHAI).date(), s) for s in stamps if s is not None]
    return max(found, key=lambda x: x[1]) if found else None


def reopened_on(session, target: RectificationTarget) -> dt.date | None:
    found = reopened_at(session, target)
    return found[0] if found else None


def deciding_acceptance(session, target: RectificationTarget):
    """The acceptance that counts for 整顿销号: the latest at the campaign's acceptance
    level, provided it was recorded after the latest re-opening and is dated on or after
    that day."""
    level = target.campaign.acceptance_level
    rows = [a for a in target.acceptances if a.level == level]
    if not rows:
        return None
    latest = max(rows, key=lambda a: (a.date, a.id))
    since = reopened_at(session, target)
    if since is not None and (latest.date < since[0] or latest.created_at <= since[1]):
        return None
    return latest


def clearing_gaps(
    session, target: RectificationTarget, items: list[RectificationItem] | None = None
) -> dict:
    """What is still missing before 整顿销号: items neither cleared nor waived, and a
    passing acceptance at the campaign's acceptance level that is the latest there and
    dated after the latest re-opening (回头看)."""
    items = target_items(session, target.id) if items is None else items
    open_items = [i for i in items if _blocks(i)]
    deciding = deciding_acceptance(session, target)
    passed = deciding is not None and deciding.result == "pass"
    messages = []
    if not items:
        messages.append("尚未制定整改事项（整顿方案）。")
    if open_items:
        messages.append(f"尚有 {len(open_items)} 项整改事项未销号。")
    if not passed:
        label = target.campaign.acceptance_level_label
        since = reopened_on(session, target)
        if deciding is not None:
            messages.append(f"最近一次{label}验收结论为“{deciding.result_label}”，须重新验收通过。")
        elif since is not None:
            messages.append(f"{since:%Y-%m-%d} 重新整顿之后尚无{label}验收通过记录。")
        else:
            messages.append(f"尚无{label}验收通过记录。")
    return {
        "open_items": open_items,
        "acceptance_passed": passed,
        "messages": messages,
        "ready": not messages,
    }


def clear_target(
    session, identity, target: RectificationTarget, *, version=None, today: dt.date | None = None
) -> None:
    """整顿销号: only when every item is cleared and the acceptance passed at the required level."""
    require(identity, Permission.TARGETS_ACCEPT, target.org_id, message="您没有整顿销号的权限。")
    check_version(target, version)
    if target.status != TargetStatus.ACCEPTED:
        raise InvalidTransition(
            f"对象处于“{target.status_label}”状态，不能整顿销号（须验收通过）。"
        )
    gaps = clearing_gaps(session, target)
    if not gaps["ready"]:
        raise InvalidTransition("不能整顿销号：" + "".join(gaps["messages"]))
    target.status = TargetStatus.CLEARED
    target.cleared_date = today or clock.today()
    changelog.set_action(target, "整顿销号")
    session.flush()


def record_recheck(
    session,
    identity,
    target: RectificationTarget,
    *,
    version=None,
    date: dt.date,
    inspectors: str,
    findings: str,
    result: str,
    new_deadline: dt.date | None = None,
) -> TargetRecheck:
    """回头看 after clearing; a rebound reopens the target (重新整顿) with a new deadline."""
    require(identity, Permission.TARGETS_ACCEPT, target.org_id, message="您没有组织回头看的权限。")
    check_version(target, version)
    if target.status != TargetStatus.CLEARED:
        raise InvalidTransition("只有已整顿销号的对象才能回头看。")
    if result not in RECHECK_RESULTS:
        raise ValidationFailed("请选择回头看结论。", fields={"result": "必填"})
    if not (findings or "").strip():
        raise ValidationFailed("请填写回头看情况。", fields={"findings": "必填"})
    _check_event_date(date, "回头看日期", today=_today())
    if target.cleared_date and date and date < target.cleared_date:
        raise ValidationFailed(
            f"回头看日期（{date:%Y-%m-%d}）不能早于整顿销号日期（{target.cleared_date:%Y-%m-%d}）。",
            fields={"date": "早于销号日期"},
        )
    if result == "rebound" and (new_deadline is None or new_deadline <= date):
        raise ValidationFailed(
            "出现反弹：请填写晚于回头看日期的重新整顿期限。", fields={"new_deadline": "必填"}
        )
    row = TargetRecheck(
        target=target,
        org_id=target.org_id,
        date=date,
        level=identity.level,
        inspectors=(inspectors or "").strip(),
        findings=findings.strip(),
        result=result,
        new_deadline=new_deadline if result == "rebound" else None,
        recorded_by_id=_user_id(identity),
    )
    session.add(row)
    if result == "rebound":
        target.status = TargetStatus.RERECTIFY
        target.cleared_date = None
        target.deadline = new_deadline
        changelog.set_action(target, "回头看出现反弹，重新整顿")
    else:
        changelog.set_action(row, "回头看：巩固良好")
    session.flush()
    return row


def item_reopened(session, item: RectificationItem) -> None:
    """A target item reopened by a re-check takes a cleared or accepted target back to
    重新整顿 (called by the ledger workflow)."""
    target = session.get(RectificationTarget, item.source_id)
    if target is not None and target.status in (TargetStatus.CLEARED, TargetStatus.ACCEPTED):
        target.status = TargetStatus.RERECTIFY
        target.cleared_date = None
        changelog.set_action(target, f"整改事项 {item.number} 经回头看重新打开，重新整顿")
        session.flush()


ACCEPTANCE_RESULT_LABELS = ACCEPTANCE_RESULTS
