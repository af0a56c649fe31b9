"""What every command prints: none of our dependencies' deprecation chatter."""

from __future__ import annotations

import subprocess
import sys


def test_commands_do_not_print_the_pkg_resources_warning():
    """Our dependencies' pkg_resources import is silenced at the source, nothing else."""
    code = "import whirlwind.cli, deform, colander, pyramid.paster, pyramid.scripts.pserve"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "pkg_resources is deprecated" not in done.stderr, done.stderr
