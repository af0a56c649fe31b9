"""Query execution over the Whoosh index, in sets of document numbers.

Whoosh stores the postings; this module reads them a block at a time and answers with
Python sets (C speed for intersections), so that a query returns the *exact* total, facet
counts and the top hits without scoring every document through Whoosh's collectors:

- a term is a list of slots (``analysis.query_slots``); slots are intersected rarest first
  and positions are read only for the remaining candidates (already limited by the
  jurisdiction and filters);
- filters (jurisdiction, district, category …) are sets cached per index view, so the
  filter of a jurisdiction is computed once per index generation, not per query;
- small per-document values (type, id, district, year …) live in column lists built once
  per immutable Whoosh segment and reused across refreshes.

Every Whoosh call stays inside ``whirlwind.search``.
"""

from __future__ import annotations

import decimal
import math
import threading
import time
from collections import Counter
from itertools import accumulate, chain
from pickle import loads

from whoosh import index as windex
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.system import _INT_SIZE as _INT

from whirlwind.search.analysis import PREFIX, GramPositions, decode_positions, query_slots
from whirlwind.search.indexer import current_dir
from whirlwind.search.schema import LIST_SEP

COLUMNS = (
    "type",
    "rid",
    "org_id",
    "district_id",
    "street_id",
    "category",
    "source",
    "stage",
    "year",
    "day",
    "amount",
    "names",
)


class SegmentColumns:
    """Stored values of one segment as lists indexed by local document number."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        cols = {c: [None] * n for c in COLUMNS}
        for docnum, stored in reader.iter_docs():
            for c in COLUMNS:
                cols[c][docnum] = stored.get(c)
        cols["category"] = [tuple(v.split()) if v else () for v in cols["category"]]
        cols["names"] = [tuple(v.split(LIST_SEP)) if v else () for v in cols["names"]]
        cols["amount"] = [decimal.Decimal(v) if v else None for v in cols["amount"]]
        self.cols = cols
        self.n = n


class View:
    """One open searcher with its columns and cached filter sets."""

    def __init__(self, searcher, segment_cache: dict):
        self.searcher = searcher
        self.leaves = []  # (reader, offset)
        cols = {c: [] for c in COLUMNS}
        live = set()
        for reader, offset in searcher.reader().leaf_readers():
            seg = reader.segment() if hasattr(reader, "segment") else None
            key = seg.segment_id() if seg is not None else id(reader)
            sc = segment_cache.get(key)
            if sc is None or sc.n != reader.doc_count_all():
                sc = segment_cache[key] = SegmentColumns(reader)
            for c in COLUMNS:
                cols[c].extend(sc.cols[c])
            deleted = getattr(reader, "deleted_docs_set", None) or frozenset()
            if deleted:
                live.update(offset + d for d in range(sc.n) if d not in deleted)
            else:
                live.update(range(offset, offset + sc.n))
            self.leaves.append((reader, offset))
        self.cols = cols
        self.live = frozenset(live)
        self.size = len(self.live)
        self._filters: dict = {}
        self._df: dict = {}

    # --- postings ------------------------------------------------------------------------

    def _matcher(self, reader, field, text):
        terms = getattr(reader, "_terms", None)
        if terms is None:
            if (field, text) not in reader:
                return None
            return reader.postings(field, text)
        fieldobj = reader.schema[field]
        btext = fieldobj.to_bytes(text)
        if (field, btext) not in terms:
            return None
        return terms.matcher(field, btext, fieldobj.format)

    def postings(self, field, text, *, weights=True, values_for=None):
        """(ids, weights, values) of a term over all segments, in global docnums.
        ``values_for``: a set of global docnums whose encoded values (positions) to return."""
        ids_out, w_out, v_out = [], [], {}
        compact = isinstance(self.format(field), GramPositions)
        for reader, offset in self.leaves:
            m = self._matcher(reader, field, text)
            if m is None:
                continue
            if isinstance(m, W3LeafMatcher):
                while not m._atend and m._blocklength:
                    m._read_ids()
                    block = m._ids
                    gids = [offset + d for d in block] if offset else list(block)
                    ids_out.extend(gids)
                    if weights and compact:
                        # GramPositions: the frequency is the number of positions.
                        m._read_values()
                        w_out.extend(len(v.decode("utf-8", "surrogatepass")) for v in m._values)
                    elif weights:
                        m._read_weights()
                        w_out.extend(m._weights)
                    if values_for is not None:
                        want = [i for i, g in enumerate(gids) if g in values_for]
                        if want:
                            m._read_values()
                            vals = m._values
                            for i in want:
                                v_out[gids[i]] = vals[i]
                    if m._lastblock:
                        break
                    m._goto(m._nextoffset)
            else:
                while m.is_active():
                    g = offset + m.id()
                    ids_out.append(g)
                    if weights:
                        w_out.append(
                            len(m.value().decode("utf-8", "surrogatepass"))
                            if compact
                            else m.weight()
                        )
                    if values_for is not None and g in values_for:
                        v_out[g] = m.value()
                    m.next()
        return ids_out, w_out, v_out

    def doc_frequency(self, field, text) -> int:
        key = (field, text)
        df = self._df.get(key)
        if df is None:
            df = sum(r.doc_frequency(field, text) for r, _ in self.leaves)
            self._df[key] = df
        return df

    def expand_prefix(self, field, prefix) -> list[str]:
        terms = set()
        for reader, _ in self.leaves:
            for t in reader.expand_prefix(field, prefix):
                t = t.decode("utf-8") if isinstance(t, bytes) else t
                # The unigram (run end) and bigrams cover every occurrence of the character.
                if len(t) <= 2:
                    terms.add(t)
        return sorted(terms)

    def docset(self, field, text) -> frozenset:
        """Cached set of live docs having ``field:text`` (filters: ID and KEYWORD fields)."""
        key = ("term", field, text)
        s = self._filters.get(key)
        if s is None:
            ids, _, _ = self.postings(field, text, weights=False)
            s = self._filters[key] = frozenset(ids).intersection(self.live)
        return s

    def cached(self, key, compute):
        s = self._filters.get(key)
        if s is None:
            s = self._filters[key] = compute()
        return s

    def format(self, field):
        return self.leaves[0][0].schema[field].format if self.leaves else None


# --- term evaluation -------------------------------------------------------------------------


def _slot_terms(view, field, kind, text):
    if kind == PREFIX:
        return view.expand_prefix(field, text)
    return [text]


def _pickled_positions(v: bytes):
    # Whoosh's own Positions encoding (indexes written before GramPositions; our own
    # index files, not user input).
    return accumulate(loads(v[_INT:] if v.endswith(b".") else v[_INT:] + b"."))  # noqa: S301


def _decoder(view: View, field: str):
    fmt = view.format(field)
    return decode_positions if isinstance(fmt, GramPositions) else _pickled_positions


def match_term(view: View, field: str, term: str, restrict=None) -> dict[int, float]:
    """Docs whose ``field`` contains ``term`` as written -> occurrences (the term frequency).
    ``restrict``: a set of docnums to limit the work to (jurisdiction and filters)."""
    slots = query_slots(term)
    if not slots or not view.leaves:
        return {}
    expanded = [(rel, _slot_terms(view, field, kind, text)) for rel, kind, text in slots]
    if any(not terms for _, terms in expanded):
        return {}
    if len(slots) == 1:
        tf: dict[int, float] = {}
        for t in expanded[0][1]:
            ids, ws, _ = view.postings(field, t)
            if len(expanded[0][1]) == 1 and not tf:
                tf = dict(zip(ids, ws, strict=False))
            else:
                for i, w in zip(ids, ws, strict=False):
                    tf[i] = tf.get(i, 0.0) + w
        if restrict is not None:
            tf = (
                {d: w for d, w in tf.items() if d in restrict}
                if len(tf) < len(restrict)
                else {d: tf[d] for d in restrict if d in tf}
            )
        else:
            tf = {d: w for d, w in tf.items() if d in view.live}
        return tf
    # Rarest slot first: intersect doc sets, then verify positions on what is left.
    order = sorted(expanded, key=lambda s: sum(view.doc_frequency(field, t) for t in s[1]))
    cand = None
    for _rel, terms in order:
        ids = set()
        for t in terms:
            ids.update(view.postings(field, t, weights=False)[0])
        if cand is None:
            cand = ids if restrict is None else ids & restrict
            if restrict is None:
                cand &= view.live
        else:
            cand &= ids
        if not cand:
            return {}
    # Positions of every slot in the candidates; a start offset must fit all slots.
    decode = _decoder(view, field)
    result: dict[int, float] = {}
    starts: dict[int, set[int]] | None = None
    for rel, terms in sorted(expanded, key=lambda s: s[0]):
        per_doc: dict[int, set[int]] = {}
        for t in terms:
            _, _, vals = view.postings(field, t, weights=False, values_for=cand)
            for d, v in vals.items():
                ps = {p - rel for p in decode(v)}
                if d in per_doc:
                    per_doc[d] |= ps
                else:
                    per_doc[d] = ps
        if starts is None:
            starts = per_doc
        else:
            starts = {d: st for d, ps in per_doc.items() if d in starts and (st := starts[d] & ps)}
        if not starts:
            return {}
        cand = starts.keys()
    for d, st in starts.items():
        result[d] = float(len(st))
    return result


# --- query trees -------------------------------------------------------------------------------
# Nodes: ("term", text) | ("and", [nodes]) | ("or", [nodes]) | ("not", node)


def terms_of(node) -> list[str]:
    kind = node[0]
    if kind == "term":
        return [node[1]]
    if kind == "not":
        return []
    return list(chain.from_iterable(terms_of(n) for n in node[1]))


def evaluate(view: View, node, restrict, field="body") -> dict[int, float]:
    """Docs matching ``node`` within ``restrict`` (a set, or None for every live doc),
    with a relevance score."""
    kind = node[0]
    if kind == "term":
        tf = match_term(view, field, node[1], restrict)
        if not tf:
            return {}
        slots = query_slots(node[1])
        df = max(1, len(tf))
        idf = math.log(1 + view.size / df) * (1 + 0.3 * (len(slots) - 1))
        scores = {d: idf * (f / (f + 1.2)) for d, f in tf.items()}
        if field == "body":
            # A match in the title counts more.
            for d in match_term(view, "title", node[1], scores.keys()):
                scores[d] += idf
        return scores
    if kind == "not":
        base = view.live if restrict is None else restrict
        excluded = evaluate(view, node[1], restrict, field)
        return {d: 0.0 for d in base if d not in excluded}
    if kind == "and":
        positives = [n for n in node[1] if n[0] != "not"]
        negatives = [n[1] for n in node[1] if n[0] == "not"]
        result = None
        for child in positives:
            scores = evaluate(view, child, restrict if result is None else set(result), field)
            if result is None:
                result = scores
            else:
                result = {d: s + scores[d] for d, s in result.items() if d in scores}
            if not result:
                return {}
        if result is None:
            base = view.live if restrict is None else restrict
            result = dict.fromkeys(base, 0.0)
        for child in negatives:
            excluded = evaluate(view, child, set(result), field)
            result = {d: s for d, s in result.items() if d not in excluded}
        return result
    if kind == "or":
        result: dict[int, float] = {}
        for child in node[1]:
            for d, s in evaluate(view, child, restrict, field).items():
                result[d] = result.get(d, 0.0) + s
        return result
    raise ValueError(kind)


# --- facets and ordering -----------------------------------------------------------------------

AMOUNT_BUCKETS = (
    ("lt10k", "1万元以下", decimal.Decimal(0), decimal.Decimal(10_000)),
    ("10k-100k", "1万–10万元", decimal.Decimal(10_000), decimal.Decimal(100_000)),
    ("100k-1m", "10万–100万元", decimal.Decimal(100_000), decimal.Decimal(1_000_000)),
    ("ge1m", "100万元以上", decimal.Decimal(1_000_000), None),
)


def facet_counts(view: View, docs, fields) -> dict[str, Counter]:
    cols = view.cols
    out = {}
    for f in fields:
        if f in ("category", "names"):
            col = cols[f]
            out[f] = Counter(chain.from_iterable(map(col.__getitem__, docs)))
        elif f == "amount":
            col = cols["amount"]
            c = Counter()
            for a in map(col.__getitem__, docs):
                if a is None:
                    continue
                for code, _label, lo, hi in AMOUNT_BUCKETS:
                    if a >= lo and (hi is None or a < hi):
                        c[code] += 1
                        break
            out[f] = c
        else:
            c = Counter(map(cols[f].__getitem__, docs))
            c.pop(None, None)
            c.pop("", None)
            out[f] = c
    return out


# --- per-process reader pool ---------------------------------------------------------------------


class ReaderPool:
    """One searcher per process (and index directory), refreshed before use, reopened when
    reindex swaps the ``current`` generation. Searches run one at a time per process (the
    Whoosh file objects are shared), which costs nothing under the GIL."""

    def __init__(self, base: str, check_interval: float = 0.0):
        self.base = base
        self.check_interval = check_interval
        self.lock = threading.Lock()
        self.path = None
        self.ix = None
        self.searcher = None
        self.view = None
        self._checked = 0.0
        self._segments: dict = {}

    def _refresh(self):
        now = time.monotonic()
        if self.view is not None and now - self._checked < self.check_interval:
            return self.view
        self._checked = now
        path = current_dir(self.base)
        if path is None:
            self._close()
            return None
        if path != self.path:
            old = (self.ix, self.searcher)
            self.ix = windex.open_dir(path)
            self.searcher = self.ix.searcher()
            self.path = path
            self._segments = {}
            self.view = View(self.searcher, self._segments)
            for obj in old[::-1]:
                if obj is not None:
                    obj.close()
            return self.view
        fresh = self.searcher.refresh()
        if fresh is not self.searcher:
            # Whoosh reuses an open segment reader by segment id even when the segment's
            # deletions changed (every update deletes the old version): reopen then.
            toc = {seg.segment_id(): seg.deleted_count() for seg in self.ix._segments()}
            if any(
                r.segment().deleted_count() != toc.get(r.segment().segment_id())
                for r, _ in fresh.reader().leaf_readers()
                if hasattr(r, "segment")
            ):
                fresh.close()
                fresh = self.ix.searcher()
            self.searcher = fresh
            self.view = View(fresh, self._segments)
            live_keys = {
                r.segment().segment_id()
                for r, _ in fresh.reader().leaf_readers()
                if hasattr(r, "segment")
            }
            for k in list(self._segments):
                if k not in live_keys:
                    del self._segments[k]
        return self.view

    def _close(self):
        for obj in (self.searcher, self.ix):
            if obj is not None:
                obj.close()
        self.ix = self.searcher = self.view = self.path = None

    def run(self, func):
        """Call ``func(view)`` with a fresh view (None when there is no index yet)."""
        with self.lock:
            return func(self._refresh())

    def close(self):
        with self.lock:
            self._close()


_pools: dict[str, ReaderPool] = {}
_pools_lock = threading.Lock()


def pool_for(base: str) -> ReaderPool:
    with _pools_lock:
        pool = _pools.get(base)
        if pool is None:
            pool = _pools[base] = ReaderPool(base)
        return pool
