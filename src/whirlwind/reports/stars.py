"""星级争创: each grassroots organization's star level by year (``OrgAssessment``, owned
by the targets area), its trend, and the distribution per level against the guided shares
of domain.md §5.12."""

from __future__ import annotations

from sqlalchemy import func, select

from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.scoping import scope, scope_to_unit
from whirlwind.targets.models import OrgAssessment

# §5.12: guided shares, 5 stars 10%, 4 stars 30%, 3 stars 40%, 2 stars and below ≤ 20%.
GUIDED_SHARES = {5: 0.10, 4: 0.30, 3: 0.40, 2: 0.20}
GUIDED_LABELS = {5: "五星", 4: "四星", 3: "三星", 2: "二星及以下"}


def years(session, identity, limit: int = 5) -> list[int]:
    """The last ``limit`` years with any star level in the jurisdiction, oldest first."""
    stmt = (
        scope(
            select(OrgAssessment.year).distinct().where(OrgAssessment.star_level.is_not(None)),
            OrgAssessment.org_id,
            identity,
        )
        .order_by(OrgAssessment.year.desc())
        .limit(limit)
    )
    return sorted(session.scalars(stmt))


def units_statement(identity, unit_id: int | None):
    stmt = select(Org).where(Org.level.in_([str(x) for x in GRASSROOTS_LEVELS]))
    return scope_to_unit(stmt, Org.id, identity, unit_id).order_by(Org.code)


def levels_of(session, org_ids, year_list) -> dict[int, dict[int, int | None]]:
    """{org id: {year: star level}} for some units, one query."""
    out: dict[int, dict[int, int | None]] = {i: {} for i in org_ids}
    if not org_ids or not year_list:
        return out
    for oid, year, star in session.execute(
        select(OrgAssessment.org_id, OrgAssessment.year, OrgAssessment.star_level).where(
            OrgAssessment.org_id.in_(list(org_ids)), OrgAssessment.year.in_(year_list)
        )
    ):
        out[oid][year] = star
    return out


def trend(levels: dict[int, int | None], year_list: list[int]) -> str:
    """ "up", "down", "same" or "" comparing the last two years that have a level."""
    known = [levels[y] for y in year_list if levels.get(y) is not None]
    if len(known) < 2:
        return ""
    a, b = known[-2], known[-1]
    return "up" if b > a else "down" if b < a else "same"


def distribution(session, identity, unit_id: int | None, year: int) -> dict[int, int]:
    """Grassroots units per star level in ``year`` (GROUP BY)."""
    stmt = (
        select(OrgAssessment.star_level, func.count())
        .join(Org, Org.id == OrgAssessment.org_id)
        .where(
            OrgAssessment.year == year,
            OrgAssessment.star_level.is_not(None),
            Org.level.in_([str(x) for x in GRASSROOTS_LEVELS]),
        )
        .group_by(OrgAssessment.star_level)
    )
    return dict(session.execute(scope_to_unit(stmt, OrgAssessment.org_id, identity, unit_id)).all())


def guided_rows(dist: dict[int, int]) -> list[tuple[str, int, float | None, float]]:
    """(label, units, actual share, guided share) with 1 and 2 stars together."""
    total = sum(dist.values())
    rows = []
    for level in (5, 4, 3, 2):
        n = dist.get(level, 0) if level > 2 else dist.get(2, 0) + dist.get(1, 0)
        rows.append((GUIDED_LABELS[level], n, n / total if total else None, GUIDED_SHARES[level]))
    return rows


def org_history(session, org_id: int) -> list[tuple[int, int | None, object]]:
    return list(
        session.execute(
            select(OrgAssessment.year, OrgAssessment.star_level, OrgAssessment.score)
            .where(OrgAssessment.org_id == org_id)
            .order_by(OrgAssessment.year)
        ).all()
    )
