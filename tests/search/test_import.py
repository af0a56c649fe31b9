"""Historical import: validation by row and column, all-or-nothing, valid-only, no
duplicates on re-import, units resolved inside the importer's jurisdiction."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from tests.conftest import csrf_token
from whirlwind.cases.models import Case, Clue

HEAD = "编号,标题,简要案情,被反映人,职务,所在单位,问题类别,线索来源,涉及金额,受理日期,立案日期,结案日期,办理阶段,处理结果"


def csv_bytes(*rows) -> bytes:
    return ("\n".join([HEAD, *rows]) + "\n").encode("utf-8")


GOOD = [
    "H2019-001,大潭村会计张伟华截留扶贫资金,截留扶贫资金三万元,张伟华,会计,大潭村,截留挪用,信访举报,30000,2019-03-01,2019-05-01,2019-10-01,,给予党内警告处分",
    "H2019-002,星光村主任李强优亲厚友,低保评定优亲厚友,李强、王芳,村委会主任,星光村,优亲厚友,上级交办,,2019-04-02,,,,",
]


def upload(app, data: bytes, name="history.csv", valid_only=False, status=None):
    fields = [("csrf_token", csrf_token(app))]
    if valid_only:
        fields.append(("valid_only", "1"))
    return app.post("/search/import", fields, upload_files=[("file", name, data)], status=status)


def run_job(app, res):
    job_url = res.location
    page = app.get(job_url)
    assert "导入进度" in page.text and "import-progress" in page.text
    token = csrf_token(app)
    while True:
        out = app.post(job_url + "/run", headers={"X-CSRF-Token": token}).json
        if out["finished"]:
            return out


def count(dbsession, model, prefix="H2019"):
    return dbsession.scalar(select(func.count(model.id)).where(model.number.like(prefix + "%")))


def test_import_creates_clues_and_cases_once(as_user, dbsession, tree):
    app = as_user("street")
    res = upload(app, csv_bytes(*GOOD), status=302)
    out = run_job(app, res)
    assert out == {"done": 2, "total": 2, "created": 2, "skipped": 0, "finished": True}
    clues = list(
        dbsession.scalars(select(Clue).where(Clue.number.like("H2019%")).order_by(Clue.number))
    )
    assert [c.org_id for c in clues] == [tree["V1"].id, tree["V2"].id]
    assert all(c.is_historical for c in clues)
    assert dbsession.scalar(select(func.count(Case.id)).where(Case.is_historical.is_(True))) == 1
    # The same file again: nothing new.
    out = run_job(app, upload(app, csv_bytes(*GOOD), status=302))
    assert out["created"] == 0 and out["skipped"] == 2
    assert count(dbsession, Clue) == 2


def test_errors_are_listed_by_row_and_column_and_nothing_is_written(as_user, dbsession):
    app = as_user("street")
    bad = [
        GOOD[0],
        "H2019-003,,案情,张三,,大潭村,不存在的类别,信访举报,-5,2019-02-30,,,,",
        "H2019-004,标题,案情,张三,,三阳社区,,信访举报,,2019-01-01,,,,",  # another district's unit
    ]
    res = upload(app, csv_bytes(*bad), status=400)
    table = res.html.find(id="import-errors").text
    assert "标题" in table and "必填" in table
    assert "未知的问题类别“不存在的类别”" in table
    assert "涉及金额" in table and "日期无效" in table
    assert "在您的管辖范围内找不到单位“三阳社区”" in table
    assert "未导入任何数据" in res.text
    assert count(dbsession, Clue) == 0
    # With the explicit flag, only the valid row goes in.
    out = run_job(app, upload(app, csv_bytes(*bad), valid_only=True, status=302))
    assert out["created"] == 1
    assert count(dbsession, Clue) == 1


def test_unknown_or_missing_headers(as_user, dbsession):
    app = as_user("street")
    data = "编号,标题,备注\nH1,t,x\n".encode()
    res = upload(app, data, status=400)
    assert "未知的列名“备注”" in res.text
    assert "缺少必填列“所在单位”" in res.text


def test_xlsx_upload(as_user, dbsession):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD.split(","))
    ws.append(GOOD[1].split(","))
    buf = io.BytesIO()
    wb.save(buf)
    app = as_user("street")
    out = run_job(app, upload(app, buf.getvalue(), name="history.xlsx", status=302))
    assert out["created"] == 1


def test_import_needs_permission_and_own_job(as_user, users):
    app = as_user("committee")
    app.get("/search/import", status=403)
    app = as_user("street")
    res = upload(app, csv_bytes(GOOD[1]), status=302)
    other = as_user("street_b")
    other.get(res.location, status=404)


def test_a_name_written_twice_in_a_row_is_one_person(as_user, dbsession, tree):
    from whirlwind.cases.models import ClueReportedPerson

    app = as_user("street")
    row = "H2019-009,大潭村报账员赵敏虚报冒领,虚报冒领补贴,赵敏、赵敏,报账员,大潭村,,信访举报,,2019-03-01,,,,"
    out = run_job(app, upload(app, csv_bytes(row)))
    assert out["finished"] and out.get("error") in (None, "")
    clue = dbsession.scalar(select(Clue).where(Clue.number == "H2019-009"))
    names = dbsession.scalars(
        select(ClueReportedPerson.name).where(ClueReportedPerson.clue_id == clue.id)
    ).all()
    assert names == ["赵敏"]
