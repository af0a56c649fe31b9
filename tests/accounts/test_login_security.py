"""Login hardening: a throttled client learns nothing about which accounts exist; the
session cookie is Secure in production; logging in issues a new session (no fixation)."""

from __future__ import annotations

import webtest

from tests.conftest import login


def attempt(testapp, username, password="wrong-password", status="*"):
    form = testapp.get("/login").forms["login"]
    form["username"] = username
    form["password"] = password
    return form.submit("submit", status=status)


def message(res) -> str:
    return res.html.find(id="form-error").text.strip()


def test_failures_look_the_same_for_unknown_and_existing_accounts(testapp, users):
    known = attempt(testapp, "t_street", status=400)
    unknown = attempt(testapp, "no_such_user", status=400)
    assert message(known) == message(unknown)


def test_a_few_failed_guesses_do_not_lock_the_address(testapp, users):
    """Per-address throttling starts far above the per-account limit (a whole office may
    share one address); that a locked address learns nothing about which accounts exist is
    tested in test_sessions_and_passwords."""
    for i in range(5):
        attempt(testapp, f"guess{i}", status=400)
    login(testapp, "t_street")


def test_unknown_account_is_throttled_like_a_real_one(testapp, users):
    for _ in range(5):
        attempt(testapp, "ghost", status=400)
    other = webtest.TestApp(
        testapp.app, extra_environ=dict(testapp.extra_environ, REMOTE_ADDR="10.0.0.3")
    )
    res = attempt(other, "ghost", status=429)
    assert "登录失败次数过多" in message(res)


def test_secure_cookie_in_production(app_settings, users):
    from whirlwind import main

    app = main({}, **dict(app_settings, **{"whirlwind.cookie_secure": "true"}))
    res = webtest.TestApp(app, extra_environ={"HTTP_HOST": "example.com"}).get("/login")
    cookie = res.headers["Set-Cookie"]
    assert "secure" in cookie.lower() and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    app.registry["dbengine"].dispose()


def test_session_fixation_prevented(testapp, users):
    testapp.get("/login")
    planted = testapp.cookies["whirlwind_session"]
    login(testapp, "t_street")
    assert testapp.cookies["whirlwind_session"] != planted
    # The planted (pre-login) cookie does not carry the login.
    fresh = webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)
    fresh.set_cookie("whirlwind_session", planted)
    assert fresh.get("/account/password", status=302).location.split("?")[0].endswith("/login")
