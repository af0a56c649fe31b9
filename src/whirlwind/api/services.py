"""Personal API tokens (个人 API 令牌): create, list, revoke.

A token is shown once when created and stored only as its SHA-256 hash
(``whirlwind.security.new_api_token``); it acts with its user's roles and jurisdiction, so
it can never do more than the user could in the browser. Revoking is immediate: the next
request with the token answers 401.
"""

from __future__ import annotations

import colander
from sqlalchemy import select

from whirlwind.accounts.models import ApiToken, User
from whirlwind.db import utcnow
from whirlwind.errors import Forbidden, NotFound, ValidationFailed
from whirlwind.forms import text
from whirlwind.security import Permission, new_api_token

MAX_ACTIVE_TOKENS = 20


class TokenSchema(colander.MappingSchema):
    name = text("令牌名称", max_length=100, description="用途，例如“网格化平台同步”")


def tokens_for(session, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(stmt))


def create_token(session, user: User, name: str) -> tuple[ApiToken, str]:
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
    active = [t for t in tokens_for(session, user) if t.revoked_at is None]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(f"有效令牌已达 {MAX_ACTIVE_TOKENS} 个，请先撤销不用的令牌。")
    return new_api_token(session, user, name)


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
