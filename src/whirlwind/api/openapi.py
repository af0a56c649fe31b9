"""The OpenAPI 3.1 document of ``/api/v1``, generated from the endpoint registry.

Request bodies and query parameters come from the areas' Colander schemas through
``to_json_schema``, a small converter for the node types we use:

======================  ==========================================================
Colander                JSON Schema
======================  ==========================================================
String                  ``string``; ``Length`` -> min/maxLength, ``OneOf`` -> enum,
                        ``Regex`` -> pattern
Integer                 ``integer``; ``Range`` -> minimum/maximum (default: 32-bit)
Decimal                 ``string`` with a decimal ``pattern`` (money is never a float:
                        clients send ``"1234.50"``); digits bounded by ``Range``
Float                   ``number``
Date / DateTime         ``string`` with ``format: date`` / ``date-time``
Boolean                 ``boolean``
Set                     ``array`` with ``uniqueItems``; ``ContainsOnly`` -> item enum
Sequence                ``array`` of the child; ``Length`` -> min/maxItems
Mapping                 ``object`` with ``properties`` and ``required``
======================  ==========================================================

A node is required when its ``missing`` is ``colander.required``. The schemas are bound to
the current request first, so deferred choices (reference lists) appear as enums.
"""

from __future__ import annotations

import decimal

import colander
from pyramid.view import view_config

from whirlwind.api.framework import COMPONENTS, MAX_ID, PREFIX, REGISTRY, Endpoint, instance, ref

INT32 = (-(2**31), 2**31 - 1)


def _validators(node) -> list:
    """The node's validators, flattening ``colander.All``."""
    out, todo = [], [node.validator]
    while todo:
        v = todo.pop(0)
        if v is None:
            continue
        if isinstance(v, colander.All):
            todo.extend(v.validators)
        else:
            out.append(v)
    return out


def _decimal_pattern(node) -> str:
    places = 2
    typ = node.typ
    if getattr(typ, "quant", None) is not None:
        places = max(0, -typ.quant.as_tuple().exponent)
    digits, negative = 15, True
    for v in _validators(node):
        if isinstance(v, colander.Range):
            if v.min is not None and v.min >= 0:
                negative = False
            if v.max is not None:
                digits = len(str(int(decimal.Decimal(v.max))))
    sign = "-?" if negative else ""
    frac = rf"(\.\d{{1,{places}}})?" if places else ""
    return rf"^{sign}\d{{1,{digits}}}{frac}$"


def to_json_schema(node) -> dict:
    """JSON Schema of one Colander node (see the table in the module docstring)."""
    typ = node.typ
    validators = _validators(node)
    if isinstance(typ, colander.Mapping):
        props, required = {}, []
        for child in node.children:
            if child.name == "csrf_token":
                continue
            props[child.name] = to_json_schema(child)
            if child.missing is colander.required:
                required.append(child.name)
        schema = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
    elif isinstance(typ, colander.Set):
        items = {"type": "string"}
        for v in validators:
            if isinstance(v, colander.ContainsOnly):
                items["enum"] = [str(c) for c in v.choices]
        schema = {"type": "array", "items": items, "uniqueItems": True}
    elif isinstance(typ, colander.Sequence):
        schema = {"type": "array", "items": to_json_schema(node.children[0])}
        for v in validators:
            if isinstance(v, colander.Length):
                if v.min is not None:
                    schema["minItems"] = v.min
                if v.max is not None:
                    schema["maxItems"] = v.max
    elif isinstance(typ, colander.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(typ, colander.Integer):
        low, high = INT32
        for v in validators:
            if isinstance(v, colander.Range):
                low = v.min if v.min is not None else low
                high = v.max if v.max is not None else high
        schema = {"type": "integer", "minimum": int(low), "maximum": int(high)}
        for v in validators:
            if isinstance(v, colander.OneOf):
                schema["enum"] = [int(c) for c in v.choices]
    elif isinstance(typ, colander.Decimal):
        schema = {"type": "string", "pattern": _decimal_pattern(node)}
    elif isinstance(typ, colander.Float):
        schema = {"type": "number"}
        for v in validators:
            if isinstance(v, colander.Range):
                if v.min is not None:
                    schema["minimum"] = v.min
                if v.max is not None:
                    schema["maximum"] = v.max
    elif isinstance(typ, colander.DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(typ, colander.Date):
        schema = {"type": "string", "format": "date"}
    else:  # String and anything string-like
        schema = {"type": "string"}
        for v in validators:
            if isinstance(v, colander.Length):
                if v.min is not None:
                    schema["minLength"] = v.min
                if v.max is not None:
                    schema["maxLength"] = v.max
            elif isinstance(v, colander.OneOf):
                if v.choices:
                    schema["enum"] = [str(c) for c in v.choices]
                else:
                    # Choices that depend on the caller (e.g. units of the jurisdiction)
                    # and are empty for this one.
                    schema["description"] = "取值取决于调用者（如管辖范围内的单位 ID）"
            elif isinstance(v, colander.Regex):
                schema["pattern"] = v.match_object.pattern
        if node.missing is colander.required and "enum" not in schema:
            # An empty or blank string counts as missing (colander, and the ``strip``
            # preparer of our text fields).
            schema.setdefault("minLength", 1)
            schema["pattern"] = schema.get("pattern", r"\S")
    if node.title:
        schema["title"] = node.title
    if node.description:
        schema["description"] = str(node.description)
    return schema


# --- The document --------------------------------------------------------------------------

ERROR_MESSAGES = {
    400: "输入有误（字段错误见 fields）、JSON 无效或 CSRF 校验失败",
    401: "未登录，或 API 令牌无效、已撤销",
    403: "角色没有此权限",
    404: "记录不存在或不在管辖范围内",
    409: "记录已被他人修改（version 过期）或与现有数据冲突",
    413: "请求体过大",
    422: "当前状态不允许此操作",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message", "fields"],
    "properties": {
        "error": {"type": "string", "description": "稳定的错误代码，如 validation_failed"},
        "message": {"type": "string", "description": "中文说明"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "字段名 -> 中文错误",
        },
    },
}


def _parameters(request, ep: Endpoint) -> list[dict]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": ep.path_schemas.get(name)
            or {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in ep.path_params
    ]
    if ep.query is not None:
        node = instance(ep.query, request).bind(request=request)
        for child in node.children:
            schema = to_json_schema(child)
            param = {"name": child.name, "in": "query", "required": False, "schema": schema}
            if schema.get("type") == "array":
                param["style"] = "form"
                param["explode"] = True
            if child.title:
                param["description"] = child.title
            params.append(param)
    return params


def _operation(request, ep: Endpoint) -> dict:
    op = {
        "operationId": ep.operation_id,
        "summary": ep.summary,
        "tags": [ep.tag],
        "parameters": _parameters(request, ep),
        "responses": {
            str(ep.status): {
                "description": "成功",
                "content": {"application/json": {"schema": ep.response or {"type": "object"}}},
            }
        },
    }
    if ep.description:
        op["description"] = ep.description
    if ep.permission:
        op["x-permission"] = str(ep.permission)
    if ep.body is not None:
        node = instance(ep.body, request).bind(request=request)
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": to_json_schema(node)}},
        }
    statuses = {400, 401, 403, 404, *ep.errors}
    if ep.method not in ("GET", "HEAD"):
        statuses.add(413)
    for status in sorted(statuses):
        op["responses"][str(status)] = {
            "description": ERROR_MESSAGES[status],
            "content": {"application/json": {"schema": ref("Error")}},
        }
    return op


def document(request) -> dict:
    paths: dict[str, dict] = {}
    for (path, method), ep in REGISTRY.items():
        paths.setdefault(path, {})[method.lower()] = _operation(request, ep)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "红色旋风 Whirlwind API",
            "version": "1.0.0",
            "description": (
                "基层监督与“微腐败”治理平台的 JSON 接口。使用个人 API 令牌认证："
                "`Authorization: Bearer ww_...`（在“API 令牌”页面或 `whirlwind create-token` 创建）。"
                "令牌按其用户的角色与管辖范围行事。浏览器会话（Cookie）也可调用，"
                "但写操作须在 `X-CSRF-Token` 头中携带页面的 CSRF 令牌。"
                "列表均支持 page、size（最大 200）参数，返回 {total, page, size, items}。"
                "更新须携带读取时的 version，过期返回 409 且不做任何修改。"
                '金额以字符串表示（如 "1234.50"），日期为 YYYY-MM-DD，时间为带时区的 ISO 8601（UTC）。'
            ),
        },
        "servers": [{"url": request.application_url}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "ww_..."}
            },
            "schemas": {"Error": ERROR_SCHEMA, **COMPONENTS.items},
        },
    }


@view_config(route_name="api.openapi", renderer="json", require_csrf=False)
def openapi_json(request):
    return document(request)


__all__ = ["PREFIX", "document", "to_json_schema"]
