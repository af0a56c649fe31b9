"""``whirlwind checkpoint INI`` and ``whirlwind verify-log INI --checkpoint FILE`` end to end
(issue 24 item 2)."""

from __future__ import annotations

import sqlite3

from tests.accounts.cli_support import cli_env


def _seed(run_cli, ini, tmp_path):
    csv = tmp_path / "orgs.csv"
    csv.write_text(
        "编码,名称,层级,上级编码\n420100,武汉市,市,\n420116,黄陂区,区,420100\n"
        "420117,新洲区,区,420100\n",
        encoding="utf-8",
    )
    assert run_cli("import-orgs", ini, str(csv))[0] == 0


def test_checkpoint_then_truncation_is_caught(app_settings, tmp_path):
    with cli_env(tmp_path, app_settings) as (ini, run_cli):
        _seed(run_cli, ini, tmp_path)
        points = tmp_path / "offsite" / "checkpoints.jsonl"
        code, out, err = run_cli("checkpoint", ini, "--file", str(points))
        assert code == 0, err
        assert points.read_text(encoding="utf-8").strip() == out.strip()
        code, out, err = run_cli("verify-log", ini, "--checkpoint", str(points))
        assert code == 0 and "检查点 1 个" in out, err

        db = sqlite3.connect(tmp_path / "cli.sqlite")
        (seq,) = db.execute("SELECT seq FROM change_log_head").fetchone()
        # The last row and the head, deleted together.
        db.execute("DELETE FROM change_log WHERE seq = ?", (seq,))
        db.execute("DELETE FROM change_log_head")
        db.commit()
        code, out, err = run_cli("verify-log", ini)
        assert code == 1 and "链头" in err
        code, out, err = run_cli("verify-log", ini, "--checkpoint", str(points))
        assert code == 1
        db.close()


def test_verify_log_with_a_missing_checkpoint_file(app_settings, tmp_path):
    with cli_env(tmp_path, app_settings) as (ini, run_cli):
        _seed(run_cli, ini, tmp_path)
        code, _out, err = run_cli("verify-log", ini, "--checkpoint", str(tmp_path / "none"))
        assert code == 2 and "无法读取检查点文件" in err
