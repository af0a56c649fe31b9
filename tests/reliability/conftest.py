"""Fixtures of the reliability suite.

Most tests of the project run inside one doomed transaction; the tests here need what that
cannot give: several connections that really commit (concurrent edits), processes that are
killed (crash consistency) and a server on loopback (load). They get a scratch database of
their own: a file under the test's temporary directory on SQLite, or ``<test db>_<name>``
created with ``whirlwind.testing.pgdb`` next to the PostgreSQL test database (dropped after).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from whirlwind.commands import seed_base
from whirlwind.models import Base

IS_POSTGRES = (os.environ.get("WHIRLWIND_TEST_DB_URL") or "").startswith("postgresql")

postgres_only = pytest.mark.skipif(
    not IS_POSTGRES, reason="needs PostgreSQL (set WHIRLWIND_TEST_DB_URL)"
)


@dataclass
class ScratchDb:
    url: str
    engine: object
    factory: sessionmaker
    ids: dict = field(default_factory=dict)

    def session(self, actor: str = "test") -> Session:
        s = self.factory()
        s.info["actor"] = (None, actor)
        return s


def _engine(url: str):
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    return create_engine(url, pool_size=10, max_overflow=10)


@pytest.fixture(scope="module")
def scratch_db_factory(db_url, tmp_path_factory):
    """``make(name)`` -> a committed scratch database with the schema, roles and reference
    lists; dropped (PostgreSQL) or left in the temporary directory (SQLite) after the
    module's tests."""
    made = []

    def make(name: str, *, schema: bool = True) -> ScratchDb:
        if db_url.startswith("postgresql"):
            from whirlwind.testing import pgdb

            url = f"{db_url}_{name}"
            pgdb.create(url)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp(name)}/{name}.sqlite"
        engine = _engine(url)
        made.append((url, engine))
        if schema:
            Base.metadata.create_all(engine)
            with Session(engine) as s:
                s.info["actor"] = (None, "test")
                seed_base(s)
                s.commit()
        return ScratchDb(url=url, engine=engine, factory=sessionmaker(bind=engine))

    yield make
    for url, engine in made:
        engine.dispose()
        if url.startswith("postgresql"):
            from whirlwind.testing import pgdb

            pgdb.drop(url)


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None


def race(n: int, fn: Callable[[int, threading.Barrier], object], *, timeout=60) -> list[Outcome]:
    """Run ``fn(i, barrier)`` in ``n`` threads at once; each thread waits at the barrier
    where the race starts. Returns each thread's value or exception."""
    barrier = threading.Barrier(n, timeout=timeout)
    out = [Outcome() for _ in range(n)]

    def run(i):
        try:
            out[i].value = fn(i, barrier)
        except BaseException as e:  # collected and asserted on by the test
            out[i].error = e

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a racing transaction never finished (deadlock?)"
    return out


def _scratch_url(db_url: str, name: str, directory) -> str:
    if db_url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        url = f"{db_url}_{name}"
        pgdb.create(url)
        return url
    return f"sqlite:///{directory}/{name}.sqlite"


@pytest.fixture(scope="session")
def demo_site(db_url, app_settings, tmp_path_factory):
    """A committed database with the demo data (``whirlwind demo``) and the settings of an
    app serving it: real transactions per request, attachments in their own directory."""
    from types import SimpleNamespace

    from whirlwind import demo

    directory = tmp_path_factory.mktemp("demo")
    url = _scratch_url(db_url, "demo", directory)
    settings = dict(
        app_settings,
        **{
            "sqlalchemy.url": url,
            "whirlwind.attachments_dir": str(directory / "attachments"),
            "whirlwind.index_dir": str(directory / "index"),
        },
    )
    engine = _engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.info["actor"] = (None, "demo")
        s.info["request"] = SimpleNamespace(registry=SimpleNamespace(settings=settings))
        demo.load(s)
        s.commit()
    yield SimpleNamespace(url=url, settings=settings, engine=engine, password=demo.DEMO_PASSWORD)
    engine.dispose()
    if url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        pgdb.drop(url)


@pytest.fixture(scope="session")
def demo_app(demo_site):
    """The WSGI app on the demo database (each request commits or aborts on its own)."""
    from whirlwind import main

    wsgi = main({}, **demo_site.settings)
    yield wsgi
    wsgi.registry["dbengine"].dispose()
