"""The two checks every service makes before a write, written once.

- ``require(identity, permission, org_id)``: the record's unit must lie inside the
  identity's jurisdiction — otherwise ``NotFound``, so that a record outside it is as
  invisible to a service as it is to a list — and the identity must hold the permission
  (``Forbidden``). Without ``org_id`` only the permission is checked.
- ``check_version(record, version)``: optimistic locking. ``version`` is what the form or
  the API body carried: an integer that must equal the record's current version, or
  ``StaleVersion`` (409). ``None`` means the caller carries no version (an internal step,
  the demo, a command) and nothing is checked; a form or API schema that carries one makes
  it required (``forms.version_node``, ``api.framework.with_version``), so ``None`` never
  reaches here from a user.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from whirlwind.errors import Forbidden, NotFound, StaleVersion
from whirlwind.scoping import in_jurisdiction

FORBIDDEN = "您没有执行此操作的权限。"
NOT_VISIBLE = "记录不存在或不在您的管辖范围内。"


def require(identity, permission, org_id: int | None = None, *, message: str = FORBIDDEN):
    """Raise unless ``identity`` may do ``permission`` on a record of unit ``org_id``."""
    if identity is None:
        raise Forbidden(message)
    if org_id is not None:
        session = object_session(identity.user)
        if session is None or not in_jurisdiction(session, identity, org_id):
            raise NotFound(NOT_VISIBLE)
    if not identity.can(permission):
        raise Forbidden(message)


def check_version(record, version, message: str | None = None) -> None:
    """Raise ``StaleVersion`` unless ``version`` (when given) is the record's version."""
    if version is None:
        return
    if isinstance(version, bool):
        raise StaleVersion(*([message] if message else []))
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise StaleVersion(*([message] if message else [])) from None
    if seen != record.version:
        raise StaleVersion(*([message] if message else []))
