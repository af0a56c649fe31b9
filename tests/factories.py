"""Test data builders: a small org tree and a user of every role at the right levels.

Tree (codes in brackets)::

    city 武汉市 [C]
    ├── district 黄陂区 [D1] (rural)
    │   ├── street 祁家湾街道 [S1]
    │   │   ├── village 大潭村 [V1]
    │   │   └── village 星光村 [V2]
    │   └── street 蔡店街道 [S2]
    │       └── village 刘家山村 [V3]
    └── district 江岸区 [D2]
        └── street 大智街道 [S3]
            └── community 三阳社区 [K1]
"""

from __future__ import annotations

from whirlwind.accounts.services import create_user
from whirlwind.orgs.services import create_org

PASSWORD = "secret123"


def make_tree(session) -> dict:
    t = {}
    t["C"] = create_org(session, code="T420100", name="武汉市", level="city")
    t["D1"] = create_org(
        session, code="T420116", name="黄陂区", level="district", parent=t["C"], is_rural=True
    )
    t["D2"] = create_org(session, code="T420102", name="江岸区", level="district", parent=t["C"])
    t["S1"] = create_org(
        session, code="T420116001", name="祁家湾街道", level="street", parent=t["D1"]
    )
    t["S2"] = create_org(
        session, code="T420116002", name="蔡店街道", level="street", parent=t["D1"]
    )
    t["S3"] = create_org(
        session, code="T420102001", name="大智街道", level="street", parent=t["D2"]
    )
    t["V1"] = create_org(
        session, code="T420116001001", name="大潭村", level="village", parent=t["S1"], is_rural=True
    )
    t["V2"] = create_org(
        session, code="T420116001002", name="星光村", level="village", parent=t["S1"], is_rural=True
    )
    t["V3"] = create_org(
        session,
        code="T420116002001",
        name="刘家山村",
        level="village",
        parent=t["S2"],
        is_rural=True,
    )
    t["K1"] = create_org(
        session, code="T420102001001", name="三阳社区", level="community", parent=t["S3"]
    )
    return t


# key -> (role codes, org key)
USERS = {
    "admin": (["admin"], "C"),
    "city": (["city_inspector"], "C"),
    "city_leader": (["leader"], "C"),
    "city_org": (["org_officer"], "C"),
    "district": (["district_inspector"], "D1"),
    "district_b": (["district_inspector"], "D2"),
    "district_org": (["org_officer"], "D1"),
    "district_leader": (["leader"], "D1"),
    "street": (["street_inspector"], "S1"),
    # A second reviewer of 祁家湾街道: the one who applied to clear an item signs none of its
    # stages (separation of duties), so a sign-off there is this user's.
    "street2": (["street_inspector"], "S1"),
    "street_b": (["street_inspector"], "S2"),
    "street_c": (["street_inspector"], "S3"),
    "committee": (["committee_member"], "V1"),
    "committee_b": (["committee_member"], "V2"),
}


def make_users(session, tree) -> dict:
    return {
        key: create_user(
            session,
            username=f"t_{key}",
            display_name=f"测试{key}",
            org=tree[org],
            role_codes=roles,
            password=PASSWORD,
        )
        for key, (roles, org) in USERS.items()
    }
