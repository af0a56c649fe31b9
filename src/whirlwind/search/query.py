"""Search requests: query syntax, filters, jurisdiction, facets, ordering, pagination.

Query syntax (the search box):

- words separated by spaces must all occur (AND); ``OR`` (or ``|``) between words means
  either; ``NOT word`` or ``-word`` excludes; parentheses group: ``(张伟 OR 李强) 扶贫 -退回``;
- every word matches as written, contiguous (扶贫资金 does not match 扶贫 … 资金); a name
  matches inside a longer name (张伟 finds 张伟华);
- ``"…"`` (or “…”) quotes a phrase with spaces or operator words in it, matched exactly.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, field

import numpy as np

from whirlwind.search import engine
from whirlwind.search.analysis import searchable

MAX_PAGE_SIZE = 100
FACET_FIELDS = (
    "type",
    "district_id",
    "street_id",
    "org_id",
    "category",
    "source",
    "stage",
    "year",
    "amount",
    "names",
)

_TOKEN_RE = re.compile(r'"([^"]*)"?|“([^”]*)”?|([()（）])|([^\s()（）"“]+)')
OPERATORS = {"AND": "and", "&&": "and", "OR": "or", "||": "or", "|": "or", "NOT": "not", "!": "not"}


class QuerySyntaxError(ValueError):
    pass


def tokenize(q: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN_RE.finditer(q or ""):
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        if quoted is not None:
            if quoted.strip():
                out.append(("term", quoted))
        elif m.group(3):
            out.append(("(" if m.group(3) in "(（" else ")", m.group(3)))
        else:
            word = m.group(4)
            if word in OPERATORS:
                out.append((OPERATORS[word], word))
            elif word.startswith("-") and len(word) > 1:
                out.append(("not", "-"))
                out.append(("term", word[1:]))
            else:
                out.append(("term", word))
    return out


def parse(q: str):
    """Parse the search box into a node tree (see ``engine.evaluate``); None when empty."""
    tokens = [t for t in tokenize(q) if t[0] != "term" or searchable(t[1])]
    pos = 0

    def peek():
        return tokens[pos][0] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def parse_or():
        items = [parse_and()]
        while peek() == "or":
            take()
            items.append(parse_and())
        items = [i for i in items if i is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else ("or", items)

    def parse_and():
        items = []
        while peek() not in (None, "or", ")"):
            if peek() == "and":
                take()
                continue
            node = parse_unary()
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else ("and", items)

    def parse_unary():
        kind = peek()
        if kind == "not":
            take()
            inner = parse_unary()
            return ("not", inner) if inner is not None else None
        if kind == "(":
            take()
            inner = parse_or()
            if peek() == ")":
                take()
            return inner
        if kind == "term":
            return ("term", take()[1])
        take()  # a stray operator or parenthesis
        return None

    node = parse_or()
    while pos < len(tokens):  # unbalanced ")": keep going with the rest
        take()
        rest = parse_or()
        if rest is not None:
            node = rest if node is None else ("and", [node, rest])
    if node is not None and node[0] == "not":
        node = ("and", [node])
    return node


# --- jurisdiction --------------------------------------------------------------------------


def scope_term(org) -> tuple[str, str] | None:
    """The single index term that is an org's subtree (None: the whole city)."""
    level = str(org.level)
    if level == "city":
        return None
    if level == "district":
        return ("district_id", str(org.id))
    if level == "street":
        return ("street_id", str(org.id))
    return ("org_id", str(org.id))


NOTHING = ("org_id", "__nobody__")


# --- requests and results --------------------------------------------------------------------


@dataclass
class SearchParams:
    q: str = ""
    types: list[str] = field(default_factory=list)
    units: list[tuple[str, str]] = field(default_factory=list)  # scope terms of chosen units
    category: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    amount_min: decimal.Decimal | None = None
    amount_max: decimal.Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    person: str = ""
    sort: str = "relevance"  # or "date"
    page: int = 1
    size: int = 20
    facets: bool = True


@dataclass
class Hit:
    type: str
    id: int
    score: float
    docnum: int


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    page: int
    size: int
    terms: list[str]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _union(view, field_name, values):
    values = tuple(sorted(set(values)))

    def compute():
        mask = np.zeros(view.n, dtype=bool)
        for v in values:
            mask |= view.docset(field_name, v)
        return mask

    return view.cached(("union", field_name, values), compute)


def filter_set(view, scope: tuple[str, str] | None, params: SearchParams):
    """The mask of live docs the jurisdiction and the indexed filters allow (None: all)."""
    masks = []
    if scope is not None:
        masks.append(view.docset(*scope))
    for term in params.units:
        masks.append(view.docset(*term))
    if params.types:
        masks.append(_union(view, "type", params.types))
    if params.category:
        masks.append(_union(view, "category", params.category))
    if params.source:
        masks.append(_union(view, "source", params.source))
    if params.stage:
        masks.append(_union(view, "stage", params.stage))
    if not masks:
        return None
    result = masks[0]
    for m in masks[1:]:
        result = result & m
    return result


def _cents(value: decimal.Decimal, up: bool) -> int:
    cents = value * 100
    return int(cents.to_integral_value(decimal.ROUND_CEILING if up else decimal.ROUND_FLOOR))


def _value_filters(view, params: SearchParams):
    """Range filters on the columns (years, amounts, dates) as a mask, or None."""
    mask = None

    def both(m):
        return m if mask is None else mask & m

    if params.year_from is not None or params.year_to is not None:
        years = view.year
        m = years > 0
        if params.year_from is not None:
            m &= years >= params.year_from
        if params.year_to is not None:
            m &= years <= params.year_to
        mask = both(m)
    if params.amount_min is not None or params.amount_max is not None:
        cents = view.cents
        m = cents != engine.NO_AMOUNT
        if params.amount_min is not None:
            m &= cents >= _cents(params.amount_min, up=True)
        if params.amount_max is not None:
            m &= cents <= _cents(params.amount_max, up=False)
        mask = both(m)
    if params.date_from is not None or params.date_to is not None:
        days = view.day
        m = days > 0
        if params.date_from is not None:
            m &= days >= params.date_from.toordinal()
        if params.date_to is not None:
            m &= days <= params.date_to.toordinal()
        mask = both(m)
    return mask


def _top(view, mask, scores, k: int, by_date: bool) -> np.ndarray:
    """The first ``k`` docs of ``mask`` by (score, date) or (date, score), descending."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return idx
    primary = view.day[idx] if by_date else scores[idx]
    secondary = scores[idx] if by_date else view.day[idx]
    if len(idx) > k:
        # Everything tied with the k-th best on the primary key stays in the final sort.
        kth = np.partition(primary, len(idx) - k)[len(idx) - k]
        keep = primary >= kth
        idx, primary, secondary = idx[keep], primary[keep], secondary[keep]
    order = np.lexsort((idx, -secondary, -primary))
    return idx[order[:k]]


def run_search(view, scope, params: SearchParams, *, exclude=None, node=None) -> SearchResult:
    """Execute a search on one view; ``scope`` from ``scope_term`` (or ``NOTHING``).
    ``exclude``: document numbers never to return."""
    size = max(1, min(MAX_PAGE_SIZE, params.size))
    page = max(1, params.page)
    if node is None:
        node = parse(params.q)
    terms = engine.terms_of(node) if node is not None else []
    if view is None or not view.leaves:
        return SearchResult(0, [], {}, 1, size, terms)
    restrict = filter_set(view, scope, params)
    values = _value_filters(view, params)
    if values is not None:
        restrict = (view.live if restrict is None else restrict) & values
    if params.person.strip():
        docs, _ = engine.match_term(view, "persons", params.person.strip(), restrict)
        restrict = np.zeros(view.n, dtype=bool)
        restrict[docs] = True
    if node is None:
        mask = (view.live if restrict is None else restrict).copy()
        scores = np.zeros(view.n, dtype=np.float64)
    else:
        mask, scores = engine.evaluate(view, node, restrict)
        mask = mask.copy()
    if exclude is not None and len(exclude):
        mask[np.asarray(list(exclude), dtype=np.int64)] = False
    total = int(np.count_nonzero(mask))
    pages = max(1, -(-total // size))
    page = min(page, pages)
    top = _top(view, mask, scores, page * size, params.sort == "date" or node is None)
    top = top[(page - 1) * size :].tolist()
    hits = [
        Hit(view.value("type", d), int(view.rid[d]), round(float(scores[d]), 4), d) for d in top
    ]
    facets = {}
    if params.facets and total:
        counts = engine.facet_counts(view, mask, FACET_FIELDS)
        facets = {f: c.most_common(50 if f != "names" else 10) for f, c in counts.items()}
    return SearchResult(total, hits, facets, page, size, terms)


def related_node(view, text: str, max_terms: int = 12):
    """A more-like-this query: the record's most distinctive bigrams, any of them."""
    from collections import Counter

    from whirlwind.search.analysis import index_tokens, normalize

    counts = Counter(
        tok for _, tok, _, _ in index_tokens(normalize(text)) if len(tok) == 2 or tok.isascii()
    )
    scored = []
    for tok, tf in counts.items():
        df = view.doc_frequency("body", tok)
        if df < 2:
            continue
        import math

        scored.append((tf * math.log(1 + view.size / df), tok))
    scored.sort(reverse=True)
    picked = [tok for _, tok in scored[:max_terms]]
    if not picked:
        return None
    return ("or", [("term", t) for t in picked])
