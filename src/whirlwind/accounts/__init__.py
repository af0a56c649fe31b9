"""Accounts: login, logout, password, users and roles (用户与角色)."""


def includeme(config):
    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.password", "/account/password")
