"""Exactness of the analyzer and the query engine on a generated corpus, against plain
substring search: names inside names, phrases whose parts occur apart, two-character
terms, single characters, Latin and digits, operators, filters, facets."""

from __future__ import annotations

import decimal

import pytest
from benchmarks.corpus import QUERIES

from tests.search.helpers import all_ids, build_index, corpus_docs, truth
from whirlwind.search import query
from whirlwind.search.analysis import highlight, query_slots


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    docs = corpus_docs()
    # Hand-made records for the cases the issue names.
    extra = [
        ("张伟华涉嫌截留扶贫资金", ["张伟华"]),
        ("李张伟违规发放低保", ["李张伟"]),
        ("扶贫工作中挪用专项资金", ["王强"]),
        ("张伟在工程结算中虚报", ["张伟"]),
    ]
    base = dict(docs[0])
    for i, (text, persons) in enumerate(extra, start=10_001):
        docs.append(
            dict(
                base, id=i, number=f"T{i}", title=text, text=text + "。", persons=persons, units=[]
            )
        )
    pool = build_index(tmp_path_factory.mktemp("ix"), docs)
    yield docs, pool
    pool.close()


def ids(pool, q, scope=None, **kw):
    return all_ids(pool, query.SearchParams(q=q, **kw), scope)


def test_every_benchmark_query_has_recall_and_precision_one(corpus):
    docs, pool = corpus
    checked = 0
    for q in [
        *QUERIES,
        "张伟",
        "张",
        "资",
        "伟华",
        "12",
        "a",
        "(截留 OR 挪用) 资金 -扶贫",
        "NOT 资金",
    ]:
        expected = truth(query.parse(q), docs)
        got = ids(pool, q)
        assert got == expected, (q, len(got), len(expected))
        checked += bool(expected)
    assert checked >= 25  # the set is not trivially empty


def test_name_inside_longer_names(corpus):
    _, pool = corpus
    got = ids(pool, "张伟")
    assert {10_001, 10_002, 10_004} <= got


def test_phrase_does_not_match_its_parts_apart(corpus):
    _, pool = corpus
    got = ids(pool, "扶贫资金")
    assert 10_001 in got and 10_003 not in got
    assert 10_003 in ids(pool, "扶贫 资金")  # both words, anywhere


def test_quoted_phrase_is_exact(corpus):
    _, pool = corpus
    assert 10_001 in ids(pool, '"截留扶贫资金"')
    assert 10_003 not in ids(pool, '"挪用扶贫资金"')


def test_slots():
    assert query_slots("扶贫资金") == [
        (0, "term", "扶贫"),
        (1, "term", "贫资"),
        (2, "term", "资金"),
    ]
    assert query_slots("张") == [(0, "prefix", "张")]
    assert query_slots("ＰＰＰ") == [(0, "term", "pp"), (1, "term", "pp")]
    assert query_slots("，。") == []


def test_filters_and_facets_match_the_documents(corpus):
    docs, pool = corpus
    q = "资金"
    base = truth(query.parse(q), docs)
    by_id = {d["id"]: d for d in docs}
    params = query.SearchParams(
        category=["integrity"],
        year_from=2017,
        year_to=2021,
        amount_min=decimal.Decimal("1000"),
        source=["petition", "audit", "other"],
    )
    base_all = set(by_id)
    expected = {
        i
        for i in base_all
        if "integrity" in by_id[i]["category"]
        and 2017 <= by_id[i]["year"] <= 2021
        and by_id[i]["amount"] is not None
        and by_id[i]["amount"] >= 1000
        and by_id[i]["source"] in ("petition", "audit", "other")
    }
    assert expected
    assert all_ids(pool, params) == expected
    params.q = q
    assert all_ids(pool, params) == expected & base
    r = pool.run(lambda v: query.run_search(v, None, query.SearchParams(q=q)))
    facets = dict(r.facets["district_id"])
    assert sum(facets.values()) == len(base)
    assert facets["11"] == sum(1 for i in base if by_id[i]["district_id"] == 11)
    stage = dict(r.facets["stage"])
    assert stage == {
        s: c for s, c in stage.items() if c == sum(1 for i in base if by_id[i]["stage"] == s)
    }


def test_person_filter_matches_inside_names(corpus):
    _, pool = corpus
    got = ids(pool, "", person="张伟")
    assert {10_001, 10_002, 10_004} <= got
    assert 10_003 not in got


def test_jurisdiction_limits_hits_and_facets(corpus):
    docs, pool = corpus
    in_street = {d["id"] for d in docs if d["street_id"] == 21}
    got = ids(pool, "", scope=("street_id", "21"))
    assert got == in_street
    r = pool.run(lambda v: query.run_search(v, ("street_id", "21"), query.SearchParams(q="资金")))
    assert r.total == len(truth(query.parse("资金"), docs) & in_street)
    assert set(dict(r.facets["street_id"])) == {"21"}
    assert set(dict(r.facets["district_id"])) == {"11"}
    # Nobody sees nothing.
    assert ids(pool, "资金", scope=query.NOTHING) == set()


def test_sort_by_date_and_pagination_cover_every_hit_once(corpus):
    _docs, pool = corpus
    params = query.SearchParams(q="资金", sort="date", size=7)
    seen = []
    for page in range(1, 100):
        params.page = page
        r = pool.run(lambda v: query.run_search(v, None, params))
        seen += [h.docnum for h in r.hits]
        if page >= r.pages:
            break
    assert len(seen) == len(set(seen)) == r.total
    days = pool.run(lambda v: [int(v.day[d]) for d in seen])
    assert days == sorted(days, reverse=True)


def test_query_parser():
    assert query.parse("") is None
    assert query.parse("a b") == ("and", [("term", "a"), ("term", "b")])
    assert query.parse("a OR b -c") == (
        "or",
        [("term", "a"), ("and", [("term", "b"), ("not", ("term", "c"))])],
    )
    assert query.parse('"a b" (c | d') == (
        "and",
        [("term", "a b"), ("or", [("term", "c"), ("term", "d")])],
    )
    assert query.parse("NOT x") == ("and", [("not", ("term", "x"))])


def test_highlight_marks_exact_matches():
    pieces = highlight("村会计张伟华挪用扶贫资金三万元", ["张伟", "扶贫资金"])
    marked = [t for t, hit in pieces if hit]
    assert marked == ["张伟", "扶贫资金"]
