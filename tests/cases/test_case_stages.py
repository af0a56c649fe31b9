"""Case stages in order, dated forwards; per-person handling and the sanction rules."""

import datetime as dt
import decimal

import pytest

from whirlwind.cases import casework, services
from whirlwind.cases.limits import DEFAULT
from whirlwind.cases.models import CaseStage
from whirlwind.errors import InvalidTransition, ValidationFailed

from .helpers import days_ago, make_clue


@pytest.fixture
def case(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"], received_date=days_ago(200))
    d = services.propose_disposal(
        dbsession, actor, clue, mode="open_case", opinion="直接立案", proposed_on=days_ago(190)
    )
    return services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(180))


def test_every_stage_to_a_sanction_and_closing(dbsession, users, case):
    actor = users["street"]
    subject = case.subjects[0]
    casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(100))
    assert case.due_date == days_ago(100) + dt.timedelta(days=DEFAULT.review_days)
    casework.update_subject(
        dbsession,
        actor,
        subject,
        four_form=2,
        party_sanction="serious_warning",
        state_sanction="major_demerit",
        amount_involved=decimal.Decimal("12500"),
        illegal_gains=decimal.Decimal("8000"),
        confiscated=decimal.Decimal("8000"),
        ordered_returned=decimal.Decimal("4500"),
        recovered=decimal.Decimal("12500"),
        decision_number="黄纪发〔2024〕12号",
    )
    casework.advance_case(dbsession, actor, case, stage="decision", on_date=days_ago(80))
    assert subject.decision_on == days_ago(80)
    casework.advance_case(dbsession, actor, case, stage="announced", on_date=days_ago(75))
    assert subject.announced_on == days_ago(75)
    assert case.due_date == days_ago(75) + dt.timedelta(days=DEFAULT.execution_days)
    casework.advance_case(dbsession, actor, case, stage="executed", on_date=days_ago(20))
    casework.advance_case(dbsession, actor, case, stage="closed", on_date=days_ago(10))
    assert (
        case.stage == CaseStage.CLOSED and case.closed_on == days_ago(10) and case.due_date is None
    )
    assert [e.stage for e in case.events] == [
        "investigation",
        "review",
        "decision",
        "announced",
        "executed",
        "closed",
    ]
    assert subject.recovered == decimal.Decimal("12500.00")
    with pytest.raises(InvalidTransition, match="不能修改处理结果"):
        casework.update_subject(dbsession, actor, subject, note="改")


def test_stages_cannot_be_skipped(dbsession, users, case):
    with pytest.raises(InvalidTransition, match=r"案件阶段不能跳过.*下一阶段应为“审理”"):
        casework.advance_case(
            dbsession, users["street"], case, stage="decision", on_date=days_ago(10)
        )
    assert case.stage == CaseStage.INVESTIGATION


def test_stages_cannot_go_backwards(dbsession, users, case):
    actor = users["street"]
    casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(100))
    with pytest.raises(InvalidTransition, match="不能回退"):
        casework.advance_case(dbsession, actor, case, stage="investigation", on_date=days_ago(50))


def test_stage_dates_cannot_go_backwards(dbsession, users, case):
    actor = users["street"]
    with pytest.raises(ValidationFailed, match="审理日期不能早于上一阶段“审查调查”的日期"):
        casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(181))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(-1))
    casework.advance_case(
        dbsession, actor, case, stage="review", on_date=days_ago(180)
    )  # same day is fine


def test_decision_needs_four_forms(dbsession, users, case):
    actor = users["street"]
    casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(100))
    with pytest.raises(InvalidTransition, match="四种形态"):
        casework.advance_case(dbsession, actor, case, stage="decision", on_date=days_ago(90))


def test_village_cadre_state_sanctions(dbsession, users, case):
    subject = case.subjects[0]
    assert subject.identity == "village_cadre"
    for code in ("demotion", "dismissal", "expulsion"):
        with pytest.raises(ValidationFailed, match="只能给予警告、记过或记大过"):
            casework.update_subject(
                dbsession, users["street"], subject, four_form=2, state_sanction=code
            )
    assert subject.state_sanction == ""
    for code in ("warning", "demerit", "major_demerit"):
        casework.update_subject(
            dbsession, users["street"], subject, four_form=2, state_sanction=code
        )
        assert subject.state_sanction == code


def test_civil_servant_may_be_demoted(dbsession, users, case):
    subject = case.subjects[0]
    casework.update_subject(
        dbsession,
        users["street"],
        subject,
        identity="civil_servant",
        four_form=3,
        state_sanction="demotion",
    )
    assert subject.state_sanction == "demotion"


def test_party_sanction_rules(dbsession, users, case):
    subject = case.subjects[0]
    with pytest.raises(ValidationFailed, match="应认定为第三种及以上形态"):
        casework.update_subject(
            dbsession, users["street"], subject, four_form=2, party_sanction="probation"
        )
    with pytest.raises(ValidationFailed, match="第一种形态不是处分"):
        casework.update_subject(
            dbsession, users["street"], subject, four_form=1, party_sanction="warning"
        )
    with pytest.raises(ValidationFailed, match="不是中共党员"):
        casework.update_subject(
            dbsession,
            users["street"],
            subject,
            political_status="群众",
            four_form=2,
            party_sanction="warning",
        )
    with pytest.raises(ValidationFailed, match="移送司法机关"):
        casework.update_subject(dbsession, users["street"], subject, four_form=4)
    casework.update_subject(
        dbsession,
        users["street"],
        subject,
        four_form=4,
        party_sanction="expulsion",
        to_prosecution=True,
        prosecution_on=days_ago(100),
    )
    assert subject.to_prosecution


def test_negative_amounts_refused(dbsession, users, case):
    with pytest.raises(ValidationFailed, match="收缴金额不能为负数"):
        casework.update_subject(
            dbsession, users["street"], case.subjects[0], confiscated=decimal.Decimal("-1")
        )


def test_extension_once(dbsession, users, case):
    due = case.due_date
    casework.extend_investigation(dbsession, users["street"], case, reason="案情复杂")
    assert case.due_date == due + dt.timedelta(days=DEFAULT.extension_days)
    with pytest.raises(InvalidTransition, match="已延期一次"):
        casework.extend_investigation(dbsession, users["street"], case, reason="再延")


def test_revoke(dbsession, users, case):
    casework.revoke_case(
        dbsession, users["street"], case, on_date=days_ago(5), reason="反映问题不实"
    )
    assert case.stage == CaseStage.REVOKED
    with pytest.raises(InvalidTransition):
        casework.advance_case(dbsession, users["street"], case, stage="review", on_date=days_ago(1))


def test_historical_case(dbsession, tree, users):
    case = casework.record_historical_case(
        dbsession,
        users["city"],
        org=tree["V2"],
        title="星光村原会计李强挪用集体资金案",
        opened_on=dt.date(2016, 3, 1),
        stage="closed",
        stage_dates={
            "review": dt.date(2016, 5, 10),
            "decision": dt.date(2016, 6, 1),
            "closed": dt.date(2016, 7, 1),
        },
        subjects=[
            {
                "name": "李强",
                "post": "村会计",
                "identity": "village_staff",
                "political_status": "中共党员",
                "four_form": 3,
                "party_sanction": "probation",
                "state_sanction": "major_demerit",
                "recovered": decimal.Decimal("56000"),
            }
        ],
        result_text="给予留党察看一年处分，追回资金5.6万元。",
        source="petition",
    )
    assert case.stage == "closed" and case.is_historical and case.due_date is None
    assert case.subjects[0].decision_on == dt.date(2016, 6, 1)
    with pytest.raises(ValidationFailed, match="不能早于"):
        casework.record_historical_case(
            dbsession,
            users["city"],
            org=tree["V2"],
            title="x",
            opened_on=dt.date(2016, 3, 1),
            stage_dates={"review": dt.date(2016, 2, 1), "closed": dt.date(2016, 7, 1)},
        )
    with pytest.raises(ValidationFailed, match="只能给予警告、记过或记大过"):
        casework.record_historical_case(
            dbsession,
            users["city"],
            org=tree["V2"],
            title="y",
            opened_on=dt.date(2016, 3, 1),
            stage_dates={"closed": dt.date(2016, 7, 1)},
            subjects=[
                {
                    "name": "王芳",
                    "identity": "village_cadre",
                    "four_form": 3,
                    "state_sanction": "dismissal",
                }
            ],
        )


def test_rectification_from_closed_case(dbsession, tree, users, case):
    from whirlwind.ledger.services import items_for_source

    actor = users["street"]
    items = [
        {"problem": "惠农补贴发放未公示", "measure": "建立公示制度", "deadline": days_ago(-60)}
    ]
    members = [{"level": "street", "role": "street_leader", "person_name": "刘明"}]
    with pytest.raises(InvalidTransition, match="已结案"):
        casework.open_rectification(
            dbsession, actor, case, package_title="以案促改", members=members, items=items
        )
    case.stage = CaseStage.CLOSED
    case.closed_on = days_ago(1)
    package, created = casework.open_rectification(
        dbsession, actor, case, package_title="以案促改", members=members, items=items
    )
    assert package.source_type == "case" and package.source_id == case.id
    assert [i.id for i in items_for_source(dbsession, "case", case.id)] == [created[0].id]


def test_public_notice_needs_a_decision(dbsession, tree, users, case):
    actor = users["street"]
    with pytest.raises(ValidationFailed, match="尚未作出处分决定"):
        casework.create_public_notice(
            dbsession,
            actor,
            org=tree["S1"],
            issued_on=days_ago(1),
            title="通报",
            channel="website",
            entries=[(case, None)],
        )
    casework.advance_case(dbsession, actor, case, stage="review", on_date=days_ago(100))
    casework.update_subject(
        dbsession, actor, case.subjects[0], four_form=2, party_sanction="warning"
    )
    casework.advance_case(dbsession, actor, case, stage="decision", on_date=days_ago(80))
    notice = casework.create_public_notice(
        dbsession,
        actor,
        org=tree["S1"],
        issued_on=days_ago(70),
        title="关于3起群众身边腐败问题的通报",
        channel="wechat",
        entries=[(case, case.subjects[0])],
    )
    assert notice.entries[0].case_id == case.id
