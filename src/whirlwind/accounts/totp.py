"""Two-factor login with time-based one-time passwords (TOTP, RFC 6238, via pyotp): 两步验证.

Optional for everyone (user menu → 两步验证); mandatory for the users of any role whose
``require_totp`` an administrator set (角色管理). A user who must use it and has not set it
up enrols right after the password, before the login completes. A code is accepted once
(the step it belongs to is remembered: a code seen over someone's shoulder cannot be
replayed), within one 30-second step of the server's clock either side. Wrong codes count
as failed logins of the account, so the login throttle applies to them too.
"""

from __future__ import annotations

import datetime as dt
import re

import pyotp

from whirlwind.accounts.models import LoginAttempt, User
from whirlwind.db import utcnow
from whirlwind.errors import ValidationFailed

ISSUER = "红色旋风"
STEP = 30
CODE = re.compile(r"\d{6}")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app imports (or the secret typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def required(user: User) -> bool:
    """Whether one of the user's active roles makes two-factor login mandatory."""
    return any(role.active and role.require_totp for role in user.roles)


def enabled(user: User) -> bool:
    return bool(user.totp_secret)


def _matching_step(secret: str, code: str, now: dt.datetime) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // STEP
    for candidate in (step, step - 1, step + 1):
        if pyotp.utils.strings_equal(totp.at(candidate * STEP), code):
            return candidate
    return None


def check_code(session, user: User, code: str, client_ip: str, secret: str | None = None) -> bool:
    """Whether ``code`` is a fresh code of ``secret`` (default: the user's own). Records the
    attempt like a login attempt (a failure counts for the account's throttle) and, on
    success, remembers the step so that the code cannot be used again."""
    secret = secret or user.totp_secret
    now = utcnow()
    step = _matching_step(secret, code, now) if secret else None
    ok = step is not None and step > (user.totp_last_step or 0)
    session.add(LoginAttempt(username=user.username, client_ip=client_ip, success=ok))
    if ok:
        user.totp_last_step = step
    session.flush()
    return ok


def enable(session, user: User, secret: str, code: str, client_ip: str) -> None:
    """Turn two-factor login on with ``secret``, once the user proved their app has it."""
    if not secret or not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        raise ValidationFailed("两步验证设置已过期，请重新开始。")
    if not check_code(session, user, code, client_ip, secret):
        raise ValidationFailed(
            "验证码不正确或已使用，请查看验证器中的最新验证码。", fields={"code": "不正确"}
        )
    user.totp_secret = secret
    session.flush()


def disable(session, user: User, code: str, client_ip: str) -> None:
    """Turn it off (a current code needed); refused while a role of the user requires it."""
    if not enabled(user):
        raise ValidationFailed("两步验证未开启。")
    if required(user):
        raise ValidationFailed("您的角色要求使用两步验证，不能关闭。")
    if not check_code(session, user, code, client_ip):
        raise ValidationFailed("验证码不正确或已使用。", fields={"code": "不正确"})
    user.totp_secret = ""
    session.flush()


def pending_login(request, user: User, next_url: str) -> None:
    """After a right password: the login waits for the second factor. A fresh session holds
    only who is half-way in (and, for a user who must enrol, the secret being set up)."""
    request.session.invalidate()
    pending = {"uid": user.id, "at": int(utcnow().timestamp()), "next": next_url}
    if not enabled(user):
        pending["secret"] = new_secret()
    request.session[PENDING_KEY] = pending


PENDING_KEY = "auth.totp_pending"
PENDING_SECONDS = 300


def pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not isinstance(pending, dict) or "uid" not in pending:
        return None, {}
    if int(utcnow().timestamp()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = request.dbsession.get(User, pending["uid"])
    if user is None or not user.active:
        return None, {}
    return user, pending
