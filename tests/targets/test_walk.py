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
        transition(dbsession, street, item, "approve", version=item.version)
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
    assert gaps["messages"] == ["尚有 1 项整改事项未销号。", "尚无区级验收通过记录。"]
    ts.record_acceptance(
        dbsession,
        district_org,
        target,
        date=TODAY,
        inspectors="区委组织部",
        score=78,
        respondents=15,
        satisfied_pct=90,
        dissatisfied_pct=5,
    )
    assert target.status == TargetStatus.ACCEPTED
    with pytest.raises(InvalidTransition, match="尚有 1 项整改事项未销号"):
        ts.clear_target(dbsession, district_org, target)
    transition(dbsession, city, item2, "approve", version=item2.version)
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
