"""Core subcommands: initdb, add-user, verify-log, checkpoint."""

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


def verify_log_args(parser):
    parser.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="checkpoint file (from `whirlwind checkpoint`): also prove that no row up to "
        "its checkpoints was removed or rewritten",
    )


def verify_log(env, args):
    from whirlwind.changelog import verify_chain, verify_checkpoints

    request = env["request"]
    lines = None
    if getattr(args, "checkpoint", None):
        try:
            with open(args.checkpoint, encoding="utf-8") as f:
                lines = f.readlines()
        except OSError as e:
            print(f"无法读取检查点文件 {args.checkpoint}：{e.strerror}", file=sys.stderr)
            return 2
    with request.tm:
        result = verify_chain(request.dbsession)
        points = verify_checkpoints(request.dbsession, lines) if lines is not None else None
    if not result.ok:
        print(
            f"变更记录校验失败：{result.message}（已通过校验 {result.checked} 条）", file=sys.stderr
        )
        return 1
    if points is not None and not points.ok:
        print(f"变更记录校验失败：{points.message}", file=sys.stderr)
        return 1
    print(f"变更记录校验通过：共 {result.checked} 条，哈希链完整。")
    if points is not None:
        print(f"检查点 {points.checked} 个均与数据库一致：检查点之前的记录未被删除或改写。")
    return 0


def checkpoint_args(parser):
    parser.add_argument(
        "--file",
        metavar="FILE",
        help="append the checkpoint to FILE (default: whirlwind.checkpoint_file; '-' prints only)",
    )


def checkpoint(env, args):
    """Print the signed checkpoint of the change log and append it to the checkpoint file."""
    from whirlwind.changelog import checkpoint as make_checkpoint
    from whirlwind.changelog import checkpoint_line

    request = env["request"]
    path = args.file or request.registry.settings.get("whirlwind.checkpoint_file") or "-"
    with request.tm:
        try:
            line = checkpoint_line(make_checkpoint(request.dbsession))
        except ValueError as e:
            print(f"变更记录校验失败，不写检查点：{e}", file=sys.stderr)
            return 1
    if path != "-":
        import os

        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
    print(line)
    return 0
