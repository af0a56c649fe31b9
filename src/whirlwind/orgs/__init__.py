"""Organizations (组织机构): the unit tree and its administration."""


def includeme(config):
    pass
