"""Core subcommands: initdb, add-user, verify-log."""

from __future__ import annotations

import getpass
import sys

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import select

from whirlwind.errors import DomainError


def alembic_config(config_uri: str) -> AlembicConfig:
    path = config_uri.split("#")[0]
    return AlembicConfig(path)


def migrate(config_uri: str) -> None:
    alembic_command.upgrade(alembic_config(config_uri), "head")


def seed_base(session, *, catalog: bool = True) -> None:
    """Data every installation needs: roles, reference lists and the default disclosure
    catalogue. Each seeder adds only what is missing and never overwrites an edit."""
    from whirlwind.accounts.services import seed_roles
    from whirlwind.disclosure.catalog import seed_catalog
    from whirlwind.reference.services import seed

    seed_roles(session)
    seed(session)
    if catalog:
        seed_catalog(session)


def initdb(env, args):
    migrate(args.config_uri)
    request = env["request"]
    with request.tm:
        seed_base(request.dbsession)
    print("数据库已迁移到最新版本，角色与参考数据已就绪。")
    return 0


def add_user_args(parser):
    parser.add_argument("--username", required=True)
    parser.add_argument(
        "--role",
        required=True,
        action="append",
        help="role code (repeatable): admin, city_inspector, district_inspector, "
        "street_inspector, org_officer, committee_member, leader",
    )
    parser.add_argument("--org", required=True, help="code of the user's unit")
    parser.add_argument("--name", default="", help="display name (default: the username)")
    parser.add_argument("--phone", default="")


def add_user(env, args):
    from whirlwind.accounts.services import create_user
    from whirlwind.orgs.models import Org

    if sys.stdin.isatty():
        password = getpass.getpass("密码: ")
        if getpass.getpass("再次输入密码: ") != password:
            print("两次输入的密码不一致。", file=sys.stderr)
            return 2
    else:
        password = sys.stdin.readline().rstrip("\n")
    request = env["request"]
    try:
        with request.tm:
            session = request.dbsession
            org = session.scalar(select(Org).where(Org.code == args.org))
            if org is None:
                print(f"单位编码 {args.org} 不存在。", file=sys.stderr)
                return 2
            user = create_user(
                session,
                username=args.username,
                display_name=args.name or args.username,
                org=org,
                role_codes=args.role,
                password=password,
                phone=args.phone,
            )
            print(f"已创建用户 {user.username}（{org.name}）。")
    except DomainError as e:
        print(e.message, file=sys.stderr)
        return 2
    return 0


def verify_log(env, args):
    from whirlwind.changelog import verify_chain

    request = env["request"]
    with request.tm:
        result = verify_chain(request.dbsession)
    if result.ok:
        print(f"变更记录校验通过：共 {result.checked} 条，哈希链完整。")
        return 0
    print(f"变更记录校验失败：{result.message}（已通过校验 {result.checked} 条）", file=sys.stderr)
    return 1
