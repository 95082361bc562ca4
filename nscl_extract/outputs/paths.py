"""The output policy of every command, in one place.

Before any work (check_output, check_output_folder): one clear line and exit status 2 for an
output that cannot be written (no such folder, a folder, a FIFO, not writable, an empty path),
that is one of the command's inputs or its --db store (compared by real path), that is an
SQLite database, or whose companion file (export's X.label_config.xml) exists with content
this command did not write.

While writing (replacing): a temporary file in the same folder, renamed over the output when
it is complete, so a failure (a full disk, an interrupted run) leaves the old file whole. An
output that is no regular file (/dev/null, /dev/stdout) is written as it is.
"""
from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from typing import IO, Iterable, Iterator, Mapping

import click

SQLITE_HEADER = b"SQLite format 3\x00"


class OutputPathError(click.ClickException):
    exit_code = 2


def _real(path: str | os.PathLike) -> str:
    return os.path.realpath(os.fspath(path))


def _is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_output(path: str | os.PathLike | None, option: str = "-o", *, inputs: Iterable[str | os.PathLike] = (),
                 db: str | os.PathLike | None = None, companions: Mapping[str, bytes] | None = None) -> None:
    """Refuse an output that cannot be written: a missing or unwritable folder, a folder, a FIFO
    (writing would block), a file that cannot be written, an empty path; one whose real path is
    an input or the --db; an existing SQLite database (a store); a companion (path -> the bytes
    this command writes there) that exists with other content. None and "-" (stdout) pass."""
    if path is None or os.fspath(path) == "-":
        return
    p = os.fspath(path)
    if not p:
        raise OutputPathError(f"{option}: an empty path; give a file name (or - for stdout)")
    _check_writable(p, option)
    real = _real(p)
    for item in inputs:
        if item not in (None, "-") and _real(item) == real:
            raise OutputPathError(f"{option} {p} is also an input ({os.fspath(item)}): choose another {option}")
    if db is not None and option != "--db" and _real(db) == real:
        raise OutputPathError(f"{option} {p} is the store (--db {os.fspath(db)}): choose another {option}")
    if option != "--db" and os.path.isfile(p) and _is_sqlite(p):
        raise OutputPathError(f"{option} {p} is an SQLite database (a store?); refusing to overwrite it")
    if not is_regular_output(p):
        return  # /dev/null ... : no companion beside it
    for other, content in (companions or {}).items():
        for item in [*inputs, *([db] if db is not None else [])]:
            if item not in (None, "-") and _real(item) == _real(other):
                raise OutputPathError(f"{option} {p}: its companion {other} is also an input: choose another {option}")
        if os.path.lexists(other):
            same = False
            if os.path.isfile(other):
                try:
                    with open(other, "rb") as f:
                        same = f.read() == content
                except OSError:
                    pass
            if not same:
                raise OutputPathError(f"{option} {p}: {other} exists and was not written by this command; "
                                      f"refusing to replace it (move it away or choose another {option})")
        _check_writable(other, option)


def _check_writable(p: str, option: str) -> None:
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
        if stat.S_ISREG(st.st_mode) and not os.access(os.path.dirname(_real(p)), os.W_OK | os.X_OK):
            raise OutputPathError(f"{option} {p}: cannot replace it: its folder is not writable")
        return
    if os.path.islink(p):
        folder = os.path.dirname(_real(p))  # a dangling link: the file is made where it points
    if not os.path.isdir(folder):
        what = "not a folder" if os.path.exists(folder) else "no such folder"
        raise OutputPathError(f"{option} {p}: {what}: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {p}: cannot create a file in {folder} (not writable)")


def check_output_folder(path: str | os.PathLike, option: str = "-o") -> None:
    """Refuse an output folder that cannot be one: an empty path, a file, a path under a file,
    a folder (or the nearest existing parent of a missing one) that is not writable."""
    p = os.fspath(path)
    if not p:
        raise OutputPathError(f"{option}: an empty path; give a folder")
    probe = os.path.abspath(p)
    while not os.path.lexists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise OutputPathError(f"{option} {p}: not a folder: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {p}: {probe} is not writable")


def is_regular_output(path: str) -> bool:
    """True for a regular file or a file still to be made; False for a device (/dev/null ...)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def replacing(path: str | os.PathLike, *, binary: bool = False, encoding: str = "utf-8",
              newline: str | None = None) -> Iterator[IO]:
    """Write the file `path` whole or not at all: a temporary file in the same folder (its real
    folder when path is a symlink: the link is written through), fsynced and renamed over it
    when the block ends without an error; removed on any error. A device is written directly.
    An OSError is one line naming the file (exit 1)."""
    p = os.fspath(path)
    mode = "wb" if binary else "w"
    kwargs = {} if binary else {"encoding": encoding, "newline": newline}
    regular = is_regular_output(p)
    existed = regular and os.path.exists(p)
    try:
        if not regular:
            with open(p, mode, **kwargs) as f:
                yield f
            return
        target = _real(p)
        try:
            keep_mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            keep_mode = _new_file_mode()
        # a short name of its own: beside a 255-byte file name there is no room for a longer one
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".nscl-extract-", suffix=".part")
        try:
            with os.fdopen(fd, mode, **kwargs) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, keep_mode)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:  # a full disk, a folder removed meanwhile ...
        left = "; the file was left as it was" if existed else "; nothing was written" if regular else ""
        raise click.ClickException(f"cannot write {p}: {e.strerror or e}{left}") from None


def write_file(path: str | os.PathLike, content: str | bytes) -> None:
    """The whole content to `path`, through replacing()."""
    with replacing(path, binary=isinstance(content, bytes)) as f:
        f.write(content)
