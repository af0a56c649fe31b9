"""Benchmark of the disclosure compliance views (三务公开按时公开率).

Builds a database with one large district (default 3,000 villages in 30 streets) and a
number of smaller districts, the default catalogue, and a year of publications with gaps
(on time, late, missing), then times the district view (12 months, worst villages first,
one page) and the city overview per district. Prints median and p95 over repeated runs
after a warm-up.

    python benchmarks/disclosure_bench.py                      # SQLite file in a temp dir
    python benchmarks/disclosure_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/ww_bench

The database named by --db-url is emptied (all tables dropped and created).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from types import SimpleNamespace

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

import whirlwind.models  # noqa: F401  (every table)
from whirlwind.db import Base
from whirlwind.disclosure import stats
from whirlwind.disclosure.catalog import seed_catalog
from whirlwind.disclosure.models import DisclosureCatalogItem, DisclosureRecord
from whirlwind.disclosure.periods import month_key, periods_due_between
from whirlwind.orgs.models import Org, OrgClosure


def build_orgs(conn, villages: int, streets: int, other_districts: int, other_villages: int):
    """Insert the tree with Core (closure rows included); returns (city id, big district id)."""
    next_id = 1
    orgs, closure = [], []

    def add(code, name, level, parent_chain, district_id=None, street_id=None):
        nonlocal next_id
        oid = next_id
        next_id += 1
        orgs.append(
            {
                "id": oid,
                "code": code,
                "name": name,
                "level": level,
                "parent_id": parent_chain[-1] if parent_chain else None,
                "district_id": district_id
                if district_id
                else (oid if level == "district" else None),
                "street_id": street_id if street_id else (oid if level == "street" else None),
                "is_rural": level == "village",
                "active": True,
                "version": 1,
                "party_org_name": "",
                "party_org_type": "",
                "party_org_kind": "",
                "division_code": code,
                "note": "",
            }
        )
        closure.append({"ancestor_id": oid, "descendant_id": oid, "depth": 0})
        for depth, anc in enumerate(reversed(parent_chain), start=1):
            closure.append({"ancestor_id": anc, "descendant_id": oid, "depth": depth})
        return oid

    city = add("B0", "测试市", "city", [])
    districts = [(villages, streets)] + [
        (other_villages, max(1, other_villages // 100))
    ] * other_districts
    big = None
    for di, (n_villages, n_streets) in enumerate(districts):
        d = add(f"B{di:02d}", f"第{di + 1}区", "district", [city])
        big = big or d
        per_street = -(-n_villages // n_streets)
        made = 0
        for si in range(n_streets):
            s = add(
                f"B{di:02d}{si:03d}",
                f"第{di + 1}区第{si + 1}街道",
                "street",
                [city, d],
                district_id=d,
            )
            for vi in range(per_street):
                if made >= n_villages:
                    break
                add(
                    f"B{di:02d}{si:03d}{vi:03d}",
                    f"第{di + 1}区{si + 1}街{vi + 1}村",
                    "village",
                    [city, d, s],
                    district_id=d,
                    street_id=s,
                )
                made += 1
    conn.execute(insert(Org), orgs)
    conn.execute(insert(OrgClosure), closure)
    return city, big


def build_records(session, year: int, seed: int = 2017) -> int:
    rng = random.Random(seed)
    items = list(
        session.scalars(select(DisclosureCatalogItem).where(DisclosureCatalogItem.active.is_(True)))
    )
    villages = list(session.scalars(select(Org.id).where(Org.level == "village")))
    weak = set(rng.sample(villages, k=len(villages) // 8))
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows, total = [], 0
    for vid in villages:
        p_missing, p_late = (0.30, 0.25) if vid in weak else (0.05, 0.10)
        for item in items:
            if not item.applies("village"):
                continue
            if item.is_periodic:
                periods = periods_due_between(item.frequency, item.deadline_days, first, last)
            else:
                days = {
                    first + dt.timedelta(days=rng.randint(0, 350)) for _ in range(rng.randint(0, 2))
                }
                periods = [SimpleNamespace(key=d.isoformat(), start=d, end=d) for d in sorted(days)]
            for p in periods:
                due = p.end + dt.timedelta(days=item.deadline_days)
                roll = rng.random()
                if roll < p_missing and item.is_periodic:
                    continue
                if roll < p_missing + p_late:
                    published = due + dt.timedelta(days=rng.randint(1, 25))
                else:
                    published = due - dt.timedelta(
                        days=rng.randint(0, max(0, item.deadline_days - 1))
                    )
                rows.append(
                    {
                        "org_id": vid,
                        "catalog_item_id": item.id,
                        "period": p.key,
                        "period_start": p.start,
                        "period_end": p.end,
                        "event_date": None if item.is_periodic else p.start,
                        "due_date": due,
                        "due_month": month_key(due),
                        "published_on": published,
                        "channel": "board",
                        "content": "",
                        "evidence_link": "",
                        "reviewer_body": "",
                        "reviewer_name": "",
                        "version": 1,
                    }
                )
                if len(rows) >= 20000:
                    session.execute(insert(DisclosureRecord), rows)
                    total += len(rows)
                    rows = []
    if rows:
        session.execute(insert(DisclosureRecord), rows)
        total += len(rows)
    return total


def timed(fn, runs: int, warmup: int):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, samples[0], samples[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db-url", default="", help="SQLAlchemy URL (default: a temporary SQLite file)"
    )
    parser.add_argument("--villages", type=int, default=3000, help="villages in the large district")
    parser.add_argument("--streets", type=int, default=30, help="streets in the large district")
    parser.add_argument("--other-districts", type=int, default=12)
    parser.add_argument(
        "--other-villages", type=int, default=150, help="villages per other district"
    )
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)

    url = (
        args.db_url
        or f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='ww-bench-'), 'bench.sqlite')}"
    )
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    t0 = time.perf_counter()
    with Session(engine) as session:
        city_id, district_id = build_orgs(
            session.connection(),
            args.villages,
            args.streets,
            args.other_districts,
            args.other_villages,
        )
        seed_catalog(session)
        n_records = build_records(session, args.year)
        session.commit()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    build_s = time.perf_counter() - t0

    today = dt.date(args.year + 1, 2, 1)  # the whole year has fallen due
    with Session(engine) as session:
        n_villages = session.scalar(
            select(func.count()).select_from(Org).where(Org.level == "village")
        )
        district = session.get(Org, district_id)
        district_identity = SimpleNamespace(org_id=district_id)
        city_identity = SimpleNamespace(org_id=city_id)

        def district_view():
            r = stats.unit_rates(
                session, district_identity, district, args.year, today, limit=20, offset=0
            )
            assert r.unit_count == args.villages
            return r

        def district_export():
            return stats.unit_rates_all(session, district_identity, district, args.year, today)

        def city_view():
            return stats.city_rates(session, city_identity, args.year, today)

        r = district_view()
        c = city_view()
        results = [
            (
                "district view (12 months, page of 20 worst)",
                timed(district_view, args.runs, args.warmup),
            ),
            (
                "district export (all villages × 12 months)",
                timed(district_export, max(3, args.runs // 3), 1),
            ),
            ("city overview (per district × 12 months)", timed(city_view, args.runs, args.warmup)),
        ]

    print(
        f"database: {engine.dialect.name}  villages: {n_villages} (large district {args.villages})  "
        f"records: {n_records}  obligations in the district: {r.total.total}  build: {build_s:.1f}s"
    )
    print(
        f"district on-time rate {r.total.rate:.3f}; city on-time rate {c.total.rate:.3f}; "
        f"worst village {r.units[0][1]} ({r.units[0][3].rate:.3f})"
    )
    print()
    print(f"{'view':<48} {'median ms':>10} {'p95 ms':>10} {'min ms':>10} {'max ms':>10}")
    for name, (median, p95, lo, hi) in results:
        print(f"{name:<48} {median:>10.1f} {p95:>10.1f} {lo:>10.1f} {hi:>10.1f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
