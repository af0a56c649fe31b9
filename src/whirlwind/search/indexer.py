"""The index writer: the only code that writes the Whoosh index.

Layout of ``whirlwind.index_dir``::

    index_dir/
      current -> gen-20260101T120000-1a2b   (symlink, swapped atomically by reindex)
      gen-…/                                 (a Whoosh index + APPLIED_SEQ)

The indexer reads outbox rows with a sequence above the one the index has applied, loads
the affected records through the area builders, upserts or deletes them by key, commits
Whoosh, and only then records the new sequence in the index directory. A crash between the
two replays a batch, which is harmless: applying a record is idempotent (the document is
rebuilt from the database as it is now). Web workers never write (see ``query``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select
from whoosh import index as windex
from whoosh.writing import LockError

from whirlwind import clock
from whirlwind.faults import pause_point
from whirlwind.outbox import SearchOutbox
from whirlwind.search import compaction, documents
from whirlwind.search.postings import GramCodec, GramSegmentWriter
from whirlwind.search.schema import make_schema, to_fields

log = logging.getLogger(__name__)

CURRENT = "current"
SEQ_FILE = "APPLIED_SEQ"
FORMAT_FILE = "FORMAT"
# The on-disk format of a generation (``postings``); a generation of another format is
# rebuilt from the database by the indexer, and searched as if there were no index.
INDEX_FORMAT = "gram-arrays-1"
BATCH = 500
# Outbox rows per Whoosh commit when catching up (``index --once``, after an import; a
# record writes several outbox rows), and records per segment in a rebuild: one segment
# is tokenized and sorted in one go (about 60 MB of arrays per 1,000 records).
BULK_BATCH = 25_000
WRITER_MB = 512

__all__ = ["GramCodec"]  # named in the table of contents of existing indexes


def index_base(settings) -> str:
    return os.path.abspath(settings["whirlwind.index_dir"])


# --- Locations ---------------------------------------------------------------------------


def _linked_dir(base: str) -> str | None:
    link = os.path.join(base, CURRENT)
    try:
        target = os.readlink(link)
    except OSError:
        return None
    path = os.path.join(base, target)
    return path if windex.exists_in(path) else None


def index_format(path: str) -> str | None:
    try:
        with open(os.path.join(path, FORMAT_FILE)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def current_dir(base: str) -> str | None:
    """The generation searches use: None when there is none, or only one of an older
    format (see ``outdated``)."""
    path = _linked_dir(base)
    return path if path is not None and index_format(path) == INDEX_FORMAT else None


def outdated(base: str) -> bool:
    """True when ``current`` is a generation of an older format (to be rebuilt)."""
    path = _linked_dir(base)
    return path is not None and index_format(path) != INDEX_FORMAT


def new_generation(base: str) -> str:
    os.makedirs(base, exist_ok=True)
    name = "gen-" + clock.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    path = os.path.join(base, name)
    os.makedirs(path)
    windex.create_in(path, make_schema())
    write_seq(path, 0)
    with open(os.path.join(path, FORMAT_FILE), "w") as f:
        f.write(INDEX_FORMAT)
    return path


def swap(base: str, path: str) -> None:
    """Point ``current`` at ``path`` atomically (rename of a new symlink over the old one),
    then remove generations older than the one just replaced (kept one round, for readers
    that still have it open)."""
    previous = _linked_dir(base)
    tmp = os.path.join(base, f".current-{uuid.uuid4().hex}")
    os.symlink(os.path.basename(path), tmp)
    os.replace(tmp, os.path.join(base, CURRENT))
    keep = {os.path.basename(path), os.path.basename(previous) if previous else None}
    for name in os.listdir(base):
        if name.startswith("gen-") and name not in keep:
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def ensure_index(base: str) -> str:
    path = current_dir(base)
    if path is None:
        path = new_generation(base)
        swap(base, path)
    return path


def read_seq(path: str) -> int:
    try:
        with open(os.path.join(path, SEQ_FILE)) as f:
            return int(f.read().strip() or 0)
    except FileNotFoundError:
        return 0


def write_seq(path: str, seq: int) -> None:
    tmp = os.path.join(path, f".{SEQ_FILE}.{uuid.uuid4().hex}")
    with open(tmp, "w") as f:
        f.write(str(seq))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(path, SEQ_FILE))


# --- Applying changes --------------------------------------------------------------------


def write_documents(writer, session, keys, *, add_only: bool = False) -> tuple[int, int]:
    """Upsert or delete the records named by ``keys`` ((type, id) pairs) from the
    database's current state. Returns (upserted, deleted). ``add_only``: add the records
    that exist to a new segment and leave deletions to the caller (parallel writing)."""
    by_type: dict[str, list[int]] = OrderedDict()
    for record_type, record_id in keys:
        by_type.setdefault(record_type, []).append(int(record_id))
    known = documents.builders()
    upserted = deleted = 0
    for record_type, ids in by_type.items():
        if record_type not in known:
            continue
        docs = documents.build(session, record_type, ids)
        for record_id in dict.fromkeys(ids):
            doc = docs.get(record_id)
            if doc is None:
                if not add_only:
                    writer.delete_by_term("key", f"{record_type}:{record_id}")
                deleted += 1
            elif add_only:
                writer.add_document(**to_fields(doc))
                upserted += 1
            else:
                writer.update_document(**to_fields(doc))
                upserted += 1
    return upserted, deleted


def open_writer(ix, timeout: float = 30.0):
    """A writer on ``ix``; waits for the lock (another indexer finishing a batch)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return GramSegmentWriter(ix, limitmb=WRITER_MB, compound=False)
        except LockError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- Writing in several processes ----------------------------------------------------------
# Building documents and tokenizing run in Python, one core per process. A big batch (a
# catch-up after an import, a rebuild) is split among worker processes, each writing its
# own segment without touching the table of contents; the parent holds the index lock
# throughout, deletes the records' older versions and commits every segment at once.

# Records below which one process writes a batch (forking costs more than it saves).
PARALLEL_MIN = 4_000

_child_factory = None


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _child_init() -> None:
    # Connections inherited from the parent belong to it: drop them without closing.
    bind = getattr(_child_factory, "kw", {}).get("bind")
    if bind is not None:
        bind.dispose(close=False)


def _write_segment(job):
    """In a worker: write the documents of ``keys`` as one new segment; return it."""
    path, keys = job
    ix = windex.open_dir(path)
    writer = GramSegmentWriter(ix, _lk=False, private_temp=True, limitmb=WRITER_MB, compound=False)
    session = _child_factory()
    try:
        write_documents(writer, session, keys, add_only=True)
        if not writer._added:
            writer.cancel()
            return None
        segment = writer._finalize_segment()
        writer._finish()
        return segment
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    finally:
        session.rollback()
        session.close()
        ix.close()


def write_segments(path, session_factory, keys, workers: int, chunk: int, progress=None):
    """New segments holding the records of ``keys`` (``chunk`` per segment), written by
    up to ``workers`` forked processes. The caller holds the index lock and commits."""
    global _child_factory
    jobs = [(path, keys[i : i + chunk]) for i in range(0, len(keys), chunk)]
    _child_factory = session_factory
    segments = []
    ctx = multiprocessing.get_context("fork")
    try:
        with ctx.Pool(min(workers, len(jobs)), initializer=_child_init, maxtasksperchild=1) as pool:
            done = 0
            for segment, (_path, part) in zip(pool.imap(_write_segment, jobs), jobs, strict=True):
                if segment is not None:
                    segments.append(segment)
                done += len(part)
                if progress:
                    progress(done)
    finally:
        _child_factory = None
    return segments


def _add_segments(segments):
    """A Whoosh merge policy that keeps the existing segments and adds ``segments``."""

    def policy(writer, existing):
        return [*existing, *segments]

    return policy


class IndexBehind(Exception):
    """The index has applied less than the outbox still holds (compaction deleted rows it
    needed): it can only be rebuilt."""


def apply_once(
    session,
    base: str,
    batch: int = BATCH,
    *,
    merge: bool = True,
    session_factory=None,
    workers: int = 1,
) -> int:
    """Apply up to ``batch`` outbox rows above the index's sequence using ``session``;
    commit Whoosh (merging small segments unless ``merge`` is False), then record the
    sequence. Returns the number of rows applied. With ``session_factory`` and several
    ``workers``, a big batch is written by worker processes."""
    path = ensure_index(base)
    last = read_seq(path)
    rows = session.execute(
        select(SearchOutbox.seq, SearchOutbox.record_type, SearchOutbox.record_id)
        .where(SearchOutbox.seq > last)
        .order_by(SearchOutbox.seq)
        .limit(batch)
    ).all()
    # Read after the rows: a compaction that deleted rows this index has not applied is
    # then seen, whether it ran before or while the rows were read.
    if compaction.behind(session, last):
        raise IndexBehind(last)
    if not rows:
        return 0
    keys = list(dict.fromkeys((r.record_type, int(r.record_id)) for r in rows))
    ix = windex.open_dir(path)
    writer = open_writer(ix)
    try:
        if session_factory is not None and workers > 1 and len(keys) >= PARALLEL_MIN:
            segments = write_segments(
                path, session_factory, keys, workers, chunk=-(-len(keys) // workers)
            )
            # The older versions, in existing segments (one pass over the key terms
            # instead of a lookup per record: after an import most keys are new).
            with writer.reader() as reader:
                indexed = {t.decode("utf-8") for t in reader.lexicon("key")}
            for record_type, record_id in keys:
                key = f"{record_type}:{record_id}"
                if key in indexed:
                    writer.delete_by_term("key", key)
            pause_point("index.written")  # documents written, Whoosh not committed
            writer.commit(mergetype=_add_segments(segments))
        else:
            write_documents(writer, session, keys)
            pause_point("index.written")
            writer.commit(merge=merge)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        ix.close()
        raise
    ix.close()
    pause_point("index.committed")  # in the index, its sequence not yet recorded
    write_seq(path, rows[-1].seq)
    pause_point("index.recorded")
    return len(rows)


def merge_segments(base: str) -> None:
    """Merge the index's small segments (once, after a bulk catch-up)."""
    path = current_dir(base)
    if path is None:
        return
    ix = windex.open_dir(path)
    try:
        open_writer(ix).commit(merge=True)
    finally:
        ix.close()


def apply_pending(
    session_factory,
    base: str,
    batch: int = BATCH,
    max_batches: int | None = None,
    workers: int = 1,
) -> int:
    """Apply outbox rows above the index's sequence, batch by batch (a fresh read-only
    session per batch). Unless ``max_batches`` is 1, the segments are written without
    merging and merged once at the end. Returns rows applied. An index of an older
    format is rebuilt first (the outbox may no longer hold every record)."""
    if outdated(base):
        log.warning("search index of an older format: rebuilding it from the database")
        rebuild(session_factory, base, workers=workers)
    applied = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        session = session_factory()
        try:
            # One batch at a time (the running indexer) merges as usual; a catch-up
            # leaves merging to the end.
            n = apply_once(
                session,
                base,
                batch,
                merge=max_batches == 1,
                session_factory=session_factory,
                workers=workers,
            )
        except IndexBehind as behind:
            log.warning(
                "search index applied up to %s, but the outbox was compacted beyond it: "
                "rebuilding it from the database",
                behind.args[0],
            )
            rebuild(session_factory, base, workers=workers)
            continue
        finally:
            session.rollback()
            session.close()
        if not n:
            break
        applied += n
        batches += 1
    if batches and max_batches != 1:
        merge_segments(base)
    return applied


class Stop:
    """SIGTERM/SIGINT: finish the current batch, then leave."""

    def __init__(self):
        self.requested = False

    def install(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, frame):
        self.requested = True


def run_forever(
    session_factory,
    base: str,
    *,
    interval: float = 0.5,
    batch: int = BATCH,
    stop=None,
    workers: int = 1,
) -> None:
    stop = stop or Stop()
    log.info("search indexer watching the outbox (index %s)", base)
    while not stop.requested:
        try:
            n = apply_pending(session_factory, base, batch=batch, max_batches=1)
            if n >= batch:  # a backlog (an import): catch up in big batches
                n += apply_pending(session_factory, base, batch=BULK_BATCH, workers=workers)
        except Exception:  # keep running: the next round retries the same rows
            log.exception("indexing batch failed; retrying")
            n = 0
            time.sleep(2)
        if not n:
            time.sleep(interval)


# --- Rebuild and check -------------------------------------------------------------------


def rebuild(
    session_factory,
    base: str,
    progress=None,
    batch: int = BATCH,
    segment_docs: int = BULK_BATCH,
    workers: int = 1,
) -> tuple[str, int]:
    """Build a complete new generation from the database and swap it in. Searches keep
    using the old generation until the swap; the indexer then continues from the outbox
    sequence read *before* the build (replaying a few rows is harmless)."""
    path = new_generation(base)
    session = session_factory()
    try:
        # Never below the compaction horizon: with every row deleted the outbox is empty,
        # yet the index holds everything up to the horizon.
        start_seq = max(
            session.scalar(select(func.max(SearchOutbox.seq))) or 0, compaction.horizon(session)
        )
        ix = windex.open_dir(path)
        total = 0
        keys = None
        if workers > 1:
            keys = [
                (record_type, record_id)
                for record_type in documents.builders()
                for record_id in documents.all_ids(session, record_type)
            ]
        if keys is not None and len(keys) >= PARALLEL_MIN:
            writer = open_writer(ix)
            try:
                segments = write_segments(
                    path,
                    session_factory,
                    keys,
                    workers,
                    chunk=min(segment_docs, -(-len(keys) // workers)),
                    progress=(lambda n: progress("", n)) if progress else None,
                )
                writer.commit(mergetype=_add_segments(segments))
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                ix.close()
                raise
            ix.close()
            write_seq(path, start_seq)
            swap(base, path)
            return path, len(keys)
        try:
            writer = open_writer(ix)
            in_segment = 0
            for record_type in documents.builders():
                ids = documents.all_ids(session, record_type)
                for i in range(0, len(ids), batch):
                    chunk = ids[i : i + batch]
                    write_documents(writer, session, [(record_type, x) for x in chunk])
                    total += len(chunk)
                    in_segment += len(chunk)
                    if in_segment >= segment_docs:
                        writer.commit(merge=False)
                        writer = open_writer(ix)
                        in_segment = 0
                    if progress:
                        progress(record_type, total)
        except BaseException:
            writer.cancel()
            ix.close()
            raise
        writer.commit(merge=False)
        ix.close()
    finally:
        session.rollback()
        session.close()
    write_seq(path, start_seq)
    swap(base, path)
    return path, total


@dataclass
class CheckResult:
    ok: bool
    lines: list[str]


def check(session, base: str) -> CheckResult:
    """Compare the index with the database, per record type (missing and extra keys)."""
    path = current_dir(base)
    if path is None:
        return CheckResult(False, ["索引不存在，请先运行 whirlwind reindex。"])
    ix = windex.open_dir(path)
    indexed: dict[str, set[int]] = {}
    with ix.searcher() as s:
        for fields in s.all_stored_fields():
            indexed.setdefault(fields["type"], set()).add(int(fields["rid"]))
    ix.close()
    lines = []
    ok = True
    pending = session.scalar(select(func.count()).where(SearchOutbox.seq > read_seq(path)))
    for record_type in documents.builders():
        in_db = set(documents.all_ids(session, record_type))
        in_ix = indexed.pop(record_type, set())
        missing, extra = in_db - in_ix, in_ix - in_db
        status = "一致" if not missing and not extra else "不一致"
        ok = ok and not missing and not extra
        line = f"{record_type}: 数据库 {len(in_db)} 条，索引 {len(in_ix)} 条，{status}"
        if missing:
            line += f"；索引缺少 {sorted(missing)[:10]}"
        if extra:
            line += f"；索引多出 {sorted(extra)[:10]}"
        lines.append(line)
    for record_type, ids in indexed.items():
        ok = False
        lines.append(f"{record_type}: 索引中有 {len(ids)} 条未知类型的记录")
    lines.append(f"待处理的发件箱记录：{pending} 条（已应用到第 {read_seq(path)} 号）")
    if compaction.horizon(session):
        lines.append(f"发件箱已清理到第 {compaction.horizon(session)} 号。")
    return CheckResult(ok, lines)
