"""Search documents of clues and cases for the indexer."""

import decimal

from whirlwind.cases import services
from whirlwind.cases.search import DOCUMENTS

from .helpers import days_ago, make_clue


def test_documents(dbsession, tree, users):
    actor = users["street"]
    clue = make_clue(
        dbsession, actor, tree["V1"], full_text="详细反映内容", reporter_name="保密的反映人"
    )
    d = services.propose_disposal(
        dbsession, actor, clue, mode="open_case", opinion="立案", proposed_on=days_ago(90)
    )
    case = services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(80))
    docs = DOCUMENTS["clue"](dbsession, [clue.id, 987654])
    assert set(docs) == {clue.id}
    doc = docs[clue.id]
    assert doc["type"] == "clue" and doc["number"] == clue.number
    assert doc["persons"] == ["张伟"] and doc["category"] == ["false_claims"]
    assert {"大潭村", "祁家湾街道", "黄陂区"} <= set(doc["units"])
    assert (doc["district_id"], doc["street_id"]) == (tree["D1"].id, tree["S1"].id)
    assert doc["date"] == days_ago(100) and doc["year"] == days_ago(100).year
    assert doc["amount"] == decimal.Decimal("12500.00") and doc["stage"] == "case_opened"
    assert "详细反映内容" in doc["text"] and "保密的反映人" not in str(doc)
    cdoc = DOCUMENTS["case"](dbsession, [case.id])[case.id]
    assert (
        cdoc["type"] == "case" and cdoc["stage"] == "investigation" and cdoc["source"] == "petition"
    )
    assert cdoc["category"] == ["false_claims"] and cdoc["persons"] == ["张伟"]
    assert cdoc["date"] == days_ago(80)


def test_changes_reach_the_outbox(dbsession, tree, users):
    from sqlalchemy import select

    from whirlwind.outbox import SearchOutbox

    clue = make_clue(dbsession, users["street"], tree["V1"])
    rows = set(dbsession.execute(select(SearchOutbox.record_type, SearchOutbox.record_id)).all())
    assert ("clue", clue.id) in rows
