"""Org tree maintenance: creation, moves and the closure table (组织树维护)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import ORG_LEVEL_RANK, Org, OrgClosure, OrgLevel


def check_level(level: str, parent: Org | None) -> None:
    try:
        rank = ORG_LEVEL_RANK[OrgLevel(level)]
    except ValueError:
        raise ValidationFailed(f"未知的组织层级：{level}") from None
    if parent is None:
        if rank != 1:
            raise ValidationFailed("只有市级单位可以没有上级单位。")
    elif parent.rank != rank - 1:
        raise ValidationFailed(
            f"{OrgLevel(level).label}的上级必须是{_parent_label(rank)}，不能是{parent.level_label}。"
        )


def _parent_label(rank: int) -> str:
    for level, r in ORG_LEVEL_RANK.items():
        if r == rank - 1:
            return level.label
    return ""


def _denormalize(org: Org, parent: Org | None) -> None:
    if org.level == OrgLevel.DISTRICT:
        org.district_id, org.street_id = org.id, None
    elif org.level == OrgLevel.STREET:
        org.district_id, org.street_id = (parent.district_id if parent else None), org.id
    elif parent is not None:
        org.district_id, org.street_id = parent.district_id, parent.street_id
    else:
        org.district_id = org.street_id = None


def create_org(session, *, code: str, name: str, level: str, parent: Org | None = None, **fields):
    if session.scalar(select(Org.id).where(Org.code == code)) is not None:
        raise ValidationFailed(f"组织编码 {code} 已存在。", fields={"code": "编码重复"})
    check_level(level, parent)
    org = Org(code=code, name=name, level=level, parent=parent, **fields)
    if level not in (OrgLevel.DISTRICT, OrgLevel.STREET):
        _denormalize(org, parent)  # copied from the parent: known before the insert
    session.add(org)
    session.flush()
    if level in (OrgLevel.DISTRICT, OrgLevel.STREET):
        _denormalize(org, parent)  # refers to the unit's own id
    rows = [{"ancestor_id": org.id, "descendant_id": org.id, "depth": 0}]
    if parent is not None:
        for anc_id, depth in session.execute(
            select(OrgClosure.ancestor_id, OrgClosure.depth).where(
                OrgClosure.descendant_id == parent.id
            )
        ):
            rows.append({"ancestor_id": anc_id, "descendant_id": org.id, "depth": depth + 1})
    session.execute(insert(OrgClosure), rows)
    return org


def subtree_ids(org_id: int):
    """A SELECT of the ids of ``org_id`` and every unit below it."""
    return select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == org_id)


def ancestor_ids(org_id: int):
    return select(OrgClosure.ancestor_id).where(OrgClosure.descendant_id == org_id)


def is_within(session, org_id: int, ancestor_id: int) -> bool:
    return (
        session.scalar(
            select(OrgClosure.depth).where(
                OrgClosure.ancestor_id == ancestor_id, OrgClosure.descendant_id == org_id
            )
        )
        is not None
    )


def ancestors(session, org: Org) -> list[Org]:
    """From the root down to ``org`` itself."""
    stmt = (
        select(Org)
        .join(OrgClosure, OrgClosure.ancestor_id == Org.id)
        .where(OrgClosure.descendant_id == org.id)
        .order_by(OrgClosure.depth.desc())
    )
    return list(session.scalars(stmt))


def move_org(session, org: Org, new_parent: Org) -> None:
    """Re-parent a unit with its whole subtree; closure rows and ancestors are rebuilt."""
    check_level(org.level, new_parent)
    if is_within(session, new_parent.id, org.id):
        raise ValidationFailed("不能把单位移动到它自己的下级单位之下。")
    sub = [row for row in session.execute(
        select(OrgClosure.descendant_id, OrgClosure.depth).where(OrgClosure.ancestor_id == org.id)
    )]
    sub_ids = [d for d, _ in sub]
    # Drop links from the old ancestors (above org) to the subtree.
    old_anc = [a for a in session.scalars(ancestor_ids(org.id)) if a != org.id]
    if old_anc:
        session.execute(
            delete(OrgClosure).where(
                OrgClosure.ancestor_id.in_(old_anc), OrgClosure.descendant_id.in_(sub_ids)
            )
        )
    new_anc = list(
        session.execute(
            select(OrgClosure.ancestor_id, OrgClosure.depth).where(
                OrgClosure.descendant_id == new_parent.id
            )
        )
    )
    rows = [
        {"ancestor_id": a, "descendant_id": d, "depth": ad + dd + 1}
        for a, ad in new_anc
        for d, dd in sub
    ]
    if rows:
        session.execute(insert(OrgClosure), rows)
    org.parent = new_parent
    session.flush()
    # Refresh denormalized district/street ids top-down.
    for unit in sorted(
        session.scalars(select(Org).where(Org.id.in_(sub_ids))), key=lambda o: o.rank
    ):
        _denormalize(unit, unit.parent)
