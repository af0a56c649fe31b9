"""Reference lists of weak-organization rectification (domain.md §5.1, §5.3, §5.5)."""

REFERENCE = {
    "weakness_category": [
        (
            "W01",
            "班子配备不齐、书记长期缺职",
            "Incomplete leadership, secretary vacant",
            "e.g. vacant >3 months; L S3",
        ),
        ("W02", "书记不胜任、不在状态", "Secretary unfit or disengaged", "L S3"),
        (
            "W03",
            "班子不团结、内耗严重、工作停滞",
            "Disunited leadership, work stalled",
            "C S2; L S6, S19",
        ),
        ("W04", "组织制度形同虚设（三会一课、组织生活不开展）", "Party routines not held", "L S3"),
        (
            "W05",
            "村务财务党务不公开、民主管理混乱",
            "No disclosure, chaotic democratic management",
            "C S2; L S6, S19",
        ),
        (
            "W06",
            "宗族宗教或黑恶势力干扰渗透（含村霸）",
            "Clan, religious or criminal interference",
            "C S2; L S6, S19",
        ),
        (
            "W07",
            "社会治安问题和信访矛盾集中",
            "Concentrated public-order problems and petitions",
            "L S3",
        ),
        ("W08", "换届问题（未按期换届、拉票贿选）", "Election problems", "L S4"),
        (
            "W09",
            "服务意识差、能力弱、群众满意度低",
            "Poor service, low satisfaction (<60%)",
            "L S3",
        ),
        ("W10", "集体经济薄弱/空壳村", "Weak collective economy", "U"),
        ("W11", "年度考核/星级排名末位", "Bottom of the annual assessment / star ranking", "L S3"),
        ("W12", "发展党员停滞", "No new Party members (e.g. 2 years)", "L S3"),
        ("W13", "违纪违法问题突出（纪检/政法/信访通报）", "Serious violations reported", "L S3"),
        ("W99", "其他", "Other", ""),
    ],
    "selection_mode": [
        ("ranked", "倒排", "Reverse ranking (bottom share)", "C S2: 5%-10% per year"),
        ("criteria", "标准认定", "By criteria, no quota", "L S4"),
        ("star", "星级", "Below a star level", "L S2"),
    ],
    "selection_how": [
        ("ranked", "倒排确定", "From the reverse ranking", ""),
        ("criteria", "标准认定", "By criteria", ""),
        ("both", "倒排与标准认定", "Both", ""),
    ],
}
