"""Import of the unit tree: every row validated first, errors with row numbers, nothing
written unless the whole file is right; parents may come after children."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.conftest import csrf_token
from whirlwind.orgs.importer import ImportFailed, import_orgs, read_table
from whirlwind.orgs.models import Org

HEADER = "编码,名称,层级,上级编码,党组织名称,党组织类型\n"


def run(dbsession, text: str, **kw):
    return import_orgs(dbsession, read_table("orgs.csv", (HEADER + text).encode("utf-8")), **kw)


def errors_of(dbsession, text: str, **kw) -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as e:
        run(dbsession, text, **kw)
    return e.value.errors


def count(dbsession):
    return dbsession.scalar(select(func.count()).select_from(Org))


def test_children_before_parents_are_imported_in_tree_order(dbsession, tree):
    result = run(
        dbsession, "N2,新村,村,N1,中共新村支部委员会,党支部\nN1,新街道,街道,T420116,,党委\n"
    )
    assert [o.code for o in result.created] == ["N1", "N2"]
    village = dbsession.scalar(select(Org).where(Org.code == "N2"))
    assert village.parent.code == "N1" and village.district_id == tree["D1"].id
    assert village.party_org_type == "branch" and village.party_org_name == "中共新村支部委员会"


def test_unknown_parent_is_reported_with_row_and_nothing_written(dbsession, tree):
    before = count(dbsession)
    errs = errors_of(dbsession, "N1,新街道,街道,T420116,,\nN2,新村,村,NOPE,,\n")
    assert errs == [(3, "上级编码 NOPE 不存在（文件和系统中都没有）")]
    assert count(dbsession) == before


def test_duplicate_codes_in_file_and_database(dbsession, tree):
    errs = errors_of(
        dbsession,
        "N1,甲街道,街道,T420116,,\nN1,乙街道,街道,T420116,,\nT420116001,重复,街道,T420116,,\n",
    )
    messages = dict(errs)
    assert "与第 2 行重复" in messages[3]
    assert "已存在" in messages[4]


def test_wrong_level_under_parent(dbsession, tree):
    errs = errors_of(dbsession, "N1,新村,村,T420116,,\n")
    assert errs[0][0] == 2 and "村不能设在区之下" in errs[0][1]


def test_cycle_is_reported_for_each_row(dbsession, tree):
    errs = errors_of(dbsession, "A,甲,街道,B,,\nB,乙,街道,A,,\n")
    rows = {r for r, m in errs if "循环" in m}
    assert rows == {2, 3}


def test_unknown_level_and_party_type(dbsession, tree):
    errs = dict(errors_of(dbsession, "N1,新街道,省,T420116,,\nN2,新街道2,街道,T420116,,支部\n"))
    assert "未知的层级" in errs[2] and "未知的党组织类型" in errs[3]


def test_parent_outside_jurisdiction_is_refused(dbsession, tree):
    errs = errors_of(dbsession, "N1,新村,村,T420102001,,\n", within_org_id=tree["D1"].id)
    assert "不在您的管辖范围内" in errs[0][1]


def test_missing_column_is_reported():
    from whirlwind.errors import ValidationFailed
    from whirlwind.orgs.importer import parse_rows

    with pytest.raises(ValidationFailed, match="缺少列：层级"):
        parse_rows([["编码", "名称", "上级编码"], ["a", "b", "c"]])


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_upload_page_imports_xlsx(as_user, tree, dbsession):
    data = _xlsx(
        [
            ["code", "name", "level", "parent code", "party org name", "party org type"],
            ["X2", "新社区", "community", "X1", "", "branch"],
            ["X1", "新街道", "street", "T420102", "", "committee"],
        ]
    )
    app = as_user("admin")
    res = app.post(
        "/admin/orgs/import",
        {"csrf_token": csrf_token(app)},
        upload_files=[("upload", "orgs.xlsx", data)],
        status=302,
    ).follow()
    assert "已导入 2 个单位" in res.text
    assert dbsession.scalar(select(Org).where(Org.code == "X2")).parent.code == "X1"


def test_upload_page_lists_errors_with_row_numbers(as_user, tree, dbsession):
    before = count(dbsession)
    data = (HEADER + "Y1,新街道,街道,T420116,,\nY2,坏村,村,MISSING,,\n").encode("utf-8")
    app = as_user("admin")
    res = app.post(
        "/admin/orgs/import",
        {"csrf_token": csrf_token(app)},
        upload_files=[("upload", "orgs.csv", data)],
        status=400,
    )
    table = res.html.find(id="import-errors").text
    assert "第 3 行" in table and "MISSING" in table and "未导入任何单位" in table
    assert count(dbsession) == before


def test_import_orgs_cli(app_settings, tmp_path):
    from tests.accounts.cli_support import cli_env

    with cli_env(tmp_path, app_settings) as (ini, run_cli):
        good = tmp_path / "orgs.csv"
        good.write_text(
            HEADER + "420100,武汉市,市,,,\n420116,黄陂区,区,420100,,党委\n", encoding="utf-8"
        )
        code, out, err = run_cli("import-orgs", ini, str(good))
        assert code == 0 and "已导入 2 个单位" in out
        bad = tmp_path / "bad.csv"
        bad.write_text(
            HEADER + "420117,新洲区,区,420100,,\n420118,某区,区,NOPE,,\n", encoding="utf-8"
        )
        code, out, err = run_cli("import-orgs", ini, str(bad))
        assert code == 2 and "第 3 行" in err and "NOPE" in err
