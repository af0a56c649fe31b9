"""Bounded load test on loopback: N concurrent clients for D seconds against waitress.

    python benchmarks/load_test.py                       # 50 clients, 60 s, PostgreSQL
    python benchmarks/load_test.py --sqlite              # the same on a SQLite file
    python benchmarks/load_test.py --clients 5 --duration 3

What it does:

1. Creates a scratch database (PostgreSQL ``--pg-url``, default
   ``postgresql+psycopg://postgres@127.0.0.1:5432/ww_load``, dropped afterwards; or a
   SQLite file with ``--sqlite``), loads the demo data (``whirlwind demo``), gives every
   client two rectification items of its own (submitted, with evidence) and builds the
   search index.
2. Starts waitress in a child process on 127.0.0.1 (``--threads``, default 8).
3. Runs the clients (threads with ``http.client`` keep-alive connections, only to
   127.0.0.1). Each logs in through the real login form (again every ``--relogin``
   iterations), then loops over: ledger, clue, finding and target lists (random pages),
   full-text search, and an item transition (open the item page, read its version and
   CSRF token, and 退回 or 申请销号 it — each client only touches its own items, so a 409
   would be a real error).
4. Reports requests, errors (any status other than the expected one, or a network error;
   must be 0) and p50/p95/max per endpoint; exit status 1 when there were errors.

Hard caps: at most 300 s, 200 clients and 500 000 requests, whatever the arguments say.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict

from whirlwind import clock

HOST = "127.0.0.1"
MAX_DURATION = 300.0
MAX_CLIENTS = 200
MAX_REQUESTS = 500_000
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/ww_load"
SEARCH_TERMS = ["补贴", "村委会", "资金", "违规", "张", "工程", "公开", "低保"]
LISTS = [
    ("list:ledger", "/ledger"),
    ("list:clues", "/cases/clues"),
    ("list:findings", "/audits/findings"),
    ("list:targets", "/targets"),
]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ACTION_RE = re.compile(r'id="action-(\w+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


# --- preparation -------------------------------------------------------------------------


def settings_for(db_url: str, var_dir: str) -> dict:
    return {
        "sqlalchemy.url": db_url,
        "pyramid.reload_templates": "false",
        "pyramid.default_locale_name": "zh_CN",
        "retry.attempts": "3",
        "whirlwind.secret": "load-test-secret-not-for-production",
        "whirlwind.cookie_secure": "false",
        "whirlwind.index_dir": os.path.join(var_dir, "index"),
        "whirlwind.attachments_dir": os.path.join(var_dir, "attachments"),
        "whirlwind.upload_max_bytes": str(10 * 1024 * 1024),
        "whirlwind.page_size": "20",
        "sqlalchemy.pool_size": "20",
        "sqlalchemy.max_overflow": "20",
    }


def prepare(db_url: str, var_dir: str, clients: int) -> dict:
    """Schema, demo data, two submitted items per client, search index. Returns the plan:
    which user and items each client uses."""
    from types import SimpleNamespace

    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session, sessionmaker

    from whirlwind import demo
    from whirlwind.accounts.models import User
    from whirlwind.accounts.services import create_user
    from whirlwind.attachments.models import Attachment
    from whirlwind.ledger import workflow
    from whirlwind.ledger.models import ProgressNote
    from whirlwind.ledger.services import create_item
    from whirlwind.models import Base
    from whirlwind.orgs.models import Org
    from whirlwind.security import Identity

    settings = settings_for(db_url, var_dir)
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.info["actor"] = (None, "load-test")
        s.info["request"] = SimpleNamespace(registry=SimpleNamespace(settings=settings))
        demo.load(s)
        s.flush()
        # Street inspectors of the demo and the units under their streets.
        users = {u.username: u for u in s.scalars(select(User))}
        streets = [
            ("qijiawan_inspector", "420116001"),
            ("caidian_inspector", "420116002"),
            ("dazhi_inspector", "420102001"),
        ]
        plan = []
        for i in range(clients):
            username, street = streets[i % len(streets)]
            # The items are applied for (申请销号) by a colleague of the street: the client
            # reviews them (职责分离: an applicant signs no stage of his own item).
            user = create_user(
                s, username=f"load_applicant_{i}", display_name=f"压力测试申请人{i}",
                org=users[username].org, role_codes=["street_inspector"],
                password=demo.DEMO_PASSWORD + "-load",
            )  # fmt: skip
            s.flush()
            who = Identity(user, user.permissions)
            unit = s.scalar(
                select(Org)
                .where(Org.code.like(street + "%"), Org.level.in_(("village", "community")))
                .order_by(Org.code)
            )
            items = []
            for n in range(2):
                item = create_item(
                    s, who, org=unit, source_type="finding", source_id=0,
                    problem=f"压力测试事项 {i}-{n}", deadline=due_date(), measure="整改",
                    responsible_person="张三", package=None,
                )  # fmt: skip
                workflow.transition(s, who, item, "start")
                note = ProgressNote(item=item, author_id=user.id, note="已整改")
                s.add(note)
                s.flush()
                s.add(
                    Attachment(
                        owner_type="progress_note", owner_id=note.id, org_id=item.org_id,
                        sha256="0" * 64, filename="evidence.pdf", content_type="application/pdf",
                        size=10, uploaded_by_id=user.id,
                    )
                )  # fmt: skip
                s.flush()
                workflow.transition(s, who, item, "submit")
                items.append(item.id)
            plan.append({"username": username, "items": items})
        s.commit()
    from whirlwind.search import indexer

    indexer.apply_pending(sessionmaker(bind=engine), indexer.index_base(settings))
    engine.dispose()
    return {"settings": settings, "clients": plan, "password": demo.DEMO_PASSWORD}


def due_date():
    import datetime as dt

    return clock.today() + dt.timedelta(days=30)


# --- the server --------------------------------------------------------------------------


def serve(settings_path: str, port: int, threads: int) -> None:
    import logging

    import waitress

    from whirlwind import main

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    with open(settings_path, encoding="utf-8") as f:
        settings = json.load(f)
    app = main({}, **settings)
    waitress.serve(app, host=HOST, port=port, threads=threads, ident="whirlwind", _quiet=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(settings: dict, threads: int, workdir: str):
    path = os.path.join(workdir, "settings.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(settings, f)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "serve", path, str(port), str(threads)],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer in time")


# --- the clients -------------------------------------------------------------------------


class Budget:
    """Shared request cap and deadline."""

    def __init__(self, duration: float, max_requests: int):
        self.deadline = time.monotonic() + duration
        self.left = max_requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            return True


class Client:
    def __init__(self, port: int, username: str, password: str, items, budget, stats, rng):
        self.port, self.username, self.password = port, username, password
        self.items, self.budget, self.stats, self.rng = items, budget, stats, rng
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def request(self, name, method, path, body=None, expect=(200,)):
        if not self.budget.take():
            raise StopIteration
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
            status = resp.status
            for header, value in resp.getheaders():
                if header.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            self.stats.record(name, time.perf_counter() - started, f"{type(e).__name__}: {e}")
            return None, ""
        elapsed = time.perf_counter() - started
        error = None if status in expect else f"HTTP {status} {method} {path}"
        self.stats.record(name, elapsed, error)
        return status, data.decode("utf-8", "replace")

    def login(self):
        self.cookies.clear()
        _, page = self.request("login:form", "GET", "/login")
        token = CSRF_RE.search(page or "")
        if not token:
            return False
        status, _ = self.request(
            "login:submit",
            "POST",
            "/login",
            {
                "_charset_": "UTF-8",
                "__formid__": "login",
                "csrf_token": token.group(1),
                "username": self.username,
                "password": self.password,
                "submit": "submit",
            },
            expect=(302,),
        )
        return status == 302

    def transition(self):
        item = self.rng.choice(self.items)
        _, page = self.request("item:page", "GET", f"/ledger/items/{item}")
        actions = set(ACTION_RE.findall(page or ""))
        version = VERSION_RE.search(page or "")
        token = META_CSRF_RE.search(page or "")
        if page and not actions:
            return  # resubmitted by this client: awaiting another reviewer (职责分离)
        if not (version and token):
            self.stats.record("item:transition", 0.0, f"item {item}: no action form")
            return
        if "return" in actions:
            action, extra = "return", {"reason": "佐证材料不全，请补充"}
        elif "submit" in actions:
            # A resubmission after 退回 needs a progress note written after the return.
            status, _ = self.request(
                "item:note",
                "POST",
                f"/ledger/items/{item}/notes",
                {"csrf_token": token.group(1), "note": "已补充佐证材料"},
                expect=(302,),
            )
            if status != 302:
                return
            _, page = self.request("item:page", "GET", f"/ledger/items/{item}")
            version, token = VERSION_RE.search(page or ""), META_CSRF_RE.search(page or "")
            if not (version and token):
                self.stats.record("item:transition", 0.0, f"item {item}: no form after note")
                return
            action, extra = "submit", {}
        else:
            return  # only other reviewers' actions are open
        self.request(
            f"item:{action}",
            "POST",
            f"/ledger/items/{item}/{action}",
            {"csrf_token": token.group(1), "version": version.group(1), **extra},
            expect=(302,),
        )

    def run(self, relogin: int):
        try:
            n = 0
            while True:
                if n % relogin == 0 and not self.login():
                    return
                n += 1
                roll = self.rng.random()
                if roll < 0.45:
                    name, path = self.rng.choice(LISTS)
                    page = self.rng.randint(1, 3)
                    self.request(name, "GET", f"{path}?page={page}")
                elif roll < 0.75:
                    q = urllib.parse.quote(self.rng.choice(SEARCH_TERMS))
                    self.request("search", "GET", f"/search?q={q}")
                else:
                    self.transition()
        except StopIteration:
            return
        finally:
            self.conn.close()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(list)

    def record(self, name, seconds, error=None):
        with self.lock:
            self.times[name].append(seconds)
            if error:
                self.errors[name].append(error)

    def report(self) -> dict:
        out = {}
        for name in sorted(self.times):
            values = sorted(self.times[name])
            out[name] = {
                "requests": len(values),
                "errors": len(self.errors[name]),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 1),
                "max_ms": round(values[-1] * 1000, 1),
            }
        return out


def run_load(
    plan: dict, port: int, *, clients: int, duration: float, max_requests: int, relogin: int, seed=1
) -> dict:
    clients = min(clients, MAX_CLIENTS, len(plan["clients"]))
    duration = min(duration, MAX_DURATION)
    budget = Budget(duration, min(max_requests, MAX_REQUESTS))
    stats = Stats()
    workers = []
    for i in range(clients):
        spec = plan["clients"][i]
        c = Client(
            port, spec["username"], plan["password"], spec["items"], budget, stats,
            random.Random(seed * 1000 + i),
        )  # fmt: skip
        workers.append(threading.Thread(target=c.run, args=(relogin,), daemon=True))
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + 120)
    elapsed = time.monotonic() - started
    per = stats.report()
    total = sum(v["requests"] for v in per.values())
    errors = sum(v["errors"] for v in per.values())
    samples = [e for v in stats.errors.values() for e in v][:10]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": total,
        "errors": errors,
        "rps": round(total / elapsed, 1) if elapsed else 0,
        "endpoints": per,
        "error_samples": samples,
    }


def print_report(result: dict, engine: str) -> None:
    print(
        f"\n{engine}: {result['clients']} clients, {result['seconds']} s, "
        f"{result['requests']} requests ({result['rps']}/s), {result['errors']} errors"
    )
    print(f"{'endpoint':<18}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, v in result["endpoints"].items():
        print(
            f"{name:<18}{v['requests']:>9}{v['errors']:>8}{v['p50_ms']:>9}{v['p95_ms']:>9}"
            f"{v['max_ms']:>9}"
        )
    for e in result["error_samples"]:
        print("  error:", e)


# --- command line ------------------------------------------------------------------------


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        serve(argv[1], int(argv[2]), int(argv[3]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--duration", type=float, default=60.0, help="seconds (capped at 300)")
    p.add_argument("--max-requests", type=int, default=200_000)
    p.add_argument("--threads", type=int, default=8, help="waitress threads")
    p.add_argument("--relogin", type=int, default=25, help="log in again every N iterations")
    p.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    p.add_argument("--pg-url", default=DEFAULT_PG, help="scratch database (created and dropped)")
    p.add_argument("--json", help="also write the result to this file")
    args = p.parse_args(argv)
    clients = min(args.clients, MAX_CLIENTS)
    with tempfile.TemporaryDirectory(prefix="ww-load-") as workdir:
        if args.sqlite:
            url = f"sqlite:///{workdir}/load.sqlite"
        else:
            from whirlwind.testing import pgdb

            url = args.pg_url
            pgdb.create(url)
        try:
            t = time.monotonic()
            plan = prepare(url, workdir, clients)
            print(f"prepared {url.split('@')[-1]} in {time.monotonic() - t:.1f} s", flush=True)
            proc, port = start_server(plan["settings"], args.threads, workdir)
            try:
                result = run_load(
                    plan, port, clients=clients, duration=args.duration,
                    max_requests=args.max_requests, relogin=args.relogin,
                )  # fmt: skip
            finally:
                proc.terminate()
                proc.wait(30)
        finally:
            if not args.sqlite:
                pgdb.drop(url)
    print_report(result, "SQLite" if args.sqlite else "PostgreSQL")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=2)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
