"""Micro-corruption clues and cases (问题线索与案件)."""


def includeme(config):
    pass
