"""Application settings: the ini file, overridden by the environment.

Every ``whirlwind.*`` setting can be set from an environment variable named after it in
upper case with dots turned into underscores (``whirlwind.index_dir`` ->
``WHIRLWIND_INDEX_DIR``). The database URL comes from ``WHIRLWIND_DB_URL``. Production's ini
file lists the variables it cannot run without in ``whirlwind.require_env``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

ENV_DB_URL = "WHIRLWIND_DB_URL"


class SettingsError(RuntimeError):
    """A required setting is missing."""


def env_name(key: str) -> str:
    return key.upper().replace(".", "_")


def load_settings(settings: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict:
    environ = os.environ if environ is None else environ
    result = dict(settings)
    if environ.get(ENV_DB_URL):
        result["sqlalchemy.url"] = environ[ENV_DB_URL]
    for key in list(result):
        if key.startswith("whirlwind."):
            value = environ.get(env_name(key))
            if value is not None:
                result[key] = value
    # Variables that exist only in the environment (e.g. WHIRLWIND_SECRET in production).
    for name, value in environ.items():
        if name.startswith("WHIRLWIND_") and name != ENV_DB_URL:
            key = "whirlwind." + name[len("WHIRLWIND_") :].lower()
            result.setdefault(key, value)
    missing = [n for n in result.get("whirlwind.require_env", "").split() if not environ.get(n)]
    if missing:
        raise SettingsError("missing environment variables: " + ", ".join(missing))
    if not result.get("sqlalchemy.url"):
        raise SettingsError(f"no database URL: set sqlalchemy.url or {ENV_DB_URL}")
    return result


def as_int(settings: Mapping[str, Any], key: str, default: int) -> int:
    value = settings.get(key)
    return default if value in (None, "") else int(value)


def as_bool(settings: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = settings.get(key)
    if value in (None, ""):
        return default
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
