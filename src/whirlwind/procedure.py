"""Configurable procedure values (domain.md marks them [L] local practice or [U]
unconfirmed): read from the ini settings of the running application, with the defaults
below when a value is not set (or when a service runs outside the application, e.g. in a
unit test). README "Procedure settings" lists them.

- ``whirlwind.ledger.city_stage``: when rectification items need the city sign-off (市级审核):
  ``package`` (default: when the item's package names a city member, or the item is the
  city's own), ``always`` or ``never`` (the city's own items keep it).
- ``whirlwind.targets.package_levels``: package levels every weak-organization target needs
  (default ``district street village``; ``city`` may be added).
- ``whirlwind.targets.ratio`` / ``whirlwind.targets.ratio_community``: 倒排 shares of a new
  campaign for villages and for communities (the community share defaults to the village
  share; one locality used 10% / 5%, domain.md §5.3 [L S5]).
- ``whirlwind.targets.min_satisfied_percent``: an acceptance with a lower satisfaction rate
  fails (re-rectify; one locality used 90%, domain.md §4.1 [L S12]); default 0 (off).
"""

from __future__ import annotations

from pyramid.threadlocal import get_current_registry

CITY_STAGE_VALUES = ("package", "always", "never")
PACKAGE_LEVEL_VALUES = ("city", "district", "street", "village")


def _settings() -> dict:
    registry = get_current_registry()
    return getattr(registry, "settings", None) or {}


def city_stage(settings=None) -> str:
    value = (
        (settings if settings is not None else _settings()).get("whirlwind.ledger.city_stage")
        or "package"
    ).strip()
    return value if value in CITY_STAGE_VALUES else "package"


def target_package_levels(settings=None) -> tuple[str, ...]:
    raw = (settings if settings is not None else _settings()).get(
        "whirlwind.targets.package_levels"
    ) or "district street village"
    levels = tuple(x for x in raw.split() if x in PACKAGE_LEVEL_VALUES)
    return levels or ("district", "street", "village")


def check(settings) -> None:
    """Refuse to start with a misspelt value (called from the ledger's includeme)."""
    value = (settings.get("whirlwind.ledger.city_stage") or "package").strip()
    if value not in CITY_STAGE_VALUES:
        raise ValueError(
            f"whirlwind.ledger.city_stage = {value!r}: expected one of {', '.join(CITY_STAGE_VALUES)}"
        )
    raw = settings.get("whirlwind.targets.package_levels") or ""
    bad = [x for x in raw.split() if x not in PACKAGE_LEVEL_VALUES]
    if bad:
        raise ValueError(f"whirlwind.targets.package_levels: unknown levels {bad}")
