"""``make run``: start the search indexer beside the web server, stop both together."""

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
        print("Whirlwind 已启动：http://127.0.0.1:6543 （Ctrl+C 停止）", flush=True)
        return subprocess.call([os.path.join(bindir, "pserve"), ini])
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
