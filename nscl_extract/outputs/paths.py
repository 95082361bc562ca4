"""Output paths checked before any work starts: one clear line and exit status 2, never a
traceback after minutes of extraction. Every command that writes a file calls check_output."""
from __future__ import annotations

import os
import stat

import click


class OutputPathError(click.ClickException):
    exit_code = 2


def check_output(path: str | os.PathLike | None, option: str = "-o") -> None:
    """Refuse an output that cannot be written: a missing or unwritable folder, a folder, a FIFO
    (writing would block), a file that cannot be written. None and "-" (stdout) pass."""
    if path is None or os.fspath(path) == "-":
        return
    p = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(p))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputPathError(f"{option} {p}: {e.strerror or e}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputPathError(f"{option} {p}: is a folder, not a file")
        if stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            raise OutputPathError(f"{option} {p}: not a regular file")
        if not os.access(p, os.W_OK):
            raise OutputPathError(f"{option} {p}: not writable")
        return
    if not os.path.isdir(folder):
        what = "not a folder" if os.path.exists(folder) else "no such folder"
        raise OutputPathError(f"{option} {p}: {what}: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {p}: cannot create a file in {folder} (not writable)")
