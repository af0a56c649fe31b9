"""Full-text search (全文检索) over clues, cases and findings; every Whoosh call lives here."""


def includeme(config):
    pass
