"""Tamper evidence end to end: ``whirlwind verify-log`` on a real ini file catches a row
altered with plain SQL; ``whirlwind add-user`` works; the change-log page verifies the
chain and lists only rows of the user's jurisdiction."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from tests.accounts.cli_support import cli_env
from whirlwind.accounts.services import create_user


def test_add_user_and_verify_log_and_tamper_via_cli(app_settings, tmp_path):
    with cli_env(tmp_path, app_settings) as (ini, run_cli):
        csv = tmp_path / "orgs.csv"
        csv.write_text(
            "编码,名称,层级,上级编码\n420100,武汉市,市,\n420116,黄陂区,区,420100\n",
            encoding="utf-8",
        )
        assert run_cli("import-orgs", ini, str(csv))[0] == 0
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from whirlwind.accounts.services import seed_roles

        engine = create_engine(f"sqlite:///{tmp_path / 'cli.sqlite'}")
        with Session(engine) as s:
            seed_roles(s)
            s.commit()
        engine.dispose()
        code, out, err = run_cli(
            "add-user",
            ini,
            "--username",
            "hp_admin",
            "--role",
            "district_inspector",
            "--org",
            "420116",
            "--name",
            "黄陂纪委",
            stdin="good-pass-1\n",
        )
        assert code == 0 and "已创建用户 hp_admin" in out, err
        code, out, err = run_cli(
            "add-user",
            ini,
            "--username",
            "x",
            "--role",
            "leader",
            "--org",
            "NOPE",
            stdin="good-pass-1\n",
        )
        assert code == 2 and "NOPE" in err
        code, out, err = run_cli("verify-log", ini)
        assert code == 0 and "校验通过" in out
        # Alter one row with plain SQL, behind the application's back.
        con = sqlite3.connect(tmp_path / "cli.sqlite")
        seq = con.execute("SELECT seq FROM change_log WHERE record_type = 'user'").fetchone()[0]
        con.execute("UPDATE change_log SET username = 'someone-else' WHERE seq = ?", (seq,))
        con.commit()
        con.close()
        code, out, err = run_cli("verify-log", ini)
        assert code == 1
        assert f"第 {seq} 条记录内容被篡改" in err


def test_changelog_page_verifies_and_lists_history(as_user, users, tree, dbsession):
    tree["V1"].name = "大潭新村"
    dbsession.flush()
    res = as_user("admin").get("/admin/log", {"record_type": "org"})
    assert "哈希链校验通过" in res.html.find(id="verify-result").text
    rows = res.html.find(id="log-list").text
    assert "组织机构" in rows and "名称：大潭村 → 大潭新村" in rows


def test_changelog_page_reports_tampering(as_user, users, dbsession):
    dbsession.execute(
        text(
            "UPDATE change_log SET action = 'forged' WHERE seq = (SELECT MAX(seq) FROM change_log)"
        )
    )
    res = as_user("admin").get("/admin/log")
    assert "哈希链校验失败" in res.html.find(id="verify-result").text
    assert "被篡改" in res.text


def test_changelog_rows_are_limited_to_jurisdiction(as_user, users, tree, dbsession):
    tree["V3"].note = "刘家山村的备注"
    tree["K1"].note = "三阳社区的备注"
    dbsession.flush()
    rows = as_user("district").get("/admin/log", {"q": "的备注"}).html.find(id="log-list").text
    assert "刘家山村的备注" in rows and "三阳社区的备注" not in rows
    rows = as_user("street").get("/admin/log", {"q": "的备注"}).html.find(id="log-list").text
    assert "没有符合条件的记录" in rows


def test_changelog_page_needs_log_view(as_user, users):
    as_user("committee").get("/admin/log", status=403)


def test_changelog_export_is_the_filtered_list(as_user, users, tree, dbsession):
    import io

    from openpyxl import load_workbook

    tree["V1"].note = "导出测试"
    dbsession.flush()
    res = as_user("admin").get("/admin/log", {"q": "导出测试", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(res.body)).active
    assert ws.max_row == 2 and "导出测试" in ws.cell(row=2, column=7).value


def test_user_history_hides_password_hash(as_user, users, dbsession):
    user = create_user(
        dbsession,
        username="t_hist",
        display_name="历史",
        org=users["street"].org,
        role_codes=["leader"],
        password="secret123",
    )
    page = as_user("admin").get(f"/admin/users/{user.id}")
    panel = page.html.find(id="history").text
    assert "用户名" in panel and "password" not in panel and "argon2" not in panel
