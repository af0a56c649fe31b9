"""Audit and finding services: every rule of 四资一项目 lives here.

Services take the session and the acting identity (``whirlwind.security.Identity``), check
jurisdiction and permission, and raise a ``DomainError`` with a Chinese message; the
transaction aborts, so nothing of a refused attempt is written.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

from sqlalchemy import func, select

from whirlwind import changelog, clock
from whirlwind.audits.models import ZERO, Audit, AuditScope, Finding, FindingPerson, RecoveryEntry
from whirlwind.errors import NotFound, ValidationFailed
from whirlwind.guards import check_version, require
from whirlwind.ledger import services as ledger
from whirlwind.ledger.models import ItemSource, ResponsibilityPackage
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.persons.services import match_or_create
from whirlwind.reference.services import labels
from whirlwind.scoping import in_jurisdiction
from whirlwind.security import Permission

MAX_AMOUNT = decimal.Decimal("999999999999.99")


# --- shared checks ----------------------------------------------------------------------------


def grassroots_unit(session, identity, org_id) -> Org:
    """A village or community inside the identity's jurisdiction (404 otherwise)."""
    try:
        org = session.get(Org, int(org_id))
    except (TypeError, ValueError):
        org = None
    if org is None or not in_jurisdiction(session, identity, org.id):
        raise NotFound("所选村(社区)不存在或不在您的管辖范围内。")
    if org.level not in GRASSROOTS_LEVELS:
        raise ValidationFailed("检查对象必须是村或社区。", fields={"org_id": "请选择村或社区"})
    return org


def money(value, field: str, label: str) -> decimal.Decimal:
    try:
        amount = decimal.Decimal(str(value if value not in (None, "") else "0"))
    except decimal.InvalidOperation:
        raise ValidationFailed(f"{label}不是有效的金额。", fields={field: "无效金额"}) from None
    if not amount.is_finite():
        raise ValidationFailed(f"{label}不是有效的金额。", fields={field: "无效金额"})
    if amount < 0:
        raise ValidationFailed(f"{label}不能为负数。", fields={field: "不能为负数"})
    if amount > MAX_AMOUNT:
        raise ValidationFailed(f"{label}过大。", fields={field: "金额过大"})
    return amount.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


def _code(session, kind: str, code: str, field: str, label: str, *, required=True) -> str:
    code = (code or "").strip()
    if not code:
        if required:
            raise ValidationFailed(f"请选择{label}。", fields={field: "必填"})
        return ""
    if code not in labels(session, kind):
        raise ValidationFailed(f"无效的{label}：{code}", fields={field: "无效的选项"})
    return code


def _parent_of(session, kind: str, code: str) -> str:
    from whirlwind.reference.models import RefValue

    return (
        session.scalar(
            select(RefValue.parent_code).where(RefValue.kind == kind, RefValue.code == code)
        )
        or ""
    )


# --- audits -----------------------------------------------------------------------------------


def _apply_audit(session, audit: Audit, data: dict, today: dt.date) -> None:
    period_from, period_to, audit_date = data["period_from"], data["period_to"], data["audit_date"]
    if period_to < period_from:
        raise ValidationFailed(
            "检查期间的结束日期不能早于开始日期。", fields={"period_to": "早于开始日期"}
        )
    if audit_date < period_from:
        raise ValidationFailed(
            "检查日期不能早于所查期间的开始日期。", fields={"audit_date": "早于所查期间"}
        )
    if audit_date > today:
        raise ValidationFailed("检查日期不能晚于今天。", fields={"audit_date": "不能是将来的日期"})
    body = _code(session, "audit_body", data.get("body"), "body", "检查单位")
    types = sorted(
        {
            _code(session, "asset_type", c, "scope_assets", "检查范围")
            for c in data.get("scope_assets") or ()
        }
    )
    if not types:
        raise ValidationFailed(
            "请至少选择一类检查范围（资金、资产、资源、项目…）。", fields={"scope_assets": "必填"}
        )
    # Everything is valid: only now is the record changed (a refused edit leaves it intact).
    audit.period_from, audit.period_to, audit.audit_date = period_from, period_to, audit_date
    audit.body = body
    audit.inspectors = (data.get("inspectors") or "").strip()
    audit.scope_projects = (data.get("scope_projects") or "").strip()
    audit.summary = (data.get("summary") or "").strip()
    current = {s.asset_type: s for s in audit.scopes}
    for code in list(current):
        if code not in types:
            audit.scopes.remove(current[code])
    for code in types:
        if code not in current:
            audit.scopes.append(AuditScope(asset_type=code))


def create_audit(session, identity, data: dict, *, today: dt.date | None = None) -> Audit:
    """Record an audit of one village or community (四资一项目检查)."""
    require(identity, Permission.AUDITS_EDIT, message="您没有登记四资一项目检查的权限。")
    org = grassroots_unit(session, identity, data.get("org_id"))
    audit = Audit(org_id=org.id, created_by_id=identity.id)
    audit.org = org
    _apply_audit(session, audit, data, today or clock.today())
    session.add(audit)
    session.flush()
    return audit


def update_audit(
    session, identity, audit: Audit, data: dict, *, today: dt.date | None = None
) -> Audit:
    require(
        identity, Permission.AUDITS_EDIT, audit.org_id, message="您没有修改四资一项目检查的权限。"
    )
    check_version(audit, data.get("version"))
    _apply_audit(session, audit, data, today or clock.today())
    session.flush()
    return audit


# --- findings ---------------------------------------------------------------------------------


def _apply_finding(session, finding: Finding, data: dict) -> None:
    asset_type = _code(session, "asset_type", data.get("asset_type"), "asset_type", "资产类型")
    subtype = _code(
        session, "asset_subtype", data.get("asset_subtype"), "asset_subtype", "细类", required=False
    )
    if subtype and _parent_of(session, "asset_subtype", subtype) != asset_type:
        raise ValidationFailed(
            "所选细类不属于所选资产类型。", fields={"asset_subtype": "与资产类型不符"}
        )
    irregularity = _code(
        session, "irregularity", data.get("irregularity"), "irregularity", "问题类别"
    )
    parent = _parent_of(session, "irregularity", irregularity)
    if parent and parent != asset_type:
        raise ValidationFailed(
            "所选问题类别不属于所选资产类型。", fields={"irregularity": "与资产类型不符"}
        )
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationFailed("请填写问题描述。", fields={"description": "必填"})
    object_kind = _code(
        session,
        "ledger_object_kind",
        data.get("object_kind"),
        "object_kind",
        "台账对象类型",
        required=False,
    )
    involved = money(data.get("amount_involved"), "amount_involved", "涉及金额")
    explanation = finding.excess_explanation or ""
    if "excess_explanation" in data:
        explanation = (data.get("excess_explanation") or "").strip()
    check_recovered(finding.amount_recovered or ZERO, involved, explanation)
    # Everything is valid: only now is the record changed (a refused edit leaves it intact).
    finding.asset_type, finding.asset_subtype = asset_type, subtype
    finding.irregularity, finding.description = irregularity, description
    finding.object_kind = object_kind
    finding.object_name = (data.get("object_name") or "").strip()
    finding.object_number = (data.get("object_number") or "").strip()
    finding.object_counterparty = (data.get("object_counterparty") or "").strip()
    finding.amount_involved = involved
    finding.excess_explanation = explanation


def check_recovered(recovered, involved, explanation: str) -> None:
    """Recovered ≤ involved, unless an explanation says why more came back."""
    if recovered > involved and not (explanation or "").strip():
        raise ValidationFailed(
            f"挽回/追缴金额（{recovered:,.2f} 元）超过涉及金额（{involved:,.2f} 元），"
            "请填写超出部分的说明（如利息、罚没款）。",
            fields={"excess_explanation": "请说明超出原因"},
        )


def add_finding(session, identity, audit: Audit, data: dict) -> Finding:
    """A finding of ``audit`` (发现问题), numbered within the audit."""
    require(identity, Permission.AUDITS_EDIT, audit.org_id, message="您没有登记发现问题的权限。")
    if not in_jurisdiction(session, identity, audit.org_id):
        raise NotFound("记录不存在或不在您的管辖范围内。")
    seq = (
        session.scalar(select(func.max(Finding.seq)).where(Finding.audit_id == audit.id)) or 0
    ) + 1
    finding = Finding(
        audit_id=audit.id,
        seq=seq,
        org_id=audit.org_id,
        created_by_id=identity.id,
        amount_recovered=ZERO,
    )
    with session.no_autoflush:
        _apply_finding(session, finding, data)
    finding.audit = audit
    session.add(finding)
    session.flush()
    return finding


def create_loose_finding(
    session, identity, org: Org, data: dict, *, report_id: int | None = None
) -> Finding:
    """A finding without an audit (confirmed from a committee report)."""
    require(identity, Permission.AUDITS_EDIT, message="您没有登记发现问题的权限。")
    finding = Finding(
        audit_id=None,
        seq=1,
        org_id=org.id,
        created_by_id=identity.id,
        amount_recovered=ZERO,
        report_id=report_id,
    )
    with session.no_autoflush:
        _apply_finding(session, finding, data)
    session.add(finding)
    session.flush()
    return finding


def update_finding(session, identity, finding: Finding, data: dict) -> Finding:
    require(identity, Permission.AUDITS_EDIT, finding.org_id, message="您没有修改发现问题的权限。")
    check_version(finding, data.get("version"))
    with session.no_autoflush:
        _apply_finding(session, finding, data)
    session.flush()
    return finding


def add_recovery(
    session,
    identity,
    finding: Finding,
    *,
    entry_date: dt.date,
    amount,
    note: str = "",
    explanation: str | None = None,
    version=None,
    today: dt.date | None = None,
) -> RecoveryEntry:
    """Record money recovered (挽回/追缴) for a finding; the total grows with each entry."""
    require(identity, Permission.AUDITS_EDIT, finding.org_id, message="您没有登记挽回金额的权限。")
    check_version(finding, version)
    amount = money(amount, "amount", "挽回/追缴金额")
    if amount <= 0:
        raise ValidationFailed("挽回/追缴金额必须大于 0。", fields={"amount": "必须大于 0"})
    today = today or clock.today()
    if entry_date > today:
        raise ValidationFailed("挽回日期不能晚于今天。", fields={"entry_date": "不能是将来的日期"})
    explanation = (explanation or "").strip() or finding.excess_explanation or ""
    total = (finding.amount_recovered or ZERO) + amount
    check_recovered(total, finding.amount_involved or ZERO, explanation)
    if total > MAX_AMOUNT:
        raise ValidationFailed("挽回/追缴金额合计过大。", fields={"amount": "金额过大"})
    entry = RecoveryEntry(
        finding=finding,
        org_id=finding.org_id,
        entry_date=entry_date,
        amount=amount,
        note=(note or "").strip(),
        created_by_id=identity.id,
    )
    session.add(entry)
    finding.amount_recovered = total
    finding.excess_explanation = explanation
    changelog.set_action(finding, "登记挽回/追缴金额")
    session.flush()
    return entry


def add_person(
    session, identity, finding: Finding, *, name: str, role: str = "", post: str = ""
) -> FindingPerson:
    """Name a person responsible for the finding (责任人), matched to the shared person
    register by name and unit."""
    require(identity, Permission.AUDITS_EDIT, finding.org_id, message="您没有修改发现问题的权限。")
    org = finding.org
    person = match_or_create(session, name=name, org=org, post=(post or "").strip())
    if any(p.person_id == person.id for p in finding.persons):
        raise ValidationFailed(f"{person.name} 已在责任人名单中。", fields={"name": "重复"})
    link = FindingPerson(
        finding=finding,
        person_id=person.id,
        org_id=finding.org_id,
        name=person.name,
        role=(role or "").strip()[:60],
        post=(post or "").strip()[:100],
    )
    session.add(link)
    session.flush()
    return link


def remove_person(session, identity, finding: Finding, link_id) -> None:
    require(identity, Permission.AUDITS_EDIT, finding.org_id, message="您没有修改发现问题的权限。")
    for link in finding.persons:
        if str(link.id) == str(link_id):
            finding.persons.remove(link)
            session.flush()
            return
    raise NotFound("该责任人不在本问题的名单中。")


# --- rectification items (the one ledger) -----------------------------------------------------


def finding_package(session, finding: Finding) -> ResponsibilityPackage | None:
    return session.scalar(
        select(ResponsibilityPackage)
        .where(
            ResponsibilityPackage.source_type == ItemSource.FINDING,
            ResponsibilityPackage.source_id == finding.id,
        )
        .order_by(ResponsibilityPackage.id)
        .limit(1)
    )


def package_members(data: dict) -> list[dict]:
    """Package members from the item form: street leader required, district/city optional."""
    members = []
    for level, role, key in (
        ("city", "city_leader", "city_leader"),
        ("district", "district_leader", "district_leader"),
        ("street", "street_leader", "street_leader"),
    ):
        name = (data.get(key) or "").strip()
        if name:
            members.append(
                {
                    "level": level,
                    "role": role,
                    "person_name": name,
                    "post": (data.get(key + "_post") or "").strip(),
                }
            )
    return members


def create_items(
    session,
    identity,
    finding: Finding,
    items: Iterable[dict],
    *,
    package_data: dict | None = None,
    today: dt.date | None = None,
) -> list:
    """Put the finding's rectification into the ledger: one or more items under the
    finding's responsibility package (包保责任), created with the first items."""
    require(
        identity,
        Permission.AUDITS_EDIT,
        finding.org_id,
        message="您没有为发现问题生成整改事项的权限。",
    )
    items = list(items)
    if not items:
        raise ValidationFailed("请至少填写一项整改事项。")
    today = today or clock.today()
    for data in items:
        # Checked before anything is written; create_item checks the same again.
        if data.get("deadline") is None or data["deadline"] < today:
            raise ValidationFailed("整改期限不能早于今天。", fields={"deadline": "期限已过"})
    package = finding_package(session, finding)
    if package is None:
        members = package_members(package_data or {})
        if not members:
            raise ValidationFailed(
                "首次生成整改事项时请填写包保责任人（至少一名街道级或区级责任人）。",
                fields={"street_leader": "必填"},
            )
        package = ledger.create_package(
            session,
            org=finding.org,
            title=f"{finding.org.name}：{finding.number} 整改包保",
            members=members,
            source_type=ItemSource.FINDING,
            source_id=finding.id,
        )
    created = []
    for data in items:
        created.append(
            ledger.create_item(
                session,
                identity,
                org=finding.org,
                source_type=ItemSource.FINDING,
                source_id=finding.id,
                problem=data.get("problem") or finding.description,
                deadline=data["deadline"],
                measure=data.get("measure", ""),
                responsible_person=data.get("responsible_person", ""),
                package=package,
                today=today,
            )
        )
    changelog.set_action(finding, "生成整改事项")
    return created


# --- clue transfer (移送问题线索) ---------------------------------------------------------------


def clue_create_function():
    """``whirlwind.cases.services.create_clue`` when the cases area provides it."""
    try:
        from whirlwind.cases import services as cases_services
    except ImportError:
        return None
    return getattr(cases_services, "create_clue", None)
