"""The ``whirlwind`` command: ``whirlwind SUBCOMMAND INI_FILE [options]``.

Each subcommand is a function taking (env, args), where env comes from
``pyramid.paster.bootstrap`` and writes happen inside ``with env["request"].tm:``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> ("module:function", "module:add_arguments" or None, help text)
COMMANDS: dict[str, tuple[str, str | None, str]] = {
    "initdb": (
        "whirlwind.commands:initdb",
        None,
        "apply the Alembic migrations and seed roles and reference lists",
    ),
    "demo": (
        "whirlwind.demo:demo_command",
        None,
        "load the demo data (Wuhan's districts, users of every role, records); idempotent",
    ),
    "add-user": (
        "whirlwind.commands:add_user",
        "whirlwind.commands:add_user_args",
        "create a user (password from stdin or a prompt)",
    ),
    "import-orgs": (
        "whirlwind.orgs.commands:import_orgs_command",
        "whirlwind.orgs.commands:import_orgs_args",
        "import units from a CSV or Excel file (all rows validated first; nothing written on error)",
    ),
    "disclosure-catalog": (
        "whirlwind.disclosure.catalog:seed_command",
        None,
        "add the default three-affairs disclosure catalogue (公开目录) items that are missing",
    ),
    "index": (
        "whirlwind.search.commands:index_command",
        "whirlwind.search.commands:index_args",
        "run the search indexer (the only index writer); --once, --check, --compact",
    ),
    "reindex": (
        "whirlwind.search.commands:reindex_command",
        "whirlwind.search.commands:workers_arg",
        "rebuild the search index into a new directory and swap it in",
    ),
    "import": (
        "whirlwind.history.commands:import_command",
        "whirlwind.history.commands:import_args",
        "import historical clues and cases from .xlsx, .xls, .ods or .csv",
    ),
    "verify-log": (
        "whirlwind.commands:verify_log",
        "whirlwind.commands:verify_log_args",
        "check the keyed hash chain of the change log (and --checkpoint FILE); exit 1 naming "
        "the first bad row",
    ),
    "checkpoint": (
        "whirlwind.commands:checkpoint",
        "whirlwind.commands:checkpoint_args",
        "print a signed checkpoint (sequence, hash, time) of the change log and append it "
        "to the checkpoint file",
    ),
    "backup": (
        "whirlwind.backup:backup_command",
        "whirlwind.backup:backup_args",
        "write a consistent copy of the database (SQLite backup API / pg_dump)",
    ),
    "restore": (
        "whirlwind.backup:restore_command",
        "whirlwind.backup:restore_args",
        "replace the database with a backup, verify the change log, rebuild the index",
    ),
    "create-token": (
        "whirlwind.api.cli:create_token_command",
        "whirlwind.api.cli:create_token_args",
        "create a personal API token for a user; prints it once",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whirlwind",
        description="Whirlwind (红色旋风) administration. Every subcommand takes the ini file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_func, args_spec, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("config_uri", metavar="INI_FILE", help="e.g. development.ini")
        if args_spec:
            _load(args_spec)(p)
    return parser


def _load(spec: str):
    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)


def bootstrap_env(config_uri: str, actor: str):
    from pyramid.paster import bootstrap, setup_logging

    setup_logging(config_uri)
    env = bootstrap(config_uri)
    request = env["request"]
    # Changes made by commands are logged as made by the command.
    request.dbsession.info["actor"] = (None, f"cli:{actor}")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = _load(COMMANDS[args.command][0])
    if getattr(func, "needs_env", True):
        env = bootstrap_env(args.config_uri, args.command)
        try:
            return int(func(env, args) or 0)
        finally:
            env["closer"]()
    return int(func(None, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
