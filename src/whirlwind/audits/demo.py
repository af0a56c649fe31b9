"""Demo audits: findings in several districts (黄陂区 祁家湾街道 大潭村 among them), some
recovered amounts, items in progress, a finding transferred as a clue, committee reports."""

from __future__ import annotations

import datetime as dt
import decimal

from whirlwind.audits import reports, services
from whirlwind.audits.clues import transfer
from whirlwind.security import Identity

D = decimal.Decimal

# (unit code, inspector username, body, months ago, scope, findings)
# finding: (asset type, subtype, irregularity, description, object (kind, name, number, party),
#           involved, recovered, persons [(name, post, role)], items?)
AUDITS = [
    (
        "420116001002",
        "qijiawan_inspector",
        "jgz",
        3,
        ["funds", "resources", "project"],
        [
            (
                "funds",
                "collective_income",
                "F03",
                "村集体鱼塘承包费 2.4 万元未入账，由出纳直接用于村务接待开支。",
                ("payment", "2024年鱼塘承包费", "PZ-2024-031", "村民刘某"),
                "24000",
                "15000",
                [("张德旺", "村会计", "直接责任人"), ("李春华", "村党支部书记", "主要领导责任")],
                True,
            ),
            (
                "resources",
                "water",
                "R02",
                "村北水面 120 亩以每亩 80 元发包，未经评估，明显低于周边价格。",
                ("contract", "村北水面承包合同", "HT-2021-007", "武汉某水产养殖合作社"),
                "86400",
                "0",
                [("李春华", "村党支部书记", "主要领导责任")],
                True,
            ),
            (
                "project",
                "small_works",
                "P02",
                "村道硬化工程 38 万元拆分为三个合同，规避公开招标。",
                ("project", "村道硬化工程", "XM-2024-002", "黄陂区某建筑劳务公司"),
                "380000",
                "0",
                [("王长林", "村委会副主任", "直接责任人")],
                False,
            ),
        ],
    ),
    (
        "420116001001",
        "qijiawan_inspector",
        "audit",
        5,
        ["funds", "assets"],
        [
            (
                "funds",
                "subsidy",
                "F06",
                "耕地地力保护补贴 1.2 万元被截留，未足额发放到户。",
                ("payment", "2024年耕地地力保护补贴", "BT-2024-11", ""),
                "12000",
                "12000",
                [("周建国", "村报账员", "直接责任人")],
                True,
            ),
            (
                "assets",
                "buildings",
                "A04",
                "村集体仓库出租无书面合同，租金收缴无记录。",
                ("asset", "村集体仓库", "ZC-0012", "个体户陈某"),
                "9000",
                "3000",
                [],
                True,
            ),
        ],
    ),
    (
        "420116002002",
        "huangpi_inspector",
        "xuncha",
        2,
        ["resources", "project"],
        [
            (
                "resources",
                "forest",
                "R05",
                "林地承包费连续三年未收缴。",
                ("contract", "后山林地承包合同", "HT-2019-003", "村民吴某"),
                "45000",
                "20000",
                [("刘发明", "村委会主任", "主要领导责任")],
                True,
            ),
        ],
    ),
    (
        "420115001001",
        "city_inspector",
        "jgz",
        4,
        ["funds", "project"],
        [
            (
                "funds",
                "land_compensation",
                "F04",
                "征地补偿款 6 万元存入村干部个人账户。",
                ("payment", "征地补偿款", "ZD-2023-05", ""),
                "60000",
                "60000",
                [("陈立新", "村党支部书记", "直接责任人")],
                True,
            ),
            (
                "project",
                "village_construction",
                "P05",
                "党群服务中心改造工程虚报工程量约 4.5 万元。",
                ("project", "党群服务中心改造", "XM-2023-011", "江夏区某装饰公司"),
                "45000",
                "0",
                [],
                True,
            ),
        ],
    ),
    (
        "420117001001",
        "city_inspector",
        "audit",
        6,
        ["funds"],
        [
            (
                "funds",
                "collective_income",
                "F01",
                "白条入账 17 笔，合计 3.2 万元。",
                ("payment", "2023年度支出凭证", "", ""),
                "32000",
                "0",
                [("黄金水", "村会计", "直接责任人")],
                True,
            ),
        ],
    ),
    (
        "420112001001",
        "city_inspector",
        "jiwei",
        1,
        ["assets", "resources"],
        [
            (
                "assets",
                "operating_assets",
                "A02",
                "村集体门面低价出租给村干部亲属，年租金低于市场价 40%。",
                ("contract", "门面出租合同", "HT-2022-015", "村民赵某"),
                "28000",
                "0",
                [],
                False,
            ),
        ],
    ),
    (
        "420102001001",
        "dazhi_inspector",
        "agri",
        2,
        ["funds"],
        [
            (
                "funds",
                "collective_income",
                "C02",
                "社区活动经费支出未经居务监督委员会审核。",
                ("payment", "社区活动经费", "", ""),
                "5600",
                "0",
                [],
                True,
            ),
        ],
    ),
]


def _identity(user) -> Identity:
    return Identity(user, user.permissions)


def _months_ago(today: dt.date, months: int) -> dt.date:
    year, month = today.year, today.month - months
    while month < 1:
        month += 12
        year -= 1
    return dt.date(year, month, min(today.day, 28))


def load(session, ctx) -> None:
    today = ctx.today
    datan_finding = None
    for code, username, body, months, scope, findings in AUDITS:
        org = ctx.orgs[code]
        user = ctx.users[username]
        identity = _identity(user)
        session.info["actor"] = (user.id, user.username)
        audit_date = _months_ago(today, months)
        audit = services.create_audit(
            session,
            identity,
            {
                "org_id": org.id,
                "period_from": dt.date(audit_date.year - 1, 1, 1),
                "period_to": dt.date(audit_date.year - 1, 12, 31),
                "audit_date": audit_date,
                "body": body,
                "inspectors": "张明、李华",
                "scope_assets": scope,
                "scope_projects": "村道硬化工程\n党群服务中心改造" if "project" in scope else "",
                "summary": f"对{org.name}上一年度集体“三资”及村级工程项目进行检查。",
            },
            today=today,
        )
        for i, (atype, sub, irr, desc, obj, involved, recovered, persons, with_items) in enumerate(
            findings
        ):
            kind, name, number, party = obj
            finding = services.add_finding(
                session,
                identity,
                audit,
                {
                    "asset_type": atype,
                    "asset_subtype": sub,
                    "irregularity": irr,
                    "description": desc,
                    "object_kind": kind,
                    "object_name": name,
                    "object_number": number,
                    "object_counterparty": party,
                    "amount_involved": D(involved),
                },
            )
            for pname, post, role in persons:
                services.add_person(session, identity, finding, name=pname, post=post, role=role)
            if D(recovered):
                half = (D(recovered) / 2).quantize(D("0.01"))
                services.add_recovery(
                    session,
                    identity,
                    finding,
                    entry_date=audit_date + dt.timedelta(days=10),
                    amount=half,
                    note="责令退赔",
                    today=today,
                )
                services.add_recovery(
                    session,
                    identity,
                    finding,
                    entry_date=min(today, audit_date + dt.timedelta(days=40)),
                    amount=D(recovered) - half,
                    note="追缴到账",
                    today=today,
                )
            if with_items:
                items = services.create_items(
                    session,
                    identity,
                    finding,
                    [
                        {
                            "problem": desc,
                            "measure": "限期整改，完善制度，责任人作出书面检查。",
                            "responsible_person": persons[0][0] if persons else "村党组织书记",
                            "deadline": today + dt.timedelta(days=30 + 15 * i),
                        }
                    ],
                    package_data={
                        "street_leader": "街道包保领导",
                        "street_leader_post": "街道党工委副书记",
                        "district_leader": "区级包保领导",
                    },
                    today=today,
                )
                if i % 2 == 0:
                    _start(session, identity, items[0])
            if code == "420116001002" and irr == "P02":
                datan_finding = (finding, identity)
    if datan_finding is not None and services.clue_create_function() is not None:
        finding, identity = datan_finding
        transfer(
            session,
            identity,
            finding,
            {
                "title": "大潭村村道硬化工程拆分规避招标问题",
                "received_date": today,
                "source": "four_assets",
                "summary": finding.description,
                "categories": {"project_meddling"},
            },
        )
    _reports(session, ctx, today)


def _start(session, identity, item) -> None:
    """Move a demo item to 整改中 through the ledger's own state machine."""
    from whirlwind.ledger import workflow

    workflow.transition(session, identity, item, "start")


def _reports(session, ctx, today) -> None:
    member = ctx.users["datan_committee"]
    reporter = _identity(member)
    session.info["actor"] = (member.id, member.username)
    pending = reports.submit_report(
        session,
        reporter,
        {
            "problem": "村里新建文化广场的围墙工程，听说是村主任的亲戚承包的，没有看到招标公告。",
            "persons": "王长林",
            "amount": D("56000"),
            "found_date": today - dt.timedelta(days=5),
        },
        today=today,
    )
    handled = reports.submit_report(
        session,
        reporter,
        {
            "problem": "二季度财务公开栏里的招待费支出与实际不符，有 3 笔无发票。",
            "persons": "张德旺",
            "amount": D("2600"),
            "found_date": today - dt.timedelta(days=40),
        },
        today=today,
    )
    inspector = ctx.users["qijiawan_inspector"]
    identity = _identity(inspector)
    session.info["actor"] = (inspector.id, inspector.username)
    reports.receive(session, identity, pending)
    reports.receive(session, identity, handled)
    reports.verify(
        session,
        identity,
        handled,
        verification="经查阅凭证，3 笔招待费共 2600 元无合法票据，情况属实。",
    )
    reports.to_finding(
        session,
        identity,
        handled,
        {
            "asset_type": "funds",
            "asset_subtype": "collective_income",
            "irregularity": "F01",
            "description": handled.problem,
            "amount_involved": handled.amount,
        },
    )
    reports.feed_back(
        session,
        identity,
        handled,
        feedback="反映情况属实，已列为发现问题并责令限期整改，感谢监督。",
    )
