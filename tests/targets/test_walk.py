"""A target from the reverse ranking to 整顿销号, through every level."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import pytest
from openpyxl import Workbook

from tests.ledger.helpers import TODAY, add_evidence, ident
from whirlwind.errors import InvalidTransition, ValidationFailed
from whirlwind.ledger.models import ItemStatus
from whirlwind.ledger.workflow import transition
from whirlwind.orgs.services import create_org
from whirlwind.targets import services as ts
from whirlwind.targets.models import TargetStatus


@pytest.fixture
def campaign(dbsession, tree, users, settings):
    return ts.create_campaign(
        dbsession,
        ident(users["city_org"]),
        org=tree["C"],
        year=TODAY.year,
        title="",
        ratio=decimal.Decimal("0.10"),
        per_district=True,
        settings=settings,
    )


def more_villages(dbsession, tree, n=18):
    """Enough units that 10% of a district is more than one: D1 gets 3 + n units."""
    return [
        create_org(
            dbsession,
            code=f"T4201160020{i:02d}",
            name=f"测试{i}村",
            level="village",
            parent=tree["S2"],
        )
        for i in range(2, 2 + n)
    ]


def test_quota_is_ceil_of_ratio_per_district(dbsession, tree, users, campaign):
    officer = ident(users["city_org"])
    extra = more_villages(dbsession, tree)
    d1_units = [tree["V1"], tree["V2"], tree["V3"], *extra]  # 21 units -> ceil(2.1) = 3
    for i, org in enumerate(d1_units):
        ts.set_assessment(dbsession, officer, org=org, year=campaign.assessment_year, score=60 + i)
    ts.set_assessment(dbsession, officer, org=tree["K1"], year=campaign.assessment_year, score=99)
    ranking = ts.ranking(dbsession, officer, campaign)
    quotas = {g[0].code: g[2] for g in ranking.groups}
    assert quotas == {"T420116": 3, "T420102": 1}
    proposed = {r.org.code for r in ranking.proposed}
    assert proposed == {"T420116001001", "T420116001002", "T420116002001", "T420102001001"}
    # City-wide instead: ceil(0.1 × 22) = 3 lowest of the whole city.
    city_wide = ts.ranking(dbsession, officer, campaign, per_district=False)
    assert [r.org.code for r in city_wide.proposed] == [
        "T420116001001",
        "T420116001002",
        "T420116002001",
    ]
    # A district officer sees only the district's units.
    district_view = ts.ranking(dbsession, ident(users["district_org"]), campaign)
    assert {g[0].code for g in district_view.groups} == {"T420116"}


def test_import_assessments_validates_every_row(dbsession, tree, users, campaign):
    officer = ident(users["district_org"])

    def xlsx(rows):
        wb = Workbook()
        ws = wb.active
        ws.append(["组织编码", "组织名称", "得分", "星级"])
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        return buf

    bad = ts.import_assessments(
        dbsession,
        officer,
        xlsx(
            [
                ["T420116001001", "大潭村", 55, 2],
                ["T420102001001", "三阳社区", 70, 3],
                ["T420116001002", "", 130, 1],
                ["T420116001", "祁家湾街道", 50, None],
            ]
        ),
        campaign.assessment_year,
    )
    assert bad.imported == 0
    assert bad.errors == [
        "第 3 行：组织编码 T420102001001 不存在或不在您的管辖范围内。",
        "第 4 行：得分须在 0 到 100 之间。",
        "第 5 行：“祁家湾街道”不是社区或村，不参加倒排。",
    ]
    good = ts.import_assessments(
        dbsession,
        officer,
        xlsx([["T420116001001", "大潭村", 55, 2], ["T420116001002", "星光村", 80.5, 4]]),
        campaign.assessment_year,
    )
    assert good.imported == 2 and not good.errors
    ranking = ts.ranking(dbsession, officer, campaign)
    rows = ranking.groups[0][1]
    assert [(r.org.code, r.assessment.rank) for r in rows[:2]] == [
        ("T420116001001", 2),
        ("T420116001002", 1),
    ]


def test_walk_from_ranking_to_cleared_through_every_level(
    dbsession, settings, tree, users, campaign
):
    city_org, district_org = ident(users["city_org"]), ident(users["district_org"])
    street, district, city = ident(users["street"]), ident(users["district"]), ident(users["city"])
    for code, score in (("V1", 52), ("V2", 88), ("V3", 91), ("K1", 77)):
        ts.set_assessment(
            dbsession, city_org, org=tree[code], year=campaign.assessment_year, score=score
        )
    proposal = ts.ranking(dbsession, district_org, campaign).proposed
    assert [r.org.name for r in proposal] == ["大潭村"]
    (target,) = ts.confirm_targets(dbsession, district_org, campaign, [tree["V1"].id])
    assert target.status == TargetStatus.PROPOSED and target.category_codes == ["W11"]
    # Add another by criteria, then remove it with a reason.
    other = ts.add_target(
        dbsession,
        district_org,
        campaign,
        tree["V2"],
        categories=["W01", "W04"],
        evidence="书记缺职4个月",
    )
    with pytest.raises(ValidationFailed):
        ts.remove_target(dbsession, district_org, other, reason="")
    ts.remove_target(
        dbsession, district_org, other, reason="经核实书记已到岗", version=other.version
    )
    assert other.status == TargetStatus.REMOVED and other.removed_reason == "经核实书记已到岗"

    with pytest.raises(InvalidTransition):
        ts.add_plan_row(
            dbsession,
            district_org,
            target,
            problem="p",
            measure="m",
            responsible_person="r",
            deadline=TODAY,
        )
    ts.identify_target(
        dbsession,
        district_org,
        target,
        version=target.version,
        self_check_date=TODAY - dt.timedelta(days=9),
        committee_approval_date=TODAY - dt.timedelta(days=2),
    )
    assert target.status == TargetStatus.IDENTIFIED
    with pytest.raises(InvalidTransition, match="包保责任"):
        ts.start_rectification(dbsession, district_org, target)
    ts.set_package(
        dbsession,
        district_org,
        target,
        [
            {
                "level": "city",
                "role": "city_leader",
                "person_name": "王建国",
                "username": users["city"].username,
            },
            {
                "level": "district",
                "role": "district_leader",
                "person_name": "陈志强",
                "username": users["district"].username,
            },
            {
                "level": "street",
                "role": "street_leader",
                "person_name": "黄磊",
                "username": users["street"].username,
            },
            {"level": "village", "role": "first_secretary", "person_name": "李四"},
        ],
    )
    item1 = ts.add_plan_row(
        dbsession,
        district_org,
        target,
        problem="组织生活不正常",
        measure="每月开展主题党日",
        responsible_person="李四",
        deadline=TODAY + dt.timedelta(days=60),
    )
    item2 = ts.add_plan_row(
        dbsession,
        district_org,
        target,
        problem="村务不公开",
        measure="按季公开",
        responsible_person="李四",
        deadline=TODAY + dt.timedelta(days=60),
    )
    assert item1.package_id == target.package_id
    ts.update_target(
        dbsession,
        district_org,
        target,
        categories=["W11", "W04"],
        evidence="得分末位",
        problem="组织涣散",
        plan_summary="一村一策",
        deadline=TODAY + dt.timedelta(days=90),
    )
    ts.start_rectification(dbsession, district_org, target, version=target.version)
    assert target.status == TargetStatus.RECTIFYING

    # Items through street, district and city (the package names a city leader).
    for item in (item1, item2):
        add_evidence(dbsession, settings, street, item)
        transition(dbsession, street, item, "submit", version=item.version)
        transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
        transition(dbsession, district, item, "approve", version=item.version)
    assert item1.status == ItemStatus.DISTRICT_APPROVED
    transition(dbsession, city, item1, "approve", version=item1.version)

    ts.request_acceptance(dbsession, district_org, target, version=target.version)
    # Failing acceptance: dissatisfied above 50% fails outright even with a high score.
    with pytest.raises(ValidationFailed, match="重新整顿期限"):
        ts.record_acceptance(
            dbsession,
            district_org,
            target,
            date=TODAY,
            inspectors="区委组织部",
            score=85,
            respondents=15,
            satisfied_pct=40,
            dissatisfied_pct=55,
        )
    failed = ts.record_acceptance(
        dbsession,
        district_org,
        target,
        date=TODAY,
        inspectors="区委组织部",
        score=85,
        respondents=15,
        satisfied_pct=40,
        dissatisfied_pct=55,
        new_deadline=TODAY + dt.timedelta(days=30),
    )
    assert failed.result == "fail" and target.status == TargetStatus.RERECTIFY
    ts.request_acceptance(dbsession, district_org, target)
    good = dict(
        date=TODAY,
        inspectors="区委组织部",
        score=78,
        respondents=15,
        satisfied_pct=90,
        dissatisfied_pct=5,
    )
    # A plan item still open (neither cleared nor waived): the acceptance cannot pass.
    with pytest.raises(InvalidTransition, match="验收不能通过"):
        ts.record_acceptance(dbsession, district_org, target, **good)
    transition(dbsession, city, item2, "approve", version=item2.version)
    # A city acceptance is recorded but the campaign requires the district's.
    ts.record_acceptance(
        dbsession,
        city_org,
        target,
        date=TODAY,
        inspectors="市委组织部",
        score=80,
        respondents=15,
        satisfied_pct=90,
        dissatisfied_pct=5,
    )
    assert target.status == TargetStatus.ACCEPTANCE_REQUESTED
    gaps = ts.clearing_gaps(dbsession, target)
    assert gaps["messages"] == ["最近一次区级验收结论为“不通过（重新整顿）”，须重新验收通过。"]
    # The earlier failure is the latest district acceptance: clearing is refused.
    with pytest.raises(InvalidTransition):
        ts.clear_target(dbsession, district_org, target)
    ts.record_acceptance(dbsession, district_org, target, **good)
    assert target.status == TargetStatus.ACCEPTED
    ts.clear_target(dbsession, district_org, target, version=target.version)
    assert target.status == TargetStatus.CLEARED and target.cleared_date == TODAY

    # 回头看: reopening an item takes the target back to 重新整顿.
    ts.record_recheck(
        dbsession,
        district_org,
        target,
        date=TODAY,
        inspectors="区委组织部",
        findings="巩固良好",
        result="ok",
    )
    assert target.status == TargetStatus.CLEARED
    transition(
        dbsession,
        district,
        item1,
        "reopen",
        version=item1.version,
        reason="回头看发现组织生活又不正常",
    )
    assert item1.status == ItemStatus.IN_PROGRESS and target.status == TargetStatus.RERECTIFY


def test_rights_on_targets(dbsession, tree, users, campaign):
    from whirlwind.errors import Forbidden, NotFound

    # A leader reads only; inspectors and organization officers may add targets.
    with pytest.raises(Forbidden):
        ts.add_target(
            dbsession, ident(users["district_leader"]), campaign, tree["V1"], categories=["W01"]
        )
    # A committee member has no right on targets at all.
    with pytest.raises(Forbidden):
        ts.add_target(
            dbsession, ident(users["committee"]), campaign, tree["V1"], categories=["W01"]
        )
    with pytest.raises(NotFound):
        ts.add_target(
            dbsession, ident(users["district_b"]), campaign, tree["V1"], categories=["W01"]
        )
    with pytest.raises(ValidationFailed, match="未知的软弱涣散情形"):
        ts.add_target(
            dbsession, ident(users["district_org"]), campaign, tree["V1"], categories=["W77"]
        )


def _accepting(dbsession, tree, users, campaign, *, package_user="district"):
    """A target of 大潭村 with one plan item, waiting for its acceptance."""
    officer = ident(users["district_org"])
    target = ts.add_target(dbsession, officer, campaign, tree["V1"], categories=["W04"])
    ts.update_target(
        dbsession,
        officer,
        target,
        categories=["W04"],
        evidence="组织生活不正常",
        problem="组织涣散",
        plan_summary="一村一策",
        deadline=TODAY + dt.timedelta(days=90),
    )
    ts.identify_target(
        dbsession, officer, target, committee_approval_date=TODAY - dt.timedelta(days=5)
    )
    ts.set_package(
        dbsession,
        officer,
        target,
        [
            {
                "level": "district",
                "role": "district_leader",
                "person_name": "区领导",
                "username": users[package_user].username,
            },
            {"level": "street", "role": "street_leader", "person_name": "街道领导"},
            {"level": "village", "role": "first_secretary", "person_name": "第一书记"},
        ],
    )
    item = ts.add_plan_row(
        dbsession,
        officer,
        target,
        problem="三会一课不落实",
        measure="按月开展",
        responsible_person="李四",
        deadline=TODAY + dt.timedelta(days=30),
    )
    ts.start_rectification(dbsession, officer, target)
    ts.request_acceptance(dbsession, officer, target)
    return target, item


GOOD = dict(inspectors="区委组织部", score=85, respondents=15, satisfied_pct=92, dissatisfied_pct=3)


def test_acceptance_rules_waiver_dates_and_the_package_member(dbsession, tree, users, campaign):
    officer = ident(users["district_org"])
    target, item = _accepting(dbsession, tree, users, campaign, package_user="district_org")
    # The district package member does not accept at the district level.
    with pytest.raises(InvalidTransition, match="职责分离：您是该整顿对象的区级包保责任人"):
        ts.record_acceptance(dbsession, officer, target, date=TODAY, **GOOD)
    target.package.members[0].user_id = users["district"].id
    # Dates of what happened are not after today, and not before the approval.
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        ts.record_acceptance(dbsession, officer, target, date=dt.date(2028, 1, 1), **GOOD)
    with pytest.raises(ValidationFailed, match="不能早于常委会审定"):
        ts.record_acceptance(dbsession, officer, target, date=TODAY - dt.timedelta(days=6), **GOOD)
    # The plan item is still 待整改: no pass until it is cleared or waived with a reason.
    with pytest.raises(InvalidTransition, match="验收不能通过"):
        ts.record_acceptance(dbsession, officer, target, date=TODAY, **GOOD)
    with pytest.raises(InvalidTransition, match="只有验收层级"):
        ts.waive_plan_item(dbsession, ident(users["city_org"]), target, item, reason="x")
    with pytest.raises(ValidationFailed, match="豁免理由"):
        ts.waive_plan_item(dbsession, officer, target, item, reason=" ")
    ts.waive_plan_item(dbsession, officer, target, item, reason="该措施已由全区统一部署替代")
    row = ts.record_acceptance(dbsession, officer, target, date=TODAY, **GOOD)
    assert row.result == "pass" and target.status == TargetStatus.ACCEPTED


def test_identification_dates_are_not_in_the_future(dbsession, tree, users, campaign):
    officer = ident(users["district_org"])
    target = ts.add_target(dbsession, officer, campaign, tree["V1"], categories=["W04"])
    with pytest.raises(ValidationFailed, match=r"常委会审定日期.*不能晚于今天"):
        ts.identify_target(
            dbsession, officer, target, committee_approval_date=TODAY + dt.timedelta(days=400)
        )
    with pytest.raises(ValidationFailed, match="早于支部自查日期"):
        ts.identify_target(
            dbsession,
            officer,
            target,
            self_check_date=TODAY - dt.timedelta(days=1),
            committee_approval_date=TODAY - dt.timedelta(days=3),
        )


def test_rebound_needs_a_new_passing_acceptance(dbsession, tree, users, campaign):
    officer = ident(users["district_org"])
    target, item = _accepting(dbsession, tree, users, campaign)
    ts.waive_plan_item(dbsession, officer, target, item, reason="并入全区统一措施")
    ts.record_acceptance(dbsession, officer, target, date=TODAY, **GOOD)
    ts.clear_target(dbsession, officer, target)
    ts.record_recheck(
        dbsession,
        officer,
        target,
        date=TODAY,
        inspectors="区委组织部",
        findings="组织生活又不正常",
        result="rebound",
        new_deadline=TODAY + dt.timedelta(days=30),
    )
    assert target.status == TargetStatus.RERECTIFY
    # The pass before the rebound no longer counts.
    gaps = ts.clearing_gaps(dbsession, target)
    assert not gaps["acceptance_passed"] and "重新整顿之后尚无区级验收通过记录" in "".join(
        gaps["messages"]
    )
    ts.request_acceptance(dbsession, officer, target)
    with pytest.raises(InvalidTransition, match="须验收通过"):
        ts.clear_target(dbsession, officer, target)
    # A failed acceptance sends it back to rectification.
    ts.record_acceptance(
        dbsession,
        officer,
        target,
        date=TODAY,
        inspectors="区委组织部",
        score=50,
        respondents=15,
        satisfied_pct=60,
        dissatisfied_pct=20,
        new_deadline=TODAY + dt.timedelta(days=20),
    )
    assert target.status == TargetStatus.RERECTIFY
    ts.request_acceptance(dbsession, officer, target)
    ts.record_acceptance(dbsession, officer, target, date=TODAY, **GOOD)
    ts.clear_target(dbsession, officer, target)
    assert target.status == TargetStatus.CLEARED
