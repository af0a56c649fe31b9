"""``whirlwind create-token INI --username U [--name N] [--scope read|write] [--days D]``: a personal API token from the
command line (for setting up an integration on the server). Prints the token once."""

from __future__ import annotations

import sys

from sqlalchemy import select

from whirlwind.errors import DomainError


def create_token_args(parser):
    parser.add_argument("--username", required=True, help="the user the token acts as")
    parser.add_argument("--name", default="命令行创建", help="what the token is for")
    parser.add_argument(
        "--scope",
        choices=("read", "write"),
        default="read",
        help="read-only (default) or read-write",
    )
    parser.add_argument("--days", type=int, default=90, help="days until it expires (1-365)")


def create_token_command(env, args):
    from whirlwind.accounts.models import User
    from whirlwind.api.services import create_token

    request = env["request"]
    try:
        with request.tm:
            session = request.dbsession
            user = session.scalar(select(User).where(User.username == args.username))
            if user is None:
                print(f"用户 {args.username} 不存在。", file=sys.stderr)
                return 2
            token, raw = create_token(session, user, args.name, scope=args.scope, days=args.days)
            print(
                f"已为 {user.username}（{user.org.name}）创建令牌“{token.name}”，请妥善保存，它不会再次显示：",
                file=sys.stderr,
            )
            print(raw)
    except DomainError as e:
        print(e.message, file=sys.stderr)
        return 2
    return 0
