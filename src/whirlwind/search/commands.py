"""``whirlwind index``, ``whirlwind reindex`` and ``whirlwind import``."""

from __future__ import annotations

import sys
import time

from whirlwind.search import indexer


def _factory(env):
    return env["registry"]["dbsession_factory"]


def index_args(parser):
    parser.add_argument("--once", action="store_true", help="apply pending outbox rows, then exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare the index with the database; exit 1 on a difference",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help=f"outbox rows per Whoosh commit (default {indexer.BULK_BATCH} with --once, "
        f"else {indexer.BATCH})",
    )
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between outbox polls")
    workers_arg(parser)


def workers_arg(parser):
    parser.add_argument(
        "--workers",
        type=int,
        default=indexer.default_workers(),
        help="processes writing a big batch (a catch-up, a rebuild); default: the cores, "
        f"at most 4 (now {indexer.default_workers()})",
    )


def index_command(env, args):
    base = indexer.index_base(env["registry"].settings)
    factory = _factory(env)
    if args.check:
        session = factory()
        try:
            result = indexer.check(session, base)
        finally:
            session.close()
        for line in result.lines:
            print(line)
        print(
            "索引与数据库一致。"
            if result.ok
            else "索引与数据库不一致，请运行 whirlwind index --once 或 whirlwind reindex。"
        )
        return 0 if result.ok else 1
    if args.once:
        n = indexer.apply_pending(
            factory, base, batch=args.batch or indexer.BULK_BATCH, workers=args.workers
        )
        print(f"已应用 {n} 条发件箱记录。")
        return 0
    stop = indexer.Stop()
    stop.install()
    indexer.run_forever(
        factory,
        base,
        interval=args.interval,
        batch=args.batch or indexer.BATCH,
        stop=stop,
        workers=args.workers,
    )
    return 0


def reindex_command(env, args):
    base = indexer.index_base(env["registry"].settings)
    started = time.monotonic()

    def progress(record_type, n):
        print(f"\r重建索引：{record_type} {n} 条", end="", file=sys.stderr, flush=True)

    path, total = indexer.rebuild(_factory(env), base, progress=progress, workers=args.workers)
    print(file=sys.stderr)
    print(f"索引已重建并切换：{total} 条记录，用时 {time.monotonic() - started:.1f} 秒（{path}）。")
    return 0


def import_args(parser):
    parser.add_argument("file", metavar="FILE", help="历史数据文件（.xlsx 或 .csv）")
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
    from whirlwind.search import importer
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
