"""“Three affairs” disclosure compliance (三务公开)."""


def includeme(config):
    pass
