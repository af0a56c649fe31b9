"""Dashboards and periodic reports (统计报表): the dashboard, 月研判, 季调度, 年考核 with
Excel workbooks and printable views, and 星级争创."""


def includeme(config):
    config.add_route("reports.dashboard", "/reports")
    for name in ("monthly", "quarterly", "annual"):
        config.add_route(f"reports.{name}_export", f"/reports/{name}.xlsx")
        config.add_route(f"reports.{name}", f"/reports/{name}")
    config.add_route("reports.stars", "/reports/stars")
