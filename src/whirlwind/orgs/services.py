"""Org tree maintenance: creation, moves and the closure table (组织树维护)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from whirlwind.errors import ValidationFailed
from whirlwind.guards import check_version
from whirlwind.orgs.models import ORG_LEVEL_RANK, Org, OrgClosure, OrgLevel, OrgNameHistory


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


def reindex_units(session, org_ids) -> int:
    """Put every searchable record (a model with ``__search_type__`` and an ``org_id``)
    of these units into the search outbox, in this transaction: an org tree change (move,
    merge, rename, deactivation) changes the unit path, names and scope terms their index
    documents carry, and a stale document would show another jurisdiction's records in
    hits, totals and facets. Returns the number of records queued."""
    from whirlwind import changelog
    from whirlwind.db import Base

    org_ids = list(org_ids)
    if not org_ids:
        return 0
    keys = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        search_type = getattr(model, "__search_type__", None)
        if not search_type or "org_id" not in mapper.columns:
            continue
        ids = session.scalars(select(model.id).where(model.org_id.in_(org_ids)).order_by(model.id))
        keys.extend((search_type, record_id, "upsert") for record_id in ids)
    changelog.append(session, [], keys)
    return len(keys)


def _subtree(session, org: Org) -> list[int]:
    return list(session.scalars(subtree_ids(org.id)))


def move_org(session, org: Org, new_parent: Org) -> None:
    """Re-parent a unit with its whole subtree; closure rows and ancestors are rebuilt."""
    check_level(org.level, new_parent)
    if is_within(session, new_parent.id, org.id):
        raise ValidationFailed("不能把单位移动到它自己的下级单位之下。")
    sub = [
        row
        for row in session.execute(
            select(OrgClosure.descendant_id, OrgClosure.depth).where(
                OrgClosure.ancestor_id == org.id
            )
        )
    ]
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
    session.flush()
    reindex_units(session, sub_ids)


# --- Administration: rename, move, deactivate, merge, delete (组织机构管理) ----------------

# Tables that point at units without being "records" of the unit.
_STRUCTURAL_TABLES = frozenset({"org", "org_closure", "org_name_history"})


def record_counts(session, org_id: int) -> dict[str, int]:
    """Rows of every table that refer to the unit (users, ledger items, cases …), by table,
    plus its direct sub-units. A unit with any of these is never deleted."""
    from sqlalchemy import func

    from whirlwind.db import Base

    counts: dict[str, int] = {}
    children = session.scalar(select(func.count()).select_from(Org).where(Org.parent_id == org_id))
    merged = session.scalar(
        select(func.count()).select_from(Org).where(Org.merged_into_id == org_id)
    )
    if children:
        counts["org"] = children
    if merged:
        counts["org_merged"] = merged
    for table in Base.metadata.sorted_tables:
        if table.name in _STRUCTURAL_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != "org":
                continue
            n = session.scalar(select(func.count()).select_from(table).where(fk.parent == org_id))
            if n:
                counts[table.name] = counts.get(table.name, 0) + n
    return counts


def _history(session, org: Org, reason: str, on_date) -> None:
    session.add(
        OrgNameHistory(
            org_id=org.id, name=org.name, parent_id=org.parent_id, valid_to=on_date, reason=reason
        )
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写原因（如文件依据）。", fields={"reason": "必填"})
    return reason[:200]


def rename_org(session, org: Org, *, name: str, reason: str, on_date, version=None) -> None:
    """更名: the old name is kept in the unit's history with the reason and the date."""
    from whirlwind import changelog

    check_version(org, version)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("名称不能为空。", fields={"name": "必填"})
    if name == org.name:
        raise ValidationFailed("新名称与原名称相同。", fields={"name": "未改变"})
    _history(session, org, _reason(reason), on_date)
    changelog.set_action(org, "更名")
    org.name = name
    session.flush()
    reindex_units(session, _subtree(session, org))


def move_org_with_history(
    session, org: Org, new_parent: Org, *, reason: str, on_date, version=None
):
    """调整隶属关系: ``move_org`` plus a history row naming the former parent."""
    from whirlwind import changelog

    check_version(org, version)
    if org.parent_id == new_parent.id:
        raise ValidationFailed("新的上级单位与原上级单位相同。", fields={"parent_id": "未改变"})
    if not new_parent.active:
        raise ValidationFailed("不能移动到已停用的单位之下。", fields={"parent_id": "已停用"})
    _history(session, org, _reason(reason), on_date)
    changelog.set_action(org, "调整上级单位")
    move_org(session, org, new_parent)


def deactivate_org(session, org: Org, *, reason: str, on_date, version=None) -> None:
    """停用: the unit and its records stay; it is no longer offered for new records."""
    from sqlalchemy import func

    from whirlwind import changelog

    check_version(org, version)
    if not org.active:
        raise ValidationFailed("该单位已停用。")
    active_children = session.scalar(
        select(func.count()).select_from(Org).where(Org.parent_id == org.id, Org.active.is_(True))
    )
    if active_children:
        raise ValidationFailed(
            f"该单位还有 {active_children} 个启用的下级单位，请先停用、合并或移走下级单位。"
        )
    reason = _reason(reason)
    changelog.set_action(org, "停用")
    org.active = False
    org.valid_to = on_date
    org.note = (org.note + "\n" if org.note else "") + f"{on_date:%Y-%m-%d} 停用：{reason}"
    session.flush()
    reindex_units(session, _subtree(session, org))


def reactivate_org(session, org: Org, *, version=None) -> None:
    from whirlwind import changelog

    check_version(org, version)
    if org.active:
        raise ValidationFailed("该单位已是启用状态。")
    if org.merged_into_id is not None:
        raise ValidationFailed("已并入其他单位的单位不能重新启用。")
    if org.parent is not None and not org.parent.active:
        raise ValidationFailed("上级单位已停用，请先启用上级单位。")
    changelog.set_action(org, "启用")
    org.active = True
    org.valid_to = None
    session.flush()
    reindex_units(session, _subtree(session, org))


def merge_org(session, source: Org, target: Org, *, reason: str, on_date, version=None) -> None:
    """撤村并居: ``source`` is merged into ``target``. The source is deactivated and points at
    the target; every record stays attached to the source, so it stays findable under the
    source's page, and the target's page lists the units merged into it."""
    from sqlalchemy import func

    from whirlwind import changelog

    check_version(source, version)
    if source.id == target.id:
        raise ValidationFailed("不能把单位并入它自己。", fields={"target_id": "无效"})
    if not source.active or source.merged_into_id is not None:
        raise ValidationFailed("该单位已停用或已并入其他单位。")
    if not target.active:
        raise ValidationFailed("并入的目标单位已停用。", fields={"target_id": "已停用"})
    if source.rank != target.rank:
        raise ValidationFailed(
            f"只能并入同一层级的单位（{source.level_label}不能并入{target.level_label}）。",
            fields={"target_id": "层级不同"},
        )
    active_children = session.scalar(
        select(func.count())
        .select_from(Org)
        .where(Org.parent_id == source.id, Org.active.is_(True))
    )
    if active_children:
        raise ValidationFailed("该单位还有启用的下级单位，请先把下级单位移到目标单位之下。")
    reason = _reason(reason)
    _history(session, source, f"并入{target.name}：{reason}", on_date)
    changelog.set_action(source, f"并入{target.name}")
    source.active = False
    source.merged_into_id = target.id
    source.valid_to = on_date
    session.flush()
    reindex_units(session, _subtree(session, source))


def delete_org(session, org: Org) -> None:
    """Delete a unit that was created by mistake. Only a unit nothing refers to may go;
    a unit with records is deactivated instead."""
    if record_counts(session, org.id):
        raise ValidationFailed("该单位已有下级单位或业务记录，不能删除，只能停用。")
    session.execute(delete(OrgNameHistory).where(OrgNameHistory.org_id == org.id))
    session.execute(
        delete(OrgClosure).where(
            (OrgClosure.descendant_id == org.id) | (OrgClosure.ancestor_id == org.id)
        )
    )
    session.delete(org)
    session.flush()


def merged_units(session, org: Org) -> list[Org]:
    return list(session.scalars(select(Org).where(Org.merged_into_id == org.id).order_by(Org.code)))


def name_history(session, org: Org) -> list[OrgNameHistory]:
    return list(
        session.scalars(
            select(OrgNameHistory)
            .where(OrgNameHistory.org_id == org.id)
            .order_by(OrgNameHistory.valid_to, OrgNameHistory.id)
        )
    )


def org_choices(
    session, identity, *, levels=None, active_only: bool = True
) -> list[tuple[str, str]]:
    """(id, indented name) of the units in the identity's jurisdiction, in tree order, for
    the unit selects of admin forms."""
    from whirlwind.scoping import scope

    stmt = scope(select(Org.id, Org.code, Org.name, Org.level), Org.id, identity)
    if active_only:
        stmt = stmt.where(Org.active.is_(True))
    if levels:
        stmt = stmt.where(Org.level.in_([str(x) for x in levels]))
    rows = session.execute(stmt.order_by(Org.code)).all()
    indent = {
        "city": "",
        "district": "　",
        "street": "　　",
        "community": "　　　",
        "village": "　　　",
    }
    return [(str(i), f"{indent.get(lv, '')}{name}（{code}）") for i, code, name, lv in rows]


def contains_pattern(q: str) -> str:
    """A LIKE pattern for "contains ``q``" with % and _ taken literally (escape ``\\``)."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
