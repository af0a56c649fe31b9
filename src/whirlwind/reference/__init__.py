"""Reference lists (参考数据) and their administration."""


def includeme(config):
    config.add_route("reference.index", "/admin/reference")
    config.add_route("reference.kind", "/admin/reference/{kind}")
    config.add_route("reference.add", "/admin/reference/{kind}/add")
    config.add_route("reference.edit", "/admin/reference/value/{id:\\d+}/edit")
