"""Batch conversion: many inputs -> one JSONL file, crash-safe and resumable, on one core, N
processes or a Dask cluster.

The output contract (SPEC section 2): one line per input document, in sorted input order, each
either a Document or an error record {"doc_id", "source", "error"}. Lines are written whole
(one write() per line) and fsynced in small groups, so a batch killed at any moment leaves
complete lines followed by at most one partial line; `--resume` cuts that partial line off and
processes only the inputs that have no line yet. Every engine produces the same bytes.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import stat
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import click

BATCH_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf")  # what a folder is searched for
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # per document in a batch; larger files get a 'too large' error record
FSYNC_EVERY_LINES = 16
FSYNC_EVERY_SECONDS = 1.0

Result = tuple[str, str, bool]  # (source, JSON line without newline, ok)


# --- inputs -----------------------------------------------------------------------------------

def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):  # symlinked folders are not followed: no loops
        dirs.sort()
        for name in files:
            if name.lower().endswith(BATCH_SUFFIXES) and not name.startswith("."):
                path = os.path.join(root, name)
                if os.path.isfile(path):
                    yield path


def expand_inputs(inputs: Iterable[str], warn: Callable[[str], None] | None = None) -> list[str]:
    """Files as given, folders searched recursively for known suffixes, globs expanded (with **).

    Returns unique paths in sorted order: the order of the output lines. A path that does not
    exist and is no glob is kept, so that it gets an error record of its own; a glob that
    matches nothing is only warned about.
    """
    found: dict[str, str] = {}

    def add(path: str) -> None:
        found.setdefault(os.path.normpath(path), path)

    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            for path in _walk(item):
                add(path)
        elif os.path.exists(item) or not glob.has_magic(item):
            add(item)
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches and warn:
                warn(f"no input matches {item!r}")
            for m in matches:
                if os.path.isdir(m):
                    for path in _walk(m):
                        add(path)
                else:
                    add(m)
    return sorted(found.values())


# --- one document -----------------------------------------------------------------------------

def _read_limited(source: str, max_bytes: int) -> bytes:
    from .loaders import LoadError

    try:
        if not stat.S_ISREG(os.stat(source).st_mode):  # before open(): a FIFO would block it
            raise LoadError(source, "not a regular file")
        with open(source, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_size > max_bytes:
                raise LoadError(source, f"too large: {st.st_size} bytes (limit {max_bytes}, see --max-bytes)")
            data = f.read(max_bytes + 1)  # the file may grow while we read it
    except OSError as e:
        raise LoadError(source, e.strerror or str(e)) from None
    if len(data) > max_bytes:
        raise LoadError(source, f"too large: more than {max_bytes} bytes (limit, see --max-bytes)")
    return data


def error_line(source: str, error: str) -> str:
    from .pipeline import doc_id_for
    from .schema import ErrorRecord

    rec = ErrorRecord(doc_id=doc_id_for(source), source=source, error=error)
    return json.dumps(rec.model_dump(mode="json"), ensure_ascii=False)


def process_one(source: str, max_bytes: int = DEFAULT_MAX_BYTES, with_text: bool = True,
                path: str | None = None) -> Result:
    """Load and extract one file (read from `path`, named `source`); never raises: a failure
    becomes an error record line."""
    from .loaders import LoadError, load_bytes
    from .pipeline import extract_loaded

    try:
        data = _read_limited(path or source, max_bytes)
        doc = extract_loaded(load_bytes(data, source, Path(source).suffix), source)
        return source, json.dumps(doc.to_json_dict(with_text=with_text), ensure_ascii=False), True
    except LoadError as e:
        return source, error_line(source, e.message), False
    except MemoryError:
        return source, error_line(source, "out of memory while extracting"), False
    except Exception as e:  # an extractor bug must not stop the batch
        return source, error_line(source, f"extraction failed: {type(e).__name__}: {e}".rstrip(": ")), False


def _process_many(items: list[tuple[str, str]], max_bytes: int, with_text: bool) -> list[Result]:
    return [process_one(source, max_bytes, with_text, path) for source, path in items]


# --- engines: each yields one Result per source, in the order given ---------------------------

def run_local(sources: list[str], *, workers: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
              with_text: bool = True, warn: Callable[[str], None] | None = None) -> Iterator[Result]:
    """In this process (workers <= 1) or a pool of processes with ordered, imap-style results.

    At most a few tasks per worker are in flight, so memory stays flat for any number of
    inputs. If a worker process dies (killed, out of memory), the pool is rebuilt and the
    unfinished documents are retried once; a document that kills a worker twice gets an error
    record.
    """
    if workers <= 1 or len(sources) <= 1:
        for s in sources:
            yield process_one(s, max_bytes, with_text)
        return

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if "forkserver" in multiprocessing.get_all_start_methods():  # no fork() of a threaded parent
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["nscl_extract.warm"])  # models loaded once, inherited by every worker
    else:
        ctx = multiprocessing.get_context("spawn")
    window = workers * 4
    todo = deque(enumerate(sources))
    attempts: dict[int, int] = {}
    pending: deque = deque()  # (index, source, future), in order
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    try:
        while todo or pending:
            try:
                while todo and len(pending) < window:
                    i, s = todo[0]
                    fut = pool.submit(process_one, s, max_bytes, with_text)  # may find the pool broken
                    todo.popleft()
                    pending.append((i, s, fut))
                i, s, fut = pending[0]
                result = fut.result()
            except BrokenProcessPool:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
                retry = [(j, t) for j, t, _ in pending]
                pending.clear()
                if not retry:
                    continue
                i, s = retry[0]
                if warn:
                    warn(f"a worker process died; restarting the pool and retrying {len(retry)} documents")
                attempts[i] = attempts.get(i, 0) + 1
                if attempts[i] >= 2:
                    retry.pop(0)
                    yield s, error_line(s, "worker process died while extracting this document"), False
                todo.extendleft(reversed(retry))
                continue
            pending.popleft()
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def dask_available() -> None:
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:
        raise click.UsageError(
            f"--engine dask needs Dask ({e.name or e} is not installed): pip install 'nscl-extract[dask]'") from None


def run_dask(sources: list[str], *, scheduler: str | None = None, workers: int = 1,
             max_bytes: int = DEFAULT_MAX_BYTES, with_text: bool = True, client=None) -> Iterator[Result]:
    """A dask.bag over the inputs on a Dask cluster; partitions are gathered in order as they finish.

    The workers read the input files themselves (by absolute path), so on a real cluster the
    inputs must be on a filesystem every worker sees at the same path. Without a scheduler address a LocalCluster with `workers`
    processes is started and closed here.
    """
    dask_available()
    import dask.bag as db
    from distributed import Client, LocalCluster

    if not sources:
        return
    own_cluster = own_client = None
    try:
        if client is None:
            if scheduler:
                client = own_client = Client(scheduler)
            else:
                own_cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                           processes=True, dashboard_address=None)
                client = own_client = Client(own_cluster)
        threads = max(1, sum(client.nthreads().values()))
        size = max(1, min(64, -(-len(sources) // (threads * 4))))
        chunks = [sources[i:i + size] for i in range(0, len(sources), size)]
        # workers get absolute paths (their working folder is not ours); records keep the source as given
        items = [[(s, os.path.abspath(s)) for s in chunk] for chunk in chunks]
        bag = db.from_sequence(items, npartitions=len(items))  # one chunk of inputs per partition
        parts = bag.map(_process_many, max_bytes, with_text).to_delayed()
        if len(parts) != len(chunks):
            raise RuntimeError(f"dask made {len(parts)} partitions of {len(chunks)} chunks")
        futures = client.compute(parts)
        for fut, chunk in zip(futures, chunks):
            try:
                [results] = fut.result()
                if [r[0] for r in results] != chunk:
                    raise RuntimeError("a partition came back with other inputs than were sent")
            except Exception as e:  # a worker that died, a cluster that went away ...
                results = [(s, error_line(s, f"dask task failed: {type(e).__name__}: {e}"), False) for s in chunk]
            fut.release()
            yield from results
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


# --- output -----------------------------------------------------------------------------------

class ResumeError(click.ClickException):
    pass


def _is_error_record(obj: dict) -> bool:
    return "error" in obj and "schema" not in obj


def recover(output: str) -> tuple[dict[str, bool], int]:
    """Read a batch output for --resume: {source: ok} of its complete lines, and the byte length
    to keep (a trailing partial line, left by a kill mid-write, is dropped). Streams the file."""
    done: dict[str, bool] = {}
    keep = 0
    bad: int | None = None  # line number of an unparsable line, fatal unless it is the last one
    with open(output, "rb") as f:
        for n, raw in enumerate(f, 1):
            if bad is not None:
                raise ResumeError(f"cannot resume: line {bad} of {output} is not a batch record; "
                                  "refusing to touch the file (run without --resume to start over)")
            if not raw.endswith(b"\n"):
                break  # a partial last line
            try:
                obj = json.loads(raw)
                source = obj["source"]
            except (ValueError, KeyError, TypeError):
                bad = n
                continue
            done[source] = not _is_error_record(obj)
            keep += len(raw)
    return done, keep


class JsonlWriter:
    """Appends whole lines: one write() per line, fsync every few lines and at close."""

    def __init__(self, path: str, keep: int | None = None):
        self.path = path
        flags = os.O_WRONLY | os.O_CREAT | (0 if keep is not None else os.O_TRUNC)
        self.fd = os.open(path, flags, 0o644)
        if keep is not None:
            os.ftruncate(self.fd, keep)
            os.fsync(self.fd)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.unsynced = 0
        self.synced_at = time.monotonic()

    def write(self, line: str) -> None:
        buf = (line + "\n").encode("utf-8")
        while buf:  # a regular file takes it in one write(); loop in case it did not
            n = os.write(self.fd, buf)
            buf = buf[n:]
        self.unsynced += 1
        if self.unsynced >= FSYNC_EVERY_LINES or time.monotonic() - self.synced_at >= FSYNC_EVERY_SECONDS:
            self.sync()

    def sync(self) -> None:
        os.fsync(self.fd)
        self.unsynced = 0
        self.synced_at = time.monotonic()

    def close(self) -> None:
        if self.fd >= 0:
            self.sync()
            os.close(self.fd)
            self.fd = -1


# --- the batch --------------------------------------------------------------------------------

@dataclass
class BatchSummary:
    total: int = 0            # inputs
    ok: int = 0               # documents in the output (this run and, with --resume, before)
    failed: int = 0           # error records in the output
    skipped: int = 0          # already in the output (--resume)
    processed: int = 0        # done in this run
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def line(self, output: str) -> str:
        rate = self.processed / self.seconds if self.seconds > 0 else 0.0
        s = (f"batch: {self.ok} succeeded, {self.failed} failed, {self.total} documents in {output}"
             f" ({self.processed} processed in {self.seconds:.1f}s, {rate:.1f} docs/s")
        if self.skipped:
            s += f"; {self.skipped} already done, resumed"
        return s + ")"


def run_batch(inputs: Iterable[str], output: str, *, workers: int = 1, resume: bool = False,
              with_text: bool = True, engine: str = "local", scheduler: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, progress: bool = False,
              on_result: Callable[[Result], None] | None = None,
              warn: Callable[[str], None] | None = None) -> BatchSummary:
    """Run a batch (see the module doc); returns the counts for the summary and exit status."""
    sources = expand_inputs(inputs, warn=warn)
    summary = BatchSummary(total=len(sources))
    done: dict[str, bool] = {}
    keep = None
    if resume and os.path.exists(output):
        done, keep = recover(output)
    todo = [s for s in sources if s not in done]
    for s in sources:
        if s in done:
            summary.skipped += 1
            summary.ok += done[s]
            summary.failed += not done[s]
    if engine == "dask":
        results = run_dask(todo, scheduler=scheduler, workers=workers, max_bytes=max_bytes, with_text=with_text)
    elif engine == "local":
        results = run_local(todo, workers=workers, max_bytes=max_bytes, with_text=with_text, warn=warn)
    else:
        raise ValueError(f"unknown engine {engine!r}")

    writer = JsonlWriter(output, keep=keep)
    bar = _progress_bar(len(todo)) if progress and todo else None
    start = time.monotonic()
    try:
        if bar:
            bar.start()
        for result in results:
            source, line, ok = result
            writer.write(line)
            summary.processed += 1
            if ok:
                summary.ok += 1
            else:
                summary.failed += 1
                summary.failures.append(f"{source}: {json.loads(line)['error']}")
            if bar:
                bar.advance(bar.task_ids[0])
            if on_result:
                on_result(result)
    finally:
        summary.seconds = time.monotonic() - start
        writer.close()
        if bar:
            bar.stop()
    return summary


def _progress_bar(total: int):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} docs/s" if speed else "- docs/s")

    bar = Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True), transient=False)
    bar.add_task("batch", total=total)
    return bar


# --- command ----------------------------------------------------------------------------------

@click.command("batch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The JSONL file: one line per document (a Document or an error record).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes (local engine) or LocalCluster workers (dask engine without --scheduler).")
@click.option("--resume", is_flag=True, help="Keep the complete lines of OUT and process only the inputs it lacks.")
@click.option("--no-text", is_flag=True, help="Leave the document text out of the output.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: run on a Dask cluster (pip install 'nscl-extract[dask]').")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address (tcp://host:8786); default: a LocalCluster.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Larger input files get a 'too large' error record instead of being read.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar with documents per second on stderr. Default: only when stderr is a terminal.")
def batch_command(inputs, output, workers, resume, no_text, engine, scheduler, max_bytes, progress):
    """Extract many files into one JSONL file: INPUT is a file, a folder (searched recursively for
    .txt .html .htm .docx .pdf) or a glob ("plans/**/*.pdf").

    Lines come in sorted input order whatever the number of workers. A document that fails
    becomes an error record {"doc_id", "source", "error"} and the batch goes on. A killed batch
    leaves a valid JSONL file; --resume finishes it. Exit status: 0 when every document
    succeeded, 1 when some failed.
    """
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if engine == "dask":
        dask_available()
    from .cli_io import quiet, warn
    from .paths import check_output

    check_output(output)
    if output == "-" and resume:
        raise click.UsageError("--resume needs an output file, not -")
    if progress is None:
        progress = sys.stderr.isatty() and not quiet()
    # "-": each line goes to stdout as it comes; the JSONL file is scratch in a temporary folder
    with tempfile.TemporaryDirectory() if output == "-" else contextlib.nullcontext() as scratch:
        target = os.path.join(scratch, "batch.jsonl") if scratch else output
        summary = run_batch(inputs, target, workers=workers, resume=resume, with_text=not no_text, engine=engine,
                            scheduler=scheduler, max_bytes=max_bytes, progress=progress, warn=warn,
                            on_result=(lambda r: click.echo(r[1])) if scratch else None)
    if not summary.total:
        click.echo(f"error: no input documents in {' '.join(inputs)} (.txt .html .htm .docx .pdf)", err=True)
        sys.exit(1)
    finish(summary, "stdout" if output == "-" else output, f" (see the error records in {output})")


def finish(summary, where, more_hint: str = "") -> None:
    """Name the first failures and the totals on stderr; exit 1 when anything failed."""
    for failure in summary.failures[:10]:
        click.echo(f"failed: {failure}", err=True)
    if len(summary.failures) > 10:
        click.echo(f"failed: ... and {len(summary.failures) - 10} more{more_hint}", err=True)
    from .cli_io import note

    note(summary.line(where))
    sys.exit(1 if summary.failed else 0)
