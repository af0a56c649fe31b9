"""Text analysis for Chinese full-text search (中文全文检索).

Indexing: text is split into *runs* (CJK characters, letters and digits with no separator
between them; NFKC-folded, lower case). At every character of a run the index holds the
grams of 2 to ``MAX_GRAM`` characters starting there (Lucene's CJKBigram idea, widened),
and the last character of a run on its own, all at the character's position. So every
substring of up to ``MAX_GRAM`` characters is one term, and positions stay consecutive.

Querying: a term becomes *slots* (relative position, kind, text). A run of 2 to
``MAX_GRAM`` characters is one exact term (no positions needed: one posting list); a
longer run is covered by overlapping grams of ``MAX_GRAM`` characters whose positions must
line up; a single character is a *prefix* slot (any bigram starting with it, or the
run-final unigram). A document matches exactly when it contains the term as written:
扶贫资金 does not match 扶贫 … 资金 apart, 张伟 matches inside 张伟华, 12388 inside 512388.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

from whoosh import fields, formats
from whoosh.analysis import Token, Tokenizer

MAX_GRAM = 2

# CJK Unified Ideographs (+ Extension A, compatibility ideographs), letters and digits.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(f"[{_CJK}0-9a-z]+")


_FULLWIDTH = {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)} | {"\u3000": " "}
_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")


def _halfwidth(m: re.Match) -> str:
    return _FULLWIDTH[m.group()]


def normalize(text: str) -> str:
    """Full-width letters/digits to ASCII, lower case (the same for text and queries)."""
    # Full-width forms (Chinese punctuation among them) are mapped first, as NFKC maps
    # them; a text that is then already in NFKC (the usual case) skips the slow call.
    # The result is NFKC's in every case.
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = _FULLWIDTH_RE.sub(_halfwidth, text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def index_tokens(text: str, start_pos: int = 0, max_gram: int = MAX_GRAM):
    """Yield (position, gram, start_char, end_char) for ``text`` (already normalized)."""
    pos = start_pos
    for m in TOKEN_RE.finditer(text):
        run = m.group()
        start = m.start()
        n = len(run)
        for i in range(n):
            for k in range(2, min(max_gram, n - i) + 1):
                yield pos + i, run[i : i + k], start + i, start + i + k
        yield pos + n - 1, run[-1], start + n - 1, start + n
        pos += n


def gram_positions(text: str, max_gram: int = MAX_GRAM) -> dict[str, list[int]]:
    """gram -> sorted positions, for a whole field value (the indexing hot path)."""
    out: dict[str, list[int]] = {}
    get = out.get
    pos = 0
    for run in TOKEN_RE.findall(normalize(text)):
        n = len(run)
        for k in range(2, max_gram + 1):
            for i in range(n - k + 1):
                g = run[i : i + k]
                lst = get(g)
                if lst is None:
                    out[g] = [pos + i]
                else:
                    lst.append(pos + i)
        g = run[-1]
        lst = get(g)
        if lst is None:
            out[g] = [pos + n - 1]
        else:
            lst.append(pos + n - 1)
        pos += n
    return out


# Slot kinds
TERM = "term"
PREFIX = "prefix"


def query_slots(term: str, max_gram: int = MAX_GRAM) -> list[tuple[int, str, str]]:
    """The slots a query term must match at one offset (see the module docstring)."""
    text = normalize(term)
    slots: list[tuple[int, str, str]] = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        run = m.group()
        n = len(run)
        if n == 1:
            slots.append((pos, PREFIX, run))
        elif n <= max_gram:
            slots.append((pos, TERM, run))
        else:
            # Consecutive grams overlap by one character, so they lie in one run: grams
            # side by side could match across a punctuation mark (扶贫，资金).
            offsets = list(range(0, n - max_gram + 1, max_gram - 1))
            if offsets[-1] != n - max_gram:
                offsets.append(n - max_gram)
            slots.extend((pos + o, TERM, run[o : o + max_gram]) for o in offsets)
        pos += n
    return slots


def searchable(term: str) -> bool:
    return bool(query_slots(term))


# Positions are delta-coded and each delta written as one UTF-8 code point (1 byte below
# 128, 2 below 2048, 3 below 65,536): variable-length integers encoded and decoded by the
# interpreter's C codec rather than per integer in Python, and far smaller than Whoosh's
# pickled lists. Texts are indexed up to MAX_CHARS characters so that a delta always fits.
MAX_CHARS = 1_000_000


def encode_positions(positions: list[int]) -> bytes:
    """The posting value of ``GramPositions`` (sorted positions)."""
    return "".join(map(chr, [positions[0], *map(int.__sub__, positions[1:], positions)])).encode(
        "utf-8", "surrogatepass"
    )


def decode_positions(value: bytes):
    """Positions from a ``GramPositions`` posting value (an iterator of ints)."""
    return accumulate(map(ord, value.decode("utf-8", "surrogatepass")))


class GramPositions(formats.Positions):
    """Whoosh's ``Positions`` format with the compact encoding above (the gram fields only)."""

    def encode(self, poslist):
        return encode_positions(sorted(poslist))

    def decode_positions(self, valuestring):
        return list(decode_positions(valuestring))

    def decode_frequency(self, valuestring):
        return len(valuestring.decode("utf-8", "surrogatepass"))

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


class GramTokenizer(Tokenizer):
    """Whoosh tokenizer applying ``index_tokens`` (for Whoosh's own tools; indexing uses
    ``GramText.index``, which gives the same terms without Token objects)."""

    def __eq__(self, other):
        return isinstance(other, GramTokenizer)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, tok, s, e in index_tokens(normalize(value), start_pos):
            t.text = tok
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = tok
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + s
                t.endchar = start_char + e
            yield t


class GramText(fields.TEXT):
    """A text field indexed as grams with compact positions; not stored, and without field
    lengths (relevance uses term frequencies only), so a posting is a document number and
    the positions (their number is the term frequency)."""

    def __init__(self):
        super().__init__(analyzer=GramTokenizer(), phrase=True, stored=False)
        self.format = GramPositions()
        self.scorable = False

    def index(self, value, **kwargs):
        if value and len(value) > MAX_CHARS:
            value = value[:MAX_CHARS]
        # Weight 1.0 throughout, so Whoosh stores no weights in the blocks (it would pickle
        # one float per posting); the term frequency is the number of positions.
        enc = encode_positions
        return [
            (
                gram.encode("utf-8"),
                len(positions),
                1.0,
                chr(positions[0]).encode("utf-8", "surrogatepass")
                if len(positions) == 1
                else enc(positions),
            )
            for gram, positions in gram_positions(value).items()
        ]


def join_parts(parts) -> str:
    """Join text parts for one field so that no term matches across two of them."""
    return "\n\u3000\n".join(p for p in parts if p)


def highlight(
    text: str, terms: list[str], *, width: int = 120, limit: int = 3
) -> list[tuple[str, bool]]:
    """Cut a snippet of ``text`` around the first matches of ``terms`` (exact substrings,
    compared after normalization) and return it as (piece, is_match) pairs for the
    template to escape and mark. Without a match, the start of the text."""
    if not text:
        return []
    norm = normalize(text)
    if len(norm) != len(text):  # NFKC changed the length (rare ligatures): match as written
        norm = text.lower()
    spans = []
    for term in {normalize(t) for t in terms if t and t.strip()}:
        start = 0
        while True:
            i = norm.find(term, start)
            if i < 0:
                break
            spans.append((i, i + len(term)))
            start = i + max(1, len(term))
    spans.sort()
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    if not merged:
        piece = text[:width]
        return [(piece + ("…" if len(text) > width else ""), False)]
    first = merged[0][0]
    lo = max(0, first - width // 4)
    hi = min(len(text), lo + width)
    out: list[tuple[str, bool]] = []
    if lo > 0:
        out.append(("…", False))
    cur = lo
    shown = 0
    for s, e in merged:
        if s >= hi or shown >= limit * 4:
            break
        if s > cur:
            out.append((text[cur:s], False))
        out.append((text[max(s, cur) : min(e, hi)], True))
        cur = min(e, hi)
        shown += 1
    if cur < hi:
        out.append((text[cur:hi], False))
    if hi < len(text):
        out.append(("…", False))
    return out
