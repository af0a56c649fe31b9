"""The one rectification ledger (整改台账): items, packages, sign-off up the levels."""


def includeme(config):
    from whirlwind.procedure import check

    check(config.get_settings())
    config.add_route("ledger.index", "/ledger")
    config.add_route("ledger.export", "/ledger/export.xlsx")
    config.add_route("ledger.board", "/ledger/board")
    config.add_route("ledger.overdue", "/ledger/overdue")
    config.add_route("ledger.my_packages", "/ledger/my-packages")
    config.add_route("ledger.item", "/ledger/items/{id:\\d+}")
    config.add_route("ledger.edit", "/ledger/items/{id:\\d+}/edit")
    config.add_route("ledger.note", "/ledger/items/{id:\\d+}/notes")
    config.add_route("ledger.extension_request", "/ledger/items/{id:\\d+}/extensions")
    config.add_route("ledger.extension_decide", "/ledger/extensions/{id:\\d+}/decision")
    config.add_route(
        "ledger.transition", "/ledger/items/{id:\\d+}/{action:start|submit|approve|return|reopen}"
    )
