"""gunicorn settings of the ini files' ``[server:main]`` (``config = python:whirlwind.gunicorn_conf``).

One pre-forked worker process per core (``workers``; an ini value overrides it), each with a
few threads for requests that wait on the database. The application is loaded once in the
master (PasteDeploy loads it before the server starts) and forked: every worker then drops
the database connections it inherited and keeps its own connection pool and its own search
reader (the per-process ``ReaderPool``), so no socket or file position is shared between
processes. ``when_ready`` prints the address actually served (with ``bind = 127.0.0.1:0``
the port the operating system chose).
"""

from __future__ import annotations

import os


def default_workers() -> int:
    """Worker processes: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


workers = default_workers()
threads = 4
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
keepalive = 5
# No runtime control socket (gunicorn 25+): several servers run side by side on one machine
# (nodes, test servers) and would share its default path.
control_socket_disable = True


def served_addresses(server) -> list[str]:
    out = []
    for listener in server.LISTENERS:
        address = listener.sock.getsockname()
        if isinstance(address, tuple):
            host, port = address[0], address[1]
            out.append(f"http://{host}:{port}")
        else:
            out.append(f"unix:{address}")
    return out


def when_ready(server):
    for address in served_addresses(server):
        print(
            f"Whirlwind 已启动：{address} （{server.num_workers} 个工作进程，Ctrl+C 停止）",
            flush=True,
        )


def post_worker_init(worker):
    """Forget what the master process opened: database connections and search readers."""
    app = getattr(worker, "wsgi", None)
    registry = getattr(app, "registry", None)
    engine = registry.get("dbengine") if registry is not None else None
    if engine is not None:
        engine.dispose(close=False)
    from whirlwind.search import engine as search_engine

    with search_engine._pools_lock:
        search_engine._pools.clear()
