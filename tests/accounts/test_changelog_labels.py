"""The change log reads in Chinese: every logged column of every tracked record type has a
label, workflow codes and reference codes show their labels on the history panel."""

import re

import whirlwind.models  # noqa: F401 (registers every area's models)
from whirlwind import changelog_labels as labels
from whirlwind.cases import services
from whirlwind.changelog import SKIPPED_FIELDS
from whirlwind.db import Base

from ..cases.helpers import days_ago, make_clue

# Columns holding a workflow code: they must have a value map (or a reference list).
CODED = ("status", "stage", "state", "mode", "result", "outcome", "level", "kind", "source_type")
# The name of a reference list, shown as it is.
FREE_TEXT = {("ref_value", "kind")}


def _tracked_models():
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__tracked__", False):
            yield cls, mapper


def _logged_columns(cls, mapper):
    exclude = SKIPPED_FIELDS | getattr(cls, "__tracked_exclude__", frozenset())
    return [a.key for a in mapper.column_attrs if a.key not in exclude]


def test_every_logged_column_of_every_tracked_model_has_a_chinese_label():
    missing = []
    models = list(_tracked_models())
    assert len(models) > 25
    for cls, mapper in models:
        record_type = cls.record_type
        if labels.record_label(record_type) == record_type:
            missing.append(f"{cls.__name__}: record type {record_type!r}")
        for key in _logged_columns(cls, mapper):
            label = labels.field_label(record_type, key)
            if label == key or not re.search(r"[\u4e00-\u9fff]", label):
                missing.append(f"{cls.__name__}.{key} ({record_type})")
    assert not missing, "Unlabelled change-log fields: " + ", ".join(missing)


def test_coded_columns_have_value_labels():
    missing = []
    for cls, mapper in _tracked_models():
        record_type = cls.record_type
        for key in _logged_columns(cls, mapper):
            if key not in CODED or (record_type, key) in FREE_TEXT:
                continue
            if key not in labels.VALUES.get(record_type, {}) and key not in labels.REFS.get(
                record_type, {}
            ):
                missing.append(f"{cls.__name__}.{key}")
    assert not missing, "Coded fields without value labels: " + ", ".join(missing)


def test_clue_page_history_shows_chinese_labels_and_no_raw_codes(
    dbsession, tree, users, as_user, testapp
):
    actor = users["street"]
    clue = make_clue(dbsession, actor, tree["V1"])
    services.propose_disposal(
        dbsession, actor, clue, mode="verification", opinion="拟初步核实", proposed_on=days_ago(90)
    )
    dbsession.flush()
    as_user("street")
    page = testapp.get(f"/cases/clues/{clue.id}")
    history = page.html.find(id="history").get_text(" ", strip=True)
    # Field labels, workflow status labels and a reference-list label (clue source).
    for text in ("线索编号", "状态", "已登记", "已填写拟办意见", "线索来源", "信访举报"):
        assert text in history, text
    assert "处置方式" in history and "初步核实" in history
    assert "登记人（用户编号）" in history
    for raw in ("status", "registered", "proposed", "petition", "created_by_id", "verification"):
        assert not re.search(rf"\b{raw}\b", history), raw


def test_reference_codes_fall_back_to_the_code_without_a_request():
    assert labels.value_label("clue", "source", "petition") == "petition"
    assert labels.value_label("clue", "status", "closed") == "已办结"
    assert labels.value_label("target", "status", "unknown_code") == "unknown_code"
