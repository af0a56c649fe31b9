"""With the demo data: schemathesis against the OpenAPI document, in-process through the
WSGI app, and the cost of the list pages in SQL statements (no N+1). Both share one demo
load, the slowest part of the test (about 15 s on PostgreSQL).

Data: the demo (Wuhan's tree, users of every role, records of every landed area) loaded into
the test's doomed transaction; calls authenticate with a token of the demo district
inspector of 黄陂区. Every call runs in a SAVEPOINT that is rolled back afterwards, so the
calls are independent and nothing outlives the test.

Bounded: a fixed number of examples per operation, derandomized so that a run is
reproducible; operations with an ``{id}`` get half of their examples with ids the user can
really see (taken from the matching list endpoint), the other half with generated ids.
Checks: no 5xx, the status is documented, the content type and the body match the document.

List costs: a page of 20 rows must cost (nearly) the same number of SQL statements as a
page of one. A relationship loaded with ``selectinload`` may add its one statement when
the page has more rows; a lazy load per row would add one per distinct row. Measured as the
demo city inspector (the demo has one campaign only, so /campaigns is not measured).
"""

from __future__ import annotations

import pytest
import schemathesis
import webtest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import event, select

from tests.api.conftest import RollbackOnError
from whirlwind import demo
from whirlwind.accounts.models import User
from whirlwind.security import new_api_token

pytestmark = pytest.mark.slow  # property-based runs over every API operation

EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


LISTS = [
    "/api/v1/orgs",
    "/api/v1/items",
    "/api/v1/targets",
    "/api/v1/audits",
    "/api/v1/findings",
    "/api/v1/disclosure/catalog",
    "/api/v1/disclosure/records",
    "/api/v1/disclosure/checks",
    "/api/v1/clues",
    "/api/v1/cases",
]


@pytest.fixture
def fuzz_setup(app, tm, dbsession):
    demo.load(dbsession)
    user = dbsession.scalar(select(User).where(User.username == "huangpi_inspector"))
    raw = new_api_token(dbsession, user, "schemathesis")[1]
    wrapped = RollbackOnError(app, dbsession, always=True)
    extra = {"tm.active": True, "tm.manager": tm, "app.dbsession": dbsession}

    def wsgi(environ, start_response):
        environ.update(extra)
        environ.setdefault("REMOTE_ADDR", "10.0.0.2")
        return wrapped(environ, start_response)

    return wsgi, {"Authorization": f"Bearer {raw}"}


def _visible_ids(wsgi, headers, path: str) -> list[int]:
    """Ids from the list endpoint of a detail path (``/x/{id}/...`` -> ``GET /x``)."""
    list_path = path.split("/{")[0]
    res = webtest.TestApp(wsgi).get(list_path, {"size": 5}, headers=headers, status="*")
    if res.status_int != 200 or "items" not in res.json:
        return []
    return [item["id"] for item in res.json["items"]]


def test_demo_data_lists_cost_no_query_per_row_and_schemathesis_finds_nothing(
    app, dbsession, fuzz_setup
):
    wsgi, headers = fuzz_setup
    costs = _check_list_costs(app, dbsession, wsgi)
    # A list of 20 rows costs at most two statements more than a list of one (no N+1).
    assert all(per20 <= per1 + 2 for per1, per20 in costs.values()), costs
    operations = _run_schemathesis(wsgi, headers)
    assert operations >= 3


def _check_list_costs(app, dbsession, wsgi):
    city = dbsession.scalar(select(User).where(User.username == "city_inspector"))
    headers = {"Authorization": f"Bearer {new_api_token(dbsession, city, 'count')[1]}"}
    client = webtest.TestApp(wsgi)
    engine = app.registry["dbengine"]
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    measured = {}
    try:
        for url in LISTS:
            costs = {}
            for size in (1, 20):
                # Nothing in the identity map: a lazy load would have to query.
                dbsession.expunge_all()
                statements.clear()
                res = client.get(url, {"size": size}, headers=headers)
                costs[size] = len(statements)
                rows = len(res.json["items"])
            assert rows >= 6, f"{url}: the demo should give several rows"
            assert costs[20] <= costs[1] + 2, (
                f"{url}: {costs[1]} statements for 1 row, {costs[20]} for {rows}"
            )
            measured[url] = (costs[1], costs[20])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return measured


def _run_schemathesis(wsgi, headers):
    # Loaded as the user, so that choices that depend on the caller (units) are enums.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi, headers=headers)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        strategy = operation.as_strategy()
        if "{id}" in operation.path:
            ids = _visible_ids(wsgi, headers, operation.full_path)
            if ids:
                real = st.sampled_from(ids).flatmap(
                    lambda i, op=operation: op.as_strategy(path_parameters={"id": i})
                )
                strategy = st.one_of(strategy, real)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            response = case.call(app=wsgi, headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    return operations
