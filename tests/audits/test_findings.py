"""Audit → finding → items cleared, recoveries and the recovered ≤ involved rule, persons,
validation messages (services and pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.audits.helpers import TODAY, D, clear_item, ident, make_audit, make_finding
from tests.conftest import csrf_token
from whirlwind.audits import services
from whirlwind.audits.models import Audit, Finding, RecoveryEntry
from whirlwind.errors import ValidationFailed
from whirlwind.ledger.models import ItemSource, RectificationItem, ResponsibilityPackage
from whirlwind.persons.models import Person


def test_audit_form_creates_audit_and_finding_form_numbers_findings(as_user, tree, dbsession):
    app = as_user("street")
    form = app.get(f"/audits/new?org_id={tree['V1'].id}").forms["audit"]
    form["org_id"] = str(tree["V1"].id)
    form.set("date", "2025-01-01", index=0)
    form.set("date", "2025-12-31", index=1)
    form.set("date", (TODAY - dt.timedelta(days=3)).isoformat(), index=2)
    form["body"] = "jgz"
    form["inspectors"] = "张明、李华"
    form.fields["checkbox"][0].checked = True  # 资金
    res = form.submit("submit", status=302).follow()
    assert "已登记检查" in res.text and "大潭村" in res.text
    audit = dbsession.scalar(select(Audit).where(Audit.org_id == tree["V1"].id))
    assert audit.asset_types == ["funds"]

    for i in (1, 2):
        form = app.get(f"/audits/{audit.id}/findings/new").forms["finding"]
        form["asset_type"] = "funds"
        form["irregularity"] = "F01"
        form["description"] = f"白条入账第{i}批"
        form["amount_involved"] = "1234.50"
        res = form.submit("submit", status=302).follow()
        assert f"{audit.number}-0{i}" in res.text
    findings = dbsession.scalars(select(Finding).where(Finding.audit_id == audit.id)).all()
    assert sorted(f.seq for f in findings) == [1, 2]
    assert all(f.amount_involved == D("1234.50") for f in findings)


def test_audit_form_rejects_bad_dates_in_chinese(as_user, tree, dbsession):
    app = as_user("street")
    form = app.get("/audits/new").forms["audit"]
    form["org_id"] = str(tree["V1"].id)
    form.set("date", "2025-06-01", index=0)
    form.set("date", "2025-01-01", index=1)
    form.set("date", TODAY.isoformat(), index=2)
    form["body"] = "jgz"
    form.fields["checkbox"][0].checked = True
    res = form.submit("submit", status=400)
    assert "检查期间的结束日期不能早于开始日期" in res.text
    form = res.forms["audit"]
    form.set("date", "2025-12-31", index=1)
    form.set("date", (TODAY + dt.timedelta(days=2)).isoformat(), index=2)
    res = form.submit("submit", status=400)
    assert "检查日期不能晚于今天" in res.text
    assert dbsession.scalar(select(Audit.id)) is None


def test_irregularity_must_belong_to_the_asset_type(dbsession, users, tree):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    with pytest.raises(ValidationFailed, match="所选问题类别不属于所选资产类型"):
        make_finding(dbsession, users["street"], audit, asset_type="funds", irregularity="P05")
    with pytest.raises(ValidationFailed, match="所选细类不属于所选资产类型"):
        make_finding(dbsession, users["street"], audit, asset_type="funds", asset_subtype="forest")
    # A disclosure/control irregularity (no parent) fits every asset type.
    assert make_finding(
        dbsession, users["street"], audit, asset_type="project", irregularity="C01"
    ).id


def test_negative_amount_is_refused_by_the_form(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    app = as_user("street")
    form = app.get(f"/audits/{audit.id}/findings/new").forms["finding"]
    form["asset_type"] = "funds"
    form["irregularity"] = "F01"
    form["description"] = "白条"
    form["amount_involved"] = "-5"
    res = form.submit("submit", status=400)
    assert "金额不能为负数" in res.text
    assert dbsession.scalar(select(Finding.id)) is None


def test_recoveries_accumulate_and_may_not_exceed_involved_unless_explained(
    as_user, tree, dbsession, users
):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit, involved="1000")
    app = as_user("street")
    url = f"/audits/findings/{finding.id}/recoveries"
    day = (TODAY - dt.timedelta(days=1)).isoformat()

    def post(amount, explanation="", status=302):
        dbsession.refresh(finding)
        return app.post(
            url,
            {
                "csrf_token": csrf_token(app),
                "version": finding.version,
                "entry_date": day,
                "amount": amount,
                "note": "退赔",
                "explanation": explanation,
            },
            status=status,
        )

    post("600")
    post("300.50")
    dbsession.refresh(finding)
    assert finding.amount_recovered == D("900.50")
    page = app.get(f"/audits/findings/{finding.id}")
    assert "¥900.50" in page.text and "¥600.00" in page.text and "¥300.50" in page.text

    res = post("200", status=400)
    assert "超过涉及金额" in res.text and "请填写超出部分的说明" in res.text
    dbsession.refresh(finding)
    assert finding.amount_recovered == D("900.50")
    assert (
        len(
            dbsession.scalars(
                select(RecoveryEntry).where(RecoveryEntry.finding_id == finding.id)
            ).all()
        )
        == 2
    )

    post("200", explanation="含追缴利息 100.50 元")
    dbsession.refresh(finding)
    assert finding.amount_recovered == D("1100.50")
    assert finding.excess_explanation == "含追缴利息 100.50 元"

    assert "不能为负数" in post("-1", status=400).text
    assert "必须大于 0" in post("0", status=400).text


def test_lowering_involved_below_recovered_needs_an_explanation(dbsession, users, tree):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit, involved="500")
    services.add_recovery(
        dbsession, ident(users["street"]), finding, entry_date=TODAY, amount="400"
    )
    data = {
        "asset_type": "funds",
        "irregularity": "F03",
        "description": "x",
        "amount_involved": D("100"),
        "excess_explanation": "",
    }
    with pytest.raises(ValidationFailed, match="超过涉及金额"):
        services.update_finding(dbsession, ident(users["street"]), finding, data)
    assert finding.amount_involved == D("500") and finding.description == "坐收坐支集体收入"


def test_persons_are_matched_in_the_shared_register(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    f1 = make_finding(dbsession, users["street"], audit)
    f2 = make_finding(dbsession, users["street"], audit)
    app = as_user("street")
    for f in (f1, f2):
        app.post(
            f"/audits/findings/{f.id}/persons",
            {
                "csrf_token": csrf_token(app),
                "name": "张 德旺",
                "post": "村会计",
                "role": "直接责任人",
            },
            status=302,
        )
    people = dbsession.scalars(select(Person).where(Person.name == "张德旺")).all()
    assert len(people) == 1 and people[0].org_id == tree["V1"].id
    dbsession.refresh(f1)
    assert f1.persons[0].person_id == people[0].id and f1.persons[0].role == "直接责任人"
    res = app.post(
        f"/audits/findings/{f1.id}/persons",
        {"csrf_token": csrf_token(app), "name": "张德旺"},
        status=400,
    )
    assert "已在责任人名单中" in res.text
    res = app.post(
        f"/audits/findings/{f1.id}/persons", {"csrf_token": csrf_token(app), "name": ""}, status=400
    )
    assert "姓名" in res.text


def test_audit_to_finding_to_items_cleared(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    app = as_user("street")

    # The first items need a responsibility package.
    form = app.get(f"/audits/findings/{finding.id}/items").forms["items"]
    form["problem"] = "完善收支入账制度"
    form.set("date", (TODAY + dt.timedelta(days=20)).isoformat(), index=0)
    form["street_leader"] = ""
    assert "必填" in form.submit("submit", status=400).text
    form = app.get(f"/audits/findings/{finding.id}/items").forms["items"]
    form["problem"] = "完善收支入账制度"
    form.set("date", (TODAY + dt.timedelta(days=20)).isoformat(), index=0)
    form["street_leader"] = "街道领导甲"
    form["district_leader"] = "区领导乙"
    form.submit("submit", status=302)
    # A second item reuses the package.
    form = app.get(f"/audits/findings/{finding.id}/items").forms["items"]
    assert "street_leader" not in form.fields
    form["problem"] = "追缴坐支款项"
    form.set("date", (TODAY + dt.timedelta(days=40)).isoformat(), index=0)
    form.submit("submit", status=302)

    items = dbsession.scalars(
        select(RectificationItem).where(
            RectificationItem.source_type == ItemSource.FINDING,
            RectificationItem.source_id == finding.id,
        )
    ).all()
    assert len(items) == 2 and all(i.org_id == tree["V1"].id for i in items)
    packages = dbsession.scalars(
        select(ResponsibilityPackage).where(
            ResponsibilityPackage.source_type == "finding",
            ResponsibilityPackage.source_id == finding.id,
        )
    ).all()
    assert len(packages) == 1 and {m.level for m in packages[0].members} == {"street", "district"}
    assert all(i.package_id == packages[0].id for i in items)
    page = app.get(f"/audits/findings/{finding.id}")
    assert "共 2 项，已销号 0，未销号 2" in page.text and "整改中" in page.text

    for item in items:
        clear_item(
            dbsession,
            item,
            worker=users["street"],
            street=users["street2"],
            district=users["district"],
        )
    page = app.get(f"/audits/findings/{finding.id}")
    assert "共 2 项，已销号 2，未销号 0" in page.text and "已销号" in page.text
    # A cleared finding leaves the village's open findings and the "open" filter.
    village = app.get(f"/audits/villages/{tree['V1'].id}")
    assert finding.number not in village.text.split("未销号的发现问题")[1]
    assert finding.number not in app.get("/audits/findings?state=open").text
    assert finding.number in app.get("/audits/findings?state=cleared").text


def test_item_deadline_in_the_past_writes_nothing(dbsession, users, tree):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    with pytest.raises(ValidationFailed, match="整改期限不能早于今天"):
        services.create_items(
            dbsession,
            ident(users["street"]),
            finding,
            [{"problem": "x", "deadline": TODAY - dt.timedelta(days=1)}],
            package_data={"street_leader": "甲"},
        )
    assert dbsession.scalar(select(ResponsibilityPackage.id)) is None


def test_stale_finding_edit_is_refused(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    app = as_user("street")
    form = app.get(f"/audits/findings/{finding.id}/edit").forms["finding"]
    services.add_recovery(dbsession, ident(users["street"]), finding, entry_date=TODAY, amount="1")
    form["description"] = "改过的描述"
    res = form.submit("submit", status=409)
    assert "已被他人修改" in res.text
