"""JSON API (/api/v1)."""


def includeme(config):
    pass
