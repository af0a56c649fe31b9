"""Search benchmark: Whoosh (our analyzer, schema and query engine) against an SQLite FTS5
trigram peer (+LIKE for terms shorter than 3 characters) on the same generated records,
in one run.

    .venv/bin/python benchmarks/search_bench.py --n 100000 [--out benchmarks/out/search]

Writes its own SQLite database and index under --out. Reports, per engine, p50/p95 of
the query set (top 20 by relevance with the exact total, facets and highlighted snippets
cut from the database text), recall and precision against substring ground truth, and
index build throughput and size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from benchmarks.corpus import QUERIES, Corpus, synthetic_orgs
from whirlwind.search import engine, indexer, query
from whirlwind.search.analysis import highlight, normalize
from whirlwind.search.schema import to_fields


def du(path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def build(args):
    os.makedirs(args.out, exist_ok=True)
    dbpath = os.path.join(args.out, "bench.sqlite")
    base = os.path.join(args.out, "index")
    for p in (dbpath, base):
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    corpus = Corpus(args.seed)
    orgs = synthetic_orgs()
    t0 = time.perf_counter()
    db = sqlite3.connect(dbpath)
    db.execute(
        "create table doc (id integer primary key, number text, title text, text text, persons text, "
        "units text, body text, day integer)"
    )
    db.execute(
        "create virtual table fts using fts5(body, content='doc', content_rowid='id', tokenize='trigram')"
    )
    docs_len = 0
    bodies = {}
    batch = []
    from whoosh import index as windex

    path = indexer.new_generation(base)
    ix = windex.open_dir(path)
    writer = indexer.open_writer(ix)
    t_index = 0.0
    for i in range(1, args.n + 1):
        d = corpus.record(i, orgs)
        body = "\n".join([d["number"], d["title"], d["text"], *d["persons"], *d["units"]])
        bodies[i] = normalize(body)
        docs_len += len(d["text"])
        batch.append(
            (
                i,
                d["number"],
                d["title"],
                d["text"],
                "、".join(d["persons"]),
                "、".join(d["units"]),
                body,
                d["date"].toordinal(),
            )
        )
        t = time.perf_counter()
        writer.add_document(**to_fields(d))
        if i % args.segment == 0:  # the indexer's segment size in a rebuild
            writer.commit(merge=False)
            writer = indexer.open_writer(ix)
        t_index += time.perf_counter() - t
        if len(batch) == 2000:
            db.executemany("insert into doc values (?,?,?,?,?,?,?,?)", batch)
            batch = []
        if i % 5000 == 0:
            print(f"  generated {i}", file=sys.stderr, flush=True)
    if batch:
        db.executemany("insert into doc values (?,?,?,?,?,?,?,?)", batch)
    t = time.perf_counter()
    db.execute("insert into fts(fts) values ('rebuild')")
    db.commit()
    t_fts = time.perf_counter() - t
    t = time.perf_counter()
    writer.commit(merge=False)
    t_index += time.perf_counter() - t
    ix.close()
    indexer.swap(base, path)
    stats = {
        "docs": args.n,
        "avg_chars": docs_len / args.n,
        "build_total_s": time.perf_counter() - t0,
        "whoosh_index_s": t_index,
        "whoosh_docs_per_s": args.n / t_index,
        "whoosh_size_mb": du(base) / 1e6,
        "fts_build_s": t_fts,
        "sqlite_size_mb": os.path.getsize(dbpath) / 1e6,
    }
    return db, base, bodies, stats


def truth(node, bodies):
    kind = node[0]
    if kind == "term":
        t = normalize(node[1]).replace(" ", "")
        return {i for i, b in bodies.items() if t in b}
    if kind == "not":
        return set(bodies) - truth(node[1], bodies)
    if kind == "and":
        s = None
        for c in node[1]:
            s = truth(c, bodies) if s is None else s & truth(c, bodies)
        return s
    s = set()
    for c in node[1]:
        s |= truth(c, bodies)
    return s


def fts_where(node, params):
    kind = node[0]
    if kind == "term":
        t = normalize(node[1]).replace(" ", "")
        if len(t) >= 3:
            params.append('"' + t.replace('"', '""') + '"')
            return "id in (select rowid from fts where fts match ?)"
        params.append("%" + t + "%")
        return "lower(body) like ?"
    if kind == "not":
        return "not (" + fts_where(node[1], params) + ")"
    joiner = " and " if kind == "and" else " or "
    return "(" + joiner.join(fts_where(c, params) for c in node[1]) + ")"


def snippets(db, ids, terms):
    if not ids:
        return []
    rows = db.execute(
        f"select id, title, text from doc where id in ({','.join('?' * len(ids))})", ids
    ).fetchall()
    return [
        (highlight(title, terms), highlight(text, terms, width=160)) for _id, title, text in rows
    ]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out", "search"))
    ap.add_argument(
        "--segment", type=int, default=indexer.BULK_BATCH, help="records per index segment"
    )
    ap.add_argument("--runs", type=int, default=3, help="timed runs per query (the first is cold)")
    args = ap.parse_args(argv)
    print(f"building {args.n} records …", file=sys.stderr)
    db, base, bodies, stats = build(args)
    pool = engine.ReaderPool(base)
    t = time.perf_counter()
    pool.run(lambda v: None)
    stats["open_view_s"] = time.perf_counter() - t
    ww, ft, cold = [], [], []
    recall_w, recall_f, prec_w, prec_f = [], [], [], []
    print(
        f"{'query':<22}{'truth':>7}{'whoosh':>8}{'fts5':>8}{'ww ms':>9}{'fts ms':>9}",
        file=sys.stderr,
    )
    for q in QUERIES:
        node = query.parse(q)
        expected = truth(node, bodies)
        terms = engine.terms_of(node)
        params = query.SearchParams(q=q, size=20)
        times = []
        for _r in range(args.runs):
            t = time.perf_counter()
            res = pool.run(lambda v, params=params: query.run_search(v, None, params))
            snippets(db, [h.id for h in res.hits], terms)
            times.append((time.perf_counter() - t) * 1000)
        cold.append(times[0])
        ww.extend(times[1:] or times)
        got = pool.run(
            lambda v, node=node: {int(r) for r in v.rid[engine.evaluate(v, node, None)[0]]}
        )
        sql_params = []
        where = fts_where(node, sql_params)
        ftimes = []
        for r in range(args.runs):
            t = time.perf_counter()
            total = db.execute(f"select count(*) from doc where {where}", sql_params).fetchone()[0]
            top = [
                r[0]
                for r in db.execute(
                    f"select id from doc where {where} order by day desc limit 20", sql_params
                )
            ]
            snippets(db, top, terms)
            ftimes.append((time.perf_counter() - t) * 1000)
        ft.extend(ftimes[1:] or ftimes)
        fgot = {r[0] for r in db.execute(f"select id from doc where {where}", sql_params)}
        assert res.total == len(got)
        for got_set, rec, prec in ((got, recall_w, prec_w), (fgot, recall_f, prec_f)):
            rec.append(len(got_set & expected) / len(expected) if expected else 1.0)
            prec.append(len(got_set & expected) / len(got_set) if got_set else 1.0)
        print(
            f"{q:<22}{len(expected):>7}{len(got):>8}{len(fgot):>8}{statistics.median(times):>9.1f}"
            f"{statistics.median(ftimes):>9.1f}  total={total}",
            file=sys.stderr,
        )
    print()
    print(
        f"records: {stats['docs']} (avg {stats['avg_chars']:.0f} chars of text), queries: {len(QUERIES)}"
    )
    print(
        f"whoosh : p50 {pct(ww, 50):.1f} ms  p95 {pct(ww, 95):.1f} ms  (cold first runs: p50 {pct(cold, 50):.1f}"
        f" p95 {pct(cold, 95):.1f})  recall {min(recall_w):.2f}..{statistics.mean(recall_w):.2f}"
        f"  precision {min(prec_w):.2f}"
    )
    print(
        f"fts5   : p50 {pct(ft, 50):.1f} ms  p95 {pct(ft, 95):.1f} ms  recall {min(recall_f):.2f}.."
        f"{statistics.mean(recall_f):.2f}  precision {min(prec_f):.2f}"
    )
    print(
        f"index  : {stats['whoosh_index_s']:.1f} s ({stats['whoosh_docs_per_s']:.0f} docs/s, {args.segment} records per segment),"
        f" {stats['whoosh_size_mb']:.1f} MB; FTS5 build {stats['fts_build_s']:.1f} s; SQLite file"
        f" {stats['sqlite_size_mb']:.1f} MB; first view (column caches) {stats['open_view_s']:.2f} s"
    )
    pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
