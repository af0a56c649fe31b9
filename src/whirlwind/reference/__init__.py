"""Reference lists (参考数据) and their administration."""


def includeme(config):
    pass
