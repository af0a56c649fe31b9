"""Two logins of the same user at the same moment (two devices) both succeed, also when the
stored password hash is upgraded on login (argon2 parameters changed): the upgrade is not an
edit of the versioned user record, so the two transactions cannot collide on its version."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from tests.factories import make_tree, make_users
from tests.reliability.conftest import race
from whirlwind.accounts.models import User
from whirlwind.accounts.passwords import verify_password
from whirlwind.accounts.services import authenticate


def test_two_logins_at_once_with_a_hash_upgrade(scratch_db_factory, app):
    db = scratch_db_factory("login")
    old_hasher = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with db.session() as s:
        users = make_users(s, make_tree(s))
        users["street"].password_hash = old_hasher.hash("secret123")  # older parameters
        s.commit()

    def log_in(i, barrier):
        session = db.session()
        try:
            barrier.wait()
            result = authenticate(
                session, app.registry.settings, "t_street", "secret123", f"10.0.0.{i + 1}"
            )
            session.commit()
            return result.user is not None
        finally:
            session.close()

    outcomes = race(2, log_in)
    assert [o.error for o in outcomes] == [None, None]
    assert [o.value for o in outcomes] == [True, True]
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "t_street"))
        assert verify_password(user.password_hash, "secret123")
        assert "t=2" not in user.password_hash  # upgraded to the current parameters
