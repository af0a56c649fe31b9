"""Disclosure rules: catalogue upkeep, recording publications, checks, and failures that
open rectification items in the one ledger.

Every service takes the session and the acting identity; obligations (org, item, period)
are resolved through the jurisdiction filter, so another unit's village is "not found".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from whirlwind import changelog, clock
from whirlwind.disclosure.models import (
    REVIEWER_BODIES,
    AppliesTo,
    CheckResult,
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
    Domain,
    FailureKind,
)
from whirlwind.disclosure.periods import (
    Frequency,
    Period,
    Status,
    classify,
    due_date,
    event_period,
    month_key,
)
from whirlwind.errors import Conflict, NotFound, ValidationFailed
from whirlwind.guards import check_version
from whirlwind.ledger import services as ledger
from whirlwind.ledger.models import ItemSource
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.reference.services import choices
from whirlwind.scoping import get_visible


def _user_id(actor):
    user = getattr(actor, "user", actor)
    return getattr(user, "id", None)


# --- Catalogue ----------------------------------------------------------------------------


def catalog_items(session, *, active_only: bool = True, level: str | None = None):
    stmt = select(DisclosureCatalogItem).order_by(
        DisclosureCatalogItem.sort, DisclosureCatalogItem.id
    )
    if active_only:
        stmt = stmt.where(DisclosureCatalogItem.active.is_(True))
    items = list(session.scalars(stmt))
    if level is not None:
        items = [i for i in items if i.applies(level)]
    return items


def get_catalog_item(session, item_id) -> DisclosureCatalogItem:
    try:
        item = session.get(DisclosureCatalogItem, int(item_id))
    except (TypeError, ValueError):
        item = None
    if item is None:
        raise NotFound("公开目录项不存在。")
    return item


CATALOG_FIELDS = (
    "code",
    "domain",
    "title",
    "frequency",
    "deadline_days",
    "applies_to",
    "active",
    "sort",
    "note",
)


def save_catalog_item(
    session,
    actor,
    data: dict,
    item: DisclosureCatalogItem | None = None,
    version: int | None = None,
) -> DisclosureCatalogItem:
    """Create or edit a catalogue item (公开目录维护)."""
    if item is not None:
        check_version(item, version)
    code = (data.get("code") or "").strip().upper()
    if not code:
        raise ValidationFailed("目录编码不能为空。", fields={"code": "必填"})
    clash = session.scalar(
        select(DisclosureCatalogItem.id).where(DisclosureCatalogItem.code == code)
    )
    if clash is not None and (item is None or clash != item.id):
        raise ValidationFailed(f"目录编码 {code} 已存在。", fields={"code": "编码重复"})
    try:
        Domain(data["domain"])
        Frequency(data["frequency"])
        AppliesTo(data["applies_to"])
    except (KeyError, ValueError):
        raise ValidationFailed("公开类别、频次或适用范围无效。") from None
    days = int(data.get("deadline_days") or 0)
    if not 0 <= days <= 366:
        raise ValidationFailed("公开期限应在 0—366 天之间。", fields={"deadline_days": "超出范围"})
    if item is None:
        item = DisclosureCatalogItem()
        session.add(item)
    old_days = item.deadline_days if item.id else None
    values = dict(data, code=code, deadline_days=days)
    for name in CATALOG_FIELDS:
        if name in values:
            setattr(item, name, values[name])
    session.flush()
    if old_days is not None and old_days != days:
        sync_due_dates(session, item)
    return item


def sync_due_dates(session, item: DisclosureCatalogItem) -> int:
    """Re-derive the due date of every record of ``item`` after its deadline rule changed
    (one UPDATE per distinct period end, so a handful of statements)."""
    ends = session.scalars(
        select(DisclosureRecord.period_end)
        .where(DisclosureRecord.catalog_item_id == item.id)
        .distinct()
    ).all()
    for end in ends:
        due = due_date(end, item.deadline_days)
        session.execute(
            update(DisclosureRecord)
            .where(DisclosureRecord.catalog_item_id == item.id, DisclosureRecord.period_end == end)
            .values(due_date=due, due_month=month_key(due))
            .execution_options(synchronize_session="fetch")
        )
    return len(ends)


# --- Obligations -------------------------------------------------------------------------


@dataclass
class Obligation:
    """One (org, catalogue item, period): what is owed and by when."""

    org: Org
    item: DisclosureCatalogItem
    period: Period

    @property
    def due(self) -> dt.date:
        return self.period.due(self.item.deadline_days)


def get_unit(session, identity, org_id) -> Org:
    """A village or community inside the caller's jurisdiction, else 404."""
    org = get_visible(session, identity, Org, org_id, org_attr="id")
    if org.level not in GRASSROOTS_LEVELS:
        raise NotFound("三务公开只针对村和社区。")
    return org


def resolve(
    session,
    identity,
    org_id,
    item_id,
    period_key,
    *,
    event_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Obligation:
    today = today or clock.today()
    org = get_unit(session, identity, org_id)
    item = get_catalog_item(session, item_id)
    if not item.applies(org.level):
        raise ValidationFailed(
            f"“{item.title}”不适用于{org.level_label}。", fields={"catalog_item_id": "不适用"}
        )
    if item.is_periodic:
        try:
            period = item.period(period_key)
        except ValueError:
            raise ValidationFailed(
                f"公开期间“{period_key or ''}”与频次（{item.frequency_label}）不符，"
                "应为 2026-03（月）、2026-Q1（季度）、2026-H1（半年）或 2026（年）。",
                fields={"period": "格式不符"},
            ) from None
        if period.start > today:
            raise ValidationFailed(f"{period.label}尚未开始。", fields={"period": "期间未开始"})
    else:
        if event_date is None and period_key:
            try:
                event_date = dt.date.fromisoformat(period_key)
            except ValueError:
                event_date = None
        if event_date is None:
            raise ValidationFailed(
                "即时/专项公开事项须填写事项发生日期。", fields={"event_date": "必填"}
            )
        if event_date > today:
            raise ValidationFailed(
                "事项发生日期不能晚于今天。", fields={"event_date": "日期在将来"}
            )
        period = event_period(event_date)
    return Obligation(org, item, period)


def record_for(session, org_id: int, item_id: int, period_key: str) -> DisclosureRecord | None:
    return session.scalar(
        select(DisclosureRecord).where(
            DisclosureRecord.org_id == org_id,
            DisclosureRecord.catalog_item_id == item_id,
            DisclosureRecord.period == period_key,
        )
    )


def status_of(session, ob: Obligation, today: dt.date) -> Status:
    record = record_for(session, ob.org.id, ob.item.id, ob.period.key)
    return classify(ob.due, record.published_on if record else None, today)


# --- Records ------------------------------------------------------------------------------

RECORD_FIELDS = (
    "published_on",
    "channel",
    "content",
    "evidence_link",
    "reviewer_body",
    "reviewer_name",
    "reviewed_on",
)


def _check_record_fields(session, ob: Obligation, data: dict, today: dt.date) -> None:
    published = data.get("published_on")
    if published is None:
        raise ValidationFailed("请填写公开日期。", fields={"published_on": "必填"})
    if published > today:
        raise ValidationFailed("公开日期不能晚于今天。", fields={"published_on": "日期在将来"})
    if published < ob.period.start:
        raise ValidationFailed(
            f"公开日期不能早于{'事项发生日期' if not ob.item.is_periodic else '公开期间的开始'}"
            f"（{ob.period.start:%Y-%m-%d}）。",
            fields={"published_on": "早于期间"},
        )
    if data.get("channel") not in {c for c, _ in choices(session, "disclosure_channel")}:
        raise ValidationFailed("请选择有效的公开渠道。", fields={"channel": "无效的选项"})
    link = (data.get("evidence_link") or "").strip()
    if link and not link.startswith(("http://", "https://")):
        raise ValidationFailed(
            "佐证链接须以 http:// 或 https:// 开头。", fields={"evidence_link": "链接无效"}
        )
    body = data.get("reviewer_body") or ""
    if body and body not in REVIEWER_BODIES:
        raise ValidationFailed("审核主体无效。", fields={"reviewer_body": "无效的选项"})
    reviewed = data.get("reviewed_on")
    if reviewed is not None:
        if not body or not (data.get("reviewer_name") or "").strip():
            raise ValidationFailed(
                "填写审核日期时须同时填写审核主体和审核人。", fields={"reviewer_name": "必填"}
            )
        if reviewed > published:
            raise ValidationFailed(
                "审核日期应在公开日期之前（先审核、后公开）。",
                fields={"reviewed_on": "晚于公开日期"},
            )


def create_record(session, actor, data: dict, *, today: dt.date | None = None) -> DisclosureRecord:
    """登记公开: one record per (org, item, period)."""
    today = today or clock.today()
    ob = resolve(
        session,
        actor,
        data.get("org_id"),
        data.get("catalog_item_id"),
        data.get("period"),
        event_date=data.get("event_date"),
        today=today,
    )
    if record_for(session, ob.org.id, ob.item.id, ob.period.key) is not None:
        raise Conflict(
            f"{ob.org.name}“{ob.item.title}”{ob.period.label}已有公开记录，请修改原记录。"
        )
    _check_record_fields(session, ob, data, today)
    due = ob.due
    record = DisclosureRecord(
        org_id=ob.org.id,
        catalog_item_id=ob.item.id,
        period=ob.period.key,
        period_start=ob.period.start,
        period_end=ob.period.end,
        event_date=None if ob.item.is_periodic else ob.period.start,
        due_date=due,
        due_month=month_key(due),
        recorded_by_id=_user_id(actor),
    )
    for name in RECORD_FIELDS:
        value = data.get(name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    session.add(record)
    changelog.set_action(record, "登记公开")
    session.flush()
    return record


def update_record(
    session,
    actor,
    record: DisclosureRecord,
    data: dict,
    *,
    version: int | None = None,
    today: dt.date | None = None,
) -> DisclosureRecord:
    today = today or clock.today()
    check_version(record, version)
    ob = Obligation(record.org, record.catalog_item, record.catalog_item.period(record.period))
    _check_record_fields(session, ob, data, today)
    for name in RECORD_FIELDS:
        value = data.get(name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    changelog.set_action(record, "修改公开记录")
    session.flush()
    return record


# --- Checks and failures -------------------------------------------------------------------


def record_check(session, actor, data: dict, *, today: dt.date | None = None) -> DisclosureCheck:
    """记录检查: 合格, or 不合格 with at least one §5.11 reason. Without a publication only
    不合格 is possible (a missing disclosure cannot pass)."""
    today = today or clock.today()
    ob = resolve(
        session,
        actor,
        data.get("org_id"),
        data.get("catalog_item_id"),
        data.get("period"),
        event_date=data.get("event_date"),
        today=today,
    )
    result = data.get("result")
    if result not in (CheckResult.PASS, CheckResult.FAIL):
        raise ValidationFailed("请选择检查结论。", fields={"result": "必填"})
    reasons = sorted(set(data.get("reasons") or ()))
    valid = {c for c, _ in choices(session, "disclosure_failure")}
    if any(r not in valid for r in reasons):
        raise ValidationFailed("不合格情形含有无效的选项。", fields={"reasons": "无效的选项"})
    if result == CheckResult.FAIL and not reasons:
        raise ValidationFailed("检查不合格时须选择至少一项不合格情形。", fields={"reasons": "必填"})
    if result == CheckResult.PASS and reasons:
        raise ValidationFailed("检查合格时不应选择不合格情形。", fields={"reasons": "与结论矛盾"})
    checked_on = data.get("checked_on") or today
    if checked_on > today:
        raise ValidationFailed("检查日期不能晚于今天。", fields={"checked_on": "日期在将来"})
    record = record_for(session, ob.org.id, ob.item.id, ob.period.key)
    if record is None and result == CheckResult.PASS:
        raise ValidationFailed("该期尚无公开记录，不能评定为合格。", fields={"result": "尚未公开"})
    check = DisclosureCheck(
        org_id=ob.org.id,
        catalog_item_id=ob.item.id,
        period=ob.period.key,
        record_id=record.id if record else None,
        checker_id=_user_id(actor),
        checked_on=checked_on,
        result=result,
        reasons=" ".join(reasons),
        note=(data.get("note") or "").strip(),
    )
    session.add(check)
    changelog.set_action(check, f"公开检查（{CheckResult(result).label}）")
    session.flush()
    return check


def get_check(session, identity, check_id) -> DisclosureCheck:
    return get_visible(session, identity, DisclosureCheck, check_id)


def failure_for_check(session, check_id: int) -> DisclosureFailure | None:
    return session.scalar(select(DisclosureFailure).where(DisclosureFailure.check_id == check_id))


def missing_failure(
    session, org_id: int, item_id: int, period_key: str
) -> DisclosureFailure | None:
    return session.scalar(
        select(DisclosureFailure).where(
            DisclosureFailure.org_id == org_id,
            DisclosureFailure.catalog_item_id == item_id,
            DisclosureFailure.period == period_key,
            DisclosureFailure.kind == FailureKind.MISSING,
        )
    )


def default_problem(ob: Obligation, kind: str, reason_labels: list[str] | None = None) -> str:
    what = f"{ob.org.name}“{ob.item.title}”（{ob.item.domain_label}，{ob.period.label}）"
    if kind == FailureKind.MISSING:
        return f"{what}应于 {ob.due:%Y-%m-%d} 前公开，逾期未公开。"
    return f"{what}经检查不合格：{'、'.join(reason_labels or [])}。"


def open_failure(
    session,
    actor,
    *,
    kind: str,
    data: dict,
    check: DisclosureCheck | None = None,
    ob: Obligation | None = None,
    today: dt.date | None = None,
) -> DisclosureFailure:
    """转整改: record the failure and open one rectification item (with its responsibility
    package) in the ledger, source_type "disclosure", source_id = the failure."""
    today = today or clock.today()
    if kind == FailureKind.CHECK:
        if check is None:
            raise ValidationFailed("缺少检查记录。")
        if check.passed:
            raise ValidationFailed("检查合格的公开事项无需整改。")
        if failure_for_check(session, check.id) is not None:
            raise Conflict("该检查已转为整改事项。")
        ob = Obligation(check.org, check.catalog_item, check.catalog_item.period(check.period))
        reasons = check.reasons
    elif kind == FailureKind.MISSING:
        if ob is None:
            raise ValidationFailed("缺少公开事项。")
        if status_of(session, ob, today) != Status.MISSING:
            raise ValidationFailed(
                f"{ob.period.label}“{ob.item.title}”不是“未公开”状态，不能按缺失立整改。"
            )
        if missing_failure(session, ob.org.id, ob.item.id, ob.period.key) is not None:
            raise Conflict("该期缺失已转为整改事项。")
        reasons = "not_published"
    else:
        raise ValidationFailed("未知的问题类型。")
    problem = (data.get("problem") or "").strip()
    if not problem:
        raise ValidationFailed("问题描述不能为空。", fields={"problem": "必填"})
    deadline = data.get("deadline")
    if deadline is None:
        raise ValidationFailed("请填写整改期限。", fields={"deadline": "必填"})
    if deadline < today:
        raise ValidationFailed("整改期限不能早于今天。", fields={"deadline": "期限已过"})
    members = []
    for level, role, key in (
        ("street", "street_leader", "street_leader"),
        ("district", "district_leader", "district_leader"),
        ("city", "city_leader", "city_leader"),
    ):
        name = (data.get(key) or "").strip()
        if name:
            members.append({"level": level, "role": role, "person_name": name})
    # Checked before anything is written (the ledger applies the same rule).
    if not any(m["level"] in ("street", "district") for m in members):
        raise ValidationFailed(
            "包保责任至少需要一名街道级或区级责任人。", fields={"street_leader": "必填"}
        )
    failure = DisclosureFailure(
        org_id=ob.org.id,
        catalog_item_id=ob.item.id,
        period=ob.period.key,
        kind=kind,
        check_id=check.id if check else None,
        reasons=reasons,
        problem=problem,
        created_by_id=_user_id(actor),
    )
    session.add(failure)
    changelog.set_action(failure, "转整改事项")
    session.flush()
    package = ledger.create_package(
        session,
        org=ob.org,
        title=f"三务公开整改：{ob.org.name} {ob.item.title} {ob.period.label}",
        members=members,
        source_type=ItemSource.DISCLOSURE,
        source_id=failure.id,
    )
    ledger.create_item(
        session,
        getattr(actor, "user", actor),
        org=ob.org,
        source_type=ItemSource.DISCLOSURE,
        source_id=failure.id,
        problem=problem,
        deadline=deadline,
        measure=data.get("measure") or "",
        responsible_person=data.get("responsible_person") or "",
        package=package,
        today=today,
    )
    return failure
