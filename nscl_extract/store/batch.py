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
import fcntl
import glob
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import click

from .jsonl import Line, dumps, fd_writer, loads, read_records
from ..load.loaders import LoadError

BATCH_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")  # what a folder is searched for
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # per document in a batch; larger files get a 'too large' error record
DEFAULT_TIME_LIMIT = 120.0  # seconds per document; a slower one gets a 'too slow' error record
FSYNC_EVERY_LINES = 16
FSYNC_EVERY_SECONDS = 1.0

Result = tuple[str, str, bool]  # (source, JSON line without newline, ok)


# --- inputs -----------------------------------------------------------------------------------

class BatchError(click.ClickException):
    """A batch that must not start (or go on): one clear line, exit status 2, the output untouched."""

    exit_code = 2


def real(path: str) -> str:
    """The identity of an input: its real path (./a, a and /abs/a are one file; symlinks resolved)."""
    return os.path.realpath(path)


def _walk(folder: str) -> Iterator[str]:
    for root, dirs, files in os.walk(folder):  # symlinked folders are not followed: no loops
        dirs.sort()
        for name in files:
            if name.lower().endswith(BATCH_SUFFIXES) and not name.startswith("."):
                path = os.path.join(root, name)
                if os.path.isfile(path):
                    yield path


def _component_re(comp: str) -> str:
    """fnmatch-style pattern of one path component; like glob, '*' does not match a leading dot."""
    out = [] if comp.startswith(".") else [r"(?!\.)"]
    i = 0
    while i < len(comp):
        c = comp[i]
        if c == "*":
            out.append(r"[^/]*")
        elif c == "?":
            out.append(r"[^/]")
        elif c == "[" and (j := comp.find("]", i + 2 if comp[i + 1:i + 2] in ("!", "]") else i + 1)) > 0:
            body = comp[i + 1:j]
            neg = body.startswith("!")
            body = re.escape(body[1:] if neg else body).replace(r"\-", "-")
            out.append(f"[{'^' if neg else ''}{body}]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _glob(pattern: str) -> list[str]:
    """Files and folders matching a glob ('**' = any folders), found by a walk that, like the folder
    scan, does not follow symlinked folders: no duplicates through links, no endless loops."""
    parts = pattern.replace(os.sep, "/").split("/")
    k = 0
    while k < len(parts) and not glob.has_magic(parts[k]):
        k += 1
    root = "/".join(parts[:k]) or ("/" if pattern.startswith("/") else "")
    rest = [p for p in parts[k:] if p]
    regex = ""
    for n, comp in enumerate(rest):
        last = n == len(rest) - 1
        if comp == "**":
            regex += r"(?:(?!\.)[^/]+(?:/(?!\.)[^/]+)*)?" if last else r"(?:(?!\.)[^/]+/)*"
        else:
            regex += _component_re(comp) + ("" if last else "/")
    match = re.compile(regex).fullmatch
    depth = None if "**" in rest else len(rest)
    top = root or "."
    if not os.path.isdir(top):
        return []
    found = []
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(folder, top).replace(os.sep, "/")
        rel = "" if rel == "." else rel + "/"
        level = rel.count("/") + 1
        for name in sorted(dirs + files):
            if match(rel + name):
                path = os.path.join(root, rel + name) if root else rel + name
                if not os.path.islink(path) or not os.path.isdir(path):
                    found.append(path)
        if depth is not None and level >= depth:
            dirs.clear()
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
    return sorted(found)


def expand_inputs(inputs: Iterable[str], warn: Callable[[str], None] | None = None,
                  exclude: Iterable[str] = ()) -> list[str]:
    """Files as given, folders searched recursively for known suffixes, globs expanded (with **).

    Returns unique files (one per real path, the first spelling kept) in sorted order: the
    order of the output lines. Symlinked folders are not followed, by folder scans and globs
    alike. Paths whose real path is in `exclude` (the batch's own output) are left out. A path
    that does not exist and is no glob is kept, so that it gets an error record of its own; a
    glob that matches nothing is only warned about.
    """
    return sorted(input_roots(inputs, warn, exclude))


def input_roots(inputs: Iterable[str], warn: Callable[[str], None] | None = None,
                exclude: Iterable[str] = ()) -> dict[str, str]:
    """expand_inputs' files, each with the folder it was found from: the folder given, the
    folder a glob starts in, or a file's own folder (what `--id-from path` is relative to)."""
    found: dict[str, tuple[str, str]] = {}
    skip = {real(p) for p in exclude}

    def add(path: str, root: str) -> None:
        key = real(path)
        if key not in skip:
            found.setdefault(key, (path, root))

    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            for path in _walk(item):
                add(path, item)
        elif os.path.lexists(item) or not glob.has_magic(item):
            add(item, os.path.dirname(item))
        else:
            matches = _glob(item)
            if not matches and warn:
                warn(f"no input matches {item!r}")
            root = _glob_root(item)
            for m in matches:
                if os.path.isdir(m):
                    for path in _walk(m):
                        add(path, root)
                else:
                    add(m, root)
    return dict(found.values())


def _glob_root(pattern: str) -> str:
    parts = pattern.replace(os.sep, "/").split("/")
    k = 0
    while k < len(parts) and not glob.has_magic(parts[k]):
        k += 1
    return "/".join(parts[:k]) or ("/" if pattern.startswith("/") else "")


ID_FROM = ("stem", "path")


def doc_id_of(source: str, root: str | None, id_from: str = "stem") -> str:
    """The doc_id of an input: the file stem (SPEC, the gold key), or with id_from="path" the
    path relative to the folder it was found from (pipeline.doc_id_from_path). LoadError
    naming the file when that cannot be a doc_id (schema.safe_doc_id)."""
    from ..pipeline import doc_id_for, doc_id_from_path

    return doc_id_from_path(source, root) if id_from == "path" else doc_id_for(source)


def doc_ids_for(roots: dict[str, str], id_from: str = "stem") -> tuple[dict[str, str], dict[str, str]]:
    """source -> doc_id (doc_id_of) for every input whose doc_id can be one, and source -> why
    for the others (each gets an error record, the rest of the batch goes on)."""
    ids, refused = {}, {}
    for s, root in roots.items():
        try:
            ids[s] = doc_id_of(s, root, id_from)
        except LoadError as e:
            refused[s] = e.message
    return ids, refused


# --- one document -----------------------------------------------------------------------------

class TimeLimitExceeded(BaseException):
    """Raised by the alarm in the middle of an extraction (BaseException: no `except Exception`
    in an extractor swallows it)."""


_RING_AGAIN = 0.05  # seconds


@contextmanager
def _alarm(seconds: float | None):
    """A soft time limit in this process (main thread only): SIGALRM raises TimeLimitExceeded,
    and rings again every _RING_AGAIN seconds after the first: an alarm that lands in a
    finaliser (a __del__ swallows the exception, as the regex module's parser objects do) is
    not the end of the limit."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum, frame):
        raise TimeLimitExceeded()

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds, _RING_AGAIN)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def time_limit_error(seconds: float) -> str:
    return f"too slow: extraction took more than {seconds:g} s (limit {seconds:g} s, see --time-limit)"


def _read_limited(source: str, max_bytes: int) -> bytes:
    from ..load.loaders import LoadError, check_regular

    check_regular(source)  # before open(): a FIFO would block it
    try:
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


def error_line(source: str, error: str, doc_id: str | None = None) -> str:
    from ..load.loaders import stable_message
    from ..pipeline import doc_id_for
    from ..schema import ErrorRecord

    if doc_id is None:
        try:
            doc_id = doc_id_for(source)
        except LoadError:  # the file name is no doc_id: the error says so; the record keeps the stem
            doc_id = Path(source).stem
    rec = ErrorRecord(doc_id=doc_id, source=source, error=stable_message(error))
    return dumps(rec.model_dump(mode="json"))


def process_one(source: str, max_bytes: int = DEFAULT_MAX_BYTES, with_text: bool = True,
                path: str | None = None, time_limit: float | None = None, doc_id: str | None = None) -> Result:
    """Load and extract one file (read from `path`, named `source`); never raises: a failure
    becomes an error record line. The text a file expands to (a DOCX or PDF is compressed)
    is held to max_bytes characters too; time_limit is enforced here by an alarm (main thread)."""
    from ..load.loaders import LoadError, load_bytes
    from ..pipeline import extract_loaded

    try:
        with _alarm(time_limit):
            data = _read_limited(path or source, max_bytes)
            loaded = load_bytes(data, source, Path(source).suffix, max_chars=max_bytes)
            doc = extract_loaded(loaded, source, doc_id=doc_id)
            return source, dumps(doc.to_json_dict(with_text=with_text)), True
    except TimeLimitExceeded:
        return source, error_line(source, time_limit_error(time_limit or 0), doc_id), False
    except LoadError as e:
        return source, error_line(source, e.message, doc_id), False
    except MemoryError:
        return source, error_line(source, "out of memory while extracting", doc_id), False
    except Exception as e:  # an extractor bug must not stop the batch
        return source, error_line(source, f"extraction failed: {type(e).__name__}: {e}".rstrip(": "), doc_id), False


_WARM = threading.Lock()
_warmed = False


def _warm_once() -> None:
    """Load the models once per process before the first document: a Dask worker may run tasks
    in several threads, and underthesea's lazy loading is not safe to race."""
    global _warmed
    with _WARM:
        if not _warmed:
            from ..pipeline import warm_up

            warm_up()
            _warmed = True


def _process_many(items: list[tuple[str, str, str | None]], max_bytes: int, with_text: bool,
                  time_limit: float | None = None) -> list[Result]:
    _warm_once()
    return [process_one(source, max_bytes, with_text, path, time_limit, doc_id) for source, path, doc_id in items]


# --- engines: each yields one Result per source, in the order given ---------------------------

def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG),
    so a batch killed with kill -9 leaves no worker (nor fork server) running."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the worker ends when its pipe closes
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _worker_loop(conn, max_bytes: int, with_text: bool, ocr_jobs: int = 1) -> None:
    """A pool worker: receives (index, source), sends back (index, Result); None or EOF stops it.
    Ctrl-C is the batch's to handle (it reaches every process of the terminal's group): a worker
    ignores it and is stopped by the batch, without a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    from ..load.ocr import set_jobs

    set_jobs(ocr_jobs)  # the workers share the cores for OCR threads
    try:
        conn.send(None)  # ready: start-up (imports in a fresh process) is no document's time
        while True:
            task = conn.recv()
            if task is None:
                return
            i, source, doc_id = task
            conn.send((i, process_one(source, max_bytes, with_text, doc_id=doc_id)))
    except (EOFError, OSError):  # the batch is gone (killed, its pipe closed): nothing to say
        return


def _pool_context():
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():  # no fork() of a threaded parent
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["nscl_extract.store.warm"])  # models loaded once, inherited by every worker
        return ctx
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, ctx, max_bytes: int, with_text: bool, ocr_jobs: int = 1):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_loop, args=(child, max_bytes, with_text, ocr_jobs), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.task: tuple[int, str] | None = None
        self.started = 0.0

    def give(self, i: int, source: str, doc_id: str | None = None) -> None:
        self.task = (i, source)
        self.started = time.monotonic()
        self.conn.send((i, source, doc_id))

    def close(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def run_local(sources: list[str], *, workers: int = 1, max_bytes: int = DEFAULT_MAX_BYTES,
              with_text: bool = True, time_limit: float | None = DEFAULT_TIME_LIMIT,
              warn: Callable[[str], None] | None = None, doc_ids: dict[str, str] | None = None) -> Iterator[Result]:
    """In this process (workers <= 1 without a time limit) or in worker processes, results in
    input order.

    Each worker holds one document at a time and at most workers * 4 results wait for their
    turn, so memory stays flat for any number of inputs. A worker that takes longer than
    time_limit on a document is killed and replaced, the document gets an error record naming
    the limit. With a time limit the documents run in a worker process even for workers=1: an
    alarm in this process cannot stop a long call into C (a parser, a thread pool waiting for
    Tesseract). A worker that dies (killed, out of memory) is replaced and its document
    retried once; a document that kills a worker twice gets an error record. Workers die with
    the batch (parent-death signal). `doc_ids`: source -> doc_id where it is not the stem
    (--id-from path).
    """
    doc_ids = doc_ids or {}
    if not time_limit and (workers <= 1 or len(sources) <= 1):
        for s in sources:
            yield process_one(s, max_bytes, with_text, doc_id=doc_ids.get(s))
        return
    if not sources:
        return

    from multiprocessing.connection import wait

    ctx = _pool_context()
    window = workers * 4
    todo = deque(enumerate(sources))
    results: dict[int, Result] = {}
    attempts: dict[int, int] = {}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    ocr_jobs = max(1, cores // workers)  # OCR threads per worker
    pool = [_Worker(ctx, max_bytes, with_text, ocr_jobs) for _ in range(min(workers, len(sources)))]
    nxt = 0
    failed_starts = 0
    clean = False

    def replace(w: _Worker, kill: bool = True) -> None:
        w.close(kill=kill)
        pool[pool.index(w)] = _Worker(ctx, max_bytes, with_text, ocr_jobs)

    def died(w: _Worker) -> None:
        i, s = w.task
        attempts[i] = attempts.get(i, 0) + 1
        again = attempts[i] < 2
        if warn:
            warn(f"a worker process died while extracting {s}; replacing it"
                 + (" and retrying the document" if again else ""))
        if again:
            todo.appendleft((i, s))
        else:
            results[i] = (s, error_line(s, "worker process died while extracting this document", doc_ids.get(s)), False)
        replace(w)

    try:
        while nxt < len(sources):
            for w in list(pool):
                if w.ready and w.task is None and todo and todo[0][0] < nxt + window:
                    i, s = todo.popleft()
                    try:
                        w.give(i, s, doc_ids.get(s))
                    except OSError:  # it died while idle: not the document's fault
                        todo.appendleft((i, s))
                        w.task = None
                        replace(w)
            starting = [w for w in pool if not w.ready]
            busy = [w for w in pool if w.task is not None]
            timeout = None
            if time_limit and busy:
                timeout = max(0.0, min(w.started for w in busy) + time_limit - time.monotonic())
            ready = set(wait([w.conn for w in busy + starting] + [w.proc.sentinel for w in busy + starting], timeout))
            now = time.monotonic()
            for w in starting:
                if w.conn in ready or w.proc.sentinel in ready:
                    try:
                        w.ready = w.conn.poll() and w.conn.recv() is None
                    except (EOFError, OSError):
                        w.ready = False
                    if not w.ready:  # died while starting (killed, out of memory): try another
                        failed_starts += 1
                        if failed_starts > 3 * workers:
                            raise BatchError(f"worker processes keep dying while they start "
                                             f"(last exit status {w.proc.exitcode})")
                        replace(w)
            for w in busy:
                if w.conn in ready:
                    try:
                        i, result = w.conn.recv()
                    except (EOFError, OSError):
                        died(w)
                        continue
                    results[i] = result
                    w.task = None
                elif w.proc.sentinel in ready:
                    died(w)
                elif time_limit and now - w.started >= time_limit:
                    i, s = w.task
                    results[i] = (s, error_line(s, time_limit_error(time_limit), doc_ids.get(s)), False)
                    if warn:
                        warn(f"{s}: over the time limit of {time_limit:g} s; its worker process was replaced")
                    replace(w)
            while nxt in results:
                yield results.pop(nxt)
                nxt += 1
        clean = True
    finally:
        for w in pool:
            w.close(kill=not clean or w.task is not None)


def dask_available() -> None:
    try:
        import dask.bag  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as e:
        raise click.UsageError(
            f"--engine dask needs Dask ({e.name or e} is not installed): pip install 'nscl-extract[dask]'") from None


def run_dask(sources: list[str], *, scheduler: str | None = None, workers: int = 1,
             max_bytes: int = DEFAULT_MAX_BYTES, with_text: bool = True, time_limit: float | None = None,
             client=None, doc_ids: dict[str, str] | None = None) -> Iterator[Result]:
    """A dask.bag over the inputs on a Dask cluster; partitions are gathered in order as they finish.

    The workers read the input files themselves (by absolute path), so on a real cluster the
    inputs must be on a filesystem every worker sees at the same path. Without a scheduler address a LocalCluster with `workers`
    processes is started and closed here.
    """
    dask_available()
    doc_ids = doc_ids or {}
    import dask.bag as db
    from distributed import Client, LocalCluster

    if not sources:
        return
    own_cluster = own_client = None
    try:
        if client is None:
            if scheduler:
                try:
                    client = own_client = Client(scheduler)
                except (OSError, TimeoutError, ValueError) as e:  # before anything is written
                    raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {e}; nothing was written") from None
            else:
                own_cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                           processes=True, dashboard_address=None)
                client = own_client = Client(own_cluster)
        threads = max(1, sum(client.nthreads().values()))
        size = max(1, min(64, -(-len(sources) // (threads * 4))))
        chunks = [sources[i:i + size] for i in range(0, len(sources), size)]
        # workers get absolute paths (their working folder is not ours); records keep the source as given
        items = [[(s, os.path.abspath(s), doc_ids.get(s)) for s in chunk] for chunk in chunks]
        bag = db.from_sequence(items, npartitions=len(items))  # one chunk of inputs per partition
        parts = bag.map(_process_many, max_bytes, with_text, time_limit).to_delayed()
        if len(parts) != len(chunks):
            raise RuntimeError(f"dask made {len(parts)} partitions of {len(chunks)} chunks")
        futures = client.compute(parts)
        for fut, chunk in zip(futures, chunks):
            try:
                [results] = fut.result()
                if [r[0] for r in results] != chunk:
                    raise RuntimeError("a partition came back with other inputs than were sent")
            except Exception as e:  # a worker that died, a cluster that went away ...
                results = [(s, error_line(s, f"dask task failed: {type(e).__name__}: {e}", doc_ids.get(s)), False)
                           for s in chunk]
            fut.release()
            yield from results
    finally:
        if own_client is not None:
            own_client.close()
        if own_cluster is not None:
            own_cluster.close()


# --- output -----------------------------------------------------------------------------------

class ResumeError(BatchError):
    pass


RECORD_STARTS = (b'{"schema": "nscl-extract/', b'{"doc_id": ')


def _is_batch_record(obj: dict) -> bool:
    return (isinstance(obj.get("doc_id"), str) and isinstance(obj.get("source"), str)
            and ("schema" in obj or set(obj) == {"doc_id", "source", "error"}))


def _is_error_record(obj: dict) -> bool:
    return "error" in obj and "schema" not in obj


def _cut_record(raw: bytes) -> bool:
    """A partial line as a kill mid-write leaves it: the start of a batch record."""
    return any(raw.startswith(p) or p.startswith(raw) for p in RECORD_STARTS)


@dataclass
class Done:
    """What --resume finds in an output: the records' real paths and doc_ids, and the bytes to keep."""
    ok: dict[str, bool] = field(default_factory=dict)        # real path of the source -> a Document?
    doc_ids: dict[str, str] = field(default_factory=dict)    # doc_id -> source as recorded
    keep: int = 0


def recover(output: str) -> Done:
    """Read a batch output for --resume. Streams the file. A trailing partial line that starts
    like a batch record (left by a kill mid-write) is dropped; any other line that is not a
    complete batch record stops the resume before the file is touched."""
    done = Done()
    refuse = ("cannot resume: line {n} of {out} is not a batch record{why}; refusing to touch the file "
              "(run without --resume to start over, or choose another -o)")
    try:
        for rec in read_records(output):
            if not rec.complete and rec.value is None and _cut_record(rec.raw):
                break  # the partial last line of a killed batch
            if rec.value is None or not _is_batch_record(rec.value) or not rec.complete:
                why = f" ({rec.error})" if rec.error else (" (no newline at its end)" if not rec.complete else "")
                raise ResumeError(refuse.format(n=rec.lineno, out=output, why=why))
            obj = rec.value
            done.ok[real(obj["source"])] = not _is_error_record(obj)
            done.doc_ids.setdefault(obj["doc_id"], obj["source"])
            done.keep += len(rec.raw)
    except LoadError as e:
        raise ResumeError(f"cannot resume: {e}") from None
    return done


class JsonlWriter:
    """The batch output, locked against a second batch, written a whole line per write().

    The file is opened (created if missing) and locked with an advisory lock at once, but
    truncated to `keep` bytes only just before the first line is written: a batch that fails
    before its first result (an unreachable scheduler ...) leaves the file as it was. fsync
    every few lines or every second, and at close."""

    def __init__(self, path: str):
        self.path = path
        self.created = not os.path.lexists(path)
        try:
            self.fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as e:
            raise BatchError(f"cannot write {path}: {e.strerror or e}") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            raise BatchError(f"{path} is being written by another batch right now; "
                             "wait for it to finish or choose another -o") from None
        self.regular = stat.S_ISREG(os.fstat(self.fd).st_mode)
        self.keep = 0
        self.started = False
        self.lines = fd_writer(self.fd)
        self.unsynced = 0
        self.synced_at = time.monotonic()

    def _start(self) -> None:
        if self.regular:
            os.ftruncate(self.fd, self.keep)
            os.lseek(self.fd, 0, os.SEEK_END)
        self.started = True

    def write(self, line: str) -> None:
        if not self.started:
            self._start()
        self.lines.write(Line(line))
        self.unsynced += 1
        if self.unsynced >= FSYNC_EVERY_LINES or time.monotonic() - self.synced_at >= FSYNC_EVERY_SECONDS:
            self.sync()

    def sync(self) -> None:
        if self.regular:
            os.fsync(self.fd)
        self.unsynced = 0
        self.synced_at = time.monotonic()

    def close(self, finished: bool = True) -> None:
        """finished: the batch ran to its end (with nothing to write, a resume still cuts a
        partial last line). Otherwise a file that this batch created and never wrote goes."""
        if self.fd < 0:
            return
        try:
            if finished and not self.started:
                self._start()
            if self.started:
                self.sync()
        finally:
            if not self.started and self.created:
                os.unlink(self.path)
            os.close(self.fd)  # releases the lock
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


def doc_id_clashes(sources: list[str], taken: dict[str, str] | None = None,
                   doc_ids: dict[str, str] | None = None) -> dict[str, str]:
    """{source: error} for the inputs whose doc_id (the file stem, SPEC's document id and the
    gold key) is already held by an earlier input in sorted order or by a line of the output
    being resumed (`taken`: doc_id -> source). The first holder keeps it; the others get an
    error record, so one output never has two documents under one doc_id. Two doc_ids that
    differ only in case or Unicode form ("Plan", "plan") are one (schema.doc_id_key)."""
    from ..pipeline import doc_id_for
    from ..schema import doc_id_key

    owner = {doc_id_key(d): (d, s) for d, s in (taken or {}).items()}
    clashes = {}
    for s in sources:
        try:
            d = (doc_ids or {}).get(s) or doc_id_for(s)
        except LoadError:
            continue  # its own error record says why
        k = doc_id_key(d)
        if k in owner and real(owner[k][1]) != real(s):
            held, by = owner[k]
            same = "" if held == d else f" as {held!r} (doc_ids that differ only in case or Unicode form are one)"
            clashes[s] = (f"doc_id {d!r} is already taken by {by}{same}: two files with the same stem cannot "
                          "share one output (doc_id is the stem, the gold key); rename one, batch it separately, "
                          "or take doc_ids from the paths in the input folder (--id-from path)")
        else:
            owner.setdefault(k, (d, s))
    return clashes


def run_batch(inputs: Iterable[str], output: str, *, workers: int = 1, resume: bool = False,
              with_text: bool = True, engine: str = "local", scheduler: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, time_limit: float | None = DEFAULT_TIME_LIMIT,
              progress: bool = False, on_result: Callable[[Result], None] | None = None,
              warn: Callable[[str], None] | None = None, id_from: str = "stem") -> BatchSummary:
    """Run a batch (see the module doc); returns the counts for the summary and exit status.
    Raises BatchError, before touching the output, for no inputs, an input that is the output,
    an output another batch is writing, or a resume of a file that is not a batch output."""
    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r}")
    inputs = [os.fspath(i) for i in inputs]
    out_real = real(output)
    for item in inputs:
        if real(item) == out_real:
            raise BatchError(f"the output {output} is also an input ({item}): choose another -o")
    roots = input_roots(inputs, warn=warn, exclude=[output])
    sources = sorted(roots)
    doc_ids, bad_ids = doc_ids_for(roots, id_from) if id_from != "stem" else ({}, {})
    if not sources:
        err = BatchError(f"no input files in {' '.join(inputs)}; {output} left as it was")
        err.exit_code = 1  # as every command says "nothing to do"
        raise err
    writer = JsonlWriter(output)
    finished = False
    try:
        done = Done()
        if resume and not writer.created:
            done = recover(output)
        writer.keep = done.keep
        summary = BatchSummary(total=len(sources))
        todo = []
        for s in sources:
            if real(s) in done.ok:
                summary.skipped += 1
                summary.ok += done.ok[real(s)]
                summary.failed += not done.ok[real(s)]
            else:
                todo.append(s)
        clashes = {**bad_ids, **doc_id_clashes([s for s in todo if s not in bad_ids], done.doc_ids, doc_ids)}
        work = [s for s in todo if s not in clashes]
        if engine == "dask":
            results = run_dask(work, scheduler=scheduler, workers=workers, max_bytes=max_bytes, with_text=with_text,
                               time_limit=time_limit, doc_ids=doc_ids)
        else:
            results = run_local(work, workers=workers, max_bytes=max_bytes, with_text=with_text,
                                time_limit=time_limit, warn=warn, doc_ids=doc_ids)
        pages = {s: page_count(s) for s in todo} if progress else {}
        unit = "pages" if any(n > 1 for n in pages.values()) else "docs"  # a page-less document counts 1
        bar = _progress_bar(sum(pages.values()), unit) if progress and todo else None
        start = time.monotonic()
        try:
            if bar:
                bar.start()
            for result in _merge(todo, clashes, results, doc_ids):
                source, line, ok = result
                try:
                    writer.write(line)
                except OSError as e:
                    raise BatchError(f"cannot write {output}: {e.strerror or e} after {summary.processed} new lines; "
                                     "the lines written are complete: --resume goes on once it can be written") from None
                summary.processed += 1
                if ok:
                    summary.ok += 1
                else:
                    summary.failed += 1
                    summary.failures.append(f"{source}: {loads(line)['error']}")
                if bar:
                    bar.advance(bar.task_ids[0], pages.get(source, 1))
                if on_result:
                    on_result(result)
        finally:
            summary.seconds = time.monotonic() - start
            if bar:
                bar.stop()
            # The engine's workers are stopped here, not whenever the garbage collector reaches
            # the generator (at exit, after multiprocessing's own clean-up has closed its pipes).
            closing = getattr(results, "close", None)
            if closing:
                closing()
        finished = True
    finally:
        try:
            writer.close(finished=finished)
        except OSError as e:
            if finished:
                raise BatchError(f"cannot write {output}: {e.strerror or e}") from None
    return summary


def _merge(todo: list[str], clashes: dict[str, str], results: Iterator[Result],
           doc_ids: dict[str, str] | None = None) -> Iterator[Result]:
    """The engine's results with the doc_id clash records put in their sorted places."""
    doc_ids = doc_ids or {}
    for s in todo:
        if s in clashes:
            yield s, error_line(s, clashes[s], doc_ids.get(s)), False
        else:
            yield next(results)


def page_count(source: str) -> int:
    """What the progress bar counts for one input: a PDF's pages, a TIFF's frames, else 1 (OCR makes
    pages the unit of work). A file that cannot be opened counts 1: it gets its error record later."""
    suffix = Path(source).suffix.lower()
    try:
        if suffix == ".pdf":
            import pypdfium2 as pdfium

            with pdfium.PdfDocument(source) as pdf:
                return max(1, len(pdf))
        if suffix in (".tif", ".tiff"):
            from PIL import Image

            with Image.open(source) as img:
                return max(1, getattr(img, "n_frames", 1))
    except Exception:
        return 1
    return 1


def _progress_bar(total: int, unit: str = "docs"):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} {unit}/s" if speed else f"- {unit}/s")

    bar = Progress(TextColumn("extracting" if unit == "docs" else f"extracting ({unit})"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
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
@click.option("--time-limit", type=click.FloatRange(min=0), default=DEFAULT_TIME_LIMIT, show_default=True,
              metavar="SECONDS", help="A document that takes longer gets a 'too slow' error record and its worker "
                                      "process is replaced (0: no limit).")
@click.option("--id-from", type=click.Choice(ID_FROM), default="stem", show_default=True,
              help="stem: doc_id is the file stem (SPEC, the gold key). path: the file's path relative to the folder "
                   "(or glob) it was found in, without the suffix, folders joined by '__' "
                   "(archive/2021/a/file.pdf -> 2021__a__file): for archives whose files share a name.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr, counting documents (PDF pages and TIFF frames when there are any). Default: only when stderr is a terminal.")
def batch_command(inputs, output, workers, resume, no_text, engine, scheduler, max_bytes, time_limit, id_from, progress):
    """Extract many files into one JSONL file: INPUT is a file, a folder (searched recursively for
    .txt .html .htm .docx .pdf and page images .png .jpg .jpeg .tif .tiff) or a glob ("plans/**/*.pdf").

    Lines come in sorted input order whatever the number of workers. A document that fails
    becomes an error record {"doc_id", "source", "error"} and the batch goes on; so does a
    file whose stem (its doc_id) an earlier input has already. A killed batch leaves a valid
    JSONL file; --resume finishes it. OUT is locked while the batch runs. Exit status: 0 when
    every document succeeded, 1 when some failed, 2 when the batch could not start.
    """
    from ..outputs.paths import check_output

    check_output(output, inputs=inputs)
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if engine == "dask":
        dask_available()
    from ..outputs.console import command_line, quiet, warn, when_interrupted

    if output == "-" and resume:
        raise click.UsageError("--resume needs an output file, not -")
    if progress is None:
        progress = sys.stderr.isatty() and not quiet()
    written = [0]

    def interrupted() -> str:
        if output == "-":
            return (f"interrupted: {written[0]} document line(s) written to stdout; --resume needs an output "
                    "file: run the batch with -o FILE, then FILE --resume finishes it after an interrupt")
        if not written[0]:
            return f"interrupted before the first document was written; {output} left as it was"
        return (f"interrupted: {written[0]} document(s) written to {output} in this run, every line complete; "
                f"finish with: {command_line('--resume')}")

    def on_result(r) -> None:
        if output == "-":
            click.echo(r[1])
        written[0] += 1

    when_interrupted(interrupted)
    # "-": each line goes to stdout as it comes; the JSONL file is scratch in a temporary folder
    with tempfile.TemporaryDirectory() if output == "-" else contextlib.nullcontext() as scratch:
        target = os.path.join(scratch, "batch.jsonl") if scratch else output
        summary = run_batch(inputs, target, workers=workers, resume=resume, with_text=not no_text, engine=engine,
                            scheduler=scheduler, max_bytes=max_bytes, time_limit=time_limit or None, progress=progress,
                            warn=warn, on_result=on_result, id_from=id_from)
    when_interrupted(None)
    if not summary.total:
        click.echo(f"error: no input documents in {' '.join(inputs)} ({' '.join(BATCH_SUFFIXES)})", err=True)
        sys.exit(1)
    finish(summary, "stdout" if output == "-" else output, f" (see the error records in {output})")


def finish(summary, where, more_hint: str = "") -> None:
    """Name the first failures and the totals on stderr; exit 1 when anything failed."""
    for failure in summary.failures[:10]:
        click.echo(f"failed: {failure}", err=True)
    if len(summary.failures) > 10:
        click.echo(f"failed: ... and {len(summary.failures) - 10} more{more_hint}", err=True)
    from ..outputs.console import note

    note(summary.line(where))
    sys.exit(1 if summary.failed else 0)
