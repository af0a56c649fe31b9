"""Account services: authentication with throttling, user creation, role seeding."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from whirlwind.accounts.models import LoginAttempt, Role, User
from whirlwind.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from whirlwind.db import utcnow
from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.security import DEFAULT_ROLES
from whirlwind.settings import as_int

log = logging.getLogger("whirlwind.security")


@dataclass
class LoginResult:
    user: User | None
    message: str = ""
    throttled: bool = False


def _recent_failures(session, column, value, since) -> tuple[int, dt.datetime | None]:
    row = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.created_at >= since
        )
    ).one()
    return row[0], row[1]


def authenticate(session, settings, username: str, password: str, client_ip: str) -> LoginResult:
    """Check a username and password, throttling repeated failures per account and per
    client: after N failures inside the window, further attempts wait ``lock_seconds``
    after the last failure (the password is not even checked meanwhile)."""
    max_failures = as_int(settings, "whirlwind.login.max_failures", 5)
    window = dt.timedelta(seconds=as_int(settings, "whirlwind.login.window_seconds", 900))
    lock = dt.timedelta(seconds=as_int(settings, "whirlwind.login.lock_seconds", 60))
    now = utcnow()
    since = now - window
    # Last successful login resets the account's count.
    last_ok = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    )
    if last_ok and last_ok > since:
        since = last_ok
    for column, value in ((LoginAttempt.username, username), (LoginAttempt.client_ip, client_ip)):
        count, last = _recent_failures(session, column, value, since)
        if count >= max_failures and last is not None and now - last < lock:
            wait = int((lock - (now - last)).total_seconds()) + 1
            log.warning("login throttled: username=%s ip=%s failures=%s", username, client_ip, count)
            session.add(LoginAttempt(username=username, client_ip=client_ip, success=False))
            return LoginResult(None, f"登录失败次数过多，请 {wait} 秒后再试。", throttled=True)
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        session.add(LoginAttempt(username=username, client_ip=client_ip, success=False))
        log.info("login failed: username=%s ip=%s", username, client_ip)
        return LoginResult(None, "用户名或密码错误，或账号已停用。")
    session.add(LoginAttempt(username=username, client_ip=client_ip, success=True))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(user)


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed(problem, fields={"new_password": problem})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def seed_roles(session) -> dict[str, Role]:
    """Create the default roles that do not exist yet; existing ones are left as edited."""
    roles = {r.code: r for r in session.scalars(select(Role))}
    for sort, (code, zh, en, perms) in enumerate(DEFAULT_ROLES):
        if code not in roles:
            role = Role(code=code, label_zh=zh, label_en=en, permissions=" ".join(sorted(perms)), sort=sort)
            session.add(role)
            roles[code] = role
    session.flush()
    return roles


def create_user(
    session,
    *,
    username: str,
    display_name: str,
    org: Org,
    role_codes: list[str],
    password: str,
    phone: str = "",
) -> User:
    username = username.strip()
    if not username or len(username) > 64:
        raise ValidationFailed("用户名不能为空，且不超过 64 个字符。", fields={"username": "无效"})
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(f"用户名 {username} 已存在。", fields={"username": "已存在"})
    roles = list(session.scalars(select(Role).where(Role.code.in_(role_codes))))
    if len(roles) != len(set(role_codes)) or not roles:
        unknown = set(role_codes) - {r.code for r in roles}
        raise ValidationFailed(f"未知的角色：{'、'.join(sorted(unknown)) or '（未选择）'}", fields={"roles": "无效"})
    user = User(username=username, display_name=display_name.strip() or username, org=org, phone=phone)
    user.roles = roles
    set_password(user, password)
    session.add(user)
    session.flush()
    return user
