"""Demo data: Wuhan's 13 districts with streets/townships and communities/villages, a user
for every role, and (through each area's ``demo.load``) records of every kind, so that a
newcomer sees a living system. Loading is idempotent: the second run does nothing."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from whirlwind import clock
from whirlwind.meta import get_meta, set_meta
from whirlwind.orgs.models import Org
from whirlwind.orgs.services import create_org

DEMO_PASSWORD = "demo2026"  # noqa: S105  documented demo password
MARKER = "demo_loaded"

CITY = ("420100", "武汉市")
# (division code, district, rural?, [(street, [grassroots units])])
DISTRICTS = [
    (
        "420102",
        "江岸区",
        False,
        [
            ("大智街道", ["三阳社区", "育才社区", "天声街社区"]),
            ("一元街道", ["一元社区", "京汉社区"]),
            ("后湖街道", ["新村社区", "百步亭社区", "幸福社区"]),
        ],
    ),
    (
        "420103",
        "江汉区",
        False,
        [
            ("民族街道", ["民族社区", "六合社区"]),
            ("汉兴街道", ["红旗社区", "常青社区", "新华社区"]),
        ],
    ),
    (
        "420104",
        "硚口区",
        False,
        [("汉中街道", ["利济社区", "汉中社区"]), ("古田街道", ["古田一路社区", "东风社区"])],
    ),
    (
        "420105",
        "汉阳区",
        False,
        [("四新街道", ["新城社区", "海滨社区"]), ("江汉二桥街道", ["二桥社区", "升官渡社区"])],
    ),
    (
        "420106",
        "武昌区",
        False,
        [
            ("积玉桥街道", ["积玉桥社区", "和平社区"]),
            ("杨园街道", ["杨园社区", "铁机社区", "新河社区"]),
        ],
    ),
    (
        "420107",
        "青山区",
        False,
        [("红卫路街道", ["红卫路社区", "八大家社区"]), ("钢花村街道", ["钢花社区", "新沟社区"])],
    ),
    (
        "420111",
        "洪山区",
        False,
        [("洪山街道", ["洪山社区", "宝积庵社区"]), ("青菱街道", ["青菱社区", "毛坦港社区"])],
    ),
    (
        "420112",
        "东西湖区",
        True,
        [("径河街道", ["径河村", "三店村", "七雄村"]), ("柏泉街道", ["柏泉村", "茅庙集村"])],
    ),
    (
        "420114",
        "蔡甸区",
        True,
        [("奓山街道", ["奓山村", "星光村", "常福村"]), ("侏儒山街道", ["侏儒村", "张湾村"])],
    ),
    (
        "420115",
        "江夏区",
        True,
        [("金口街道", ["金水村", "槐山村", "上山村"]), ("山坡街道", ["山坡村", "光星村"])],
    ),
    (
        "420116",
        "黄陂区",
        True,
        [
            ("祁家湾街道", ["祁家湾村", "大潭村", "星光村"]),
            ("蔡店街道", ["蔡店村", "刘家山村", "西湾村"]),
            ("前川街道", ["滠水村", "东风社区"]),
        ],
    ),
    (
        "420117",
        "新洲区",
        True,
        [("仓埠街道", ["仓埠村", "周铺村", "上冲村"]), ("旧街街道", ["旧街村", "大叶村"])],
    ),
    (
        "420113",
        "汉南区",
        True,
        [("邓南街道", ["邓南村", "新建村"]), ("东荆街道", ["东荆村", "九沟村"])],
    ),
]

# (username, display name, role codes, org code)
USERS = [
    ("admin", "系统管理员", ["admin"], "420100"),
    ("city_inspector", "王建国（市纪委监委）", ["city_inspector"], "420100"),
    ("city_leader", "李明（市领导）", ["leader"], "420100"),
    ("city_org", "赵红（市委组织部）", ["org_officer"], "420100"),
    ("huangpi_inspector", "陈志强（黄陂区纪委监委）", ["district_inspector"], "420116"),
    ("huangpi_org", "周敏（黄陂区委组织部）", ["org_officer"], "420116"),
    ("huangpi_leader", "孙伟（黄陂区领导）", ["leader"], "420116"),
    ("jiangan_inspector", "刘洋（江岸区纪委监委）", ["district_inspector"], "420102"),
    ("qijiawan_inspector", "黄磊（祁家湾街道纪工委）", ["street_inspector"], "420116001"),
    ("caidian_inspector", "吴静（蔡店街道纪工委）", ["street_inspector"], "420116002"),
    ("dazhi_inspector", "郑丽（大智街道纪工委）", ["street_inspector"], "420102001"),
    # Street organization offices (组织办): they apply to clear items (申请销号); the street
    # inspector signs the street stage (separation of duties: the applicant signs no stage).
    ("qijiawan_org", "钱芳（祁家湾街道组织办）", ["org_officer"], "420116001"),
    ("caidian_org", "许强（蔡店街道组织办）", ["org_officer"], "420116002"),
    ("dazhi_org", "冯洁（大智街道组织办）", ["org_officer"], "420102001"),
    ("datan_committee", "何德福（大潭村监委会）", ["committee_member"], "420116001002"),
    ("sanyang_committee", "马秀英（三阳社区监委会）", ["committee_member"], "420102001001"),
]


@dataclass
class DemoContext:
    """What area loaders get: the units and users by code/username, a seeded RNG, today."""

    orgs: dict[str, Org]
    users: dict
    today: dt.date
    rng: random.Random = field(default_factory=lambda: random.Random(2017))

    def grassroots(self, district_code: str | None = None) -> list[Org]:
        return [
            o
            for o in self.orgs.values()
            if o.is_grassroots and (district_code is None or o.code.startswith(district_code))
        ]


# Area loaders, in dependency order; each module has ``load(session, ctx)``.
AREA_LOADERS = (
    "whirlwind.targets.demo",
    "whirlwind.audits.demo",
    "whirlwind.disclosure.demo",
    "whirlwind.cases.demo",
    "whirlwind.reports.demo",
)


def load_orgs(session) -> dict[str, Org]:
    orgs: dict[str, Org] = {}
    city = create_org(
        session,
        code=CITY[0],
        name=CITY[1],
        level="city",
        division_code=CITY[0],
        party_org_name="中共武汉市委",
        party_org_type="committee",
    )
    orgs[city.code] = city
    for dcode, dname, rural, streets in DISTRICTS:
        district = create_org(
            session,
            code=dcode,
            name=dname,
            level="district",
            parent=city,
            division_code=dcode,
            is_rural=rural,
            party_org_name=f"中共武汉市{dname}委员会",
            party_org_type="committee",
        )
        orgs[dcode] = district
        for si, (sname, units) in enumerate(streets, start=1):
            scode = f"{dcode}{si:03d}"
            street = create_org(
                session,
                code=scode,
                name=sname,
                level="street",
                parent=district,
                division_code=scode,
                is_rural=rural,
                party_org_name=f"中共{sname.replace('街道', '')}街道工作委员会",
                party_org_type="committee",
            )
            orgs[scode] = street
            for ui, uname in enumerate(units, start=1):
                ucode = f"{scode}{ui:03d}"
                level = "village" if uname.endswith("村") else "community"
                kind = "general_branch" if ui == 1 else "branch"
                unit = create_org(
                    session,
                    code=ucode,
                    name=uname,
                    level=level,
                    parent=street,
                    division_code=ucode,
                    is_rural=level == "village",
                    party_org_kind=level,
                    party_org_name=f"中共{uname}{'总支部' if kind == 'general_branch' else '支部'}委员会",
                    party_org_type=kind,
                )
                orgs[ucode] = unit
    return orgs


def load_users(session, orgs):
    from whirlwind.accounts.services import create_user

    users = {}
    for username, name, roles, org_code in USERS:
        users[username] = create_user(
            session,
            username=username,
            display_name=name,
            org=orgs[org_code],
            role_codes=roles,
            password=DEMO_PASSWORD,
        )
    return users


def load(session, today: dt.date | None = None) -> bool:
    """Load everything once. Returns False when the demo was already there."""
    if get_meta(session, MARKER):
        return False
    from whirlwind.commands import seed_base

    seed_base(session)
    if session.scalar(select(Org.id).where(Org.code == CITY[0])) is not None:
        # A real installation already has its tree: do not mix demo data into it.
        raise RuntimeError("已存在武汉市组织机构数据，未加载演示数据。")
    orgs = load_orgs(session)
    users = load_users(session, orgs)
    ctx = DemoContext(orgs=orgs, users=users, today=today or clock.today())
    for name in AREA_LOADERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue
        module.load(session, ctx)
    set_meta(session, MARKER, (today or clock.today()).isoformat())
    return True


def demo_command(env, args):
    request = env["request"]
    with request.tm:
        loaded = load(request.dbsession)
    if loaded:
        print(f"演示数据已加载。演示账号的密码均为 {DEMO_PASSWORD}（见 README）。")
    else:
        print("演示数据此前已加载，本次未做改动。")
    return 0
