"""Account services: authentication with throttling, user creation, role seeding."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update

from whirlwind.accounts.models import LoginAttempt, Role, User
from whirlwind.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from whirlwind.db import utcnow
from whirlwind.errors import ValidationFailed
from whirlwind.guards import check_version
from whirlwind.orgs.models import Org
from whirlwind.security import DEFAULT_ROLES
from whirlwind.settings import as_int

log = logging.getLogger("whirlwind.security")


@dataclass
class LoginResult:
    user: User | None
    message: str = ""
    throttled: bool = False
    # The password was right, and the login waits for a two-factor code (accounts.totp).
    second_factor: bool = False


def _recent_failures(session, column, value, since) -> tuple[int, dt.datetime | None]:
    row = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.created_at >= since
        )
    ).one()
    return row[0], row[1]


def account_throttled(session, settings, username: str) -> str | None:
    """The Chinese message when ``username`` has too many recent failures (password or
    two-factor code) and must wait, else None."""
    max_failures = as_int(settings, "whirlwind.login.max_failures", 5)
    window = dt.timedelta(seconds=as_int(settings, "whirlwind.login.window_seconds", 900))
    lock = dt.timedelta(seconds=as_int(settings, "whirlwind.login.lock_seconds", 60))
    now = utcnow()
    since = now - window
    last_ok = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    )
    if last_ok and last_ok > since:
        since = last_ok
    count, last = _recent_failures(session, LoginAttempt.username, username, since)
    if count >= max_failures and last is not None and now - last < lock:
        wait = int((lock - (now - last)).total_seconds()) + 1
        return f"登录失败次数过多，请 {wait} 秒后再试。"
    return None


def authenticate(session, settings, username: str, password: str, client_ip: str) -> LoginResult:
    """Check a username and password, throttling repeated failures per account and per
    client address, each on its own count: after ``max_failures`` failures of one account
    inside the window (from anywhere), or ``ip_max_failures`` failures from one address
    (any accounts: a whole office behind one address is not locked by a few typos), further
    attempts wait ``lock_seconds`` after the last failure (the password is not even checked
    meanwhile)."""
    max_failures = as_int(settings, "whirlwind.login.max_failures", 5)
    ip_max_failures = as_int(settings, "whirlwind.login.ip_max_failures", 30)
    window = dt.timedelta(seconds=as_int(settings, "whirlwind.login.window_seconds", 900))
    lock = dt.timedelta(seconds=as_int(settings, "whirlwind.login.lock_seconds", 60))
    now = utcnow()
    since = now - window
    # Last successful login resets the account's count (not the address's).
    last_ok = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    )
    account_since = last_ok if last_ok and last_ok > since else since
    for column, value, limit, start in (
        (LoginAttempt.username, username, max_failures, account_since),
        (LoginAttempt.client_ip, client_ip, ip_max_failures, since),
    ):
        count, last = _recent_failures(session, column, value, start)
        if count >= limit and last is not None and now - last < lock:
            wait = int((lock - (now - last)).total_seconds()) + 1
            log.warning(
                "login throttled: username=%s ip=%s failures=%s", username, client_ip, count
            )
            session.add(LoginAttempt(username=username, client_ip=client_ip, success=False))
            return LoginResult(None, f"登录失败次数过多，请 {wait} 秒后再试。", throttled=True)
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        session.add(LoginAttempt(username=username, client_ip=client_ip, success=False))
        log.info("login failed: username=%s ip=%s", username, client_ip)
        return LoginResult(None, "用户名或密码错误，或账号已停用。")
    from whirlwind.accounts import totp

    second_factor = totp.enabled(user) or totp.required(user)
    if not second_factor:
        # With a second factor, only the code's step counts as a success (a right password
        # alone must not reset the account's count of wrong codes).
        session.add(LoginAttempt(username=username, client_ip=client_ip, success=True))
    if needs_rehash(user.password_hash):
        # A plain UPDATE, not an edit of the versioned user record: two logins of the same
        # user at once (two devices) must not collide on the version (StaleDataError).
        session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=hash_password(password))
            .execution_options(synchronize_session=False)
        )
    return LoginResult(user, second_factor=second_factor)


def set_password(user: User, password: str) -> None:
    """Set ``user``'s password after the policy (``passwords.password_problem``: length,
    letters and digits, not the username or name, not a common password)."""
    problem = password_problem(password, user.username, user.display_name)
    if problem:
        raise ValidationFailed(problem, fields={"new_password": problem})
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def change_own_password(
    session, user: User, old_password: str, new_password: str, keep_session_hash: str | None
) -> int:
    """修改密码: the user's own change. The current password must be right; the new one must
    pass the policy; every other login session of the user ends (a session someone else
    opened with the old password dies with it). Returns how many sessions ended."""
    from sqlalchemy import delete

    from whirlwind.accounts.models import AuthSession

    if not verify_password(user.password_hash, old_password):
        raise ValidationFailed("当前密码不正确。", fields={"old_password": "当前密码不正确"})
    if old_password == new_password:
        raise ValidationFailed(
            "新密码不能与当前密码相同。", fields={"new_password": "与当前密码相同"}
        )
    set_password(user, new_password)
    stmt = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep_session_hash:
        stmt = stmt.where(AuthSession.key_hash != keep_session_hash)
    ended = session.execute(stmt).rowcount or 0
    session.flush()
    return ended


def seed_roles(session) -> dict[str, Role]:
    """Create the default roles that do not exist yet; existing ones are left as edited."""
    roles = {r.code: r for r in session.scalars(select(Role))}
    for sort, (code, zh, en, perms) in enumerate(DEFAULT_ROLES):
        if code not in roles:
            role = Role(
                code=code, label_zh=zh, label_en=en, permissions=" ".join(sorted(perms)), sort=sort
            )
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
        raise ValidationFailed(
            f"未知的角色：{'、'.join(sorted(unknown)) or '（未选择）'}", fields={"roles": "无效"}
        )
    user = User(
        username=username, display_name=display_name.strip() or username, org=org, phone=phone
    )
    user.roles = roles
    set_password(user, password)
    session.add(user)
    session.flush()
    return user


# --- Administration of users and roles (用户管理、角色管理) -------------------------------


def _in_jurisdiction_or_404(session, actor, org_id) -> None:
    from whirlwind.errors import NotFound
    from whirlwind.scoping import in_jurisdiction

    if not in_jurisdiction(session, actor, org_id):
        raise NotFound("单位不存在或不在您的管辖范围内。")


def assignable_roles(session, actor) -> list[Role]:
    """Active roles an administrator may give: none that grants more than they hold."""
    roles = session.scalars(select(Role).where(Role.active.is_(True)).order_by(Role.sort, Role.id))
    return [r for r in roles if r.permission_set <= actor.permissions]


def _roles_for(session, actor, role_codes) -> list[Role]:
    allowed = {r.code: r for r in assignable_roles(session, actor)}
    codes = set(role_codes or ())
    if not codes:
        raise ValidationFailed("请至少选择一个角色。", fields={"roles": "必填"})
    refused = codes - set(allowed)
    if refused:
        raise ValidationFailed(
            f"不能授予角色：{'、'.join(sorted(refused))}（超出您自己的权限或已停用）。",
            fields={"roles": "无效"},
        )
    return [allowed[c] for c in sorted(codes)]


def admin_create_user(
    session, actor, *, username, display_name, org, role_codes, password, phone=""
):
    """Create a user inside the administrator's jurisdiction."""
    _in_jurisdiction_or_404(session, actor, org.id)
    if not org.active:
        raise ValidationFailed("所选单位已停用。", fields={"org_id": "已停用"})
    _roles_for(session, actor, role_codes)
    return create_user(
        session,
        username=username,
        display_name=display_name,
        org=org,
        role_codes=list(role_codes),
        password=password,
        phone=phone,
    )


def update_user(session, actor, user: User, *, display_name, phone, org, role_codes, version=None):

    check_version(user, version)
    _in_jurisdiction_or_404(session, actor, org.id)
    roles = _roles_for(session, actor, role_codes)
    # Roles the editor may not grant stay as they were (never silently removed or added).
    kept = [r for r in user.roles if not (r.permission_set <= actor.permissions)]
    if user.id == actor.id and org.id != user.org_id:
        raise ValidationFailed("不能修改您自己的所属单位。", fields={"org_id": "不可修改"})
    user.display_name = (display_name or "").strip() or user.username
    user.phone = (phone or "").strip()
    user.org_id = org.id
    user.org = org
    new_roles = kept + roles
    if {r.id for r in new_roles} != {r.id for r in user.roles}:
        from whirlwind import changelog

        changelog.set_action(user, "修改角色：" + "、".join(r.label_zh for r in new_roles))
        user.roles = new_roles
        # The role change itself touches only the link table: bump the version so the
        # change is logged with the user.
        user.updated_at = utcnow()
    session.flush()
    return user


def end_sessions(session, user: User) -> int:
    from sqlalchemy import delete

    from whirlwind.accounts.models import AuthSession

    return session.execute(delete(AuthSession).where(AuthSession.user_id == user.id)).rowcount or 0


def deactivate_user(session, actor, user: User) -> None:
    """停用: the account can no longer log in, its open sessions end now and its API tokens
    are revoked for good."""
    if user.id == actor.id:
        raise ValidationFailed("不能停用您自己的账号。")
    if not user.active:
        raise ValidationFailed("该账号已停用。")
    user.active = False
    end_sessions(session, user)
    from whirlwind.api.services import revoke_all_tokens

    revoke_all_tokens(session, user)
    session.flush()


def reactivate_user(session, actor, user: User) -> None:
    if user.active:
        raise ValidationFailed("该账号已是启用状态。")
    if not user.org.active:
        raise ValidationFailed("该用户所属单位已停用，请先调整所属单位。")
    user.active = True
    session.flush()


def reset_password(session, actor, user: User, password: str) -> None:
    """An administrator sets a temporary password; the user's sessions end, and two-factor
    login is reset (a user who lost the phone sets it up again: at the next login when a
    role requires it)."""
    from whirlwind import changelog

    set_password(user, password)
    user.totp_secret = ""
    changelog.set_action(user, "重置密码")
    end_sessions(session, user)
    session.flush()


def update_role(
    session,
    actor,
    role: Role,
    *,
    label_zh,
    label_en,
    active,
    permissions,
    sort=0,
    require_totp=False,
) -> Role:
    """Roles are data: an administrator edits their labels and permissions."""
    from whirlwind.security import Permission

    known = {str(p) for p in Permission}
    perms = {str(p) for p in permissions}
    unknown = perms - known
    if unknown:
        raise ValidationFailed(f"未知的权限：{'、'.join(sorted(unknown))}")
    if not (label_zh or "").strip():
        raise ValidationFailed("角色名称不能为空。", fields={"label_zh": "必填"})
    if role.code == "admin" and (not active or {"users:manage", "orgs:manage"} - perms):
        raise ValidationFailed("系统管理员角色必须保持启用，且保留用户管理和组织机构管理权限。")
    if perms - actor.permissions:
        raise ValidationFailed("不能授予您自己没有的权限。")
    role.label_zh = label_zh.strip()
    role.label_en = (label_en or "").strip()
    role.active = bool(active)
    role.require_totp = bool(require_totp)
    role.sort = int(sort or 0)
    role.permissions = " ".join(sorted(perms))
    session.flush()
    return role


def create_role(
    session, actor, *, code, label_zh, label_en="", permissions=(), sort=0, require_totp=False
) -> Role:
    import re

    code = (code or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", code):
        raise ValidationFailed(
            "角色代码只能使用小写字母、数字和下划线，以字母开头。", fields={"code": "格式不对"}
        )
    if session.scalar(select(Role.id).where(Role.code == code)) is not None:
        raise ValidationFailed(f"角色代码 {code} 已存在。", fields={"code": "已存在"})
    role = Role(code=code, label_zh="", permissions="")
    session.add(role)
    return update_role(
        session,
        actor,
        role,
        label_zh=label_zh,
        label_en=label_en,
        active=True,
        permissions=permissions,
        sort=sort,
        require_totp=require_totp,
    )
