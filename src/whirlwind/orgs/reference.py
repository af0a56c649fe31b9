"""Reference lists of the org area (domain.md §5.2)."""

REFERENCE = {
    "party_org_kind": [
        ("village", "村", "Village", "L S8"),
        ("community", "社区", "Community", "L S8"),
        ("organ", "机关", "Government organ", "L S8"),
        ("institution", "事业单位", "Public institution", "L S8"),
        ("soe", "国有企业", "State-owned enterprise", "L S8"),
        ("private", "非公企业", "Private enterprise", "L S8"),
        ("social", "社会组织", "Social organization", "L S8"),
    ],
}
