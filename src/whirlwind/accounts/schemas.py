"""Input schemas of user and role administration."""

from __future__ import annotations

import colander
import deform

from whirlwind.forms import CSRFSchema, strip, text
from whirlwind.orgs.schemas import unit_node, version_node


def _contains_only(values, message):
    validator = colander.ContainsOnly(values)
    validator.err_template = message
    return validator


@colander.deferred
def _role_widget(node, kw):
    return deform.widget.CheckboxChoiceWidget(values=kw.get("roles", []))


@colander.deferred
def _role_validator(node, kw):
    return colander.All(
        _contains_only([v for v, _ in kw.get("roles", [])], "含有不能授予的角色"),
        colander.Length(min=1, min_err="请至少选择一个角色"),
    )


def phone_validator(node, value):
    if value and not all(c.isdigit() or c in "-+ " for c in value):
        raise colander.Invalid(node, "电话只能包含数字、空格、+ 和 -")


class UserSchema(colander.MappingSchema):
    display_name = text("姓名", max_length=64)
    phone = colander.SchemaNode(
        colander.String(),
        title="电话",
        missing="",
        preparer=strip,
        validator=colander.All(
            colander.Length(max=32, max_err="不能超过 32 个字符"), phone_validator
        ),
    )
    org_id = unit_node("所属单位（管辖范围）")
    roles = colander.SchemaNode(
        colander.Set(),
        title="角色",
        widget=_role_widget,
        validator=_role_validator,
        missing_msg="请至少选择一个角色",
    )


def _password_node():
    return colander.SchemaNode(
        colander.String(),
        title="临时密码",
        missing_msg="必填",
        description="至少 8 个字符，同时包含字母和数字；请告知用户登录后立即修改",
        widget=deform.widget.CheckedPasswordWidget(),
        validator=colander.Length(max=256),
    )


class UserCreateForm(CSRFSchema, UserSchema):
    username = text("用户名", max_length=64, insert_before="display_name")
    password = _password_node()


class UserEditForm(CSRFSchema, UserSchema):
    version = version_node()


class PasswordForm(CSRFSchema):
    password = _password_node()


@colander.deferred
def _perm_widget(node, kw):
    return deform.widget.CheckboxChoiceWidget(values=kw.get("permissions", []))


@colander.deferred
def _perm_validator(node, kw):
    return _contains_only([v for v, _ in kw.get("permissions", [])], "含有未知的权限")


class RoleSchema(colander.MappingSchema):
    label_zh = text("名称", max_length=60)
    label_en = text("英文名称", max_length=60, missing="")
    sort = colander.SchemaNode(
        colander.Integer(),
        title="排序",
        missing=0,
        validator=colander.Range(0, 9999, min_err="不能小于 0", max_err="过大"),
    )
    active = colander.SchemaNode(colander.Boolean(), title="启用", missing=False)
    require_totp = colander.SchemaNode(
        colander.Boolean(),
        title="要求两步验证",
        description="该角色的用户登录时必须输入验证器中的验证码（未设置的用户在下次登录时设置）",
        missing=False,
    )
    permissions = colander.SchemaNode(
        colander.Set(), title="权限", widget=_perm_widget, validator=_perm_validator, missing=set()
    )


class RoleForm(CSRFSchema, RoleSchema):
    pass


class RoleCreateForm(CSRFSchema, RoleSchema):
    code = text("代码（小写字母、数字、下划线）", max_length=40, insert_before="label_zh")
