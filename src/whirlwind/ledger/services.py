"""Ledger services used by every item source: packages and item creation.

Sources (targets, audit findings, disclosure failures, cases, committee reports) call
``create_package`` and ``create_item``; they never write ledger rows themselves. The item
state machine lives in ``whirlwind.ledger.workflow``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from whirlwind import changelog, clock
from whirlwind.errors import InvalidTransition, ValidationFailed
from whirlwind.guards import check_version, require
from whirlwind.ledger.models import (
    PACKAGE_LEVELS,
    REVIEW_STATUSES,
    ItemSource,
    ItemStatus,
    PackageMember,
    ProgressNote,
    RectificationItem,
    ResponsibilityPackage,
)
from whirlwind.orgs.models import Org
from whirlwind.security import Permission


def create_package(
    session,
    *,
    org: Org,
    title: str,
    members: Iterable[dict],
    source_type: str = "",
    source_id: int | None = None,
) -> ResponsibilityPackage:
    """Create a package. ``members`` are dicts with level, role, person_name and optionally
    post, unit_name, phone, user_id, valid_from, valid_to."""
    package = ResponsibilityPackage(
        org_id=org.id, title=title, source_type=source_type, source_id=source_id
    )
    for m in members:
        if m.get("level") not in PACKAGE_LEVELS:
            raise ValidationFailed(f"未知的包保层级：{m.get('level')}")
        if not (m.get("person_name") or "").strip():
            raise ValidationFailed("包保责任人姓名不能为空。")
        package.members.append(PackageMember(**m))
    if "street" not in package.levels and "district" not in package.levels:
        raise ValidationFailed("包保责任至少需要一名街道级或区级责任人。")
    session.add(package)
    session.flush()
    return package


def create_item(
    session,
    actor,
    *,
    org: Org,
    source_type: str,
    source_id: int,
    problem: str,
    deadline: dt.date,
    measure: str = "",
    responsible_person: str = "",
    responsible_user_id: int | None = None,
    package: ResponsibilityPackage | None = None,
    today: dt.date | None = None,
) -> RectificationItem:
    """Add one item to the ledger in state 待整改."""
    try:
        ItemSource(source_type)
    except ValueError:
        raise ValidationFailed(f"未知的整改事项来源：{source_type}") from None
    if not (problem or "").strip():
        raise ValidationFailed("问题描述不能为空。", fields={"problem": "必填"})
    today = today or clock.today()
    if deadline < today:
        raise ValidationFailed("整改期限不能早于今天。", fields={"deadline": "期限已过"})
    item = RectificationItem(
        org_id=org.id,
        source_type=source_type,
        source_id=source_id,
        problem=problem.strip(),
        measure=(measure or "").strip(),
        responsible_person=(responsible_person or "").strip(),
        responsible_user_id=responsible_user_id,
        deadline=deadline,
        original_deadline=deadline,
        package_id=package.id if package else None,
        status=ItemStatus.PENDING,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(item)
    session.flush()
    return item


def items_for_source(session, source_type: str, source_id: int) -> list[RectificationItem]:
    stmt = (
        select(RectificationItem)
        .where(
            RectificationItem.source_type == source_type,
            RectificationItem.source_id == source_id,
        )
        .order_by(RectificationItem.id)
    )
    return list(session.scalars(stmt))


def source_progress(items: list[RectificationItem]) -> dict:
    """Counts a source page shows: total, cleared, open, overdue (as of today)."""
    today = clock.today()
    cleared = sum(1 for i in items if i.is_cleared)
    overdue = sum(1 for i in items if not i.is_cleared and i.deadline < today)
    return {
        "total": len(items),
        "cleared": cleared,
        "open": len(items) - cleared,
        "overdue": overdue,
    }


# --- Editing and progress ---------------------------------------------------------------

EDITABLE_STATUSES = (ItemStatus.PENDING, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED)


STALE_ITEM = "该整改事项已被他人修改（版本已变化），请刷新页面后重试。"
NO_EDIT = "您没有填报整改进展的权限。"


def update_item(
    session,
    identity,
    item: RectificationItem,
    *,
    version,
    problem: str,
    measure: str,
    responsible_person: str,
    deadline: dt.date | None = None,
) -> RectificationItem:
    """Edit an item that is not under review or cleared (ledger:edit, in jurisdiction).

    The deadline is not edited here: it moves only through an approved 延期申请
    (``ledger.extensions``); a ``deadline`` other than the one in force is refused."""
    require(identity, Permission.LEDGER_EDIT, item.org_id, message=NO_EDIT)
    check_version(item, version, STALE_ITEM)
    if ItemStatus(item.status) not in EDITABLE_STATUSES:
        raise InvalidTransition(
            f"事项处于“{item.status_label}”状态，审核中或已销号的事项不能修改。"
        )
    if not (problem or "").strip():
        raise ValidationFailed("问题描述不能为空。", fields={"problem": "必填"})
    if deadline is not None and deadline != item.deadline:
        raise ValidationFailed(
            f"整改期限（现为 {item.deadline:%Y-%m-%d}）不能直接修改，只能通过延期申请经上一级"
            "批准后变更。",
            fields={"deadline": "请提出延期申请"},
        )
    item.problem = problem.strip()
    item.measure = (measure or "").strip()
    item.responsible_person = (responsible_person or "").strip()
    changelog.set_action(item, "修改整改事项")
    session.flush()
    return item


def add_note(session, identity, item: RectificationItem, note: str) -> ProgressNote:
    """整改进展: a dated note (evidence files are attached to it by the caller with
    ``attachments.services.store_upload(owner_type="progress_note")``). A first note on an
    item still 待整改 starts it (整改中)."""
    require(identity, Permission.LEDGER_EDIT, item.org_id, message=NO_EDIT)
    if ItemStatus(item.status) == ItemStatus.CLEARED or item.status in REVIEW_STATUSES:
        raise InvalidTransition(f"事项处于“{item.status_label}”状态，不能填报进展。")
    if not (note or "").strip():
        raise ValidationFailed("请填写整改进展。", fields={"note": "必填"})
    if item.status == ItemStatus.PENDING:
        from whirlwind.ledger.workflow import transition

        transition(session, identity, item, "start")
    row = ProgressNote(item=item, author_id=identity.user.id, note=note.strip())
    session.add(row)
    session.flush()
    return row
