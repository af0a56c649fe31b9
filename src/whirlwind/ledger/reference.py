"""Reference lists of the ledger (domain.md §5.4 package roles)."""

REFERENCE = {
    "package_role": [
        ("city_leader", "市级包保领导", "City-level responsible leader", "L S12-S15"),
        ("district_leader", "区级包保领导", "District-level responsible leader", "L S12-S15"),
        (
            "street_leader",
            "街道包保领导/第一责任人",
            "Street-level leader / first responsible",
            "L S12-S15",
        ),
        (
            "first_secretary",
            "第一书记/驻村(社区)工作队",
            "First secretary / resident work team",
            "L S12-S15",
        ),
        ("pairing_unit", "结对帮扶单位", "Pairing unit", "L S12-S15"),
        (
            "direct",
            "直接责任人(村/社区书记)",
            "Directly responsible (village/community secretary)",
            "L S12-S15",
        ),
    ],
}
