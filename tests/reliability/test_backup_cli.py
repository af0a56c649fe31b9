"""``whirlwind backup`` / ``whirlwind restore`` as an operator runs them: the restored
database passes verify-log and the search index is rebuilt from it (``index --check``)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from tests.cases.helpers import make_clue
from tests.factories import make_tree, make_users
from whirlwind.accounts.models import User
from whirlwind.cases.models import Clue
from whirlwind.orgs.models import Org

WHIRLWIND = [sys.executable, "-m", "whirlwind.cli"]


def run(*args):
    return subprocess.run(
        [*WHIRLWIND, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_backup_then_restore_rebuilds_the_index(scratch_db_factory, tmp_path_factory):
    db = scratch_db_factory("backupcli")
    with db.session() as s:
        tree = make_tree(s)
        users = make_users(s, tree)
        for n in range(5):
            make_clue(s, users["street"], tree["V1"], title=f"备份前的线索{n}")
        s.commit()
    directory = tmp_path_factory.mktemp("backupcli")
    ini = directory / "backup.ini"
    ini.write_text(
        "[app:main]\nuse = egg:whirlwind\n"
        f"sqlalchemy.url = {db.url}\n"
        "whirlwind.secret = backup-test-secret\nwhirlwind.cookie_secure = false\n"
        f"whirlwind.index_dir = {directory / 'index'}\n"
        f"whirlwind.attachments_dir = {directory / 'attachments'}\n",
        encoding="utf-8",
    )
    target = str(directory / "backup.dump")
    done = run("backup", str(ini), target)
    assert done.returncode == 0, done.stderr
    with db.session() as s:  # changes after the backup are undone by the restore
        street = s.scalar(select(User).where(User.username == "t_street"))
        village = s.scalar(select(Org).where(Org.name == "大潭村"))
        make_clue(s, street, village, title="备份后的线索")
        s.commit()
    db.engine.dispose()
    restored = run("restore", str(ini), target, "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert (
        "变更记录校验通过" in restored.stdout
        and "检索索引已按恢复后的数据库重建" in restored.stdout
    )
    with db.session() as s:
        assert s.scalar(select(func.count(Clue.id))) == 5
    check = run("index", str(ini), "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert run("verify-log", str(ini)).returncode == 0
