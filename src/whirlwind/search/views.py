"""Search pages (检索) and the JSON search API."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.view import view_config

from whirlwind.paginate import Page
from whirlwind.search import service
from whirlwind.security import Permission

ADVANCED_FIELDS = (
    "year_from",
    "year_to",
    "amount_min",
    "amount_max",
    "date_from",
    "date_to",
    "person",
    "district",
    "street",
    "unit",
)


def _filter_choices(request):
    from sqlalchemy import select

    from whirlwind.orgs.models import Org
    from whirlwind.reference.services import choices
    from whirlwind.scoping import scope

    session = request.dbsession
    units = session.execute(
        scope(select(Org.id, Org.name, Org.level), Org.id, request.identity)
        .where(Org.level.in_(("district", "street")))
        .order_by(Org.code)
    ).all()
    stages = list(service.facet_labels(session, {})["stage"].items())
    return {
        "districts": [(i, n) for i, n, lv in units if lv == "district"],
        "streets": [(i, n) for i, n, lv in units if lv == "street"],
        "categories": choices(session, "problem_category"),
        "sources": choices(session, "clue_source"),
        "stages": stages,
        "types": list(service.documents.TYPE_LABELS.items()),
    }


@view_config(
    route_name="search.index",
    renderer="whirlwind:search/templates/index.jinja2",
    permission=Permission.SEARCH,
)
def search_page(request):
    params = service.parse_params(request)
    searched = bool(
        params.q
        or params.person
        or any(
            k in request.params
            for k in (
                "type",
                "district",
                "street",
                "unit",
                "category",
                "source",
                "stage",
                "year_from",
                "year_to",
                "amount_min",
                "amount_max",
            )
        )
    )
    result = hits = None
    facets = labels = {}
    if searched:
        result, hits = service.search(request, params)
        facets = service.scoped_facets(request.dbsession, request.identity, result.facets)
        labels = service.facet_labels(request.dbsession, facets, request.identity)
    return {
        "params": params,
        "searched": searched,
        "result": result,
        "hits": hits or [],
        "page": Page(hits or [], result.total, result.page, result.size) if result else None,
        "facets": facets,
        "labels": labels,
        "facet_titles": service.FACET_TITLES,
        "facet_params": service.FACET_PARAMS,
        "choices": _filter_choices(request),
        # The form always sends the advanced fields; open the panel only when one is filled.
        "advanced": any((request.params.get(k) or "").strip() for k in ADVANCED_FIELDS),
    }


def _hit_json(hit):
    return {
        "type": hit.type,
        "id": hit.id,
        "number": hit.number,
        "title": hit.title_text,
        "title_html": str(hit.title),
        "snippet": hit.snippet_text,
        "snippet_html": str(hit.snippet),
        "score": hit.score,
        "url": hit.url,
        "date": hit.date.isoformat() if hit.date else None,
        "org_id": hit.org_id,
    }


@view_config(
    route_name="search.api",
    renderer="json",
    permission=Permission.SEARCH,
    require_csrf=False,
    request_method="GET",
)
def search_api(request):
    """``GET /api/v1/search?q=&page=&size=&…`` -> {total, page, size, hits, facets}."""
    params = service.parse_params(request)
    result, hits = service.search(request, params)
    return {
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "hits": [_hit_json(h) for h in hits],
        "facets": {
            name: [{"value": v, "count": c} for v, c in values]
            for name, values in service.scoped_facets(
                request.dbsession, request.identity, result.facets
            ).items()
        },
    }


@view_config(
    route_name="search.related",
    permission=Permission.SEARCH,
    require_csrf=False,
    request_method="GET",
)
def related_view(request):
    """Related records (相关案件) of one record: an HTML fragment, or JSON with ?format=json."""
    record_type = request.matchdict["type"]
    try:
        record_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPBadRequest() from None
    hits = service.related(request, record_type, record_id)
    if (
        request.params.get("format") == "json"
        or request.accept.best_match(["text/html", "application/json"]) == "application/json"
    ):
        from pyramid.renderers import render_to_response

        return render_to_response("json", {"hits": [_hit_json(h) for h in hits]}, request=request)
    html = render("whirlwind:search/templates/_related.jinja2", {"related": hits}, request=request)
    return Response(html, content_type="text/html", charset="utf-8")


def related_for(request, record_type: str, record_id: int, limit: int = 5, exclude=()):
    """For other areas' pages: ``{% include "whirlwind:search/templates/_related.jinja2" %}``
    with ``related = related_for(request, "case", case.id)`` in the view's dict.
    ``exclude``: (type, id) pairs the page already links (a case's own clues)."""
    if request.identity is None or not request.identity.can(Permission.SEARCH):
        return []
    try:
        return service.related(request, record_type, record_id, limit, exclude=exclude)
    except Exception:  # the index may be missing or being rebuilt; the page still works
        return []
