"""``/me``: who the token (or session) acts as: user, unit, roles, permissions."""

from __future__ import annotations

from whirlwind.api.framework import COMPONENTS, INTEGER, STRING, endpoint, obj
from whirlwind.api.orgs import ORG_BRIEF, org_brief

ME = COMPONENTS.add(
    "Me",
    obj(
        id=INTEGER,
        username=STRING,
        display_name=STRING,
        org=ORG_BRIEF,
        roles={"type": "array", "items": obj(code=STRING, label=STRING)},
        permissions={"type": "array", "items": STRING},
        via_token={"type": "boolean"},
    ),
)


@endpoint("me", "/me", summary="当前用户与管辖范围", tag="账户", permission=None, response=ME)
def me(request):
    """The caller's account: a token acts with exactly these roles and this jurisdiction
    (the unit and everything below it)."""
    identity = request.identity
    user = identity.user
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "org": org_brief(user.org),
        "roles": [{"code": r.code, "label": r.label_zh} for r in user.roles if r.active],
        "permissions": sorted(identity.permissions),
        "via_token": identity.via_token,
    }
