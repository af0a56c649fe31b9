"""Browser journeys: the real application served on 127.0.0.1, driven by Debian's Chromium.

One database for all journeys (a SQLite file, or a scratch PostgreSQL database named after
``WHIRLWIND_TEST_DB_URL`` + ``_browser``), with the demo data committed, served by waitress
in a background thread. Server and browser are package-scoped: they stop after the last
journey, before the rest of the suite goes on. Each journey gets a :class:`Journey` that opens browser contexts
(one per person), watches every page for console errors and requests leaving 127.0.0.1,
checks the Content-Security-Policy and saves screenshots into
``test-artifacts/screenshots/<journey>/`` at 1366×768 and at a phone width of 390 px.

Playwright drives the system Chromium (``/usr/bin/chromium``, installed by
``make browser-deps``); it never downloads a browser. Without Chromium the journeys are
skipped with the reason in the summary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import transaction
from sqlalchemy.engine import make_url

from whirlwind import clock
from whirlwind.db import Base, get_tm_session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DEMO_PASSWORD = "demo2026"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# Scrollbars and sub-pixel rounding: a page may be this many pixels wider than the phone.
OVERFLOW_TOLERANCE = 2
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# A ceiling for one step on a busy machine (a stuck page fails the test), not a measure of
# speed: Playwright waits for the state it is told to expect, and ends as soon as it holds.
TIMEOUT_MS = 90_000

_saved_folders: list[Path] = []


# --------------------------------------------------------------------------- the server


def _database_url(tmp_path_factory):
    """(url, cleanup) of the journeys' own database: never the one the other tests use."""
    base = os.environ.get("WHIRLWIND_TEST_DB_URL")
    if not base:
        path = tmp_path_factory.mktemp("browser-db") / "whirlwind-browser.sqlite"
        return f"sqlite:///{path}", None
    from whirlwind.testing import pgdb

    url = make_url(base)
    url = url.set(database=f"{url.database}_browser").render_as_string(hide_password=False)
    pgdb.create(url)
    return url, lambda: pgdb.drop(url)


def run_indexer(app) -> None:
    """Apply the search outbox to the index once (when the search area provides an indexer)."""
    try:
        from whirlwind.search import indexer
    except ModuleNotFoundError as e:
        if e.name != "whirlwind.search.indexer":
            raise
        return
    # What `whirlwind index --once` does.
    indexer.apply_pending(
        app.registry["dbsession_factory"], indexer.index_base(app.registry.settings)
    )


class LiveServer:
    """waitress in a background thread on 127.0.0.1 and a free port."""

    def __init__(self, app):
        from waitress.server import create_server

        self.app = app
        self.server = create_server(
            app, host="127.0.0.1", port=0, threads=8, clear_untrusted_proxy_headers=True
        )
        self.port = self.server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._run, name="browser-waitress", daemon=True)
        self._stopping = False

    def _run(self):
        try:
            self.server.run()
        except OSError:
            if not self._stopping:
                raise

    def start(self):
        self.thread.start()
        import http.client

        deadline = time.monotonic() + 120  # a server that never answers, not a slow one
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the test server on {self.url} did not answer /healthz")

    def index(self) -> None:
        """Bring the search index up to date (what the indexer process does after a change)."""
        run_indexer(self.app)

    def org_id(self, code: str) -> int:
        """The id of a demo unit by its code (for addressing pages the UI does not link)."""
        from sqlalchemy import select

        from whirlwind.orgs.models import Org

        session = self.app.registry["dbsession_factory"]()
        try:
            return session.scalar(select(Org.id).where(Org.code == code))
        finally:
            session.close()

    def stop(self):
        self._stopping = True

        def close_all():
            # Runs inside the server's loop thread: closing every channel, the listening
            # socket and the trigger empties the loop's map, and the loop returns.
            for dispatcher in list(self.server._map.values()):
                dispatcher.handle_close()

        self.server.trigger.pull_trigger(close_all)
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory):
    """The real WSGI app with the demo data, served on 127.0.0.1 for all journeys."""
    from whirlwind import demo, main

    url, cleanup = _database_url(tmp_path_factory)
    var = tmp_path_factory.mktemp("browser-var")
    settings = {
        "sqlalchemy.url": url,
        "pyramid.default_locale_name": "zh_CN",
        "whirlwind.secret": "browser-test-secret",
        "whirlwind.cookie_secure": "false",
        "whirlwind.index_dir": str(var / "index"),
        "whirlwind.attachments_dir": str(var / "attachments"),
        "whirlwind.upload_max_bytes": str(2 * 1024 * 1024),
        "whirlwind.page_size": "20",
        "whirlwind.warning.yellow_days_before_due": "3",
        "whirlwind.warning.blue_max_days": "30",
        "whirlwind.warning.yellow_max_days": "60",
        "whirlwind.login.max_failures": "5",
        "whirlwind.login.window_seconds": "900",
        "whirlwind.login.lock_seconds": "60",
        "retry.attempts": "3",
    }
    engine = server = None
    try:
        app = main({}, **settings)
        engine = app.registry["dbengine"]
        Base.metadata.create_all(engine)
        tm = transaction.TransactionManager(explicit=True)
        with tm:
            session = get_tm_session(app.registry["dbsession_factory"], tm)
            session.info["actor"] = (None, "cli:demo")
            demo.load(session, today=clock.today())
        run_indexer(app)
        server = LiveServer(app)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        if engine is not None:
            engine.dispose()
        if cleanup is not None:
            cleanup()


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for all journeys; each journey opens fresh contexts in it.

    ``launch`` starts Chromium with a new temporary profile (user-data-dir) every time.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"browser journeys skipped: {CHROMIUM} not found; install Debian's chromium "
            "with `make browser-deps` (apt-get install chromium)"
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions may

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Journey:
    """One user journey: browser contexts, watchers, screenshots and the common checks."""

    def __init__(self, name: str, browser, server: LiveServer):
        self.name = name
        self.browser = browser
        self.server = server
        self.base_url = server.url
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.contexts = []
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self._expected: list[str] = []
        self._shot_no = 0

    # -- pages ------------------------------------------------------------------------

    def new_page(self):
        """A page in a fresh context (own cookies): one per person in the journey."""
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.route("**/*", self._guard)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))
        return page

    def _guard(self, route):
        """Requests to any host but 127.0.0.1 are recorded and never leave the machine."""
        parts = urlsplit(route.request.url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            self.foreign_requests.append(route.request.url)
            route.abort()

    def _on_console(self, msg):
        if msg.type != "error":
            return
        text = msg.text
        if any(expected in text for expected in self._expected):
            return
        self.console_errors.append(f"console: {text} ({msg.location.get('url', '')})")

    @contextlib.contextmanager
    def expect_console_error(self, fragment: str):
        """Console errors containing ``fragment`` are expected inside this block (e.g. a 404)."""
        self._expected.append(fragment)
        try:
            yield
        finally:
            self._expected.remove(fragment)

    def login(self, page, username: str, password: str = DEMO_PASSWORD):
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("form#login button[type=submit]")
        assert "/login" not in page.url, f"login as {username} failed: {page.url}"
        page.wait_for_selector("#user-menu")

    # -- screenshots ------------------------------------------------------------------

    def shot(self, page, name: str, phone: bool = True) -> None:
        """Screenshot at 1366×768 and (by default) at 390 px, checking the phone layout."""
        self._shot_no += 1
        stem = f"{self._shot_no:02d}-{name}"
        page.screenshot(path=str(self.folder / f"{stem}-1366.png"), full_page=True)
        if phone:
            page.set_viewport_size(PHONE)
            try:
                width = page.evaluate("document.documentElement.scrollWidth")
                page.screenshot(path=str(self.folder / f"{stem}-390.png"), full_page=True)
                assert width <= PHONE["width"] + OVERFLOW_TOLERANCE, (
                    f"{name}: the page is {width}px wide at a 390px phone width "
                    f"(horizontal overflow) on {page.url}"
                )
            finally:
                page.set_viewport_size(DESKTOP)
        if self.folder not in _saved_folders:
            _saved_folders.append(self.folder)

    # -- checks -----------------------------------------------------------------------

    def assert_csp_blocks_inline_script(self, page) -> None:
        """An inline <script> and an inline event handler added to the page must not run."""
        with self.expect_console_error("Content Security Policy"):
            result = page.evaluate(
                """() => new Promise((resolve) => {
                    const violations = [];
                    document.addEventListener("securitypolicyviolation",
                        (e) => violations.push(e.effectiveDirective));
                    const s = document.createElement("script");
                    s.textContent = "window.__pwned = 1;";
                    document.body.appendChild(s);
                    const d = document.createElement("div");
                    d.innerHTML = '<img src="data:image/png;base64,AAAA" onerror="window.__pwned2 = 1">';
                    document.body.appendChild(d);
                    setTimeout(() => resolve({pwned: window.__pwned, pwned2: window.__pwned2,
                                              violations}), 300);
                })"""
            )
        assert result["pwned"] is None and result["pwned2"] is None, result
        assert "script-src-elem" in result["violations"], result
        assert "script-src-attr" in result["violations"], result

    def assert_script_shown_as_text(self, page, marker: str) -> None:
        """A stored ``<script>…</script>`` (containing ``marker``) is visible text, not code."""
        assert page.evaluate("window.__pwned") is None, "a stored script executed"
        assert page.get_by_text(marker, exact=False).first.is_visible()
        executable = page.evaluate(
            "(m) => [...document.scripts].filter((s) => s.textContent.includes(m)).length", marker
        )
        assert executable == 0, "the stored <script> became a script element"

    def finish(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):
                context.close()
        assert not self.foreign_requests, f"requests left 127.0.0.1: {self.foreign_requests}"
        assert not self.console_errors, "console errors:\n" + "\n".join(self.console_errors)


@pytest.fixture
def journey(request, chromium, live_server):
    name = request.node.name.removeprefix("test_").replace("[", "-").rstrip("]")
    j = Journey(name, chromium, live_server)
    yield j
    j.finish()


def pytest_terminal_summary(terminalreporter):
    if _saved_folders:
        terminalreporter.section("browser journey screenshots")
        for folder in _saved_folders:
            count = len(list(folder.glob("*.png")))
            terminalreporter.write_line(f"{folder}  ({count} screenshots)")


# --------------------------------------------------------------------------- test files


def make_png(path: Path, width: int = 24, height: int = 16) -> Path:
    """A small valid PNG (a red and white stripe), generated without any imaging library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + (b"\xb2\x22\x1e" if y < height // 2 else b"\xff\xff\xff") * width
        for y in range(height)
    )
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path
