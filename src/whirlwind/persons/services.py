"""Matching people across records (name + unit) and merging/splitting wrong matches."""

from __future__ import annotations

from sqlalchemy import func, select

from whirlwind.errors import Forbidden, ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person


def normalize_name(name: str) -> str:
    return "".join((name or "").split())


def match_or_create(session, *, name: str, org: Org, unit_name: str = "", **fields) -> Person:
    """The person called ``name`` in unit ``org`` (following merges), created if unknown.

    Extra fields (post, identity, political_status …) fill blanks of an existing person and
    never overwrite what is recorded.
    """
    name = normalize_name(name)
    if not name:
        raise ValidationFailed("人员姓名不能为空。", fields={"name": "必填"})
    person = session.scalar(
        select(Person)
        .where(Person.name == name, Person.org_id == org.id, Person.merged_into_id.is_(None))
        .order_by(Person.id)
        .limit(1)
    )
    if person is None:
        person = Person(name=name, org_id=org.id, unit_name=unit_name or org.name, **fields)
        session.add(person)
        session.flush()
        return person
    for key, value in fields.items():
        if value not in (None, "", False) and not getattr(person, key):
            setattr(person, key, value)
    return person


def resolve(session, person: Person) -> Person:
    """Follow merge links to the surviving person."""
    seen = set()
    while person.merged_into_id and person.id not in seen:
        seen.add(person.id)
        person = session.get(Person, person.merged_into_id)
    return person


def group_ids(session, person: Person) -> list[int]:
    """The person's id and the ids of every row merged into it (directly or through others)."""
    ids = [person.id]
    frontier = [person.id]
    while frontier:
        frontier = list(
            session.scalars(select(Person.id).where(Person.merged_into_id.in_(frontier)))
        )
        frontier = [i for i in frontier if i not in ids]
        ids.extend(frontier)
    return ids


def merged_rows(session, person: Person, viewer=None) -> list[Person]:
    """Rows merged into ``person`` (the survivor), directly or through others; with
    ``viewer``, only those inside the viewer's jurisdiction."""
    ids = group_ids(session, person)[1:]
    if not ids:
        return []
    stmt = select(Person).where(Person.id.in_(ids)).order_by(Person.id)
    if viewer is not None:
        from whirlwind.scoping import scope

        stmt = scope(stmt, Person.org_id, viewer)
    return list(session.scalars(stmt))


def _outside_count(session, actor, stmt_org_column, stmt) -> int:
    from whirlwind.scoping import visible_org_ids

    return session.scalar(
        select(func.count()).select_from(
            stmt.where(stmt_org_column.notin_(visible_org_ids(actor))).subquery()
        )
    )


def require_wholly_inside(session, actor, persons) -> None:
    """Merging, splitting and un-merging re-point records of other units: allowed only when
    every person row of the groups involved (with the rows merged into them) and every
    record naming them (clue mentions, case subjects, audit findings) lies inside
    ``actor``'s jurisdiction. Otherwise the level above both does it."""
    from whirlwind.cases.models import Case, CaseSubject, Clue, ClueReportedPerson
    from whirlwind.db import Base

    ids: list[int] = []
    for person in persons:
        ids.extend(i for i in group_ids(session, resolve(session, person)) if i not in ids)
    checks = [
        (Person.org_id, select(Person.id, Person.org_id).where(Person.id.in_(ids))),
        (
            Clue.org_id,
            select(ClueReportedPerson.id, Clue.org_id)
            .join(Clue, Clue.id == ClueReportedPerson.clue_id)
            .where(ClueReportedPerson.person_id.in_(ids)),
        ),
        (
            Case.org_id,
            select(CaseSubject.id, Case.org_id)
            .join(Case, Case.id == CaseSubject.case_id)
            .where(CaseSubject.person_id.in_(ids)),
        ),
    ]
    tables = Base.metadata.tables
    fp, finding = tables.get("finding_person"), tables.get("finding")
    if fp is not None and finding is not None and "person_id" in fp.c:
        checks.append(
            (
                finding.c.org_id,
                select(fp.c.id, finding.c.org_id)
                .join(finding, finding.c.id == fp.c.finding_id)
                .where(fp.c.person_id.in_(ids)),
            )
        )
    for column, stmt in checks:
        if _outside_count(session, actor, column, stmt):
            raise Forbidden(
                "该人员（或与其合并的人员）有记录不在您的管辖范围内，不能合并、拆分或撤销合并；"
                "请由同时管辖这些单位的上级办理。"
            )


def merge(session, actor, source: Person, target: Person) -> Person:
    """Merge ``source`` into ``target``: the same human recorded twice (合并).

    The absorbed row is kept with ``merged_into_id`` pointing at the survivor, so that its
    records stay attached to it and the merge can be undone; blank fields of the survivor
    are filled from the absorbed row.
    """
    from whirlwind import changelog
    from whirlwind.errors import InvalidTransition

    source = resolve(session, source)
    target = resolve(session, target)
    if source.id == target.id:
        raise ValidationFailed("不能把人员与其自身合并。")
    if source.merged_into_id or target.merged_into_id:
        raise InvalidTransition("该人员已被合并。")
    require_wholly_inside(session, actor, [source, target])
    # Merges stay one level deep (the counts join a row to its survivor in one step): rows
    # merged into ``source`` earlier now point at ``target`` too.
    for absorbed in session.scalars(select(Person).where(Person.merged_into_id == source.id)):
        absorbed.merged_into_id = target.id
        changelog.set_action(absorbed, f"随人员 #{source.id} 合并到人员 #{target.id}")
    source.merged_into_id = target.id
    for key in (
        "post",
        "post_rank",
        "gender",
        "ethnicity",
        "birth_month",
        "education",
        "political_status",
        "party_join_date",
        "identity",
        "cadre_authority",
        "id_number_masked",
    ):
        if not getattr(target, key) and getattr(source, key):
            setattr(target, key, getattr(source, key))
    changelog.set_action(source, f"合并到人员 #{target.id}")
    changelog.set_action(target, f"合并人员 #{source.id}")
    session.flush()
    return target


def unmerge(session, actor, person: Person) -> Person:
    """Undo a merge (撤销合并): the row stands on its own again, with its records."""
    from whirlwind import changelog
    from whirlwind.errors import InvalidTransition

    if not person.merged_into_id:
        raise InvalidTransition("该人员未被合并。")
    require_wholly_inside(session, actor, [person])
    changelog.set_action(person, f"撤销合并（原合并到 #{person.merged_into_id}）")
    person.merged_into_id = None
    session.flush()
    return person


def split(
    session, actor, person: Person, *, clue_link_ids=(), subject_ids=(), note: str = ""
) -> Person:
    """Split records that belong to another human off ``person`` (拆分): a new person row
    (same name and unit, told apart by the note) takes over the selected clue mentions and
    case subjects. At least one record must stay with ``person``."""
    from whirlwind import changelog
    from whirlwind.cases.models import CaseSubject, ClueReportedPerson

    require_wholly_inside(session, actor, [person])
    ids = group_ids(session, person)
    clue_links = list(
        session.scalars(select(ClueReportedPerson).where(ClueReportedPerson.person_id.in_(ids)))
    )
    subjects = list(session.scalars(select(CaseSubject).where(CaseSubject.person_id.in_(ids))))
    wanted_links = {int(i) for i in clue_link_ids}
    wanted_subjects = {int(i) for i in subject_ids}
    moving_links = [x for x in clue_links if x.id in wanted_links]
    moving_subjects = [x for x in subjects if x.id in wanted_subjects]
    if len(moving_links) != len(wanted_links) or len(moving_subjects) != len(wanted_subjects):
        raise ValidationFailed("所选记录不属于该人员。")
    if not moving_links and not moving_subjects:
        raise ValidationFailed("请选择要拆分出去的记录。")
    if len(moving_links) + len(moving_subjects) == len(clue_links) + len(subjects):
        raise ValidationFailed("拆分须至少保留一条记录给原人员。")
    if not (note or "").strip():
        raise ValidationFailed(
            "请填写区分说明（如职务、年龄、住址），以免再次混淆。", fields={"note": "必填"}
        )
    new = Person(
        name=person.name,
        org_id=person.org_id,
        unit_name=person.unit_name,
        note=f"从人员 #{person.id} 拆分：{note.strip()}",
    )
    session.add(new)
    session.flush()
    for link in moving_links:
        new.post = new.post or link.post
        new.political_status = new.political_status or link.political_status
        new.identity = new.identity or link.identity
        link.person_id = new.id
    for subject in moving_subjects:
        new.post = new.post or subject.post
        new.political_status = new.political_status or subject.political_status
        new.identity = new.identity or subject.identity
        subject.person_id = new.id
    changelog.set_action(person, f"拆分出人员 #{new.id}")
    session.flush()
    return new


# --- Counting matters (被反映/查处次数) ------------------------------------------------------
#
# One matter counts once: a clue and the case opened from it are one 被反映/查处, so a case
# counts only when none of the clues it was opened from names the same person. Rows merged
# into a person count for the survivor (merges are kept one level deep, see ``merge``), and
# only records inside the viewer's jurisdiction count: the list and the person page agree.


def root_id():
    """The surviving person of a row (merges are one level deep)."""
    return func.coalesce(Person.merged_into_id, Person.id)


def matter_counts(identity):
    """A subquery (pid, clues, cases, matters) per surviving person id, over the records
    inside ``identity``'s jurisdiction."""
    from sqlalchemy import distinct, exists
    from sqlalchemy.orm import aliased

    from whirlwind.cases.models import Case, CaseClue, CaseSubject, Clue, ClueReportedPerson
    from whirlwind.scoping import visible_org_ids

    root = root_id()
    clue_counts = (
        select(root.label("pid"), func.count(distinct(Clue.id)).label("n"))
        .select_from(ClueReportedPerson)
        .join(Person, Person.id == ClueReportedPerson.person_id)
        .join(Clue, Clue.id == ClueReportedPerson.clue_id)
        .where(Clue.org_id.in_(visible_org_ids(identity)))
        .group_by(root)
        .subquery()
    )
    own_person = aliased(Person)
    own_link = aliased(ClueReportedPerson)
    own_clue = aliased(Clue)
    from_own_clue = exists().where(
        CaseClue.case_id == Case.id,
        CaseClue.clue_id == own_link.clue_id,
        own_link.person_id == own_person.id,
        func.coalesce(own_person.merged_into_id, own_person.id) == root,
        own_clue.id == own_link.clue_id,
        own_clue.org_id.in_(visible_org_ids(identity)),
    )
    case_counts = (
        select(
            root.label("pid"),
            func.count(distinct(Case.id)).label("n"),
            func.count(distinct(Case.id)).filter(~from_own_clue).label("new"),
        )
        .select_from(CaseSubject)
        .join(Person, Person.id == CaseSubject.person_id)
        .join(Case, Case.id == CaseSubject.case_id)
        .where(Case.org_id.in_(visible_org_ids(identity)))
        .group_by(root)
        .subquery()
    )
    people = select(root.label("pid")).distinct().subquery()
    clues = func.coalesce(clue_counts.c.n, 0)
    cases = func.coalesce(case_counts.c.n, 0)
    return (
        select(
            people.c.pid,
            clues.label("clues"),
            cases.label("cases"),
            (clues + func.coalesce(case_counts.c.new, 0)).label("matters"),
        )
        .select_from(people)
        .outerjoin(clue_counts, clue_counts.c.pid == people.c.pid)
        .outerjoin(case_counts, case_counts.c.pid == people.c.pid)
        .where((clues + cases) > 0)
        .subquery()
    )


def matters_of(session, clue_ids, case_ids) -> int:
    """The number of matters among these (visible) clues and cases of one person: every
    clue, and every case not opened from one of those clues."""
    from whirlwind.cases.models import CaseClue

    clue_ids, case_ids = set(clue_ids), set(case_ids)
    if not case_ids:
        return len(clue_ids)
    from_clue = set(
        session.scalars(
            select(CaseClue.case_id).where(
                CaseClue.case_id.in_(case_ids), CaseClue.clue_id.in_(clue_ids or {-1})
            )
        )
    )
    return len(clue_ids) + len(case_ids - from_clue)
