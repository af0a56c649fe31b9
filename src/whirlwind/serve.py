"""``make run``: start the search indexer beside the web server, stop both together.

The web server is the ini's ``[server:main]`` through pserve: gunicorn with one pre-forked
worker process per core (``whirlwind.gunicorn_conf``), which prints the address it actually
serves once it listens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from whirlwind.cli import COMMANDS


def main(argv=None) -> int:
    argv = argv or sys.argv[1:]
    ini = argv[0] if argv else "development.ini"
    bindir = os.path.dirname(sys.executable)
    indexer = None
    if "index" in COMMANDS:
        indexer = subprocess.Popen([os.path.join(bindir, "whirlwind"), "index", ini])
    try:
        # pserve in this process: the package's warning policy (``whirlwind/__init__``) is
        # in force before Pyramid is imported.
        from pyramid.scripts import pserve

        return pserve.main(argv=["pserve", ini])
    except KeyboardInterrupt:
        return 0
    finally:
        if indexer is not None and indexer.poll() is None:
            indexer.send_signal(signal.SIGTERM)
            try:
                indexer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                indexer.kill()


if __name__ == "__main__":
    sys.exit(main())
