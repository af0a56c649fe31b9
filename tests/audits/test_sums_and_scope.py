"""Sums per village, street and district against hand-computed values; jurisdiction in
pages, lists, sums and exports; Excel contents."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.audits.helpers import TODAY, ident, make_audit, make_finding
from whirlwind.audits import queries, services


def _data(dbsession, users, tree):
    s, sb, sc = users["street"], users["street_b"], users["street_c"]
    a1 = make_audit(dbsession, s, tree["V1"])
    f1 = make_finding(dbsession, s, a1, involved="1000")
    f2 = make_finding(dbsession, s, a1, involved="2500.50")
    services.add_recovery(dbsession, ident(s), f1, entry_date=TODAY, amount="400")
    a2 = make_audit(dbsession, s, tree["V2"], body="audit")
    f3 = make_finding(dbsession, s, a2, involved="300")
    services.add_recovery(dbsession, ident(s), f3, entry_date=TODAY, amount="300")
    a3 = make_audit(dbsession, sb, tree["V3"])
    f4 = make_finding(
        dbsession, sb, a3, involved="7000", asset_type="resources", irregularity="R05"
    )
    services.add_recovery(dbsession, ident(sb), f4, entry_date=TODAY, amount="1000.25")
    a4 = make_audit(dbsession, sc, tree["K1"])
    f5 = make_finding(dbsession, sc, a4, involved="99")
    return {
        "f1": f1,
        "f2": f2,
        "f3": f3,
        "f4": f4,
        "f5": f5,
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "a4": a4,
    }


def _by_name(rows):
    return {
        r["name"]: (r["count"], str(r["involved"]), str(r["recovered"]), r["open"]) for r in rows
    }


def _money(v):
    from decimal import Decimal

    return str(Decimal(v).quantize(Decimal("0.01")))


def test_sums_per_level_match_hand_computed_values(dbsession, users, tree):
    _data(dbsession, users, tree)
    city = ident(users["city"])
    f = queries.Filters()
    rows = {r["name"]: r for r in queries.sums(dbsession, city, f, "district")}
    assert rows["黄陂区"]["count"] == 4
    assert _money(rows["黄陂区"]["involved"]) == "10800.50"  # 1000 + 2500.50 + 300 + 7000
    assert _money(rows["黄陂区"]["recovered"]) == "1700.25"  # 400 + 300 + 1000.25
    assert (
        _money(rows["江岸区"]["involved"]) == "99.00"
        and _money(rows["江岸区"]["recovered"]) == "0.00"
    )
    streets = {
        r["name"]: r
        for r in queries.sums(dbsession, city, queries.Filters(district=tree["D1"].id), "street")
    }
    assert set(streets) == {"祁家湾街道", "蔡店街道"}
    assert _money(streets["祁家湾街道"]["involved"]) == "3800.50"
    assert _money(streets["祁家湾街道"]["recovered"]) == "700.00"
    assert _money(streets["蔡店街道"]["involved"]) == "7000.00"
    villages = {
        r["name"]: r
        for r in queries.sums(dbsession, city, queries.Filters(street=tree["S1"].id), "village")
    }
    assert (
        _money(villages["大潭村"]["involved"]) == "3500.50"
        and _money(villages["大潭村"]["recovered"]) == "400.00"
    )
    assert _money(villages["星光村"]["involved"]) == "300.00" and villages["星光村"]["open"] == 1
    # Filters narrow the sums: asset type and inspecting body.
    res = {
        r["name"]: r
        for r in queries.sums(dbsession, city, queries.Filters(asset_type="resources"), "district")
    }
    assert set(res) == {"黄陂区"} and _money(res["黄陂区"]["involved"]) == "7000.00"
    res = {
        r["name"]: r
        for r in queries.sums(dbsession, city, queries.Filters(body="audit"), "village")
    }
    assert set(res) == {"星光村"}


def test_sums_page_drills_down_and_respects_jurisdiction(as_user, dbsession, users, tree):
    _data(dbsession, users, tree)
    city = as_user("city")
    page = city.get("/audits/sums")
    assert "黄陂区" in page.text and "江岸区" in page.text and "¥10,899.50" in page.text
    link = page.html.find("a", string="黄陂区")["href"]
    page = city.get("/audits/sums" + link)
    table = page.html.find(id="sums").text
    assert "祁家湾街道" in table and "蔡店街道" in table and "江岸区" not in table
    link = page.html.find("a", string="祁家湾街道")["href"]
    page = city.get("/audits/sums" + link)
    assert "大潭村" in page.text and "星光村" in page.text and "¥3,800.50" in page.text

    street = as_user("street")
    page = street.get("/audits/sums")
    assert "大潭村" in page.text and "刘家山村" not in page.text and "三阳社区" not in page.text
    assert "江岸区" not in page.text
    assert page.html.find(id="total-involved").text == "¥3,800.50"
    page = street.get("/audits/sums?level=district")
    assert "江岸区" not in page.text and "¥3,800.50" in page.text
    wb = load_workbook(io.BytesIO(street.get("/audits/sums/export.xlsx?level=village").body))
    ws = wb.active
    names = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert names == ["大潭村", "星光村", "合计"]


def test_other_jurisdictions_are_404_and_absent_from_lists_and_exports(
    as_user, dbsession, users, tree
):
    d = _data(dbsession, users, tree)
    app = as_user("street_b")  # 蔡店街道: only 刘家山村
    app.get(f"/audits/{d['a1'].id}", status=404)
    app.get(f"/audits/findings/{d['f1'].id}", status=404)
    app.get(f"/audits/villages/{tree['V1'].id}", status=404)
    from tests.conftest import csrf_token

    app.post(
        f"/audits/findings/{d['f1'].id}/recoveries",
        {"csrf_token": csrf_token(app), "entry_date": TODAY.isoformat(), "amount": "1"},
        status=404,
    )
    listing = app.get("/audits")
    assert d["a3"].number in listing.text and d["a1"].number not in listing.text
    findings = app.get("/audits/findings")
    assert d["f4"].number in findings.text and d["f1"].number not in findings.text
    assert "共 1 个问题" in findings.text
    # Asking for a unit outside the jurisdiction shows nothing rather than that unit.
    assert d["f1"].number not in app.get(f"/audits/findings?village={tree['V1'].id}").text
    wb = load_workbook(io.BytesIO(app.get("/audits/findings/export.xlsx").body))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [d["f4"].number, "合计"]
    wb = load_workbook(io.BytesIO(app.get("/audits/export.xlsx").body))
    assert [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)] == [d["a3"].number]
    # A committee member sees their own village only.
    committee = as_user("committee")
    assert d["f3"].number not in committee.get("/audits/findings").text
    assert d["f1"].number in committee.get("/audits/findings").text
    committee.get(f"/audits/findings/{d['f3'].id}", status=404)
    committee.get("/audits/new", status=403)


def test_finding_export_contents_follow_the_filters(as_user, dbsession, users, tree):
    d = _data(dbsession, users, tree)
    services.add_person(dbsession, ident(users["street"]), d["f2"], name="张德旺", post="村会计")
    app = as_user("district")
    res = app.get(f"/audits/findings/export.xlsx?street={tree['S1'].id}&asset_type=funds")
    assert res.content_type.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(res.body)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["问题编号", "区", "街道", "村(社区)"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    by_number = {r[0]: r for r in rows}
    assert set(by_number) == {d["f1"].number, d["f2"].number, d["f3"].number, "合计"}
    row = by_number[d["f2"].number]
    assert row[1:4] == ("黄陂区", "祁家湾街道", "大潭村")
    assert row[6] == "资金" and row[8] == "坐收坐支" and float(row[13]) == 2500.50
    assert row[15] == "张德旺" and row[16] == "未生成整改事项"
    total = by_number["合计"]
    assert float(total[13]) == 3800.50 and float(total[14]) == 700.00


def test_audit_list_filters(as_user, dbsession, users, tree):
    d = _data(dbsession, users, tree)
    app = as_user("city")
    text = app.get(f"/audits?district={tree['D2'].id}").text
    assert d["a4"].number in text and d["a1"].number not in text
    text = app.get("/audits?body=audit").text
    assert d["a2"].number in text and d["a1"].number not in text
    text = app.get("/audits?asset_type=project").text
    assert d["a1"].number not in text
    text = app.get(f"/audits?date_from={TODAY.isoformat()}").text
    assert d["a1"].number not in text
    text = app.get(f"/audits?village={tree['V2'].id}").text
    assert d["a2"].number in text and d["a1"].number not in text
