"""Whirlwind (红色旋风): grassroots supervision and micro-corruption case tracker."""

import warnings

# Pyramid, Colander and Deform still import setuptools' pkg_resources, whose import warns
# that it is deprecated: a message about our dependencies' internals that every command
# would print. Only that warning, and only when one of them is the importer, is silenced,
# before any of them is imported (every entry point imports this package first).
warnings.filterwarnings(
    "ignore",
    message="pkg_resources is deprecated",
    category=UserWarning,
    module=r"(pyramid|colander|deform|translationstring)(\.|$)",
)

from pyramid.config import Configurator  # noqa: E402

from whirlwind.settings import load_settings  # noqa: E402

# Every subsystem, in one readable list. An area's includeme adds its routes and views.
AREAS = (
    "whirlwind.orgs",
    "whirlwind.accounts",
    "whirlwind.reference",
    "whirlwind.attachments",
    "whirlwind.persons",
    "whirlwind.ledger",
    "whirlwind.targets",
    "whirlwind.audits",
    "whirlwind.disclosure",
    "whirlwind.cases",
    "whirlwind.search",
    "whirlwind.history",
    "whirlwind.reports",
    "whirlwind.supervision",
    "whirlwind.api",
)


def make_config(settings) -> Configurator:
    settings = load_settings(settings)
    # The UI speaks Simplified Chinese unless an ini file says otherwise.
    settings.setdefault("pyramid.default_locale_name", "zh_CN")
    config = Configurator(settings=settings)
    config.include("whirlwind.db")
    config.include("whirlwind.security")
    config.include("whirlwind.web")
    config.include("whirlwind.deadlines")
    for area in AREAS:
        config.include(area)
    return config


def main(global_config, **settings):
    """Build the WSGI application (paste.app_factory)."""
    config = make_config(settings)
    config.scan("whirlwind", ignore=["whirlwind.tests"])
    return config.make_wsgi_app()
