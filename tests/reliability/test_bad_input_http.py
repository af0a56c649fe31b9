"""Bad input through the real forms, uploads and stored markup, on the committed demo
database where every request runs in its own transaction (as in production): a refused
submission answers 4xx with a Chinese message and writes nothing — the row counts of every
table are the same before and after (login bookkeeping aside) and no file appears."""

from __future__ import annotations

import os
import re
import urllib.parse

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.reliability.test_headers_every_page import inline_violations
from whirlwind.audits.models import Audit
from whirlwind.disclosure.models import DisclosureRecord
from whirlwind.ledger.models import ItemStatus, RectificationItem
from whirlwind.models import Base

CJK = re.compile(r"[\u4e00-\u9fff]")
IGNORED_TABLES = {"auth_session", "login_attempt"}
MESSAGE_SELECTORS = ".alert-danger, #error-message, .invalid-feedback, .help-block, .error"
SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture(scope="module")
def browser(demo_app, demo_site):
    b = webtest.TestApp(
        demo_app, extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": "10.1.0.1"}
    )
    form = b.get("/login").forms["login"]
    form["username"] = "admin"
    form["password"] = demo_site.password
    form.submit("submit", status=302)
    return b


def counts(engine) -> dict:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in Base.metadata.sorted_tables
            if t.name not in IGNORED_TABLES
        }


def files_under(path) -> set[str]:
    found = set()
    for root, _dirs, names in os.walk(path):
        found.update(os.path.join(root, n) for n in names)
    return found


def message_of(res) -> str:
    if res.content_type == "application/json":
        return res.json.get("message", "")
    return " ".join(el.get_text(" ", strip=True) for el in res.html.select(MESSAGE_SELECTORS))


def _field(form, name):
    if name in form.fields:
        return form.fields[name][0]
    # Deform renders a date as a mapping: __start__ "<name>:mapping", then "date".
    inside = False
    for key, field in form.field_order:
        if key == "__start__" and field.value == f"{name}:mapping":
            inside = True
        elif inside and key == "date":
            return field
    raise KeyError(name)


def fill(form, values: dict):
    for name, value in values.items():
        field = _field(form, name)
        if hasattr(field, "force_value"):
            field.force_value(value)  # also values the select does not offer
        else:
            field.value = value


def refused(demo_site, action) -> webtest.TestResponse:
    """Run ``action``; it must answer 4xx with a Chinese message and change nothing."""
    before = counts(demo_site.engine)
    files = files_under(os.path.dirname(demo_site.settings["whirlwind.attachments_dir"]))
    res = action()
    assert 400 <= res.status_int < 500, (res.status_int, res.text[:500])
    assert CJK.search(message_of(res)), f"no Chinese message: {res.text[:1500]}"
    after = counts(demo_site.engine)
    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
    assert not changed, f"a refused submission wrote rows: {changed}"
    assert files_under(os.path.dirname(demo_site.settings["whirlwind.attachments_dir"])) == files
    return res


def first(demo_site, stmt):
    with Session(demo_site.engine) as s:
        return s.scalar(stmt)


# --- the main create forms ---------------------------------------------------------------

FINDING_BAD = [
    {"description": "坐收坐支\x01\x02"},
    {"amount_involved": "-5"},
    {"amount_involved": "NaN"},
    {"amount_involved": "1e30"},
    {"irregularity": "NOPE"},
    {"description": "长" * 9000},
    {"description": ""},
]


@pytest.mark.parametrize("bad", FINDING_BAD, ids=lambda b: repr(b)[:40])
def test_finding_form_refuses(browser, demo_site, bad):
    audit_id = first(demo_site, select(Audit.id).order_by(Audit.id))
    form = browser.get(f"/audits/{audit_id}/findings/new").forms["finding"]
    fill(form, {"asset_type": "funds", "irregularity": "F03", "description": "问题", **bad})
    refused(demo_site, lambda: form.submit("submit", expect_errors=True))


CLUE_BAD = [
    {"received_date": "2026-02-30"},
    {"received_date": "2025-13-01"},
    {"title": ""},
    {"title": "标题\x00"},
    {"amount_involved": "-1"},
    {"source": "made_up"},
    {"name": ""},
]


@pytest.mark.parametrize("bad", CLUE_BAD, ids=lambda b: repr(b)[:40])
def test_clue_form_refuses(browser, demo_site, bad):
    form = browser.get("/cases/clues/new").forms["clue"]
    good = {
        "title": "反映村干部优亲厚友",
        "received_date": "2025-03-01",
        "source": "petition",
        "summary": "低保评定中优亲厚友",
        "name": "张某",
    }
    unit = form.fields["org_id"][0].options[-1][0]
    fill(form, {**good, "org_id": unit, **bad})
    refused(demo_site, lambda: form.submit("submit", expect_errors=True))


def _open_item(demo_site) -> int:
    return first(
        demo_site,
        select(RectificationItem.id)
        .where(RectificationItem.status == ItemStatus.IN_PROGRESS)
        .order_by(RectificationItem.id),
    )


NOTE_BAD = [
    ({"note": ""}, None),
    ({"note": "进展\x07"}, None),
    ({"note": "长" * 5000}, None),
    ({"note": "已整改"}, ("virus.exe", b"MZ\x90\x00" + b"0" * 100)),  # wrong type
    ({"note": "已整改"}, ("../../x", PDF)),  # a path, no extension
    ({"note": "已整改"}, ("../../x.pdf", b"not a pdf at all")),  # content ≠ extension
    ({"note": "已整改"}, ("photo.png", PDF)),  # content ≠ extension
    ({"note": "已整改"}, ("big.pdf", PDF + b"0" * (2 * 1024 * 1024))),  # over the limit
    ({"note": "已整改"}, ("empty.pdf", b"")),
]


@pytest.mark.parametrize("fields,upload", NOTE_BAD, ids=lambda v: repr(v)[:30])
def test_progress_note_and_upload_refused(browser, demo_site, fields, upload):
    item_id = _open_item(demo_site)
    form = browser.get(f"/ledger/items/{item_id}").forms["note-form"]
    fill(form, fields)
    if upload is not None:
        form["file"] = webtest.Upload(upload[0], upload[1])
    refused(demo_site, lambda: form.submit(expect_errors=True))


def test_a_path_in_a_valid_upload_name_is_reduced_to_its_base_name(browser, demo_site):
    item_id = _open_item(demo_site)
    base = os.path.dirname(demo_site.settings["whirlwind.attachments_dir"])
    form = browser.get(f"/ledger/items/{item_id}").forms["note-form"]
    form["note"] = "附现场照片"
    form["file"] = webtest.Upload("../../x.pdf", PDF)
    form.submit(status=302)
    page = browser.get(f"/ledger/items/{item_id}")
    assert "x.pdf" in page.text and "../" not in page.text.split("x.pdf")[0][-10:]
    outside = [p for p in files_under(os.path.dirname(base)) if os.path.basename(p) == "x.pdf"]
    assert not outside, outside
    stored = files_under(demo_site.settings["whirlwind.attachments_dir"])
    assert stored and all(
        p.startswith(demo_site.settings["whirlwind.attachments_dir"]) for p in stored
    )


CHECK_BAD = [
    {"checked_on": "2026-02-30"},
    {"result": "maybe"},
    {"result": "fail", "reasons": ["not_a_reason"]},
    {"note": "意见\x1b"},
]


@pytest.mark.parametrize("bad", CHECK_BAD, ids=lambda b: repr(b)[:40])
def test_disclosure_check_form_refuses(browser, demo_site, bad):
    with Session(demo_site.engine) as s:
        r = s.scalar(select(DisclosureRecord).order_by(DisclosureRecord.id))
        params = {"org_id": r.org_id, "catalog_item_id": r.catalog_item_id, "period": r.period}
    form = browser.get("/disclosure/checks/new", params=params).forms["check"]
    values = {"checked_on": "2025-06-01", "result": "pass", **bad}
    reasons = values.pop("reasons", None)
    fill(form, values)
    fields = form.submit_fields("submit")
    if reasons:  # a reason the checkboxes do not offer, inside Deform's sequence markers
        at = fields.index(("__start__", "reasons:sequence")) + 1
        fields[at:at] = [("checkbox", r) for r in reasons]
    url = f"/disclosure/checks/new?{urllib.parse.urlencode(params)}"
    refused(demo_site, lambda: browser.post(url, fields, expect_errors=True))


ORG_BAD = [
    {"code": ""},
    {"code": "X\x00"},
    {"name": "名" * 200},
    {"level": "planet"},
    {"parent_id": "999999999"},
    {"code": "420116001001"},  # already exists
]


@pytest.mark.parametrize("bad", ORG_BAD, ids=lambda b: repr(b)[:40])
def test_org_form_refuses(browser, demo_site, bad):
    form = browser.get("/admin/orgs/new").forms["org-add"]
    parent = next(v for v, _sel, label in form.fields["parent_id"][0].options if "街道" in label)
    fill(form, {"parent_id": parent, "code": "T999", "name": "新村", "level": "village", **bad})
    refused(demo_site, lambda: form.submit("submit", expect_errors=True))


# --- stored markup is inert ----------------------------------------------------------------


def test_stored_script_renders_escaped_on_lists_and_detail_pages(browser, demo_site):
    audit_id = first(demo_site, select(Audit.id).order_by(Audit.id))
    form = browser.get(f"/audits/{audit_id}/findings/new").forms["finding"]
    fill(
        form,
        {
            "asset_type": "funds",
            "irregularity": "F03",
            "description": SCRIPT,
            "object_name": SCRIPT[:150],
        },
    )
    finding_page = form.submit("submit", status=302).follow()

    form = browser.get("/cases/clues/new").forms["clue"]
    fill(
        form,
        {
            "title": SCRIPT,
            "received_date": "2025-03-01",
            "source": "petition",
            "summary": SCRIPT,
            "name": "<b>张某</b>",
            "org_id": form.fields["org_id"][0].options[-1][0],
        },
    )
    clue_page = form.submit("submit", status=302).follow()

    pages = {
        "finding": finding_page,
        "findings list": browser.get("/audits/findings", params={"q": "script"}),
        "clue": clue_page,
        "clues list": browser.get("/cases/clues"),
    }
    for name, page in pages.items():
        assert '<script>alert("xss")' not in page.text, name
        assert "onerror=alert" not in page.text.replace("onerror=alert(1)&gt;", ""), name
        assert not inline_violations(page.text), (name, inline_violations(page.text))
    assert "&lt;script&gt;alert" in pages["finding"].text
    assert "&lt;script&gt;alert" in pages["clue"].text
    assert "&lt;script&gt;alert" in pages["clues list"].text
