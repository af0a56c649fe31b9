"""Reference lists of the disclosure area (domain.md §5.10 channels, §5.11 failures)."""

REFERENCE = {
    "disclosure_channel": [
        ("board", "公开栏", "Public notice board (required fixed board)", "C S27"),
        ("broadcast", "广播", "Broadcast", "C S27"),
        ("website", "网站", "Website / network", "C S27"),
        ("leaflet", "明白纸", "Leaflet", "C S27"),
        ("meeting", "会议", "Meeting", "C S27"),
        ("touchscreen", "电子触摸屏", "Touch screen", "C S27"),
        ("wechat_group", "微信群", "WeChat group", "U common"),
        ("wechat_account", "微信公众号", "WeChat official account", "U common"),
        ("mini_program", "小程序", "Mini-program", "U common"),
    ],
    "disclosure_failure": [
        ("not_published", "未公开", "Not published", "C S26 art.31"),
        ("late", "不及时", "Not on time", "C S26 art.31"),
        ("incomplete", "不完整", "Incomplete", "C S26 art.31"),
        ("untrue", "不真实", "Untrue", "C S26 art.31"),
        (
            "irregular",
            "形式/程序不规范(未经审核)",
            "Irregular form or procedure (not reviewed)",
            "L S31",
        ),
        (
            "objection",
            "群众有异议/质询未答复",
            "Villagers' objection not answered",
            "C S26 art.31; L S31",
        ),
    ],
}
