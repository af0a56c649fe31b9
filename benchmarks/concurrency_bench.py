"""Concurrency: 16 clients on loopback against the production server setup serving the real app.

    python benchmarks/concurrency_bench.py                     # SQLite under benchmarks/out/
    python benchmarks/concurrency_bench.py --clients 16 --duration 30
    python benchmarks/concurrency_bench.py --server waitress --threads 8   # the old one-process setup
    python benchmarks/concurrency_bench.py --db-url postgresql+psycopg://postgres@127.0.0.1:5432/ww_bench

Starts the server in a child process on 127.0.0.1 and a free port, serving the app plus the
benchmark's floor view: by default gunicorn exactly as development.ini/production.ini run it
(``whirlwind.gunicorn_conf``: one pre-forked worker process per core, ``--workers`` to
override, ``--threads`` threads each); ``--server waitress`` is one waitress process. Each client logs
in as a different generated user (city, district and street inspectors, so jurisdictions
differ) and keeps one HTTP/1.1 connection. Two phases in one run:

1. floor: every client requests the bare view (``/__bench/bare-identity``: routing, session
   cookie, identity lookup, no page) for ``--floor-duration`` seconds;
2. pages: every client requests a weighted mix of real pages (case lists with filters, case
   pages, clue list, ledger list and board, district disclosure view, dashboard) for
   ``--duration`` seconds.

Bounded: each phase stops at its duration or at ``--max-requests``; each request times out
after 30 s. Prints throughput, median and p95 per page and overall, and the ratio to the
floor. The clients run in this process (threads, http.client): they share two CPUs with the
server, as a load generator on the same machine does.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import (
    BARE_IDENTITY_PATH,
    BENCH_PASSWORD,
    DEFAULT_DB_URL,
    machine_note,
    print_table,
    summarize,
    verdict,
)

# The page mix under 16 clients, as a share of the floor measured the same way.
GOAL_SHARE = 0.25
HOST = "127.0.0.1"
MIX = [  # (page, weight)
    ("case list (filtered)", 20),
    ("case list (first page)", 10),
    ("clue list (filtered)", 10),
    ("case page", 30),
    ("ledger list (filtered)", 10),
    ("ledger board", 8),
    ("district disclosure view", 6),
    ("dashboard", 6),
]


def serve_gunicorn(db_url: str, port: int, threads: int, workers: int) -> None:
    """gunicorn with the settings of the ini files (``whirlwind.gunicorn_conf``): the app is
    loaded once here and forked into the workers, as PasteDeploy does for pserve."""
    from gunicorn.app.base import BaseApplication

    from benchmarks.common import make_app
    from whirlwind import gunicorn_conf

    app = make_app(db_url)

    class BenchServer(BaseApplication):
        def load_config(self):
            for key, value in vars(gunicorn_conf).items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)
            self.cfg.set("bind", f"{HOST}:{port}")
            self.cfg.set("workers", workers or gunicorn_conf.default_workers())
            self.cfg.set("threads", threads)
            self.cfg.set("loglevel", "warning")
            self.cfg.set("accesslog", None)

        def load(self):
            return app

    BenchServer().run()


def serve(db_url: str, port: int, threads: int) -> None:
    import logging

    import waitress

    # 16 clients on 8 threads queue by design; the queue-depth warning is not news here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    from benchmarks.common import make_app

    app = make_app(db_url)
    waitress.serve(app, host=HOST, port=port, threads=threads, ident="whirlwind", _quiet=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/__bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not answer in time")


def login(port: int, username: str) -> str:
    """Log in through the real form; returns the Cookie header value."""
    cookies: dict[str, str] = {}

    def remember(resp):
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    html = resp.read().decode("utf-8")
    remember(resp)
    form = re.search(r'<form[^>]*id="login".*?</form>', html, re.S)
    fields = dict(
        re.findall(
            r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(0)
        )
    )
    fields.update(username=username, password=BENCH_PASSWORD, submit="submit")
    from urllib.parse import urlencode

    body = urlencode(fields)
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    resp = conn.getresponse()
    resp.read()
    remember(resp)
    conn.close()
    if resp.status != 302:
        raise SystemExit(f"login as {username} failed ({resp.status}); generate the data first")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def client_plans(db_url: str, clients: int, has_dashboard: bool) -> list[dict]:
    """Per client: user, case ids inside its jurisdiction, its disclosure unit."""
    from sqlalchemy import create_engine, func, select

    import whirlwind.models  # noqa: F401
    from whirlwind.accounts.models import User
    from whirlwind.cases.models import Case
    from whirlwind.orgs.models import Org, OrgClosure

    engine = create_engine(db_url)
    year = time.localtime().tm_year - 1
    plans = []
    with engine.connect() as conn:
        big = conn.execute(
            select(Org.district_id, func.count())
            .where(Org.level.in_(("community", "village")))
            .group_by(Org.district_id)
            .order_by(func.count().desc())
            .limit(1)
        ).first()[0]
        names = (
            ["city_insp"] + [f"d{i:02d}_insp" for i in range(1, 14)] + ["s001_insp", "s002_insp"]
        )
        for i in range(clients):
            username = names[i % len(names)]
            org_id, level = conn.execute(
                select(User.org_id, Org.level)
                .join(Org, Org.id == User.org_id)
                .where(User.username == username)
            ).one()
            case_ids = list(
                conn.scalars(
                    select(Case.id)
                    .join(OrgClosure, OrgClosure.descendant_id == Case.org_id)
                    .where(OrgClosure.ancestor_id == org_id)
                    .order_by(func.random())
                    .limit(200)
                )
            )
            unit = big if level == "city" else org_id
            rng = random.Random(i)
            urls = {
                "case list (filtered)": lambda: (
                    "/cases/list?status=closed&source=petition&date_from=2019-01-01&amount_min=10000"
                ),
                "case list (first page)": lambda: "/cases/list",
                "clue list (filtered)": lambda: "/cases/clues?status=open&category=integrity",
                "case page": (lambda ids=case_ids, r=rng: f"/cases/{r.choice(ids)}")
                if case_ids
                else None,
                "ledger list (filtered)": lambda: "/ledger?status=in_progress",
                "ledger board": lambda: "/ledger/board",
                "district disclosure view": lambda u=unit: (
                    f"/disclosure/rates?unit={u}&year={year}"
                ),
                "dashboard": (lambda: "/reports") if has_dashboard else None,
            }
            plans.append(
                {"username": username, "urls": {k: v for k, v in urls.items() if v}, "rng": rng}
            )
    engine.dispose()
    return plans


def run_phase(
    port: int, plans: list[dict], cookies: list[str], duration: float, max_requests: int, pick
) -> tuple[dict, float, int]:
    samples: dict[str, list[float]] = defaultdict(list)
    errors = defaultdict(int)
    lock = threading.Lock()
    count = [0]
    start = time.monotonic()
    deadline = start + duration

    def worker(i):
        plan, cookie = plans[i], cookies[i]
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        local = []
        while time.monotonic() < deadline:
            with lock:
                if count[0] >= max_requests:
                    break
                count[0] += 1
            name, url = pick(plan)
            t = time.perf_counter()
            try:
                conn.request("GET", url, headers={"Cookie": cookie})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = 0
            ms = (time.perf_counter() - t) * 1000
            if status == 200:
                local.append((name, ms))
            else:
                with lock:
                    errors[f"{name}: {status}"] += 1
        conn.close()
        with lock:
            for name, ms in local:
                samples[name].append(ms)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(plans))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    elapsed = time.monotonic() - start
    return samples, elapsed, sum(errors.values()) if not errors else _report_errors(errors)


def _report_errors(errors) -> int:
    for k, v in sorted(errors.items()):
        print(f"  non-200: {k} × {v}")
    return sum(errors.values())


def run(
    db_url: str,
    clients: int,
    duration: float,
    floor_duration: float,
    max_requests: int,
    threads: int,
    server: str = "gunicorn",
    workers: int = 0,
) -> dict:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            os.path.abspath(__file__),
            "--serve",
            server,
            "--db-url",
            db_url,
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--workers",
            str(workers),
        ]
    )
    try:
        wait_ready(port, proc)
        plans = client_plans(db_url, clients, has_dashboard=True)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.request("GET", "/reports")
        if conn.getresponse().status == 404:
            for p in plans:
                p["urls"].pop("dashboard", None)
        conn.close()
        cookies = [login(port, p["username"]) for p in plans]

        floor_samples, floor_s, floor_err = run_phase(
            port,
            plans,
            cookies,
            floor_duration,
            max_requests,
            lambda plan: ("bare view + identity", BARE_IDENTITY_PATH),
        )

        def pick(plan):
            names = [n for n, _w in MIX if n in plan["urls"]]
            weights = [w for n, w in MIX if n in plan["urls"]]
            name = plan["rng"].choices(names, weights)[0]
            return name, plan["urls"][name]()

        samples, elapsed, errors = run_phase(port, plans, cookies, duration, max_requests, pick)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

    floor = [ms for v in floor_samples.values() for ms in v]
    floor_rps = len(floor) / floor_s
    rows = [
        ["bare view + identity (floor)", len(floor), len(floor) / floor_s, *_stats(floor), "100%"]
    ]
    all_ms = []
    for name, _w in MIX:
        ms = samples.get(name, [])
        if not ms:
            continue
        all_ms += ms
        rows.append([name, len(ms), len(ms) / elapsed, *_stats(ms), ""])
    rps = len(all_ms) / elapsed
    rows.append(["all pages (mix)", len(all_ms), rps, *_stats(all_ms), f"{rps / floor_rps:.1%}"])
    print()
    print_table(
        ["phase / page", "requests", "req/s", "median ms", "p95 ms", "vs floor"],
        rows,
        title=f"{clients} clients on loopback, {_setup(server, threads, workers)}, "
        f"floor {floor_duration:.0f}s + pages {duration:.0f}s",
    )
    share = rps / floor_rps if floor_rps else float("nan")
    ok = verdict(share, GOAL_SHARE, higher_is_better=True)
    if errors + floor_err:
        ok = "MISSED"
    print(
        f"\nerrors: floor {floor_err}, pages {errors}\n"
        f"goal: page mix ≥ {GOAL_SHARE:.0%} of the floor with 0 errors: {ok} ({share:.1%})\n"
        f"{machine_note()}"
    )
    return {
        "floor_rps": floor_rps,
        "rps": rps,
        "p95": summarize(all_ms)["p95"] if all_ms else float("nan"),
        "requests": len(all_ms),
        "errors": errors + floor_err,
    }


def _setup(server: str, threads: int, workers: int) -> str:
    if server == "waitress":
        return f"waitress (1 process) threads={threads}"
    from whirlwind.gunicorn_conf import default_workers

    return f"gunicorn workers={workers or default_workers()} threads={threads}"


def _stats(ms):
    s = summarize(ms)
    return [s["median"], s["p95"]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db-url", default=DEFAULT_DB_URL)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of the page phase")
    parser.add_argument(
        "--floor-duration", type=float, default=10.0, help="seconds of the floor phase"
    )
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per phase")
    parser.add_argument(
        "--server",
        choices=("gunicorn", "waitress"),
        default="gunicorn",
        help="gunicorn as the ini files run it (default), or one waitress process",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per process (gunicorn 4, waitress 8)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn worker processes (default: one per core)"
    )
    parser.add_argument("--serve", choices=("gunicorn", "waitress"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve == "gunicorn":
        serve_gunicorn(args.db_url, args.port, args.threads or 4, args.workers)
        return 0
    if args.serve == "waitress":
        serve(args.db_url, args.port, args.threads or 8)
        return 0
    threads = args.threads or (4 if args.server == "gunicorn" else 8)
    run(
        args.db_url,
        args.clients,
        args.duration,
        args.floor_duration,
        args.max_requests,
        threads,
        args.server,
        args.workers,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
