"""Benchmark of the report pages: the dashboard, 月研判, 季调度 and 年考核 through WebTest.

Fills a database with the org tree of ``disclosure_bench`` (one large district and twelve
smaller ones), a year of disclosure records, 120,000 clues with categories, 100,000 cases with
subjects and sanctions, 50,000 rectification items in every state, 20,000 audit findings,
a campaign with targets and five years of star levels; then logs in as a city leader and
times each page (median and p95 after a warm-up).

    python benchmarks/reports_bench.py                       # SQLite file in a temp dir
    python benchmarks/reports_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/ww_bench

The database named by --db-url is emptied (all tables dropped and created).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import os
import random
import statistics
import sys
import tempfile
import time

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import whirlwind.models  # noqa: F401  (every table)
from benchmarks.disclosure_bench import build_orgs, build_records
from whirlwind import clock
from whirlwind.audits.models import Finding
from whirlwind.cases.models import Case, CaseClue, CaseSubject, Clue, ClueCategory
from whirlwind.db import Base, utcnow
from whirlwind.disclosure.catalog import seed_catalog
from whirlwind.ledger.models import RectificationItem
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person
from whirlwind.targets.models import Campaign, OrgAssessment, RectificationTarget

D = decimal.Decimal
CATEGORIES = [
    "embezzlement",
    "false_claims",
    "misappropriation",
    "favouritism",
    "extortion",
    "illegal_fees",
    "inaction",
    "collective_assets",
]
SOURCES = ["petition", "assigned", "audit", "supervision", "committee", "four_assets"]
SANCTIONS = ["", "", "warning", "serious_warning", "removal", "probation", "expulsion"]
STATUSES = [
    "pending",
    "in_progress",
    "returned",
    "submitted",
    "street_approved",
    "district_approved",
    "cleared",
    "cleared",
    "cleared",
]


def chunks(rows, size=5000):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def bulk(conn, model, rows):
    for part in chunks(rows):
        conn.execute(insert(model), part)


def fill(engine, today: dt.date, clues: int, cases: int, items: int, findings: int) -> None:
    rng = random.Random(2017)
    with engine.begin() as conn:
        build_orgs(conn, 1000, 20, 12, 150)
    with Session(engine) as session:
        from whirlwind.commands import seed_base

        seed_base(session)
        seed_catalog(session)
        session.commit()
        build_records(session, today.year)
        session.commit()
        units = list(session.scalars(select(Org.id).where(Org.level == "village")))
        city = session.scalar(select(Org.id).where(Org.level == "city"))
    start = today - dt.timedelta(days=730)
    span = (today - start).days
    now = utcnow()

    def day():
        return start + dt.timedelta(days=rng.randint(0, span))

    with engine.begin() as conn:
        bulk(
            conn,
            Clue,
            [
                {
                    "id": i,
                    "org_id": rng.choice(units),
                    "number": f"XS{i:07d}",
                    "title": f"线索{i}",
                    "received_date": day(),
                    "source": rng.choice(SOURCES),
                    "status": "registered",
                    "amount_involved": D(rng.randint(0, 500000)) / 100,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(1, clues + 1)
            ],
        )
        bulk(
            conn,
            ClueCategory,
            [{"clue_id": i, "code": rng.choice(CATEGORIES)} for i in range(1, clues + 1)],
        )
        case_rows, links, persons, subjects = [], [], [], []
        for i in range(1, cases + 1):
            opened = day()
            review = opened + dt.timedelta(days=rng.randint(30, 150))
            closed = review + dt.timedelta(days=rng.randint(20, 120))
            done = closed < today and rng.random() < 0.7
            org = rng.choice(units)
            case_rows.append(
                {
                    "id": i,
                    "org_id": org,
                    "number": f"AJ{i:07d}",
                    "title": f"案件{i}",
                    "opened_on": opened,
                    "review_on": review if review < today else None,
                    "closed_on": closed if done else None,
                    "stage": "closed" if done else "review",
                    "amount_involved": D(rng.randint(0, 900000)) / 100,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            links.append({"case_id": i, "clue_id": i})
            persons.append({"id": i, "name": f"人员{i}", "org_id": org})
            subjects.append(
                {
                    "case_id": i,
                    "person_id": i,
                    "party_sanction": rng.choice(SANCTIONS),
                    "amount_involved": D(rng.randint(0, 900000)) / 100,
                    "recovered": D(rng.randint(0, 300000)) / 100,
                    "version": 1,
                }
            )
        bulk(conn, Case, case_rows)
        bulk(conn, CaseClue, links)
        bulk(conn, Person, persons)
        bulk(conn, CaseSubject, subjects)
        item_rows = []
        for i in range(1, items + 1):
            created = day()
            status = rng.choice(STATUSES)
            cleared = created + dt.timedelta(days=rng.randint(5, 120))
            ts = dt.datetime.combine(created, dt.time(3), dt.UTC)
            item_rows.append(
                {
                    "id": i,
                    "org_id": rng.choice(units),
                    "source_type": "finding",
                    "source_id": i,
                    "problem": f"问题{i}",
                    "measure": "",
                    "responsible_person": "",
                    "deadline": created + dt.timedelta(days=rng.randint(15, 90)),
                    "status": status,
                    "cleared_at": dt.datetime.combine(min(cleared, today), dt.time(3), dt.UTC)
                    if status == "cleared"
                    else None,
                    "reopened_count": 0,
                    "last_return_reason": "",
                    "version": 1,
                    "created_at": ts,
                    "updated_at": ts,
                }
            )
        bulk(conn, RectificationItem, item_rows)
        bulk(
            conn,
            Finding,
            [
                {
                    "org_id": rng.choice(units),
                    "seq": 1,
                    "asset_type": "funds",
                    "irregularity": "x",
                    "description": "问题",
                    "amount_involved": D(rng.randint(0, 500000)) / 100,
                    "amount_recovered": D(rng.randint(0, 200000)) / 100,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for _ in range(findings)
            ],
        )
        conn.execute(
            insert(Campaign),
            [
                {
                    "id": 1,
                    "org_id": city,
                    "year": today.year,
                    "title": f"{today.year}年整顿",
                    "assessment_year": today.year - 1,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        bulk(
            conn,
            RectificationTarget,
            [
                {
                    "campaign_id": 1,
                    "org_id": u,
                    "status": rng.choice(["rectifying", "cleared"]),
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for u in rng.sample(units, 300)
            ],
        )
        bulk(
            conn,
            OrgAssessment,
            [
                {
                    "org_id": u,
                    "year": y,
                    "score": D(rng.randint(55, 99)),
                    "star_level": rng.randint(1, 5),
                    "updated_at": now,
                }
                for u in units
                for y in range(today.year - 5, today.year)
            ],
        )


def timed(app, url, runs):
    app.get(url)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = app.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert res.status_int == 200, (url, res.status_int)
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=50_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="ww-reports-bench-")
    url = args.db_url or f"sqlite:///{tmp}/bench.sqlite"
    from whirlwind import main as make_app

    app = make_app(
        {},
        **{
            "sqlalchemy.url": url,
            "whirlwind.secret": "bench",
            "whirlwind.cookie_secure": "false",
            "whirlwind.index_dir": os.path.join(tmp, "index"),
            "whirlwind.attachments_dir": os.path.join(tmp, "att"),
        },
    )
    engine = app.registry["dbengine"]
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    today = clock.today()
    t0 = time.time()
    fill(engine, today, int(args.cases * 1.2), args.cases, args.items, 20_000)
    with Session(engine) as session:
        from whirlwind.accounts.services import create_user

        city = session.scalar(select(Org).where(Org.level == "city"))
        create_user(
            session,
            username="bench_leader",
            display_name="领导",
            org=city,
            role_codes=["leader"],
            password="bench-password-1",  # noqa: S106  a throwaway benchmark user
        )
        session.commit()
        counts = {
            m.__name__: session.scalar(select(func.count()).select_from(m))
            for m in (Org, Clue, Case, RectificationItem, Finding)
        }
    print(f"filled in {time.time() - t0:.0f}s: {counts}")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    import webtest

    web = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    form = web.get("/login").forms["login"]
    form["username"], form["password"] = "bench_leader", "bench-password-1"
    form.submit("submit")
    last_year = today.year - 1
    pages = [
        ("dashboard", "/reports"),
        ("月研判", "/reports/monthly"),
        ("季调度", "/reports/quarterly"),
        ("年考核", f"/reports/annual?period={last_year}"),
        ("星级争创", "/reports/stars"),
    ]
    print(f"{engine.dialect.name}, {args.runs} runs each (ms):")
    for name, path in pages:
        median, p95 = timed(web, path, args.runs)
        print(f"  {name:10s} {path:32s} median {median:7.1f}  p95 {p95:7.1f}")


if __name__ == "__main__":
    main()
