"""Shared pieces of the benchmark scripts: where generated data lives, app settings for a
generated database, the framework floor (a bare view on the same stack), timing and tables.

Nothing here is imported by the application.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
DEFAULT_DB_URL = f"sqlite:///{os.path.join(OUT, 'bench.sqlite')}"
# The password of every generated user (documented in benchmarks/README.md).
BENCH_PASSWORD = "bench2026"  # noqa: S105
BARE_PATH = "/__bench/bare"
BARE_IDENTITY_PATH = "/__bench/bare-identity"

if ROOT not in sys.path:  # `python benchmarks/x.py` from the repository root
    sys.path.insert(0, ROOT)


def app_settings(db_url: str, var_dir: str | None = None) -> dict:
    """Settings of development.ini, pointed at the generated database."""
    var_dir = var_dir or os.path.join(OUT, "var")
    return {
        "sqlalchemy.url": db_url,
        "pyramid.reload_templates": "false",
        "pyramid.default_locale_name": "zh_CN",
        "retry.attempts": "3",
        "whirlwind.secret": "benchmark-secret-not-for-production",
        "whirlwind.cookie_secure": "false",
        "whirlwind.index_dir": os.path.join(var_dir, "index"),
        "whirlwind.attachments_dir": os.path.join(var_dir, "attachments"),
        "whirlwind.upload_max_bytes": str(10 * 1024 * 1024),
        "whirlwind.page_size": "20",
        "whirlwind.warning.yellow_days_before_due": "3",
        "whirlwind.warning.blue_max_days": "30",
        "whirlwind.warning.yellow_max_days": "60",
        # Benchmarks log in a handful of users many times; throttling is not what is measured.
        "whirlwind.login.max_failures": "1000",
        "whirlwind.login.window_seconds": "900",
        "whirlwind.login.lock_seconds": "1",
    }


def write_ini(path: str, db_url: str, var_dir: str | None = None) -> str:
    """An ini file for the `whirlwind` command against the generated database."""
    settings = app_settings(db_url, var_dir)
    lines = ["[app:main]", "use = egg:whirlwind"]
    lines += [f"{k} = {v}" for k, v in settings.items()]
    lines += [
        "",
        "[alembic]",
        f"script_location = {os.path.join(ROOT, 'alembic')}",
        f"sqlalchemy.url = {db_url}",
        "",
        "[loggers]",
        "keys = root",
        "[handlers]",
        "keys = console",
        "[formatters]",
        "keys = generic",
        "[logger_root]",
        "level = WARN",
        "handlers = console",
        "[handler_console]",
        "class = StreamHandler",
        "args = (sys.stderr,)",
        "level = NOTSET",
        "formatter = generic",
        "[formatter_generic]",
        "format = %(levelname)s %(name)s %(message)s",
        "",
    ]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


def _bare(request):
    from pyramid.response import Response

    return Response("ok", content_type="text/plain")


def _bare_identity(request):
    from pyramid.response import Response

    identity = request.identity
    return Response(f"ok {identity.org_id if identity else '-'}", content_type="text/plain")


def make_app(db_url: str, var_dir: str | None = None):
    """The real WSGI app (every area, tween and policy) plus two floor views that exist
    only in the benchmark's configuration: ``/__bench/bare`` (no database, no identity) and
    ``/__bench/bare-identity`` (resolves the logged-in identity, one session lookup)."""
    import whirlwind

    config = whirlwind.make_config(app_settings(db_url, var_dir))
    config.add_route("bench.bare", BARE_PATH)
    config.add_route("bench.bare_identity", BARE_IDENTITY_PATH)
    config.add_view(_bare, route_name="bench.bare")
    config.add_view(_bare_identity, route_name="bench.bare_identity")
    config.scan("whirlwind", ignore=["whirlwind.tests"])
    return config.make_wsgi_app()


def percentile(samples: list[float], q: float) -> float:
    s = sorted(samples)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summarize(samples: list[float]) -> dict:
    return {
        "n": len(samples),
        "median": statistics.median(samples) if samples else float("nan"),
        "p95": percentile(samples, 0.95),
        "min": min(samples) if samples else float("nan"),
        "max": max(samples) if samples else float("nan"),
    }


def timed(fn: Callable[[], object], runs: int, warmup: int) -> list[float]:
    """Milliseconds of ``runs`` calls after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def print_table(headers: list[str], rows: Iterable[list], title: str = "") -> str:
    """A Markdown table (pasteable into benchmarks/README.md); returns the text printed."""
    rows = [[_cell(c) for c in r] for r in rows]
    widths = [max([len(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    out = []
    if title:
        out.append(title)
        out.append("")
    out.append("| " + " | ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)) + " |")
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        out.append("| " + " | ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) + " |")
    text = "\n".join(out)
    print(text, flush=True)
    return text


def _cell(c) -> str:
    if isinstance(c, float):
        if c != c:  # nan
            return "–"
        return f"{c:,.1f}" if abs(c) >= 10 else f"{c:.2f}"
    return str(c)


def _width(s: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))


def verdict(value: float, goal: float, higher_is_better: bool = False) -> str:
    if value != value:
        return "–"
    ok = value >= goal if higher_is_better else value <= goal
    return "met" if ok else "MISSED"


def machine_note() -> str:
    """CPU count and load average: other work on the machine moves every number here."""
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return f"{os.cpu_count()} CPUs, load average {load} (1, 5, 15 min)"
