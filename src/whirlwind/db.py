"""Database plumbing: declarative Base with a naming convention, engine, and the
transaction-managed ``request.dbsession`` (pyramid_tm + zope.sqlalchemy).

Code never commits: the transaction manager does, once per request (or per ``with tm:``
block in scripts).
"""

from __future__ import annotations

import datetime as dt

import zope.sqlalchemy
from sqlalchemy import DateTime, MetaData, engine_from_config, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from whirlwind import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite has no time zones; PostgreSQL stores ``timestamptz``. Either way the Python side
    sees an aware datetime in UTC, and templates convert to Asia/Shanghai for display.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime in UTC")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets readers work beside the writer.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def get_engine(settings, prefix="sqlalchemy."):
    url = settings[prefix + "url"]
    options = {}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 10}
    return engine_from_config(settings, prefix, **options)


def get_session_factory(engine, changelog_key: bytes | None = None):
    """Sessions bound to ``engine``; ``changelog_key`` is the key their change-log rows are
    chained with (``changelog.key_from_settings``; without it, the development key)."""
    factory = sessionmaker(info={"changelog_key": changelog_key} if changelog_key else None)
    factory.configure(bind=engine)
    return factory


def get_tm_session(session_factory, transaction_manager, request=None):
    """A session joined to the transaction manager: it commits or aborts with it."""
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    # Import every model so that relationships resolve before the first request.
    from whirlwind import models  # noqa: F401
    from whirlwind.changelog import key_from_settings

    engine = get_engine(settings)
    session_factory = get_session_factory(engine, key_from_settings(settings))
    config.registry["dbengine"] = engine
    config.registry["dbsession_factory"] = session_factory

    def dbsession(request):
        # Tests inject a session of their own through the environ.
        session = request.environ.get("app.dbsession")
        if session is None:
            session = get_tm_session(session_factory, request.tm, request=request)
        return session

    config.add_request_method(dbsession, reify=True)
