import decimal

from whirlwind.cases import services
from whirlwind.cases.casework import advance_case, update_subject
from whirlwind.cases.models import CaseStage, ClueStatus
from whirlwind.cases.search import DOCUMENTS

from .helpers import days_ago, make_clue


def test_clue_to_case_to_sanction_and_documents(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    assert clue.number.startswith("XS")
    assert clue.status == ClueStatus.REGISTERED
    d = services.propose_disposal(
        dbsession, actor, clue, mode="verification", opinion="拟初核", proposed_on=days_ago(90)
    )
    services.approve_disposal(dbsession, actor, d, approved_on=days_ago(89))
    assert clue.status == ClueStatus.VERIFYING
    services.record_response(
        dbsession, actor, d, response_on=days_ago(60), text="初核报告：基本属实"
    )
    follow = services.conclude_disposal(
        dbsession, actor, d, outcome="propose_case", outcome_on=days_ago(59)
    )
    case = services.approve_disposal(dbsession, actor, follow, approved_on=days_ago(58))
    assert clue.status == ClueStatus.CASE_OPENED
    assert [s.person.name for s in case.subjects] == ["张伟"]
    advance_case(dbsession, actor, case, stage="review", on_date=days_ago(30))
    update_subject(
        dbsession,
        actor,
        case.subjects[0],
        four_form=2,
        party_sanction="warning",
        state_sanction="demerit",
        confiscated=decimal.Decimal("12500"),
    )
    advance_case(dbsession, actor, case, stage="decision", on_date=days_ago(20))
    assert case.stage == CaseStage.DECISION
    docs = DOCUMENTS["case"](dbsession, [case.id, 999999])
    assert set(docs) == {case.id}
    assert docs[case.id]["persons"] == ["张伟"]
    assert docs[case.id]["category"] == ["false_claims"]
    cdocs = DOCUMENTS["clue"](dbsession, [clue.id])
    assert "大潭村" in cdocs[clue.id]["units"] and cdocs[clue.id]["district_id"] == tree["D1"].id
