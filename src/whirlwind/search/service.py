"""Searching for a user: jurisdiction, filter parsing, hydration of hits from the database
(titles and snippets come from the records, not from the index), facet labels."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select

from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import Org, OrgClosure
from whirlwind.search import documents, engine, query
from whirlwind.search.analysis import highlight
from whirlwind.search.indexer import index_base

MULTI = ("type", "category", "source", "stage")
DEFAULT_URLS = {"clue": "cases.clue", "case": "cases.case", "finding": "audits.finding"}


def pool(request) -> engine.ReaderPool:
    return engine.pool_for(index_base(request.registry.settings))


def scope_for(identity) -> tuple[str, str] | None:
    if identity is None:
        return query.NOTHING
    return query.scope_term(identity.org)


def _int(params, key, label):
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed(f"{label}须为整数。", fields={key: "须为整数"}) from None


def _money(params, key, label):
    raw = (params.get(key) or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise ValidationFailed(f"{label}须为数字。", fields={key: "须为数字"}) from None
    if not value.is_finite() or value < 0:
        raise ValidationFailed(f"{label}不能为负数。", fields={key: "不能为负数"})
    return value


def _date(params, key, label):
    raw = (params.get(key) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            f"{label}不是有效日期（YYYY-MM-DD）。", fields={key: "日期无效"}
        ) from None


def parse_params(request, default_size: int = 20) -> query.SearchParams:
    """Search parameters from the query string; bad values raise ValidationFailed (400)."""
    p = request.params
    session = request.dbsession
    units = []
    for key in ("district", "street", "unit"):
        org_id = _int(p, key, {"district": "区", "street": "街道", "unit": "单位"}[key])
        if org_id is not None:
            org = session.get(Org, org_id)
            term = query.scope_term(org) if org is not None else query.NOTHING
            if term is not None:
                units.append(term)
    params = query.SearchParams(
        q=(p.get("q") or "").strip()[:500],
        types=[v for v in p.getall("type") if v],
        units=units,
        category=[v for v in p.getall("category") if v],
        source=[v for v in p.getall("source") if v],
        stage=[v for v in p.getall("stage") if v],
        year_from=_int(p, "year_from", "起始年份"),
        year_to=_int(p, "year_to", "截止年份"),
        amount_min=_money(p, "amount_min", "最低金额"),
        amount_max=_money(p, "amount_max", "最高金额"),
        date_from=_date(p, "date_from", "起始日期"),
        date_to=_date(p, "date_to", "截止日期"),
        person=(p.get("person") or "").strip()[:50],
        sort="date" if p.get("sort") == "date" else "relevance",
        page=max(1, _int(p, "page", "页码") or 1),
        size=max(1, min(query.MAX_PAGE_SIZE, _int(p, "size", "每页条数") or default_size)),
    )
    if params.year_from and params.year_to and params.year_from > params.year_to:
        raise ValidationFailed("起始年份不能晚于截止年份。", fields={"year_from": "起止颠倒"})
    if (
        params.amount_min is not None
        and params.amount_max is not None
        and params.amount_min > params.amount_max
    ):
        raise ValidationFailed("最低金额不能大于最高金额。", fields={"amount_min": "起止颠倒"})
    return params


@dataclass
class HitView:
    type: str
    id: int
    score: float
    title: Markup
    title_text: str
    snippet: Markup
    snippet_text: str
    url: str | None
    number: str
    date: dt.date | None
    org_id: int | None
    type_label: str


def _mark(pieces) -> Markup:
    return Markup("").join(
        Markup("<mark>{}</mark>").format(t) if hit else escape(t) for t, hit in pieces
    )


def visible_orgs(session, identity, org_ids) -> set[int]:
    if identity is None or not org_ids:
        return set()
    return set(
        session.scalars(
            select(OrgClosure.descendant_id).where(
                OrgClosure.ancestor_id == identity.org_id,
                OrgClosure.descendant_id.in_(set(org_ids)),
            )
        )
    )


def _has_route(request, name: str) -> bool:
    from pyramid.interfaces import IRoutesMapper

    return request.registry.getUtility(IRoutesMapper).get_route(name) is not None


def hydrate(request, hits, terms) -> list[HitView]:
    """Load the hits' records through the builders (one bulk call per type), drop any the
    database says lie outside the caller's jurisdiction, cut highlighted snippets."""
    session = request.dbsession
    by_type: dict[str, list[int]] = {}
    for hit in hits:
        by_type.setdefault(hit.type, []).append(hit.id)
    docs = {t: documents.build(session, t, ids) for t, ids in by_type.items()}
    org_ids = {d.get("org_id") for ds in docs.values() for d in ds.values()}
    allowed = visible_orgs(session, request.identity, org_ids)
    routes = dict(DEFAULT_URLS, **documents.urls())
    out = []
    for hit in hits:
        doc = docs.get(hit.type, {}).get(hit.id)
        if doc is None or doc.get("org_id") not in allowed:
            continue
        route = routes.get(hit.type)
        url = request.route_path(route, id=hit.id) if route and _has_route(request, route) else None
        title = doc.get("title") or ""
        text = doc.get("text") or ""
        snippet = highlight(text, terms, width=160)
        out.append(
            HitView(
                type=hit.type,
                id=hit.id,
                score=hit.score,
                title=_mark(highlight(title, terms, width=200)) if title else Markup(""),
                title_text=title,
                snippet=_mark(snippet),
                snippet_text="".join(t for t, _ in snippet),
                url=url,
                number=doc.get("number") or "",
                date=doc.get("date"),
                org_id=doc.get("org_id"),
                type_label=documents.TYPE_LABELS.get(hit.type, hit.type),
            )
        )
    return out


UNIT_FACETS = ("district_id", "street_id", "org_id")


def scoped_facets(session, identity, facets) -> dict:
    """The facets with every unit value outside ``identity``'s jurisdiction dropped (a unit
    facet may only ever name units the caller may see; the index is also kept in step with
    org tree changes, see ``orgs.services.reindex_units``)."""
    ids = {int(v) for f in UNIT_FACETS for v, _ in facets.get(f, []) if str(v).isdigit()}
    allowed = visible_orgs(session, identity, ids)
    out = dict(facets)
    for f in UNIT_FACETS:
        if f in facets:
            out[f] = [(v, c) for v, c in facets[f] if str(v).isdigit() and int(v) in allowed]
    return out


def facet_labels(session, facets, identity=None) -> dict[str, dict[str, str]]:
    """Chinese labels for facet values (units by name, codes by their reference lists);
    with ``identity``, unit names only of units inside its jurisdiction."""
    from whirlwind.reference.services import labels

    out: dict[str, dict[str, str]] = {"type": dict(documents.TYPE_LABELS)}
    ids = {int(v) for f in UNIT_FACETS for v, _ in facets.get(f, []) if str(v).isdigit()}
    if identity is not None:
        ids = visible_orgs(session, identity, ids)
    names = (
        dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(ids))).all()) if ids else {}
    )
    for f in UNIT_FACETS:
        out[f] = {
            v: names[int(v)] for v, _ in facets.get(f, []) if str(v).isdigit() and int(v) in names
        }
    out["category"] = labels(session, "problem_category")
    out["source"] = labels(session, "clue_source")
    stages: dict[str, str] = {}
    try:
        from whirlwind.cases.models import CASE_STAGE_LABELS, CLUE_STATUS_LABELS

        stages.update({str(k): v for k, v in CLUE_STATUS_LABELS.items()})
        stages.update({str(k): v for k, v in CASE_STAGE_LABELS.items()})
    except ImportError:
        pass
    out["stage"] = stages
    out["amount"] = {code: label for code, label, _lo, _hi in engine.AMOUNT_BUCKETS}
    return out


FACET_TITLES = {
    "type": "类型",
    "district_id": "区",
    "street_id": "街道/乡镇",
    "org_id": "单位",
    "category": "问题类别",
    "source": "线索来源",
    "stage": "办理阶段",
    "year": "年份",
    "amount": "涉及金额",
    "names": "被反映人",
}
# Facets whose value is also a filter parameter of the search page.
FACET_PARAMS = {
    "type": "type",
    "district_id": "district",
    "street_id": "street",
    "org_id": "unit",
    "category": "category",
    "source": "source",
    "stage": "stage",
    "names": "person",
}


def search(request, params: query.SearchParams):
    scope = scope_for(request.identity)
    result = pool(request).run(lambda view: query.run_search(view, scope, params))
    hits = hydrate(request, result.hits, result.terms)
    return result, hits


def related(request, record_type: str, record_id: int, limit: int = 5, exclude=()):
    """More like this: records sharing the most distinctive bigrams of this one, within
    the caller's jurisdiction (the record itself must be visible, else nothing).
    ``exclude``: (type, id) pairs not to list (e.g. a case's own clues)."""
    session = request.dbsession
    doc = documents.build(session, record_type, [record_id]).get(record_id)
    if doc is None or doc.get("org_id") not in visible_orgs(
        session, request.identity, {doc.get("org_id")}
    ):
        return []
    scope = scope_for(request.identity)
    text = "\n".join([doc.get("title") or "", doc.get("text") or "", *(doc.get("persons") or [])])
    params = query.SearchParams(size=limit, facets=False)

    def run(view):
        if view is None:
            return None
        node = query.related_node(view, text)
        if node is None:
            return None
        keys = [f"{record_type}:{record_id}", *(f"{t}:{i}" for t, i in exclude)]
        self_docs = {int(d) for key in keys for d in view.term_docs("key", key)}
        return query.run_search(view, scope, params, exclude=self_docs, node=node)

    result = pool(request).run(run)
    if result is None:
        return []
    return hydrate(request, result.hits, [])
