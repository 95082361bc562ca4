"""Every JSONL read and write of the package goes through here, on the `jsonlines` library.

Reading yields one Record per line: its JSON object, or why the line is not one (invalid
UTF-8, invalid JSON, NaN/Infinity, `5`, `null`, a list ...) with its line number, so a
caller can store the good lines and name the bad ones. Writing gathers jsonlines' pieces
of a line into one write(), so a process killed at any moment leaves whole lines and at
most one partial last line.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator, NamedTuple

import jsonlines


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(s: str | bytes) -> Any:
    """Strict JSON: NaN, Infinity and -Infinity are refused."""
    return json.loads(s, parse_constant=_no_constants)


def dumps(obj: Any) -> str:
    """One JSON line (without the newline), non-ASCII kept as it is."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


class Line(str):
    """A record already serialised with dumps() (by a worker process): written as it is."""


def _dumps(obj: Any) -> str:
    return obj if isinstance(obj, Line) else dumps(obj)


@dataclass
class Record:
    lineno: int
    value: dict | None      # the object, or None for a bad or blank line
    error: str | None       # why the line is not a JSON object; None for a good or blank line
    raw: bytes              # the line as read, with its newline when it has one

    @property
    def complete(self) -> bool:
        return self.raw.endswith(b"\n")

    @property
    def blank(self) -> bool:
        return self.value is None and self.error is None


def _why(e: jsonlines.InvalidLineError) -> str:
    msg = str(e).split(" (line ")[0]
    if msg == "line contains null value":
        return "null, not a JSON object"
    if msg == "line does not match requested type":
        try:
            return f"a JSON {type(loads(e.line)).__name__}, not a JSON object"
        except (ValueError, RecursionError):
            pass
    return msg


def records(fp: IO[bytes] | Iterable[bytes]) -> Iterator[Record]:
    """Each line of a binary file as a Record (a JSON object or the reason it is not one)."""
    seen: list[bytes] = [b""]

    def lines():
        for raw in fp:
            seen[0] = raw
            yield raw

    reader = jsonlines.Reader(lines(), loads=loads)
    n = 0
    while True:
        try:
            value = reader.read(type=dict)
            error = None
        except EOFError:
            return
        except jsonlines.InvalidLineError as e:
            value, error = None, _why(e)
        except RecursionError:
            value, error = None, "JSON nested too deeply"
        n += 1
        raw = seen[0]
        if error is not None and not raw.strip():
            error = None  # a blank line
        yield Record(n, value, error, raw)


def read_records(path: str | os.PathLike) -> Iterator[Record]:
    """records() of a file, opened only if it is a regular file (a FIFO would block)."""
    from ..load.loaders import LoadError, check_regular

    check_regular(os.fspath(path))
    try:
        with open(path, "rb") as f:
            yield from records(f)
    except OSError as e:
        raise LoadError(os.fspath(path), e.strerror or str(e)) from None


class _OneWrite(io.IOBase):
    """Binary file-like object over a file descriptor: what jsonlines writes for one line is
    gathered and flushed as one os.write() (looped only if the kernel took part of it)."""

    def __init__(self, fd: int):
        super().__init__()
        self.fd = fd
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(data)
        return len(data)

    def flush(self) -> None:
        data = b"".join(self.parts)
        self.parts.clear()
        while data:
            n = os.write(self.fd, data)
            data = data[n:]


def fd_writer(fd: int) -> jsonlines.Writer:
    """A jsonlines writer that writes each line with one write() to fd."""
    return jsonlines.Writer(_OneWrite(fd), flush=True, dumps=_dumps)


def stream_writer(fp: IO[str]) -> jsonlines.Writer:
    """A jsonlines writer on a text stream (stdout, an open file)."""
    return jsonlines.Writer(fp, dumps=_dumps)


# --- the Python API's reader of batch outputs -------------------------------------------------

class JsonlError(ValueError):
    """A line of a JSONL file that is neither a Document nor an error record (names file and line)."""


class Batch(NamedTuple):
    """What a batch output holds: the Documents, and an ErrorRecord for each file that failed."""

    documents: list
    errors: list


def read_jsonl(path: str | os.PathLike) -> Batch:
    """The Documents and the error records of a JSONL file written by `batch` or `extract`, apart:
    `docs, errors = read_jsonl("out.jsonl")`. A line that is neither raises JsonlError naming the
    line; the partial last line a killed batch can leave is skipped with a warning (RuntimeWarning),
    as `batch --resume` would redo it."""
    import warnings

    from pydantic import ValidationError

    from ..schema import Document, ErrorRecord

    docs, errors = [], []
    for rec in read_records(path):
        if rec.blank:
            continue
        where = f"{os.fspath(path)}:{rec.lineno}"
        if rec.value is None:
            if not rec.complete:
                warnings.warn(f"{where}: a partial last line (a batch stopped while writing it?) skipped",
                              RuntimeWarning, stacklevel=2)
                continue
            raise JsonlError(f"{where}: not a Document or error record: {rec.error}")
        try:
            if "error" in rec.value and "schema" not in rec.value:
                errors.append(ErrorRecord.model_validate(rec.value))
            else:
                docs.append(Document.from_json_dict(rec.value))
        except ValidationError as e:
            why = "; ".join(f"{'.'.join(map(str, x['loc'])) or 'record'}: {x['msg']}" for x in e.errors()[:2])
            raise JsonlError(f"{where}: not a Document or error record: {why}") from None
    return Batch(docs, errors)
