"""Organizations (组织机构): the unit tree and its administration."""


def includeme(config):
    config.add_route("orgs.index", "/admin/orgs")
    config.add_route("orgs.add", "/admin/orgs/new")
    config.add_route("orgs.import", "/admin/orgs/import")
    config.add_route("orgs.import_example", "/admin/orgs/import/example.csv")
    config.add_route("orgs.detail", "/admin/orgs/{id:\\d+}")
    config.add_route("orgs.edit", "/admin/orgs/{id:\\d+}/edit")
    config.add_route("orgs.rename", "/admin/orgs/{id:\\d+}/rename")
    config.add_route("orgs.move", "/admin/orgs/{id:\\d+}/move")
    config.add_route("orgs.merge", "/admin/orgs/{id:\\d+}/merge")
    config.add_route("orgs.deactivate", "/admin/orgs/{id:\\d+}/deactivate")
    config.add_route("orgs.reactivate", "/admin/orgs/{id:\\d+}/reactivate")
    config.add_route("orgs.delete", "/admin/orgs/{id:\\d+}/delete")
