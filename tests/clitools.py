"""Shared by the tests that run the command line as a user does: the CLI in a subprocess, and
the one clear error line every bad input must give (no traceback, the expected exit status)."""
from __future__ import annotations

import os
import subprocess
import sys

CLI = [sys.executable, "-m", "nscl_extract.cli"]


def run(*args, cwd=None, timeout=300, env=None, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, preexec_fn=preexec_fn)


def one_line(r: subprocess.CompletedProcess, code: int | None = None) -> str:
    """The only line on stderr, after checking there is no traceback and the exit status is
    `code` (any failure when None)."""
    assert "Traceback" not in r.stderr, r.stderr
    assert (r.returncode != 0) if code is None else r.returncode == code, (r.returncode, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]
