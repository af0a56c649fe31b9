"""Sessions, passwords, throttling and request origins (issue 24 item 8)."""

from __future__ import annotations

import webtest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login
from whirlwind.accounts.models import AuthSession
from whirlwind.accounts.passwords import password_problem
from whirlwind.accounts.services import authenticate


def _client(testapp, ip="10.0.0.1"):
    return webtest.TestApp(testapp.app, extra_environ=dict(testapp.extra_environ, REMOTE_ADDR=ip))


def test_password_change_ends_the_other_sessions(testapp, users, dbsession):
    phone = _client(testapp, "10.0.0.7")
    login(phone, "t_street")
    login(testapp, "t_street")
    assert dbsession.scalar(select(func.count()).select_from(AuthSession)) == 2
    form = testapp.get("/account/password").forms["password"]
    form["old_password"] = "secret123"
    form["new_password"] = "Lantern-river-42"
    form["new_password-confirm"] = "Lantern-river-42"
    res = form.submit("submit").maybe_follow()
    assert "其他 1 处的登录已退出" in res.text
    # This browser stays in; the other one is out.
    testapp.get("/account/password", status=200)
    assert phone.get("/account/password", status=302).location.split("?")[0].endswith("/login")
    assert dbsession.scalar(select(func.count()).select_from(AuthSession)) == 1


def test_password_policy():
    assert "常见" in password_problem("password1")
    assert "常见" in password_problem("qwerty123")
    assert "用户名" in password_problem("zhangwei2026", "zhangwei")
    assert "用户名" in password_problem("Xx-t_street-1", "t_street")
    assert "至少" in password_problem("a1b2c3")
    assert password_problem("Lantern-river-42", "t_street") is None


def test_weak_new_password_refused_on_the_form(as_user):
    app = as_user("street")
    form = app.get("/account/password").forms["password"]
    form["old_password"] = "secret123"
    form["new_password"] = form["new_password-confirm"] = "password1"
    res = form.submit("submit", status=400)
    assert "常见" in res.text


def test_failures_of_one_account_do_not_lock_others_behind_the_same_address(testapp, users):
    for i in range(5):
        form = testapp.get("/login").forms["login"]
        form["username"], form["password"] = "t_street", f"wrong-{i}"
        form.submit("submit", status=400)
    form = testapp.get("/login").forms["login"]
    form["username"], form["password"] = "t_street", "secret123"
    assert form.submit("submit", status=429)
    # A colleague in the same office (same address) logs in.
    login(_client(testapp), "t_street_b")


def test_one_address_is_throttled_across_accounts(dbsession, users):
    settings = {"whirlwind.login.ip_max_failures": "4", "whirlwind.login.max_failures": "5"}
    for i in range(4):
        assert authenticate(dbsession, settings, f"guess{i}", "x", "10.9.9.9").user is None
    locked = authenticate(dbsession, settings, "t_street", "secret123", "10.9.9.9")
    unknown = authenticate(dbsession, settings, "nobody", "secret123", "10.9.9.9")
    assert locked.throttled and unknown.throttled
    assert locked.message.split("请")[0] == unknown.message.split("请")[0]
    assert authenticate(dbsession, settings, "t_street", "secret123", "10.9.9.8").user


def test_foreign_origin_refused_on_unsafe_requests(as_user):
    app = as_user("street")
    token = csrf_token(app)
    res = app.post(
        "/logout",
        {"csrf_token": token},
        headers={"Origin": "https://evil.example.net"},
        status=403,
    )
    assert "其他网站" in res.text
    app.post(
        "/logout",
        {"csrf_token": token},
        headers={"Referer": "https://evil.example.net/page"},
        status=403,
    )
    app.get("/account/password", status=200)  # still logged in
    app.post("/logout", {"csrf_token": token}, headers={"Origin": "http://example.com"}, status=302)


def test_foreign_origin_refused_on_the_api_with_a_session(as_user):
    app = as_user("street")
    res = app.post_json(
        "/api/v1/items/1/notes",
        {"note": "x"},
        headers={"Origin": "https://evil.example.net", "X-CSRF-Token": csrf_token(app)},
        status=403,
    )
    assert res.json["error"] == "bad_origin"
