"""Case services (案件): opening, stages, per-person handling, public naming and
以案促改, domain.md §4.5, §5.20–5.23.

Stages move one at a time in the order of ``STAGE_ORDER`` (审查调查 → 审理 → 处分决定 →
宣布送达 → 执行 → 结案归档); a stage can neither be skipped nor dated before the stage
before it. 撤销案件 ends a case from any open stage.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

from sqlalchemy import select

from whirlwind import changelog, clock
from whirlwind.cases.limits import DEFAULT, Limits, add_days
from whirlwind.cases.models import (
    CASE_OPEN_STAGES,
    CASE_TYPES,
    FOUR_FORMS,
    STAGE_DATE_FIELDS,
    STAGE_ORDER,
    Case,
    CaseClue,
    CaseStage,
    CaseStageEvent,
    CaseSubject,
    Clue,
    ClueStatus,
    PublicNotice,
    PublicNoticeEntry,
)
from whirlwind.cases.reference import (
    HEAVY_PARTY_SANCTIONS,
    LIGHT_PARTY_SANCTIONS,
    PARTY_STATUSES,
    POLITICAL_STATUSES,
    VILLAGE_IDENTITIES,
    VILLAGE_STATE_SANCTIONS,
)
from whirlwind.errors import InvalidTransition, ValidationFailed
from whirlwind.guards import check_version
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person
from whirlwind.persons.services import match_or_create
from whirlwind.reference.services import labels

ZERO = decimal.Decimal("0")
AMOUNT_FIELDS = ("amount_involved", "illegal_gains", "confiscated", "ordered_returned", "recovered")
AMOUNT_LABELS = {
    "amount_involved": "涉及金额",
    "illegal_gains": "违纪违法所得",
    "confiscated": "收缴金额",
    "ordered_returned": "责令退赔金额",
    "recovered": "挽回损失",
}
SUBJECT_FIELDS = frozenset(
    {
        "post",
        "political_status",
        "identity",
        "four_form",
        "first_form_measure",
        "party_sanction",
        "state_sanction",
        "org_handling",
        "to_prosecution",
        "prosecution_on",
        *AMOUNT_FIELDS,
        "decision_number",
        "decision_on",
        "announced_on",
        "execution_report_on",
        "appeal_status",
        "note",
    }
)


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


def _stage(value) -> CaseStage:
    try:
        return CaseStage(value)
    except ValueError:
        raise ValidationFailed(f"无效的案件阶段：{value}") from None


def stage_due(case: Case, limits: Limits) -> dt.date | None:
    """The time limit of the case's current stage (§4.5, §6)."""
    stage = CaseStage(case.stage)
    if stage == CaseStage.INVESTIGATION:
        return add_days(case.opened_on, limits.investigation_days + (case.extension_days or 0))
    if stage == CaseStage.REVIEW and case.review_on:
        return add_days(case.review_on, limits.review_days)
    if stage == CaseStage.DECISION and case.decision_on:
        return add_days(case.decision_on, limits.announce_days)
    if stage == CaseStage.ANNOUNCED and case.announced_on:
        return add_days(case.announced_on, limits.execution_days)
    return None


def _add_subject(session, case: Case, org: Org, data: dict) -> CaseSubject:
    name = (data.get("name") or "").strip()
    person = data.get("person")
    if person is None:
        if not name:
            raise ValidationFailed("被审查调查人姓名不能为空。")
        person = match_or_create(
            session,
            name=name,
            org=data.get("org") or org,
            unit_name=(data.get("unit_name") or "").strip(),
            post=(data.get("post") or "").strip(),
            political_status=(data.get("political_status") or "").strip(),
            identity=(data.get("identity") or "").strip(),
        )
    if any(s.person_id == person.id for s in case.subjects):
        raise ValidationFailed(f"“{person.name}”已是本案被审查调查人。")
    subject = CaseSubject(
        person_id=person.id,
        post=(data.get("post") or "").strip() or person.post,
        political_status=(data.get("political_status") or "").strip() or person.political_status,
        identity=(data.get("identity") or "").strip() or person.identity,
    )
    subject.person = person
    case.subjects.append(subject)
    return subject


def _subject_for(session, case: Case, org: Org, data: dict) -> CaseSubject:
    """The case's subject for this person (already there from a clue), else a new one."""
    name = (data.get("name") or "").strip()
    if name and data.get("person") is None:
        person = match_or_create(
            session,
            name=name,
            org=data.get("org") or org,
            unit_name=(data.get("unit_name") or "").strip(),
            post=(data.get("post") or "").strip(),
            political_status=(data.get("political_status") or "").strip(),
            identity=(data.get("identity") or "").strip(),
        )
        for subject in case.subjects:
            if subject.person_id == person.id:
                return subject
        data = dict(data, person=person)
    return _add_subject(session, case, org, data)


def open_case(
    session,
    actor,
    *,
    opened_on: dt.date,
    clues: Iterable[Clue] = (),
    org: Org | None = None,
    title: str | None = None,
    number: str | None = None,
    case_type: str = "both",
    investigators: str = "",
    review_unit: str = "",
    summary: str = "",
    persons: Iterable[dict] = (),
    source: str | None = None,
    amount_involved: decimal.Decimal | None = None,
    is_historical: bool = False,
    result_text: str = "",
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
) -> Case:
    """立案: open a case in stage 审查调查.

    From clues (the usual way, called by ``approve_disposal`` for 立案审查调查): the case takes
    the first clue's unit, title, source and persons (every 被反映人 becomes a
    ``CaseSubject``) and the clues move to 已立案. Without clues give ``org``, ``title`` and
    ``persons`` (dicts as for ``create_clue``). ``number`` (案件编号) is generated per unit and
    year when not given.
    """
    from whirlwind.cases.services import next_number

    today = today or clock.today()
    clues = list(clues)
    if org is None:
        if not clues:
            raise ValidationFailed("立案须指定问题属地单位或来源线索。")
        org = clues[0].org or session.get(Org, clues[0].org_id)
    if opened_on is None:
        raise ValidationFailed("立案日期不能为空。", fields={"opened_on": "必填"})
    if opened_on > today:
        raise ValidationFailed("立案日期不能晚于今天。", fields={"opened_on": "日期在未来"})
    for clue in clues:
        if opened_on < clue.received_date:
            raise ValidationFailed(f"立案日期不能早于线索 {clue.number} 的受理日期。")
    if case_type not in CASE_TYPES:
        raise ValidationFailed(f"无效的案件类型：{case_type}")
    title = (title or "").strip() or (clues[0].title if clues else "")
    if not title:
        raise ValidationFailed("案件名称不能为空。", fields={"title": "必填"})
    number = (number or "").strip() or next_number(session, Case, org, "AJ", opened_on.year)
    if session.scalar(select(Case.id).where(Case.org_id == org.id, Case.number == number)):
        raise ValidationFailed(f"案件编号“{number}”在本单位已存在。", fields={"number": "编号重复"})
    if amount_involved is None:
        amount_involved = sum((c.amount_involved or ZERO for c in clues), ZERO)
    case = Case(
        org_id=org.id,
        number=number,
        title=title,
        case_type=case_type,
        summary=(summary or "").strip() or (clues[0].summary if clues else ""),
        stage=CaseStage.INVESTIGATION,
        opened_on=opened_on,
        investigators=(investigators or "").strip(),
        review_unit=(review_unit or "").strip(),
        source=source if source is not None else (clues[0].source if clues else ""),
        amount_involved=decimal.Decimal(amount_involved),
        is_historical=is_historical,
        result_text=result_text or "",
        created_by_id=_actor_id(actor),
    )
    case.org = org
    session.add(case)
    for clue in clues:
        case.clue_links.append(CaseClue(clue_id=clue.id))
        for link in clue.persons:
            if not any(s.person_id == link.person_id for s in case.subjects):
                _add_subject(
                    session,
                    case,
                    org,
                    {
                        "person": link.person,
                        "post": link.post,
                        "political_status": link.political_status,
                        "identity": link.identity,
                    },
                )
        clue.status = ClueStatus.CASE_OPENED
        clue.due_date = None
        changelog.set_action(clue, "立案审查调查")
    for data in persons:
        _add_subject(session, case, org, data)
    case.events.append(
        CaseStageEvent(
            stage=CaseStage.INVESTIGATION, on_date=opened_on, note="立案", actor_id=_actor_id(actor)
        )
    )
    case.due_date = None if is_historical else stage_due(case, limits)
    changelog.set_action(case, "立案")
    session.flush()
    return case


def _check_stage_move(case: Case, target: CaseStage, on_date: dt.date, today: dt.date) -> None:
    current = CaseStage(case.stage)
    if current not in CASE_OPEN_STAGES:
        raise InvalidTransition(f"案件已{current.label}，不能再变更阶段。")
    if target not in STAGE_ORDER:
        raise ValidationFailed(f"无效的案件阶段：{target}")
    if target.order <= current.order:
        raise InvalidTransition(
            f"案件阶段不能回退：当前为“{current.label}”，不能回到“{target.label}”。"
        )
    expected = STAGE_ORDER[current.order + 1]
    if target != expected:
        raise InvalidTransition(
            f"案件阶段不能跳过：当前为“{current.label}”，下一阶段应为“{expected.label}”。"
        )
    if on_date is None:
        raise ValidationFailed(f"请填写{target.label}日期。", fields={"on_date": "必填"})
    previous = case.stage_date(current)
    if previous and on_date < previous:
        raise ValidationFailed(
            f"{target.label}日期不能早于上一阶段“{current.label}”的日期（{previous:%Y-%m-%d}）。",
            fields={"on_date": "日期早于上一阶段"},
        )
    if on_date > today:
        raise ValidationFailed(
            f"{target.label}日期不能晚于今天。", fields={"on_date": "日期在未来"}
        )


def advance_case(
    session,
    actor,
    case: Case,
    *,
    stage: str,
    on_date: dt.date,
    note: str = "",
    version: int | None = None,
    limits: Limits = DEFAULT,
    today: dt.date | None = None,
) -> Case:
    """Move the case to the next stage, dated ``on_date``."""
    today = today or clock.today()
    check_version(case, version)
    target = _stage(stage)
    _check_stage_move(case, target, on_date, today)
    if target == CaseStage.DECISION:
        if not case.subjects:
            raise InvalidTransition("案件没有被审查调查人，不能作出处分决定。")
        missing = [s.person.name for s in case.subjects if not s.four_form]
        if missing:
            raise InvalidTransition(
                f"请先为 {'、'.join(missing)} 认定“四种形态”并填写处理意见，再进入处分决定阶段。"
            )
    setattr(case, STAGE_DATE_FIELDS[target], on_date)
    case.stage = target
    for subject in case.subjects:
        if target == CaseStage.DECISION and subject.decision_on is None:
            subject.decision_on = on_date
        elif target == CaseStage.ANNOUNCED and subject.announced_on is None:
            subject.announced_on = on_date
        elif target == CaseStage.EXECUTED and subject.execution_report_on is None:
            subject.execution_report_on = on_date
    case.events.append(
        CaseStageEvent(
            stage=target, on_date=on_date, note=(note or "").strip(), actor_id=_actor_id(actor)
        )
    )
    case.due_date = stage_due(case, limits)
    changelog.set_action(case, f"进入{target.label}阶段")
    session.flush()
    return case


def extend_investigation(
    session, actor, case: Case, *, reason: str, limits: Limits = DEFAULT
) -> Case:
    """审查调查延期: one extension of ``limits.extension_days``."""
    if case.stage != CaseStage.INVESTIGATION:
        raise InvalidTransition("只有审查调查阶段可以申请延期。")
    if case.extension_days:
        raise InvalidTransition("审查调查已延期一次，不能再次延期。")
    if not (reason or "").strip():
        raise ValidationFailed("请填写延期理由。", fields={"reason": "必填"})
    case.extension_days = limits.extension_days
    case.due_date = stage_due(case, limits)
    case.events.append(
        CaseStageEvent(
            stage="extension",
            on_date=clock.today(),
            note=f"审查调查延期 {limits.extension_days} 天：{reason.strip()}",
            actor_id=_actor_id(actor),
        )
    )
    changelog.set_action(case, "审查调查延期")
    session.flush()
    return case


def early_review(
    session, actor, case: Case, *, on_date: dt.date, today: dt.date | None = None
) -> Case:
    """提前介入审理: recorded during 审查调查; not a stage of its own."""
    today = today or clock.today()
    if case.stage != CaseStage.INVESTIGATION:
        raise InvalidTransition("只有审查调查阶段可以提前介入审理。")
    if on_date is None or on_date < case.opened_on or on_date > today:
        raise ValidationFailed("提前介入审理日期须在立案日期与今天之间。")
    case.early_review_on = on_date
    case.events.append(
        CaseStageEvent(
            stage="early_review", on_date=on_date, note="提前介入审理", actor_id=_actor_id(actor)
        )
    )
    changelog.set_action(case, "提前介入审理")
    session.flush()
    return case


def revoke_case(
    session, actor, case: Case, *, on_date: dt.date, reason: str, today: dt.date | None = None
) -> Case:
    """撤销案件."""
    today = today or clock.today()
    current = CaseStage(case.stage)
    if current not in CASE_OPEN_STAGES:
        raise InvalidTransition(f"案件已{current.label}，不能撤销。")
    if not (reason or "").strip():
        raise ValidationFailed("请填写撤销理由。", fields={"reason": "必填"})
    previous = case.stage_date(current)
    if on_date is None or (previous and on_date < previous) or on_date > today:
        raise ValidationFailed("撤销日期不能早于当前阶段日期，也不能晚于今天。")
    case.stage = CaseStage.REVOKED
    case.revoked_on = on_date
    case.due_date = None
    case.events.append(
        CaseStageEvent(
            stage=CaseStage.REVOKED, on_date=on_date, note=reason.strip(), actor_id=_actor_id(actor)
        )
    )
    changelog.set_action(case, "撤销案件")
    session.flush()
    return case


# --- Per-person handling -------------------------------------------------------------------


def validate_handling(session, values: dict, *, case: Case) -> None:
    """The rules of §5.20–5.23 for one subject's handling; raises ``ValidationFailed``."""
    form = values.get("four_form")
    if form not in (None, "") and int(form) not in FOUR_FORMS:
        raise ValidationFailed("“四种形态”只能是第一至第四种。", fields={"four_form": "无效"})
    form = int(form) if form not in (None, "") else None
    for kind, key, what in (
        ("party_sanction", "party_sanction", "党纪处分"),
        ("state_sanction", "state_sanction", "政务处分"),
        ("org_handling", "org_handling", "组织处理"),
        ("handling_measure", "first_form_measure", "第一种形态处理方式"),
        ("subject_identity", "identity", "人员身份"),
    ):
        code = values.get(key) or ""
        if code and code not in labels(session, kind):
            raise ValidationFailed(f"无效的{what}：{code}", fields={key: "无效"})
    status = values.get("political_status") or ""
    if status and status not in POLITICAL_STATUSES:
        raise ValidationFailed(f"无效的政治面貌：{status}")
    party = values.get("party_sanction") or ""
    state = values.get("state_sanction") or ""
    identity = values.get("identity") or ""
    if party and status and status not in PARTY_STATUSES:
        raise ValidationFailed(
            "被审查调查人不是中共党员，不能给予党纪处分。", fields={"party_sanction": "非党员"}
        )
    if state and identity in VILLAGE_IDENTITIES and state not in VILLAGE_STATE_SANCTIONS:
        identity_label = labels(session, "subject_identity").get(identity, identity)
        raise ValidationFailed(
            f"对{identity_label}（基层群众性自治组织中从事管理的人员）只能给予警告、记过或记大过的"
            "政务处分（《公职人员政务处分法》第二十二条）。",
            fields={"state_sanction": "该身份不适用此处分"},
        )
    if form == 1 and (party or state):
        raise ValidationFailed(
            "第一种形态不是处分：给予党纪或政务处分的，应认定为第二种及以上形态。",
            fields={"four_form": "与处分不符"},
        )
    if party in HEAVY_PARTY_SANCTIONS and form is not None and form < 3:
        raise ValidationFailed(
            "撤销党内职务、留党察看、开除党籍属党纪重处分，应认定为第三种及以上形态。",
            fields={"four_form": "与处分不符"},
        )
    if party in LIGHT_PARTY_SANCTIONS and form is not None and form > 3:
        pass  # a light sanction may accompany form 4 (e.g. with prosecution); nothing to refuse
    if form == 4 and not values.get("to_prosecution"):
        raise ValidationFailed(
            "第四种形态（严重违纪涉嫌犯罪）须登记移送司法机关。", fields={"to_prosecution": "必填"}
        )
    if values.get("to_prosecution"):
        on = values.get("prosecution_on")
        if on is None:
            raise ValidationFailed("请填写移送司法机关日期。", fields={"prosecution_on": "必填"})
        if on < case.opened_on:
            raise ValidationFailed(
                "移送司法机关日期不能早于立案日期。", fields={"prosecution_on": "日期有误"}
            )
    for key in AMOUNT_FIELDS:
        amount = values.get(key)
        if amount is not None and decimal.Decimal(amount) < 0:
            raise ValidationFailed(f"{AMOUNT_LABELS[key]}不能为负数。", fields={key: "不能为负数"})
    decision_on = values.get("decision_on")
    announced_on = values.get("announced_on")
    report_on = values.get("execution_report_on")
    if decision_on and decision_on < case.opened_on:
        raise ValidationFailed("处分决定日期不能早于立案日期。", fields={"decision_on": "日期有误"})
    if announced_on and decision_on and announced_on < decision_on:
        raise ValidationFailed(
            "宣布日期不能早于处分决定日期。", fields={"announced_on": "日期有误"}
        )
    if report_on and announced_on and report_on < announced_on:
        raise ValidationFailed(
            "执行报告日期不能早于宣布日期。", fields={"execution_report_on": "日期有误"}
        )


def update_subject(
    session, actor, subject: CaseSubject, *, version: int | None = None, **fields
) -> CaseSubject:
    """Record one person's handling: four forms (§5.20), Party sanction (§5.21), state
    sanction (§5.22, refused when the person's identity does not allow it), organizational
    handling (§5.23), amounts, transfer to prosecution, decision number and dates."""
    case = subject.case
    check_version(subject, version)
    if case.stage not in CASE_OPEN_STAGES:
        raise InvalidTransition("案件已结案或撤销，不能修改处理结果。")
    unknown = set(fields) - SUBJECT_FIELDS
    if unknown:
        raise TypeError(f"update_subject: unknown fields {sorted(unknown)}")
    values = {key: getattr(subject, key) for key in SUBJECT_FIELDS}
    values.update(fields)
    validate_handling(session, values, case=case)
    for key, value in fields.items():
        if key in AMOUNT_FIELDS:
            value = decimal.Decimal(value or 0)
        elif key == "four_form":
            value = int(value) if value not in (None, "") else None
        elif isinstance(value, str):
            value = value.strip()
        setattr(subject, key, value)
    changelog.set_action(subject, "登记处理结果")
    session.flush()
    return subject


def add_subject(session, actor, case: Case, data: dict) -> CaseSubject:
    """Add a person to an open case (dict as for ``create_clue`` persons)."""
    if case.stage not in (CaseStage.INVESTIGATION, CaseStage.REVIEW):
        raise InvalidTransition("只有审查调查或审理阶段可以增加被审查调查人。")
    status = (data.get("political_status") or "").strip()
    if status and status not in POLITICAL_STATUSES:
        raise ValidationFailed(f"无效的政治面貌：{status}")
    subject = _add_subject(session, case, case.org, data)
    session.flush()
    return subject


# --- History -------------------------------------------------------------------------------


def record_historical_case(
    session,
    actor,
    *,
    org: Org,
    title: str,
    opened_on: dt.date,
    stage: str = CaseStage.CLOSED,
    stage_dates: dict | None = None,
    subjects: Iterable[dict] = (),
    clues: Iterable[Clue] = (),
    number: str | None = None,
    case_type: str = "both",
    summary: str = "",
    result_text: str = "",
    source: str = "",
    amount_involved: decimal.Decimal = ZERO,
    investigators: str = "",
    review_unit: str = "",
    today: dt.date | None = None,
) -> Case:
    """Record a case from the archive (历史案件导入) as it stands.

    ``stage`` is where the case is now (usually "closed"); ``stage_dates`` maps later stage
    codes ("review", "decision", "announced", "executed", "closed", "revoked") to dates. The
    given dates must not go backwards in stage order and stages after ``stage`` may not have
    dates. ``subjects`` are person dicts (name, post, unit_name, political_status, identity)
    with handling fields (four_form, party_sanction, state_sanction, org_handling,
    first_form_measure, amounts, decision_number, decision_on, announced_on, to_prosecution,
    prosecution_on, note); the same sanction rules as for live cases apply.
    """
    today = today or clock.today()
    target = _stage(stage)
    stage_dates = {CaseStage(k): v for k, v in (stage_dates or {}).items() if v}
    case = open_case(
        session,
        actor,
        org=org,
        clues=clues,
        opened_on=opened_on,
        title=title,
        number=number,
        case_type=case_type,
        summary=summary,
        source=source,
        amount_involved=amount_involved,
        investigators=investigators,
        review_unit=review_unit,
        is_historical=True,
        result_text=result_text,
        today=today,
    )
    last_stage, last_date = CaseStage.INVESTIGATION, opened_on
    limit = target.order if target != CaseStage.REVOKED else len(STAGE_ORDER)
    for s in STAGE_ORDER[1:]:
        on = stage_dates.get(s)
        if on is None:
            continue
        if target != CaseStage.REVOKED and s.order > limit:
            raise ValidationFailed(f"案件尚未到“{s.label}”阶段，不能填写该阶段日期。")
        if on < last_date:
            raise ValidationFailed(
                f"{s.label}日期（{on:%Y-%m-%d}）不能早于{last_stage.label}日期（{last_date:%Y-%m-%d}）。"
            )
        if on > today:
            raise ValidationFailed(f"{s.label}日期不能晚于今天。")
        setattr(case, STAGE_DATE_FIELDS[s], on)
        case.events.append(
            CaseStageEvent(stage=s, on_date=on, note="历史案件导入", actor_id=_actor_id(actor))
        )
        last_stage, last_date = s, on
    if target == CaseStage.REVOKED:
        on = stage_dates.get(CaseStage.REVOKED) or last_date
        if on < last_date:
            raise ValidationFailed("撤销日期不能早于此前阶段的日期。")
        case.revoked_on = on
    elif target == CaseStage.CLOSED and case.closed_on is None:
        raise ValidationFailed("已结案的历史案件须填写结案日期。")
    case.stage = target
    for data in subjects:
        handling = {k: v for k, v in data.items() if k in SUBJECT_FIELDS}
        subject = _subject_for(session, case, org, data)
        values = {key: getattr(subject, key) for key in SUBJECT_FIELDS}
        values.update(handling)
        values.setdefault("decision_on", case.decision_on)
        validate_handling(session, values, case=case)
        for key, value in handling.items():
            setattr(subject, key, decimal.Decimal(value or 0) if key in AMOUNT_FIELDS else value)
        if subject.decision_on is None:
            subject.decision_on = case.decision_on
        if subject.announced_on is None:
            subject.announced_on = case.announced_on
    case.due_date = None if target not in CASE_OPEN_STAGES else stage_due(case, DEFAULT)
    session.flush()
    return case


# --- Public naming and 以案促改 ----------------------------------------------------------------


def create_public_notice(
    session,
    actor,
    *,
    org: Org,
    issued_on: dt.date,
    title: str,
    channel: str,
    level: str = "",
    text: str = "",
    entries: Iterable[tuple[Case, CaseSubject | None]] = (),
    today: dt.date | None = None,
) -> PublicNotice:
    """通报曝光: publish typical cases (only cases with a 处分决定)."""
    today = today or clock.today()
    if not (title or "").strip():
        raise ValidationFailed("通报标题不能为空。", fields={"title": "必填"})
    if channel and channel not in labels(session, "notice_channel"):
        raise ValidationFailed(f"无效的通报渠道：{channel}")
    if issued_on is None or issued_on > today:
        raise ValidationFailed(
            "通报日期不能为空，也不能晚于今天。", fields={"issued_on": "日期有误"}
        )
    entries = list(entries)
    if not entries:
        raise ValidationFailed("请选择通报的案件。")
    notice = PublicNotice(
        org_id=org.id,
        issued_on=issued_on,
        title=title.strip(),
        channel=channel,
        level=level or org.level,
        text=(text or "").strip(),
        created_by_id=_actor_id(actor),
    )
    for case, subject in entries:
        if case.decision_on is None or case.stage in (CaseStage.INVESTIGATION, CaseStage.REVIEW):
            raise ValidationFailed(f"案件 {case.number} 尚未作出处分决定，不能通报曝光。")
        if issued_on < case.decision_on:
            raise ValidationFailed(f"通报日期不能早于案件 {case.number} 的处分决定日期。")
        if subject is not None and subject.case_id != case.id:
            raise ValidationFailed("通报人员须属于所选案件。")
        notice.entries.append(
            PublicNoticeEntry(case_id=case.id, subject_id=subject.id if subject else None)
        )
    session.add(notice)
    session.flush()
    return notice


def open_rectification(
    session,
    actor,
    case: Case,
    *,
    package_title: str,
    members: Iterable[dict],
    items: Iterable[dict],
    today: dt.date | None = None,
):
    """以案促改: a closed case opens rectification items in the one ledger, with a
    responsibility package (source_type "case"). ``items`` are dicts {problem, measure,
    deadline, responsible_person}. Returns (package, items)."""
    from whirlwind.ledger.services import create_item, create_package

    if case.stage != CaseStage.CLOSED:
        raise InvalidTransition("只有已结案的案件可以开展以案促改。")
    items = [i for i in items if (i.get("problem") or "").strip()]
    if not items:
        raise ValidationFailed("请至少填写一项整改问题。")
    org = case.org or session.get(Org, case.org_id)
    package = create_package(
        session,
        org=org,
        title=package_title or f"以案促改：{case.title}",
        members=list(members),
        source_type="case",
        source_id=case.id,
    )
    created = [
        create_item(
            session,
            actor,
            org=org,
            source_type="case",
            source_id=case.id,
            problem=i["problem"],
            measure=i.get("measure", ""),
            deadline=i["deadline"],
            responsible_person=i.get("responsible_person", ""),
            package=package,
            today=today,
        )
        for i in items
    ]
    changelog.set_action(case, "以案促改：生成整改事项")
    case.events.append(
        CaseStageEvent(
            stage="rectification",
            on_date=today or clock.today(),
            note=f"以案促改：生成整改事项 {len(created)} 项",
            actor_id=_actor_id(actor),
        )
    )
    session.flush()
    return package, created


def persons_of(session, person_ids) -> dict[int, Person]:
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(person_ids))))}
