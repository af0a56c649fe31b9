"""“Four assets, one project” audits (四资一项目检查) and findings."""


def includeme(config):
    pass
