"""Pages through the real WSGI stack (WebTest, in-process), against the framework floor.

    python benchmarks/generate.py                      # once: the generated city
    python benchmarks/pages_bench.py                   # SQLite under benchmarks/out/
    python benchmarks/pages_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/ww_bench
    python benchmarks/pages_bench.py --profile "case page"      # pyinstrument profile of one page

The application is the real one (every area, tween, security policy, session, templates,
pyramid_tm); the benchmark's own configuration adds two floor views that the app does not
have: ``/__bench/bare`` (a Response, nothing else) and ``/__bench/bare-identity`` (also
resolves the logged-in user, as every real page does). Each page is requested ``--warmup``
times untimed, then ``--runs`` times; the case page rotates over a sample of cases. Times
are milliseconds of the whole request (routing, view, database, template rendering).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import webtest
from sqlalchemy import func, select

from benchmarks.common import (
    BARE_IDENTITY_PATH,
    BARE_PATH,
    BENCH_PASSWORD,
    DEFAULT_DB_URL,
    machine_note,
    make_app,
    print_table,
    summarize,
    verdict,
)

# page -> (goal kind, goal value): "p95" in ms, or "floor" share of the bare view's throughput.
GOALS = {
    "case list (filtered)": ("p95", 50.0),
    "case list (first page)": ("p95", 50.0),
    "dashboard": ("p95", 150.0),
    "case page": ("floor", 0.25),
}


def login(app: webtest.TestApp, username: str, password: str = BENCH_PASSWORD) -> None:
    form = app.get("/login").forms["login"]
    form["username"] = username
    form["password"] = password
    res = form.submit("submit")
    if res.status_int != 302:
        raise SystemExit(f"login as {username} failed ({res.status}); generate the data first")


def pick(session, today_year: int, rng: random.Random) -> dict:
    from whirlwind.cases.models import Case
    from whirlwind.orgs.models import Org

    case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    # The district with the most communities/villages: the heaviest district view.
    district_id = session.execute(
        select(Org.district_id, func.count())
        .where(Org.level.in_(("community", "village")))
        .group_by(Org.district_id)
        .order_by(func.count().desc())
        .limit(1)
    ).first()[0]
    return {
        "case_ids": rng.sample(case_ids, min(200, len(case_ids))) if case_ids else [],
        "district_id": district_id,
        "year": today_year - 1,
    }


def pages(ctx: dict, has_route) -> list[tuple[str, object]]:
    rng = random.Random(1)
    case_ids = ctx["case_ids"]
    out: list[tuple[str, object]] = [
        ("bare view (floor)", BARE_PATH),
        ("bare view + identity", BARE_IDENTITY_PATH),
        ("case list (first page)", "/cases/list"),
        (
            "case list (filtered)",
            "/cases/list?status=closed&source=petition&date_from=2019-01-01&amount_min=10000",
        ),
        ("clue list (filtered)", "/cases/clues?status=open&category=integrity"),
        ("case page", (lambda: f"/cases/{rng.choice(case_ids)}") if case_ids else None),
        ("ledger list (filtered)", "/ledger?status=in_progress"),
        ("ledger board", "/ledger/board"),
        (
            "district disclosure view",
            f"/disclosure/rates?unit={ctx['district_id']}&year={ctx['year']}",
        ),
    ]
    if has_route("reports.dashboard"):
        out.append(("dashboard", "/reports"))
    return [(name, url) for name, url in out if url is not None]


def run(
    db_url: str,
    runs: int,
    warmup: int,
    user: str,
    only: list[str] | None = None,
    profile: str | None = None,
) -> list[dict]:
    from pyramid.interfaces import IRoutesMapper
    from sqlalchemy.orm import Session

    from whirlwind import clock

    wsgi = make_app(db_url)
    mapper = wsgi.registry.queryUtility(IRoutesMapper)

    def has_route(name):
        return mapper.get_route(name) is not None

    with Session(wsgi.registry["dbengine"]) as session:
        ctx = pick(session, clock.today().year, random.Random(7))
    app = webtest.TestApp(
        wsgi, extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"}
    )
    login(app, user)

    results = []
    for name, url in pages(ctx, has_route):
        if only and name not in only and not name.startswith("bare view"):
            continue
        get_url = url if callable(url) else (lambda u=url: u)

        def request(get_url=get_url, name=name):
            res = app.get(get_url(), status="*")
            if res.status_int != 200:
                raise SystemExit(f"{name}: {res.request.url} answered {res.status}")
            return res

        for _ in range(warmup):
            request()
        samples = []
        size = 0
        for _ in range(runs):
            t = time.perf_counter()
            res = request()
            samples.append((time.perf_counter() - t) * 1000)
            size = len(res.body)
        results.append({"page": name, "bytes": size, **summarize(samples)})
        if profile and name == profile:
            print_profile(request, runs, name)

    floor = next(r for r in results if r["page"] == "bare view (floor)")
    table = []
    for r in results:
        share = floor["median"] / r["median"] if r["median"] else float("nan")
        r["floor_share"] = share
        kind, goal = GOALS.get(r["page"], ("", None))
        if kind == "p95":
            goal_text, ok = f"p95 ≤ {goal:.0f} ms", verdict(r["p95"], goal)
        elif kind == "floor":
            goal_text, ok = f"≥ {goal:.0%} of bare", verdict(share, goal, higher_is_better=True)
        else:
            goal_text, ok = "", ""
        table.append(
            [
                r["page"],
                r["median"],
                r["p95"],
                1000 / r["median"] if r["median"] else 0.0,
                f"{share:.1%}",
                f"{r['bytes'] / 1024:.0f}",
                goal_text,
                ok,
            ]
        )
    print()
    print_table(
        ["page", "median ms", "p95 ms", "req/s (1 client)", "vs bare", "KiB", "goal", ""],
        table,
        title=f"Pages through the WSGI stack as {user} ({wsgi.registry['dbengine'].dialect.name}, "
        f"{runs} runs after {warmup} warm-up)",
    )
    print(f"\n{machine_note()}")
    wsgi.registry["dbengine"].dispose()
    return results


def print_profile(request, runs: int, name: str) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(runs):
        request()
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    # Keep the part of the tree that is the project's code and the database driver.
    print(f"\n--- pyinstrument: {name} × {runs} ---")
    print(re.sub(r"\n{3,}", "\n\n", text))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db-url", default=DEFAULT_DB_URL)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--user", default="city_insp", help="generated user to log in as (e.g. d01_insp, s001_insp)"
    )
    parser.add_argument(
        "--page", action="append", help="only this page (repeatable; the floor is always run)"
    )
    parser.add_argument("--profile", help="page name to profile with pyinstrument after timing it")
    args = parser.parse_args(argv)
    run(args.db_url, args.runs, args.warmup, args.user, args.page, args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
