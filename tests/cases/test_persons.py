"""The person page across years, merge and split of wrong matches."""

import datetime as dt
import decimal

import pytest

from tests.conftest import csrf_token
from whirlwind.cases import casework
from whirlwind.persons import services as persons
from whirlwind.persons.models import Person

from .helpers import days_ago, make_clue


def _person(dbsession, name, org):
    return dbsession.query(Person).filter_by(name=name, org_id=org.id, merged_into_id=None).one()


def test_person_page_shows_clues_cases_and_findings_across_years(as_user, dbsession, tree, users):
    actor = users["street"]
    make_clue(
        dbsession,
        actor,
        tree["V1"],
        title="2019年反映张伟优亲厚友",
        received_date=dt.date(2019, 4, 2),
    )
    make_clue(
        dbsession,
        actor,
        tree["V1"],
        title="反映张伟华吃拿卡要",
        persons=[{"name": "张伟华", "post": "文书"}],
    )
    casework.record_historical_case(
        dbsession,
        users["city"],
        org=tree["V1"],
        title="大潭村张伟虚报冒领案",
        opened_on=dt.date(2021, 3, 1),
        stage_dates={"decision": dt.date(2021, 6, 1), "closed": dt.date(2021, 7, 1)},
        subjects=[
            {
                "name": "张伟",
                "political_status": "中共党员",
                "four_form": 2,
                "party_sanction": "warning",
            }
        ],
    )
    person = _person(dbsession, "张伟", tree["V1"])
    finding_title = None
    try:
        from whirlwind.audits.models import Finding, FindingPerson
    except ImportError:  # the audits area is optional for this page
        Finding = None
    if Finding is not None:
        finding = Finding(
            org_id=tree["V1"].id,
            asset_type="funds",
            irregularity="F07",
            description="2023年惠农补贴虚报面积，涉及金额1.2万元",
            amount_involved=decimal.Decimal("12000"),
        )
        dbsession.add(finding)
        dbsession.flush()
        dbsession.add(
            FindingPerson(
                finding_id=finding.id,
                person_id=person.id,
                org_id=tree["V1"].id,
                name="张伟",
                role="直接责任人",
            )
        )
        dbsession.flush()
        finding_title = "惠农补贴虚报面积"
    page = as_user("street").get(f"/persons/{person.id}")
    assert "2019年反映张伟优亲厚友" in page.text
    assert "大潭村张伟虚报冒领案" in page.text and "警告" in page.text
    assert "反映张伟华吃拿卡要" not in page.text  # 张伟华 is another person
    assert "多次被反映/查处" in page.text
    if finding_title:
        assert finding_title in page.text


def test_merge_and_unmerge(as_user, dbsession, tree, users):
    actor = users["street"]
    make_clue(dbsession, actor, tree["V1"], title="反映大潭村张伟问题")
    make_clue(
        dbsession,
        actor,
        tree["V2"],
        title="反映星光村张伟问题（调任后）",
        received_date=days_ago(20),
    )
    a, b = _person(dbsession, "张伟", tree["V1"]), _person(dbsession, "张伟", tree["V2"])
    app = as_user("street")
    page = app.get(f"/persons/{a.id}")
    assert "反映星光村张伟问题" not in page.text
    form = page.forms["merge-form"]
    form["other_id"] = str(b.id)
    page = form.submit().follow()
    assert "反映大潭村张伟问题" in page.text and "反映星光村张伟问题" in page.text
    assert b.merged_into_id == a.id
    assert "已合并到" in app.get(f"/persons/{b.id}").text
    app.post(f"/persons/{b.id}/unmerge", {"csrf_token": csrf_token(app)})
    assert b.merged_into_id is None
    assert "反映星光村张伟问题" not in app.get(f"/persons/{a.id}").text


def test_merge_refuses_self_and_other_jurisdiction(as_user, dbsession, tree, users):
    make_clue(dbsession, users["street"], tree["V1"])
    make_clue(dbsession, users["street_b"], tree["V3"], persons=[{"name": "张伟"}])
    a, c = _person(dbsession, "张伟", tree["V1"]), _person(dbsession, "张伟", tree["V3"])
    app = as_user("street")
    token = csrf_token(app)
    app.post(f"/persons/{a.id}/merge", {"csrf_token": token, "other_id": str(c.id)}, status=404)
    res = app.post(
        f"/persons/{a.id}/merge", {"csrf_token": token, "other_id": str(a.id)}, status=400
    )
    assert "不能把人员与其自身合并" in res.text
    assert c.merged_into_id is None
    # The same-name person of another street is not offered as a candidate.
    assert f"#{c.id} " not in app.get(f"/persons/{a.id}").text


def test_split(as_user, dbsession, tree, users):
    actor = users["street"]
    first = make_clue(dbsession, actor, tree["V1"], title="反映村主任张伟问题")
    second = make_clue(
        dbsession,
        actor,
        tree["V1"],
        title="反映村民小组长张伟问题",
        received_date=days_ago(30),
        persons=[{"name": "张伟", "post": "村民小组长"}],
    )
    person = _person(dbsession, "张伟", tree["V1"])
    assert (
        {p.person_id for p in first.persons} == {p.person_id for p in second.persons} == {person.id}
    )
    app = as_user("street")
    form = app.get(f"/persons/{person.id}").forms["split-form"]
    res = form.submit(status=400)
    assert "请选择要拆分出去的记录" in res.text or "区分说明" in res.text
    link = second.persons[0]
    form = app.get(f"/persons/{person.id}").forms["split-form"]
    for box in form.fields["clue_links"]:
        box.checked = box._value == str(link.id)
    form["note"] = "村民小组长，1975年生"
    page = form.submit().follow()
    assert "已拆分出新人员" in page.text
    assert "反映村民小组长张伟问题" in page.text and "反映村主任张伟问题" not in page.text
    assert link.person_id != person.id
    assert "反映村民小组长张伟问题" not in app.get(f"/persons/{person.id}").text
    with pytest.raises(Exception, match="至少保留一条"):
        persons.split(dbsession, actor, person, clue_link_ids=[first.persons[0].id], note="x")
