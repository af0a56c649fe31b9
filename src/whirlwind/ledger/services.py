"""Ledger services used by every item source: packages and item creation.

Sources (targets, audit findings, disclosure failures, cases, committee reports) call
``create_package`` and ``create_item``; they never write ledger rows themselves. The item
state machine lives in ``whirlwind.ledger.workflow``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select

from whirlwind.errors import ValidationFailed
from whirlwind.ledger.models import (
    PACKAGE_LEVELS,
    ItemSource,
    ItemStatus,
    PackageMember,
    RectificationItem,
    ResponsibilityPackage,
)
from whirlwind.orgs.models import Org


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
    today = today or dt.date.today()
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
    today = dt.date.today()
    cleared = sum(1 for i in items if i.is_cleared)
    overdue = sum(1 for i in items if not i.is_cleared and i.deadline < today)
    return {"total": len(items), "cleared": cleared, "open": len(items) - cleared, "overdue": overdue}
