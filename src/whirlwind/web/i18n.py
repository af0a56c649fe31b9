"""Localization: Simplified Chinese (zh_CN) is the default locale.

Our own UI strings are written in Chinese (msgids in Chinese, domain "whirlwind") so that
an English catalog can follow under locale/en/. Colander and Deform ship their Chinese
catalogs as zh_Hans / zh_CN; they are merged into one zh_CN localizer at start-up.
"""

import gettext
import os

from pyramid.i18n import Localizer, Translations, TranslationStringFactory
from pyramid.interfaces import ILocalizer

_ = TranslationStringFactory("whirlwind")

CATALOGS = [
    # (package locale dir, locale names to try, domain)
    ("colander", ("zh_CN", "zh_Hans"), "colander"),
    ("deform", ("zh_CN", "zh_Hans"), "deform"),
]


def _locale_dir(package):
    module = __import__(package)
    return os.path.join(os.path.dirname(module.__file__), "locale")


def build_zh_localizer() -> Localizer:
    translations = Translations()
    translations._catalog = {}
    for package, names, domain in CATALOGS:
        base = _locale_dir(package)
        for name in names:
            path = os.path.join(base, name, "LC_MESSAGES", f"{domain}.mo")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    translations.add(Translations(f, domain=domain))
                break
    ours = os.path.join(os.path.dirname(os.path.dirname(__file__)), "locale")
    for domain_file in ("whirlwind.mo",):
        path = os.path.join(ours, "zh_CN", "LC_MESSAGES", domain_file)
        if os.path.exists(path):
            with open(path, "rb") as f:
                translations.add(Translations(f, domain="whirlwind"))
    return Localizer("zh_CN", translations)


def includeme(config):
    config.add_translation_dirs("whirlwind:locale")
    config.registry.registerUtility(build_zh_localizer(), ILocalizer, name="zh_CN")


__all__ = ["_", "gettext"]
