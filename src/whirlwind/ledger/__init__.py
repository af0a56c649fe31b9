"""The one rectification ledger (整改台账): items, packages, sign-off up the levels."""


def includeme(config):
    pass
