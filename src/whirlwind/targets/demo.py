"""Demo data of weak-organization rectification: this year's campaign over Wuhan with last
year's assessment of every community and village, the reverse ranking confirmed (one per
district at 10%), three targets added by criteria, packages linked to demo users and items
in every state of the ledger (overdue, returned, awaiting each level, cleared), one target
fully cleared (整顿销号)."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import tempfile

from whirlwind.attachments.services import store
from whirlwind.ledger.services import add_note
from whirlwind.ledger.workflow import transition
from whirlwind.security import Identity
from whirlwind.targets import services as ts

D = decimal.Decimal
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"

# Units given a low score so that the ranking picks them (code -> score).
LOW = {"420116001002": D("58.50"), "420116002002": D("61.00"), "420102001001": D("63.50")}
# Added by criteria (code, categories, evidence).
BY_CRITERIA = [
    ("420116001003", ["W01", "W04"], "村党支部书记 2024 年 9 月调离后缺职 4 个月，三会一课停开。"),
    ("420116002001", ["W05", "W10"], "村务、财务连续两个季度未公开；集体经营性收入不足 5 万元。"),
    ("420116002002", ["W09", "W11"], "年度考核得分全区倒数第二，群众满意度测评 56%。"),
]


def _settings(session):
    request = session.info.get("request")
    if request is not None:
        return request.registry.settings
    from pyramid.threadlocal import get_current_registry

    settings = get_current_registry().settings or {}
    if "whirlwind.attachments_dir" not in settings:
        settings = {"whirlwind.attachments_dir": tempfile.mkdtemp(prefix="ww-demo-")}
    return settings


def _ident(user) -> Identity:
    return Identity(user, user.permissions)


class Walker:
    """Moves demo items through the workflow as the users of each level would."""

    def __init__(self, session, ctx):
        self.session, self.ctx = session, ctx
        self.settings = _settings(session)
        u = ctx.users
        self.city = _ident(u["city_inspector"])
        self.streets = {
            "420116001": _ident(u["qijiawan_inspector"]),
            "420116002": _ident(u["caidian_inspector"]),
            "420102001": _ident(u["dazhi_inspector"]),
        }
        # Who applies to clear items of each street (its organization office).
        self.applicants = {
            "420116001": _ident(u["qijiawan_org"]),
            "420116002": _ident(u["caidian_org"]),
            "420102001": _ident(u["dazhi_org"]),
        }
        self.districts = {
            "420116": _ident(u["huangpi_inspector"]),
            "420102": _ident(u["jiangan_inspector"]),
        }

    def as_actor(self, identity):
        self.session.info["actor"] = (identity.user.id, identity.user.username)
        return identity

    def street_of(self, item):
        return self.streets.get(item.org.code[:9], self.city)

    def applicant_of(self, item):
        return self.applicants.get(item.org.code[:9], self.city)

    def district_of(self, item):
        return self.districts.get(item.org.code[:6], self.city)

    def evidence(self, item, text):
        actor = self.as_actor(self.applicant_of(item))
        note = add_note(self.session, actor, item, text)
        store(
            self.session,
            self.settings,
            fileobj=io.BytesIO(PNG),
            filename="整改照片.png",
            owner_type="progress_note",
            owner_id=note.id,
            org_id=item.org_id,
            uploader_id=actor.user.id,
        )

    def go(self, item, action, actor, reason=""):
        transition(
            self.session, self.as_actor(actor), item, action, version=item.version, reason=reason
        )

    def to(self, item, state: str):
        """Drive ``item`` to ``state``: in_progress, submitted, street, district, cleared, returned."""
        if state == "pending":
            return
        self.evidence(item, "已召开专题会议部署整改，附会议照片。")
        if state == "in_progress":
            return
        self.go(item, "submit", self.applicant_of(item))
        if state == "submitted":
            return
        if state == "returned":
            self.go(item, "approve", self.street_of(item))
            self.go(
                item,
                "return",
                self.district_of(item),
                "佐证材料只有会议照片，缺少整改完成后的制度文件和公示照片，请补充。",
            )
            return
        self.go(item, "approve", self.street_of(item))
        if state == "street":
            return
        self.go(item, "approve", self.district_of(item))
        if state == "district" or item.status == "cleared":
            return
        self.go(item, "approve", self.city)


def load(session, ctx) -> None:
    today = ctx.today
    u = ctx.users
    city_org = _ident(u["city_org"])
    huangpi_org = _ident(u["huangpi_org"])
    session.info["actor"] = (city_org.user.id, city_org.user.username)
    campaign = ts.create_campaign(
        session,
        city_org,
        org=ctx.orgs["420100"],
        year=today.year,
        title=f"{today.year}年软弱涣散基层党组织整顿",
        ratio=D("0.10"),
        per_district=True,
        assessment_year=today.year - 1,
        screening_deadline=dt.date(today.year, 1, 31),
        identification_deadline=dt.date(today.year, 2, 28),
        plan_deadline=dt.date(today.year, 3, 31),
        acceptance_deadline=dt.date(today.year, 12, 15),
    )
    for org in ctx.grassroots():
        score = LOW.get(org.code) or D(ctx.rng.randint(6600, 9800)) / 100
        star = (
            5
            if score >= 90
            else 4
            if score >= 80
            else 3
            if score >= 70
            else 2
            if score >= 60
            else 1
        )
        ts.set_assessment(
            session,
            city_org,
            org=org,
            year=campaign.assessment_year,
            score=score,
            star_level=star,
            source="imported",
        )
    ts.recompute_ranks(session, campaign.assessment_year)
    proposal = ts.ranking(session, city_org, campaign).proposed
    targets = ts.confirm_targets(session, city_org, campaign, [r.org.id for r in proposal])
    session.info["actor"] = (huangpi_org.user.id, huangpi_org.user.username)
    for code, cats, evidence in BY_CRITERIA:
        targets.append(
            ts.add_target(
                session,
                huangpi_org,
                campaign,
                ctx.orgs[code],
                categories=cats,
                evidence=evidence,
                problem="班子战斗力不强，群众反映问题得不到及时回应。",
            )
        )
    session.info["actor"] = (city_org.user.id, city_org.user.username)
    by_code = {t.org.code: t for t in targets}
    walker = Walker(session, ctx)
    # One target per district stays at 拟定 / 认定 so the early steps are visible too.
    keep_proposed = next(t for t in targets if t.org.code.startswith("420114"))
    keep_identified = next(t for t in targets if t.org.code.startswith("420115"))
    start = today - dt.timedelta(days=150)
    plans = {
        # code: [(problem, measure, deadline offset from today, state)], city member?
        "420116001002": (
            [
                (
                    "三会一课不落实，组织生活流于形式",
                    "每月固定主题党日，建立组织生活台账",
                    -20,
                    "cleared",
                ),
                ("党员发展连续两年停滞", "确定 2 名入党积极分子并落实培养联系人", -5, "cleared"),
            ],
            True,
        ),
        "420116001003": (
            [
                ("书记缺职，班子不全", "由街道选派书记，完成班子补选", 20, "submitted"),
                ("三会一课停开", "恢复组织生活并建立台账", 10, "street"),
                ("党员议事不公开", "制定党务公开清单", 15, "returned"),
            ],
            True,
        ),
        "420116002002": (
            [
                ("村务财务长期不公开", "按季公开并经村监委审核", -40, "in_progress"),
                ("集体资产底数不清", "开展清产核资，登记入账", -8, "pending"),
                ("群众满意度低", "建立书记接待日制度", 30, "district"),
            ],
            True,
        ),
        "420116002001": ([("村务未按季公开", "补公开并建立公开日历", 25, "in_progress")], False),
        "420102001001": (
            [
                ("社区党组织服务意识差", "建立网格员包片联系群众制度", 12, "cleared"),
                ("居务公开栏长期未更新", "每月更新并拍照存档", -3, "in_progress"),
            ],
            False,
        ),
    }
    for target in targets:
        if target is keep_proposed:
            continue
        ts.identify_target(
            session,
            city_org,
            target,
            self_check_date=start,
            upper_review_date=start + dt.timedelta(days=10),
            org_dept_analysis_date=start + dt.timedelta(days=20),
            committee_approval_date=start + dt.timedelta(days=30),
        )
        if target is keep_identified:
            continue
        rows, with_city = plans.get(
            target.org.code,
            (
                [
                    ("组织生活不规范", "落实三会一课，建立台账", 45, "pending"),
                    (
                        "服务群众不到位",
                        "建立干部值班接待制度",
                        -2 if target.id % 2 else 60,
                        "in_progress",
                    ),
                ],
                False,
            ),
        )
        _package(session, city_org, ctx, target, with_city)
        target.deadline = today + dt.timedelta(days=90)
        items = []
        for problem, measure, offset, state in rows:
            deadline = today + dt.timedelta(days=offset)
            item = ts.add_plan_row(
                session,
                city_org,
                target,
                problem=problem,
                measure=measure,
                responsible_person=(target.package.members[-1].person_name),
                deadline=deadline,
                today=min(deadline, start + dt.timedelta(days=40)),
            )
            items.append((item, state))
        ts.start_rectification(session, city_org, target)
        for item, state in items:
            walker.to(item, state)
        session.info["actor"] = (city_org.user.id, city_org.user.username)
    # 大潭村: acceptance by the district (黄陂区委组织部) and 整顿销号.
    cleared = by_code["420116001002"]
    session.info["actor"] = (huangpi_org.user.id, huangpi_org.user.username)
    ts.request_acceptance(session, huangpi_org, cleared)
    ts.record_acceptance(
        session,
        huangpi_org,
        cleared,
        date=today - dt.timedelta(days=2),
        inspectors="黄陂区委组织部 周敏 等 5 人",
        score=D("84.5"),
        respondents=15,
        satisfied_pct=D("86.7"),
        dissatisfied_pct=D("6.7"),
        note="班子健全，组织生活正常，群众评价良好。",
    )
    ts.clear_target(session, huangpi_org, cleared, today=today)
    session.info["actor"] = (None, "demo")


def _package(session, officer, ctx, target, with_city: bool):
    code = target.org.code
    u = ctx.users
    district_user = {"420116": u["huangpi_inspector"], "420102": u["jiangan_inspector"]}.get(
        code[:6]
    )
    street_user = {
        "420116001": u["qijiawan_inspector"],
        "420116002": u["caidian_inspector"],
        "420102001": u["dazhi_inspector"],
    }.get(code[:9])
    district, street = target.org.district, target.org.street
    members = []
    if with_city:
        members.append(
            {
                "level": "city",
                "role": "city_leader",
                "person_name": "王建国",
                "post": "市纪委监委副主任",
                "unit_name": "武汉市纪委监委",
                "username": "city_inspector",
            }
        )
    members += [
        {
            "level": "district",
            "role": "district_leader",
            "person_name": district_user.display_name.split("（")[0]
            if district_user
            else "区级包保领导",
            "post": "区委常委",
            "unit_name": district.name if district else "",
            "username": district_user.username if district_user else "",
        },
        {
            "level": "street",
            "role": "street_leader",
            "person_name": street_user.display_name.split("（")[0]
            if street_user
            else "街道包保领导",
            "post": "街道党工委书记",
            "unit_name": street.name if street else "",
            "username": street_user.username if street_user else "",
        },
        {
            "level": "village",
            "role": "first_secretary",
            "person_name": f"{target.org.name[:1]}第一书记",
            "post": "驻村第一书记",
            "unit_name": f"{district.name if district else ''}驻村工作队",
        },
    ]
    ts.set_package(session, officer, target, members)
