"""Matching people across records (name + unit) and merging/splitting wrong matches."""

from __future__ import annotations

from sqlalchemy import select

from whirlwind.errors import ValidationFailed
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


def merged_rows(session, person: Person) -> list[Person]:
    """Rows merged into ``person`` (the survivor), directly or through others."""
    ids = group_ids(session, person)[1:]
    if not ids:
        return []
    return list(session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))


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
