"""Test fixtures: one database per test session (SQLite file by default, PostgreSQL when
``WHIRLWIND_TEST_DB_URL`` is set), a doomed transaction per test so that every test starts
clean, and WebTest with that transaction and session injected (the Pyramid starter's
pattern)."""

from __future__ import annotations

import os
import re

import pytest
import transaction
import webtest
from argon2 import PasswordHasher

from whirlwind import main
from whirlwind.accounts import passwords
from whirlwind.db import Base, get_tm_session

# Under pytest-xdist every worker gets a database of its own: the PostgreSQL URL is suffixed
# with the worker id (gw0, gw1 …) before anything reads it, so fixtures that derive scratch
# database names from it (browser, migrations, backups) stay apart too.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if XDIST_WORKER and os.environ.get("WHIRLWIND_TEST_DB_URL"):
    os.environ["WHIRLWIND_TEST_DB_URL"] = f"{os.environ['WHIRLWIND_TEST_DB_URL']}_{XDIST_WORKER}"
TEST_DB_URL = os.environ.get("WHIRLWIND_TEST_DB_URL")

# Argon2 at production cost makes a suite of hundreds of logins slow; the algorithm and code
# path stay the same, only the cost parameters are lowered for tests.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._DUMMY = passwords._hasher.hash("whirlwind-dummy-password")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    if TEST_DB_URL:
        if XDIST_WORKER:
            from whirlwind.testing import pgdb

            pgdb.create(TEST_DB_URL)
            yield TEST_DB_URL
            pgdb.drop(TEST_DB_URL)
        else:
            yield TEST_DB_URL
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('db')}/whirlwind-test.sqlite"


@pytest.fixture(scope="session")
def app_settings(db_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("var")
    return {
        "sqlalchemy.url": db_url,
        "pyramid.default_locale_name": "zh_CN",
        "whirlwind.secret": "test-secret-not-for-production",
        "whirlwind.cookie_secure": "false",
        "whirlwind.index_dir": str(tmp / "index"),
        "whirlwind.attachments_dir": str(tmp / "attachments"),
        "whirlwind.upload_max_bytes": str(2 * 1024 * 1024),
        "whirlwind.page_size": "20",
        "whirlwind.warning.yellow_days_before_due": "3",
        "whirlwind.warning.blue_max_days": "30",
        "whirlwind.warning.yellow_max_days": "60",
        "whirlwind.login.max_failures": "5",
        "whirlwind.login.window_seconds": "900",
        "whirlwind.login.lock_seconds": "60",
        "retry.attempts": "3",
        # Report figures are computed fresh in tests (the cache has a test of its own).
        "whirlwind.report.cache_seconds": "0",
    }


@pytest.fixture(scope="session")
def app(app_settings):
    wsgi_app = main({}, **app_settings)
    engine = wsgi_app.registry["dbengine"]
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    # Data every installation has: roles and reference lists (committed once).
    from whirlwind.commands import seed_base

    session = wsgi_app.registry["dbsession_factory"]()
    # Disclosure tests build catalogues of their own; the defaults are seeded by initdb.
    seed_base(session, catalog=False)
    session.commit()
    session.close()
    yield wsgi_app
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def tm():
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    manager.doom()
    yield manager
    manager.abort()


@pytest.fixture
def dbsession(app, tm):
    session = get_tm_session(app.registry["dbsession_factory"], tm)
    session.info["actor"] = (None, "test")
    return session


@pytest.fixture
def testapp(app, tm, dbsession):
    return webtest.TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "REMOTE_ADDR": "10.0.0.1",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


@pytest.fixture
def settings(app):
    return app.registry.settings


@pytest.fixture
def tree(dbsession):
    from tests.factories import make_tree

    return make_tree(dbsession)


@pytest.fixture
def users(dbsession, tree):
    from tests.factories import make_users

    return make_users(dbsession, tree)


def login(testapp, username: str, password: str = "secret123") -> webtest.TestResponse:
    """Log in through the real form; returns the response after the redirect."""
    form = testapp.get("/login").forms["login"]
    form["username"] = username
    form["password"] = password
    res = form.submit("submit")
    assert res.status_int == 302, res.text[:2000]
    return res.follow()


def csrf_token(testapp) -> str:
    res = testapp.get("/account/password")
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', res.text)
    assert match, "no csrf meta tag"
    return match.group(1)


@pytest.fixture
def as_user(testapp, users):
    """``as_user("street_a")`` logs the test app in as one of the ``users`` fixtures."""

    def _login(key: str):
        testapp.reset()
        login(testapp, users[key].username)
        return testapp

    return _login
