"""Running ``whirlwind`` subcommands against a throw-away SQLite database and ini file."""

from __future__ import annotations

import contextlib
import io
import sys

from sqlalchemy import create_engine

import whirlwind.models  # noqa: F401  (every table on the metadata)
from whirlwind.db import Base

INI = """[app:main]
use = egg:whirlwind
sqlalchemy.url = sqlite:///{db}
pyramid.default_locale_name = zh_CN
whirlwind.secret = cli-test-secret
whirlwind.cookie_secure = false
whirlwind.index_dir = {tmp}/index
whirlwind.attachments_dir = {tmp}/attachments
"""


@contextlib.contextmanager
def cli_env(tmp_path, app_settings):
    db = tmp_path / "cli.sqlite"
    ini = tmp_path / "cli.ini"
    ini.write_text(INI.format(db=db, tmp=tmp_path), encoding="utf-8")
    engine = create_engine(f"sqlite:///{db}")
    Base.metadata.create_all(engine)
    engine.dispose()

    def run_cli(*argv, stdin: str = ""):
        from whirlwind.cli import main

        out, err = io.StringIO(), io.StringIO()
        old = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
        try:
            code = main(list(argv))
        finally:
            sys.stdin, sys.stdout, sys.stderr = old
        return code, out.getvalue(), err.getvalue()

    yield str(ini), run_cli
    create_engine(f"sqlite:///{db}").dispose()
