"""Dashboards and periodic reports (统计报表)."""


def includeme(config):
    pass
