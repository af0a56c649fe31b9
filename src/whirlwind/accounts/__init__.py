"""Accounts: login, logout, password, users and roles (用户与角色), and the change-log page."""


def includeme(config):
    from whirlwind.changelog_labels import add_jinja_globals

    config.add_route("accounts.login", "/login")
    config.add_route("accounts.logout", "/logout")
    config.add_route("accounts.password", "/account/password")
    config.add_route("accounts.login_totp", "/login/totp")
    config.add_route("accounts.totp", "/account/totp")
    # Administration of users (用户管理).
    config.add_route("accounts.users", "/admin/users")
    config.add_route("accounts.user_new", "/admin/users/new")
    config.add_route("accounts.user_detail", "/admin/users/{id:\\d+}")
    config.add_route("accounts.user_edit", "/admin/users/{id:\\d+}/edit")
    config.add_route("accounts.user_password", "/admin/users/{id:\\d+}/password")
    config.add_route("accounts.user_deactivate", "/admin/users/{id:\\d+}/deactivate")
    config.add_route("accounts.user_reactivate", "/admin/users/{id:\\d+}/reactivate")
    # Roles (角色管理): roles are data.
    config.add_route("accounts.roles", "/admin/roles")
    config.add_route("accounts.role_new", "/admin/roles/new")
    config.add_route("accounts.role_edit", "/admin/roles/{id:\\d+}/edit")
    # The change log (变更记录) and its chain check.
    config.add_route("changelog.verify", "/admin/log")
    add_jinja_globals(config)
