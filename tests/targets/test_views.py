"""The rectification pages as users click through them, ranking to 整顿销号."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from tests.conftest import csrf_token
from tests.ledger.helpers import PNG, TODAY, ident
from whirlwind.ledger.models import ItemStatus
from whirlwind.targets import services as ts
from whirlwind.targets.models import RectificationTarget, TargetStatus


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["组织编码", "组织名称", "得分", "星级"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_walk_through_the_pages(as_user, dbsession, tree, users):
    app = as_user("district_org")
    # The district's org officer creates the district's campaign.
    form = app.get("/targets/campaigns/new").forms["campaign"]
    form["year"] = str(TODAY.year)
    form["ratio"] = "0.10"
    res = form.submit("submit", status=302).follow()
    campaign_id = int(res.request.path.rsplit("/", 1)[1])
    assert "末位 10.0%" in res.text
    # Import with an error: nothing written, each bad row named.
    form = res.forms["import-form"]
    form["file"] = (
        "scores.xlsx",
        xlsx([["T420116001001", "大潭村", 51, 2], ["T420116009", "无此村", 60, 1]]),
    )
    page = form.submit(status=302).follow()
    assert (
        "第 3 行：组织编码 T420116009 不存在或不在您的管辖范围内。" in page.text
        and "已录入 0 个组织" in page.text
    )
    form = page.forms["import-form"]
    form["file"] = (
        "scores.xlsx",
        xlsx(
            [
                ["T420116001001", "大潭村", 51, 2],
                ["T420116001002", "星光村", 83, 4],
                ["T420116002001", "刘家山村", 90, 5],
            ]
        ),
    )
    page = form.submit(status=302).follow()
    assert "已导入 3 个组织的考核结果" in page.text
    # Reverse ranking: lowest first, ceil(0.1 × 3) = 1 proposed.
    page = app.get(f"/targets/campaigns/{campaign_id}/ranking")
    orgs = [tr["data-org"] for tr in page.html.select("table.ranking tbody tr")]
    assert orgs == ["T420116001001", "T420116001002", "T420116002001"]
    page.forms["confirm-form"].submit(status=302)
    target = dbsession.query(RectificationTarget).filter_by(campaign_id=campaign_id).one()
    assert target.status == TargetStatus.PROPOSED

    detail = app.get(f"/targets/{target.id}")
    assert "尚未制定整改事项" in detail.text
    form = app.get(f"/targets/{target.id}/identify").forms["identify"]
    form.set("date", (TODAY - dt.timedelta(days=1)).isoformat(), index=3)  # committee approval
    form.submit("submit", status=302)
    form = app.get(f"/targets/{target.id}/package").forms["package"]
    fields = form.fields
    # Four member groups in order: city, district, street, village.
    for i, (name, username) in enumerate(
        [("王建国", "t_city"), ("陈志强", "t_district"), ("黄磊", "t_street"), ("李四", "")]
    ):
        fields["person_name"][i].value = name
        fields["username"][i].value = username
    form.submit("submit", status=302)
    assert [m.level for m in target.package.members] == ["city", "district", "street", "village"]
    form = app.get(f"/targets/{target.id}/plan").forms["plan"]
    form["problem"] = "三会一课不落实"
    form["measure"] = "每月固定主题党日"
    form["responsible_person"] = "李四"
    form["date"] = (TODAY + dt.timedelta(days=40)).isoformat()
    form.submit("submit", status=302)
    form = app.get(f"/targets/{target.id}/edit").forms["target"]
    form["date"] = (TODAY + dt.timedelta(days=60)).isoformat()
    form.submit("submit", status=302)
    app.get(f"/targets/{target.id}").forms["target-start"].submit(status=302)
    assert target.status == TargetStatus.RECTIFYING

    (item,) = ts.target_items(dbsession, target.id)
    street = as_user("street")
    note = street.get(f"/ledger/items/{item.id}").forms["note-form"]
    note["note"] = "已开展主题党日"
    note["file"] = ("主题党日.png", PNG)
    note.submit(status=302)
    for user in ("street", "street2", "district", "city"):
        app_ = as_user(user)
        page = app_.get(f"/ledger/items/{item.id}")
        name = (
            "action-submit"
            if item.status in (ItemStatus.IN_PROGRESS, ItemStatus.RETURNED)
            else "action-approve"
        )
        page.forms[name].submit(status=302)
    assert item.status == ItemStatus.CLEARED

    app = as_user("district_org")
    app.get(f"/targets/{target.id}").forms["target-request"].submit(status=302)
    form = app.get(f"/targets/{target.id}/acceptance").forms["acceptance"]
    form["inspectors"] = "区委组织部 张三、李四"
    form["score"] = "82"
    form["respondents"] = "15"
    form["satisfied_pct"] = "86"
    form["dissatisfied_pct"] = "4"
    form.submit("submit", status=302)
    assert target.status == TargetStatus.ACCEPTED
    page = app.get(f"/targets/{target.id}")
    assert "可以整顿销号" in page.text
    page.forms["target-clear"].submit(status=302)
    assert target.status == TargetStatus.CLEARED
    assert "整顿销号" in app.get(f"/targets/{target.id}").text
    # Exported list of targets has the cleared one.
    ws = load_workbook(
        io.BytesIO(app.get("/targets/export.xlsx", {"status": "cleared"}).body)
    ).active
    assert [r[1] for r in list(ws.iter_rows(values_only=True))[1:]] == ["大潭村"]


def test_target_page_explains_what_is_missing_and_other_district_gets_404(
    as_user, dbsession, tree, users, settings
):
    officer = ident(users["district_org"])
    campaign = ts.create_campaign(
        dbsession, officer, org=tree["D1"], year=TODAY.year, title="", settings=settings
    )
    target = ts.add_target(
        dbsession, officer, campaign, tree["V2"], categories=["W01"], evidence="书记缺职"
    )
    ts.identify_target(dbsession, officer, target, committee_approval_date=TODAY)
    ts.add_plan_row(
        dbsession,
        officer,
        target,
        problem="书记缺职",
        measure="选配书记",
        responsible_person="街道",
        deadline=TODAY + dt.timedelta(days=30),
    )
    page = as_user("district_org").get(f"/targets/{target.id}")
    missing = page.html.find(id="missing").get_text()
    assert (
        "尚有 1 项整改事项未销号" in missing
        and "尚无区级验收通过记录" in missing
        and "书记缺职" in missing
    )
    as_user("district_b").get(f"/targets/{target.id}", status=404)
    # A leader may read but not act.
    page = as_user("district_leader").get(f"/targets/{target.id}")
    assert not page.html.find(id="target-start") and not page.html.find(id="target-remove")
    res = as_user("district_leader").post(
        f"/targets/{target.id}/start",
        {"version": target.version, "csrf_token": csrf_token(as_user("district_leader"))},
        status="*",
    )
    assert res.status_int == 403
