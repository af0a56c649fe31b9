"""The postings of the gram fields: a Whoosh codec and a segment writer that handle them
as arrays.

A gram field (``analysis.GramText``) holds one term per indexed character (the bigram
starting there, or the character itself at the end of a run), so a 1,000-character record
has about a thousand postings in ``body`` alone. Whoosh's own path handles each posting as
Python objects several times (analyzer, pool, sort, block writer); here they are handled
as numpy arrays:

- ``GramCodec`` writes the gram fields' posting lists as blocks of raw little-endian
  ``uint32`` arrays (document numbers, frequencies, then all positions) behind their own
  header tag, and reads them back through ``GramLeafMatcher``, so Whoosh's own API
  (matchers, merges, ``doc_frequency``) keeps working; every other field is Whoosh's W3
  format unchanged;
- ``GramSegmentWriter`` (a Whoosh ``SegmentWriter``) keeps the gram fields' texts of a
  segment aside, tokenizes them in bulk (``gram_arrays``), sorts every (term, document,
  position) triple at once and writes each term's list with one call; segments merged into
  it are read back as arrays too (``read_field``);
- ``read_term`` gives the engine a term's list as arrays without a matcher.

Tokens and positions are exactly those of ``analysis.gram_positions`` (tested against it).
"""

from __future__ import annotations

import struct
import sys
from array import array

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher, W3PostingsWriter
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort
from whoosh.writing import PostingPool, SegmentWriter

from whirlwind.search.analysis import (
    MAX_CHARS,
    GramPositions,
    GramText,
    decode_positions,
    encode_positions,
    normalize,
)

GRAM_MAGIC = b"WWg1"
BLOCK = 1024  # postings per block
# Block header: data length (negative for the last block), postings, last id, max freq.
_HEAD = struct.Struct("<iIIf")
_U4 = np.dtype("<u4")
_LITTLE = sys.byteorder == "little"

# Term keys: rank of the first character << 15 | rank of the second (0 for a run-final
# single character). Ranks number the token characters in code point order, so key order
# is the UTF-8 byte order of the terms (the order of Whoosh's term table), and a key fits
# in 30 bits.
_SHIFT = 15
_LOW = (1 << _SHIFT) - 1
_TOKEN_CHARS = [
    chr(c)
    for lo, hi in ((0x30, 0x39), (0x61, 0x7A), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
    for c in range(lo, hi + 1)
]
_CHARS = ["", *_TOKEN_CHARS]  # rank -> character
_RANK = np.zeros(0x110000, dtype=np.int32)  # code point -> rank (0: not a token character)
_RANK[[ord(ch) for ch in _TOKEN_CHARS]] = np.arange(1, len(_CHARS), dtype=np.int32)
_RANK_OF = {ch: i for i, ch in enumerate(_CHARS) if ch}


def term_text(key: int) -> str:
    return _CHARS[key >> _SHIFT] + _CHARS[key & _LOW]


def term_key(text: str) -> int:
    return (_RANK_OF[text[0]] << _SHIFT) | (_RANK_OF[text[1]] if len(text) > 1 else 0)


# --- Tokenizing many texts at once ----------------------------------------------------------


def gram_arrays(texts: list[str], docnums: list[int]):
    """(keys int32, docs uint32, positions uint32) of every token of ``texts`` in document
    then position order; ``docnums[i]`` is the document of ``texts[i]``."""
    if not texts:
        return _empty()
    parts = [normalize(t[:MAX_CHARS] if len(t) > MAX_CHARS else t) for t in texts]
    # One separator after each text, so no run crosses two documents.
    joined = "\x00".join(parts) + "\x00"
    c = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=_U4)
    rank = _RANK[c]  # 0 where the character is no token (``analysis.TOKEN_RE``)
    idx = np.flatnonzero(rank)
    if not len(idx):
        return _empty()
    # Tokens per document, from the running count at each document's separator.
    seen = np.cumsum(rank > 0, dtype=np.int64)
    ends = np.cumsum(np.fromiter((len(p) + 1 for p in parts), np.int64, len(parts))) - 1
    upto = seen[ends]
    counts = np.diff(upto, prepend=0)
    docs = np.repeat(np.asarray(docnums, dtype=np.uint32), counts)
    # Position: the token's rank among its document's tokens.
    pos = np.arange(len(idx), dtype=np.int64) - np.repeat(upto - counts, counts)
    # The next character's rank is 0 at the end of a run (the separator after each text
    # keeps ``idx + 1`` in range): the run-final character is a term on its own.
    keys = (rank[idx] << _SHIFT) | rank[idx + 1]
    return keys, docs, pos.astype(np.uint32)


def _empty():
    return np.empty(0, np.int32), np.empty(0, np.uint32), np.empty(0, np.uint32)


# --- Block encoding -------------------------------------------------------------------------


def _u4(a) -> bytes:
    a = np.asarray(a, dtype=_U4)
    return a.tobytes()


def encode_postings(ids, freqs, positions) -> bytes:
    """One term's posting list (after the header tag) as blocks of ``BLOCK`` postings."""
    ids = np.asarray(ids, dtype=_U4)
    freqs = np.asarray(freqs, dtype=_U4)
    positions = np.asarray(positions, dtype=_U4)
    n = len(ids)
    pend = np.cumsum(freqs, dtype=np.int64).tolist()
    out = []
    p0 = 0
    for b in range(0, n, BLOCK):
        e = min(n, b + BLOCK)
        p1 = pend[e - 1]
        fr = freqs[b:e]
        data = ids[b:e].tobytes() + fr.tobytes() + positions[p0:p1].tobytes()
        length = -len(data) if e == n else len(data)
        out.append(_HEAD.pack(length, e - b, int(ids[e - 1]), float(fr.max())))
        out.append(data)
        p0 = p1
    return b"".join(out)


# W3TermInfo.to_bytes of a list that is not inlined, without the object.
_TERMINFO = struct.Struct("!BfIBBfIIqi")


def terminfo_bytes(df, total, maxfreq, minid, maxid, offset, length) -> bytes:
    return _TERMINFO.pack(0, total, df, 0, 0, maxfreq, minid, maxid, offset, length)


def parse_postings(buf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, freqs, positions) of one posting list written by ``write_postings``."""
    if bytes(buf[:4]) != GRAM_MAGIC:
        raise ValueError("not a gram posting list (index written by an older version)")
    ids, freqs, poss = [], [], []
    off = 4
    size = len(buf)
    while off < size:
        length, n, _last, _mx = _HEAD.unpack_from(buf, off)
        off += _HEAD.size
        length = abs(length)
        ids.append(np.frombuffer(buf, _U4, n, off))
        freqs.append(np.frombuffer(buf, _U4, n, off + 4 * n))
        poss.append(np.frombuffer(buf, _U4, (length - 8 * n) // 4, off + 8 * n))
        off += length
    if len(ids) == 1:
        return ids[0], freqs[0], poss[0]
    return np.concatenate(ids), np.concatenate(freqs), np.concatenate(poss)


class GramPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer; for a gram field, blocks in the array format (the path
    of Whoosh's own writers: a posting at a time)."""

    def start_postings(self, format_, terminfo):
        self._gram = isinstance(format_, GramPositions)
        super().start_postings(format_, terminfo)
        if self._gram:
            self._gram_ids, self._gram_values = [], []

    def add_posting(self, id_, weight, vbytes, length=None):
        if not self._gram:
            return super().add_posting(id_, weight, vbytes, length)
        self._gram_ids.append(id_)
        self._gram_values.append(vbytes)

    def finish_postings(self):
        if not self._gram:
            return super().finish_postings()
        lists = [list(decode_positions(v)) for v in self._gram_values]
        freqs = np.fromiter(map(len, lists), dtype=np.uint32, count=len(lists))
        positions = np.fromiter(
            (p for lst in lists for p in lst), dtype=np.uint32, count=int(freqs.sum())
        )
        ids = np.asarray(self._gram_ids, dtype=np.uint32)
        terminfo = self._terminfo
        start = self._postfile.tell()
        self._postfile.write(GRAM_MAGIC + encode_postings(ids, freqs, positions))
        terminfo._weight = float(freqs.sum())
        terminfo._df = len(ids)
        terminfo._maxweight = float(freqs.max()) if len(ids) else 0.0
        terminfo._minid = int(ids[0]) if len(ids) else None
        terminfo._maxid = int(ids[-1]) if len(ids) else None
        terminfo.set_extent(start, self._postfile.tell() - start)
        self._terminfo = None
        return terminfo


class GramLeafMatcher(W3LeafMatcher):
    """Whoosh's matcher over a gram posting list (for Whoosh's API and merges)."""

    def _read_header(self):
        postfile = self._postfile
        postfile.seek(self._startoffset)
        magic = postfile.read(4)
        if magic != GRAM_MAGIC:
            raise ValueError(f"Block tag error {magic!r}")
        self._baseoffset = postfile.tell()

    def _goto(self, position):
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        head = self._postfile.get(position, _HEAD.size)
        length, n, last_id, maxweight = _HEAD.unpack(head)
        if length < 0:
            self._lastblock = True
            length = -length
        self._dataoffset = position + _HEAD.size
        self._nextoffset = self._dataoffset + length
        self._blocklength = n
        self._maxid = last_id
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = self._maxlength = None

    def _read_data(self):
        buf = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        n = self._blocklength
        ids = array("I", buf[: 4 * n])
        freqs = array("I", buf[4 * n : 8 * n])
        poss = array("I", buf[8 * n :])
        if not _LITTLE:
            for a in (ids, freqs, poss):
                a.byteswap()
        self._data = (ids, freqs, poss)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        self._weights = array("f", self._data[1])

    def _read_values(self):
        if self._data is None:
            self._read_data()
        _ids, freqs, poss = self._data
        values, p = [], 0
        for f in freqs:
            values.append(encode_positions(list(poss[p : p + f])))
            p += f
        self._values = tuple(values)


class GramCodec(W3Codec):
    """W3 with gram postings as arrays and no per-document field lengths (no field is
    scored by length)."""

    length_stats = False

    def postings_writer(self, dbfile, byteids=False):
        return GramPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if isinstance(format_, GramPositions) and not terminfo.is_inlined():
            offset, length = terminfo.extent()
            return GramLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
        return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)


# --- Reading for the engine -------------------------------------------------------------------


def _extent(info) -> tuple[int, int]:
    offset, length = info.extent()
    # W3TermInfo.from_bytes leaves the length as a 1-tuple (struct.unpack's result).
    return offset, length[0] if isinstance(length, tuple) else length


def read_term(terms_reader, field: str, text: str):
    """(ids, freqs, positions) of ``field:text`` in one segment (local document numbers),
    or None. ``terms_reader``: the segment reader's ``_terms``."""
    try:
        info = terms_reader.term_info(field, text.encode("utf-8"))
    except (TermNotFound, KeyError):
        return None
    return parse_postings(terms_reader._postfile.get(*_extent(info)))


def read_field(terms_reader, field: str):
    """Every posting of a gram field of one segment as (keys, docs, positions), one row per
    position, grouped by term (the input of a merge)."""
    keys, docs, poss = [], [], []
    postfile = terms_reader._postfile
    for (fname, btext), info in terms_reader.items_from(field, b""):
        if fname != field:
            break
        ids, freqs, positions = parse_postings(postfile.get(*_extent(info)))
        keys.append(np.full(len(positions), term_key(btext.decode("utf-8")), np.int32))
        docs.append(np.repeat(ids, freqs))
        poss.append(positions)
    if not keys:
        return _empty()
    return np.concatenate(keys), np.concatenate(docs), np.concatenate(poss)


# --- Writing a segment --------------------------------------------------------------------------


def write_field(fieldwriter, fieldname: str, fieldobj, keys, docs, positions) -> None:
    """Write a whole gram field of a new segment from (key, doc, position) rows that are in
    document then position order."""
    if not len(keys):
        return
    order = np.argsort(keys, kind="stable")
    keys, docs, positions = keys[order], docs[order], positions[order]
    n = len(keys)
    new_term = np.empty(n, dtype=bool)
    new_term[0] = True
    new_term[1:] = keys[1:] != keys[:-1]
    new_post = new_term.copy()
    new_post[1:] |= docs[1:] != docs[:-1]
    post_start = np.flatnonzero(new_post)
    post_docs = docs[post_start]
    post_freqs = np.diff(np.append(post_start, n)).astype(np.uint32)
    term_rows = np.flatnonzero(new_term)
    term_posts = np.searchsorted(post_start, term_rows)
    term_posts_end = np.append(term_posts[1:], len(post_start))
    rows_end = np.append(term_rows[1:], n)
    df = term_posts_end - term_posts
    maxfreq = np.maximum.reduceat(post_freqs, term_posts)
    # Per term, as Python lists (one conversion instead of a numpy scalar per access).
    t_keys = keys[term_rows].tolist()
    t_a, t_b = term_posts.tolist(), term_posts_end.tolist()
    t_r0, t_r1 = term_rows.tolist(), rows_end.tolist()
    t_df, t_max = df.tolist(), maxfreq.astype(np.float64).tolist()
    t_total = (rows_end - term_rows).astype(np.float64).tolist()
    t_min, t_last = post_docs[term_posts].tolist(), post_docs[term_posts_end - 1].tolist()
    ids_b = memoryview(post_docs.astype(_U4).tobytes())
    freqs_b = memoryview(post_freqs.astype(_U4).tobytes())
    poss_b = memoryview(np.asarray(positions, dtype=_U4).tobytes())

    fieldwriter.start_field(fieldname, fieldobj)
    postfile = fieldwriter._postfile
    table = _TermTable(fieldwriter._tindex)
    tindex_add = table.add
    prefix = pack_ushort(fieldwriter._fieldid)
    head = _HEAD.pack
    offset = postfile.tell()
    chunks: list = []
    pending = 0
    for t, key in enumerate(t_keys):
        a, b, r0, r1 = t_a[t], t_b[t], t_r0[t], t_r1[t]
        k = b - a
        if k <= BLOCK:
            datalen = 8 * k + 4 * (r1 - r0)
            chunks += (
                GRAM_MAGIC,
                head(-datalen, k, t_last[t], t_max[t]),
                ids_b[4 * a : 4 * b],
                freqs_b[4 * a : 4 * b],
                poss_b[4 * r0 : 4 * r1],
            )
            length = 4 + _HEAD.size + datalen
        else:
            data = GRAM_MAGIC + encode_postings(post_docs[a:b], post_freqs[a:b], positions[r0:r1])
            chunks.append(data)
            length = len(data)
        tindex_add(
            prefix + term_text(key).encode("utf-8"),
            terminfo_bytes(t_df[t], t_total[t], t_max[t], t_min[t], t_last[t], offset, length),
        )
        offset += length
        pending += length
        if pending > 64 << 20:
            postfile.write(b"".join(chunks))
            chunks, pending = [], 0
    postfile.write(b"".join(chunks))
    table.flush()
    fieldwriter.finish_field()


class _TermTable:
    """``OrderedHashWriter.add`` for many keys, with one file write per batch (the same
    bytes, buckets and index entries as Whoosh's, without a ``tell`` per key)."""

    def __init__(self, writer):
        self.writer = writer
        self.pos = writer.dbfile.tell()
        self.chunks: list = []
        self.hashfn = writer.hashfn
        self.buckets = writer.buckets
        self.index = writer.index
        self.lengths = _LENGTHS.pack

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.writer.lastkey:
            raise ValueError(f"Keys must increase: {self.writer.lastkey!r}..{key!r}")
        pos = self.pos
        self.index.append(pos)
        self.chunks += (self.lengths(len(key), len(value)), key, value)
        h = self.hashfn(key)
        self.buckets[h & 255].append((h, pos))
        self.pos = pos + _LENGTHS.size + len(key) + len(value)
        self.writer.lastkey = key
        if len(self.chunks) > 30_000:
            self.flush()

    def flush(self) -> None:
        if self.chunks:
            self.writer.dbfile.write(b"".join(self.chunks))
            self.chunks = []


class GramSegmentWriter(SegmentWriter):
    """A Whoosh ``SegmentWriter`` that writes the gram fields in bulk (see the module
    docstring); everything else (stored fields, ID/KEYWORD fields, deletions, the table of
    contents, merge policies) is Whoosh's."""

    def __init__(self, ix, *, private_temp: bool = False, **kwargs):
        kwargs.setdefault("codec", GramCodec())
        super().__init__(ix, **kwargs)
        if private_temp:
            # Writers running side by side (worker processes) each need their own
            # temporary directory: Whoosh removes the whole directory when one finishes.
            self._tempstorage = self.storage.temp_storage(
                f"{self.indexname}.{self.newsegment.segment_id()}.tmp"
            )
            self.pool = PostingPool(
                self._tempstorage, self.newsegment, limitmb=kwargs.get("limitmb", 128)
            )
        self._gram_fields = sorted(n for n, f in self.schema.items() if isinstance(f, GramText))
        self._texts = {n: ([], []) for n in self._gram_fields}
        self._merged = {n: [] for n in self._gram_fields}

    def add_document(self, **fields):
        docnum = self.docnum
        texts = {}
        for name in self._gram_fields:
            value = fields.pop(name, None)
            if value:
                texts[name] = value
        super().add_document(**fields)
        for name, value in texts.items():
            buf = self._texts[name]
            buf[0].append(value)
            buf[1].append(docnum)

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """A segment merged into this one: its gram fields as arrays, the rest through
        Whoosh's pool. Deleted documents are left out (``docmap`` lacks them)."""
        add = self.pool.add
        terms = reader._terms
        for fieldname in sorted(reader.indexed_field_names()):
            if fieldname not in self.schema:
                continue
            if fieldname in self._merged:
                keys, docs, poss = read_field(terms, fieldname)
                if docmap is not None:
                    lut = np.full(reader.doc_count_all(), -1, dtype=np.int64)
                    for old, new in docmap.items():
                        lut[old] = new
                    mapped = lut[docs.astype(np.int64)]
                    keep = mapped >= 0
                    keys, docs, poss = keys[keep], mapped[keep], poss[keep]
                else:
                    docs = docs.astype(np.int64) + startdoc
                order = np.lexsort((poss, docs))
                self._merged[fieldname].append(
                    (keys[order], docs[order].astype(np.uint32), poss[order])
                )
                continue
            for _fname, btext in reader.terms_from(fieldname, ""):
                if _fname != fieldname:
                    break
                m = terms.matcher(fieldname, btext, self.schema[fieldname].format)
                while m.is_active():
                    old = m.id()
                    new = startdoc + old if docmap is None else docmap.get(old)
                    if new is not None:
                        add((fieldname, btext, new, m.weight(), m.value()))
                    m.next()

    def _flush_segment(self):
        self.perdocwriter.close()
        self.fieldwriter.add_postings(self.schema, None, self.pool.iter_postings())
        for name in self._gram_fields:
            texts, nums = self._texts[name]
            # New documents come first (lower numbers), then merged segments in order.
            parts = [gram_arrays(texts, nums), *self._merged[name]]
            keys = np.concatenate([p[0] for p in parts])
            docs = np.concatenate([p[1] for p in parts])
            poss = np.concatenate([p[2] for p in parts])
            write_field(self.fieldwriter, name, self.schema[name], keys, docs, poss)
        self.fieldwriter.close()
