"""Password hashing with argon2 (argon2-cffi) and the password policy (zxcvbn)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so that timing does not tell.
_DUMMY = _hasher.hash("whirlwind-dummy-password")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Passwords among this many of the most common ones (zxcvbn's ranked list of leaked
# passwords) are refused, whatever else they contain.
COMMON_RANK = 10_000


def password_problem(password: str, username: str = "", display_name: str = "") -> str | None:
    """A Chinese message when a new password breaks the policy, else None: at least
    ``MIN_LENGTH`` characters, letters and digits (or symbols), not the username or the
    name (nor containing them), not one of the ``COMMON_RANK`` most common passwords, and
    not trivially guessable (zxcvbn score 0: keyboard walks, repeats, sequences, dates)."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符。"
    if password.isdigit() or password.isalpha():
        return "密码需同时包含字母和数字（或符号）。"
    lowered = password.lower()
    for own in (username, display_name):
        own = (own or "").strip().lower()
        if len(own) >= 3 and own in lowered:
            return "密码不能包含用户名或姓名。"
    from zxcvbn import zxcvbn
    from zxcvbn.matching import RANKED_DICTIONARIES

    rank = RANKED_DICTIONARIES["passwords"].get(lowered)
    if rank is not None and rank <= COMMON_RANK:
        return "该密码过于常见，请换一个不易被猜到的密码。"
    if zxcvbn(password[:100], user_inputs=[u for u in (username, display_name) if u])["score"] < 1:
        return "该密码太容易被猜到（如键盘顺序、重复字符、日期），请换一个。"
    return None
