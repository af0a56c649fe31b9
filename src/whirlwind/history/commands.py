"""``whirlwind import``: the historical import from the command line."""

from __future__ import annotations

import sys


def import_args(parser):
    parser.add_argument("file", metavar="FILE", help="历史数据文件（.xlsx、.xls、.ods 或 .csv）")
    parser.add_argument(
        "--user", required=True, help="username of the importing user (jurisdiction, change log)"
    )
    parser.add_argument(
        "--valid-only", action="store_true", help="import the valid rows even if others have errors"
    )
    parser.add_argument("--chunk", type=int, default=200, help="rows per transaction")


def progress_bar(done: int, total: int, width: int = 30) -> str:
    filled = width * done // max(1, total)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def import_command(env, args):
    from sqlalchemy import select

    from whirlwind.accounts.models import User
    from whirlwind.errors import DomainError
    from whirlwind.faults import pause_point
    from whirlwind.history import importer
    from whirlwind.security import Identity

    request = env["request"]
    try:
        with open(args.file, "rb") as f:
            data = f.read()
    except OSError as e:
        print(f"无法读取文件：{e}", file=sys.stderr)
        return 2
    with request.tm:
        session = request.dbsession
        user = session.scalar(select(User).where(User.username == args.user))
        if user is None:
            print(f"用户 {args.user} 不存在。", file=sys.stderr)
            return 2
        identity = Identity(user, user.permissions)
        if not identity.can("cases:import"):
            print(f"用户 {args.user} 没有导入历史数据的权限。", file=sys.stderr)
            return 2
        actor = (user.id, user.username)
        try:
            table = importer.read_table(data, args.file)
        except DomainError as e:
            print(e.message, file=sys.stderr)
            return 2
        result = importer.validate(session, identity, table)
    pause_point("import.validated")
    for e in result.errors[:200]:
        print(f"第 {e.row} 行 [{e.column}]：{e.message}", file=sys.stderr)
    if len(result.errors) > 200:
        print(f"……共 {len(result.errors)} 处错误。", file=sys.stderr)
    if result.errors and not args.valid_only:
        print(f"校验未通过：{len(result.errors)} 处错误，未导入任何数据。", file=sys.stderr)
        return 1
    rows = result.rows
    created = skipped = 0
    total = len(rows)
    for start in range(0, total, max(1, args.chunk)):
        chunk = rows[start : start + args.chunk]
        try:
            with request.tm:
                request.dbsession.info["actor"] = actor
                c, s = importer.import_rows(request.dbsession, actor, chunk)
                request.dbsession.flush()
                pause_point("import.chunk_written")  # inside the chunk's transaction
        except DomainError as e:
            print(
                f"\n{e.message}（此前的 {start} 行已导入，修正后重新运行即可，已导入的行会跳过）",
                file=sys.stderr,
            )
            return 1
        pause_point("import.chunk_committed")  # between two chunks
        created += c
        skipped += s
        print(
            "\r导入 " + progress_bar(start + len(chunk), total), end="", file=sys.stderr, flush=True
        )
    print(file=sys.stderr)
    print(
        f"导入完成：新建 {created} 条，已存在跳过 {skipped} 条，有错误未导入 {len(result.errors)} 行。"
    )
    return 0
