"""Search documents of findings: fields, stage, and a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import event

from tests.audits.helpers import ident, make_audit, make_finding
from whirlwind.audits import services
from whirlwind.audits.search import DOCUMENTS
from whirlwind.outbox import SearchOutbox


def test_finding_documents(dbsession, users, tree):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    findings = [
        make_finding(dbsession, users["street"], audit, description=f"问题{i}") for i in range(5)
    ]
    services.add_person(dbsession, ident(users["street"]), findings[0], name="张德旺")
    engine = dbsession.get_bind()
    count = {"n": 0}

    def counter(*args):
        count["n"] += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        docs = DOCUMENTS["finding"](dbsession, [f.id for f in findings] + [999999])
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert set(docs) == {f.id for f in findings}
    assert count["n"] <= 12
    doc = docs[findings[0].id]
    assert doc["type"] == "finding" and doc["number"] == f"{audit.number}-01"
    assert doc["persons"] == ["张德旺"] and doc["units"] == ["黄陂区", "祁家湾街道", "大潭村"]
    assert doc["org_id"] == tree["V1"].id and doc["district_id"] == tree["D1"].id
    assert doc["street_id"] == tree["S1"].id and doc["category"] == ["F03"]
    assert (
        doc["source"] == "jgz" and doc["stage"] == "open" and doc["year"] == audit.audit_date.year
    )
    assert "坐收坐支" in doc["text"] and "鱼塘承包费" in doc["text"]
    # Changes of a finding or its persons queue the finding for indexing.
    rows = (
        dbsession.query(SearchOutbox)
        .filter_by(record_type="finding", record_id=findings[0].id)
        .all()
    )
    assert rows
