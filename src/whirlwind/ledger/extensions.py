"""延期申请: the only way a rectification item's deadline moves.

    申请 (reason, new date; ledger:edit, item in jurisdiction, item not cleared)
      → 审批 by a ledger:review user of a unit *above* the applicant's unit
        (批准: the new deadline is in force from the decision day; 不予批准: reason required)

The first deadline stays on the item (``original_deadline``), every approved request is
kept, and ``deadline_as_of`` answers "which deadline was in force on day D" so that the
overdue figures of a past period are those of that period, not today's.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from whirlwind import changelog, clock
from whirlwind.db import utcnow
from whirlwind.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from whirlwind.guards import check_version
from whirlwind.ledger.models import ExtensionRequest, ExtensionStatus, ItemStatus, RectificationItem
from whirlwind.orgs.models import OrgClosure

STALE_REQUEST = "该延期申请已被他人处理（版本已变化），请刷新页面后重试。"


def pending_request(session, item: RectificationItem) -> ExtensionRequest | None:
    return session.scalar(
        select(ExtensionRequest).where(
            ExtensionRequest.item_id == item.id,
            ExtensionRequest.status == ExtensionStatus.PENDING,
        )
    )


def requests_for(session, item: RectificationItem) -> list[ExtensionRequest]:
    return list(
        session.scalars(
            select(ExtensionRequest)
            .where(ExtensionRequest.item_id == item.id)
            .order_by(ExtensionRequest.id)
        )
    )


def request_extension(
    session,
    identity,
    item: RectificationItem,
    *,
    new_deadline: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> ExtensionRequest:
    """申请延期: one pending request per item; the new date is later than the one in force
    and not in the past."""
    from whirlwind.scoping import in_jurisdiction
    from whirlwind.security import Permission

    if identity is None or not in_jurisdiction(session, identity, item.org_id):
        raise NotFound("记录不存在或不在您的管辖范围内。")
    if not identity.can(Permission.LEDGER_EDIT):
        raise InvalidTransition("您没有申请延期的权限（需要填报整改进展的权限）。")
    if item.status == ItemStatus.CLEARED:
        raise InvalidTransition("事项已销号，不能申请延期。")
    today = today or clock.today()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写延期理由。", fields={"reason": "必填"})
    if new_deadline is None:
        raise ValidationFailed("请填写延期后的整改期限。", fields={"new_deadline": "必填"})
    if new_deadline <= item.deadline:
        raise ValidationFailed(
            f"延期后的期限（{new_deadline:%Y-%m-%d}）须晚于现行期限（{item.deadline:%Y-%m-%d}）。",
            fields={"new_deadline": "须晚于现行期限"},
        )
    if new_deadline < today:
        raise ValidationFailed(
            f"延期后的期限（{new_deadline:%Y-%m-%d}）不能早于今天（{today:%Y-%m-%d}）。",
            fields={"new_deadline": "不能早于今天"},
        )
    if pending_request(session, item) is not None:
        raise Conflict("该事项已有一份待审批的延期申请，请等待审批结果。")
    row = ExtensionRequest(
        item_id=item.id,
        org_id=item.org_id,
        old_deadline=item.deadline,
        new_deadline=new_deadline,
        reason=reason[:2000],
        status=ExtensionStatus.PENDING,
        requested_by_id=identity.user.id,
        requester_org_id=identity.org_id,
    )
    session.add(row)
    changelog.set_action(row, "申请延期")
    session.flush()
    return row


def decision_refusal(session, identity, req: ExtensionRequest) -> str | None:
    """Why ``identity`` may not decide ``req`` now (None when it may).

    Rule: the decision belongs to the level above the applicant — a ``ledger:review`` user
    whose unit lies strictly above the applicant's unit — and never to the applicant."""
    from whirlwind.scoping import in_jurisdiction
    from whirlwind.security import Permission

    if not req.is_pending:
        return f"该延期申请已{req.status_label}，不能再次审批。"
    if not identity.can(Permission.LEDGER_REVIEW):
        return "您没有审批延期申请的权限。"
    if req.requested_by_id == identity.user.id:
        return "职责分离：延期申请人不能审批自己的延期申请，须由上一级审批。"
    above = req.requester_org_id is not None and (
        req.requester_org_id != identity.org_id
        and in_jurisdiction(session, identity, req.requester_org_id)
    )
    if not above:
        return "延期申请须由申请人所在单位的上一级审批，本级或下级不能审批。"
    return None


def decide_extension(
    session,
    identity,
    req: ExtensionRequest,
    *,
    approve: bool,
    note: str = "",
    version=None,
    today: dt.date | None = None,
) -> ExtensionRequest:
    """批准 or 不予批准 a pending request. Approval moves the item's deadline (the first one
    stays in ``original_deadline``) and counts one more 延期."""
    from whirlwind.scoping import in_jurisdiction

    if identity is None or not in_jurisdiction(session, identity, req.org_id):
        raise NotFound("记录不存在或不在您的管辖范围内。")
    check_version(req, version, STALE_REQUEST)
    refusal = decision_refusal(session, identity, req)
    if refusal:
        raise InvalidTransition(refusal)
    note = (note or "").strip()
    today = today or clock.today()
    item = req.item
    if approve:
        if item.status == ItemStatus.CLEARED:
            raise InvalidTransition("事项已销号，延期申请不再需要审批，请不予批准。")
        if req.old_deadline != item.deadline:
            raise Conflict("申请之后事项的期限已发生变化，请申请人重新提出延期申请。")
        item.original_deadline = item.original_deadline or item.deadline
        item.deadline = req.new_deadline
        item.extension_count = (item.extension_count or 0) + 1
        changelog.set_action(
            item,
            f"延期申请批准：{req.old_deadline:%Y-%m-%d} → {req.new_deadline:%Y-%m-%d}",
        )
        req.status = ExtensionStatus.APPROVED
    else:
        if not note:
            raise ValidationFailed("不予批准时请填写理由。", fields={"note": "必填"})
        req.status = ExtensionStatus.REJECTED
    req.decided_by_id = identity.user.id
    req.decided_at = utcnow()
    req.decided_on = today
    req.decision_note = note[:2000]
    changelog.set_action(req, "批准延期" if approve else "不予批准延期")
    session.flush()
    return req


def pending_for_decision(identity):
    """SELECT of the pending requests ``identity`` may decide (its jurisdiction, applicant
    strictly below it, not its own): the to-do list of the level above."""
    from whirlwind.scoping import scope

    below = select(OrgClosure.descendant_id).where(
        OrgClosure.ancestor_id == identity.org_id, OrgClosure.depth > 0
    )
    stmt = select(ExtensionRequest).where(
        ExtensionRequest.status == ExtensionStatus.PENDING,
        ExtensionRequest.requester_org_id.in_(below),
        ExtensionRequest.requested_by_id != identity.user.id,
    )
    return scope(stmt, ExtensionRequest.org_id, identity).order_by(ExtensionRequest.id)


def deadline_as_of(day):
    """SQL expression: the deadline of ``RectificationItem`` in force at the start of
    ``day`` (a date or a date-valued SQL expression): the newest extension approved before
    that day, else the first deadline."""
    latest = (
        select(ExtensionRequest.new_deadline)
        .where(
            ExtensionRequest.item_id == RectificationItem.id,
            ExtensionRequest.status == ExtensionStatus.APPROVED,
            ExtensionRequest.decided_on < day,
        )
        .order_by(ExtensionRequest.decided_on.desc(), ExtensionRequest.id.desc())
        .limit(1)
        .correlate(RectificationItem)
        .scalar_subquery()
    )
    return func.coalesce(
        latest, func.coalesce(RectificationItem.original_deadline, RectificationItem.deadline)
    )


def deadline_on(item: RectificationItem, requests: list[ExtensionRequest], day: dt.date):
    """Python twin of ``deadline_as_of`` for one item and its loaded requests."""
    approved = sorted(
        (r for r in requests if r.status == ExtensionStatus.APPROVED and r.decided_on < day),
        key=lambda r: (r.decided_on, r.id),
    )
    return approved[-1].new_deadline if approved else item.first_deadline
