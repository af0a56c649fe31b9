"""The demo loader gives every unit a year of disclosures with gaps, checks, and one
failure in the ledger."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select

from whirlwind.demo import DemoContext
from whirlwind.disclosure import demo, stats
from whirlwind.disclosure.models import DisclosureCheck, DisclosureFailure, DisclosureRecord
from whirlwind.ledger.models import RectificationItem
from whirlwind.security import Identity


def test_demo_year_with_gaps_checks_and_a_ledger_item(dbsession, tree, users):
    today = dt.date(2026, 6, 15)
    ctx = DemoContext(
        orgs={o.code: o for o in tree.values()},
        users={
            "admin": users["admin"],
            "datan_committee": users["committee"],
            "sanyang_committee": users["committee_b"],
            "street": users["street"],
            "street_b": users["street_b"],
        },
        today=today,
        rng=random.Random(7),
    )
    demo.load(dbsession, ctx)
    per_unit = dict(
        dbsession.execute(
            select(DisclosureRecord.org_id, func.count()).group_by(DisclosureRecord.org_id)
        ).all()
    )
    assert set(per_unit) == {tree[k].id for k in ("V1", "V2", "V3", "K1")}
    assert all(n >= 20 for n in per_unit.values())
    assert dbsession.scalar(select(func.max(DisclosureRecord.published_on))) <= today
    checks = list(dbsession.scalars(select(DisclosureCheck)))
    assert any(c.result == "fail" for c in checks) and any(c.result == "pass" for c in checks)
    failure = dbsession.scalar(select(DisclosureFailure))
    item = dbsession.scalar(
        select(RectificationItem).where(RectificationItem.source_type == "disclosure")
    )
    assert item.source_id == failure.id and failure.org_id == tree["V1"].id
    # Realistic gaps: some late, some missing, most on time.
    city = users["city"]
    t = stats.city_rates(dbsession, Identity(city, city.permissions), 2026, today).total
    t25 = stats.city_rates(dbsession, Identity(city, city.permissions), 2025, today).total
    late, missing, on_time = t.late + t25.late, t.missing + t25.missing, t.on_time + t25.on_time
    assert late > 0 and missing > 0 and on_time > late + missing


def test_catalog_command_seeds_once(dbsession, capsys):
    import contextlib
    from types import SimpleNamespace

    from whirlwind.disclosure.catalog import DEFAULTS, seed_command
    from whirlwind.disclosure.models import DisclosureCatalogItem

    env = {"request": SimpleNamespace(tm=contextlib.nullcontext(), dbsession=dbsession)}
    assert seed_command(env, None) == 0
    assert f"已补充 {len(DEFAULTS)} 个" in capsys.readouterr().out
    seed_command(env, None)
    assert "均已存在" in capsys.readouterr().out
    assert dbsession.scalar(select(func.count()).select_from(DisclosureCatalogItem)) == len(
        DEFAULTS
    )
