"""``whirlwind import-orgs INI FILE``: import the unit tree from CSV or Excel."""

from __future__ import annotations

import os
import sys

from whirlwind.errors import DomainError


def import_orgs_args(parser):
    parser.add_argument(
        "file", help="a .csv (UTF-8 or GB18030) or .xlsx file; see the README for the columns"
    )


def import_orgs_command(env, args):
    from whirlwind.orgs.importer import ImportFailed, import_orgs, read_table

    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as e:
        print(f"无法读取文件：{e}", file=sys.stderr)
        return 2
    request = env["request"]
    try:
        with request.tm:
            table = read_table(os.path.basename(args.file), data)
            result = import_orgs(request.dbsession, table)
            count = len(result.created)
    except ImportFailed as e:
        print(e.message, file=sys.stderr)
        for row, message in e.errors:
            print(f"  第 {row} 行：{message}", file=sys.stderr)
        return 2
    except DomainError as e:
        print(e.message, file=sys.stderr)
        return 2
    print(f"已导入 {count} 个单位。")
    return 0
