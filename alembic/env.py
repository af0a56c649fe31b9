"""Alembic environment: the database URL comes from the app settings of the ini file given
with ``-c`` (environment overrides applied, as for the app itself)."""

from alembic import context
from pyramid.paster import get_appsettings, setup_logging

from whirlwind.db import Base, UTCDateTime, get_engine
from whirlwind.models import Base as _models_loaded  # noqa: F401  (all models registered)
from whirlwind.settings import load_settings

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    setup_logging(config.config_file_name)

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    """Our column types render as the plain SQLAlchemy types they store as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _settings():
    url = config.attributes.get("sqlalchemy.url")
    if url:
        return {"sqlalchemy.url": url}
    return load_settings(get_appsettings(config.config_file_name, name="main"))


def run_migrations_offline():
    context.configure(
        url=_settings()["sqlalchemy.url"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = get_engine(_settings())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
