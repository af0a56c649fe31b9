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
