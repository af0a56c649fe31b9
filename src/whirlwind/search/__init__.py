"""Full-text search (全文检索) over clues, cases and findings; every Whoosh call lives here."""


def includeme(config):
    config.add_route("search.index", "/search")
    config.add_route("search.api", "/api/v1/search")
    config.add_route("search.related", r"/search/related/{type}/{id:\d+}")
