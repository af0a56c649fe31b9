"""Shared helpers of the search tests: an index of generated documents, ground truth by
substring, and indexing of the test transaction's outbox."""

from __future__ import annotations

from benchmarks.corpus import Corpus
from whoosh import index as windex

from whirlwind.search import engine, indexer, query
from whirlwind.search.analysis import normalize
from whirlwind.search.schema import to_fields


def build_index(base, docs):
    path = indexer.ensure_index(str(base))
    ix = windex.open_dir(path)
    w = indexer.open_writer(ix)
    for d in docs:
        w.update_document(**to_fields(d))
    w.commit()
    ix.close()
    return engine.ReaderPool(str(base))


def body(d) -> str:
    return normalize("\n".join([d["number"], d["title"], d["text"], *d["persons"], *d["units"]]))


def truth(node, docs):
    """Ids of ``docs`` matching ``node`` by plain substring search (the reference)."""
    bodies = {d["id"]: body(d) for d in docs}

    def ev(n):
        kind = n[0]
        if kind == "term":
            t = normalize(n[1]).replace(" ", "")
            return {i for i, b in bodies.items() if t in b}
        if kind == "not":
            return set(bodies) - ev(n[1])
        if kind == "and":
            s = set(bodies)
            for c in n[1]:
                s &= ev(c)
            return s
        s = set()
        for c in n[1]:
            s |= ev(c)
        return s

    return ev(node)


def all_ids(pool, params, scope=None) -> set[int]:
    params.size = query.MAX_PAGE_SIZE
    out, page = set(), 1
    while True:
        params.page = page
        r = pool.run(lambda v: query.run_search(v, scope, params))
        out |= {h.id for h in r.hits}
        if page >= r.pages:
            return out
        page += 1


def corpus_docs(n=400, seed=7, orgs=None, lo=80, hi=400):
    c = Corpus(seed, n_names=300, vocabulary=3000)
    orgs = orgs or [(101, 11, 21), (102, 11, 21), (103, 11, 22), (104, 12, 23)]
    return [c.record(i, orgs, lo, hi) for i in range(1, n + 1)]


def index_outbox(dbsession, base) -> int:
    """Apply the test transaction's outbox rows to the index at ``base`` (the indexer's
    own code path, with the test's session so that uncommitted rows are visible)."""
    return indexer.apply_once(dbsession, str(base), batch=100_000)
