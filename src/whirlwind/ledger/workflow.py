"""The state machine of a rectification item (整改事项, domain.md §4.2).

    待整改 → 整改中 → 申请销号 (evidence required) → 街道审核 → 区级审核
           → [市级审核, only when the package names a city member] → 已销号

Any reviewer of the chain may return (退回) an item under review with a reason; the item goes
to 已退回 and can be resubmitted. A cleared item is reopened only by a recorded re-check
(回头看) with a reason.

Rights per transition:
- start / submit: ``ledger:edit`` and the item inside the actor's jurisdiction;
- a sign-off: ``ledger:review``, the item in the actor's jurisdiction, and the actor's own
  unit at exactly the level being reviewed (a street user signs the street stage, a district
  user the district stage, a city user the city stage): no skipping, no signing twice;
- return: ``ledger:review`` at the stage under review or a higher stage of the chain;
- reopen: ``ledger:review`` in jurisdiction (the re-checking level).

Separation of duties (职责分离): the user who applied to clear an item (申请销号) signs none
of its stages, and nobody signs two stages of the same application. When the applicant is
the only reviewer of the unit whose stage is due (a single-inspector street, say), that stage
is signed by a reviewer of the level above, and the review row says so; nothing is skipped.
A resubmission after 退回 needs a progress note written after the return.

Every transition compares the version the user saw (optimistic locking: a stale form is
refused with 409 and changes nothing), writes an ``ItemReview`` row and names the change-log
entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from whirlwind import changelog
from whirlwind.attachments.models import Attachment
from whirlwind.db import utcnow
from whirlwind.errors import InvalidTransition, NotFound, ValidationFailed
from whirlwind.guards import check_version
from whirlwind.ledger.models import (
    DECISION_LABELS,
    REVIEW_LEVEL_LABELS,
    ItemReview,
    ItemStatus,
    ProgressNote,
    RectificationItem,
)
from whirlwind.orgs.models import ORG_LEVEL_RANK, OrgLevel
from whirlwind.scoping import in_jurisdiction
from whirlwind.security import Permission

LEVEL_ORDER = ("street", "district", "city")
LEVEL_RANK = {"city": 1, "district": 2, "street": 3}
# Status after a sign-off at a stage (the last stage clears the item).
APPROVED_STATUS = {
    "street": ItemStatus.STREET_APPROVED,
    "district": ItemStatus.DISTRICT_APPROVED,
}
# Stages already signed in each review status.
SIGNED = {
    ItemStatus.SUBMITTED: 0,
    ItemStatus.STREET_APPROVED: 1,
    ItemStatus.DISTRICT_APPROVED: 2,
}

ACTIONS = ("start", "submit", "approve", "return", "reopen")
ACTION_LABELS = {
    "start": "开始整改",
    "submit": "申请销号",
    "approve": "审核通过",
    "return": "退回",
    "reopen": "回头看重新打开",
}
# Actions whose form must carry a reason.
NEEDS_REASON = frozenset({"return", "reopen"})


def review_stages(item: RectificationItem) -> list[str]:
    """The levels that must sign off, bottom up: street and district always (for units
    below them), city only when the package names a city member (or the item is the
    city's own)."""
    from whirlwind.procedure import city_stage

    rank = ORG_LEVEL_RANK[OrgLevel(item.org.level)]
    stages = [lvl for lvl in ("street", "district") if rank >= LEVEL_RANK[lvl]]
    mode = city_stage()
    by_package = item.package is not None and item.package.top_level == "city"
    if rank == 1 or mode == "always" or (mode == "package" and by_package):
        stages.append("city")
    return stages


def awaiting_level(item: RectificationItem) -> str | None:
    """The stage whose sign-off the item waits for, or None when it is not under review."""
    signed = SIGNED.get(ItemStatus(item.status))
    if signed is None:
        return None
    stages = review_stages(item)
    done = {"street", "district"}.intersection(LEVEL_ORDER[:signed])
    for stage in stages:
        if stage not in done:
            return stage
    return None


def _latest_review(session, item: RectificationItem, decision: str) -> ItemReview | None:
    return session.scalar(
        select(ItemReview)
        .where(ItemReview.item_id == item.id, ItemReview.decision == decision)
        .order_by(ItemReview.id.desc())
        .limit(1)
    )


def _round_signers(session, item: RectificationItem, since_id: int) -> set[int]:
    """Users who signed a stage of the application that started with review ``since_id``."""
    return set(
        session.scalars(
            select(ItemReview.reviewer_id).where(
                ItemReview.item_id == item.id,
                ItemReview.id > since_id,
                ItemReview.decision.in_(("approve", "clear")),
            )
        )
    )


def stage_unit_id(item: RectificationItem, stage: str) -> int | None:
    """The unit whose reviewers sign ``stage`` for this item."""
    org = item.org
    if stage == "street":
        return org.street_id
    if stage == "district":
        return org.district_id
    if stage == "city":
        return org.id if org.level == "city" else None
    return None


def _other_reviewers(session, unit_id: int | None, exclude_user_id: int | None) -> int:
    """Active users of ``unit_id`` holding ``ledger:review``, other than the applicant."""
    from whirlwind.accounts.models import User

    if unit_id is None:
        return 1  # the city stage: any city reviewer; no stand-in from above exists
    users = session.scalars(
        select(User).where(
            User.org_id == unit_id, User.active.is_(True), User.id != exclude_user_id
        )
    )
    return sum(1 for u in users if str(Permission.LEDGER_REVIEW) in u.permissions)


def stand_in_allowed(session, identity, item: RectificationItem, stage: str) -> bool:
    """A reviewer of the level directly above ``stage`` may sign it when the applicant is
    the only reviewer of the stage's unit (single-inspector unit)."""
    submit = _latest_review(session, item, "submit")
    if submit is None or submit.reviewer_id is None:
        return False
    unit_id = stage_unit_id(item, stage)
    applicant_unit = submit.reviewer.org_id if submit.reviewer else None
    if unit_id is None or applicant_unit != unit_id:
        return False
    if _other_reviewers(session, unit_id, submit.reviewer_id):
        return False
    above = LEVEL_ORDER[LEVEL_ORDER.index(stage) + 1] if stage != "city" else None
    return above is not None and identity.level == above


def has_evidence(session, item: RectificationItem) -> bool:
    """At least one progress note with an evidence file attached."""
    stmt = select(
        exists().where(
            Attachment.owner_type == "progress_note",
            Attachment.owner_id == ProgressNote.id,
            ProgressNote.item_id == item.id,
        )
    )
    return bool(session.scalar(stmt))


@dataclass
class Decision:
    allowed: bool
    reason: str = ""


def _level_label(level: str | None) -> str:
    return REVIEW_LEVEL_LABELS.get(level or "", level or "")


def check(session, identity, item: RectificationItem, action: str) -> Decision:
    """Whether ``identity`` may apply ``action`` to ``item`` now, and why not."""
    if action not in ACTIONS:
        return Decision(False, "未知的操作。")
    status = ItemStatus(item.status)
    if identity is None or not in_jurisdiction(session, identity, item.org_id):
        return Decision(False, "该整改事项不在您的管辖范围内。")
    if action in ("start", "submit"):
        if not identity.can(Permission.LEDGER_EDIT):
            return Decision(False, "您没有填报整改进展的权限。")
        if action == "start":
            if status != ItemStatus.PENDING:
                return Decision(False, f"当前状态为“{status.label}”，不能开始整改。")
            return Decision(True)
        if status not in (ItemStatus.IN_PROGRESS, ItemStatus.RETURNED):
            return Decision(False, f"当前状态为“{status.label}”，不能申请销号。")
        if not has_evidence(session, item):
            return Decision(False, "申请销号前，请至少填报一条附有佐证材料的整改进展。")
        if status == ItemStatus.RETURNED:
            returned = _latest_review(session, item, "return")
            if returned is not None:
                newer = session.scalar(
                    select(
                        exists().where(
                            ProgressNote.item_id == item.id,
                            ProgressNote.created_at > returned.created_at,
                        )
                    )
                )
                if not newer:
                    return Decision(
                        False,
                        "事项已被退回：重新申请销号前，须填报一条退回之后的整改进展"
                        "（说明针对退回原因的整改情况）。",
                    )
        return Decision(True)
    if not identity.can(Permission.LEDGER_REVIEW):
        return Decision(False, "您没有审核销号的权限。")
    level = identity.level
    if action == "approve":
        stage = awaiting_level(item)
        if stage is None:
            return Decision(False, f"当前状态为“{status.label}”，没有待审核的环节。")
        if level != stage and not stand_in_allowed(session, identity, item, stage):
            return Decision(
                False,
                f"当前待{_level_label(stage)}审核，{_level_label(level) or '您所在单位'}"
                "用户不能审核这一环节（不能越级或代替其他层级审核）。",
            )
        submit = _latest_review(session, item, "submit")
        if submit is not None and submit.reviewer_id == identity.user.id:
            return Decision(
                False,
                "职责分离：申请销号的人员不能审核该事项的任何环节，须由其他审核人员审核。",
            )
        if submit is not None and identity.user.id in _round_signers(session, item, submit.id):
            return Decision(False, "职责分离：您已审核过本次申请的一个环节，不能再审核另一个环节。")
        return Decision(True)
    if action == "return":
        stage = awaiting_level(item)
        if stage is None:
            return Decision(False, f"当前状态为“{status.label}”，不能退回。")
        stages = review_stages(item)
        if level not in stages or LEVEL_RANK[level] > LEVEL_RANK[stage]:
            return Decision(False, f"当前待{_level_label(stage)}审核，您所在层级不能退回该事项。")
        return Decision(True)
    # reopen
    if status != ItemStatus.CLEARED:
        return Decision(False, "只有已销号的事项才能经回头看重新打开。")
    if level not in LEVEL_RANK:
        return Decision(False, "回头看须由街道、区级或市级审核人员发起。")
    return Decision(True)


def available_actions(session, identity, item: RectificationItem) -> list[str]:
    """The buttons the current user may press on the item page (and nothing else)."""
    return [a for a in ACTIONS if check(session, identity, item, a).allowed]


STALE_ITEM = "该整改事项已被他人处理（版本已变化），请刷新页面查看最新状态后再操作。"


def transition(
    session, identity, item: RectificationItem, action: str, *, version=None, reason: str = ""
) -> ItemReview:
    """Apply one transition, or raise (nothing written)."""
    check_version(item, version, STALE_ITEM)
    decision = check(session, identity, item, action)
    if not decision.allowed:
        if identity is None or not in_jurisdiction(session, identity, item.org_id):
            # Outside the jurisdiction the item does not exist for the caller.
            raise NotFound("记录不存在或不在您的管辖范围内。")
        raise InvalidTransition(decision.reason)
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        label = "退回原因" if action == "return" else "回头看发现的问题（重新打开原因）"
        raise ValidationFailed(f"请填写{label}。", fields={"reason": "必填"})
    now = utcnow()
    level = identity.level
    record = action
    if action == "start":
        item.status = ItemStatus.IN_PROGRESS
    elif action == "submit":
        item.status = ItemStatus.SUBMITTED
        item.submitted_at = now
    elif action == "approve":
        stage = awaiting_level(item)
        if level != stage:
            # Single-inspector unit: the level above signs this stage, on the record.
            reason = (
                f"{_level_label(stage)}唯一审核人员即申请人，由{_level_label(level)}代为审核"
                + (f"：{reason}" if reason else "")
            )
        level = stage
        stages = review_stages(item)
        if stage == stages[-1]:
            item.status = ItemStatus.CLEARED
            item.cleared_at = now
            record = "clear"
        else:
            item.status = APPROVED_STATUS[stage]
    elif action == "return":
        item.status = ItemStatus.RETURNED
        item.last_return_reason = reason
    elif action == "reopen":
        item.status = ItemStatus.IN_PROGRESS
        item.cleared_at = None
        item.reopened_count = (item.reopened_count or 0) + 1
    review = ItemReview(
        item=item, level=level, reviewer_id=identity.user.id, decision=record, reason=reason
    )
    session.add(review)
    label = DECISION_LABELS[record]
    if action == "approve":
        label = f"{_level_label(level)}{label}"
    changelog.set_action(item, label)
    session.flush()
    if action == "reopen" and item.source_type == "target":
        from whirlwind.targets.services import item_reopened

        item_reopened(session, item)
    return review
