"""Accounts (用户), roles (角色), login sessions, API tokens and login attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.db import Base, TimestampMixin, UTCDateTime, utcnow
from whirlwind.orgs.models import Org

user_roles = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    """角色: a named set of permissions. Roles are data, so a locality can add its own."""

    __tablename__ = "role"
    record_type = "role"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(60))
    label_en: Mapped[str] = mapped_column(String(60), default="")
    # Space-separated permission names (see whirlwind.security.Permission).
    permissions: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    # 两步验证 mandatory for the users of this role (accounts.totp).
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset(self.permissions.split())


class User(TimestampMixin, Base):
    """用户: a person who logs in, belonging to one unit whose subtree is their jurisdiction."""

    __tablename__ = "user_account"
    record_type = "user"
    __tracked__ = True
    __tracked_exclude__ = frozenset(
        {"password_hash", "updated_at", "created_at", "totp_secret", "totp_last_step"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Two-factor login (accounts.totp): the base32 secret ("" when off) and the last
    # 30-second step whose code was used (a code is accepted once).
    totp_secret: Mapped[str] = mapped_column(String(64), default="")
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def permissions(self) -> frozenset[str]:
        perms: set[str] = set()
        for role in self.roles:
            if role.active:
                perms |= role.permission_set
        return frozenset(perms)

    @property
    def role_labels(self) -> str:
        return "、".join(r.label_zh for r in self.roles)

    def has_role(self, code: str) -> bool:
        return any(r.code == code for r in self.roles)


class AuthSession(Base):
    """A server-side login session. The cookie carries a random key; logging out deletes
    the row, so a copied cookie is worthless afterwards."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    client_ip: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Base):
    """个人 API 令牌: stored as a SHA-256 hash; acts with its user's roles and jurisdiction,
    on ``/api/`` only, within its scope (``read``: safe methods only; ``write``: also
    changes) and until it expires."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    scope: Mapped[str] = mapped_column(String(10), default="read")
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    SCOPES = {"read": "只读", "write": "读写"}

    @property
    def scope_label(self) -> str:
        return self.SCOPES.get(self.scope, self.scope)

    def live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class LoginAttempt(Base):
    """Every login attempt, for throttling and the security log."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    success: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_login_attempt_username_created", "username", "created_at"),
        Index("ix_login_attempt_ip_created", "client_ip", "created_at"),
    )
