"""Top navigation by area. An entry shows when its route exists and the user may use it."""

from whirlwind.security import Permission

# (label, route name, permission)
NAV = [
    ("整顿对象", "targets.index", Permission.TARGETS_VIEW),
    ("整改台账", "ledger.index", Permission.LEDGER_VIEW),
    ("四资一项目", "audits.index", Permission.AUDITS_VIEW),
    ("三务公开", "disclosure.index", Permission.DISCLOSURE_VIEW),
    ("问题线索/案件", "cases.index", Permission.CASES_VIEW),
    ("检索", "search.index", Permission.SEARCH),
    ("统计报表", "reports.dashboard", Permission.DASHBOARD),
]

ADMIN_NAV = [
    ("组织机构", "orgs.index", Permission.ORGS_MANAGE),
    ("用户管理", "accounts.users", Permission.USERS_MANAGE),
    ("参考数据", "reference.index", Permission.REFERENCE_MANAGE),
    ("发文机关代字", "supervision.numbering", Permission.REFERENCE_MANAGE),
    ("变更记录校验", "changelog.verify", Permission.LOG_VIEW),
]


def visible_entries(request, entries):
    from pyramid.interfaces import IRoutesMapper

    mapper = request.registry.getUtility(IRoutesMapper)
    identity = request.identity
    result = []
    for label, route, permission in entries:
        if mapper.get_route(route) is None:
            continue
        if identity is None or not identity.can(permission):
            continue
        result.append(
            (
                label,
                request.route_path(route),
                request.matched_route
                and request.matched_route.name.split(".")[0] == route.split(".")[0],
            )
        )
    return result
