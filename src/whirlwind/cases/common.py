"""View helpers shared by the clue, case and person pages."""

from __future__ import annotations

from sqlalchemy import select

from whirlwind.cases.limits import request_limits
from whirlwind.orgs.models import Org
from whirlwind.reference.services import choices, request_labels
from whirlwind.scoping import get_visible, scope

REF_KINDS = (
    "clue_source",
    "problem_category",
    "clue_field",
    "handling_way",
    "subject_identity",
    "party_sanction",
    "state_sanction",
    "org_handling",
    "handling_measure",
    "notice_channel",
)


def refs(request) -> dict[str, list[tuple[str, str]]]:
    """Active choices of every list the case forms use."""
    cache = request.environ.setdefault("whirlwind.cases.refs", {})
    if not cache:
        for kind in REF_KINDS:
            cache[kind] = choices(request.dbsession, kind)
    return cache


def category_choices(request) -> list[tuple[str, str]]:
    """Problem categories with sub-types indented under their discipline."""
    from whirlwind.reference.models import RefValue

    rows = request.dbsession.execute(
        select(RefValue.code, RefValue.label_zh, RefValue.parent_code)
        .where(RefValue.kind == "problem_category", RefValue.active.is_(True))
        .order_by(RefValue.sort, RefValue.id)
    ).all()
    children: dict[str, list] = {}
    for code, label, parent in rows:
        children.setdefault(parent or "", []).append((code, label))
    result: list[tuple[str, str]] = []

    def walk(parent: str, depth: int) -> None:
        for code, label in children.get(parent, []):
            result.append((code, ("　" * depth) + label))
            walk(code, depth + 1)

    walk("", 0)
    return result


def labels_for(request, kind: str) -> dict[str, str]:
    return request_labels(request, kind)


def visible_units(request, levels=None) -> list[Org]:
    stmt = scope(select(Org), Org.id, request.identity).where(Org.active.is_(True))
    if levels:
        stmt = stmt.where(Org.level.in_(levels))
    return list(request.dbsession.scalars(stmt.order_by(Org.code)))


def unit_choices(request) -> list[tuple[str, str]]:
    return [(str(o.id), f"{o.name}（{o.level_label}）") for o in visible_units(request)]


def filter_units(request) -> list[tuple[int, str]]:
    """District and street units for the list filters, as (id, label)."""
    return [(o.id, o.name) for o in visible_units(request, ("district", "street"))]


def load(request, model, key: str = "id"):
    return get_visible(request.dbsession, request.identity, model, request.matchdict[key])


def limits(request):
    return request_limits(request)


def actor(request):
    return request.identity.user
