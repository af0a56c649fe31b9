"""What users do on the disclosure pages: record publications, check them, open ledger
items, read calendars and rates, export Excel; each inside their own jurisdiction."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from tests.disclosure.helpers import item, record, set_date
from whirlwind import clock
from whirlwind.disclosure.catalog import seed_catalog
from whirlwind.disclosure.models import (
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
)
from whirlwind.ledger.models import RectificationItem, ResponsibilityPackage

LAST_YEAR = clock.today().year - 1
D = dt.date


@pytest.fixture
def cat(dbsession):
    return {
        "M": item(dbsession, "TM", "month", 10, title="财务收支明细"),
        "Q": item(
            dbsession,
            "TQ",
            "quarter",
            15,
            applies="village",
            domain="affairs",
            title="村务工作计划",
        ),
        "E": item(
            dbsession, "TE", "event", 7, applies="village", domain="affairs", title="征地补偿"
        ),
    }


def workbook(res):
    assert res.content_type.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(res.body))


def record_form(app, org, it, period):
    return app.get(
        "/disclosure/records/new", {"org_id": org.id, "catalog_item_id": it.id, "period": period}
    ).forms["record"]


def test_street_inspector_records_a_publication_and_the_calendar_shows_it(
    as_user, tree, cat, dbsession
):
    app = as_user("street")
    form = record_form(app, tree["V1"], cat["M"], f"{LAST_YEAR}-03")
    set_date(form, "published_on", f"{LAST_YEAR}-04-12")  # due 10 April: late
    form["channel"] = "wechat_group"
    form["content"] = "3月收支明细"
    form["evidence_link"] = "https://example.com/post/1"
    res = form.submit("submit", status=302).follow()
    assert "已登记大潭村" in res.text and "逾期公开" in res.text
    rec = dbsession.scalar(select(DisclosureRecord).where(DisclosureRecord.org_id == tree["V1"].id))
    assert (
        rec.period == f"{LAST_YEAR}-03"
        and rec.due_date == D(LAST_YEAR, 4, 10)
        and rec.channel == "wechat_group"
    )
    cal = app.get(f"/disclosure/units/{tree['V1'].id}/calendar", {"year": LAST_YEAR})
    cell = cal.html.find("td", attrs={"data-period": f"{LAST_YEAR}-03", "data-item": "TM"})
    assert "dc-late" in cell["class"] and "逾期公开" in cell.text
    april = cal.html.find("td", attrs={"data-period": f"{LAST_YEAR}-04", "data-item": "TM"})
    assert "dc-missing" in april["class"]
    q1 = cal.html.find("td", attrs={"data-period": f"{LAST_YEAR}-Q1", "data-item": "TQ"})
    assert "dc-missing" in q1["class"]
    # No style attributes anywhere (CSP): colours come from classes.
    assert not cal.html.find_all(attrs={"style": True})
    # A second record for the same period is refused.
    form = record_form(app, tree["V1"], cat["M"], f"{LAST_YEAR}-03")
    set_date(form, "published_on", f"{LAST_YEAR}-04-12")
    form["channel"] = "board"
    res = form.submit("submit", status=409)
    assert "已有公开记录" in res.text


def test_record_validation_messages(as_user, tree, cat, dbsession):
    app = as_user("street")
    form = record_form(app, tree["V1"], cat["M"], f"{LAST_YEAR}-03")
    set_date(form, "published_on", f"{LAST_YEAR}-02-27")
    form["channel"] = "board"
    assert "不能早于公开期间的开始" in form.submit("submit", status=400).text
    form = record_form(app, tree["V1"], cat["M"], f"{LAST_YEAR}-03")
    set_date(form, "published_on", (clock.today() + dt.timedelta(days=1)).isoformat())
    form["channel"] = "board"
    assert "公开日期不能晚于今天" in form.submit("submit", status=400).text
    # A period key that does not fit the item's frequency.
    res = app.get(
        "/disclosure/records/new",
        {"org_id": tree["V1"].id, "catalog_item_id": cat["Q"].id, "period": f"{LAST_YEAR}-03"},
        status=400,
    )
    assert "与频次" in res.text
    # A village-only item for a community.
    app = as_user("city")
    res = app.get(
        "/disclosure/records/new",
        {"org_id": tree["K1"].id, "catalog_item_id": cat["Q"].id, "period": f"{LAST_YEAR}-Q1"},
        status=400,
    )
    assert "不适用于社区" in res.text
    assert dbsession.scalar(select(DisclosureRecord.id)) is None


def test_event_item_is_due_n_days_after_the_event(as_user, tree, cat, dbsession):
    app = as_user("street")
    form = app.get(
        "/disclosure/records/new", {"org_id": tree["V1"].id, "catalog_item_id": cat["E"].id}
    ).forms["record"]
    set_date(form, "event_date", f"{LAST_YEAR}-05-01")
    set_date(form, "published_on", f"{LAST_YEAR}-05-08")
    form["channel"] = "board"
    form.submit("submit", status=302)
    rec = dbsession.scalar(
        select(DisclosureRecord).where(DisclosureRecord.catalog_item_id == cat["E"].id)
    )
    assert rec.period == f"{LAST_YEAR}-05-01" and rec.due_date == D(LAST_YEAR, 5, 8)
    cal = app.get(f"/disclosure/units/{tree['V1'].id}/calendar", {"year": LAST_YEAR})
    assert "按时公开" in cal.html.find(id="events").text


def test_committee_check_fails_and_opens_a_ledger_item(as_user, tree, cat, dbsession, users):
    rec = record(dbsession, tree["V1"], cat["Q"], f"{LAST_YEAR}-Q2", D(LAST_YEAR, 7, 10))
    app = as_user("committee")
    form = app.get(
        "/disclosure/checks/new",
        {"org_id": tree["V1"].id, "catalog_item_id": cat["Q"].id, "period": f"{LAST_YEAR}-Q2"},
    ).forms["check"]
    form["result"] = "fail"
    res = form.submit("submit", status=400)
    assert "须选择至少一项不合格情形" in res.text
    assert dbsession.scalar(select(DisclosureCheck.id)) is None
    form = res.forms["check"]
    form["result"] = "fail"
    form.set("checkbox", True, index=2)  # 不完整
    form["note"] = "缺少低保对象名单"
    res = form.submit("submit", status=302)
    check = dbsession.scalar(select(DisclosureCheck))
    assert check.result == "fail" and check.reasons == "incomplete" and check.record_id == rec.id
    assert check.checker_id == users["committee"].id
    page = res.follow()
    assert "转为整改事项" in page.text and "经检查不合格：不完整" in page.text
    failure_form = page.forms["failure"]
    failure_form["street_leader"] = "黄磊"
    failure_form["responsible_person"] = "村会计"
    page = failure_form.submit("submit", status=302).follow()
    failure = dbsession.scalar(select(DisclosureFailure))
    assert failure.check_id == check.id and failure.kind == "check"
    item_row = dbsession.scalar(
        select(RectificationItem).where(RectificationItem.source_type == "disclosure")
    )
    assert (
        item_row.source_id == failure.id
        and item_row.org_id == tree["V1"].id
        and item_row.status == "pending"
    )
    package = dbsession.get(ResponsibilityPackage, item_row.package_id)
    assert package.source_type == "disclosure" and package.source_id == failure.id
    assert [m.person_name for m in package.members] == ["黄磊"]
    assert page.request.path == f"/disclosure/failures/{failure.id}"
    assert item_row.number in page.text and "待整改" in page.text
    # The same check cannot open a second item.
    res = app.get("/disclosure/failures/new", {"check": check.id}).forms["failure"]
    res["street_leader"] = "黄磊"
    assert "已转为整改事项" in res.submit("submit", status=409).text
    # The calendar shows the failed check and the link to the ledger source.
    cal = app.get(f"/disclosure/units/{tree['V1'].id}/calendar", {"year": LAST_YEAR})
    cell = cal.html.find("td", attrs={"data-period": f"{LAST_YEAR}-Q2", "data-item": "TQ"})
    assert "dc-check-failed" in cell["class"] and "已转整改" in cell.text


def test_check_rules(as_user, tree, cat, dbsession):
    app = as_user("committee")
    params = {"org_id": tree["V1"].id, "catalog_item_id": cat["Q"].id, "period": f"{LAST_YEAR}-Q1"}
    form = app.get("/disclosure/checks/new", params).forms["check"]
    form["result"] = "pass"
    assert "尚无公开记录，不能评定为合格" in form.submit("submit", status=400).text
    form = app.get("/disclosure/checks/new", params).forms["check"]
    form["result"] = "pass"
    form.set("checkbox", True, index=0)
    assert "检查合格时不应选择不合格情形" in form.submit("submit", status=400).text
    assert dbsession.scalar(select(DisclosureCheck.id)) is None


def test_missing_disclosure_opens_an_item(as_user, tree, cat, dbsession):
    app = as_user("street")
    params = {"org_id": tree["V2"].id, "catalog_item_id": cat["M"].id, "period": f"{LAST_YEAR}-06"}
    form = app.get("/disclosure/failures/new", params).forms["failure"]
    assert "逾期未公开" in form["problem"].value
    res = form.submit("submit", status=400)
    assert "至少需要一名街道级或区级责任人" in res.text
    assert dbsession.scalar(select(DisclosureFailure.id)) is None
    form = res.forms["failure"]
    form["district_leader"] = "陈志强"
    form.submit("submit", status=302)
    failure = dbsession.scalar(select(DisclosureFailure))
    assert failure.kind == "missing" and failure.reasons == "not_published"
    assert (
        dbsession.scalar(
            select(RectificationItem.source_id).where(RectificationItem.source_type == "disclosure")
        )
        == failure.id
    )
    # Once published, it is no longer "missing".
    record(dbsession, tree["V2"], cat["M"], f"{LAST_YEAR}-07", D(LAST_YEAR, 8, 5))
    params["period"] = f"{LAST_YEAR}-07"
    form = app.get("/disclosure/failures/new", params).forms["failure"]
    form["street_leader"] = "黄磊"
    assert "不是“未公开”状态" in form.submit("submit", status=400).text


def test_committee_member_sees_and_checks_only_their_village(as_user, tree, cat, dbsession):
    other = record(dbsession, tree["V2"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 3))
    app = as_user("committee")  # 大潭村 (V1)
    assert app.get("/disclosure", status=302).location.endswith(
        f"/disclosure/units/{tree['V1'].id}/calendar"
    )
    app.get(f"/disclosure/units/{tree['V1'].id}/calendar", status=200)
    app.get(f"/disclosure/units/{tree['V2'].id}/calendar", status=404)
    app.get(f"/disclosure/units/{tree['V2'].id}/calendar.xlsx", status=404)
    app.get(f"/disclosure/records/{other.id}", status=404)
    params = {"org_id": tree["V2"].id, "catalog_item_id": cat["M"].id, "period": f"{LAST_YEAR}-01"}
    app.get("/disclosure/checks/new", params, status=404)
    token = app.get(f"/disclosure/units/{tree['V1'].id}/calendar").html.find(
        "meta", attrs={"name": "csrf-token"}
    )["content"]
    app.post(
        "/disclosure/checks/new",
        {
            **params,
            "csrf_token": token,
            "checked_on": f"{LAST_YEAR}-03-01",
            "result": "fail",
            "checkbox": "untrue",
        },
        status=404,
    )
    assert dbsession.scalar(select(DisclosureCheck.id)) is None
    # Not a recorder of publications.
    app.get("/disclosure/records/new", {**params, "org_id": tree["V1"].id}, status=403)
    # Lists and exports leave the other village out.
    records = app.get("/disclosure/records")
    assert "星光村" not in records.text
    wb = workbook(app.get("/disclosure/records.xlsx"))
    assert wb.active.max_row == 1
    # Another street's inspector cannot see V1 either.
    app = as_user("street_b")
    app.get(f"/disclosure/units/{tree['V1'].id}/calendar", status=404)
    app.get("/disclosure/rates", {"unit": tree["S1"].id}, status=404)


def test_rates_page_and_exports(as_user, tree, cat, dbsession):
    record(dbsession, tree["V1"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 3))
    app = as_user("district")
    assert app.get("/disclosure", status=302).location.endswith("/disclosure/rates")
    page = app.get("/disclosure/rates", {"year": LAST_YEAR})
    names = [
        tr.find("td").text.strip() for tr in page.html.find(id="units").find("tbody").find_all("tr")
    ]
    assert names[-1] == "大潭村" and set(names) == {"大潭村", "星光村", "刘家山村"}
    assert page.html.find(id="streets") is not None
    wb = workbook(app.get("/disclosure/rates.xlsx", {"unit": tree["D1"].id, "year": LAST_YEAR}))
    assert wb.sheetnames == ["按月", "按街道", "村社区（由低到高）"]
    units = wb["村社区（由低到高）"]
    assert [units.cell(row=r, column=1).value for r in range(2, 5)][-1] == "大潭村"
    # V1: 12 M + 4 Q due in the year, one published on time (Jan); none pending last year.
    row = next(r for r in units.iter_rows(min_row=2, values_only=True) if r[0] == "大潭村")
    assert row[2:6] == (1, 0, 15, 0)
    # Street view of the district's street.
    page = app.get("/disclosure/rates", {"unit": tree["S1"].id, "year": LAST_YEAR})
    assert page.html.find(id="streets") is None and "祁家湾街道" in page.text
    # City overview and export (city inspector).
    app = as_user("city")
    assert app.get("/disclosure", status=302).location.endswith("/disclosure/city")
    page = app.get("/disclosure/city", {"year": LAST_YEAR})
    assert "黄陂区" in page.text and "江岸区" in page.text
    wb = workbook(app.get("/disclosure/city.xlsx", {"year": LAST_YEAR}))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["江岸区", "黄陂区", "合计"]
    # Calendar export.
    wb = workbook(app.get(f"/disclosure/units/{tree['V1'].id}/calendar.xlsx", {"year": LAST_YEAR}))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 16 and ("财务", "财务收支明细") == rows[0][:2] and rows[0][5] == "按时公开"


def test_records_list_filters_and_export(as_user, tree, cat, dbsession):
    record(
        dbsession, tree["V1"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 3), channel="website"
    )
    record(dbsession, tree["V3"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 20))
    app = as_user("district")
    page = app.get("/disclosure/records")
    assert "大潭村" in page.text and "刘家山村" in page.text
    page = app.get("/disclosure/records", {"timeliness": "late"})
    assert "刘家山村" in page.text and "大潭村" not in page.text
    page = app.get("/disclosure/records", {"unit": tree["S1"].id})
    assert "大潭村" in page.text and "刘家山村" not in page.text
    wb = workbook(app.get("/disclosure/records.xlsx", {"channel": "website"}))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["大潭村"] and rows[0][6] == "网站"


def test_catalogue_admin(as_user, dbsession):
    app = as_user("street")
    assert app.get("/disclosure/catalog").status_int == 200
    app.get("/disclosure/catalog/new", status=403)
    app = as_user("admin")
    page = app.get("/disclosure/catalog")
    seed = next(f for f in page.forms.values() if f.action.endswith("/disclosure/catalog/seed"))
    assert "已补充 14 个默认目录项" in seed.submit(status=302).follow().text
    items = {i.code: i for i in dbsession.scalars(select(DisclosureCatalogItem))}
    assert items["F01"].frequency == "month" and items["F01"].deadline_days == 10
    assert items["A01"].frequency == "quarter" and "[U]" in items["A01"].note
    assert seed_catalog(dbsession) == 0  # idempotent
    form = app.get("/disclosure/catalog/new").forms["catalog"]
    form["code"] = "f01"
    form["domain"] = "finance"
    form["title"] = "重复"
    form["frequency"] = "month"
    form["deadline_days"] = "10"
    form["applies_to"] = "both"
    assert "已存在" in form.submit("submit", status=400).text
    form = app.get(f"/disclosure/catalog/{items['F01'].id}/edit").forms["catalog"]
    form["deadline_days"] = "15"
    form.submit("submit", status=302)
    assert items["F01"].deadline_days == 15
    form = app.get(f"/disclosure/catalog/{items['F01'].id}/edit").forms["catalog"]
    form["version"] = "1"  # stale
    form["deadline_days"] = "12"
    assert "已被他人修改" in form.submit("submit", status=409).text


def test_evidence_photo_upload(as_user, tree, cat, dbsession):
    rec = record(dbsession, tree["V1"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 3))
    app = as_user("street")
    page = app.get(f"/disclosure/records/{rec.id}")
    form = page.forms["evidence"]
    form["file"] = ("board.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    page = form.submit(status=302).follow()
    assert "board.png" in page.text
    link = page.html.find("a", string="board.png")["href"]
    assert app.get(link).content_type == "image/png"
    as_user("committee_b").get(link, status=404)


def test_record_edit_and_stale_version(as_user, tree, cat, dbsession):
    rec = record(dbsession, tree["V1"], cat["M"], f"{LAST_YEAR}-01", D(LAST_YEAR, 2, 3))
    app = as_user("street")
    form = app.get(f"/disclosure/records/{rec.id}/edit").forms["record"]
    set_date(form, "published_on", f"{LAST_YEAR}-02-15")  # after the 10 Feb deadline
    page = form.submit("submit", status=302).follow()
    assert "逾期公开" in page.html.find(id="status").text and "修改公开记录" in page.text
    form = app.get(f"/disclosure/records/{rec.id}/edit").forms["record"]
    form["version"] = "1"
    form["content"] = "覆盖"
    assert "已被他人修改" in form.submit("submit", status=409).text
    assert rec.content == ""
