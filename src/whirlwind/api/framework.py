"""The JSON API framework: one decorator registers an endpoint (route, view, and the facts the
OpenAPI document is generated from), plus the request guard, input parsing with the areas'
Colander schemas, and list pagination.

Every endpoint answers JSON. Errors have one shape, ``{"error": code, "message": 中文,
"fields": {...}}``, rendered by the exception views in ``whirlwind.web.views`` from the
``DomainError`` a service (or this module) raises.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import colander
from pyramid.csrf import check_csrf_token

from whirlwind.errors import DomainError, Forbidden, NotFound, TooLarge, ValidationFailed
from whirlwind.paginate import MAX_PAGE_SIZE, paginate

PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024
MAX_ID = 2**31 - 1
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "请先登录或提供有效的 API 令牌。", **kw):
        super().__init__(message, **kw)


@dataclass
class Endpoint:
    """One operation of the API, as registered by ``@endpoint``."""

    name: str  # unique operation name, e.g. "items.update"
    path: str
    method: str
    view: Callable
    summary: str
    tag: str
    permission: str | None
    query: Callable | None = None  # a Colander schema (class or factory)
    body: Callable | None = None
    response: dict | None = None  # JSON Schema of the success body
    status: int = 200
    errors: tuple[int, ...] = ()
    description: str = ""
    # JSON Schemas of path parameters other than numeric ids (e.g. an action name).
    path_schemas: dict = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        return self.name.replace(".", "_")

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


# (path, method) -> Endpoint, in registration order.
REGISTRY: dict[tuple[str, str], Endpoint] = {}


def endpoint(
    name: str,
    path: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    permission: str | None,
    query=None,
    body=None,
    response: dict | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    description: str = "",
    path_schemas: dict | None = None,
):
    """Register an API view called ``name`` (the operationId). ``path`` is relative to ``/api/v1`` and uses ``{name}``
    placeholders (the same syntax in Pyramid routes and OpenAPI). ``query`` and ``body`` are
    the Colander schemas the view parses with ``query_params`` / ``json_body``; ``response``
    is the JSON Schema of the success body; ``errors`` lists the extra statuses the view may
    answer (409, 413, 422) beyond the ones every endpoint documents."""

    def decorate(fn):
        @functools.wraps(fn)
        def view(request):
            guard(request)
            result = fn(request)
            request.response.status = status
            return result

        full = PREFIX + path
        if (full, method) in REGISTRY or any(e.name == name for e in REGISTRY.values()):
            raise ValueError(f"API endpoint registered twice: {name} {method} {full}")
        REGISTRY[(full, method)] = Endpoint(
            name=name,
            path=full,
            method=method,
            view=view,
            summary=summary,
            tag=tag,
            permission=permission,
            query=query,
            body=body,
            response=response,
            status=status,
            errors=errors,
            description=description or (fn.__doc__ or "").strip(),
            path_schemas=path_schemas or {},
        )
        return view

    return decorate


def describe(name: str, path: str, method: str = "GET", **kw) -> None:
    """Document an operation whose view another area registers itself (e.g. search's
    ``GET /api/v1/search``): it appears in the OpenAPI document (and so is fuzzed and
    validated like the others), but no route or view is added here."""

    def placeholder(request):  # never routed: includeme skips endpoints without a view
        raise NotImplementedError

    endpoint(name, path, method, **kw)(placeholder)
    REGISTRY[(PREFIX + path, method)].view = None


def guard(request) -> None:
    """Checks every API request passes before its view runs.

    - An ``Authorization`` header that does not resolve to a live token answers 401, even
      when a session cookie is also present (a revoked token never falls back to a cookie).
    - A request authenticated by the session cookie (a browser) must send the CSRF token in
      ``X-CSRF-Token`` for unsafe methods; a page on another site cannot read it.
    - A read-only token (scope ``read``) answers 403 to an unsafe method.
    - Bodies above ``MAX_BODY_BYTES`` answer 413 before they are parsed.
    """
    identity = request.identity
    if request.headers.get("Authorization") and not (identity and identity.via_token):
        raise Unauthenticated("API 令牌无效、已撤销或格式错误。")
    if identity is None:
        raise Unauthenticated()
    if request.method not in SAFE_METHODS:
        if identity.via_token and identity.scope != "write":
            raise Forbidden("该 API 令牌为只读令牌，不能修改数据。")
        if not identity.via_token:
            check_csrf_token(request, token="csrf_token", header="X-CSRF-Token", raises=True)  # noqa: S106
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise TooLarge(f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）。")


# --- Input ---------------------------------------------------------------------------------


def instance(schema, request):
    """A schema node from what an endpoint names: a node, a schema class, or a factory
    taking the request (for choices that depend on reference lists or the caller's units)."""
    if isinstance(schema, colander.SchemaNode):
        return schema
    if isinstance(schema, type):
        return schema()
    return schema(request)


def with_version(node):
    """The schema with a *required* integer ``version`` (optimistic locking): an API update
    must say which version it read, even where a form may leave it out."""
    node = node.clone()
    if "version" in node:
        del node["version"]
    node.add(
        colander.SchemaNode(
            colander.Integer(),
            name="version",
            title="读取时的版本号",
            missing_msg="缺少版本号（version），请先读取记录",
        )
    )
    return node


def _invalid(e: colander.Invalid) -> ValidationFailed:
    fields = {k: str(v) for k, v in e.asdict().items()}
    fields.pop("csrf_token", None)
    return ValidationFailed("提交的内容有误，请按提示修改。", fields=fields)


def _no_nul(node, value):
    if isinstance(value, str) and "\x00" in value:
        raise colander.Invalid(node, "含有不可见的控制字符")


def _int32(node, value):
    if isinstance(value, int) and not (-(2**31) <= value <= MAX_ID):
        raise colander.Invalid(node, "数值超出范围")


def _harden(node) -> None:
    """Limits every database needs whatever an area's schema says: no NUL in text
    (PostgreSQL refuses it), integers within 32 bits (the id columns). The documented
    JSON Schema states the same limits (``openapi.to_json_schema``)."""
    extra = None
    if isinstance(node.typ, colander.String):
        extra = _no_nul
    elif isinstance(node.typ, colander.Integer):
        extra = _int32
    if extra is not None:
        node.validator = colander.All(node.validator, extra) if node.validator else extra
    for child in node.children:
        _harden(child)


def validate(request, schema, cstruct) -> dict:
    """Deserialize ``cstruct`` with a Colander schema bound to the request; Invalid -> 400."""
    node = instance(schema, request).bind(
        request=request
    )  # bind() clones: the area's schema stays as is
    _harden(node)
    try:
        return node.deserialize(cstruct)
    except colander.Invalid as e:
        raise _invalid(e) from None


def query_params(request, schema) -> dict:
    """The query string parsed with ``schema``: repeatable parameters for Set/Sequence nodes."""
    node = instance(schema, request)
    cstruct = {}
    for child in node.children:
        if isinstance(child.typ, (colander.Set, colander.Sequence)):
            values = request.GET.getall(child.name)
            if values:
                cstruct[child.name] = values
        elif child.name in request.GET:
            cstruct[child.name] = request.GET[child.name]
    return validate(request, node, cstruct)


def json_body(request, schema) -> dict:
    """The JSON request body parsed with ``schema`` (an area's Colander schema)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise TooLarge(f"请求体过大（上限 {MAX_BODY_BYTES // 1024} KB）。")
    try:
        data = json.loads(request.body.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("请求体不是有效的 JSON。") from None
    if not isinstance(data, dict):
        raise ValidationFailed("请求体应为 JSON 对象。")
    data.pop("csrf_token", None)
    return validate(request, schema, data)


def path_id(request, name: str = "id") -> int:
    """A numeric path parameter; anything else (or out of range) is simply not found."""
    raw = request.matchdict.get(name, "")
    if not raw.isdigit() or not (1 <= int(raw) <= MAX_ID):
        raise NotFound("记录不存在或不在您的管辖范围内。")
    return int(raw)


def page_node(name: str, default: int, maximum: int, title: str):
    return colander.SchemaNode(
        colander.Integer(),
        name=name,
        title=title,
        missing=default,
        validator=colander.Range(1, maximum, min_err="不能小于 ${min}", max_err="不能大于 ${max}"),
    )


class ListQuery(colander.MappingSchema):
    """``page`` and ``size`` of every list; area list schemas extend it with their filters."""

    page = page_node("page", 1, 100000, "页码")
    size = page_node("size", 20, MAX_PAGE_SIZE, "每页条数")


def id_filter(title: str):
    return colander.SchemaNode(
        colander.Integer(),
        title=title,
        missing=None,
        validator=colander.Range(1, MAX_ID, min_err="无效的编号", max_err="无效的编号"),
    )


def text_filter(title: str, max_length: int = 100):
    from whirlwind.forms import no_control_chars, strip

    return colander.SchemaNode(
        colander.String(),
        title=title,
        missing="",
        preparer=strip,
        validator=colander.All(colander.Length(max=max_length, max_err="过长"), no_control_chars),
    )


def choice_filter(title: str, values):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        missing="",
        validator=colander.OneOf([str(v) for v in values], msg_err="无效的选项"),
    )


def json_page(request, stmt, params: dict, serialize: Callable) -> dict:
    """Run a scoped SELECT one page at a time (one COUNT + one page query)."""
    page = paginate(request.dbsession, stmt, params["page"], params["size"])
    return {
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "items": [serialize(x) for x in page.items],
    }


# --- Output --------------------------------------------------------------------------------


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def money(value) -> str | None:
    return f"{value:.2f}" if value is not None else None


@dataclass
class Schemas:
    """Named response schemas (``components.schemas``), filled by the area modules."""

    items: dict[str, dict] = field(default_factory=dict)

    def add(self, name: str, schema: dict) -> dict:
        self.items[name] = schema
        return ref(name)


COMPONENTS = Schemas()


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str] | None = None, **properties) -> dict:
    """A JSON Schema object: every listed property required unless ``required`` says."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}


def page_schema(item: dict) -> dict:
    return obj(
        total={"type": "integer", "minimum": 0},
        page={"type": "integer", "minimum": 1},
        size={"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        items={"type": "array", "items": item},
    )
