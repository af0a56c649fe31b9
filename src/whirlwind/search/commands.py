"""``whirlwind index`` and ``whirlwind reindex``."""

from __future__ import annotations

import sys
import time

from whirlwind.search import compaction, indexer


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
        "--compact",
        action="store_true",
        help="delete the outbox rows this node's index has applied, then exit (a replica "
        "that is behind them rebuilds its index)",
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
    if args.compact:
        return compact_command(base, factory)
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


def compact_command(base, factory) -> int:
    path = indexer.current_dir(base)
    if path is None:
        print("索引不存在，无法清理发件箱：请先运行 whirlwind reindex。", file=sys.stderr)
        return 1
    session = factory()
    try:
        n = compaction.compact(session, indexer.read_seq(path))
        session.commit()
        through = compaction.horizon(session)
    finally:
        session.close()
    print(f"已删除 {n} 条已应用的发件箱记录（清理到第 {through} 号）。")
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
