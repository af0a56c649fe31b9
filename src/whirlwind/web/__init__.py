"""The web shell: templates, static assets, i18n, security headers, error pages, the
layout's navigation, home and health check."""

from whirlwind.web.nav import NAV  # noqa: F401


def includeme(config):
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_jinja2_search_path("whirlwind:templates", name=".jinja2")
    config.add_jinja2_extension("jinja2.ext.i18n", name=".jinja2")
    config.include("whirlwind.web.i18n")
    config.include("whirlwind.web.rendering")
    config.add_tween("whirlwind.web.headers.security_headers_tween_factory")
    # Everything a page needs is served from here: no CDN, no web fonts from outside.
    config.add_static_view("static/deform", "deform:static", cache_max_age=3600)
    config.add_static_view("static", "whirlwind:static", cache_max_age=3600)
    config.add_subscriber(
        "whirlwind.web.views.reject_out_of_range_ids", "pyramid.events.ContextFound"
    )
    config.add_route("home", "/")
    config.add_route("healthz", "/healthz")
