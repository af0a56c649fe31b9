"""Weak-organization rectification (软弱涣散基层党组织整顿): campaigns, ranking, targets."""


def includeme(config):
    pass
