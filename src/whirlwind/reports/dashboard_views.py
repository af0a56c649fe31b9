"""The dashboard page: charts first, the table behind each chart in a collapsible 数据表."""

from __future__ import annotations

import datetime as dt
import decimal

from pyramid.view import view_config

from whirlwind import clock
from whirlwind.reference.services import request_labels
from whirlwind.reports import cache
from whirlwind.reports import dashboard as d
from whirlwind.reports.cache import cache_seconds, section_key
from whirlwind.reports.charts import Series, bar_chart, line_chart
from whirlwind.reports.figures import Figure, Links, Row
from whirlwind.reports.periods import recent_months
from whirlwind.reports.sql import CHILD_HEADINGS
from whirlwind.security import Permission
from whirlwind.targets.models import TARGET_STATUS_LABELS

WAN = decimal.Decimal(10000)


def wan(value) -> float:
    return float((decimal.Decimal(value) / WAN).quantize(decimal.Decimal("0.01")))


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def ledger_figures(request, links: Links, day: dt.date) -> list[Figure]:
    session, identity = request.dbsession, request.identity
    key, units = d.items_by_unit(session, identity, day)
    heading = CHILD_HEADINGS[key]

    def unit_link(u, **q):
        return links.ledger(key, u["unit_id"], **q) if u["unit_id"] is not None else None

    labels = [u["name"] for u in units]
    series = [
        Series(
            "未逾期",
            [u["open"] for u in units],
            [unit_link(u, state="open", overdue="0") for u in units],
            "#2f6db3",
        ),
        Series(
            "已逾期",
            [u["overdue"] for u in units],
            [unit_link(u, overdue="1") for u in units],
            "#b3261e",
        ),
        Series(
            "已销号",
            [u["cleared"] for u in units],
            [unit_link(u, state="cleared") for u in units],
            "#3a9d5d",
        ),
    ]
    rows = [
        Row(
            [
                u["name"],
                u["open"],
                u["overdue"],
                u["cleared"],
                u["open"] + u["overdue"] + u["cleared"],
            ],
            unit_link(u),
            {
                1: unit_link(u, state="open", overdue="0"),
                2: unit_link(u, overdue="1"),
                3: unit_link(u, state="cleared"),
            },
        )
        for u in units
    ]
    totals = ["合计", *(sum(r.cells[i] for r in rows) for i in range(1, 5))]
    by_unit = Figure(
        "items-unit",
        f"整改事项：按{heading}（在办 / 逾期 / 销号）",
        bar_chart(labels, series, stacked=True, title="整改事项按单位", unit="件"),
        [heading, "在办未逾期", "已逾期", "已销号", "合计"],
        rows,
        totals,
    )
    stages = d.items_by_stage(session, identity, day)
    s_labels = [s["label"] for s in stages]
    stage_series = [
        Series(
            "未逾期/已销号",
            [s["ok"] for s in stages],
            [
                links.ledger(**s["query"], overdue="0")
                if s["code"] != "cleared"
                else links.ledger(**s["query"])
                for s in stages
            ],
            "#2f6db3",
        ),
        Series(
            "已逾期",
            [s["overdue"] for s in stages],
            [links.ledger(**s["query"], overdue="1") for s in stages],
            "#b3261e",
        ),
    ]
    stage_rows = [
        Row(
            [s["label"], s["ok"], s["overdue"], s["ok"] + s["overdue"]],
            links.ledger(**s["query"]),
            {
                1: links.ledger(**s["query"], overdue="0"),
                2: links.ledger(**s["query"], overdue="1"),
            },
        )
        for s in stages
    ]
    by_stage = Figure(
        "items-stage",
        "整改事项：按办理环节与审核层级",
        bar_chart(s_labels, stage_series, stacked=True, title="整改事项按审核层级", unit="件"),
        ["环节", "未逾期（销号）", "已逾期", "合计"],
        stage_rows,
        ["合计", *(sum(r.cells[i] for r in stage_rows) for i in range(1, 4))],
        note="“已销号”一行计入第一栏。",
    )
    return [by_unit, by_stage]


def case_figures(request, links: Links, day: dt.date) -> list[Figure]:
    session, identity = request.dbsession, request.identity
    months = recent_months(day, 12)
    per_month = d.clues_cases_per_month(session, identity, months)
    labels = [f"{p['period'].number}月" for p in per_month]

    def rng(p):
        return {"date_from": p.start.isoformat(), "date_to": p.last_day.isoformat()}

    trend = Figure(
        "clues-cases",
        "近12个月新增问题线索与立案数",
        line_chart(
            labels,
            [
                Series(
                    "新增线索",
                    [p["clues"] for p in per_month],
                    [links.clues(**rng(p["period"])) for p in per_month],
                ),
                Series(
                    "立案",
                    [p["cases"] for p in per_month],
                    [links.cases(**rng(p["period"])) for p in per_month],
                ),
            ],
            title="线索与案件趋势",
        ),
        ["月份", "新增线索", "立案"],
        [
            Row(
                [p["period"].label, p["clues"], p["cases"]],
                None,
                {1: links.clues(**rng(p["period"])), 2: links.cases(**rng(p["period"]))},
            )
            for p in per_month
        ],
        ["合计", sum(p["clues"] for p in per_month), sum(p["cases"] for p in per_month)],
    )
    year_first, year_end = dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    year_q = {
        "date_from": year_first.isoformat(),
        "date_to": (year_end - dt.timedelta(1)).isoformat(),
    }
    cat_labels = request_labels(request, "problem_category")
    cats = d.cases_by_category(session, identity, year_first, year_end)[:12]
    by_cat = Figure(
        "cases-category",
        f"{day.year}年立案：按问题类别",
        bar_chart(
            [cat_labels.get(c, c) for c, _ in cats],
            [
                Series(
                    "立案数",
                    [n for _, n in cats],
                    [links.cases(category=c, **year_q) for c, _ in cats],
                )
            ],
            title="案件按问题类别",
            unit="件",
        ),
        ["问题类别", "案件数"],
        [Row([cat_labels.get(c, c), n], links.cases(category=c, **year_q)) for c, n in cats],
        note="一件案件涉及多个问题类别时分别计入。",
    )
    sanctions = d.subjects_by_sanction(session, identity, year_first, year_end)
    party_labels = request_labels(request, "party_sanction")
    state_labels = request_labels(request, "state_sanction")
    entries = [("党纪处分", party_labels.get(c, c), n) for c, n in sanctions["party"]] + [
        ("政务处分", state_labels.get(c, c), n) for c, n in sanctions["state"]
    ]
    case_link = links.cases(**year_q)
    by_sanction = Figure(
        "cases-sanction",
        f"{day.year}年立案：按处分种类（人次）",
        bar_chart(
            [label for _, label, _ in entries],
            [Series("人次", [n for _, _, n in entries], [case_link] * len(entries))],
            title="按处分种类",
            unit="人次",
        ),
        ["类别", "处分种类", "人次"],
        [Row([kind, label, n], case_link) for kind, label, n in entries],
        ["合计", "", sum(n for _, _, n in entries)],
    )
    key, amounts = d.case_amounts(session, identity)
    amount_fig = _amount_figure(
        "case-amounts",
        "案件涉及金额与挽回损失（累计，万元）",
        key,
        amounts,
        lambda u: links.cases(unit=u["unit_id"]) if u["unit_id"] else None,
        "案件数",
    )
    return [trend, by_cat, by_sanction, amount_fig]


def _amount_figure(fkey, title, key, units, link, count_label) -> Figure:
    labels = [u["name"] for u in units]
    return Figure(
        fkey,
        title,
        bar_chart(
            labels,
            [
                Series("涉及金额", [wan(u["involved"]) for u in units], [link(u) for u in units]),
                Series(
                    "挽回金额",
                    [wan(u["recovered"]) for u in units],
                    [link(u) for u in units],
                    "#3a9d5d",
                ),
            ],
            title=title,
            unit="万元",
        ),
        [CHILD_HEADINGS[key], count_label, "涉及金额（万元）", "挽回金额（万元）"],
        [
            Row([u["name"], u["count"], wan(u["involved"]), wan(u["recovered"])], link(u))
            for u in units
        ],
        [
            "合计",
            sum(u["count"] for u in units),
            wan(sum((u["involved"] for u in units), decimal.Decimal(0))),
            wan(sum((u["recovered"] for u in units), decimal.Decimal(0))),
        ],
    )


def audit_figures(request, links: Links, day: dt.date) -> list[Figure]:
    key, amounts = d.finding_amounts(request.dbsession, request.identity)
    return [
        _amount_figure(
            "finding-amounts",
            "四资一项目：涉及金额与挽回/追缴（累计，万元）",
            key,
            amounts,
            lambda u: links.findings(key, u["unit_id"]) if u["unit_id"] else None,
            "问题数",
        )
    ]


def disclosure_figures(request, links: Links, day: dt.date) -> list[Figure]:
    session, identity = request.dbsession, request.identity
    months = recent_months(day, 12)
    per_month = d.disclosure_per_month(session, identity, months, day)

    def rates_link(p):
        return links.route("disclosure.rates", {"unit": identity.org_id, "year": p.year})

    line = Figure(
        "disclosure-rate",
        "三务公开按时公开率（按应公开月份）",
        line_chart(
            [f"{p.number}月" for p, _ in per_month],
            [
                Series(
                    "按时公开率",
                    [t.rate or 0 for _, t in per_month],
                    [rates_link(p) for p, _ in per_month],
                )
            ],
            title="按时公开率",
            percent=True,
        ),
        ["月份", "按时", "逾期公开", "未公开", "按时公开率"],
        [
            Row([p.label, t.on_time, t.late, t.missing, _pct(t.rate)], rates_link(p))
            for p, t in per_month
        ],
        note="尚未到期的公开事项不计入。",
    )
    worst = d.disclosure_worst(session, identity, months[0].start, day, day)
    table = Figure(
        "disclosure-worst",
        "按时公开率最低的单位（近12个月）",
        None,
        ["单位", "按时", "逾期公开", "未公开", "按时公开率"],
        [
            Row(
                [name, t.on_time, t.late, t.missing, _pct(t.rate)],
                links.route("disclosure.calendar", {"year": day.year}, org_id=oid),
            )
            for oid, name, t in worst
        ],
    )
    return [line, table]


def target_figures(request, links: Links, day: dt.date) -> list[Figure]:
    session, identity = request.dbsession, request.identity
    campaign = d.current_campaign(session, identity)
    if campaign is None:
        return []
    counts = dict(d.targets_by_status(session, identity, campaign))
    statuses = [(code, label) for code, label in TARGET_STATUS_LABELS.items()]
    link = lambda code: links.targets(campaign=campaign.id, status=str(code))  # noqa: E731
    return [
        Figure(
            "targets-status",
            f"{campaign.title}：整顿对象按状态",
            bar_chart(
                [label for _, label in statuses],
                [
                    Series(
                        "整顿对象",
                        [counts.get(str(c), 0) for c, _ in statuses],
                        [link(c) for c, _ in statuses],
                        "#7a4fb3",
                    )
                ],
                title="整顿对象按状态",
                unit="个",
            ),
            ["状态", "整顿对象数"],
            [Row([label, counts.get(str(c), 0)], link(c)) for c, label in statuses],
            ["合计", sum(n for c, n in counts.items() if c != "removed")],
            note="合计不含已移出的对象。",
        )
    ]


SECTIONS = [
    ("整改台账", Permission.LEDGER_VIEW, ledger_figures),
    ("软弱涣散整顿", Permission.TARGETS_VIEW, target_figures),
    ("问题线索与案件", Permission.CASES_VIEW, case_figures),
    ("四资一项目", Permission.AUDITS_VIEW, audit_figures),
    ("三务公开", Permission.DISCLOSURE_VIEW, disclosure_figures),
]


@view_config(
    route_name="reports.dashboard",
    renderer="whirlwind:reports/templates/dashboard.jinja2",
    permission=Permission.DASHBOARD,
)
def dashboard(request):
    links = Links(request)
    day = clock.today()
    ttl = cache_seconds(request.registry.settings)
    sections = []
    computed_at = None
    for title, permission, build in SECTIONS:
        if request.identity.can(permission):
            figures, stamp = cache.SECTIONS.get_or_compute(
                section_key(request.identity, title, day),
                ttl,
                lambda build=build: build(request, links, day),
            )
            computed_at = stamp if computed_at is None else min(computed_at, stamp)
            if figures:
                sections.append((title, figures))
    return {
        "sections": sections,
        "today": day,
        "computed_at": dt.datetime.fromtimestamp(computed_at or 0, dt.UTC) if computed_at else None,
        "cache_minutes": ttl // 60,
    }
