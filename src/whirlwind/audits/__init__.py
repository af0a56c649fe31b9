"""“Four assets, one project” audits (四资一项目检查), findings and committee problem reports."""


def includeme(config):
    add = config.add_route
    add("audits.index", "/audits")
    add("audits.export", "/audits/export.xlsx")
    add("audits.new", "/audits/new")
    add("audits.findings", "/audits/findings")
    add("audits.findings_export", "/audits/findings/export.xlsx")
    add("audits.finding", "/audits/findings/{id:\\d+}")
    add("audits.finding_edit", "/audits/findings/{id:\\d+}/edit")
    add("audits.finding_recovery", "/audits/findings/{id:\\d+}/recoveries")
    add("audits.finding_person", "/audits/findings/{id:\\d+}/persons")
    add("audits.finding_person_remove", "/audits/findings/{id:\\d+}/persons/{link:\\d+}/remove")
    add("audits.finding_items", "/audits/findings/{id:\\d+}/items")
    add("audits.finding_clue", "/audits/findings/{id:\\d+}/clue")
    add("audits.sums", "/audits/sums")
    add("audits.sums_export", "/audits/sums/export.xlsx")
    add("audits.village", "/audits/villages/{org_id:\\d+}")
    add("audits.reports", "/audits/reports")
    add("audits.reports_export", "/audits/reports/export.xlsx")
    add("audits.report_new", "/audits/reports/new")
    add("audits.report", "/audits/reports/{id:\\d+}")
    add(
        "audits.report_action", "/audits/reports/{id:\\d+}/{action:receive|verify|dismiss|feedback}"
    )
    add("audits.report_finding", "/audits/reports/{id:\\d+}/to-finding")
    add("audits.report_item", "/audits/reports/{id:\\d+}/to-item")
    add("audits.report_clue", "/audits/reports/{id:\\d+}/to-clue")
    add("audits.view", "/audits/{id:\\d+}")
    add("audits.edit", "/audits/{id:\\d+}/edit")
    add("audits.attach", "/audits/{id:\\d+}/attachments")
    add("audits.finding_new", "/audits/{id:\\d+}/findings/new")
