"""The default disclosure catalogue (公开目录), seeded from domain.md §5.8-§5.9.

Frequencies are the legal minimums where domain.md marks them [C]; every deadline (days
after the period end or the event) is [U] in domain.md and is therefore only a default that
administrators edit on the catalogue page.
"""

from __future__ import annotations

from sqlalchemy import select

from whirlwind.disclosure.models import DisclosureCatalogItem

# (code, domain, title, frequency, deadline days, applies to, note)
DEFAULTS = [
    (
        "P01",
        "party",
        "党组织设置、班子成员及党员名册（固定事项）",
        "year",
        31,
        "both",
        "党务固定事项每年公开 [L S28b]；期限天数 [U]",
    ),
    (
        "P02",
        "party",
        "党费收缴、使用和管理情况",
        "quarter",
        15,
        "both",
        "党务定期事项每季度公开 [L S28b]；期限天数 [U]",
    ),
    (
        "P03",
        "party",
        "“三会一课”及主题党日开展情况",
        "quarter",
        15,
        "both",
        "党务定期事项每季度公开 [L S28b]；期限天数 [U]",
    ),
    (
        "P04",
        "party",
        "发展党员、党员奖惩等党务事项",
        "event",
        7,
        "both",
        "党务事项随时公开 [L S28b]；期限天数 [U]",
    ),
    (
        "A01",
        "affairs",
        "村(居)务工作计划与重大事项决策（四议两公开）",
        "quarter",
        15,
        "both",
        "村务至少每季度公开一次 [C S26 art.30]；期限天数 [U]；居务频次 [U]",
    ),
    (
        "A02",
        "affairs",
        "低保、救助、惠农补贴对象及发放情况",
        "quarter",
        15,
        "both",
        "村务至少每季度公开一次 [C S26 art.30]；期限天数 [U]",
    ),
    (
        "A03",
        "affairs",
        "土地征收补偿、宅基地审批等重大事项",
        "event",
        7,
        "village",
        "涉及村民利益的重大事项随时公开 [C S26 art.30]；期限天数 [U]",
    ),
    ("A04", "affairs", "年度村(居)务工作报告", "year", 31, "both", "[U] 频次与期限"),
    (
        "A05",
        "affairs",
        "社区服务事项、办事流程及收费标准",
        "half",
        15,
        "community",
        "居务公开目录与频次 [U]（domain.md §8-5）",
    ),
    (
        "F01",
        "finance",
        "财务收支明细（月度）",
        "month",
        10,
        "both",
        "财务往来较多的每月公开 [C S26 art.30]；次月10日前 [U]",
    ),
    (
        "F02",
        "finance",
        "集体资产、资源发包出租及收益情况",
        "quarter",
        15,
        "village",
        "集体财务至少每季度公开 [C S27]；季后首月15日 [L S29b]",
    ),
    ("F03", "finance", "债权债务情况", "half", 15, "village", "[U] 频次与期限"),
    ("F04", "finance", "年度财务预决算", "year", 31, "both", "[U] 期限天数"),
    (
        "F05",
        "finance",
        "一事一议筹资筹劳、工程项目招投标及预决算（专项）",
        "special",
        10,
        "village",
        "重大事项专项公开 [C S27]；期限天数 [U]",
    ),
]


def seed_catalog(session) -> int:
    """Insert default items whose code is missing; never overwrite an edited item."""
    existing = set(session.scalars(select(DisclosureCatalogItem.code)))
    added = 0
    for sort, (code, domain, title, freq, days, applies, note) in enumerate(DEFAULTS):
        if code in existing:
            continue
        session.add(
            DisclosureCatalogItem(
                code=code,
                domain=domain,
                title=title,
                frequency=freq,
                deadline_days=days,
                applies_to=applies,
                sort=sort * 10,
                note=note,
                active=True,
            )
        )
        added += 1
    session.flush()
    return added


def seed_command(env, args):
    """``whirlwind disclosure-catalog INI``: add the default catalogue items that are missing."""
    request = env["request"]
    with request.tm:
        added = seed_catalog(request.dbsession)
    print(f"已补充 {added} 个默认公开目录项。" if added else "默认公开目录项均已存在，未做改动。")
    return 0
