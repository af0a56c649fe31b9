"""The one ``require`` and the one ``check_version`` every service uses."""

from __future__ import annotations

import pytest

from tests.audits.helpers import ident, make_audit, make_finding
from whirlwind.errors import Forbidden, NotFound, StaleVersion
from whirlwind.guards import check_version, require
from whirlwind.security import Identity, Permission


class Record:
    version = 3


@pytest.mark.parametrize("seen", [None, 3, "3"])
def test_the_version_read_passes(seen):
    check_version(Record(), seen)


@pytest.mark.parametrize("seen", [2, "2", "", "abc", "3.0", True, [3]])
def test_any_other_version_is_stale_not_a_500(seen):
    with pytest.raises(StaleVersion, match="已被他人修改"):
        check_version(Record(), seen)
    with pytest.raises(StaleVersion, match="请刷新"):
        check_version(Record(), seen, "该事项已变化，请刷新。")


def test_require_hides_other_jurisdictions_and_then_checks_the_permission(tree, users):
    street = ident(users["street"])
    require(street, Permission.AUDITS_EDIT, tree["V1"].id)
    require(street, Permission.AUDITS_EDIT)
    with pytest.raises(NotFound):
        require(street, Permission.AUDITS_EDIT, tree["V3"].id)  # 蔡店街道's village
    bare = Identity(users["street"])  # no permissions
    with pytest.raises(NotFound):
        require(bare, Permission.AUDITS_EDIT, tree["V3"].id)
    with pytest.raises(Forbidden, match="没有"):
        require(bare, Permission.AUDITS_EDIT, tree["V1"].id, message="您没有该权限。")
    with pytest.raises(Forbidden):
        require(None, Permission.AUDITS_EDIT)


def test_audit_services_refuse_a_record_outside_the_jurisdiction(dbsession, tree, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit)
    other = ident(users["street_b"])
    from whirlwind.audits import services

    with pytest.raises(NotFound):
        services.update_finding(dbsession, other, finding, {"version": finding.version})
    with pytest.raises(NotFound):
        services.add_finding(dbsession, other, audit, {})
