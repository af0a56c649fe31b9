"""Query execution over the Whoosh index, as numpy arrays over document numbers.

Whoosh stores the postings (the gram fields in ``postings``' array blocks); this module
reads a term's whole list as arrays and answers with dense boolean masks over the view's
document numbers, so a query returns the *exact* total, facet counts and the top hits
without a Python step per matching document:

- a term is a list of slots (``analysis.query_slots``); the slots' document sets are
  intersected rarest first, then positions are compared only for the remaining candidates
  (already limited by the jurisdiction and filters), as sorted ``doc << 32 | position``
  keys;
- filters (jurisdiction, district, category …) are masks cached per index view, so the
  filter of a jurisdiction is computed once per index generation, not per query;
- small per-document values (type, id, district, year …) are columns built once per
  immutable Whoosh segment and reused across refreshes; facets are ``bincount`` over them.

Every Whoosh call stays inside ``whirlwind.search``.
"""

from __future__ import annotations

import decimal
import math
import threading
import time
from collections import Counter

import numpy as np
from whoosh import index as windex

from whirlwind.search.analysis import PREFIX, query_slots
from whirlwind.search.indexer import current_dir
from whirlwind.search.postings import read_term
from whirlwind.search.schema import LIST_SEP

# Columns holding one value per document, coded against a vocabulary.
CODED = ("type", "org_id", "district_id", "street_id", "source", "stage", "year", "amount")
# Columns holding several values per document.
MULTI = ("category", "names")

AMOUNT_BUCKETS = (
    ("lt10k", "1万元以下", decimal.Decimal(0), decimal.Decimal(10_000)),
    ("10k-100k", "1万–10万元", decimal.Decimal(10_000), decimal.Decimal(100_000)),
    ("100k-1m", "10万–100万元", decimal.Decimal(100_000), decimal.Decimal(1_000_000)),
    ("ge1m", "100万元以上", decimal.Decimal(1_000_000), None),
)
NO_AMOUNT = -1  # cents of a record without an amount


def amount_bucket(value: decimal.Decimal) -> str | None:
    for code, _label, lo, hi in AMOUNT_BUCKETS:
        if value >= lo and (hi is None or value < hi):
            return code
    return None


def _codes(values, n):
    """(vocabulary, int32 codes with -1 for no value) of a list of values."""
    vocab: dict = {}
    codes = np.full(n, -1, dtype=np.int32)
    for i, v in enumerate(values):
        if v is None or v == "":
            continue
        c = vocab.get(v)
        if c is None:
            c = vocab[v] = len(vocab)
        codes[i] = c
    return list(vocab), codes


class SegmentColumns:
    """Stored values of one segment as arrays indexed by local document number."""

    def __init__(self, reader):
        n = reader.doc_count_all()
        raw = {c: [None] * n for c in ("type", "rid", "org_id", "district_id", "street_id")}
        for c in ("source", "stage", "year", "day", "amount", "category", "names"):
            raw[c] = [None] * n
        for docnum, stored in reader.iter_docs():
            for c in raw:
                raw[c][docnum] = stored.get(c)
        amounts = [decimal.Decimal(v) if v else None for v in raw["amount"]]
        raw["amount"] = [amount_bucket(a) if a is not None else None for a in amounts]
        self.coded = {c: _codes(raw[c], n) for c in CODED}
        self.rid = np.array([v or 0 for v in raw["rid"]], dtype=np.int64)
        self.day = np.array([v or 0 for v in raw["day"]], dtype=np.int64)
        self.year = np.array([v or 0 for v in raw["year"]], dtype=np.int64)
        self.cents = np.array(
            [int(a * 100) if a is not None else NO_AMOUNT for a in amounts], dtype=np.int64
        )
        self.multi = {}
        for c, sep in (("category", None), ("names", LIST_SEP)):
            vocab: dict = {}
            docs, codes = [], []
            for d, v in enumerate(raw[c]):
                if not v:
                    continue
                for item in v.split(sep):
                    if item:
                        docs.append(d)
                        codes.append(vocab.setdefault(item, len(vocab)))
            self.multi[c] = (
                list(vocab),
                np.array(docs, dtype=np.int64),
                np.array(codes, dtype=np.int32),
            )
        self.n = n


def _merge_coded(parts):
    """Concatenate per-segment (vocabulary, codes) into one vocabulary and code array."""
    vocab: dict = {}
    arrays = []
    for local, codes in parts:
        lut = np.array([vocab.setdefault(v, len(vocab)) for v in local] + [-1], dtype=np.int32)
        arrays.append(lut[codes])  # -1 indexes the trailing -1
    return list(vocab), (np.concatenate(arrays) if arrays else np.empty(0, np.int32))


class View:
    """One open searcher with its columns and cached filter masks."""

    def __init__(self, searcher, segment_cache: dict):
        self.searcher = searcher
        self.leaves = []  # (reader, offset)
        segs = []
        for reader, offset in searcher.reader().leaf_readers():
            seg = reader.segment() if hasattr(reader, "segment") else None
            key = seg.segment_id() if seg is not None else id(reader)
            sc = segment_cache.get(key)
            if sc is None or sc.n != reader.doc_count_all():
                sc = segment_cache[key] = SegmentColumns(reader)
            segs.append((sc, offset, reader))
            self.leaves.append((reader, offset))
        n = sum(sc.n for sc, _, _ in segs)
        self.n = n
        live = np.ones(n, dtype=bool)
        for _sc, offset, reader in segs:
            deleted = getattr(reader, "deleted_docs_set", None) or ()
            if deleted:
                live[[offset + d for d in deleted]] = False
        self.live = live
        self.size = int(live.sum())
        self.vocab = {}
        self.codes = {}
        for c in CODED:
            self.vocab[c], self.codes[c] = _merge_coded([sc.coded[c] for sc, _, _ in segs])

        def cat(attr):
            parts = [getattr(sc, attr) for sc, _, _ in segs]
            return np.concatenate(parts) if parts else np.empty(0, np.int64)

        self.rid, self.day, self.year, self.cents = (
            cat("rid"),
            cat("day"),
            cat("year"),
            cat("cents"),
        )
        self.multi = {}
        for c in MULTI:
            vocab, docs, codes = {}, [], []
            for sc, offset, _ in segs:
                local, d, k = sc.multi[c]
                lut = np.array([vocab.setdefault(v, len(vocab)) for v in local], dtype=np.int32)
                docs.append(d + offset)
                codes.append(lut[k] if len(k) else k)
            self.multi[c] = (
                list(vocab),
                np.concatenate(docs) if docs else np.empty(0, np.int64),
                np.concatenate(codes) if codes else np.empty(0, np.int32),
            )
        self._filters: dict = {}
        self._df: dict = {}

    # --- columns -------------------------------------------------------------------------

    def records(self, mask=None) -> set[tuple[str, int]]:
        """(type, id) of the live docs (of ``mask``)."""
        docs = np.flatnonzero(self.live if mask is None else mask & self.live)
        types, vocab = self.codes["type"][docs], self.vocab["type"]
        return {(vocab[t], int(r)) for t, r in zip(types, self.rid[docs], strict=True)}

    def value(self, column: str, docnum: int):
        code = self.codes[column][docnum]
        return self.vocab[column][code] if code >= 0 else None

    # --- postings ------------------------------------------------------------------------

    def postings(self, field, text):
        """(ids, freqs, positions) of a gram-field term over all segments (global
        document numbers, ascending), or None."""
        parts = []
        for reader, offset in self.leaves:
            got = read_term(reader._terms, field, text)
            if got is not None and len(got[0]):
                ids, freqs, poss = got
                parts.append((ids.astype(np.int64) + offset, freqs, poss))
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate(x) for x in zip(*parts, strict=True))

    def term_docs(self, field, text) -> np.ndarray:
        """Global document numbers having ``field:text`` (ID and KEYWORD fields)."""
        out = []
        for reader, offset in self.leaves:
            if (field, text) not in reader:
                continue
            fieldobj = reader.schema[field]
            m = reader._terms.matcher(field, fieldobj.to_bytes(text), fieldobj.format)
            out.append(np.fromiter(m.all_ids(), dtype=np.int64) + offset)
        return np.concatenate(out) if out else np.empty(0, np.int64)

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

    def docset(self, field, text) -> np.ndarray:
        """Cached mask of the live docs having ``field:text`` (filters: ID and KEYWORD
        fields)."""
        key = ("term", field, text)
        mask = self._filters.get(key)
        if mask is None:
            mask = np.zeros(self.n, dtype=bool)
            mask[self.term_docs(field, text)] = True
            mask &= self.live
            mask.flags.writeable = False
            self._filters[key] = mask
        return mask

    def cached(self, key, compute):
        mask = self._filters.get(key)
        if mask is None:
            mask = self._filters[key] = compute()
            mask.flags.writeable = False
        return mask


# --- term evaluation -------------------------------------------------------------------------

_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float64))


def _union(parts):
    """Postings of several terms as one list: (ids, freqs, positions) per document row."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(x) for x in zip(*parts, strict=True))


def _position_keys(postings, cand, rel):
    """Sorted unique ``doc << 32 | (position - rel)`` of the postings' documents in
    ``cand`` (positions before ``rel`` cannot start a match and are dropped)."""
    ids, freqs, poss = postings
    sel = cand[ids]
    if not sel.any():
        return np.empty(0, np.int64)
    rep = np.repeat(sel, freqs)
    p = poss[rep].astype(np.int64) - rel
    keys = (np.repeat(ids, freqs)[rep] << 32) | np.where(p >= 0, p, 0)
    return keys[p >= 0]


def _intersect_sorted(a, b):
    """Common values of two sorted arrays of unique values."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    i = np.searchsorted(b, a)
    i[i == len(b)] = 0
    return a[b[i] == a]


def match_term(view: View, field: str, term: str, restrict=None):
    """Docs whose ``field`` contains ``term`` as written: (sorted doc numbers, occurrences).
    ``restrict``: a mask of the docs to consider (jurisdiction and filters; live docs)."""
    slots = query_slots(term)
    if not slots or not view.leaves:
        return _EMPTY
    allowed = view.live if restrict is None else restrict
    expanded = []
    for rel, kind, text in slots:
        terms = view.expand_prefix(field, text) if kind == PREFIX else [text]
        if not terms:
            return _EMPTY
        expanded.append((rel, terms))
    if len(expanded) == 1:
        got = _union([view.postings(field, t) for t in expanded[0][1]])
        if got is None:
            return _EMPTY
        ids, freqs, _ = got
        if len(expanded[0][1]) > 1:
            ids, inverse = np.unique(ids, return_inverse=True)
            tf = np.bincount(inverse, weights=freqs)
        else:
            tf = freqs.astype(np.float64)
        keep = allowed[ids]
        return ids[keep], tf[keep]
    # Rarest slot first: candidate documents, then positions on what is left.
    order = sorted(expanded, key=lambda s: sum(view.doc_frequency(field, t) for t in s[1]))
    cand = allowed.copy()
    postings = {}
    for rel, terms in order:
        got = _union([view.postings(field, t) for t in terms])
        if got is None:
            return _EMPTY
        postings[rel] = got
        has = np.zeros(view.n, dtype=bool)
        has[got[0]] = True
        cand &= has
        if not cand.any():
            return _EMPTY
    starts = None
    for rel, terms in sorted(expanded, key=lambda s: s[0]):
        keys = _position_keys(postings[rel], cand, rel)
        if len(terms) > 1:
            keys = np.unique(keys)
        starts = keys if starts is None else _intersect_sorted(starts, keys)
        if not len(starts):
            return _EMPTY
    docs, counts = np.unique(starts >> 32, return_counts=True)
    return docs, counts.astype(np.float64)


# --- query trees -------------------------------------------------------------------------------
# Nodes: ("term", text) | ("and", [nodes]) | ("or", [nodes]) | ("not", node)


def terms_of(node) -> list[str]:
    kind = node[0]
    if kind == "term":
        return [node[1]]
    if kind == "not":
        return []
    out = []
    for n in node[1]:
        out.extend(terms_of(n))
    return out


def evaluate(view: View, node, restrict, field="body"):
    """Docs matching ``node`` within ``restrict`` (a mask, or None for every live doc):
    (mask, scores), dense over the view's document numbers."""
    allowed = view.live if restrict is None else restrict
    kind = node[0]
    if kind == "term":
        docs, tf = match_term(view, field, node[1], allowed)
        mask = np.zeros(view.n, dtype=bool)
        scores = np.zeros(view.n, dtype=np.float64)
        if not len(docs):
            return mask, scores
        mask[docs] = True
        slots = query_slots(node[1])
        idf = math.log(1 + view.size / len(docs)) * (1 + 0.3 * (len(slots) - 1))
        scores[docs] = idf * (tf / (tf + 1.2))
        if field == "body":
            # A match in the title counts more.
            in_title, _ = match_term(view, "title", node[1], mask)
            scores[in_title] += idf
        return mask, scores
    if kind == "not":
        excluded, _ = evaluate(view, node[1], allowed, field)
        return allowed & ~excluded, np.zeros(view.n, dtype=np.float64)
    if kind == "and":
        positives = [n for n in node[1] if n[0] != "not"]
        negatives = [n[1] for n in node[1] if n[0] == "not"]
        mask, scores = allowed, np.zeros(view.n, dtype=np.float64)
        for child in positives:
            m, s = evaluate(view, child, mask, field)
            mask = mask & m
            scores += s
            if not mask.any():
                break
        for child in negatives:
            if not mask.any():
                break
            m, _ = evaluate(view, child, mask, field)
            mask = mask & ~m
        scores[~mask] = 0.0
        return mask, scores
    if kind == "or":
        mask = np.zeros(view.n, dtype=bool)
        scores = np.zeros(view.n, dtype=np.float64)
        for child in node[1]:
            m, s = evaluate(view, child, allowed, field)
            mask |= m
            scores += s
        return mask, scores
    raise ValueError(kind)


# --- facets --------------------------------------------------------------------------------------


def facet_counts(view: View, mask, fields) -> dict[str, Counter]:
    """Value -> number of matching docs, per facet field."""
    out = {}
    for f in fields:
        if f in MULTI:
            vocab, docs, codes = view.multi[f]
            sel = codes[mask[docs]] if len(docs) else codes
            counts = np.bincount(sel, minlength=len(vocab))
        else:
            vocab = view.vocab[f]
            codes = view.codes[f][mask]
            counts = np.bincount(codes[codes >= 0], minlength=len(vocab))
        out[f] = Counter({vocab[i]: int(counts[i]) for i in np.flatnonzero(counts)})
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
        if self.searcher.reader().segments() is None:
            # An index that had no segment yet: Whoosh cannot refresh its empty reader.
            if not self.ix._segments():
                return self.view
            self.searcher.close()
            self.searcher = self.ix.searcher()
            self.view = View(self.searcher, self._segments)
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
