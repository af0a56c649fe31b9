"""``whirlwind backup`` / ``whirlwind restore``: a consistent copy of the database.

SQLite uses the online backup API (a consistent snapshot while the app keeps running);
PostgreSQL uses ``pg_dump -Fc`` / ``pg_restore --clean`` (client tools of the server's major
version on PATH). After a restore the change-log chain is verified and, where the search
indexer is installed, the index is rebuilt from the restored database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from sqlalchemy.engine import make_url

from whirlwind.settings import load_settings


def _url(env) -> str:
    return env["registry"].settings["sqlalchemy.url"]


def _pg_args(url) -> tuple[list[str], dict]:
    args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    environ = dict(os.environ)
    if url.password:
        environ["PGPASSWORD"] = url.password
    return args, environ


def backup_database(db_url: str, target: str) -> None:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(url.database)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None:
            raise RuntimeError("pg_dump not found on PATH")
        args, environ = _pg_args(url)
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", *args, "-f", target, url.database],
            check=True,
            env=environ,
        )
        return
    raise RuntimeError(f"unsupported database: {url.get_backend_name()}")


def restore_database(db_url: str, source: str) -> None:
    if not os.path.exists(source):
        raise FileNotFoundError(source)
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        src = sqlite3.connect(source)
        dst = sqlite3.connect(url.database)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    if url.get_backend_name() == "postgresql":
        args, environ = _pg_args(url)
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "-d",
                url.database,
                source,
            ],
            check=True,
            env=environ,
        )
        return
    raise RuntimeError(f"unsupported database: {url.get_backend_name()}")


def backup_args(parser):
    parser.add_argument(
        "target", help="file to write (SQLite: a database file; PostgreSQL: pg_dump custom format)"
    )


def restore_args(parser):
    parser.add_argument("source", help="file written by whirlwind backup")
    parser.add_argument(
        "--yes", action="store_true", help="do not ask before replacing the database"
    )


def backup_command(env, args):
    backup_database(_url(env), args.target)
    print(f"备份完成：{args.target}")
    return 0


def restore_command(env, args):
    if not args.yes and sys.stdin.isatty():
        answer = input("恢复将覆盖当前数据库的全部数据，确定继续吗？[y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("已取消。")
            return 1
    engine = env["registry"]["dbengine"]
    engine.dispose()  # no pooled connection may hold the old file/database open
    restore_database(_url(env), args.source)
    engine.dispose()
    from whirlwind.changelog import verify_chain

    request = env["request"]
    with request.tm:
        result = verify_chain(request.dbsession)
    if not result.ok:
        print(f"已恢复，但变更记录校验失败：{result.message}", file=sys.stderr)
        return 1
    print(f"恢复完成，变更记录校验通过（{result.checked} 条）。")
    rebuild = _reindex_hook()
    if rebuild is not None:
        rebuild(env)
        print("检索索引已按恢复后的数据库重建。")
    return 0


def _reindex_hook():
    try:
        from whirlwind.search import indexer
    except ImportError:
        return None

    def rebuild(env):
        registry = env["registry"]
        indexer.rebuild(registry["dbsession_factory"], indexer.index_base(registry.settings))

    return rebuild


__all__ = ["backup_database", "load_settings", "restore_database"]
