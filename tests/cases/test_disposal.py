"""Clue disposal: every mode and outcome of §4.3–4.4, with its next step and time limit."""

import datetime as dt

import pytest

from whirlwind.cases import services
from whirlwind.cases.limits import DEFAULT
from whirlwind.cases.models import Case, ClueStatus, DisposalMode, DisposalState
from whirlwind.errors import InvalidTransition, ValidationFailed

from .helpers import approver_for, days_ago, make_clue


def _approved(session, actor, clue, mode, **kw):
    d = services.propose_disposal(
        session, actor, clue, mode=mode, opinion="拟办", proposed_on=days_ago(90), **kw
    )
    result = services.approve_disposal(
        session, approver_for(session, actor), d, approved_on=days_ago(89)
    )
    return d, result


def test_registered_clue_has_proposal_time_limit(dbsession, tree, users):
    clue = make_clue(dbsession, users["street"], tree["V1"], received_date=days_ago(10))
    assert clue.status == ClueStatus.REGISTERED
    assert clue.due_date == days_ago(10) + dt.timedelta(days=DEFAULT.proposal_days)
    assert clue.number.startswith(f"XS{days_ago(10).year}-")


@pytest.mark.parametrize(
    ("outcome", "status", "next_mode"),
    [
        ("clarified", ClueStatus.CLOSED, None),
        ("reminder", ClueStatus.CLOSED, None),
        ("criticism", ClueStatus.CLOSED, None),
        ("self_exam", ClueStatus.CLOSED, None),
        ("admonish", ClueStatus.CLOSED, None),
        ("talk_again", ClueStatus.PROPOSED, DisposalMode.TALK_INQUIRY),
        ("to_verification", ClueStatus.PROPOSED, DisposalMode.VERIFICATION),
    ],
)
def test_talk_inquiry_outcomes(dbsession, tree, users, outcome, status, next_mode):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, _ = _approved(dbsession, actor, clue, "talk_inquiry")
    assert clue.status == ClueStatus.TALK_INQUIRY
    assert d.due_date == days_ago(89) + dt.timedelta(days=DEFAULT.talk_inquiry_days)
    with pytest.raises(InvalidTransition, match="请先登记谈话记录或函询回复"):
        services.conclude_disposal(dbsession, actor, d, outcome=outcome, outcome_on=days_ago(70))
    with pytest.raises(ValidationFailed, match="请选择谈话或函询"):
        services.record_response(dbsession, actor, d, response_on=days_ago(75), text="回复")
    services.record_response(
        dbsession, actor, d, response_on=days_ago(75), text="书面说明情况", method="letter"
    )
    result = services.conclude_disposal(
        dbsession, actor, d, outcome=outcome, outcome_on=days_ago(70)
    )
    assert clue.status == status
    assert d.state == DisposalState.DONE and d.outcome == outcome
    if next_mode:
        assert result.mode == next_mode and result.state == DisposalState.PROPOSED
        assert clue.due_date == days_ago(70) + dt.timedelta(days=DEFAULT.proposal_days)
    else:
        assert clue.closed_on == days_ago(70) and clue.due_date is None


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("propose_case", ClueStatus.PROPOSED),
        ("close", ClueStatus.CLOSED),
        ("reminder", ClueStatus.CLOSED),
        ("admonish", ClueStatus.CLOSED),
        ("org_handling", ClueStatus.CLOSED),
        ("transfer_party", ClueStatus.TRANSFERRED),
        ("shelve", ClueStatus.PROPOSED),
    ],
)
def test_verification_outcomes(dbsession, tree, users, outcome, status):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, _ = _approved(dbsession, actor, clue, "verification")
    assert clue.status == ClueStatus.VERIFYING
    assert clue.due_date == days_ago(89) + dt.timedelta(days=DEFAULT.verification_days)
    services.record_response(
        dbsession, actor, d, response_on=days_ago(60), text="初核报告，核查组签名"
    )
    reason = "untrue" if outcome == "close" else ""
    services.conclude_disposal(
        dbsession, actor, d, outcome=outcome, outcome_on=days_ago(59), close_reason=reason
    )
    assert clue.status == status


def test_verification_leads_to_case(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, _ = _approved(dbsession, actor, clue, "verification")
    services.record_response(dbsession, actor, d, response_on=days_ago(60), text="初核报告")
    follow = services.conclude_disposal(
        dbsession, actor, d, outcome="propose_case", outcome_on=days_ago(59)
    )
    assert follow.mode == DisposalMode.OPEN_CASE
    case = services.approve_disposal(
        dbsession, approver_for(dbsession, actor), follow, approved_on=days_ago(58)
    )
    assert isinstance(case, Case)
    assert clue.status == ClueStatus.CASE_OPENED
    assert case.opened_on == days_ago(58)
    assert case.due_date == days_ago(58) + dt.timedelta(days=DEFAULT.investigation_days)
    assert [s.person.name for s in case.subjects] == ["张伟"]


def test_outcome_must_fit_the_mode(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, _ = _approved(dbsession, actor, clue, "talk_inquiry")
    services.record_response(
        dbsession, actor, d, response_on=days_ago(80), text="谈话", method="talk"
    )
    with pytest.raises(ValidationFailed, match="谈话函询的结果只能是"):
        services.conclude_disposal(
            dbsession, actor, d, outcome="propose_case", outcome_on=days_ago(70)
        )
    assert clue.status == ClueStatus.TALK_INQUIRY


@pytest.mark.parametrize(
    ("outcome", "status"), [("to_verification", ClueStatus.PROPOSED), ("close", ClueStatus.CLOSED)]
)
def test_shelved_clue_review(dbsession, tree, users, outcome, status):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, _ = _approved(dbsession, actor, clue, "shelve")
    assert clue.status == ClueStatus.SHELVED
    assert clue.due_date == days_ago(89) + dt.timedelta(days=DEFAULT.shelve_review_days)
    services.conclude_disposal(dbsession, actor, d, outcome="keep_shelved", outcome_on=days_ago(40))
    assert clue.status == ClueStatus.SHELVED and d.reviews == 1
    assert clue.due_date == days_ago(40) + dt.timedelta(days=DEFAULT.shelve_review_days)
    services.conclude_disposal(
        dbsession,
        actor,
        d,
        outcome=outcome,
        outcome_on=days_ago(10),
        close_reason="unverifiable" if outcome == "close" else "",
    )
    assert clue.status == status


def test_close_needs_a_reason_and_closes_at_approval(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    with pytest.raises(ValidationFailed, match="了结理由"):
        services.propose_disposal(
            dbsession, actor, clue, mode="close", opinion="了结", proposed_on=days_ago(90)
        )
    d, _ = _approved(dbsession, actor, clue, "close", close_reason="untrue")
    assert (
        clue.status == ClueStatus.CLOSED and d.outcome == "close" and clue.closed_on == days_ago(89)
    )


def test_transfer_needs_a_receiving_body(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    with pytest.raises(ValidationFailed, match="接收单位"):
        services.propose_disposal(
            dbsession, actor, clue, mode="transfer", opinion="移送", proposed_on=days_ago(90)
        )
    _approved(dbsession, actor, clue, "transfer", transfer_to="黄陂区农业农村局")
    assert clue.status == ClueStatus.TRANSFERRED


def test_direct_case_opening(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d, case = _approved(dbsession, actor, clue, "open_case")
    assert d.state == DisposalState.DONE and isinstance(case, Case)
    assert case.clue_links[0].clue_id == clue.id


def test_rejected_proposal_returns_to_registered(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    d = services.propose_disposal(
        dbsession, actor, clue, mode="shelve", opinion="暂存", proposed_on=days_ago(90)
    )
    with pytest.raises(InvalidTransition, match="不能再提出处置意见"):
        services.propose_disposal(
            dbsession,
            actor,
            clue,
            mode="close",
            opinion="x",
            proposed_on=days_ago(90),
            close_reason="untrue",
        )
    services.reject_disposal(dbsession, actor, d, on_date=days_ago(88), note="证据尚需补充")
    assert clue.status == ClueStatus.REGISTERED and d.state == DisposalState.REJECTED


def test_dates_cannot_go_backwards(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"], received_date=days_ago(100))
    with pytest.raises(
        ValidationFailed, match=r"拟办日期（\d{4}-\d\d-\d\d）不能早于.*受理.*（\d{4}-\d\d-\d\d）"
    ):
        services.propose_disposal(
            dbsession, actor, clue, mode="verification", opinion="初核", proposed_on=days_ago(101)
        )
    d = services.propose_disposal(
        dbsession, actor, clue, mode="verification", opinion="初核", proposed_on=days_ago(90)
    )
    with pytest.raises(ValidationFailed, match=r"审批日期（.*）不能早于拟办日期（"):
        services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(91))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(-1))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(-400))


def test_duplicate_clue(dbsession, tree, users):
    actor = users["street"]
    first = make_clue(dbsession, actor, tree["V1"])
    second = make_clue(dbsession, actor, tree["V1"], received_date=days_ago(50))
    services.mark_duplicate(dbsession, actor, second, first, on_date=days_ago(49))
    assert second.status == ClueStatus.DUPLICATE and second.duplicate_of_id == first.id


def test_intake_rules(dbsession, tree, users):
    actor = users["street"]
    with pytest.raises(ValidationFailed, match="受理日期不能晚于今天"):
        make_clue(dbsession, actor, tree["V1"], received_date=days_ago(-2))
    with pytest.raises(ValidationFailed, match="无效的线索来源"):
        make_clue(dbsession, actor, tree["V1"], source="nonsense")
    with pytest.raises(ValidationFailed, match="无效的问题类别"):
        make_clue(dbsession, actor, tree["V1"], categories=["nonsense"])
    clue = make_clue(dbsession, actor, tree["V1"], number="XS-A-1")
    with pytest.raises(ValidationFailed, match="已存在"):
        make_clue(dbsession, actor, tree["V1"], number="XS-A-1")
    # Numbers are unique per unit only.
    assert make_clue(dbsession, actor, tree["V2"], number="XS-A-1").id != clue.id


def test_origin_and_history_fields(dbsession, tree, users):
    clue = make_clue(
        dbsession,
        users["street"],
        tree["V1"],
        origin_type="finding",
        origin_id=42,
        is_historical=True,
        status="closed",
        result_text="给予党内警告处分",
    )
    assert (clue.origin_type, clue.origin_id) == ("finding", 42)
    assert (
        clue.status == ClueStatus.CLOSED
        and clue.closed_on == clue.received_date
        and clue.due_date is None
    )


def test_proposer_does_not_approve_but_the_level_above_may(dbsession, tree, users):
    """Separation of duties for 予以了结, 初步核实 and 立案; a single-inspector unit's
    proposal is approved by the level above (its jurisdiction holds the clue)."""
    actor = users["street"]
    for mode, extra in (
        ("close", {"close_reason": "untrue"}),
        ("verification", {}),
        ("open_case", {}),
    ):
        clue = make_clue(dbsession, actor, tree["V1"], received_date=days_ago(30))
        d = services.propose_disposal(
            dbsession, actor, clue, mode=mode, opinion="拟办", proposed_on=days_ago(20), **extra
        )
        with pytest.raises(InvalidTransition, match="职责分离"):
            services.approve_disposal(dbsession, actor, d, approved_on=days_ago(19))
        assert d.state == DisposalState.PROPOSED
        services.approve_disposal(dbsession, users["district"], d, approved_on=days_ago(19))
        assert d.approved_by_id == users["district"].id
