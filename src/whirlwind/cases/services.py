"""Clue services: intake (登记) and disposal (处置), domain.md §4.3–4.4.

Other areas call ``create_clue`` (an audit finding or a committee report transferred as a
clue; the historical import) and ``open_case`` / ``record_historical_case`` (re-exported
from ``whirlwind.cases.casework``). Every function takes the session and the acting user
(a ``User`` or an ``Identity``; only ``.id`` is read), raises a ``DomainError`` with a
Chinese message on bad input and never commits.

Disposal workflow (one ``ClueDisposal`` per step)::

    propose_disposal (拟办意见) ─> approve_disposal (审批/上会) ─┬─ 予以了结 / 移送: done at once
                               └> reject_disposal             ├─ 立案审查调查: opens a Case
                                                              └─ 谈话函询 / 初步核实 / 暂存待查: in progress
    record_response (谈话记录·函询回复 / 初核报告) ─> conclude_disposal(outcome)
        outcome closes the clue, transfers it, or proposes the next mode
        (再次谈话函询, 转初核, 拟立案, 暂存待查); 暂存待查 may be reviewed again (继续暂存).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

from sqlalchemy import func, select

from whirlwind import changelog, clock
from whirlwind.cases.casework import (  # noqa: F401 (open_case, record_historical_case: public API)
    SUBJECT_FIELDS,
    open_case,
    record_historical_case,
    stage_due,
    validate_handling,
)
from whirlwind.cases.limits import DEFAULT, Limits, add_days
from whirlwind.cases.models import (
    CLOSE_REASONS,
    MODE_OUTCOMES,
    OUTCOME_NEXT_MODE,
    Clue,
    ClueCategory,
    ClueDisposal,
    ClueReportedPerson,
    ClueStatus,
    DisposalMode,
    DisposalState,
    Outcome,
)
from whirlwind.cases.reference import POLITICAL_STATUSES
from whirlwind.db import utcnow
from whirlwind.errors import InvalidTransition, ValidationFailed
from whirlwind.guards import check_version
from whirlwind.orgs.models import Org
from whirlwind.persons.services import match_or_create
from whirlwind.reference.services import labels

ZERO = decimal.Decimal("0")

# Fields a caller may pass to ``create_clue`` through ``**extra``.
CLUE_EXTRA_FIELDS = frozenset(
    {
        "source_detail",
        "reporter_name",
        "reporter_unit",
        "reporter_phone",
        "is_anonymous",
        "field",
        "campaign",
        "is_important",
        "handling_way",
        "handling_org_id",
        "handler_id",
        "is_historical",
        "result_text",
        "status",
        "closed_on",
        "duplicate_of_id",
        "disposal_mode",
    }
)


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


def next_number(session, model, org: Org, prefix: str, year: int) -> str:
    """``<prefix><year>-<n>`` numbered per unit and year (线索编号 / 案件编号)."""
    stem = f"{prefix}{year}-"
    count = session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.org_id == org.id, model.number.like(stem + "%"))
    )
    n = (count or 0) + 1
    while True:
        number = f"{stem}{n:04d}"
        exists = session.scalar(
            select(model.id).where(model.org_id == org.id, model.number == number)
        )
        if exists is None:
            return number
        n += 1


def check_codes(session, kind: str, codes: Iterable[str], what: str) -> None:
    known = labels(session, kind)
    for code in codes:
        if code and code not in known:
            raise ValidationFailed(f"无效的{what}：{code}")


def add_reported_person(session, clue: Clue, data: dict) -> ClueReportedPerson:
    """Add one 被反映人 ({name, post, unit_name, political_status, identity[, role, org]})."""
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationFailed("被反映人姓名不能为空。", fields={"persons": "姓名必填"})
    status = (data.get("political_status") or "").strip()
    if status and status not in POLITICAL_STATUSES:
        raise ValidationFailed(f"无效的政治面貌：{status}")
    identity = (data.get("identity") or "").strip()
    check_codes(session, "subject_identity", [identity], "人员身份")
    org = data.get("org") or clue.org or session.get(Org, clue.org_id)
    person = match_or_create(
        session,
        name=name,
        org=org,
        unit_name=(data.get("unit_name") or "").strip(),
        post=(data.get("post") or "").strip(),
        political_status=status,
        identity=identity,
    )
    if any(p.person_id == person.id for p in clue.persons):
        raise ValidationFailed(f"被反映人“{person.name}”重复填写。")
    link = ClueReportedPerson(
        person_id=person.id,
        role=data.get("role") or ("main" if not clue.persons else "other"),
        name=person.name,
        post=(data.get("post") or "").strip() or person.post,
        unit_name=(data.get("unit_name") or "").strip() or person.unit_name,
        political_status=status or person.political_status,
        identity=identity or person.identity,
    )
    clue.persons.append(link)
    return link


def create_clue(
    session,
    actor,
    *,
    org: Org,
    source: str,
    received_date: dt.date,
    title: str,
    summary: str,
    full_text: str = "",
    persons=(),
    categories=(),
    amount_involved: decimal.Decimal = ZERO,
    origin_type: str = "",
    origin_id: int | None = None,
    number: str | None = None,
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
    **extra,
) -> Clue:
    """Register a clue (问题线索登记).

    ``org`` is the unit the problem is about (问题属地; jurisdiction follows it). ``persons``
    are dicts {name, post, unit_name, political_status, identity} (optionally ``role``
    "main"/"other" and ``org`` when the person works in another unit); each goes through
    ``persons.services.match_or_create``. ``categories`` are codes of "problem_category".
    ``origin_type``/``origin_id`` say where the clue came from (e.g. "finding", 42).
    ``number`` (线索编号) is generated per unit and year when not given.

    ``extra`` may set: source_detail, reporter_name/unit/phone, is_anonymous, field,
    campaign, is_important, handling_way, handling_org_id, handler_id, and for imported
    history is_historical=True, result_text (处理结果), status (a ``ClueStatus`` code),
    closed_on and disposal_mode.
    """
    unknown = set(extra) - CLUE_EXTRA_FIELDS
    if unknown:
        raise TypeError(f"create_clue: unknown fields {sorted(unknown)}")
    today = today or clock.today()
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("线索标题不能为空。", fields={"title": "必填"})
    if received_date is None:
        raise ValidationFailed("受理日期不能为空。", fields={"received_date": "必填"})
    if received_date > today:
        raise ValidationFailed("受理日期不能晚于今天。", fields={"received_date": "日期在未来"})
    check_codes(session, "clue_source", [source], "线索来源")
    if not source:
        raise ValidationFailed("线索来源不能为空。", fields={"source": "必填"})
    categories = list(dict.fromkeys(c for c in categories if c))
    check_codes(session, "problem_category", categories, "问题类别")
    check_codes(session, "clue_field", [extra.get("field", "")], "所属领域")
    check_codes(session, "handling_way", [extra.get("handling_way", "")], "办理方式")
    amount = decimal.Decimal(amount_involved or 0)
    if amount < 0:
        raise ValidationFailed("涉及金额不能为负数。", fields={"amount_involved": "不能为负数"})
    status = extra.pop("status", None) or ClueStatus.REGISTERED
    try:
        status = ClueStatus(status)
    except ValueError:
        raise ValidationFailed(f"无效的线索状态：{status}") from None
    number = (number or "").strip() or next_number(session, Clue, org, "XS", received_date.year)
    if session.scalar(select(Clue.id).where(Clue.org_id == org.id, Clue.number == number)):
        raise ValidationFailed(f"线索编号“{number}”在本单位已存在。", fields={"number": "编号重复"})
    clue = Clue(
        org_id=org.id,
        number=number,
        title=title,
        received_date=received_date,
        source=source,
        summary=(summary or "").strip(),
        full_text=(full_text or "").strip(),
        amount_involved=amount,
        origin_type=origin_type or "",
        origin_id=origin_id,
        status=status,
        created_by_id=_actor_id(actor),
        **{k: v for k, v in extra.items() if v is not None},
    )
    clue.org = org
    if status == ClueStatus.REGISTERED and not clue.is_historical:
        clue.due_date = add_days(received_date, limits.proposal_days)
    elif status in (ClueStatus.CLOSED, ClueStatus.TRANSFERRED, ClueStatus.DUPLICATE):
        clue.closed_on = clue.closed_on or received_date
    session.add(clue)
    for category in categories:
        clue.categories.append(ClueCategory(code=category))
    for data in persons:
        add_reported_person(session, clue, data)
    session.flush()
    return clue


def update_clue(session, actor, clue: Clue, *, version: int | None = None, **fields) -> Clue:
    """Edit the intake fields of a clue (not its status). ``version`` guards stale edits."""

    check_version(clue, version)
    allowed = CLUE_EXTRA_FIELDS - {"status", "closed_on", "is_historical", "disposal_mode"} | {
        "title",
        "summary",
        "full_text",
        "source",
        "received_date",
        "amount_involved",
    }
    categories = fields.pop("categories", None)
    for key in fields:
        if key not in allowed:
            raise TypeError(f"update_clue: {key}")
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationFailed("线索标题不能为空。", fields={"title": "必填"})
    received = fields.get("received_date", clue.received_date)
    if received is None or received > clock.today():
        raise ValidationFailed(
            "受理日期不能为空，也不能晚于今天。", fields={"received_date": "日期无效"}
        )
    if decimal.Decimal(fields.get("amount_involved", clue.amount_involved) or 0) < 0:
        raise ValidationFailed("涉及金额不能为负数。", fields={"amount_involved": "不能为负数"})
    check_codes(session, "clue_source", [fields.get("source", clue.source)], "线索来源")
    check_codes(session, "clue_field", [fields.get("field", "")], "所属领域")
    check_codes(session, "handling_way", [fields.get("handling_way", "")], "办理方式")
    if categories is not None:
        categories = list(dict.fromkeys(c for c in categories if c))
        check_codes(session, "problem_category", categories, "问题类别")
    # Every check passed: only now is anything changed.
    for key, value in fields.items():
        setattr(clue, key, value.strip() if isinstance(value, str) else value)
    if categories is not None and sorted(categories) != sorted(clue.category_codes):
        clue.categories[:] = [c for c in clue.categories if c.code in categories]
        have = {c.code for c in clue.categories}
        for code in categories:
            if code not in have:
                clue.categories.append(ClueCategory(code=code))
        # A change of categories alone is still a change of the clue.
        changelog.set_action(clue, "修改线索（问题类别：" + "、".join(categories) + "）")
        clue.updated_at = utcnow()
    session.flush()
    return clue


def mark_duplicate(session, actor, clue: Clue, original: Clue, *, on_date: dt.date) -> Clue:
    """重复件: the clue repeats ``original`` and is closed without its own disposal."""
    if original.id == clue.id:
        raise ValidationFailed("不能把线索标记为自身的重复件。")
    if clue.status not in (ClueStatus.REGISTERED, ClueStatus.PROPOSED):
        raise InvalidTransition("只有尚未处置的线索才能标记为重复件。")
    clue.duplicate_of_id = original.id
    clue.status = ClueStatus.DUPLICATE
    clue.closed_on = on_date
    clue.due_date = None
    for d in clue.disposals:
        if d.state == DisposalState.PROPOSED:
            d.state = DisposalState.REJECTED
    changelog.set_action(clue, f"标记为重复件（{original.number}）")
    session.flush()
    return clue


# --- Disposal --------------------------------------------------------------------------------


def _open_disposal(clue: Clue) -> ClueDisposal | None:
    for d in clue.disposals:
        if d.state in (DisposalState.PROPOSED, DisposalState.IN_PROGRESS):
            return d
    return None


def _last_date(clue: Clue) -> dt.date:
    dates = [clue.received_date]
    for d in clue.disposals:
        dates += [x for x in (d.proposed_on, d.approved_on, d.response_on, d.outcome_on) if x]
    return max(dates)


def _check_date(
    value: dt.date | None,
    *,
    not_before: dt.date,
    today: dt.date,
    what: str,
    before_what: str = "上一步的日期",
) -> None:
    if value is None:
        raise ValidationFailed(f"{what}不能为空。")
    if value < not_before:
        raise ValidationFailed(
            f"{what}（{value:%Y-%m-%d}）不能早于{before_what}（{not_before:%Y-%m-%d}）。"
        )
    if value > today:
        raise ValidationFailed(
            f"{what}（{value:%Y-%m-%d}）是已发生事项的日期，不能晚于今天（{today:%Y-%m-%d}）。"
        )


def check_separation(disposal: ClueDisposal, actor) -> None:
    """职责分离: whoever proposed a disposal (予以了结, 初步核实, 立案 …) does not approve it.
    In a unit with a single inspector, a user of the level above approves: the approval
    is open to every ``cases:approve`` user whose jurisdiction holds the clue."""
    actor_id = _actor_id(actor)
    if actor_id is not None and disposal.proposed_by_id == actor_id:
        mode = DisposalMode(disposal.mode)
        raise InvalidTransition(
            f"职责分离：拟办意见（{mode.label}）的提出人不能审批自己的拟办意见，须由本单位其他"
            "审批人员或上一级审批。"
        )


def propose_disposal(
    session,
    actor,
    clue: Clue,
    *,
    mode: str,
    opinion: str,
    proposed_on: dt.date,
    close_reason: str = "",
    transfer_to: str = "",
    today: dt.date | None = None,
) -> ClueDisposal:
    """拟办意见: propose one of the six disposal modes; it waits for approval."""
    today = today or clock.today()
    try:
        mode = DisposalMode(mode)
    except ValueError:
        raise ValidationFailed(f"无效的处置方式：{mode}") from None
    if clue.status not in (ClueStatus.REGISTERED,):
        raise InvalidTransition(f"线索当前状态为“{clue.status_label}”，不能再提出处置意见。")
    if _open_disposal(clue) is not None:
        raise InvalidTransition("该线索已有待审批或办理中的处置。")
    if not (opinion or "").strip():
        raise ValidationFailed("拟办意见不能为空。", fields={"opinion": "必填"})
    _check_date(
        proposed_on,
        not_before=_last_date(clue),
        today=today,
        what="拟办日期",
        before_what="受理或上一步处置的日期",
    )
    if mode == DisposalMode.CLOSE and close_reason not in CLOSE_REASONS:
        raise ValidationFailed(
            "予以了结须选择了结理由（反映不实、无法核实、已作处理或其他）。",
            fields={"close_reason": "必选"},
        )
    if mode == DisposalMode.TRANSFER and not (transfer_to or "").strip():
        raise ValidationFailed("移送须填写接收单位。", fields={"transfer_to": "必填"})
    disposal = ClueDisposal(
        mode=mode,
        state=DisposalState.PROPOSED,
        opinion=opinion.strip(),
        proposed_by_id=_actor_id(actor),
        proposed_on=proposed_on,
        close_reason=close_reason if mode == DisposalMode.CLOSE else "",
        transfer_to=(transfer_to or "").strip() if mode == DisposalMode.TRANSFER else "",
    )
    clue.disposals.append(disposal)
    clue.status = ClueStatus.PROPOSED
    clue.disposal_mode = mode
    changelog.set_action(clue, f"拟办意见：{mode.label}")
    session.flush()
    return disposal


def approve_disposal(
    session,
    actor,
    disposal: ClueDisposal,
    *,
    approved_on: dt.date,
    approval_way: str = "approval",
    note: str = "",
    case_fields: dict | None = None,
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
):
    """审批 (or 上会): the proposed mode starts. Returns the new ``Case`` for 立案审查调查,
    else the disposal. ``case_fields`` (number, title, case_type, investigators,
    review_unit) are passed to ``open_case``."""
    today = today or clock.today()
    clue = disposal.clue
    if disposal.state != DisposalState.PROPOSED:
        raise InvalidTransition("该处置意见不在待审批状态。")
    if approval_way not in ("approval", "meeting"):
        raise ValidationFailed("审批方式无效。")
    check_separation(disposal, actor)
    _check_date(
        approved_on,
        not_before=disposal.proposed_on,
        today=today,
        what="审批日期",
        before_what="拟办日期",
    )
    disposal.approved_by_id = _actor_id(actor)
    disposal.approved_on = approved_on
    disposal.approval_way = approval_way
    disposal.approval_note = (note or "").strip()
    mode = DisposalMode(disposal.mode)
    changelog.set_action(clue, f"审批同意：{mode.label}")
    result = disposal
    if mode == DisposalMode.TALK_INQUIRY:
        _start(
            clue, disposal, ClueStatus.TALK_INQUIRY, add_days(approved_on, limits.talk_inquiry_days)
        )
    elif mode == DisposalMode.VERIFICATION:
        _start(
            clue, disposal, ClueStatus.VERIFYING, add_days(approved_on, limits.verification_days)
        )
    elif mode == DisposalMode.SHELVE:
        _start(clue, disposal, ClueStatus.SHELVED, add_days(approved_on, limits.shelve_review_days))
    elif mode == DisposalMode.CLOSE:
        _finish(clue, disposal, Outcome.CLOSE, approved_on, ClueStatus.CLOSED)
    elif mode == DisposalMode.TRANSFER:
        _finish(clue, disposal, None, approved_on, ClueStatus.TRANSFERRED)
    elif mode == DisposalMode.OPEN_CASE:
        disposal.state = DisposalState.DONE
        disposal.outcome_on = approved_on
        session.flush()
        result = open_case(
            session,
            actor,
            clues=[clue],
            opened_on=approved_on,
            limits=limits,
            today=today,
            **(case_fields or {}),
        )
    session.flush()
    return result


def _start(clue: Clue, disposal: ClueDisposal, status: ClueStatus, due: dt.date) -> None:
    disposal.state = DisposalState.IN_PROGRESS
    disposal.due_date = due
    clue.status = status
    clue.due_date = due


def _finish(clue, disposal, outcome, on_date, status: ClueStatus) -> None:
    disposal.state = DisposalState.DONE
    if outcome is not None:
        disposal.outcome = outcome
    disposal.outcome_on = on_date
    clue.status = status
    clue.closed_on = on_date
    clue.due_date = None


def reject_disposal(
    session,
    actor,
    disposal: ClueDisposal,
    *,
    on_date: dt.date,
    note: str,
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
) -> ClueDisposal:
    """Not approved (不同意): the clue goes back to 已登记 for a new proposal."""
    today = today or clock.today()
    if disposal.state != DisposalState.PROPOSED:
        raise InvalidTransition("该处置意见不在待审批状态。")
    if not (note or "").strip():
        raise ValidationFailed("请填写不同意的理由。", fields={"note": "必填"})
    _check_date(on_date, not_before=disposal.proposed_on, today=today, what="审批日期")
    disposal.state = DisposalState.REJECTED
    disposal.approved_by_id = _actor_id(actor)
    disposal.approved_on = on_date
    disposal.approval_note = note.strip()
    clue = disposal.clue
    clue.status = ClueStatus.REGISTERED
    clue.disposal_mode = ""
    clue.due_date = add_days(on_date, limits.proposal_days)
    changelog.set_action(clue, "处置意见未获同意")
    session.flush()
    return disposal


def record_response(
    session,
    actor,
    disposal: ClueDisposal,
    *,
    response_on: dt.date,
    text: str,
    method: str = "",
    today: dt.date | None = None,
) -> ClueDisposal:
    """谈话函询: the talk record or the written reply (method "talk" / "letter");
    初步核实: the 初核报告 signed by the team."""
    today = today or clock.today()
    mode = DisposalMode(disposal.mode)
    if disposal.state != DisposalState.IN_PROGRESS or mode not in (
        DisposalMode.TALK_INQUIRY,
        DisposalMode.VERIFICATION,
    ):
        raise InvalidTransition("只有办理中的谈话函询或初步核实可以登记谈话/回复/初核报告。")
    if mode == DisposalMode.TALK_INQUIRY and method not in ("talk", "letter"):
        raise ValidationFailed("请选择谈话或函询。", fields={"method": "必选"})
    if not (text or "").strip():
        raise ValidationFailed("请填写谈话记录、函询回复或初核报告内容。", fields={"text": "必填"})
    _check_date(response_on, not_before=disposal.approved_on, today=today, what="回复/报告日期")
    disposal.method = method if mode == DisposalMode.TALK_INQUIRY else "report"
    disposal.response_on = response_on
    disposal.response_text = text.strip()
    changelog.set_action(
        disposal, "初核报告" if mode == DisposalMode.VERIFICATION else "函询回复/谈话记录"
    )
    session.flush()
    return disposal


def conclude_disposal(
    session,
    actor,
    disposal: ClueDisposal,
    *,
    outcome: str,
    outcome_on: dt.date,
    text: str = "",
    close_reason: str = "",
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
) -> ClueDisposal:
    """Record the outcome of 谈话函询 / 初步核实 / 暂存待查 (§4.4) and take the next step:
    close the clue, transfer it, or propose the next mode (returned as the new disposal)."""
    today = today or clock.today()
    clue = disposal.clue
    mode = DisposalMode(disposal.mode)
    if disposal.state != DisposalState.IN_PROGRESS:
        raise InvalidTransition("该处置不在办理中。")
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise ValidationFailed(f"无效的处置结果：{outcome}") from None
    if outcome not in MODE_OUTCOMES.get(mode, ()):
        allowed = "、".join(o.label for o in MODE_OUTCOMES.get(mode, ()))
        raise ValidationFailed(
            f"{mode.label}的结果只能是：{allowed}。", fields={"outcome": "不适用"}
        )
    if (
        mode in (DisposalMode.TALK_INQUIRY, DisposalMode.VERIFICATION)
        and disposal.response_on is None
    ):
        what = "初核报告" if mode == DisposalMode.VERIFICATION else "谈话记录或函询回复"
        raise InvalidTransition(f"请先登记{what}，再提出处置结果。")
    if outcome == Outcome.CLOSE and close_reason not in CLOSE_REASONS:
        raise ValidationFailed("予以了结须选择了结理由。", fields={"close_reason": "必选"})
    not_before = max(
        x for x in (disposal.approved_on, disposal.response_on, disposal.outcome_on) if x
    )
    _check_date(outcome_on, not_before=not_before, today=today, what="结果日期")
    text = (text or "").strip()
    if outcome == Outcome.KEEP_SHELVED:
        # A periodic review of a shelved clue that found nothing new: shelve again.
        disposal.reviews += 1
        disposal.outcome_on = outcome_on
        disposal.outcome_text = text
        disposal.due_date = add_days(outcome_on, limits.shelve_review_days)
        clue.due_date = disposal.due_date
        changelog.set_action(clue, "暂存待查复查：继续暂存")
        session.flush()
        return disposal
    disposal.outcome = outcome
    disposal.outcome_on = outcome_on
    disposal.outcome_text = text
    disposal.close_reason = close_reason if outcome == Outcome.CLOSE else ""
    disposal.state = DisposalState.DONE
    changelog.set_action(clue, f"{mode.label}结果：{outcome.label}")
    next_mode = OUTCOME_NEXT_MODE.get(outcome)
    if next_mode is not None:
        follow = ClueDisposal(
            mode=next_mode,
            state=DisposalState.PROPOSED,
            opinion=text or f"{mode.label}结果：{outcome.label}，拟{next_mode.label}。",
            proposed_by_id=_actor_id(actor),
            proposed_on=outcome_on,
        )
        clue.disposals.append(follow)
        clue.status = ClueStatus.PROPOSED
        clue.disposal_mode = next_mode
        clue.due_date = add_days(outcome_on, limits.proposal_days)
        session.flush()
        return follow
    if outcome == Outcome.TRANSFER_PARTY:
        clue.status = ClueStatus.TRANSFERRED
    else:
        clue.status = ClueStatus.CLOSED
    clue.closed_on = outcome_on
    clue.due_date = None
    session.flush()
    return disposal
