"""Every Colander schema of the project against hostile input (hypothesis).

The schemas are discovered, not listed: every module of the ``whirlwind`` package is
imported, and every ``colander.SchemaNode`` subclass defined there is collected, together
with every schema factory of the ``*.schemas`` modules (functions named ``*_schema``, called
with sample choices). Each schema is bound as a form would bind it and fed generated input:
random, huge and control-character strings, HTML, invalid dates (2026-02-30), negative and
enormous amounts, wrong enum values, wrong JSON types. Deserializing must either return an
appstruct or raise ``colander.Invalid`` (which the forms and the API turn into a Chinese
message) — never any other exception.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import SimpleNamespace

import colander
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import whirlwind

SAMPLE_CHOICES = [("a1", "甲"), ("b2", "乙"), ("3", "丙")]
SKIP_MODULES = ("whirlwind.testing", "whirlwind.cli")
TRIED = {"inputs": 0}


class Choices(dict):
    """Any reference list a factory asks for, by subscript or ``.get``."""

    def __missing__(self, key):
        return SAMPLE_CHOICES

    def get(self, key, default=None):
        return self[key]


def all_modules():
    names = []
    for info in pkgutil.walk_packages(whirlwind.__path__, "whirlwind."):
        if info.name.startswith(SKIP_MODULES) or ".tests" in info.name:
            continue
        names.append(info.name)
    return [importlib.import_module(n) for n in sorted(names)]


def _is_mapping_schema(cls) -> bool:
    try:
        node = cls()
    except TypeError:
        return False
    return isinstance(node.typ, colander.Mapping) and len(node.children) > 0


def _sample(fn, name: str):
    if name in ("choices", "refs"):
        return Choices()
    if name.endswith("choices"):
        return SAMPLE_CHOICES
    if name == "field":
        return "reason"
    if name == "title":
        return "原因"
    if name.startswith("with_"):
        return True
    raise AssertionError(f"{fn.__module__}.{fn.__name__}: no sample for {name}")


def build(fn):
    """Call a schema factory with sample arguments (also those it passes on in ``**kw``)."""
    args, kwargs = [], {}
    for p in inspect.signature(fn).parameters.values():
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = _sample(fn, p.name)
        else:
            args.append(_sample(fn, p.name))
    for _ in range(5):
        try:
            return fn(*args, **kwargs)
        except TypeError as e:
            missing = re.findall(r"'(\w+)'", str(e)) if "required" in str(e) else []
            if not missing:
                raise
            kwargs.update({m: _sample(fn, m) for m in missing})
    raise AssertionError(f"cannot build {fn.__name__}")


def discover():
    found = {}
    for module in all_modules():
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and issubclass(obj, colander.SchemaNode):
                if _is_mapping_schema(obj):
                    found[f"{module.__name__}.{name}"] = obj
            elif (
                inspect.isfunction(obj)
                and module.__name__.endswith(".schemas")
                and name.endswith("_schema")
                and not name.startswith("_")
            ):
                build(obj)  # fails here, at collection, when a factory cannot be built
                found[f"{module.__name__}.{name}()"] = lambda fn=obj: build(fn)
    return found


SCHEMAS = discover()


def test_discovery_finds_the_schemas_of_every_area():
    areas = {key.split(".")[1] for key in SCHEMAS}
    for area in ("accounts", "orgs", "ledger", "targets", "audits", "disclosure", "cases"):
        assert area in areas, f"no schema found in whirlwind.{area}"
    assert len(SCHEMAS) >= 50, sorted(SCHEMAS)


# --- hostile values -------------------------------------------------------------------------

control = st.text(alphabet=st.characters(max_codepoint=31), min_size=1, max_size=20)
huge = st.sampled_from(["长" * 50_000, "x" * 300_000, "<b>" * 20_000])
html = st.sampled_from(
    ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "'; DROP TABLE org; --"]
)
wrong_type = st.one_of(
    st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)  # fmt: skip
any_text = st.one_of(st.text(max_size=60), control, huge, html, st.just(""), st.just(" \t\n"))
bad_dates = st.sampled_from(
    ["2026-02-30", "2026-13-01", "2025-02-29", "0000-00-00", "9999-12-31", "1900-01-01",
     "2026/01/01", "20260101", "2026-1-1T00:00", "昨天", "2026-02-28\x00"]
)  # fmt: skip
bad_numbers = st.sampled_from(
    ["-1", "-0.01", "1e400", "1e20", "NaN", "Infinity", "-Infinity", "999999999999999999.99",
     "0x10", "1,000", "１２３", "12.345", "99999999999999999999999999999", "--1", "1e-400"]
)  # fmt: skip


def value_for(node: colander.SchemaNode, depth: int = 0):
    typ = node.typ
    if isinstance(typ, colander.Mapping):
        return st.one_of(cstruct_for(node, depth + 1), wrong_type) if depth < 3 else st.just({})
    if isinstance(typ, colander.Sequence):
        item = node.children[0] if node.children else None
        inner = value_for(item, depth + 1) if item is not None and depth < 3 else any_text
        return st.one_of(st.lists(inner, max_size=3), any_text, wrong_type)
    if isinstance(typ, colander.Set):
        return st.one_of(
            st.lists(st.one_of(st.sampled_from([c for c, _ in SAMPLE_CHOICES]), any_text), max_size=4),
            any_text,
            wrong_type,
        )  # fmt: skip
    if isinstance(typ, (colander.Date, colander.DateTime)):
        return st.one_of(bad_dates, st.dates().map(lambda d: d.isoformat()), any_text, wrong_type)
    if isinstance(typ, (colander.Decimal, colander.Integer, colander.Float, colander.Money)):
        return st.one_of(
            bad_numbers, st.integers().map(str), st.decimals(allow_nan=True).map(str), any_text, wrong_type
        )  # fmt: skip
    if isinstance(typ, colander.Boolean):
        return st.one_of(st.sampled_from(["true", "false", "on", "1", "0"]), any_text, wrong_type)
    return st.one_of(any_text, st.sampled_from([c for c, _ in SAMPLE_CHOICES]), wrong_type)


def cstruct_for(schema: colander.SchemaNode, depth: int = 0):
    fields = {child.name: value_for(child, depth) for child in schema.children}
    return st.fixed_dictionaries({}, optional=fields)


# --- the property ---------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def report_inputs_tried():
    yield
    print(f"\n{len(SCHEMAS)} schemas fed {TRIED['inputs']} hostile inputs")


@pytest.fixture(scope="module")
def bind_kw(app):
    """What a view binds a schema with: the request (reference lists from the database)
    and sample choices for the schemas that take them."""
    session = app.registry["dbsession_factory"]()
    request = SimpleNamespace(
        dbsession=session,
        session=SimpleNamespace(get_csrf_token=lambda: "token"),
        identity=None,
        registry=app.registry,
    )
    yield {
        "request": request,
        "units": SAMPLE_CHOICES,
        "roles": SAMPLE_CHOICES,
        "permissions": SAMPLE_CHOICES,
        "kinds": SAMPLE_CHOICES,
    }
    session.close()


def assert_clean(bound, max_examples=30):
    """Feed ``bound`` hostile input; anything but an appstruct or colander.Invalid fails."""

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.one_of(cstruct_for(bound), cstruct_for(bound), wrong_type, any_text))
    def check(data):
        TRIED["inputs"] += 1
        try:
            result = bound.deserialize(data)
        except colander.Invalid as e:
            # The message a user sees is a string for every field.
            assert all(isinstance(v, str) for v in e.asdict().values())
            return
        assert isinstance(result, dict)

    check()


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_accepts_or_refuses_cleanly(name, bind_kw):
    assert_clean(SCHEMAS[name]().bind(**bind_kw))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # huge example repr
def test_the_harness_catches_a_validator_that_crashes():
    def fragile(node, value):
        if "<" in value:  # e.g. a validator that parses markup by hand
            raise ValueError("unexpected markup")

    schema = colander.MappingSchema()
    schema.add(colander.SchemaNode(colander.String(), name="when", validator=fragile))
    with pytest.raises(ValueError):
        assert_clean(schema, max_examples=200)
