"""The clue and case pages as users see them: intake, confidentiality, actions, lists,
exports and jurisdiction."""

import io

import openpyxl
import pytest

from tests.conftest import csrf_token
from whirlwind.cases import casework, services
from whirlwind.cases.models import Clue

from .helpers import days_ago, make_clue


@pytest.fixture
def clue(dbsession, tree, users):
    return make_clue(
        dbsession,
        users["street"],
        tree["V1"],
        reporter_name="李秀英",
        reporter_phone="13800001234",
        reporter_unit="大潭村三组",
    )


@pytest.fixture
def other_clue(dbsession, tree, users):
    """A clue in 刘家山村 (蔡店街道): outside the 祁家湾街道 street user's jurisdiction."""
    return make_clue(
        dbsession,
        users["street_b"],
        tree["V3"],
        title="反映刘家山村文书王强优亲厚友",
        persons=[{"name": "王强", "post": "文书"}],
        categories=["favouritism"],
    )


def test_intake_form_with_several_persons(as_user, tree, dbsession):
    app = as_user("street")
    form = app.get("/cases/clues/new").forms["clue"]
    fields = [
        ("csrf_token", form["csrf_token"].value),
        ("title", "反映星光村两委干部截留低保金"),
        ("number", ""),
        ("__start__", "received_date:mapping"),
        ("date", days_ago(3).isoformat()),
        ("__end__", "received_date:mapping"),
        ("source", "petition"),
        ("source_detail", "12388 电话"),
        ("org_id", str(tree["V2"].id)),
        ("field", "relief"),
        ("campaign", ""),
        ("__start__", "categories:sequence"),
        ("checkbox", "misappropriation"),
        ("checkbox", "favouritism"),
        ("__end__", "categories:sequence"),
        ("summary", "群众反映低保金被截留。"),
        ("full_text", ""),
        ("amount_involved", "3600.00"),
        ("handling_way", "direct"),
        ("reporter_name", "匿名群众"),
        ("reporter_unit", ""),
        ("reporter_phone", ""),
        ("__start__", "persons:sequence"),
        ("__start__", "person:mapping"),
        ("name", "张伟"),
        ("post", "村委会主任"),
        ("unit_name", "星光村村委会"),
        ("political_status", "中共党员"),
        ("identity", "village_cadre"),
        ("__end__", "person:mapping"),
        ("__start__", "person:mapping"),
        ("name", "张伟华"),
        ("post", "村会计"),
        ("unit_name", "星光村村委会"),
        ("political_status", "群众"),
        ("identity", "village_staff"),
        ("__end__", "person:mapping"),
        ("__end__", "persons:sequence"),
        ("submit", "submit"),
    ]
    res = app.post("/cases/clues/new", fields)
    assert res.status_int == 302, res.text[:3000]
    page = res.follow()
    assert "反映星光村两委干部截留低保金" in page.text
    assert "张伟华" in page.text and "截留挪用" in page.text
    clue = dbsession.query(Clue).filter_by(title="反映星光村两委干部截留低保金").one()
    assert sorted(p.name for p in clue.persons) == ["张伟", "张伟华"]
    assert len({p.person_id for p in clue.persons}) == 2  # 张伟 is not 张伟华


def test_intake_form_requires_a_person(as_user, tree):
    app = as_user("street")
    form = app.get("/cases/clues/new").forms["clue"]
    form["title"] = "无被反映人的线索"
    form["source"] = "petition"
    form["org_id"] = str(tree["V1"].id)
    form["summary"] = "内容"
    res = app.post(
        "/cases/clues/new",
        [(k, v) for k, v in form.submit_fields() if k != "name"] + [("submit", "1")],
        status=400,
    )
    assert "提交的内容有误" in res.text


def test_reporter_visible_only_with_permission(as_user, clue):
    page = as_user("street").get(f"/cases/clues/{clue.id}")
    assert "李秀英" in page.text and "13800001234" in page.text
    page = as_user("city_leader").get(f"/cases/clues/{clue.id}")
    assert "李秀英" not in page.text and "13800001234" not in page.text
    assert "反映人信息保密" in page.text
    export = as_user("city_leader").get("/cases/clues.xlsx")
    assert "李秀英" not in _cells(export)
    assert "李秀英" in _cells(as_user("city").get("/cases/clues.xlsx"))


def test_reporter_fields_need_the_permission(as_user, users, dbsession, tree):
    """An editor without cases:reporter neither sees nor can set the reporter's identity."""
    from whirlwind.accounts.models import Role

    assert "reporter_name" in as_user("street").get("/cases/clues/new").text
    role = dbsession.query(Role).filter_by(code="street_inspector").one()
    role.permissions = " ".join(p for p in role.permission_set if p != "cases:reporter")
    dbsession.flush()
    app = as_user("street")
    form = app.get("/cases/clues/new").forms["clue"]
    assert "reporter_name" not in form.fields
    form["title"] = "无权限登记的线索"
    form["source"] = "petition"
    form["org_id"] = str(tree["V1"].id)
    for box in form.fields["checkbox"]:
        box.checked = box._value == "extortion"
    form["summary"] = "反映吃拿卡要"
    form["name"] = "陈刚"
    fields = [*form.submit_fields(), ("reporter_name", "偷偷填写"), ("submit", "1")]
    res = app.post("/cases/clues/new", fields).follow()
    assert "无权限登记的线索" in res.text
    clue = dbsession.query(Clue).filter_by(title="无权限登记的线索").one()
    assert clue.reporter_name == ""
    as_user("city_leader").get("/cases/clues/new", status=403)


def _cells(res) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(res.body))
    return "\n".join(
        str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None
    )


def test_disposal_through_the_pages(as_user, clue):
    proposer = as_user("street")
    page = proposer.get(f"/cases/clues/{clue.id}")
    form = page.forms["propose-form"]
    form["mode"] = "verification"
    form["opinion"] = "建议初步核实"
    page = form.submit().follow()
    assert "已提出拟办意见：初步核实" in page.text
    d = clue.disposals[0]
    # The proposer may not approve the proposal (separation of duties).
    res = proposer.post(
        f"/cases/disposals/{d.id}/approve",
        {"csrf_token": csrf_token(proposer), "approved_on": days_ago(0).isoformat()},
        status=422,
    )
    assert "职责分离" in res.text
    app = as_user("street2")
    token = csrf_token(app)
    page = app.post(
        f"/cases/disposals/{d.id}/approve",
        {"csrf_token": token, "approved_on": days_ago(0).isoformat(), "approval_way": "meeting"},
    ).follow()
    assert "初步核实中" in page.text
    res = app.post(
        f"/cases/disposals/{d.id}/conclude",
        {"csrf_token": token, "outcome": "propose_case", "outcome_on": days_ago(0).isoformat()},
        status=422,
    )
    assert "请先登记初核报告" in res.text
    app.post(
        f"/cases/disposals/{d.id}/response",
        {
            "csrf_token": token,
            "response_on": days_ago(0).isoformat(),
            "text": "初核报告：反映问题基本属实",
        },
    )
    res = app.post(
        f"/cases/disposals/{d.id}/conclude",
        {"csrf_token": token, "outcome": "clarified", "outcome_on": days_ago(0).isoformat()},
        status=400,
    )
    assert "初步核实的结果只能是" in res.text
    page = app.post(
        f"/cases/disposals/{d.id}/conclude",
        {"csrf_token": token, "outcome": "propose_case", "outcome_on": days_ago(0).isoformat()},
    ).follow()
    assert "已转入下一步：立案审查调查" in page.text
    follow = clue.disposals[1]
    app = as_user("street")
    token = csrf_token(app)
    res = app.post(
        f"/cases/disposals/{follow.id}/approve",
        {"csrf_token": token, "approved_on": days_ago(0).isoformat(), "case_number": "AJ-TEST-1"},
    )
    case_page = res.follow()
    assert "AJ-TEST-1" in case_page.text and "审查调查" in case_page.text


def test_case_page_stage_rules(as_user, dbsession, users, clue):
    d = services.propose_disposal(
        dbsession, users["street"], clue, mode="open_case", opinion="立案", proposed_on=days_ago(90)
    )
    case = services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(80))
    app = as_user("street")
    page = app.get(f"/cases/{case.id}")
    assert "进入“审理”" in page.text
    token = csrf_token(app)
    res = app.post(
        f"/cases/{case.id}/advance",
        {"csrf_token": token, "stage": "decision", "on_date": days_ago(1).isoformat()},
        status=422,
    )
    assert "案件阶段不能跳过" in res.text
    res = app.post(
        f"/cases/{case.id}/advance",
        {"csrf_token": token, "stage": "review", "on_date": days_ago(81).isoformat()},
        status=400,
    )
    assert "不能早于上一阶段" in res.text
    form = page.forms["advance-form"]
    form["on_date"] = days_ago(50).isoformat()
    page = form.submit().follow()
    assert "案件已进入“审理”阶段" in page.text
    # The village-cadre rule, through the handling form.
    subject = case.subjects[0]
    form = app.get(f"/cases/subjects/{subject.id}").forms["subject"]
    form["four_form"] = "2"
    form["state_sanction"] = "dismissal"
    res = form.submit("submit", status=400)
    assert "只能给予警告、记过或记大过" in res.text
    assert subject.state_sanction == ""
    form = res.forms["subject"]
    form["state_sanction"] = "demerit"
    form["party_sanction"] = "warning"
    form["confiscated"] = "3000.50"
    page = form.submit("submit").follow()
    assert "记过" in page.text and "¥3,000.50" in page.text


def test_jurisdiction(as_user, clue, other_clue, dbsession, users):
    app = as_user("street")
    app.get(f"/cases/clues/{other_clue.id}", status=404)
    listing = app.get("/cases/clues")
    assert clue.number in listing.text and "王强" not in listing.text
    assert "王强" not in _cells(app.get("/cases/clues.xlsx"))
    d = services.propose_disposal(
        dbsession,
        users["street_b"],
        other_clue,
        mode="open_case",
        opinion="立案",
        proposed_on=days_ago(90),
    )
    case = services.approve_disposal(dbsession, users["district"], d, approved_on=days_ago(80))
    app.get(f"/cases/{case.id}", status=404)
    assert case.number not in app.get("/cases/list").text
    assert "王强" not in _cells(app.get("/cases/list.xlsx"))
    token = csrf_token(app)
    app.post(
        f"/cases/{case.id}/advance",
        {"csrf_token": token, "stage": "review", "on_date": days_ago(1).isoformat()},
        status=404,
    )
    app.post(
        f"/cases/disposals/{d.id}/approve",
        {"csrf_token": token, "approved_on": days_ago(1).isoformat()},
        status=404,
    )
    person_id = other_clue.persons[0].person_id
    app.get(f"/persons/{person_id}", status=404)
    # The district above both streets sees both.
    district = as_user("district")
    assert other_clue.number in district.get("/cases/clues").text
    district.get(f"/cases/{case.id}")
    # Committee members have no access to clues at all.
    as_user("committee").get("/cases/clues", status=403)


def test_list_filters_and_export(as_user, dbsession, tree, users, clue):
    other = make_clue(
        dbsession,
        users["street"],
        tree["V2"],
        title="反映星光村违规收费",
        source="committee",
        categories=["illegal_fees"],
        received_date=days_ago(5),
        persons=[{"name": "赵敏"}],
        amount_involved=0,
    )
    app = as_user("street")
    first, second = f'/cases/clues/{clue.id}"', f'/cases/clues/{other.id}"'

    def shown(params):
        text = app.get("/cases/clues", params).text
        return (first in text, second in text)

    assert shown({}) == (True, True)
    assert shown({"source": "committee"}) == (False, True)
    assert shown({"category": "false_claims"}) == (True, False)
    assert shown({"amount_min": "10000"}) == (True, False)
    assert shown({"amount_max": "100"}) == (False, True)
    assert shown({"date_from": days_ago(10).isoformat()}) == (False, True)
    assert shown({"date_to": days_ago(10).isoformat()}) == (True, False)
    assert shown({"q": "赵敏"}) == (False, True)
    assert shown({"unit": tree["S2"].id}) == (False, False)
    # clue received 100 days ago: its 30-day proposal limit has passed -> red.
    assert shown({"colour": "red"}) == (True, False)
    assert shown({"colour": "blue"}) == (False, True)
    cells = _cells(app.get("/cases/clues.xlsx", {"colour": "red"}))
    assert clue.title in cells and other.title not in cells
    overdue = app.get("/cases/overdue")
    assert first in overdue.text and second not in overdue.text


def test_case_list_and_export(as_user, dbsession, tree, users):
    casework.record_historical_case(
        dbsession,
        users["city"],
        org=tree["V1"],
        title="大潭村原主任张伟华侵占集体资金案",
        opened_on=days_ago(3000),
        stage="closed",
        stage_dates={"decision": days_ago(2900), "closed": days_ago(2880)},
        subjects=[
            {
                "name": "张伟华",
                "political_status": "中共党员",
                "four_form": 2,
                "party_sanction": "serious_warning",
            }
        ],
        source="petition",
    )
    app = as_user("street")
    res = app.get("/cases/list", {"status": "closed"})
    assert "张伟华侵占集体资金案" in res.text and "严重警告" in res.text
    assert "张伟华侵占集体资金案" not in app.get("/cases/list", {"status": "open"}).text
    cells = _cells(app.get("/cases/list.xlsx", {"status": "closed"}))
    assert "张伟华" in cells and "严重警告" in cells


def test_other_pages_render(as_user, dbsession, users, clue):
    app = as_user("street")
    for url in ("/cases/notices", "/cases/notices/new", "/cases/overdue?colour=yellow", "/persons"):
        app.get(url)
    res = app.get("/persons", {"repeat": "1", "q": "张"})
    assert "张伟" not in res.text  # one clue only: not a repeat
    assert "张伟" in app.get("/persons", {"q": "张"}).text
