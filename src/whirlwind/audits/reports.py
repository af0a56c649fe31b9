"""Committee problem reports (村(居)务监督委员会问题反映, domain.md §4.7).

    提交 → 街道纪工委接收 → 核实 → {转线索 | 转整改事项 | 转为发现问题 | 不予采纳(理由)}
         → 反馈提交人

A committee member (``committee:report``) reports a problem found in their own village or
community; an inspector (``audits:edit``) in whose jurisdiction it lies receives, verifies
and converts or dismisses it; the reporter then sees the feedback on the report page.
"""

from __future__ import annotations

import datetime as dt

from whirlwind import changelog, clock
from whirlwind.audits import services
from whirlwind.audits.models import OUTCOMES, CommitteeReport, ReportStatus
from whirlwind.db import utcnow
from whirlwind.deadlines import WarningPolicy
from whirlwind.errors import InvalidTransition, ValidationFailed
from whirlwind.guards import check_version, require
from whirlwind.ledger import services as ledger
from whirlwind.ledger.models import ItemSource
from whirlwind.orgs.models import GRASSROOTS_LEVELS
from whirlwind.security import Permission

ACTION_FROM = {
    "receive": (ReportStatus.SUBMITTED,),
    "verify": (ReportStatus.RECEIVED,),
    "to_finding": (ReportStatus.VERIFIED,),
    "to_item": (ReportStatus.VERIFIED,),
    "to_clue": (ReportStatus.VERIFIED,),
    "dismiss": (ReportStatus.RECEIVED, ReportStatus.VERIFIED),
    "feedback": OUTCOMES,
}
ACTION_LABELS = {
    "receive": "接收",
    "verify": "核实",
    "to_finding": "转为发现问题",
    "to_item": "转整改事项",
    "to_clue": "转问题线索",
    "dismiss": "不予采纳",
    "feedback": "反馈提交人",
}
# Until it is handled a report has no due date; it is coloured by its age (§5.24).
UNHANDLED = (ReportStatus.SUBMITTED, ReportStatus.RECEIVED, ReportStatus.VERIFIED)


def report_colour(warn: WarningPolicy, report: CommitteeReport, today: dt.date) -> str | None:
    """The warning colour of an unhandled report by its age since it was submitted."""
    if report.status not in UNHANDLED or report.created_at is None:
        return None
    return warn.colour_for_age(report.created_at.astimezone(clock.SHANGHAI).date(), today)


def available_actions(identity, report: CommitteeReport) -> list[str]:
    if identity is None or not identity.can(Permission.AUDITS_EDIT):
        return []
    return [a for a, states in ACTION_FROM.items() if report.status in states]


def _step(identity, report: CommitteeReport, action: str, version) -> None:
    require(
        identity,
        Permission.AUDITS_EDIT,
        report.org_id,
        message="只有街道纪工委等检查人员可以处理问题反映。",
    )
    check_version(report, version)
    if report.status not in ACTION_FROM[action]:
        raise InvalidTransition(
            f"该问题反映当前状态为“{report.status_label}”，不能{ACTION_LABELS[action]}。"
        )


def submit_report(
    session, identity, data: dict, *, today: dt.date | None = None
) -> CommitteeReport:
    """A committee member records a problem found in their own village or community."""
    require(
        identity, Permission.REPORTS_SUBMIT, message="只有村(居)务监督委员会成员可以提交问题反映。"
    )
    if identity.org.level in GRASSROOTS_LEVELS:
        org = identity.org
    else:
        org = services.grassroots_unit(session, identity, data.get("org_id"))
    problem = (data.get("problem") or "").strip()
    if not problem:
        raise ValidationFailed("请填写反映的问题。", fields={"problem": "必填"})
    found = data.get("found_date")
    if found is None:
        raise ValidationFailed("请填写发现日期。", fields={"found_date": "必填"})
    if found > (today or clock.today()):
        raise ValidationFailed("发现日期不能晚于今天。", fields={"found_date": "不能是将来的日期"})
    report = CommitteeReport(
        org_id=org.id,
        reporter_id=identity.id,
        problem=problem,
        persons=(data.get("persons") or "").strip()[:300],
        amount=services.money(data.get("amount"), "amount", "涉及金额"),
        found_date=found,
        status=ReportStatus.SUBMITTED,
    )
    report.org = org
    session.add(report)
    changelog.set_action(report, "提交问题反映")
    session.flush()
    return report


def receive(session, identity, report: CommitteeReport, *, version=None) -> None:
    _step(identity, report, "receive", version)
    report.status = ReportStatus.RECEIVED
    report.received_by_id, report.received_at = identity.id, utcnow()
    changelog.set_action(report, "街道纪工委接收")
    session.flush()


def verify(session, identity, report: CommitteeReport, *, verification: str, version=None) -> None:
    _step(identity, report, "verify", version)
    verification = (verification or "").strip()
    if not verification:
        raise ValidationFailed("请填写核实情况。", fields={"verification": "必填"})
    report.status = ReportStatus.VERIFIED
    report.verification = verification
    report.verified_by_id, report.verified_at = identity.id, utcnow()
    changelog.set_action(report, "核实")
    session.flush()


def _handled(identity, report: CommitteeReport, status: ReportStatus, action: str) -> None:
    report.status = status
    report.outcome = status
    report.handled_by_id, report.handled_at = identity.id, utcnow()
    changelog.set_action(report, action)


def to_finding(session, identity, report: CommitteeReport, data: dict, *, version=None):
    """Confirm the report as a finding (转为发现问题) of the village."""
    _step(identity, report, "to_finding", version)
    data = dict(data)
    data.setdefault("description", report.problem)
    data.setdefault("amount_involved", report.amount)
    finding = services.create_loose_finding(
        session, identity, report.org, data, report_id=report.id
    )
    for name in _names(report.persons):
        services.add_person(session, identity, finding, name=name, role="被反映人")
    _handled(identity, report, ReportStatus.TO_FINDING, "转为发现问题")
    session.flush()
    return finding


def to_item(
    session,
    identity,
    report: CommitteeReport,
    item: dict,
    package_data: dict,
    *,
    version=None,
    today: dt.date | None = None,
):
    """Put the reported problem straight into the ledger (转整改事项)."""
    _step(identity, report, "to_item", version)
    members = services.package_members(package_data)
    if not members:
        raise ValidationFailed(
            "请填写包保责任人（至少一名街道级或区级责任人）。", fields={"street_leader": "必填"}
        )
    package = ledger.create_package(
        session,
        org=report.org,
        title=f"{report.org.name}：问题反映 {report.number} 整改包保",
        members=members,
        source_type=ItemSource.COMMITTEE_REPORT,
        source_id=report.id,
    )
    created = ledger.create_item(
        session,
        identity,
        org=report.org,
        source_type=ItemSource.COMMITTEE_REPORT,
        source_id=report.id,
        problem=item.get("problem") or report.problem,
        deadline=item["deadline"],
        measure=item.get("measure", ""),
        responsible_person=item.get("responsible_person", ""),
        package=package,
        today=today,
    )
    _handled(identity, report, ReportStatus.TO_ITEM, "转整改事项")
    session.flush()
    return created


def to_clue(session, identity, report: CommitteeReport, data: dict, *, version=None):
    """Transfer the report as a clue (转问题线索); the clue stores origin committee_report."""
    _step(identity, report, "to_clue", version)
    require(identity, Permission.CASES_EDIT, message="您没有登记问题线索的权限。")
    create_clue = services.clue_create_function()
    if create_clue is None:
        raise InvalidTransition("问题线索登记功能尚未启用，暂不能转线索。")
    from whirlwind.audits.clues import person_dicts

    clue = create_clue(
        session,
        identity,
        org=report.org,
        source=data.get("source") or "committee",
        received_date=data.get("received_date") or clock.today(),
        title=(data.get("title") or report.problem[:60]).strip(),
        summary=(data.get("summary") or report.problem).strip(),
        full_text=report.problem,
        persons=person_dicts(
            [{"name": n, "post": "", "role": "被反映人"} for n in _names(report.persons)]
        ),
        amount_involved=report.amount,
        origin_type="committee_report",
        origin_id=report.id,
    )
    report.clue_id = clue.id
    _handled(identity, report, ReportStatus.TO_CLUE, "转问题线索")
    session.flush()
    return clue


def dismiss(session, identity, report: CommitteeReport, *, reason: str, version=None) -> None:
    _step(identity, report, "dismiss", version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("不予采纳须填写理由。", fields={"reason": "必填"})
    report.dismiss_reason = reason
    _handled(identity, report, ReportStatus.DISMISSED, "不予采纳")
    session.flush()


def feed_back(session, identity, report: CommitteeReport, *, feedback: str, version=None) -> None:
    """Tell the reporter what became of the report (反馈提交人)."""
    _step(identity, report, "feedback", version)
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationFailed("请填写反馈意见。", fields={"feedback": "必填"})
    report.feedback = feedback
    report.status = ReportStatus.FED_BACK
    report.fed_back_at = utcnow()
    changelog.set_action(report, "反馈提交人")
    session.flush()


def _names(text: str) -> list[str]:
    import re

    return [n for n in (p.strip() for p in re.split(r"[，,、;；\s]+", text or "")) if n]
