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
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, func, literal, or_, select, text, union_all

from whirlwind import changelog
from whirlwind.cases.casework import (  # noqa: F401 (open_case, record_historical_case: public API)
    SUBJECT_FIELDS,
    open_case,
    record_historical_case,
    stage_due,
    validate_handling,
)
from whirlwind.cases.limits import DEFAULT, Limits, add_days
from whirlwind.cases.models import (
    CASE_OPEN_STAGES,
    CLOSE_REASONS,
    MODE_OUTCOMES,
    OUTCOME_NEXT_MODE,
    Case,
    CaseClue,
    CaseStage,
    CaseStageEvent,
    CaseSubject,
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
from whirlwind.errors import DomainError, InvalidTransition, ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person
from whirlwind.persons.services import match_or_create, normalize_name
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
    today = today or dt.date.today()
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
    from whirlwind.errors import StaleVersion

    if version is not None and int(version) != clue.version:
        raise StaleVersion()
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
    if received is None or received > dt.date.today():
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


def _check_date(value: dt.date | None, *, not_before: dt.date, today: dt.date, what: str) -> None:
    if value is None:
        raise ValidationFailed(f"{what}不能为空。")
    if value < not_before:
        raise ValidationFailed(f"{what}不能早于 {not_before:%Y-%m-%d}（上一步的日期）。")
    if value > today:
        raise ValidationFailed(f"{what}不能晚于今天。")


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
    today = today or dt.date.today()
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
    _check_date(proposed_on, not_before=_last_date(clue), today=today, what="拟办日期")
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
    today = today or dt.date.today()
    clue = disposal.clue
    if disposal.state != DisposalState.PROPOSED:
        raise InvalidTransition("该处置意见不在待审批状态。")
    if approval_way not in ("approval", "meeting"):
        raise ValidationFailed("审批方式无效。")
    _check_date(approved_on, not_before=disposal.proposed_on, today=today, what="审批日期")
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
    today = today or dt.date.today()
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
    today = today or dt.date.today()
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
    today = today or dt.date.today()
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


# --- Historical import in bulk ---------------------------------------------------------------


@dataclass
class HistoricalRecord:
    """One clue of the historical import (历史线索/案件导入), with its case when it has one.

    Without ``opened_on`` the clue is in status ``stage`` (a ``ClueStatus`` code, default
    已登记); ``closed_on`` is its closing date when that status is closed, transferred or
    duplicate (else the receiving date is used). With ``opened_on`` the clue is 已立案 and its
    case is now in stage ``stage`` (a ``CaseStage`` code); ``closed_on`` is the case's 结案归档
    date when ``stage`` is "closed". ``persons`` are the names of the 被反映人, each with
    ``post`` and ``unit_name``, working in ``org`` (the unit of the clue). ``number`` (线索编号)
    is required. ``label`` prefixes the record's error messages (e.g. "第 5 行").
    """

    org: Org
    number: str
    title: str
    summary: str
    source: str
    received_date: dt.date
    persons: Sequence[str] = ()
    post: str = ""
    unit_name: str = ""
    categories: Sequence[str] = ()
    amount_involved: decimal.Decimal = ZERO
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    stage: str = ""
    result_text: str = ""
    label: str = ""


class _Row:
    """A row to insert: its column values (a value may be another ``_Row``, whose id it
    takes once inserted) and its id once inserted."""

    __slots__ = ("id", "values")

    def __init__(self, values: dict, id: int | None = None):
        self.values = values
        self.id = id


class _Person:
    """A person as ``match_or_create`` would see it during the batch."""

    __slots__ = ("identity", "name", "org_id", "political_status", "post", "row", "unit_name")

    def __init__(self, row, name, org_id, unit_name, post, political_status, identity):
        self.row = row
        self.name = name
        self.org_id = org_id
        self.unit_name = unit_name
        self.post = post
        self.political_status = political_status
        self.identity = identity


# The columns of the bulk-written rows that point at rows of the same batch.
_BATCH_KEYS = {
    ClueCategory: ("clue_id",),
    ClueReportedPerson: ("clue_id", "person_id"),
    CaseClue: ("case_id", "clue_id"),
    CaseSubject: ("case_id", "person_id"),
    CaseStageEvent: ("case_id",),
}


def _resolve(model, values: dict) -> dict:
    """``values`` with the ``_Row`` values replaced by their ids."""
    for key in _BATCH_KEYS.get(model, ()):
        value = values[key]
        if isinstance(value, _Row):
            values[key] = value.id
    return values


def _column_defaults(model, now: dt.datetime) -> dict:
    """Every column of ``model`` but the primary key, at its default (as a flush fills it)."""
    values = {}
    for column in model.__table__.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_scalar:
            values[column.key] = default.arg
        elif column.key in ("created_at", "updated_at"):
            values[column.key] = now
        else:  # pragma: no cover - a new kind of default needs a decision here
            raise TypeError(f"{model.__name__}.{column.key}: unsupported default")
    return values


def _batches(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The tables the bulk import writes; the tables their foreign keys point at are checked on
# every inserted row.
_BULK_MODELS = (
    Person,
    Clue,
    ClueCategory,
    ClueReportedPerson,
    Case,
    CaseClue,
    CaseSubject,
    CaseStageEvent,
)


def _refresh_planner_statistics(conn) -> None:
    """PostgreSQL: ANALYZE the tables that a bulk import's foreign-key checks read when they
    have grown well past what the planner knows of them (more rows changed since the last
    ANALYZE than it counted then, plus 500: the first import into a new installation, or a
    server whose autovacuum is off or behind). A check planned for a table thought empty
    scans the whole table for every inserted row; after the ANALYZE it uses the primary key.
    Tables the user does not own are skipped by PostgreSQL with a warning."""
    if conn.dialect.name != "postgresql":
        return
    names = sorted(
        {fk.column.table.name for model in _BULK_MODELS for fk in model.__table__.foreign_keys}
    )
    stale = (
        conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
                " WHERE c.relname IN :names AND c.relnamespace = to_regnamespace(current_schema())"
                " AND s.n_mod_since_analyze > GREATEST(c.reltuples, 0) + 500"
            ).bindparams(bindparam("names", expanding=True)),
            {"names": names},
        )
        .scalars()
        .all()
    )
    if stale:
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql("ANALYZE " + ", ".join(quote(name) for name in sorted(stale)))


def _new_ids(conn, table, n: int) -> list[int]:
    """``n`` new ids of ``table``, ascending, the ones its inserts would take one by one.
    On SQLite (the next rowid after the largest) the caller holds the write lock
    (``changelog.lock``), so that nobody inserts meanwhile; PostgreSQL hands them out from
    the table's sequence."""
    if conn.dialect.name == "postgresql":
        stmt = select(func.nextval(func.pg_get_serial_sequence(table.name, "id"))).select_from(
            func.generate_series(1, n)
        )
        return sorted(conn.scalars(stmt))
    if conn.dialect.name != "sqlite" or table.dialect_options["sqlite"]["autoincrement"]:
        raise NotImplementedError(f"new ids of {table.name} on {conn.dialect.name}")
    last = conn.scalar(select(func.max(table.c.id))) or 0
    return list(range(last + 1, last + n + 1))


_PAIRS = 25  # (a, b) pairs per statement (psycopg caches the parsing of 50 parameters)


@functools.cache
def _pairs_statement(table, first: str, second: str, columns: tuple[str, ...], unmerged: bool):
    """SELECT ``columns`` of the rows whose (``first``, ``second``) is one of _PAIRS pairs
    given as parameters a0, b0, a1, b1 …: each pair one lookup in the index on the two
    columns, in one statement that compiles once."""
    stmt = select(*(table.c[c] for c in columns)).where(
        or_(
            *(
                and_(table.c[first] == bindparam(f"a{i}"), table.c[second] == bindparam(f"b{i}"))
                for i in range(_PAIRS)
            )
        )
    )
    if unmerged:
        stmt = stmt.where(table.c.merged_into_id.is_(None))
    return stmt.order_by(table.c.id)


def _rows_for_pairs(conn, table, first, second, pairs, columns, *, unmerged=False) -> list:
    """The rows of ``table`` whose (``first``, ``second``) is in ``pairs``, by id within
    each statement of _PAIRS pairs."""
    pairs = list(dict.fromkeys(pairs))
    found = []
    for part in _batches(pairs, _PAIRS):
        part = part + part[-1:] * (_PAIRS - len(part))  # the same statement every time
        params = {}
        for i, (a, b) in enumerate(part):
            params[f"a{i}"] = a
            params[f"b{i}"] = b
        stmt = _pairs_statement(table, first, second, tuple(columns), unmerged)
        found.extend(conn.execute(stmt, params))
    return found


def taken_clue_numbers(session, keys) -> set[tuple[int, str]]:
    """The (unit id, 线索编号) of ``keys`` that a clue already has."""
    table = Clue.__table__
    rows = _rows_for_pairs(
        session.connection(), table, "org_id", "number", keys, ("org_id", "number")
    )
    return {(org_id, number) for org_id, number in rows}


class _CaseNumbers:
    """``next_number(session, Case, org, "AJ", year)`` for a batch of new cases, in order:
    the counts per (unit, year) COUNTS at a time, then the candidate numbers checked in
    one more lookup (another only when one of them was taken)."""

    PREFIX = "AJ"
    COUNTS = 20  # (unit, year) pairs per statement (psycopg caches the parsing of 4 kB)

    def __init__(self, conn, wanted: list[tuple[int, int]]):
        self.conn = conn
        self.counts: dict[tuple[int, int], int] = {}
        pairs = list(dict.fromkeys(wanted))
        for part in _batches(pairs, self.COUNTS):
            # Always COUNTS pairs (the last repeated): one statement, compiled once.
            part = part + part[-1:] * (self.COUNTS - len(part))
            params = {}
            for i, (org_id, year) in enumerate(part):
                params[f"org_{i}"] = org_id
                params[f"stem_{i}"] = f"{self.PREFIX}{year}-%"
            for i, count in conn.execute(self._count_statement(), params):
                self.counts[part[i]] = count or 0
        need: dict[tuple[int, int], int] = {}
        for pair in wanted:
            need[pair] = need.get(pair, 0) + 1
        candidates = [
            (org_id, self._number(year, n))
            for (org_id, year), k in need.items()
            for n in range(self.counts[(org_id, year)] + 1, self.counts[(org_id, year)] + k + 1)
        ]
        self.checked: set[tuple[int, str]] = set(candidates)
        self.taken: set[tuple[int, str]] = set()
        self._load_taken(candidates)

    @classmethod
    @functools.cache
    def _count_statement(cls):
        """``next_number``'s count for COUNTS (unit, stem) pairs, as one statement."""
        table = Case.__table__
        return union_all(
            *(
                select(literal(i), func.count())
                .select_from(table)
                .where(
                    table.c.org_id == bindparam(f"org_{i}"),
                    table.c.number.like(bindparam(f"stem_{i}")),
                )
                for i in range(cls.COUNTS)
            )
        )

    def _number(self, year: int, n: int) -> str:
        return f"{self.PREFIX}{year}-{n:04d}"

    def _load_taken(self, candidates: list[tuple[int, str]]) -> None:
        self.taken.update(
            (org_id, number)
            for org_id, number in _rows_for_pairs(
                self.conn, Case.__table__, "org_id", "number", candidates, ("org_id", "number")
            )
        )

    def next(self, org_id: int, year: int) -> str:
        n = self.counts[(org_id, year)] + 1
        while True:
            key = (org_id, self._number(year, n))
            if key not in self.checked:  # numbers beyond the expected ones were taken
                self.checked.add(key)
                self._load_taken([key])
            if key not in self.taken:
                break
            n += 1
        self.taken.add(key)
        self.counts[(org_id, year)] += 1
        return key[1]


def _diff(model, before: dict, after: dict) -> dict:
    """The logged changes between two states of a record (as a flush would log them)."""
    changes = {}
    for key in changelog.logged_keys(model):
        old, new = changelog.jsonable(before.get(key)), changelog.jsonable(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def import_historical(
    session,
    actor,
    records: Iterable[HistoricalRecord],
    *,
    today: dt.date | None = None,
) -> list[int]:
    """Write historical clues and cases in bulk; returns the new clues' ids.

    Each record is written as ``create_clue`` (is_historical, its persons through
    ``match_or_create``) and, with ``opened_on``, ``record_historical_case`` from that clue
    would write it, and under the same rules and messages: the same rows and versions, the
    same change-log entries for every record and a search outbox row for every clue and
    case. The batch is checked first (the first bad record raises ``ValidationFailed``,
    prefixed by its label, before any row is written); then each table gets one insert
    of all its rows (``changelog.insert_rows``), and the change log one append. Records are written in their order, so a
    later record sees the persons and case numbers of an earlier one; the persons, numbers
    and case-number counts of the batch are read in a few statements (no query per row).
    Runs in the caller's transaction and never commits.

    The services' writes for one record are spread over several flushes (autoflushes as
    they load what they need), and each flush logs what changed since the previous one:
    e.g. a case is logged as created in investigation, then 立案, then its stage. This
    function writes the same rows per record (see tests/search/test_import_bulk.py).
    """
    today = today or dt.date.today()
    records = list(records)
    if not records:
        return []
    for record in records:
        if not (record.number or "").strip():
            raise ValueError("import_historical: every record needs its number (线索编号)")
    session.flush()  # pending changes of the session are logged before the batch
    changelog.lock(session)  # new ids are taken before the inserts
    conn = session.connection()
    _refresh_planner_statistics(conn)
    actor_id = _actor_id(actor)
    now = utcnow()

    sources = labels(session, "clue_source")
    problem_categories = labels(session, "problem_category")
    # Numbers already taken in their unit (create_clue refuses them).
    taken_numbers = taken_clue_numbers(session, [(r.org.id, r.number.strip()) for r in records])

    # The persons match_or_create would find: the first unmerged one per name and unit.
    people: dict[tuple[str, int], _Person] = {}
    wanted = [(normalize_name(n), r.org.id) for r in records for n in r.persons]
    for pid, name, org_id, unit_name, post, status, identity, version in _rows_for_pairs(
        conn,
        Person.__table__,
        "name",
        "org_id",
        [key for key in wanted if key[0]],
        ("id", "name", "org_id", "unit_name", "post", "political_status", "identity", "version"),
        unmerged=True,
    ):
        if (name, org_id) not in people:
            row = _Row({"version": version}, pid)
            people[(name, org_id)] = _Person(row, name, org_id, unit_name, post, status, identity)
    case_numbers = _CaseNumbers(
        conn, [(r.org.id, r.opened_on.year) for r in records if r.opened_on is not None]
    )

    defaults = {model: _column_defaults(model, now) for model in _BULK_MODELS}
    inserts: dict[type, list[_Row]] = {model: [] for model in _BULK_MODELS}
    person_updates: dict[int, tuple[_Row, str]] = {}  # existing persons whose post was blank
    entries: list[tuple] = []  # (model, row, org_id, action, changes | snapshot to create)
    search: list[tuple[str, _Row]] = []

    def created(model, row: _Row, org_id, action: str = "create", *, changing=False) -> None:
        # The values as the record is first flushed (a copy when later steps of the batch
        # change them); the changes are computed once the ids are known.
        entries.append(
            (model, row, org_id, action, dict(row.values) if changing else row.values, None)
        )

    def updated(model, row: _Row, org_id, action: str, changes: dict) -> None:
        entries.append((model, row, org_id, action, None, changes))

    for record in records:
        try:
            org = record.org
            # create_clue's checks, in its order.
            title = (record.title or "").strip()
            if not title:
                raise ValidationFailed("线索标题不能为空。", fields={"title": "必填"})
            received = record.received_date
            if received is None:
                raise ValidationFailed("受理日期不能为空。", fields={"received_date": "必填"})
            if received > today:
                raise ValidationFailed(
                    "受理日期不能晚于今天。", fields={"received_date": "日期在未来"}
                )
            if record.source and record.source not in sources:
                raise ValidationFailed(f"无效的线索来源：{record.source}")
            if not record.source:
                raise ValidationFailed("线索来源不能为空。", fields={"source": "必填"})
            codes = list(dict.fromkeys(c for c in record.categories if c))
            for code in codes:
                if code not in problem_categories:
                    raise ValidationFailed(f"无效的问题类别：{code}")
            amount = decimal.Decimal(record.amount_involved or 0)
            if amount < 0:
                raise ValidationFailed(
                    "涉及金额不能为负数。", fields={"amount_involved": "不能为负数"}
                )
            opened = record.opened_on
            status = ClueStatus.CASE_OPENED if opened else (record.stage or ClueStatus.REGISTERED)
            try:
                status = ClueStatus(status)
            except ValueError:
                raise ValidationFailed(f"无效的线索状态：{status}") from None
            number = record.number.strip()
            if (org.id, number) in taken_numbers:
                raise ValidationFailed(
                    f"线索编号“{number}”在本单位已存在。", fields={"number": "编号重复"}
                )
            taken_numbers.add((org.id, number))
            closed_on = None
            if status in (ClueStatus.CLOSED, ClueStatus.TRANSFERRED, ClueStatus.DUPLICATE):
                closed_on = record.closed_on if opened is None else None
                closed_on = closed_on or received
            clue = _Row(
                defaults[Clue]
                | {
                    "org_id": org.id,
                    "number": number,
                    "title": title,
                    "received_date": received,
                    "source": record.source,
                    "summary": (record.summary or "").strip(),
                    "amount_involved": amount,
                    "status": status,
                    "closed_on": closed_on,
                    "is_historical": True,
                    "result_text": record.result_text,
                    "created_by_id": actor_id,
                }
            )
            inserts[Clue].append(clue)
            created(Clue, clue, org.id)
            search.append(("clue", clue))
            for code in codes:
                inserts[ClueCategory].append(
                    _Row(defaults[ClueCategory] | {"clue_id": clue, "code": code})
                )

            # add_reported_person for each name.
            post = (record.post or "").strip()
            unit_name = (record.unit_name or "").strip()
            links: list[tuple[_Row, _Person]] = []
            linked: set[_Person] = set()
            for raw in record.persons:
                if not (raw or "").strip():
                    raise ValidationFailed("被反映人姓名不能为空。", fields={"persons": "姓名必填"})
                name = normalize_name(raw)
                person = people.get((name, org.id))
                filled = None
                if person is None:
                    prow = _Row(
                        defaults[Person]
                        | {
                            "name": name,
                            "org_id": org.id,
                            "unit_name": unit_name or org.name,
                            "post": post,
                            "political_status": "",
                            "identity": "",
                            "version": 1,
                        }
                    )
                    person = people[(name, org.id)] = _Person(
                        prow, name, org.id, unit_name or org.name, post, "", ""
                    )
                    inserts[Person].append(prow)
                    created(Person, prow, org.id, changing=True)
                elif post and not person.post:
                    filled = [person.post, post]
                    person.post = post
                    person.row.values["version"] += 1
                    if person.row.id is None:
                        person.row.values["post"] = post
                    else:
                        person_updates[person.row.id] = (person.row, post)
                if person in linked:
                    raise ValidationFailed(f"被反映人“{person.name}”重复填写。")
                link = _Row(
                    defaults[ClueReportedPerson]
                    | {
                        "clue_id": clue,
                        "person_id": person.row,
                        "role": "other" if links else "main",
                        "name": person.name,
                        "post": post or person.post,
                        "unit_name": unit_name or person.unit_name,
                        "political_status": person.political_status,
                        "identity": person.identity,
                    }
                )
                links.append((link, person))
                linked.add(person)
                inserts[ClueReportedPerson].append(link)
                created(ClueReportedPerson, link, None)
                if filled is not None:
                    updated(Person, person.row, org.id, "update", {"post": filled})
            if opened is None:
                continue

            # record_historical_case (open_case from the clue, then the stage it is in).
            try:
                target = CaseStage(record.stage)
            except ValueError:
                raise ValidationFailed(f"无效的案件阶段：{record.stage}") from None
            if opened > today:
                raise ValidationFailed("立案日期不能晚于今天。", fields={"opened_on": "日期在未来"})
            if opened < received:
                raise ValidationFailed(f"立案日期不能早于线索 {number} 的受理日期。")
            case = _Row(
                defaults[Case]
                | {
                    "org_id": org.id,
                    "number": case_numbers.next(org.id, opened.year),
                    "title": title,
                    "case_type": "both",
                    "summary": (record.summary or "").strip(),
                    "stage": CaseStage.INVESTIGATION,
                    "opened_on": opened,
                    "source": record.source,
                    "amount_involved": amount
                    if record.amount_involved is None
                    else decimal.Decimal(record.amount_involved),
                    "is_historical": True,
                    "result_text": record.result_text or "",
                    "created_by_id": actor_id,
                }
            )
            inserts[Case].append(case)
            inserts[CaseClue].append(_Row(defaults[CaseClue] | {"case_id": case, "clue_id": clue}))
            opening = dict(case.values)
            search.append(("case", case))
            subjects = []
            for link, person in links:
                subject = _Row(
                    defaults[CaseSubject]
                    | {
                        "case_id": case,
                        "person_id": person.row,
                        "post": link.values["post"] or person.post,
                        "political_status": link.values["political_status"]
                        or person.political_status,
                        "identity": link.values["identity"] or person.identity,
                    }
                )
                subjects.append(subject)
            event = _Row(
                defaults[CaseStageEvent]
                | {
                    "case_id": case,
                    "stage": CaseStage.INVESTIGATION,
                    "on_date": opened,
                    "note": "立案",
                    "actor_id": actor_id,
                }
            )
            inserts[CaseStageEvent].append(event)
            # open_case flushes the case (loading the clue's persons) before its subjects,
            # then the clue, then the 立案 stage event with the case's 立案.
            created(Case, case, org.id, changing=True)
            for subject in subjects:
                created(CaseSubject, subject, org.id, changing=True)
            updated(Clue, clue, org.id, "立案审查调查", {})
            created(CaseStageEvent, event, org.id)
            updated(Case, case, org.id, "立案", {})
            clue.values["version"] = 2
            case.values["version"] = 3

            values = case.values
            last_stage, last_date = CaseStage.INVESTIGATION, opened
            on = record.closed_on if record.stage == CaseStage.CLOSED else None
            if on is not None:
                if on < last_date:
                    raise ValidationFailed(
                        f"{CaseStage.CLOSED.label}日期（{on:%Y-%m-%d}）不能早于"
                        f"{last_stage.label}日期（{last_date:%Y-%m-%d}）。"
                    )
                if on > today:
                    raise ValidationFailed(f"{CaseStage.CLOSED.label}日期不能晚于今天。")
                values["closed_on"] = on
                closing = _Row(
                    defaults[CaseStageEvent]
                    | {
                        "case_id": case,
                        "stage": CaseStage.CLOSED,
                        "on_date": on,
                        "note": "历史案件导入",
                        "actor_id": actor_id,
                    }
                )
                inserts[CaseStageEvent].append(closing)
                created(CaseStageEvent, closing, org.id)
                last_stage, last_date = CaseStage.CLOSED, on
            if target == CaseStage.REVOKED:
                values["revoked_on"] = last_date
            elif target == CaseStage.CLOSED and values["closed_on"] is None:
                raise ValidationFailed("已结案的历史案件须填写结案日期。")
            values["stage"] = target
            state = SimpleNamespace(**{k: values.get(k) for k in ("opened_on", "stage")})
            state.extension_days = values["extension_days"]
            state.review_on = state.decision_on = state.announced_on = None
            due = None if target not in CASE_OPEN_STAGES else stage_due(state, DEFAULT)
            values["due_date"] = due
            updated(Case, case, org.id, "update", _diff(Case, opening, values))
            for subject in subjects:
                # The subject's handling is its 职务 as written (``post`` of the person dict).
                checked = {key: subject.values.get(key) for key in SUBJECT_FIELDS}
                checked["post"] = post
                checked.setdefault("decision_on", values["decision_on"])
                validate_handling(session, checked, case=SimpleNamespace(opened_on=opened))
                before = subject.values["post"]
                subject.values["post"] = post
                subject.values["version"] = 2
                if before != post:
                    updated(CaseSubject, subject, org.id, "update", {"post": [before, post]})
                inserts[CaseSubject].append(subject)
        except DomainError as e:
            message = f"{record.label}：{e.message}" if record.label else e.message
            raise ValidationFailed(message, fields=e.fields) from e

    # One insert per table, in the order of their foreign keys; the rows the change log
    # names get their ids first.
    for model in _BULK_MODELS:
        rows = inserts[model]
        if rows and model not in (ClueCategory, CaseClue):
            for row, new_id in zip(rows, _new_ids(conn, model.__table__, len(rows)), strict=True):
                row.id = row.values["id"] = new_id
        changelog.insert_rows(conn, model.__table__, [_resolve(model, r.values) for r in rows])
    if person_updates:
        _update_persons(session, conn, list(person_updates.values()), now)

    log = []
    for model, row, org_id, action, snapshot, changes in entries:
        if snapshot is not None:
            snapshot["id"] = row.id
            changes = changelog.creation_json(model, _resolve(model, snapshot))
        log.append(
            {
                "record_type": model.record_type,
                "record_id": row.id,
                "org_id": org_id,
                "action": action,
                "changes": changes,
            }
        )
    changelog.append(session, log, [(kind, row.id, "upsert") for kind, row in search])
    return [row.id for row in inserts[Clue]]


def _update_persons(session, conn, updates: list[tuple[_Row, str]], now: dt.datetime) -> None:
    """Fill the blank 职务 of existing persons (as ``match_or_create`` does), each a new
    version; a person changed meanwhile by someone else is a stale version."""
    from sqlalchemy import update
    from sqlalchemy.orm.util import identity_key

    from whirlwind.errors import StaleVersion

    table = Person.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("pid"), table.c.version == bindparam("old_version"))
        .values(post=bindparam("new_post"), version=bindparam("new_version"), updated_at=now)
    )
    params = [
        {
            "pid": row.id,
            "old_version": row.values["version"] - 1,
            "new_post": post,
            "new_version": row.values["version"],
        }
        for row, post in updates
    ]
    result = conn.execute(stmt, params)
    if result.rowcount != len(params):
        raise StaleVersion()
    for row, _post in updates:  # objects of the session must not keep the old version
        obj = session.identity_map.get(identity_key(Person, row.id))
        if obj is not None:
            session.expire(obj)
