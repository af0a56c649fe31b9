"""What a report page shows: a figure is a chart with the table behind it, and every bar,
point and row may carry a link to the filtered list it counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from pyramid.interfaces import IRoutesMapper

from whirlwind.security import Permission


@dataclass
class Row:
    cells: list
    link: str | None = None
    # Links of individual cells (index -> url), e.g. the "overdue" column of a unit.
    cell_links: dict[int, str] = field(default_factory=dict)


@dataclass
class Figure:
    key: str
    title: str
    chart: Markup | None
    headers: list[str]
    rows: list[Row]
    totals: list | None = None
    note: str = ""


# Which permission a list needs: links to it are only drawn for users who may open it.
ROUTE_PERMISSIONS = {
    "ledger": Permission.LEDGER_VIEW,
    "cases": Permission.CASES_VIEW,
    "audits": Permission.AUDITS_VIEW,
    "disclosure": Permission.DISCLOSURE_VIEW,
    "targets": Permission.TARGETS_VIEW,
}


class Links:
    """Builds links to the areas' list pages with their own filter parameters."""

    # The ledger, audits and targets lists name their unit filters by level.
    LEDGER_UNIT = {"district": "district", "street": "street", "unit": "unit"}
    AUDIT_UNIT = {"district": "district", "street": "street", "unit": "village"}

    def __init__(self, request):
        self.request = request
        self.mapper = request.registry.getUtility(IRoutesMapper)

    def can(self, area: str) -> bool:
        identity = self.request.identity
        return bool(identity and identity.can(ROUTE_PERMISSIONS[area]))

    def route(self, name: str, _query: dict | None = None, **kw) -> str | None:
        area = name.split(".")[0]
        if self.mapper.get_route(name) is None or not self.can(area):
            return None
        query = {k: v for k, v in (_query or {}).items() if v not in (None, "")}
        return self.request.route_path(name, _query=query, **kw)

    def ledger(self, unit_key: str | None = None, unit_id: int | None = None, **q) -> str | None:
        if unit_id is not None and unit_key:
            q[self.LEDGER_UNIT[unit_key]] = unit_id
        return self.route("ledger.index", q)

    def findings(self, unit_key: str | None = None, unit_id: int | None = None, **q):
        if unit_id is not None and unit_key:
            q[self.AUDIT_UNIT[unit_key]] = unit_id
        return self.route("audits.findings", q)

    def clues(self, **q):
        return self.route("cases.index", q)

    def cases(self, **q):
        return self.route("cases.cases", q)

    def targets(self, **q):
        return self.route("targets.index", q)
