"""API token pages (API 令牌) and the create-token command."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import csrf_token
from whirlwind.accounts.models import ApiToken
from whirlwind.db import utcnow
from whirlwind.security import hash_key


def _create(app, name: str):
    form = app.get("/account/tokens").forms["token"]
    form["name"] = name
    return form.submit("submit", status="*")


def test_user_creates_a_token_sees_it_once_and_it_works(as_user, dbsession):
    app = as_user("street")
    page = app.get("/account/tokens")
    assert "API 令牌" in page.text and "还没有令牌" in page.text
    res = _create(app, "网格化平台同步")
    assert res.status_int == 200
    assert res.headers["Cache-Control"] == "no-store"
    raw = re.search(r"(ww_[A-Za-z0-9_\-]{20,})", res.html.select_one("#new-token code").text).group(
        1
    )
    row = dbsession.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(raw)))
    assert row.name == "网格化平台同步" and row.user.username == "t_street"
    # Shown once: the list shows only the prefix.
    again = app.get("/account/tokens")
    assert raw not in again.text and row.prefix in again.text and "网格化平台同步" in again.text
    app.reset()
    me = app.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.json["username"] == "t_street"


def test_token_name_is_required(as_user):
    app = as_user("street")
    res = _create(app, "  ")
    assert res.status_int == 400
    assert "必填" in res.text
    assert "还没有令牌" in res.text


def test_revoke_stops_the_token_at_once(as_user, dbsession):
    app = as_user("street")
    res = _create(app, "临时")
    raw = re.search(r"(ww_[A-Za-z0-9_\-]{20,})", res.text).group(1)
    row = dbsession.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(raw)))
    page = app.post(
        f"/account/tokens/{row.id}/revoke", {"csrf_token": csrf_token(app)}, status=302
    ).follow()
    assert "已撤销" in page.text
    assert row.revoked_at is not None
    app.reset()
    app.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, status=401)


def test_cannot_revoke_another_users_token(as_user, dbsession, users):
    from whirlwind.security import new_api_token

    other, raw = new_api_token(dbsession, users["street_b"], "他人的令牌")
    app = as_user("street")
    app.post(f"/account/tokens/{other.id}/revoke", {"csrf_token": csrf_token(app)}, status=404)
    app.post("/account/tokens/abc/revoke", {"csrf_token": csrf_token(app)}, status=404)
    assert other.revoked_at is None
    # And the owner's token still works.
    app.reset()
    app.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, status=200)


def test_revoke_needs_csrf(as_user, dbsession, users):
    from whirlwind.security import new_api_token

    token, _raw = new_api_token(dbsession, users["street"], "x")
    app = as_user("street")
    app.post(f"/account/tokens/{token.id}/revoke", {}, status=400)
    assert token.revoked_at is None


def test_user_menu_links_the_token_page(as_user):
    page = as_user("street").get("/account/password")
    assert 'href="/account/tokens"' in page.text


def test_role_without_token_permission_cannot_open_the_page(as_user):
    # 村(居)务监督委员会 members are not given API tokens by default.
    as_user("committee").get("/account/tokens", status=403)


def test_create_token_command(app_settings, tmp_path, capsys, monkeypatch):
    """``whirlwind create-token INI --username U --name N`` prints a working token."""
    from whirlwind import cli
    from whirlwind.accounts.services import create_user
    from whirlwind.commands import seed_base
    from whirlwind.db import Base, get_engine, get_session_factory
    from whirlwind.orgs.services import create_org

    url = f"sqlite:///{tmp_path}/cli.sqlite"
    ini = tmp_path / "cli.ini"
    ini.write_text(
        "[app:main]\nuse = egg:whirlwind\n"
        f"sqlalchemy.url = {url}\n"
        "whirlwind.secret = cli-test-secret\n"
        f"whirlwind.index_dir = {tmp_path}/index\n"
        f"whirlwind.attachments_dir = {tmp_path}/att\n",
        encoding="utf-8",
    )
    engine = get_engine({"sqlalchemy.url": url})
    Base.metadata.create_all(engine)
    session = get_session_factory(engine)()
    session.info["actor"] = (None, "test")
    seed_base(session)
    org = create_org(session, code="CLI1", name="测试市", level="city")
    create_user(
        session,
        username="cli_user",
        display_name="命令行",
        org=org,
        role_codes=["city_inspector"],
        password="secret123",
    )
    session.commit()

    assert cli.main(["create-token", str(ini), "--username", "cli_user", "--name", "同步"]) == 0
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("ww_")
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(raw)))
    assert row is not None and row.name == "同步" and row.user.username == "cli_user"

    assert cli.main(["create-token", str(ini), "--username", "nobody"]) == 2
    assert "不存在" in capsys.readouterr().err
    session.close()
    engine.dispose()


# --- What a token is not (issue 24 item 5) ---------------------------------------------------


def test_a_token_is_no_login_outside_the_api(apptest, dbsession, users):
    from whirlwind.security import new_api_token

    _token, raw = new_api_token(dbsession, users["street"], "x", scope="write")
    auth = {"Authorization": f"Bearer {raw}"}
    # Web pages treat the request as anonymous: to the login page, never 200.
    res = apptest.get("/ledger", headers=auth, status="*")
    assert res.status_int in (302, 403) and "/login" in res.headers.get("Location", "/login")
    res = apptest.get("/account/tokens", headers=auth, status="*")
    assert res.status_int != 200
    apptest.get("/api/v1/me", headers=auth, status=200)


def test_a_token_cannot_mint_or_revoke_tokens(apptest, dbsession, users):
    from whirlwind.security import new_api_token

    _token, raw = new_api_token(dbsession, users["street"], "x", scope="write")
    before = dbsession.scalar(select(func.count()).select_from(ApiToken))
    res = apptest.post(
        "/account/tokens",
        {"name": "偷偷创建"},
        headers={"Authorization": f"Bearer {raw}"},
        status="*",
    )
    assert res.status_int != 200
    assert dbsession.scalar(select(func.count()).select_from(ApiToken)) == before
    me = apptest.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).json
    assert "api:tokens" not in me["permissions"]


def test_read_only_token_reads_but_cannot_write(api, dbsession, users, tree):
    from whirlwind.security import new_api_token

    _token, raw = new_api_token(dbsession, users["street"], "只读", scope="read")
    client = api.as_token(raw)
    client.get("/api/v1/me")
    res = client.post("/api/v1/items/1/notes", json={"note": "x"}, status=403)
    assert "只读" in res.json["message"]


def test_expired_token_answers_401(apptest, dbsession, users):
    import datetime as dt

    from whirlwind.security import new_api_token

    token, raw = new_api_token(dbsession, users["street"], "x")
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    dbsession.flush()
    apptest.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, status=401)


def test_token_scope_and_expiry_chosen_on_the_page(as_user, dbsession):
    app = as_user("street")
    form = app.get("/account/tokens").forms["token"]
    form["name"] = "一年读写"
    form["scope"] = "write"
    form["days"] = "365"
    res = form.submit("submit")
    raw = re.search(r"(ww_[A-Za-z0-9_\-]{20,})", res.text).group(1)
    row = dbsession.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(raw)))
    assert row.scope == "write"
    assert 364 <= (row.expires_at - row.created_at).days <= 365
    assert "读写" in app.get("/account/tokens").text
    form = app.get("/account/tokens").forms["token"]
    form["name"] = "太久"
    form.fields["days"][0].force_value("9999")
    assert form.submit("submit", status="*").status_int == 400


def test_deactivating_the_user_revokes_tokens_for_good(dbsession, users):
    from whirlwind.accounts.services import deactivate_user, reactivate_user
    from whirlwind.security import new_api_token

    token, _raw = new_api_token(dbsession, users["street"], "x")
    deactivate_user(dbsession, users["city"], users["street"])
    assert token.revoked_at is not None
    reactivate_user(dbsession, users["city"], users["street"])
    assert token.revoked_at is not None and not token.live(utcnow())
