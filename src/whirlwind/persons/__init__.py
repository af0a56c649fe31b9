"""People (人员): cadres, reported persons and leaders, shared by clues, cases and findings.

One ``Person`` row stands for one human across years, so that a person page can show every
clue, case and audit finding about them and repeat problems stand out. Records that name a
person call ``match_or_create`` (matching on name + unit); wrong matches are merged or split
on the person page.
"""


def includeme(config):
    config.add_route("persons.index", "/persons")
    config.add_route("persons.detail", r"/persons/{id:\d+}")
    config.add_route("persons.merge", r"/persons/{id:\d+}/merge")
    config.add_route("persons.unmerge", r"/persons/{id:\d+}/unmerge")
    config.add_route("persons.split", r"/persons/{id:\d+}/split")
