"""Two-factor login with TOTP (issue 24 item 8): optional, mandatory per role, codes used
once, wrong codes throttled like passwords."""

from __future__ import annotations

import re

import pyotp

from tests.conftest import login
from whirlwind.accounts import totp
from whirlwind.db import utcnow


def _password(testapp, username, password="secret123"):
    form = testapp.get("/login").forms["login"]
    form["username"], form["password"] = username, password
    return form.submit("submit", status=302)


def _code(testapp, code, status="*"):
    form = testapp.get("/login/totp").forms["totp"]
    form["code"] = code
    return form.submit("submit", status=status)


def _now_code(secret):
    return pyotp.TOTP(secret).at(utcnow())


def test_user_turns_it_on_and_then_needs_a_code(testapp, users, dbsession):
    login(testapp, "t_street")
    page = testapp.get("/account/totp")
    secret = page.html.select_one("#totp-secret").text.strip()
    form = page.forms["totp"]
    form["code"] = "000000" if _now_code(secret) != "000000" else "111111"
    assert form.submit("submit", status=400)
    form = testapp.get("/account/totp").forms["totp"]
    form["code"] = _now_code(secret)
    assert "已开启" in form.submit("submit").follow().text
    assert users["street"].totp_secret == secret
    testapp.reset()
    res = _password(testapp, "t_street")
    assert res.location.endswith("/login/totp")
    # Half-way in is not in.
    testapp.get("/account/password", status=302)
    wrong = _code(testapp, "12345x")
    assert wrong.status_int == 400
    users["street"].totp_last_step = 0  # the enabling code's step may be the current one
    dbsession.flush()
    ok = _code(testapp, _now_code(secret), status=302)
    assert "/login" not in ok.location
    testapp.get("/account/password", status=200)
    # The same code again (another login) is refused: used once.
    testapp.reset()
    _password(testapp, "t_street")
    assert _code(testapp, _now_code(secret)).status_int == 400


def test_role_makes_it_mandatory_and_the_user_enrols_at_login(testapp, users, dbsession):
    users["street"].roles[0].require_totp = True
    dbsession.flush()
    res = _password(testapp, "t_street")
    assert res.location.endswith("/login/totp")
    page = testapp.get("/login/totp")
    assert "角色要求" in page.text
    secret = page.html.select_one("#totp-secret").text.strip()
    _code(testapp, _now_code(secret), status=302)
    assert users["street"].totp_secret == secret
    # It cannot be turned off while the role requires it.
    assert totp.required(users["street"])
    page = testapp.get("/account/totp")
    assert "不能关闭" in page.text and "totp" not in page.forms


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(
    testapp, users, dbsession
):
    users["street"].totp_secret = secret = pyotp.random_base32()
    dbsession.flush()
    wrong = "000000" if _now_code(secret) != "000000" else "111111"
    # Each round has the right password (which alone does not count as a success, so it
    # does not reset the count) and a wrong code.
    for _ in range(5):
        _password(testapp, "t_street")
        assert _code(testapp, wrong).status_int == 400
    form = testapp.get("/login").forms["login"]
    form["username"], form["password"] = "t_street", "secret123"
    res = form.submit("submit", status=429)
    assert "登录失败次数过多" in res.text


def test_code_page_without_a_password_step(testapp, users):
    res = testapp.get("/login/totp", status=302)
    assert res.location.endswith("/login")


def test_provisioning_uri_names_the_issuer_and_user(users):
    uri = totp.provisioning_uri(users["street"], pyotp.random_base32())
    assert uri.startswith("otpauth://totp/") and "t_street" in uri
    assert re.search(r"issuer=%E7%BA%A2", uri)


def test_admin_password_reset_resets_two_factor(dbsession, users):
    from whirlwind.accounts.services import reset_password

    users["street"].totp_secret = pyotp.random_base32()
    reset_password(dbsession, users["admin"], users["street"], "Temp-lantern-7")
    assert not totp.enabled(users["street"])
