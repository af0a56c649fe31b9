"""Create or drop a scratch PostgreSQL database: ``python -m whirlwind.testing.pgdb
create|drop postgresql+psycopg://user@host:port/name``."""

from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url


def _admin_conn(url):
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def create(raw_url: str) -> None:
    url = make_url(raw_url)
    with _admin_conn(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{url.database}\" ENCODING 'UTF8' TEMPLATE template0")


def drop(raw_url: str) -> None:
    url = make_url(raw_url)
    with _admin_conn(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


if __name__ == "__main__":
    action, target = sys.argv[1], sys.argv[2]
    {"create": create, "drop": drop}[action](target)
