"""Personal API tokens (个人 API 令牌): create, list, revoke.

A token is shown once when created and stored only as its SHA-256 hash
(``whirlwind.security.new_api_token``); it acts with its user's roles and jurisdiction, so
it can never do more than the user could in the browser, and less: it works on ``/api/``
only, cannot manage tokens, is read-only unless created with scope ``write``, and expires
(at most after a year). Revoking is immediate: the next request with the token answers 401;
deactivating the user revokes all their tokens for good.
"""

from __future__ import annotations

import colander
import deform
from sqlalchemy import select

from whirlwind.accounts.models import ApiToken, User
from whirlwind.db import utcnow
from whirlwind.errors import Forbidden, NotFound, ValidationFailed
from whirlwind.forms import text
from whirlwind.security import TOKEN_MAX_DAYS, TOKEN_SCOPES, Permission, new_api_token

MAX_ACTIVE_TOKENS = 20


SCOPE_CHOICES = (("read", "只读（只能查询）"), ("write", "读写（可以修改数据）"))
DAYS_CHOICES = ((30, "30 天"), (90, "90 天"), (180, "180 天"), (365, "365 天"))


class TokenSchema(colander.MappingSchema):
    name = text("令牌名称", max_length=100, description="用途，例如“网格化平台同步”")
    scope = colander.SchemaNode(
        colander.String(),
        title="权限范围",
        default="read",
        missing="read",
        validator=colander.OneOf([c for c, _ in SCOPE_CHOICES]),
        widget=deform.widget.SelectWidget(values=SCOPE_CHOICES),
    )
    days = colander.SchemaNode(
        colander.Integer(),
        title="有效期",
        default=90,
        missing=90,
        validator=colander.OneOf([d for d, _ in DAYS_CHOICES]),
        widget=deform.widget.SelectWidget(values=[(str(d), label) for d, label in DAYS_CHOICES]),
    )


def tokens_for(session, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def create_token(
    session, user: User, name: str, *, scope: str = "read", days: int = 90
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw value (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写令牌名称。", fields={"name": "必填"})
    if len(name) > 100:
        raise ValidationFailed("令牌名称不能超过 100 个字符。", fields={"name": "过长"})
    if not user.active:
        raise Forbidden("该用户已停用，不能创建令牌。")
    if Permission.API_TOKENS not in user.permissions:
        raise Forbidden("该用户的角色不允许使用 API 令牌。")
    if scope not in TOKEN_SCOPES:
        raise ValidationFailed(
            "权限范围只能是只读（read）或读写（write）。", fields={"scope": "无效"}
        )
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationFailed(
            f"有效期须在 1 到 {TOKEN_MAX_DAYS} 天之间。", fields={"days": "超出范围"}
        )
    now = utcnow()
    active = [t for t in tokens_for(session, user) if t.live(now)]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(f"有效令牌已达 {MAX_ACTIVE_TOKENS} 个，请先撤销不用的令牌。")
    return new_api_token(session, user, name, scope=scope, days=days)


def revoke_all_tokens(session, user: User) -> int:
    """Revoke every token of ``user`` for good (when the account is deactivated: turning
    it on again does not bring the tokens back)."""
    now = utcnow()
    count = 0
    for token in tokens_for(session, user):
        if token.revoked_at is None:
            token.revoked_at = now
            count += 1
    return count


def revoke_token(session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is simply not found."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound("令牌不存在。")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token
