"""The shell every page shares: login, logout, headers, CSRF, health check, errors."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token, login
from whirlwind.accounts.models import AuthSession, LoginAttempt


def test_login_page_is_chinese_and_has_csrf_and_local_assets(testapp):
    res = testapp.get("/login")
    assert res.status_int == 200
    assert "登录" in res.text and "用户名" in res.text and "密码" in res.text
    assert 'name="csrf_token"' in res.text
    # No asset from another host: every script and stylesheet is served by the app.
    for tag in res.html.find_all(["script", "link"]):
        url = tag.get("src") or tag.get("href") or ""
        assert not url.startswith(("http:", "https:", "//")), url
    # No inline script (CSP).
    assert all(tag.get("src") for tag in res.html.find_all("script"))


def test_security_headers_on_every_page(testapp):
    for path in ("/login", "/healthz", "/no-such-page"):
        res = testapp.get(path, status="*")
        csp = res.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "same-origin"


def test_home_redirects_anonymous_to_login(testapp):
    res = testapp.get("/", status=302)
    assert res.location.endswith("/login")


def test_login_logout_and_session_cookie_flags(testapp, users, dbsession):
    form = testapp.get("/login").forms["login"]
    form["username"] = "t_street"
    form["password"] = "secret123"
    res = form.submit("submit", status=302)
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = testapp.get("/account/password")
    assert "测试street" in page.text and "祁家湾街道" in page.text
    assert dbsession.scalar(select(AuthSession).where(AuthSession.user_id == users["street"].id))
    # Logging out deletes the server-side session: the old cookie is worthless afterwards.
    old_cookies = dict(testapp.cookies)
    testapp.post("/logout", {"csrf_token": csrf_token(testapp)}, status=302)
    assert (
        dbsession.scalar(select(AuthSession).where(AuthSession.user_id == users["street"].id))
        is None
    )
    for name, value in old_cookies.items():
        testapp.set_cookie(name, value)
    assert testapp.get("/account/password", status=302).location.split("?")[0].endswith("/login")


def test_login_changes_session_cookie(testapp, users):
    testapp.get("/login")
    before = testapp.cookies.get("whirlwind_session")
    login(testapp, "t_street")
    assert testapp.cookies.get("whirlwind_session") != before


def test_wrong_password_is_refused_in_chinese(testapp, users):
    form = testapp.get("/login").forms["login"]
    form["username"] = "t_street"
    form["password"] = "wrong-password"
    res = form.submit("submit", status=400)
    assert "用户名或密码错误" in res.text


def test_login_is_throttled_after_five_failures(testapp, users, dbsession):
    for _ in range(5):
        form = testapp.get("/login").forms["login"]
        form["username"] = "t_street"
        form["password"] = "wrong-password"
        form.submit("submit", status=400)
    form = testapp.get("/login").forms["login"]
    form["username"] = "t_street"
    form["password"] = "secret123"  # even the right password waits
    res = form.submit("submit", status=429)
    assert "登录失败次数过多" in res.text
    failures = dbsession.scalars(
        select(LoginAttempt).where(LoginAttempt.username == "t_street")
    ).all()
    assert len(failures) == 6 and not any(a.success for a in failures)


def test_post_without_csrf_token_is_refused(testapp, users):
    login(testapp, "t_street")
    res = testapp.post("/logout", {}, status=400)
    assert "表单已过期" in res.text


def test_password_change(testapp, users):
    login(testapp, "t_street")
    form = testapp.get("/account/password").forms["password"]
    form["old_password"] = "secret123"
    form["new_password"] = "short"
    form["new_password-confirm"] = "short"
    res = form.submit("submit", status=400)
    assert "至少需要 8 个字符" in res.text
    form = res.forms["password"]
    form["old_password"] = "secret123"
    form["new_password"] = "new-pass-2026"
    form["new_password-confirm"] = "new-pass-2026"
    form.submit("submit", status=302)
    testapp.reset()
    login(testapp, "t_street", "new-pass-2026")


def test_healthz(testapp):
    assert testapp.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_down(app_settings, tmp_path):
    import webtest

    from whirlwind import main

    settings = dict(
        app_settings, **{"sqlalchemy.url": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"}
    )
    broken = webtest.TestApp(main({}, **settings))
    res = broken.get("/healthz", status=503)
    assert res.json["status"] == "unavailable"


def test_unknown_page_is_404_in_chinese(testapp):
    res = testapp.get("/no-such-page", status=404)
    assert "页面或记录不存在" in res.text


def test_huge_record_id_is_404_not_a_database_error(testapp, users):
    from tests.conftest import login

    login(testapp, "t_city")
    for path in ("/ledger/items/99999999999", "/cases/clues/99999999999", "/orgs/99999999999"):
        res = testapp.get(path, status=404)
        assert "页面或记录不存在" in res.text
