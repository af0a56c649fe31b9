"""The person page (人员画像): every clue, case and audit finding about one person across
years, so that repeat problems stand out; merge and split of wrong matches."""

from __future__ import annotations

import datetime as dt

import colander
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import or_, select

from whirlwind import changelog
from whirlwind.cases.models import Case, CaseSubject, Clue, ClueReportedPerson
from whirlwind.db import Base
from whirlwind.errors import ValidationFailed
from whirlwind.forms import parse, text
from whirlwind.paginate import page_params, paginate
from whirlwind.persons import services
from whirlwind.persons.models import Person
from whirlwind.reference.services import request_labels
from whirlwind.scoping import get_visible, scope, visible_org_ids
from whirlwind.security import Permission


def _finding_rows(session, identity, person_ids):
    """Audit findings naming these people, read through the audits area's tables when that
    area is installed (``finding_person`` with a ``person_id``)."""
    tables = Base.metadata.tables
    fp, finding = tables.get("finding_person"), tables.get("finding")
    if (
        fp is None
        or finding is None
        or "person_id" not in fp.c
        or not identity.can(Permission.AUDITS_VIEW)
    ):
        return []
    cols = [
        finding.c.id,
        finding.c.org_id,
        finding.c.description,
        finding.c.amount_involved,
        finding.c.created_at,
        fp.c.role,
        fp.c.post,
    ]
    stmt = (
        select(*cols)
        .join(fp, fp.c.finding_id == finding.c.id)
        .where(fp.c.person_id.in_(person_ids), finding.c.org_id.in_(visible_org_ids(identity)))
        .order_by(finding.c.created_at.desc())
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def _records(request, person: Person) -> dict:
    session = request.dbsession
    ids = services.group_ids(session, person)
    clue_rows = list(
        session.execute(
            scope(select(ClueReportedPerson, Clue), Clue.org_id, request.identity)
            .join(Clue, Clue.id == ClueReportedPerson.clue_id)
            .where(ClueReportedPerson.person_id.in_(ids))
            .order_by(Clue.received_date.desc())
        )
    )
    case_rows = list(
        session.execute(
            scope(select(CaseSubject, Case), Case.org_id, request.identity)
            .join(Case, Case.id == CaseSubject.case_id)
            .where(CaseSubject.person_id.in_(ids))
            .order_by(Case.opened_on.desc())
        )
    )
    findings = _finding_rows(session, request.identity, ids)
    timeline = (
        [(c.received_date, "clue", link, c) for link, c in clue_rows]
        + [(c.opened_on, "case", s, c) for s, c in case_rows]
        + [
            (
                f["created_at"].date()
                if isinstance(f["created_at"], dt.datetime)
                else f["created_at"],
                "finding",
                f,
                None,
            )
            for f in findings
        ]
    )
    timeline.sort(key=lambda t: t[0], reverse=True)
    matters = services.matters_of(
        session, [c.id for _link, c in clue_rows], [c.id for _s, c in case_rows]
    )
    return {
        "ids": ids,
        "matters": matters,
        "clue_rows": clue_rows,
        "case_rows": case_rows,
        "findings": findings,
        "timeline": timeline,
        "years": sorted({t[0].year for t in timeline if t[1] != "finding"}),
    }


@view_config(
    route_name="persons.detail",
    renderer="whirlwind:persons/templates/person.jinja2",
    permission=Permission.CASES_VIEW,
)
def person_detail(request):
    session = request.dbsession
    person = get_visible(session, request.identity, Person, request.matchdict["id"])
    records = _records(request, person)
    survivor = None
    if person.merged_into_id:
        # Shown only when the viewer may see it: another jurisdiction's person is not named.
        survivor = session.scalar(
            scope(select(Person), Person.org_id, request.identity).where(
                Person.id == person.merged_into_id
            )
        )
    merged = services.merged_rows(session, person, request.identity)
    candidates = list(
        session.scalars(
            scope(select(Person), Person.org_id, request.identity)
            .where(
                Person.name == person.name,
                Person.id.notin_(records["ids"]),
                Person.merged_into_id.is_(None),
            )
            .order_by(Person.id)
            .limit(50)
        )
    )
    entries = changelog.history(session, "person", person.id)
    return dict(
        records,
        person=person,
        survivor=survivor,
        merged=merged,
        candidates=candidates,
        entries=entries,
        identities=request_labels(request, "subject_identity"),
        party_labels=request_labels(request, "party_sanction"),
        state_labels=request_labels(request, "state_sanction"),
    )


class MergeSchema(colander.MappingSchema):
    other_id = colander.SchemaNode(
        colander.Integer(), title="要并入的人员", missing_msg="请选择要并入的人员"
    )


class SplitSchema(colander.MappingSchema):
    clue_links = colander.SchemaNode(colander.Set(), missing=set())
    subjects = colander.SchemaNode(colander.Set(), missing=set())
    note = text("区分说明", max_length=500)


@view_config(route_name="persons.merge", request_method="POST", permission=Permission.CASES_EDIT)
def person_merge(request):
    session = request.dbsession
    person = get_visible(session, request.identity, Person, request.matchdict["id"])
    data = parse(MergeSchema(), request)
    other = get_visible(session, request.identity, Person, data["other_id"])
    services.merge(session, request.identity, other, person)
    request.session.flash(
        f"已将人员 #{other.id}（{other.name}，{other.unit_name}）并入本人员。", "success"
    )
    return HTTPFound(request.route_url("persons.detail", id=person.id))


@view_config(route_name="persons.unmerge", request_method="POST", permission=Permission.CASES_EDIT)
def person_unmerge(request):
    session = request.dbsession
    person = get_visible(session, request.identity, Person, request.matchdict["id"])
    survivor_id = person.merged_into_id
    services.unmerge(session, request.identity, person)
    request.session.flash(f"已撤销合并：人员 #{person.id} 恢复为独立人员。", "success")
    return HTTPFound(request.route_url("persons.detail", id=survivor_id or person.id))


@view_config(route_name="persons.split", request_method="POST", permission=Permission.CASES_EDIT)
def person_split(request):
    session = request.dbsession
    person = get_visible(session, request.identity, Person, request.matchdict["id"])
    data = parse(SplitSchema(), request)
    try:
        links = [int(x) for x in data["clue_links"]]
        subjects = [int(x) for x in data["subjects"]]
    except ValueError:
        raise ValidationFailed("所选记录无效。") from None
    new = services.split(
        session,
        request.identity,
        person,
        clue_link_ids=links,
        subject_ids=subjects,
        note=data["note"],
    )
    request.session.flash(f"已拆分出新人员 #{new.id}（{new.name}）。", "success")
    return HTTPFound(request.route_url("persons.detail", id=new.id))


@view_config(
    route_name="persons.index",
    renderer="whirlwind:persons/templates/persons.jinja2",
    permission=Permission.CASES_VIEW,
)
def person_list(request):
    """People in the jurisdiction named in clues or cases, most records first; a name
    filter finds everyone of that name (exact or starting with it)."""
    session = request.dbsession
    q = (request.GET.get("q") or "").strip()[:64]
    counts = services.matter_counts(request.identity)
    stmt = (
        scope(
            select(Person, counts.c.clues, counts.c.cases, counts.c.matters),
            Person.org_id,
            request.identity,
        )
        .join(counts, counts.c.pid == Person.id)
        .where(Person.merged_into_id.is_(None))
        .order_by(counts.c.matters.desc(), Person.id)
    )
    if q:
        stmt = stmt.where(or_(Person.name == q, Person.name.like(q + "%")))
    if request.GET.get("repeat"):
        stmt = stmt.where(counts.c.matters >= 2)
    page = paginate(session, stmt, *page_params(request), scalars=False)
    return {"page": page, "q": q, "repeat": bool(request.GET.get("repeat"))}
