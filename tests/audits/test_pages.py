"""Every audits page renders for the users who may use it, with its Chinese heading, and
the navigation shows the area."""

from __future__ import annotations

from tests.audits.helpers import make_audit, make_finding


def test_every_page_renders(as_user, users, tree, dbsession):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    app = as_user("street")
    pages = {
        "/audits": "四资一项目检查",
        "/audits/findings": "四资一项目发现问题",
        "/audits/sums": "涉及与挽回金额汇总",
        f"/audits/{audit.id}": f"检查 {audit.number}",
        f"/audits/findings/{finding.id}": f"发现问题 {finding.number}",
        f"/audits/villages/{tree['V1'].id}": "大潭村",
        "/audits/reports": "村(居)务监督委员会问题反映",
        "/audits/new": "登记四资一项目检查",
        f"/audits/{audit.id}/edit": f"修改检查 {audit.number}",
        f"/audits/{audit.id}/findings/new": "登记发现问题",
        f"/audits/findings/{finding.id}/edit": f"修改发现问题 {finding.number}",
        f"/audits/findings/{finding.id}/items": "生成整改事项",
        f"/audits/findings/{finding.id}/clue": "移送问题线索",
    }
    for url, heading in pages.items():
        res = app.get(url)
        assert res.status_int == 200 and heading in res.text, url
        assert 'href="/audits"' in res.text  # the 四资一项目 navigation entry
        assert "style=" not in res.text.split("<main", 1)[1].replace("stylesheet", ""), url
    for url in (
        "/audits/export.xlsx",
        "/audits/findings/export.xlsx",
        "/audits/sums/export.xlsx",
        "/audits/reports/export.xlsx",
    ):
        assert app.get(url).content_type.endswith("spreadsheetml.sheet")
    # A village page is for villages and communities only.
    app.get(f"/audits/villages/{tree['S1'].id}", status=404)


def test_leader_reads_but_cannot_edit(as_user, users, tree, dbsession):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    app = as_user("district_leader")
    page = app.get(f"/audits/findings/{finding.id}")
    assert "recovery-form" not in page.forms and "person-form" not in page.forms
    assert f"/audits/findings/{finding.id}/items" not in page.text
    app.get(f"/audits/findings/{finding.id}/edit", status=403)
    app.get("/audits/new", status=403)


def test_audit_attachment_upload_and_download(as_user, users, tree, dbsession):
    from tests.conftest import csrf_token

    audit = make_audit(dbsession, users["street"], tree["V1"])
    app = as_user("street")
    res = app.post(
        f"/audits/{audit.id}/attachments",
        {"csrf_token": csrf_token(app)},
        upload_files=[("file", "检查报告.pdf", b"%PDF-1.4 test")],
        status=302,
    ).follow()
    assert "检查报告.pdf" in res.text
    link = res.html.find("a", string="检查报告.pdf")["href"]
    assert app.get(link).body.startswith(b"%PDF")
    res = app.post(
        f"/audits/{audit.id}/attachments",
        {"csrf_token": csrf_token(app)},
        upload_files=[("file", "x.exe", b"MZ")],
        status=400,
    )
    assert "不支持的文件类型" in res.text
    as_user("street_b").get(link, status=404)
