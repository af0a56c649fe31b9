"""JSON API (/api/v1) with its OpenAPI document, and personal API tokens (API 令牌).

Each area's endpoints live in one module here; importing it fills the endpoint registry
(``framework.REGISTRY``), from which ``includeme`` adds the routes and views and
``openapi.document`` describes them.
"""

import importlib

# The area modules of the API, in the order the document lists them.
MODULES = (
    "whirlwind.api.me",
    "whirlwind.api.orgs",
    "whirlwind.api.ledger",
    "whirlwind.api.audits",
    "whirlwind.api.disclosure",
    "whirlwind.api.cases",
    "whirlwind.api.targets",
    "whirlwind.api.reports",
    "whirlwind.api.search",
)


def includeme(config):
    from whirlwind.api.framework import PREFIX, REGISTRY

    config.add_route("accounts.tokens", "/account/tokens")
    config.add_route("accounts.tokens.revoke", "/account/tokens/{id}/revoke")
    config.add_route("api.openapi", PREFIX + "/openapi.json")
    for module in MODULES:
        importlib.import_module(module)
    routes: dict[str, str] = {}  # path -> route name (one route per path, a view per method)
    for ep in REGISTRY.values():
        if ep.view is None:  # described here, routed by its own area
            continue
        if ep.path not in routes:
            routes[ep.path] = "api." + ep.name
            config.add_route(routes[ep.path], ep.path)
        config.add_view(
            ep.view,
            route_name=routes[ep.path],
            request_method=ep.method,
            renderer="json",
            permission=ep.permission,
            require_csrf=False,
        )
