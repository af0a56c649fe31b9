"""Demo data of the reports: star levels (星级) of every grassroots organization for the
three years before last year's assessment, so that the star-rating page shows trends."""

from __future__ import annotations

import decimal

from sqlalchemy import select

from whirlwind.targets import services as ts
from whirlwind.targets.models import OrgAssessment

D = decimal.Decimal


def star_for(score: D) -> int:
    return 5 if score >= 90 else 4 if score >= 80 else 3 if score >= 70 else 2 if score >= 60 else 1


def load(session, ctx) -> None:
    from whirlwind.targets.demo import _ident

    city_org = _ident(ctx.users["city_org"])
    session.info["actor"] = (city_org.user.id, city_org.user.username)
    last_year = ctx.today.year - 1
    known = dict(
        session.execute(
            select(OrgAssessment.org_id, OrgAssessment.score).where(OrgAssessment.year == last_year)
        ).all()
    )
    for org in ctx.grassroots():
        score = D(known.get(org.id) or D(ctx.rng.randint(6600, 9800)) / 100)
        # Walk backwards: each earlier year differs by a few points either way.
        for year in range(last_year - 1, last_year - 4, -1):
            score = min(D("99"), max(D("55"), score + D(ctx.rng.randint(-600, 600)) / 100))
            ts.set_assessment(
                session,
                city_org,
                org=org,
                year=year,
                score=score,
                star_level=star_for(score),
                source="imported",
            )
    for year in range(last_year - 3, last_year):
        ts.recompute_ranks(session, year)
