"""The item state machine: levels, rights, jurisdiction, returns, re-checks, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.ledger.helpers import add_evidence, ident, make_item, package_for
from whirlwind.changelog import history
from whirlwind.errors import InvalidTransition, NotFound, StaleVersion, ValidationFailed
from whirlwind.ledger.models import ItemReview, ItemStatus
from whirlwind.ledger.workflow import available_actions, awaiting_level, review_stages, transition


@pytest.fixture
def item(dbsession, tree, users):
    package = package_for(dbsession, tree["V1"])
    return make_item(dbsession, users["street"], tree["V1"], package=package)


@pytest.fixture
def city_item(dbsession, tree, users):
    package = package_for(dbsession, tree["V1"], city=True)
    return make_item(dbsession, users["street"], tree["V1"], package=package)


def submit(dbsession, settings, users, item):
    street = ident(users["street"])
    add_evidence(dbsession, settings, street, item)
    transition(dbsession, street, item, "submit", version=item.version)


def test_full_chain_without_city_member_clears_at_district(dbsession, settings, users, item):
    assert review_stages(item) == ["street", "district"]
    assert item.status == ItemStatus.PENDING
    submit(dbsession, settings, users, item)
    assert item.status == ItemStatus.SUBMITTED and awaiting_level(item) == "street"
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.STREET_APPROVED and awaiting_level(item) == "district"
    transition(dbsession, ident(users["district"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.CLEARED and item.cleared_at is not None
    decisions = [
        (r.decision, r.level)
        for r in dbsession.scalars(
            select(ItemReview).where(ItemReview.item_id == item.id).order_by(ItemReview.id)
        )
    ]
    assert decisions == [
        ("start", "street"),
        ("submit", "street"),
        ("approve", "street"),
        ("clear", "district"),
    ]
    actions = [e.action for e in history(dbsession, "item", item.id)]
    assert "申请销号" in actions and "街道审核通过" in actions and "区级审核通过并销号" in actions


def test_city_member_adds_the_city_stage(dbsession, settings, users, city_item):
    item = city_item
    assert review_stages(item) == ["street", "district", "city"]
    submit(dbsession, settings, users, item)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    transition(dbsession, ident(users["district"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.DISTRICT_APPROVED and awaiting_level(item) == "city"
    transition(dbsession, ident(users["city"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.CLEARED


def test_submit_needs_evidence(dbsession, users, item):
    from whirlwind.ledger.services import add_note

    street = ident(users["street"])
    add_note(dbsession, street, item, "进展但没有附件")
    with pytest.raises(InvalidTransition, match="佐证材料"):
        transition(dbsession, street, item, "submit", version=item.version)
    assert item.status == ItemStatus.IN_PROGRESS


def test_no_skipping_levels(dbsession, settings, users, city_item):
    item = city_item
    submit(dbsession, settings, users, item)
    # District and city cannot sign the street stage.
    for key in ("district", "city"):
        with pytest.raises(InvalidTransition, match="待街道审核"):
            transition(dbsession, ident(users[key]), item, "approve", version=item.version)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    # The street cannot sign twice, nor sign the district stage; the city cannot jump ahead.
    for key in ("street2", "city"):
        with pytest.raises(InvalidTransition, match="待区级审核"):
            transition(dbsession, ident(users[key]), item, "approve", version=item.version)
    assert item.status == ItemStatus.STREET_APPROVED


def test_rights_and_jurisdiction(dbsession, settings, users, item):
    submit(dbsession, settings, users, item)
    # Leader: no review right. Org officer at district level has it but not at street stage.
    with pytest.raises(InvalidTransition, match="没有审核销号的权限"):
        transition(dbsession, ident(users["city_leader"]), item, "approve", version=item.version)
    with pytest.raises(InvalidTransition, match="没有审核销号的权限"):
        transition(dbsession, ident(users["committee"]), item, "approve", version=item.version)
    # Another street (same district) and another district: outside jurisdiction.
    with pytest.raises(NotFound):
        transition(dbsession, ident(users["street_b"]), item, "approve", version=item.version)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    with pytest.raises(NotFound):
        transition(dbsession, ident(users["district_b"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.STREET_APPROVED
    assert available_actions(dbsession, ident(users["district"]), item) == ["approve", "return"]
    assert available_actions(dbsession, ident(users["street"]), item) == []
    assert available_actions(dbsession, ident(users["district_b"]), item) == []


def test_return_with_reason_and_resubmit(dbsession, settings, users, item):
    submit(dbsession, settings, users, item)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    with pytest.raises(ValidationFailed, match="退回原因"):
        transition(
            dbsession, ident(users["district"]), item, "return", version=item.version, reason="  "
        )
    transition(
        dbsession,
        ident(users["district"]),
        item,
        "return",
        version=item.version,
        reason="照片不清晰",
    )
    assert item.status == ItemStatus.RETURNED and item.last_return_reason == "照片不清晰"
    # Back to the street's desk: a resubmission needs a progress note written after the return.
    street = ident(users["street"])
    with pytest.raises(InvalidTransition, match="退回之后的整改进展"):
        transition(dbsession, street, item, "submit", version=item.version)
    from whirlwind.ledger.services import add_note

    add_note(dbsession, street, item, "已重新拍摄清晰照片")
    # Resubmit: the chain starts again at the street.
    transition(dbsession, street, item, "submit", version=item.version)
    assert item.status == ItemStatus.SUBMITTED and awaiting_level(item) == "street"
    review = dbsession.scalars(select(ItemReview).where(ItemReview.decision == "return")).one()
    assert review.reason == "照片不清晰" and review.level == "district"


def test_lower_level_cannot_return_at_a_higher_stage(dbsession, settings, users, item):
    submit(dbsession, settings, users, item)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    with pytest.raises(InvalidTransition):
        transition(
            dbsession, ident(users["street"]), item, "return", version=item.version, reason="x"
        )


def test_stale_version_changes_nothing(dbsession, settings, users, item):
    submit(dbsession, settings, users, item)
    seen = item.version
    transition(dbsession, ident(users["street2"]), item, "approve", version=seen)
    with pytest.raises(StaleVersion):
        transition(dbsession, ident(users["district"]), item, "approve", version=seen)
    assert item.status == ItemStatus.STREET_APPROVED


def test_reopen_only_by_recheck_with_reason(dbsession, settings, users, item):
    with pytest.raises(InvalidTransition, match="已销号"):
        transition(
            dbsession, ident(users["district"]), item, "reopen", version=item.version, reason="x"
        )
    submit(dbsession, settings, users, item)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    transition(dbsession, ident(users["district"]), item, "approve", version=item.version)
    with pytest.raises(ValidationFailed):
        transition(dbsession, ident(users["district"]), item, "reopen", version=item.version)
    transition(
        dbsession,
        ident(users["district"]),
        item,
        "reopen",
        version=item.version,
        reason="回头看发现问题反弹",
    )
    assert (
        item.status == ItemStatus.IN_PROGRESS
        and item.reopened_count == 1
        and item.cleared_at is None
    )
    assert "回头看重新打开" in [e.action for e in history(dbsession, "item", item.id)]


def test_item_of_a_district_unit_starts_at_district_stage(dbsession, settings, tree, users):
    item = make_item(dbsession, users["district"], tree["D1"])
    assert review_stages(item) == ["district"]
    district = ident(users["district"])
    add_evidence(dbsession, settings, district, item)
    transition(dbsession, district, item, "submit", version=item.version)
    assert awaiting_level(item) == "district"
    # The applicant signs no stage of the item; another district reviewer does.
    with pytest.raises(InvalidTransition, match="职责分离"):
        transition(dbsession, district, item, "approve", version=item.version)
    transition(dbsession, ident(users["district_org"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.CLEARED


def test_applicant_signs_no_stage_and_nobody_signs_two(dbsession, settings, users, item):
    submit(dbsession, settings, users, item)
    with pytest.raises(InvalidTransition, match="职责分离：申请销号的人员"):
        transition(dbsession, ident(users["street"]), item, "approve", version=item.version)
    assert "approve" not in available_actions(dbsession, ident(users["street"]), item)
    transition(dbsession, ident(users["street2"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.STREET_APPROVED


def test_single_inspector_street_is_signed_by_the_district(dbsession, settings, tree, users):
    """祁家湾街道 with its applicant as the only reviewer: the district signs the street stage
    (on the record), and another district reviewer the district stage."""
    users["street2"].active = False
    package = package_for(dbsession, tree["V1"])
    item = make_item(dbsession, users["street"], tree["V1"], package=package)
    submit(dbsession, settings, users, item)
    with pytest.raises(InvalidTransition):
        transition(dbsession, ident(users["city"]), item, "approve", version=item.version)
    review = transition(dbsession, ident(users["district"]), item, "approve", version=item.version)
    assert review.level == "street" and "代为审核" in review.reason
    with pytest.raises(InvalidTransition, match="已审核过本次申请"):
        transition(dbsession, ident(users["district"]), item, "approve", version=item.version)
    transition(dbsession, ident(users["district_org"]), item, "approve", version=item.version)
    assert item.status == ItemStatus.CLEARED
