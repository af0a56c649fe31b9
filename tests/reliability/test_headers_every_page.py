"""Security headers and CSP-clean HTML on EVERY page.

The walk takes every route that answers GET from Pyramid's route mapper, fills ``{id}``
(and ``{org_id}``, ``{kind}``) with real records of the demo data, requests it as the
administrator, and checks:

- the headers: a CSP without ``unsafe-inline`` that forbids framing, ``nosniff``, a
  Referrer-Policy;
- the HTML: no ``style=`` attribute, no ``on*=`` handler attribute and no inline
  ``<script>`` — what the browser would block under that CSP and report as a violation.

A new route with a placeholder this walk cannot fill fails the walk: add its record below.
"""

from __future__ import annotations

import re

import pytest
import webtest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import Session

from whirlwind.accounts.models import Role, User
from whirlwind.attachments.models import Attachment
from whirlwind.audits.models import Audit, CommitteeReport, Finding
from whirlwind.cases.models import Case, CaseSubject, Clue
from whirlwind.disclosure.models import (
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
)
from whirlwind.ledger.models import RectificationItem
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person
from whirlwind.reference.models import RefValue
from whirlwind.targets.models import Campaign, RectificationTarget

# URL pattern (start of the path before the placeholder) -> the record that fills it.
# Records are the richest of their kind: the one with the most children or the latest state.
RECORDS = [
    (r"/targets/campaigns/\{id", lambda s: _first(s, Campaign)),
    (r"/targets/\{id", lambda s: _first(s, RectificationTarget)),
    (r"/api/v1/targets/\{id", lambda s: _first(s, RectificationTarget)),
    (r"/audits/findings/\{id", lambda s: _first(s, Finding)),
    (r"/api/v1/findings/\{id", lambda s: _first(s, Finding)),
    (r"/audits/reports/\{id", lambda s: _first(s, CommitteeReport)),
    (r"/audits/villages/\{org_id", lambda s: _village(s)),
    (r"/audits/\{id", lambda s: _first(s, Audit)),
    (r"/api/v1/audits/\{id", lambda s: _first(s, Audit)),
    (r"/disclosure/catalog/\{id", lambda s: _first(s, DisclosureCatalogItem)),
    (r"/disclosure/units/\{org_id", lambda s: _village(s)),
    (r"/disclosure/records/\{id", lambda s: _first(s, DisclosureRecord)),
    (r"/api/v1/disclosure/records/\{id", lambda s: _first(s, DisclosureRecord)),
    (r"/disclosure/checks/\{id", lambda s: _first(s, DisclosureCheck)),
    (r"/api/v1/disclosure/checks/\{id", lambda s: _first(s, DisclosureCheck)),
    (r"/disclosure/failures/\{id", lambda s: _first(s, DisclosureFailure)),
    (r"/cases/clues/\{id", lambda s: _first(s, Clue)),
    (r"/api/v1/clues/\{id", lambda s: _first(s, Clue)),
    (r"/cases/subjects/\{id", lambda s: _first(s, CaseSubject)),
    (r"/cases/\{id", lambda s: _first(s, Case)),
    (r"/api/v1/cases/\{id", lambda s: _first(s, Case)),
    (r"/ledger/items/\{id", lambda s: _first(s, RectificationItem)),
    (r"/api/v1/items/\{id", lambda s: _first(s, RectificationItem)),
    (r"/admin/orgs/\{id", lambda s: _village(s)),
    (r"/api/v1/orgs/\{id", lambda s: _village(s)),
    (r"/persons/\{id", lambda s: _first(s, Person)),
    (r"/admin/users/\{id", lambda s: _first(s, User)),
    (r"/admin/roles/\{id", lambda s: _first(s, Role)),
    (r"/admin/reference/value/\{id", lambda s: _first(s, RefValue)),
    (r"/admin/reference/\{kind", lambda s: s.scalar(select(RefValue.kind).limit(1))),
    (r"/attachments/\{id", lambda s: _first(s, Attachment)),
    (r"/api/v1/reports/periodic/\{name", lambda s: "monthly"),
    (r"/search/related/\{type", lambda s: ("clue", _first(s, Clue))),
]


def _obligation(session) -> dict:
    record = session.scalar(select(DisclosureRecord).order_by(DisclosureRecord.id).limit(1))
    return {
        "org_id": record.org_id,
        "catalog_item_id": record.catalog_item_id,
        "period": record.period,
    }


# Pages reached only through a link that carries query parameters.
QUERIES = {
    "disclosure.record_new": _obligation,
    "disclosure.check_new": _obligation,
    "disclosure.failure_new": lambda s: {
        "check": s.scalar(
            select(DisclosureCheck.id).where(DisclosureCheck.result != "pass").limit(1)
        )
    },
    "disclosure.rates_export": lambda s: {
        "unit": s.scalar(select(Org.id).where(Org.level == "street").order_by(Org.code).limit(1))
    },
}
PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
SCRIPT_DATA_TYPES = {"application/json", "application/ld+json"}


def _first(session, model):
    return session.scalar(select(model.id).order_by(model.id).limit(1))


def _village(session):
    return session.scalar(select(Org.id).where(Org.level == "village").order_by(Org.code).limit(1))


def get_routes(app):
    """(name, pattern) of every route with a view that answers GET."""
    intr = app.registry.introspector
    out = []
    for entry in intr.get_category("routes"):
        route = entry["introspectable"]
        methods = set()
        for view in intr.related(route):
            if view.category_name != "views":
                continue
            m = view["request_methods"]
            methods.update({"GET"} if m is None else ({m} if isinstance(m, str) else set(m)))
        if "GET" in methods and "*" not in route["pattern"]:  # static files: checked below
            out.append((route["name"], route["pattern"]))
    return out


def fill(session, pattern: str) -> str:
    if "{" not in pattern:
        return pattern
    for prefix, load in RECORDS:
        if re.match(prefix, pattern):
            values = load(session)
            values = values if isinstance(values, tuple) else (values,)
            assert None not in values, f"the demo data has no record for {pattern}"
            for value in values:
                pattern = PLACEHOLDER.sub(str(value), pattern, count=1)
            return pattern
    raise AssertionError(f"no record known for {pattern}: add it to RECORDS")


def inline_violations(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(True):
        for attr in tag.attrs:
            if attr == "style" or attr.lower().startswith("on"):
                found.append(f"<{tag.name} {attr}=…>")
        if tag.name == "script" and not tag.get("src"):
            if (tag.get("type") or "").lower() not in SCRIPT_DATA_TYPES:
                found.append(f"inline <script>{tag.get_text()[:40]}")
        if tag.name == "style":
            found.append("inline <style> element")
    return found


def check_headers(url: str, res) -> list[str]:
    problems = []
    csp = res.headers.get("Content-Security-Policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows unsafe code: {csp}")
    if "frame-ancestors 'none'" not in csp:
        problems.append("CSP lacks frame-ancestors 'none'")
    if "script-src 'self'" not in csp and "default-src 'self'" not in csp:
        problems.append("CSP does not restrict scripts")
    if res.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not res.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    return [f"{url}: {p}" for p in problems]


@pytest.fixture(scope="module")
def admin_browser(demo_app, demo_site):
    browser = webtest.TestApp(
        demo_app, extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": "10.0.0.9"}
    )
    form = browser.get("/login").forms["login"]
    form["username"] = "admin"
    form["password"] = demo_site.password
    assert form.submit("submit").status_int == 302
    return browser


def import_job(browser, session) -> str:
    """An import job of the administrator's (job pages exist only after an upload)."""
    source = session.scalar(
        select(RefValue.label_zh).where(RefValue.kind == "clue_source").order_by(RefValue.id)
    )
    unit = session.scalar(select(Org.name).where(Org.code == "420116001002"))
    csv_text = (
        "编号,标题,简要案情,所在单位,线索来源,受理日期\n"
        f"LS-HDR-1,历史线索,历史线索摘要,{unit},{source},2020-03-01\n"
    )
    page = browser.get("/search/import")
    form = page.forms["import-form"]
    form["file"] = ("history.csv", csv_text.encode("utf-8"))
    res = form.submit(status=302)
    return res.location.rsplit("/", 1)[1]


def test_every_get_page_has_the_headers_and_no_inline_code(admin_browser, demo_app, demo_site):
    with Session(demo_site.engine) as session:
        RECORDS.append((r"/search/import/\{job", lambda s: import_job(admin_browser, s)))
        urls = sorted(
            {(name, fill(session, pattern)) for name, pattern in get_routes(demo_app)},
            key=lambda x: x[1],
        )
        params = {name: make(session) for name, make in QUERIES.items()}
    assert len(urls) > 80, "the route walk found suspiciously few pages"
    problems, visited, html_pages = [], [], 0
    for name, url in urls:
        if name == "accounts.logout":
            continue  # walked last: it ends the session
        res = admin_browser.get(url, params=params.get(name, {}), expect_errors=True)
        visited.append((url, res.status_int))
        if res.status_int >= 400:
            problems.append(f"{url} ({name}) answered {res.status_int}")
        problems += check_headers(url, res)
        if res.content_type == "text/html":
            html_pages += 1
            problems += [f"{url}: {v}" for v in inline_violations(res.text)]
    assert not problems, "\n".join(problems)
    assert html_pages > 60
    # The pages an anonymous visitor sees carry the same headers.
    anonymous = webtest.TestApp(demo_app, extra_environ={"HTTP_HOST": "example.com"})
    for url in ("/login", "/", "/no-such-page", "/static/app.js"):
        res = anonymous.get(url, expect_errors=True)
        assert not check_headers(url, res), check_headers(url, res)
        if res.content_type == "text/html":
            assert not inline_violations(res.text), (url, inline_violations(res.text))


def test_the_checker_catches_inline_code():
    """The HTML check itself fails on what a browser would block."""
    assert inline_violations('<p style="color:red">x</p>')
    assert inline_violations('<a href="#" onclick="go()">x</a>')
    assert inline_violations("<script>alert(1)</script>")
    assert not inline_violations('<script src="/static/app.js"></script><p class="x">ok</p>')
    assert not inline_violations('<script type="application/json">{"a": 1}</script>')
