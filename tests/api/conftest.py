"""API test fixtures: a client that authenticates with a personal token and checks every
response it receives against the OpenAPI document, and a WSGI wrapper that rolls back what
a failed request wrote (pyramid_tm does that outside tests, where each request has its own
transaction; here all requests share the test's doomed one)."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
import webtest

from whirlwind.security import new_api_token


class RollbackOnError:
    """Each request runs in a SAVEPOINT; a 4xx/5xx answer rolls it back, as an aborted
    transaction would. ``always=True`` rolls back every request (independent fuzz calls)."""

    def __init__(self, app, session, *, always: bool = False):
        self.app, self.session, self.always = app, session, always

    def __call__(self, environ, start_response):
        status = {}

        def _start(s, headers, exc_info=None):
            status["code"] = int(s.split()[0])
            return start_response(s, headers, exc_info)

        savepoint = self.session.begin_nested()
        try:
            body = b"".join(self.app(environ, _start))
        except BaseException:
            savepoint.rollback()
            raise
        if self.always or status.get("code", 500) >= 400:
            savepoint.rollback()
        else:
            savepoint.commit()
        return [body]


# (method, path template, status) of every response checked in this test session; the
# last test of the directory asserts that every operation answered 2xx at least once.
CHECKED: set[tuple[str, str, str]] = set()


class OpenApiChecker:
    """Validates a response against the document: the status must be documented for the
    operation, and the JSON body must match its schema."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.ops = []
        for path, methods in doc["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, op in methods.items():
                self.ops.append((pattern, path, method.upper(), op))
        self.seen: set[tuple[str, str]] = set()
        self._validators = {}

    def operation(self, method: str, url_path: str):
        for pattern, path, m, op in self.ops:
            if m == method and pattern.match(url_path):
                return path, op
        return None, None

    def check(self, method: str, url_path: str, res) -> None:
        path, op = self.operation(method, url_path)
        assert op is not None, f"{method} {url_path} is not in the OpenAPI document"
        status = str(res.status_int)
        assert status in op["responses"], f"{method} {path} answered {status}, not documented"
        schema = op["responses"][status]["content"]["application/json"]["schema"]
        key = (path, method, status)
        if key not in self._validators:
            root = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": self.doc["components"],
                **schema,
            }
            self._validators[key] = jsonschema_rs.validator_for(root, validate_formats=True)
        errors = [
            f"{e.instance_path}: {e.message}" for e in self._validators[key].iter_errors(res.json)
        ]
        assert not errors, f"{method} {url_path} ({status}) violates the document: {errors[:5]}"
        self.seen.add((method, path))
        CHECKED.add((method, path, status))


@pytest.fixture
def api_doc(testapp):
    return testapp.get("/api/v1/openapi.json").json


@pytest.fixture
def checker(api_doc):
    return OpenApiChecker(api_doc)


class ApiClient:
    """``api.get("/api/v1/orgs", params)``, ``api.post(url, json)``… with a token; every
    response is checked against the OpenAPI document."""

    def __init__(self, app, checker: OpenApiChecker, token: str | None = None):
        self.app, self.checker, self.token = app, checker, token

    def as_token(self, token: str | None) -> ApiClient:
        return ApiClient(self.app, self.checker, token)

    def _headers(self, headers):
        out = dict(headers or {})
        if self.token:
            out.setdefault("Authorization", f"Bearer {self.token}")
        return out

    def request(self, method: str, url: str, *, params=None, json=None, status=200, headers=None):
        kw = {"headers": self._headers(headers), "status": status}
        if method == "GET":
            res = self.app.get(url, params=params or {}, **kw)
        else:
            func = getattr(self.app, method.lower() + "_json")
            res = func(url, json if json is not None else {}, **kw)
        self.checker.check(method, url.split("?")[0], res)
        return res

    def get(self, url, params=None, **kw):
        return self.request("GET", url, params=params, **kw)

    def post(self, url, json=None, **kw):
        return self.request("POST", url, json=json, **kw)

    def put(self, url, json=None, **kw):
        return self.request("PUT", url, json=json, **kw)

    def patch(self, url, json=None, **kw):
        return self.request("PATCH", url, json=json, **kw)


@pytest.fixture
def wsgi(app, tm, dbsession):
    """The app as the API tests call it: the test's transaction and session injected, and
    failed requests rolled back."""
    wrapped = RollbackOnError(app, dbsession)
    extra = {"tm.active": True, "tm.manager": tm, "app.dbsession": dbsession}

    def call(environ, start_response):
        environ.update(extra)
        return wrapped(environ, start_response)

    return call


@pytest.fixture
def apptest(wsgi):
    return webtest.TestApp(
        wsgi, extra_environ={"HTTP_HOST": "example.com", "REMOTE_ADDR": "10.0.0.1"}
    )


@pytest.fixture
def tokens(dbsession, users):
    """A raw token for every test user (``tokens["street"]``)."""
    return {key: new_api_token(dbsession, user, f"test {key}")[1] for key, user in users.items()}


@pytest.fixture
def api(apptest, checker, tokens):
    """Authenticated as the street inspector of 祁家湾街道; ``api.as_token(tokens["x"])``
    for another user."""
    return ApiClient(apptest, checker, tokens["street"])
