"""The gram fields' array postings: the same terms and positions as the analyzer, readable
through Whoosh's own API, kept exact through merges with deletions and through Whoosh's
posting-at-a-time writer, and an index of an older format is rebuilt, not misread."""

from __future__ import annotations

import os

import numpy as np
import pytest
from whoosh import index as windex
from whoosh.writing import SegmentWriter

from tests.search.helpers import all_ids, build_index, corpus_docs, truth
from whirlwind.search import engine, indexer, postings, query
from whirlwind.search.analysis import decode_positions, gram_positions
from whirlwind.search.schema import to_fields

ODD_TEXTS = [
    "",
    "，。、",
    "ＡＢc１２ 扶贫，资金x",
    "A",
    "张伟华\n\u3000\n张伟",
    "𠀀扶贫𠀀资金",  # a character outside the token classes between runs
    "ﬁ① 退耕还林",  # compatibility characters NFKC turns into letters and digits
]


def test_bulk_tokens_are_the_analyzers_tokens():
    docs = corpus_docs(150, seed=3)
    texts = [d["text"] for d in docs] + ODD_TEXTS
    nums = list(range(5, 5 + len(texts)))
    keys, docnums, positions = postings.gram_arrays(texts, nums)
    got: dict[int, dict[str, list[int]]] = {}
    for k, d, p in zip(keys.tolist(), docnums.tolist(), positions.tolist(), strict=True):
        got.setdefault(d, {}).setdefault(postings.term_text(k), []).append(p)
    for num, text in zip(nums, texts, strict=True):
        assert got.get(num, {}) == gram_positions(text), text[:40]


def test_term_keys_sort_as_whooshs_term_table():
    terms = ["0", "09", "a", "az", "一", "一丁", "丁", "扶贫", "扶", "龥", "豈"]
    by_key = sorted(terms, key=postings.term_key)
    assert by_key == sorted(terms, key=lambda t: t.encode("utf-8"))
    assert all(postings.term_text(postings.term_key(t)) == t for t in terms)


def _whoosh_postings(ix, field, text):
    """{doc number: positions} through Whoosh's own matcher API (deleted docs left out)."""
    with ix.searcher() as s:
        if (field, text) not in s.reader():
            return {}
        m = s.postings(field, text)
        out = {}
        while m.is_active():
            out[m.id()] = list(decode_positions(m.value()))
            m.next()
        return out


@pytest.fixture
def docs():
    return corpus_docs(300, seed=11)


def _expected(docs_by_num, field_of, text):
    out = {}
    for num, d in docs_by_num.items():
        ps = gram_positions(field_of(d)).get(text)
        if ps:
            out[num] = ps
    return out


def test_whooshs_api_reads_the_array_blocks(tmp_path, docs):
    build_index(tmp_path, docs)
    ix = windex.open_dir(indexer.current_dir(str(tmp_path)))
    try:
        by_num = dict(enumerate(docs))
        for text in ["资金", "扶贫", "张", "会计", "12"]:
            expected = _expected(by_num, lambda d: to_fields(d)["body"], text)
            assert _whoosh_postings(ix, "body", text) == expected
            with ix.searcher() as s:
                assert s.doc_frequency("body", text) == len(expected)
    finally:
        ix.close()


def test_a_long_posting_list_spans_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(postings, "BLOCK", 16)
    docs = corpus_docs(120, seed=5)
    pool = build_index(tmp_path, docs)
    try:
        for q in ["资金", "扶贫资金", "张伟"]:
            assert all_ids(pool, query.SearchParams(q=q)) == truth(query.parse(q), docs)
    finally:
        pool.close()


def test_merging_segments_with_deletions_keeps_every_posting(tmp_path, docs):
    base = str(tmp_path)
    path = indexer.ensure_index(base)
    ix = windex.open_dir(path)
    for start in range(0, len(docs), 60):  # five segments
        w = indexer.open_writer(ix)
        for d in docs[start : start + 60]:
            w.add_document(**to_fields(d))
        w.commit(merge=False)
    # Delete some documents in every segment, then merge them all into one.
    gone = {d["id"] for d in docs[::7]}
    w = indexer.open_writer(ix)
    for record_id in gone:
        w.delete_by_term("key", f"{docs[0]['type']}:{record_id}")
        w.delete_by_term("key", f"case:{record_id}")
        w.delete_by_term("key", f"clue:{record_id}")
    w.commit(optimize=True)
    assert len(ix._segments()) == 1
    ix.close()
    kept = [d for d in docs if d["id"] not in gone]
    pool = engine.ReaderPool(base)
    try:
        for q in ["资金", "扶贫资金", "张伟", "村委会 -截留"]:
            assert all_ids(pool, query.SearchParams(q=q)) == truth(query.parse(q), kept)
        assert pool.run(lambda v: v.records()) == {(d["type"], d["id"]) for d in kept}
    finally:
        pool.close()


def test_whooshs_own_writer_writes_the_same_postings(tmp_path, docs):
    """A plain Whoosh SegmentWriter (a posting at a time through the codec) and the bulk
    writer give the same answers."""
    bulk = build_index(tmp_path / "bulk", docs)
    path = indexer.ensure_index(str(tmp_path / "plain"))
    ix = windex.open_dir(path)
    w = SegmentWriter(ix, codec=postings.GramCodec(), compound=False)
    for d in docs:
        w.add_document(**to_fields(d))
    w.commit()
    ix.close()
    plain = engine.ReaderPool(str(tmp_path / "plain"))
    try:
        for q in ["资金", "扶贫资金", "张", "张伟 OR 李强", '"退耕还林补助"']:
            params = query.SearchParams(q=q)
            assert all_ids(plain, params) == all_ids(bulk, params) == truth(query.parse(q), docs)
    finally:
        plain.close()
        bulk.close()


def test_an_index_of_an_older_format_is_not_searched(tmp_path, docs):
    pool = build_index(tmp_path, docs[:20])
    try:
        assert pool.run(lambda v: v is not None)
        path = indexer.current_dir(str(tmp_path))
        os.remove(os.path.join(path, indexer.FORMAT_FILE))
        assert indexer.outdated(str(tmp_path))
        assert indexer.current_dir(str(tmp_path)) is None
        r = pool.run(lambda v: query.run_search(v, None, query.SearchParams(q="资金")))
        assert r.total == 0
    finally:
        pool.close()


def test_position_keys_never_join_two_documents():
    # Document 1 ends with 扶贫, document 2 starts with 资金: no phrase across them.
    keys, docs, _poss = postings.gram_arrays(["村里扶贫", "资金到位"], [1, 2])
    assert np.all(np.diff(docs.astype(np.int64)) >= 0)
    assert postings.term_key("贫") in keys.tolist()  # run-final single character
    assert postings.term_key("贫资") not in keys.tolist()
