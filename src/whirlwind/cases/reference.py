"""Reference lists of clues and cases (domain.md §5.13, §5.16–5.23).

Each entry: (code, label_zh, label_en, note[, parent_code]). Administrators may relabel,
deactivate or add values; records store codes.
"""

REFERENCE = {
    # §5.16 clue source [L S30, S36; the last four for this app].
    "clue_source": [
        ("petition", "信访举报", "Petition / report", "L S30 (来信/来访/电话12388/网络)"),
        ("assigned", "上级交办", "Assigned by higher level", "L S30"),
        ("leader", "领导批办", "Instructed by leaders", "L S30"),
        ("inspection_tour", "巡视巡察移交", "Inspection tour transfer", "L S30"),
        ("audit", "审计移送", "Audit transfer", "L S30"),
        ("supervision", "监督检查发现", "Found in supervision", "L S30"),
        ("investigation", "审查调查发现", "Found in investigation", "L S30"),
        ("judicial", "公检法移送", "Police / procuratorate / court", "L S30"),
        ("law_enforcement", "其他执法机关移送", "Other law-enforcement body", "L S30"),
        ("lower_level", "下级上报", "Reported by lower level", "L S30"),
        ("style_patrol", "作风巡查", "Work-style patrol", "C S38"),
        ("committee", "村(居)务监督委员会反映", "Supervision committee report", "app"),
        ("four_assets", "四资一项目检查", "Four assets, one project audit", "app"),
        ("disclosure", "三务公开检查", "Three-affairs disclosure check", "app"),
        ("other", "其他", "Other", ""),
    ],
    # §5.17 problem category: six disciplines, micro-corruption sub-types beneath them.
    "problem_category": [
        ("political", "政治纪律", "Political discipline", "L S36"),
        ("organizational", "组织纪律", "Organizational discipline", "L S36"),
        ("integrity", "廉洁纪律", "Integrity discipline", "L S36"),
        ("mass", "群众纪律", "Mass discipline", "L S36"),
        ("work", "工作纪律", "Work discipline", "L S36"),
        ("life", "生活纪律", "Life discipline", "L S36"),
        ("embezzlement", "贪污侵占", "Embezzlement", "C S37", "integrity"),
        ("false_claims", "虚报冒领/套取", "False claims", "C S37", "integrity"),
        ("misappropriation", "截留挪用", "Withholding / misappropriation", "C S37", "integrity"),
        ("private_division", "私分", "Private division of collective funds", "C S37", "integrity"),
        ("bribery", "索贿受贿", "Bribery", "C S37", "integrity"),
        ("collective_assets", "侵占集体三资", "Seizing collective assets", "L S39", "integrity"),
        ("project_meddling", "插手工程", "Meddling in projects", "L S39", "integrity"),
        ("extortion", "吃拿卡要", "Extortion of the public", "C S37", "mass"),
        ("favouritism", "优亲厚友", "Favouring relatives and friends", "C S37", "mass"),
        ("illegal_fees", "违规收费", "Illegal fees", "L S39", "mass"),
        ("bullying", "与民争利/欺压群众", "Bullying the public", "L S39", "mass"),
        ("inaction", "不作为/乱作为", "Inaction / abuse", "C S38", "work"),
        ("new_yamen", "新衙门作风", '"New yamen" style', "C S38", "work"),
        ("poor_service", "服务不到位", "Poor service", "C S38", "new_yamen"),
        ("no_initiative", "进取不积极", "Lack of initiative", "C S38", "new_yamen"),
        ("not_implemented", "工作不落实", "Work not carried out", "C S38", "new_yamen"),
        ("no_responsibility", "担当不主动", "Shirking responsibility", "C S38", "new_yamen"),
    ],
    # 所属领域 (§3 Clue.field).
    "clue_field": [
        ("three_assets", "农村三资", "Collective assets", ""),
        ("land", "征地拆迁", "Land requisition", ""),
        ("subsidy", "惠农补贴", "Farm subsidies", ""),
        ("project", "工程项目", "Construction projects", ""),
        ("poverty", "扶贫/乡村振兴", "Poverty relief / rural revitalization", ""),
        ("relief", "低保救助", "Social assistance", ""),
        ("services", "便民服务", "Public services", ""),
        ("other", "其他", "Other", ""),
    ],
    # §5.19 handling way.
    "handling_way": [
        ("direct", "自办/本级直查", "Handled directly", "L S30"),
        ("forwarded", "转办", "Forwarded", "L S30"),
        ("assigned", "交办", "Assigned", "L S30"),
        ("supervised", "督办", "Supervised", "L S30"),
        ("lower", "转下级调查", "To lower level", "L S36"),
        ("other_unit", "转其他单位", "To another unit", "L S36"),
    ],
    # §5.13 subject identity; "village_cadre" and "village_staff" limit state sanctions.
    "subject_identity": [
        ("civil_servant", "公务员", "Civil servant", "L S35"),
        ("civil_servant_like", "参公", "Managed as civil servant", "L S35"),
        ("institution", "事业单位人员", "Public institution staff", "L S35"),
        ("soe", "国企人员", "State-owned enterprise staff", "L S35"),
        ("village_cadre", "村(社区)两委干部", "Village / community committee cadre", "L S35"),
        (
            "village_staff",
            "村组其他人员(会计/出纳/报账员/村民小组长)",
            "Other village staff",
            "L S35",
        ),
        ("committee_member", "村监委成员", "Supervision committee member", "L S36b"),
        ("other", "其他", "Other", ""),
    ],
    # §5.21 Party sanction [C S25b].
    "party_sanction": [
        ("warning", "警告", "Warning", "C S25b"),
        ("serious_warning", "严重警告", "Serious warning", "C S25b"),
        ("removal", "撤销党内职务", "Removal from Party posts", "C S25b"),
        ("probation", "留党察看", "Probation within the Party", "C S25b"),
        ("expulsion", "开除党籍", "Expulsion from the Party", "C S25b"),
    ],
    # §5.22 State sanction (政务处分) [C S26b]; months of effect in the note.
    "state_sanction": [
        ("warning", "警告", "Warning", "6个月"),
        ("demerit", "记过", "Demerit", "12个月"),
        ("major_demerit", "记大过", "Major demerit", "18个月"),
        ("demotion", "降级", "Demotion in grade", "24个月"),
        ("dismissal", "撤职", "Removal from post", "24个月"),
        ("expulsion", "开除", "Dismissal", ""),
    ],
    # §5.23 organizational handling [C S28c, S27b].
    "org_handling": [
        ("suspension", "停职检查", "Suspension for examination", "C S28c"),
        ("adjustment", "调整职务", "Change of post", "C S28c"),
        ("resign", "责令辞职", "Ordered to resign", "C S28c"),
        ("removal", "免职", "Removal", "C S28c"),
        ("demotion", "降职", "Demotion", "C S28c"),
        ("warning_talk", "警示谈话", "Warning talk (non-member village cadre)", "C S27b"),
        ("public_review", "责令公开检查", "Ordered public self-criticism", "C S27b"),
        ("circulated", "通报批评", "Circulated criticism", "C S27b"),
        ("recall", "建议取消当选资格/罢免", "Recommend recall", "C S27b"),
    ],
    # §5.20 first-form measures (not sanctions).
    "handling_measure": [
        ("self_criticism", "批评和自我批评", "Criticism and self-criticism", "C S24"),
        ("reminder", "谈话提醒", "Reminder talk", "C S24"),
        ("criticism", "批评教育", "Criticism and education", "C S24"),
        ("self_exam", "责令检查", "Ordered self-examination", "C S24"),
        ("admonish", "诫勉", "Admonishment", "C S24"),
    ],
    # §3 PublicNotice channel.
    "notice_channel": [
        ("website", "网站", "Website", ""),
        ("wechat", "微信公众号", "WeChat", ""),
        ("meeting", "会议通报", "Meeting", ""),
        ("media", "新闻媒体", "Media", ""),
    ],
}

# 政务处分法 art.22 [C S27b]: managers of 村(居)委会 may receive only these state sanctions.
VILLAGE_STATE_SANCTIONS = ("warning", "demerit", "major_demerit")
VILLAGE_IDENTITIES = ("village_cadre", "village_staff")
# Party sanctions of the third form (heavy) and the second form (light).
HEAVY_PARTY_SANCTIONS = ("removal", "probation", "expulsion")
LIGHT_PARTY_SANCTIONS = ("warning", "serious_warning")
PARTY_STATUSES = ("中共党员", "中共预备党员")
POLITICAL_STATUSES = ("中共党员", "中共预备党员", "共青团员", "民主党派", "群众")
