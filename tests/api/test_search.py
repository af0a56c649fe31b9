"""``GET /api/v1/search`` (the search area's view) answers as the document describes."""

from __future__ import annotations


def test_search_answers_as_documented(api, tokens):
    res = api.get("/api/v1/search", {"q": "大潭村", "sort": "date", "size": 5})
    assert set(res.json) == {"total", "page", "size", "hits", "facets"}
    res = api.get("/api/v1/search", {"year_from": 2025, "year_to": 2020}, status=400)
    assert res.json["error"] == "validation_failed" and "year_from" in res.json["fields"]
    api.as_token(None).get("/api/v1/search", {"q": "x"}, status=401)
    # Committee members hold no search:use.
    api.as_token(tokens["committee"]).get("/api/v1/search", {"q": "x"}, status=403)
