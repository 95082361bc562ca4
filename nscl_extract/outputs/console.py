"""What every command shares: --quiet/--verbose, messages on stderr, progress bars on a
terminal, and outputs where "-" means stdout. The output policy itself (checks, whole-file
writes) is paths.py."""
from __future__ import annotations

import shlex
import signal
import sys
import threading
from contextlib import contextmanager
from typing import IO, Callable, Iterator

import click

from .paths import check_output, replacing


def _set(ctx, param, value):
    if value:
        ctx.meta[f"nscl_extract.{param.name}"] = True
    return value


def _verbosity() -> int:
    """0 with --quiet, 2 with --verbose, else 1 (also outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return 1
    return 0 if ctx.meta.get("nscl_extract.quiet") else 2 if ctx.meta.get("nscl_extract.verbose") else 1


def verbosity_options() -> list[click.Option]:
    """--quiet and --verbose, added to every command by cli.py."""
    return [click.Option(["-q", "--quiet"], is_flag=True, callback=_set, expose_value=False, is_eager=True,
                         help="Only errors on stderr: no warnings, summaries or progress."),
            click.Option(["-v", "--verbose"], is_flag=True, callback=_set, expose_value=False, is_eager=True,
                         help="Also say what is done with each input.")]


def quiet() -> bool:
    return _verbosity() == 0


def note(msg: str) -> None:
    """A warning or summary on stderr (not with --quiet)."""
    if _verbosity() >= 1:
        click.echo(msg, err=True)


def detail(msg: str) -> None:
    """A line per input on stderr (only with --verbose)."""
    if _verbosity() >= 2:
        click.echo(msg, err=True)


def warn(msg: str) -> None:
    note(f"warning: {msg}")


def fail(msg: str, code: int = 1) -> None:
    """One clear line on stderr (even with --quiet) and the exit status."""
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def show_progress() -> bool:
    return not quiet() and sys.stderr.isatty()


class _NoBar:
    def advance(self, n: int = 1) -> None:
        pass


class _Bar:
    def __init__(self, progress, task):
        self.progress, self.task = progress, task

    def advance(self, n: int = 1) -> None:
        self.progress.advance(self.task, n)


@contextmanager
def progress(total: int | None, label: str, enabled: bool = True) -> Iterator[_Bar | _NoBar]:
    """A rich progress bar on stderr when it is a terminal (and not --quiet); else nothing."""
    if not (enabled and show_progress()):
        yield _NoBar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True)) as bar:
        yield _Bar(bar, bar.add_task(label, total=total))


@contextmanager
def output(path: str | None, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """The stream to write: stdout for None or "-", else the file, written whole or not at all
    (paths.replacing; the command has checked it with its inputs by check_output first)."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    check_output(path)
    before = _interrupt_note
    # replacing() writes a temporary file renamed at the end: an interrupted write leaves the old file whole
    when_interrupted(lambda: f"interrupted while writing {path}: it was not replaced; run the command again")
    with replacing(path, encoding=encoding, newline=newline) as f:
        yield f
    when_interrupted(before)


# --- Ctrl-C: one line saying what was written and how to go on, exit status 130 ------------------

INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report it
_interrupt_note: Callable[[], str] | None = None


def when_interrupted(note: Callable[[], str] | None) -> None:
    """Register what to say if Ctrl-C stops the command now: what it has written so far and how
    to go on (called when the interrupt comes, so it can count). None: the default line."""
    global _interrupt_note
    _interrupt_note = note


@contextmanager
def interrupt_after() -> Iterator[None]:
    """Hold a Ctrl-C that comes inside the block until the block ends, so a step and the count
    that says it was done (a stored document and the line that says how many) are never split.
    Only in the main thread, where Python's signal handlers run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def interrupted_line() -> str:
    note = _interrupt_note
    return note() if note is not None else "interrupted: nothing was written; run the command again to do it"


def command_line(extra: str = "") -> str:
    """The command as it was run (for a line that says how to go on), with `extra` appended
    unless it is there already."""
    args = list(sys.argv[1:])
    if extra and extra not in args:
        args.append(extra)
    return "nscl-extract " + shlex.join(args)


def wrote(path: str | None, what: str = "") -> None:
    if path not in (None, "-"):
        note(f"wrote {path}{' (' + what + ')' if what else ''}")
