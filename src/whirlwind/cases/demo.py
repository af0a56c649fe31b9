"""Demo clues and cases: ten years of closed cases from the archive and open clues and
cases in several districts at every step, with sanctions, a public notice and one closed
case that opened rectification items (以案促改)."""

from __future__ import annotations

import datetime as dt
import decimal

from whirlwind.cases import casework, services

D = decimal.Decimal

# (years ago, district, title, summary, source, categories, subjects, result)
# subjects: (name, post, political status, identity, four_form, party, state, org_handling, recovered)
HISTORY = [
    (
        10,
        "420116",
        "{v}原党支部书记张伟华虚报冒领危房改造补助案",
        "张伟华利用职务便利，虚报3户危房改造对象，冒领补助资金4.5万元。",
        "petition",
        ["false_claims"],
        [
            (
                "张伟华",
                "党支部书记",
                "中共党员",
                "village_cadre",
                3,
                "probation",
                "major_demerit",
                "",
                "45000",
            )
        ],
        "给予张伟华留党察看一年处分，收缴违纪所得4.5万元。",
    ),
    (
        9,
        "420117",
        "{v}村委会委员李强截留挪用征地补偿款案",
        "李强截留村民征地补偿款12.8万元用于个人投资。",
        "audit",
        ["misappropriation", "collective_assets"],
        [("李强", "村委会委员", "中共党员", "village_cadre", 4, "expulsion", "", "", "128000")],
        "给予李强开除党籍处分，移送司法机关依法处理，款项全部追回。",
    ),
    (
        8,
        "420113",
        "{v}报账员王芳违规收取办证费用案",
        "王芳在为村民办理宅基地手续时违规收取“工本费”共计6,200元。",
        "petition",
        ["illegal_fees", "extortion"],
        [("王芳", "报账员", "群众", "village_staff", 2, "", "demerit", "", "6200")],
        "给予王芳政务记过处分，责令退还群众6,200元。",
    ),
    (
        7,
        "420116",
        "{v}党支部书记张伟优亲厚友评定低保案",
        "张伟将不符合条件的亲属4人纳入低保。",
        "committee",
        ["favouritism"],
        [
            (
                "张伟",
                "党支部书记",
                "中共党员",
                "village_cadre",
                2,
                "serious_warning",
                "",
                "",
                "31200",
            )
        ],
        "给予张伟党内严重警告处分，清退不符合条件的低保4户。",
    ),
    (
        6,
        "420102",
        "{v}社区居委会副主任刘洋吃拿卡要案",
        "刘洋在办理居住证明时多次收受居民购物卡。",
        "petition",
        ["extortion", "bribery"],
        [
            (
                "刘洋",
                "居委会副主任",
                "中共党员",
                "village_cadre",
                2,
                "warning",
                "warning",
                "",
                "3000",
            )
        ],
        "给予刘洋党内警告、政务警告处分。",
    ),
    (
        5,
        "420117",
        "{v}原村委会主任陈刚插手村级工程案",
        "陈刚违规插手村道硬化工程，让其亲属承接工程并虚报工程量。",
        "four_assets",
        ["project_meddling", "false_claims"],
        [
            (
                "陈刚",
                "村委会主任",
                "中共党员",
                "village_cadre",
                3,
                "removal",
                "major_demerit",
                "removal",
                "86000",
            ),
            ("周红", "村会计", "群众", "village_staff", 1, "", "", "", "0"),
        ],
        "给予陈刚撤销党内职务、政务记大过处分并免职；对周红批评教育。",
    ),
    (
        4,
        "420116",
        "{v}村民小组长赵军侵占集体土地租金案",
        "赵军收取集体鱼塘承包费3.2万元未入账。",
        "supervision",
        ["collective_assets", "embezzlement"],
        [
            (
                "赵军",
                "村民小组长",
                "中共党员",
                "village_staff",
                2,
                "serious_warning",
                "demerit",
                "",
                "32000",
            )
        ],
        "给予赵军党内严重警告、政务记过处分，追回承包费3.2万元。",
    ),
    (
        3,
        "420113",
        "{v}党总支副书记孙丽新衙门作风问题案",
        "孙丽对群众反映的饮水问题推诿扯皮，长期不作为。",
        "style_patrol",
        ["new_yamen", "not_implemented"],
        [
            (
                "孙丽",
                "党总支副书记",
                "中共党员",
                "village_cadre",
                2,
                "warning",
                "",
                "adjustment",
                "0",
            )
        ],
        "给予孙丽党内警告处分，调整职务。",
    ),
    (
        2,
        "420102",
        "{v}社区网格员黄伟私分防疫物资案",
        "黄伟将社区防疫物资私分给亲友。",
        "petition",
        ["private_division"],
        [("黄伟", "网格员", "群众", "other", 1, "", "", "", "1500")],
        "对黄伟批评教育，责令退赔1,500元。",
    ),
    (
        1,
        "420116",
        "{v}原村会计张伟挪用集体资金案",
        "张伟（村会计，与原党支部书记张伟同名）挪用村集体资金8万元。",
        "four_assets",
        ["misappropriation"],
        [
            (
                "张伟",
                "村会计",
                "中共党员",
                "village_staff",
                3,
                "probation",
                "major_demerit",
                "",
                "80000",
            )
        ],
        "给予留党察看二年、政务记大过处分，款项已全部追回。",
    ),
]


def _days(ctx, n: int) -> dt.date:
    return ctx.today - dt.timedelta(days=n)


def _historical_cases(session, ctx, city_user):
    cases = []
    for i, (years, district, title, summary, source, categories, subjects, result) in enumerate(
        HISTORY
    ):
        villages = ctx.grassroots(district)
        org = villages[i % len(villages)]
        opened = dt.date(ctx.today.year - years, 3 + i % 6, 5 + i)
        received = opened - dt.timedelta(days=40)
        clue = services.create_clue(
            session,
            city_user,
            org=org,
            source=source,
            received_date=received,
            title=f"反映{title.format(v=org.name)}"[:-1],
            summary=summary,
            categories=categories,
            is_historical=True,
            status="case_opened",
            amount_involved=sum((D(s[8]) for s in subjects), D("0")),
            persons=[
                {"name": s[0], "post": s[1], "political_status": s[2], "identity": s[3]}
                for s in subjects
            ],
            today=ctx.today,
        )
        case = casework.record_historical_case(
            session,
            city_user,
            org=org,
            clues=[clue],
            title=title.format(v=org.name),
            opened_on=opened,
            stage="closed",
            stage_dates={
                "review": opened + dt.timedelta(days=70),
                "decision": opened + dt.timedelta(days=95),
                "announced": opened + dt.timedelta(days=100),
                "executed": opened + dt.timedelta(days=160),
                "closed": opened + dt.timedelta(days=170),
            },
            subjects=[
                {
                    "name": s[0],
                    "post": s[1],
                    "political_status": s[2],
                    "identity": s[3],
                    "four_form": s[4],
                    "party_sanction": s[5],
                    "state_sanction": s[6],
                    "org_handling": s[7],
                    "recovered": D(s[8]),
                    "amount_involved": D(s[8]),
                    "to_prosecution": s[4] == 4,
                    "prosecution_on": opened + dt.timedelta(days=90) if s[4] == 4 else None,
                    "first_form_measure": "criticism" if s[4] == 1 else "",
                    "decision_number": f"纪发〔{opened.year}〕{10 + i}号" if s[5] or s[6] else "",
                }
                for s in subjects
            ],
            summary=summary,
            result_text=result,
            source=source,
            today=ctx.today,
            investigators="纪检监察室第二审查调查组",
            review_unit="案件审理室",
        )
        cases.append(case)
    return cases


def _open_work(session, ctx, users):
    street = users.get("qijiawan_inspector") or users["city_inspector"]
    district = users.get("huangpi_inspector") or users["city_inspector"]
    villages = ctx.grassroots("420116001") or ctx.grassroots("420116")
    v1, v2 = villages[0], villages[1 % len(villages)]
    xinzhou = ctx.grassroots("420117")
    jiangan = ctx.grassroots("420102")

    # 1. Registered 45 days ago, no proposal yet: past the 30-day limit (red).
    services.create_clue(
        session,
        street,
        org=v1,
        source="petition",
        source_detail="12388 电话",
        received_date=_days(ctx, 45),
        title=f"反映{v1.name}党支部书记张伟违规发放误工补贴",
        summary="群众反映张伟以误工补贴名义向村干部发放补贴。",
        full_text="来电群众称：2024年下半年村里以“误工补贴”名义向村两委成员每人发放2,000元，未经村民代表会议讨论，也未公开。",
        categories=["false_claims", "collective_assets"],
        amount_involved=D("14000"),
        reporter_name="张建华",
        reporter_phone="13907150000",
        reporter_unit=f"{v1.name}四组",
        field="three_assets",
        persons=[
            {
                "name": "张伟",
                "post": "党支部书记",
                "political_status": "中共党员",
                "identity": "village_cadre",
            }
        ],
        today=ctx.today,
    )
    # 2. 谈话函询 approved 18 days ago: reply due in 3 days (yellow).
    clue = services.create_clue(
        session,
        street,
        org=v2,
        source="committee",
        received_date=_days(ctx, 30),
        title=f"反映{v2.name}村委会主任张伟华优亲厚友分配公益岗位",
        summary="村监委反映张伟华将公益性岗位安排给亲属。",
        categories=["favouritism"],
        persons=[
            {
                "name": "张伟华",
                "post": "村委会主任",
                "political_status": "中共党员",
                "identity": "village_cadre",
            }
        ],
        today=ctx.today,
    )
    d = services.propose_disposal(
        session,
        street,
        clue,
        mode="talk_inquiry",
        opinion="建议函询张伟华，要求书面说明。",
        proposed_on=_days(ctx, 25),
        today=ctx.today,
    )
    services.approve_disposal(session, district, d, approved_on=_days(ctx, 18), today=ctx.today)
    # 3. 初步核实 under way (blue).
    clue = services.create_clue(
        session,
        street,
        org=v1,
        source="four_assets",
        received_date=_days(ctx, 20),
        title=f"{v1.name}鱼塘承包费收入未入账问题",
        summary="四资一项目检查发现鱼塘承包费2.4万元未入村集体账。",
        categories=["collective_assets"],
        amount_involved=D("24000"),
        origin_type="",
        field="three_assets",
        persons=[
            {
                "name": "李红梅",
                "post": "报账员",
                "political_status": "群众",
                "identity": "village_staff",
            }
        ],
        today=ctx.today,
    )
    d = services.propose_disposal(
        session,
        street,
        clue,
        mode="verification",
        opinion="建议初步核实。",
        proposed_on=_days(ctx, 15),
        today=ctx.today,
    )
    services.approve_disposal(session, district, d, approved_on=_days(ctx, 10), today=ctx.today)
    # 4. 暂存待查.
    if xinzhou:
        clue = services.create_clue(
            session,
            district,
            org=xinzhou[0],
            source="petition",
            received_date=_days(ctx, 120),
            title=f"匿名反映{xinzhou[0].name}干部收受工程老板宴请",
            summary="反映内容笼统，缺乏可查性。",
            categories=["integrity"],
            is_anonymous=True,
            persons=[
                {
                    "name": "王刚",
                    "post": "村委会委员",
                    "political_status": "中共党员",
                    "identity": "village_cadre",
                }
            ],
            today=ctx.today,
        )
        d = services.propose_disposal(
            session,
            district,
            clue,
            mode="shelve",
            opinion="反映笼统，暂存待查。",
            proposed_on=_days(ctx, 110),
            today=ctx.today,
        )
        # The proposer never approves (separation of duties): the city approves.
        services.approve_disposal(
            session, users["city_inspector"], d, approved_on=_days(ctx, 105), today=ctx.today
        )
    # 5. Closed after 初核 (予以了结).
    if jiangan:
        dazhi = users.get("dazhi_inspector") or district
        clue = services.create_clue(
            session,
            dazhi,
            org=jiangan[0],
            source="petition",
            received_date=_days(ctx, 90),
            title=f"反映{jiangan[0].name}居委会主任刘敏违规收费",
            summary="反映办理证明收取费用。",
            categories=["illegal_fees"],
            persons=[
                {
                    "name": "刘敏",
                    "post": "居委会主任",
                    "political_status": "中共党员",
                    "identity": "village_cadre",
                }
            ],
            today=ctx.today,
        )
        d = services.propose_disposal(
            session,
            dazhi,
            clue,
            mode="verification",
            opinion="初步核实。",
            proposed_on=_days(ctx, 85),
            today=ctx.today,
        )
        # A single-inspector street: the level above (江岸区) approves its proposal.
        approver = users.get("jiangan_inspector") or users["city_inspector"]
        services.approve_disposal(session, approver, d, approved_on=_days(ctx, 80), today=ctx.today)
        services.record_response(
            session,
            dazhi,
            d,
            response_on=_days(ctx, 40),
            text="经核实，所收费用为代收的复印工本费，已公示，反映不实。",
            today=ctx.today,
        )
        services.conclude_disposal(
            session,
            dazhi,
            d,
            outcome="close",
            outcome_on=_days(ctx, 38),
            close_reason="untrue",
            text="反映不实，予以了结并向反映人反馈。",
            today=ctx.today,
        )
    # 6. Open cases: one overdue in investigation (red), one in review, one decided.
    cases = []
    for n, (days_open, name, post, title) in enumerate(
        [
            (120, "赵国庆", "村委会副主任", "{v}村委会副主任赵国庆截留退耕还林补贴案"),
            (85, "钱小兵", "党支部副书记", "{v}党支部副书记钱小兵违规插手村级工程案"),
            (60, "孙建", "村会计", "{v}村会计孙建挪用村集体资金案"),
        ]
    ):
        org = villages[n % len(villages)]
        clue = services.create_clue(
            session,
            street,
            org=org,
            source="petition",
            received_date=_days(ctx, days_open + 30),
            title=f"反映{title.format(v=org.name)}"[:-1],
            summary=f"群众反映{name}存在违纪问题。",
            categories=["misappropriation"] if n != 1 else ["project_meddling"],
            amount_involved=D(30000 + n * 10000),
            persons=[
                {
                    "name": name,
                    "post": post,
                    "political_status": "中共党员",
                    "identity": "village_cadre",
                }
            ],
            today=ctx.today,
        )
        d = services.propose_disposal(
            session,
            street,
            clue,
            mode="open_case",
            opinion="问题线索具体，建议立案审查调查。",
            proposed_on=_days(ctx, days_open + 5),
            today=ctx.today,
        )
        case = services.approve_disposal(
            session,
            district,
            d,
            approved_on=_days(ctx, days_open),
            today=ctx.today,
            case_fields={"title": title.format(v=org.name), "investigators": "第三审查调查组"},
        )
        cases.append(case)
    casework.advance_case(
        session, street, cases[1], stage="review", on_date=_days(ctx, 20), today=ctx.today
    )
    decided = cases[2]
    casework.advance_case(
        session, street, decided, stage="review", on_date=_days(ctx, 30), today=ctx.today
    )
    casework.update_subject(
        session,
        street,
        decided.subjects[0],
        four_form=2,
        party_sanction="serious_warning",
        state_sanction="demerit",
        amount_involved=D("50000"),
        confiscated=D("50000"),
        recovered=D("50000"),
        decision_number=f"黄纪发〔{ctx.today.year}〕8号",
    )
    casework.advance_case(
        session, street, decided, stage="decision", on_date=_days(ctx, 12), today=ctx.today
    )
    return decided


def load(session, ctx):
    users = ctx.users
    city_user = users["city_inspector"]
    session.info["actor"] = (city_user.id, city_user.username)
    history = _historical_cases(session, ctx, city_user)
    decided = _open_work(session, ctx, users)
    session.info["actor"] = (city_user.id, city_user.username)
    # Public naming of typical cases.
    city = ctx.orgs["420100"]
    casework.create_public_notice(
        session,
        city_user,
        org=city,
        issued_on=_days(ctx, 5),
        channel="website",
        level="city",
        title="武汉市纪委监委通报4起群众身边不正之风和腐败问题典型案例",
        text="近期，全市各级纪检监察机关严肃查处了一批发生在群众身边的不正之风和腐败问题。现将其中4起典型案例通报如下……",
        entries=[(c, None) for c in [*history[-3:], decided]],
        today=ctx.today,
    )
    # 以案促改: the most recent archive case opened items in the ledger.
    latest = history[-1]
    street_org = latest.org.street
    casework.open_rectification(
        session,
        city_user,
        latest,
        package_title=f"以案促改：{latest.title}",
        members=[
            {
                "level": "district",
                "role": "district_leader",
                "person_name": "陈志强",
                "unit_name": "区纪委监委",
            },
            {
                "level": "street",
                "role": "street_leader",
                "person_name": "黄磊",
                "unit_name": street_org.name if street_org else "",
            },
        ],
        items=[
            {
                "problem": "村集体资金支出审批把关不严，会计一人经手收支",
                "measure": "落实钱账分管，大额支出经村监委审核签字",
                "responsible_person": "村党支部书记",
                "deadline": ctx.today + dt.timedelta(days=60),
            },
            {
                "problem": "村级财务公开不及时、不完整",
                "measure": "按月公开收支明细，留存公开影像资料",
                "responsible_person": "村报账员",
                "deadline": ctx.today + dt.timedelta(days=30),
            },
        ],
        today=ctx.today,
    )
    session.flush()
