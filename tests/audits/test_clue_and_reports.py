"""Finding → clue (both links), and the committee report flow (§4.7)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.audits.helpers import TODAY, D, make_audit, make_finding
from whirlwind.audits import services
from whirlwind.audits.models import CommitteeReport, Finding, ReportStatus
from whirlwind.cases.models import Clue
from whirlwind.ledger.models import RectificationItem


def test_finding_transferred_as_clue_links_both_ways(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"], scope=("project",))
    finding = make_finding(
        dbsession,
        users["street"],
        audit,
        asset_type="project",
        irregularity="P02",
        description="村道工程拆分规避招标",
        involved="380000",
    )
    services.add_person(
        dbsession, services_identity(users["street"]), finding, name="王长林", post="副主任"
    )
    app = as_user("street")
    page = app.get(f"/audits/findings/{finding.id}")
    assert "未移送问题线索" in page.text and "移送问题线索" in page.text
    form = app.get(f"/audits/findings/{finding.id}/clue").forms["clue"]
    assert form["source"].value == "four_assets"
    res = form.submit("submit", status=302).follow()
    dbsession.refresh(finding)
    clue = dbsession.get(Clue, finding.clue_id)
    assert clue.origin_type == "finding" and clue.origin_id == finding.id
    assert clue.org_id == tree["V1"].id and clue.amount_involved == D("380000")
    assert clue.number in res.text and clue.status_label in res.text
    # Transferring twice is refused.
    res = app.get(f"/audits/findings/{finding.id}/clue").forms["clue"].submit("submit", status=409)
    assert "不能重复移送" in res.text
    assert "已移送线索" in app.get("/audits/findings?state=clue").text


def services_identity(user):
    from tests.audits.helpers import ident

    return ident(user)


def _report(app, problem="村里工程没有招标", persons="王长林", amount="56000", status=302):
    form = app.get("/audits/reports/new").forms["report"]
    form["problem"] = problem
    form["persons"] = persons
    form["amount"] = amount
    form.set("date", (TODAY - dt.timedelta(days=2)).isoformat(), index=0)
    return form.submit("submit", status=status)


def _post(app, report, action, **fields):
    page = app.get(f"/audits/reports/{report.id}")
    form = page.forms[f"{action}-form"] if f"{action}-form" in page.forms else None
    if form is None:
        from tests.conftest import csrf_token

        return app.post(
            f"/audits/reports/{report.id}/{action}",
            {"csrf_token": csrf_token(app), "version": report.version, **fields},
        )
    for k, v in fields.items():
        form[k] = v
    return form.submit()


def test_committee_report_to_finding_with_feedback(as_user, tree, dbsession, users):
    committee = as_user("committee")
    res = _report(committee).follow()
    assert "已提交（待接收）" in res.text
    report = dbsession.scalar(select(CommitteeReport))
    assert report.org_id == tree["V1"].id and report.reporter_id == users["committee"].id
    # The committee member cannot process it.
    committee.post(f"/audits/reports/{report.id}/receive", {"csrf_token": "x"}, status=(400, 403))

    street = as_user("street")
    street.post(f"/audits/reports/{report.id}/receive", _tok(street, report), status=302)
    # Verification needs a text.
    res = street.post(
        f"/audits/reports/{report.id}/verify", _tok(street, report, verification=""), status=400
    )
    assert "核实情况" in res.text
    street.post(
        f"/audits/reports/{report.id}/verify",
        _tok(street, report, verification="情况属实"),
        status=302,
    )
    form = street.get(f"/audits/reports/{report.id}/to-finding").forms["finding"]
    form["asset_type"] = "project"
    form["irregularity"] = "P02"
    res = form.submit("submit", status=302).follow()
    finding = dbsession.scalar(select(Finding).where(Finding.report_id == report.id))
    assert finding.org_id == tree["V1"].id and finding.amount_involved == D("56000")
    assert finding.person_names == ["王长林"]
    dbsession.refresh(report)
    assert report.status == ReportStatus.TO_FINDING
    street.post(
        f"/audits/reports/{report.id}/feedback",
        _tok(street, report, feedback="已立项整改，感谢监督"),
        status=302,
    )

    committee = as_user("committee")
    page = committee.get(f"/audits/reports/{report.id}")
    assert (
        "已反馈提交人" in page.text
        and "转为发现问题" in page.text
        and "已立项整改，感谢监督" in page.text
    )
    # The other village's committee member does not see it.
    other = as_user("committee_b")
    other.get(f"/audits/reports/{report.id}", status=404)
    assert report.number not in other.get("/audits/reports").text


def _tok(app, report, **fields):
    from tests.conftest import csrf_token

    dbsession_version = report.version
    return {"csrf_token": csrf_token(app), "version": str(dbsession_version), **fields}


def test_committee_report_dismissed_needs_reason_and_to_item(as_user, tree, dbsession, users):
    committee = as_user("committee")
    _report(committee, problem="公开栏内容过期")
    _report(committee, problem="招待费无发票")
    first, second = dbsession.scalars(select(CommitteeReport).order_by(CommitteeReport.id)).all()
    street = as_user("street")
    # Not received yet: cannot be dismissed.
    res = street.post(
        f"/audits/reports/{first.id}/dismiss", _tok(street, first, reason="x"), status=422
    )
    assert "不能不予采纳" in res.text
    street.post(f"/audits/reports/{first.id}/receive", _tok(street, first), status=302)
    res = street.post(
        f"/audits/reports/{first.id}/dismiss", _tok(street, first, reason=""), status=400
    )
    assert "不予采纳理由" in res.text
    street.post(
        f"/audits/reports/{first.id}/dismiss",
        _tok(street, first, reason="已按期更新，反映不实"),
        status=302,
    )
    dbsession.refresh(first)
    assert first.status == ReportStatus.DISMISSED and first.dismiss_reason == "已按期更新，反映不实"

    street.post(f"/audits/reports/{second.id}/receive", _tok(street, second), status=302)
    street.post(
        f"/audits/reports/{second.id}/verify", _tok(street, second, verification="属实"), status=302
    )
    form = street.get(f"/audits/reports/{second.id}/to-item").forms["items"]
    form.set("date", (TODAY + dt.timedelta(days=15)).isoformat(), index=0)
    form["street_leader"] = "街道领导甲"
    form.submit("submit", status=302)
    item = dbsession.scalar(
        select(RectificationItem).where(RectificationItem.source_type == "committee_report")
    )
    assert (
        item.source_id == second.id
        and item.org_id == tree["V1"].id
        and item.problem == "招待费无发票"
    )

    committee = as_user("committee")
    page = committee.get(f"/audits/reports/{first.id}")
    assert "不予采纳" in page.text and "已按期更新，反映不实" in page.text


def test_committee_member_reports_only_for_own_village(as_user, tree, dbsession, users):
    committee = as_user("committee")
    form = committee.get("/audits/reports/new").forms["report"]
    assert "org_id" not in form.fields  # the village is the member's own
    res = _report(committee, amount="-3", status=400)
    assert "金额不能为负数" in res.text
    res = _report(committee, problem="", status=400)
    assert "必填" in res.text
    assert dbsession.scalar(select(CommitteeReport.id)) is None
    # Street inspectors do not submit committee reports.
    as_user("street").get("/audits/reports/new", status=403)
