"""Search documents of clues and cases, for the indexer.

``DOCUMENTS[type](session, ids)`` returns ``{id: document}`` for the ids that still exist
(an id missing from the result was deleted). Each builder loads its records in a handful of
bulk queries, whatever the number of ids. The reporter's identity (反映人) is never put in
a document: it is confidential and the index is searched by every role with search:use.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from whirlwind.cases.models import (
    Case,
    CaseClue,
    CaseSubject,
    Clue,
    ClueCategory,
    ClueDisposal,
    ClueReportedPerson,
)
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person


def _chunks(ids, size=500):
    ids = list(dict.fromkeys(int(i) for i in ids))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _org_info(session, org_ids) -> dict[int, dict]:
    """id -> {name, district_id, street_id, names: [unit, street, district]} in two queries."""
    orgs = (
        {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(set(org_ids))))}
        if org_ids
        else {}
    )
    parents = {
        i for o in orgs.values() for i in (o.district_id, o.street_id) if i and i not in orgs
    }
    if parents:
        orgs.update({o.id: o for o in session.scalars(select(Org).where(Org.id.in_(parents)))})
    info = {}
    for oid in org_ids:
        o = orgs.get(oid)
        if o is None:
            continue
        names = [o.name]
        for pid in (o.street_id, o.district_id):
            if pid and pid != o.id and pid in orgs:
                names.append(orgs[pid].name)
        info[oid] = {"district_id": o.district_id, "street_id": o.street_id, "names": names}
    return info


def _join(*parts) -> str:
    return "\n".join(p for p in parts if p)


def build_clue_documents(session, ids: list[int]) -> dict[int, dict]:
    result: dict[int, dict] = {}
    for chunk in _chunks(ids):
        clues = list(session.scalars(select(Clue).where(Clue.id.in_(chunk))))
        if not clues:
            continue
        found = [c.id for c in clues]
        persons = defaultdict(list)
        units = defaultdict(list)
        for clue_id, name, unit_name in session.execute(
            select(
                ClueReportedPerson.clue_id, ClueReportedPerson.name, ClueReportedPerson.unit_name
            )
            .where(ClueReportedPerson.clue_id.in_(found))
            .order_by(ClueReportedPerson.id)
        ):
            persons[clue_id].append(name)
            if unit_name:
                units[clue_id].append(unit_name)
        categories = defaultdict(list)
        for clue_id, code in session.execute(
            select(ClueCategory.clue_id, ClueCategory.code).where(ClueCategory.clue_id.in_(found))
        ):
            categories[clue_id].append(code)
        outcomes = defaultdict(list)
        for clue_id, opinion, response, outcome_text in session.execute(
            select(
                ClueDisposal.clue_id,
                ClueDisposal.opinion,
                ClueDisposal.response_text,
                ClueDisposal.outcome_text,
            )
            .where(ClueDisposal.clue_id.in_(found))
            .order_by(ClueDisposal.id)
        ):
            outcomes[clue_id] += [opinion, response, outcome_text]
        orgs = _org_info(session, {c.org_id for c in clues})
        for c in clues:
            org = orgs.get(c.org_id, {"district_id": None, "street_id": None, "names": []})
            result[c.id] = {
                "type": "clue",
                "id": c.id,
                "number": c.number,
                "title": c.title,
                "text": _join(c.summary, c.full_text, c.result_text, *outcomes[c.id]),
                "persons": persons[c.id],
                "units": list(dict.fromkeys(org["names"] + units[c.id])),
                "org_id": c.org_id,
                "district_id": org["district_id"],
                "street_id": org["street_id"],
                "category": categories[c.id],
                "source": c.source,
                "stage": c.status,
                "date": c.received_date,
                "year": c.received_date.year,
                "amount": c.amount_involved,
            }
    return result


def build_case_documents(session, ids: list[int]) -> dict[int, dict]:
    result: dict[int, dict] = {}
    for chunk in _chunks(ids):
        cases = list(session.scalars(select(Case).where(Case.id.in_(chunk))))
        if not cases:
            continue
        found = [c.id for c in cases]
        persons = defaultdict(list)
        units = defaultdict(list)
        notes = defaultdict(list)
        for case_id, name, unit_name, note in session.execute(
            select(CaseSubject.case_id, Person.name, Person.unit_name, CaseSubject.note)
            .join(Person, Person.id == CaseSubject.person_id)
            .where(CaseSubject.case_id.in_(found))
            .order_by(CaseSubject.id)
        ):
            persons[case_id].append(name)
            if unit_name:
                units[case_id].append(unit_name)
            notes[case_id].append(note)
        categories = defaultdict(list)
        for case_id, code in session.execute(
            select(CaseClue.case_id, ClueCategory.code)
            .join(ClueCategory, ClueCategory.clue_id == CaseClue.clue_id)
            .where(CaseClue.case_id.in_(found))
        ):
            if code not in categories[case_id]:
                categories[case_id].append(code)
        orgs = _org_info(session, {c.org_id for c in cases})
        for c in cases:
            org = orgs.get(c.org_id, {"district_id": None, "street_id": None, "names": []})
            result[c.id] = {
                "type": "case",
                "id": c.id,
                "number": c.number,
                "title": c.title,
                "text": _join(c.summary, c.result_text, *notes[c.id]),
                "persons": persons[c.id],
                "units": list(dict.fromkeys(org["names"] + units[c.id])),
                "org_id": c.org_id,
                "district_id": org["district_id"],
                "street_id": org["street_id"],
                "category": categories[c.id],
                "source": c.source,
                "stage": c.stage,
                "date": c.opened_on,
                "year": c.opened_on.year,
                "amount": c.amount_involved,
            }
    return result


DOCUMENTS = {"clue": build_clue_documents, "case": build_case_documents}
