"""The ingest store: documents, their indicators and mentions in one SQLite file.

A document's identity is its doc_id (the file stem: SPEC's id and the gold key), held by one
file (`origin`, its real path). The same file with a changed text replaces its old rows in a
single transaction, so a reader never sees half of a document; another file with a stem
already in the store is refused, loudly; the same text under another doc_id is stored once
and reported as a duplicate. The file is marked as ours (PRAGMA application_id and
user_version): another program's database, a corrupt or empty file is refused with one
line, never changed. Readers (`query`, `report`) open it read-only and read one snapshot.
`query` answers indicator rows with filters on province (old or post-2025 names, typed with or
without tones), year (a plan's undated rows under its phase), standard, kind, genre and
confidence, as a table, CSV, JSON or an .xlsx sheet.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import stat
import typing
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import click

from .jsonl import dumps, read_records
from ..schema import Document, Genre

GENRES = typing.get_args(Genre)  # plan, decision, resolution, news, report

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,               -- the file stem; unique (documents_doc_id_key)
  source TEXT NOT NULL,               -- the path as given
  origin TEXT,                        -- its real path: which file holds this doc_id
  hash TEXT NOT NULL UNIQUE,          -- sha256 of the NFC text
  title TEXT,
  published TEXT,                     -- YYYY-MM-DD
  province TEXT,                      -- as the document gives it
  province_2025 TEXT,                 -- after the July 2025 merger
  plan TEXT,                          -- the plan's citation number, e.g. 191/KH-UBND
  genre TEXT,                         -- plan | decision | resolution | news | report, or NULL
  phase_from INTEGER,                 -- the document's phase (plan_phase): what an undated row
  phase_to INTEGER,                   --   without a period of its own falls under
  json TEXT NOT NULL,                 -- the whole Document (SPEC section 2), text included
  ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE INDEX IF NOT EXISTS documents_doc_id ON documents(doc_id);
CREATE INDEX IF NOT EXISTS documents_province_2025 ON documents(province_2025);

CREATE TABLE IF NOT EXISTS indicators (
  id INTEGER PRIMARY KEY,
  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  value REAL NOT NULL,
  value_max REAL,
  unit TEXT NOT NULL,
  comparator TEXT NOT NULL,
  kind TEXT NOT NULL,                 -- target | result
  target_year INTEGER,
  period_from INTEGER,
  period_to INTEGER,
  per_year INTEGER NOT NULL,          -- 0/1
  relative INTEGER NOT NULL,          -- 0/1
  subject TEXT,
  action TEXT,
  standards TEXT NOT NULL,            -- JSON list of standard ids
  confidence REAL,                    -- the indicator model's probability (0-1), or NULL
  text TEXT NOT NULL,
  start INTEGER NOT NULL,
  "end" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS indicators_doc ON indicators(doc);

CREATE TABLE IF NOT EXISTS mentions (
  id INTEGER PRIMARY KEY,
  doc INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  type TEXT NOT NULL,                 -- citation date period percentage count amount standard
  text TEXT NOT NULL,
  start INTEGER NOT NULL,
  "end" INTEGER NOT NULL,
  fields TEXT NOT NULL                -- the mention's other fields as a JSON object
);
CREATE INDEX IF NOT EXISTS mentions_doc ON mentions(doc);
CREATE INDEX IF NOT EXISTS mentions_type ON mentions(type);
"""

MENTION_LISTS = {"citations": "citation", "dates": "date", "periods": "period", "percentages": "percentage",
                 "counts": "count", "amounts": "amount", "standards": "standard"}


def default_db_path() -> Path:
    """$NSCL_EXTRACT_DB, else $XDG_DATA_HOME/nscl-extract/nscl.db, else ~/.local/share/nscl-extract/nscl.db."""
    if os.environ.get("NSCL_EXTRACT_DB"):
        return Path(os.environ["NSCL_EXTRACT_DB"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "nscl-extract" / "nscl.db"


def text_hash(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


def _name_key(name: str | None) -> str | None:
    from ..text.provinces import name_key

    return name_key(name) if name else None


def _plain_key(name: str | None) -> str | None:
    from ..text.provinces import plain_key

    return plain_key(name) if name else None


APPLICATION_ID = 0x4E53434C   # "NSCL": PRAGMA application_id of a store
SCHEMA_VERSION = 3            # PRAGMA user_version; 1 = the unmarked stores made before it; 3 adds
                              # genre, phase_from/phase_to and indicators.confidence
OUR_TABLES = {"documents", "indicators", "mentions"}
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(click.ClickException):
    """A store that cannot be used as asked: one line naming the file."""


def _describe(e: sqlite3.Error) -> str:
    msg = str(e)
    if "not a database" in msg or "malformed" in msg:
        return "not a readable SQLite database (corrupt, or another kind of file)"
    if "readonly" in msg or "read-only" in msg:
        return "read-only: cannot write to it"
    return msg


def _check_file(path: Path) -> bool:
    """True when the file exists and has content; refuses what is no SQLite file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise StoreError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return False
    except OSError as e:
        raise StoreError(f"{path}: {e.strerror or e}") from None
    if not head:
        return False
    if head != SQLITE_HEADER:
        raise StoreError(f"{path}: not an SQLite database (another kind of file); refusing to touch it")
    return True


def _schema_statements() -> list[str]:
    """SCHEMA_SQL one statement at a time (a comment may hold a semicolon)."""
    statements, current = [], ""
    for line in SCHEMA_SQL.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


def _our_columns() -> dict[str, set[str]]:
    mem = sqlite3.connect(":memory:")
    for statement in _schema_statements():
        mem.execute(statement)
    cols = {t: {r[1] for r in mem.execute(f"PRAGMA table_info({t})")} for t in OUR_TABLES}
    mem.close()
    return cols


def _check_ours(conn: sqlite3.Connection, path: Path) -> str:
    """'ours', 'legacy' (our tables, made before the marks), 'partial' (some of our tables and
    nothing else: a creation cut off by an older version, on a full disk) or 'new' (no tables);
    refuses the rest."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path}: made by a newer nscl-extract (store version {version}, this one knows "
                             f"{SCHEMA_VERSION}); upgrade nscl-extract")
        return "ours"
    if app == 0 and not tables:
        return "new"
    if app == 0 and tables - {"sqlite_sequence"} and tables <= OUR_TABLES | {"sqlite_sequence"}:
        ours = _our_columns()
        if all({r[1] for r in conn.execute(f"PRAGMA table_info({t})")} <= ours[t] for t in tables & OUR_TABLES):
            return "legacy" if OUR_TABLES <= tables else "partial"
    names = ", ".join(sorted(tables)[:5]) or "none"
    raise StoreError(f"{path}: not an nscl-extract store (another program's SQLite database: "
                     f"application_id {app}, tables {names}); refusing to touch it")


def connect(path: str | os.PathLike, create: bool = True, make_folder: bool = False) -> sqlite3.Connection:
    """Open a store. create=True (ingest): for writing, made if missing (its folder too with
    make_folder, else the folder must exist). create=False (query, report): read-only; the
    store must exist and hold our tables. Every refusal is a StoreError naming the file."""
    path = Path(path)
    exists = _check_file(path)
    if not create and not path.exists():
        raise StoreError(f"no database at {path}: run 'nscl-extract ingest' first")
    if not create and not exists:
        raise StoreError(f"{path}: an empty file, not an nscl-extract store: run 'nscl-extract ingest' first")
    if create and not path.parent.is_dir():
        if make_folder and not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the folder of {path}: {e.strerror or e}") from None
        else:
            raise StoreError(f"--db {path}: no such folder: {path.parent}")
    try:
        try:
            conn = _open(path, create)
            kind = _check_ours(conn, path)
        except sqlite3.OperationalError:
            if create or os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
                raise
            # a read-only WAL store in a read-only folder: SQLite cannot make its -shm file; nobody
            # can be writing to it either, so it is read as an immutable file
            conn = _open(path, create, immutable=True)
            kind = _check_ours(conn, path)
    except sqlite3.Error as e:
        raise StoreError(f"{path}: {_describe(e)}") from None
    if not create and kind == "new":
        conn.close()
        raise StoreError(f"{path}: holds no nscl-extract store yet: run 'nscl-extract ingest' first")
    if not create and kind == "partial":
        conn.close()
        raise StoreError(f"{path}: a store whose creation was cut off (a full disk?): "
                         "'nscl-extract ingest' completes it")
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        if create:
            _prepare(conn, kind)
    except sqlite3.Error as e:
        conn.close()
        raise StoreError(f"{path}: {_describe(e)}") from None
    conn.create_function("name_key", 1, _name_key, deterministic=True)
    conn.create_function("plain_key", 1, _plain_key, deterministic=True)
    return conn


def _open(path: Path, create: bool, immutable: bool = False) -> sqlite3.Connection:
    if create:
        conn = sqlite3.connect(path, timeout=30)
    else:
        mode = "?mode=ro&immutable=1" if immutable else "?mode=ro"
        conn = sqlite3.connect(f"{path.absolute().as_uri()}{mode}", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _prepare(conn: sqlite3.Connection, kind: str) -> None:
    """Make, complete or upgrade our tables and marks (only in a file that is ours, new, legacy
    or partial), in one transaction: a creation cut off (a full disk) leaves no half of it."""
    conn.execute("PRAGMA journal_mode = WAL")  # readers keep reading while a batch is ingested
    if kind == "ours" and conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")  # DDL too: sqlite3 would run each CREATE in its own commit
    try:
        for statement in _schema_statements():
            conn.execute(statement)
        columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        if "origin" not in columns:  # a store made before doc_id was tied to one file
            conn.execute("ALTER TABLE documents ADD COLUMN origin TEXT")
            conn.execute("UPDATE documents SET origin = source")
        conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS documents_doc_id_key ON documents(doc_id)")
        _add_genre_phase_confidence(conn, columns)
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _add_genre_phase_confidence(conn: sqlite3.Connection, columns: set[str]) -> None:
    """Version 3: documents.genre, phase_from, phase_to and indicators.confidence, filled from
    each stored document's JSON (documents made before the fields existed get NULL)."""
    if "genre" in columns:
        return
    for col in ("genre TEXT", "phase_from INTEGER", "phase_to INTEGER"):
        conn.execute(f"ALTER TABLE documents ADD COLUMN {col}")
    if "confidence" not in {r[1] for r in conn.execute("PRAGMA table_info(indicators)")}:
        conn.execute("ALTER TABLE indicators ADD COLUMN confidence REAL")
    for row in conn.execute("SELECT id, json FROM documents").fetchall():
        doc = Document.from_json_dict(json.loads(row["json"]))
        phase = plan_phase(doc)
        conn.execute("UPDATE documents SET genre = ?, phase_from = ?, phase_to = ? WHERE id = ?",
                     (doc.genre, phase[0] if phase else None, phase[1] if phase else None, row["id"]))
        ids = [r[0] for r in conn.execute("SELECT id FROM indicators WHERE doc = ? ORDER BY id", (row["id"],))]
        if len(ids) == len(doc.indicators):  # stored in the JSON's order
            conn.executemany("UPDATE indicators SET confidence = ? WHERE id = ?",
                             [(i.confidence, k) for i, k in zip(doc.indicators, ids)])


def document_periods(periods: list[tuple[int, int, int]], title: str | None) -> list[tuple[int, int]]:
    """Distinct periods (from, to) of a document, given as (from, to, start) mentions, its own
    phase first: the one its title names, else the most mentioned (ties: the first mentioned)."""
    import re

    counts: dict[tuple[int, int], int] = {}
    first: dict[tuple[int, int], int] = {}
    for f, t, pos in periods:
        counts[(f, t)] = counts.get((f, t), 0) + 1
        first.setdefault((f, t), pos)
    in_title = [p for p in counts if title and re.search(rf"{p[0]}\s*[-–—]\s*{p[1]}", title)]
    return sorted(counts, key=lambda p: (p not in in_title, -counts[p], first[p]))


def plan_phase(doc: Document) -> tuple[int, int] | None:
    """The document's phase: the period its title names, else the one it mentions most."""
    ordered = document_periods([(p.from_, p.to, p.start) for p in doc.periods], doc.title)
    return ordered[0] if ordered else None


@contextmanager
def snapshot(conn: sqlite3.Connection):
    """Read in one transaction: every query inside sees the same state of the store, even while
    an ingest commits (WAL)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")


# --- ingest -----------------------------------------------------------------------------------

def _province_fields(doc: Document) -> tuple[str | None, str | None]:
    if doc.province is None:
        return None, None
    name_2025 = doc.province.name_2025
    if not name_2025:
        from ..text.provinces import province_2025

        name_2025 = province_2025(doc.province.name)
    return doc.province.name, name_2025


class Refused(ValueError):
    """A document the store will not take: the message names the file and why."""


class Duplicate(Refused):
    """The same text is stored already under another doc_id: stored once, reported."""


def origin_of(source: str) -> str:
    """The file a document comes from, as the store compares it: its real path."""
    return source if source in ("-", "<stdin>") else os.path.realpath(source)


def _classify(conn: sqlite3.Connection, doc_id: str, source: str, origin: str, h: str) -> tuple[str, int | None]:
    """('unchanged' | 'replace' | 'add', the old row id); raises Refused for a doc_id held by
    another file and Duplicate for a text stored under another doc_id."""
    row = conn.execute("SELECT id, source, origin, hash FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
    if row is not None and row["origin"] != origin:
        raise Refused(f"{source}: doc_id {doc_id!r} is already in the store for {row['source']}, another file "
                      "(doc_id is the file stem, the gold key); rename one of them, use another --db, or take "
                      "doc_ids from the paths in the input folder (--id-from path)")
    if row is not None and row["hash"] == h:
        return "unchanged", row["id"]
    dup = conn.execute("SELECT doc_id, source FROM documents WHERE hash = ? AND doc_id != ?", (h, doc_id)).fetchone()
    if dup is not None:
        raise Duplicate(f"{source}: same text as {dup['doc_id']} ({dup['source']}), which is stored already; "
                        "not stored twice")
    return ("replace", row["id"]) if row is not None else ("add", None)


def store_document(conn: sqlite3.Connection, doc: Document, origin: str | None = None) -> str:
    """Add one Document (with its text) from the file `origin` (default: the real path of its
    source); returns "added", "replaced" or "unchanged", raises Refused or Duplicate.

    Runs in its own transaction: the old rows of a changed document go in the same commit as
    the new ones.
    """
    if doc.text is None:
        raise Refused(f"{doc.source}: the document has no text (made with --no-text?); cannot hash it")
    h = text_hash(doc.text)
    origin = origin or origin_of(doc.source)
    with conn:  # one transaction; rolled back on any error
        action, old = _classify(conn, doc.doc_id, doc.source, origin, h)
        if action == "unchanged":
            return "unchanged"
        if old is not None:
            conn.execute("DELETE FROM documents WHERE id = ?", (old,))
        province, province_2025 = _province_fields(doc)
        phase = plan_phase(doc)
        cur = conn.execute(
            "INSERT INTO documents (doc_id, source, origin, hash, title, published, province, province_2025, plan,"
            " genre, phase_from, phase_to, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.doc_id, doc.source, origin, h, doc.title, doc.published, province, province_2025,
             doc.plan.number if doc.plan else None, doc.genre, phase[0] if phase else None,
             phase[1] if phase else None, dumps(doc.to_json_dict())))
        rowid = cur.lastrowid
        conn.executemany(
            'INSERT INTO indicators (doc, value, value_max, unit, comparator, kind, target_year, period_from,'
            ' period_to, per_year, relative, subject, action, standards, confidence, text, start, "end")'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(rowid, i.quantity.value, i.quantity.value_max, i.quantity.unit, i.quantity.comparator, i.kind,
              i.target_year, i.period[0] if i.period else None, i.period[1] if i.period else None,
              int(i.per_year), int(i.relative), i.subject, i.action, json.dumps(i.standards, ensure_ascii=False),
              i.confidence, i.text, i.start, i.end) for i in doc.indicators])
        rows = []
        for attr, kind in MENTION_LISTS.items():
            for m in getattr(doc, attr):
                data = m.model_dump(mode="json", by_alias=True)
                fields = {k: v for k, v in data.items() if k not in ("start", "end", "text")}
                rows.append((rowid, kind, m.text, m.start, m.end, json.dumps(fields, ensure_ascii=False)))
        conn.executemany('INSERT INTO mentions (doc, type, text, start, "end", fields) VALUES (?, ?, ?, ?, ?, ?)', rows)
    return "replaced" if old is not None else "added"


@dataclass
class IngestSummary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # duplicates, named

    def line(self, db: str | os.PathLike) -> str:
        return (f"ingest: {self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
                f"{self.duplicate} duplicate, {self.failed} failed (database {db})")


def _documents_from_jsonl(path: str) -> Iterator[Document | str]:
    """Documents of a batch output file; an error record or a bad line (invalid UTF-8 or JSON,
    `5`, `null`, an object that is no Document) is yielded as a message with its line number."""
    for rec in read_records(path):
        if rec.blank:
            continue
        if rec.value is None:
            yield f"{path}:{rec.lineno}: not a document record ({rec.error})"
            continue
        obj = rec.value
        if "error" in obj and "schema" not in obj:
            yield f"{obj.get('source', path)}: {obj['error']} (error record in {path}:{rec.lineno})"
            continue
        try:
            yield Document.from_json_dict(obj)
        except ValueError as e:
            yield f"{path}:{rec.lineno}: not a document record ({str(e).splitlines()[0]})"


def iter_documents(inputs: Iterable[str], warn=None, conn: sqlite3.Connection | None = None, id_from: str = "stem"
                   ) -> Iterator[Document | str | Refused | None]:
    """Documents extracted from files, folders and globs, or read from batch .jsonl outputs;
    a file that fails is yielded as its error message. With `conn`, a file whose text is
    stored already is not extracted again: it is yielded as None (unchanged) or as the
    Refused it would get (a doc_id of another file, a duplicate text). id_from="path": doc_ids
    from the files' paths in their input folder (batch --id-from)."""
    from .batch import doc_id_of, input_roots
    from ..load.loaders import LoadError, load
    from ..pipeline import extract_loaded

    inputs = list(inputs)
    jsonl = [i for i in inputs if i.lower().endswith(".jsonl")]
    roots = input_roots([i for i in inputs if not i.lower().endswith(".jsonl")], warn=warn)
    files = sorted(roots)
    for path in jsonl:
        try:
            yield from _documents_from_jsonl(path)
        except LoadError as e:
            yield str(e)
    for source in files:
        try:
            doc_id = doc_id_of(source, roots[source], id_from)
            loaded = load(source)
            if conn is not None:
                try:
                    action, _ = _classify(conn, doc_id, source, origin_of(source), text_hash(loaded.text))
                except Refused as e:
                    yield e
                    continue
                if action == "unchanged":
                    yield None
                    continue
            yield extract_loaded(loaded, source, doc_id=doc_id)
        except LoadError as e:
            yield str(e)
        except Exception as e:  # an extractor bug must not stop the ingest
            yield f"{source}: extraction failed: {type(e).__name__}: {e}"


def ingest(conn: sqlite3.Connection, inputs: Iterable[str], warn=None, on_item=None, id_from: str = "stem"
           ) -> IngestSummary:
    """Store every input; on_item(outcome, document or None) is called after each one
    (outcome: added, replaced, unchanged or failed)."""
    from ..outputs.console import interrupt_after

    summary = IngestSummary()
    for item in iter_documents(inputs, warn=warn, conn=conn, id_from=id_from):
        with interrupt_after():  # a document stored is a document counted
            outcome = _outcome(conn, item, summary)
            if on_item is not None:
                on_item(*outcome)
    return summary


def _outcome(conn: sqlite3.Connection, item, summary: IngestSummary) -> tuple[str, Document | None]:
    if item is None:
        summary.unchanged += 1
        return "unchanged", None
    if isinstance(item, Document):
        try:
            outcome = store_document(conn, item)
        except ValueError as e:  # Refused (a doc_id of another file, no text), Duplicate
            item = e
        else:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            return outcome, item
    if isinstance(item, Duplicate):
        summary.duplicate += 1
        summary.notes.append(str(item))
        return "duplicate", None
    summary.failed += 1
    summary.failures.append(str(item))
    return "failed", None


# --- query ------------------------------------------------------------------------------------

# title, published, genre and confidence came after the first columns: they go last, so that a
# script reading columns by position keeps working
QUERY_COLUMNS = ["doc_id", "province", "province_2025", "plan", "kind", "value", "value_max", "unit", "comparator",
                 "target_year", "period_from", "period_to", "per_year", "relative", "subject", "action", "standards",
                 "text", "start", "end", "source", "title", "published", "genre", "confidence"]

YEAR_RULE = ("A row is due in YEAR when its target year is YEAR, or when YEAR falls in its phase: the row's own "
             "period, or, for a row with neither a target year nor a period, its document's phase (the period "
             "the document's title names, else the period it mentions most).")


def province_filter(name: str) -> tuple[str, list]:
    """SQL condition on documents for a province written with its old or its post-2025 name,
    with or without tones, in any case ("Lam Dong", "ha noi").

    A post-2025 name ("Gia Lai") matches every document of the merged province (old "Bình
    Định" included); an old name that is no longer a province ("Bình Định") matches the
    documents that give that name. A name that is not a province (a district, a town) matches
    the documents whose province or title contains it, tones and case ignored.
    """
    from ..text.provinces import name_key, plain_key, province_2025, typed_province

    known = typed_province(name)
    if known is None:
        pattern = "%" + plain_key(name) + "%"
        return ("(plain_key(d.province) LIKE ? OR plain_key(d.province_2025) LIKE ? OR plain_key(d.title) LIKE ?)",
                [pattern, pattern, pattern])
    key = name_key(known)
    new = province_2025(known)
    if name_key(new) == key:
        return "name_key(d.province_2025) = ?", [key]
    return "(name_key(d.province) = ? AND name_key(d.province_2025) = ?)", [key, name_key(new)]


def _store_columns(conn: sqlite3.Connection) -> set[str]:
    return ({"d." + r[1] for r in conn.execute("PRAGMA table_info(documents)")}
            | {"i." + r[1] for r in conn.execute("PRAGMA table_info(indicators)")})


def query_indicators(conn: sqlite3.Connection, *, province: str | None = None, year: int | None = None,
                     standard: str | None = None, kind: str | None = None, doc: str | None = None,
                     genre: str | None = None, min_confidence: float | None = None) -> list[dict]:
    """Indicator rows joined with their document, in doc_id and text order. `doc` selects one
    document by its doc_id or its source path; `year` follows YEAR_RULE; `min_confidence`
    keeps the rows whose confidence is at least that, and the rows that have none (no model
    decided them). A store made before genre, phases and confidence existed (version 2, opened
    read-only) is read with those empty."""
    have = _store_columns(conn)

    def col(name: str) -> str:
        return name if name in have else "NULL"

    where, args = [], []
    if doc:
        where.append("(d.doc_id = ? OR d.source = ?)")
        args += [doc, doc]
    if province:
        cond, a = province_filter(province)
        where.append(cond)
        args += a
    if year is not None:
        where.append(f"(i.target_year = ? OR (i.period_from <= ? AND ? <= i.period_to)"
                     f" OR (i.target_year IS NULL AND i.period_from IS NULL"
                     f" AND {col('d.phase_from')} <= ? AND ? <= {col('d.phase_to')}))")
        args += [year] * 5
    if standard:
        where.append("EXISTS (SELECT 1 FROM json_each(i.standards) s"
                     " WHERE lower(replace(s.value, ' ', '')) = lower(replace(?, ' ', '')))")
        args.append(standard)
    if kind:
        where.append("i.kind = ?")
        args.append(kind)
    if genre:
        where.append(f"{col('d.genre')} = ?")
        args.append(genre)
    if min_confidence is not None:
        where.append(f"({col('i.confidence')} IS NULL OR {col('i.confidence')} >= ?)")
        args.append(min_confidence)
    sql = ('SELECT d.doc_id, d.province, d.province_2025, d.plan, i.kind, i.value, i.value_max, i.unit, i.comparator,'
           ' i.target_year, i.period_from, i.period_to, i.per_year, i.relative, i.subject, i.action, i.standards,'
           ' i.text, i.start, i."end" AS "end", d.source, d.title, d.published,'
           f' {col("d.genre")} AS genre, {col("i.confidence")} AS confidence'
           ' FROM indicators i JOIN documents d ON d.id = i.doc')
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY d.doc_id, d.source, i.start, i.id"
    rows = []
    for r in conn.execute(sql, args):
        row = dict(r)
        row["per_year"], row["relative"] = bool(row["per_year"]), bool(row["relative"])
        row["standards"] = json.loads(row["standards"])
        rows.append(row)
    return rows


def keep_confident(rows: list[dict], min_confidence: float | None) -> list[dict]:
    """The rows (query_indicators or document_rows) at or above min_confidence; a row with no
    confidence is kept (no model decided it, so there is nothing to compare)."""
    if min_confidence is None:
        return rows
    return [r for r in rows if r.get("confidence") is None or r["confidence"] >= min_confidence]


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _cell(row: dict, col: str) -> str:
    v = row[col]
    if col in ("value", "value_max"):
        return _num(v)
    if col == "confidence":
        return "" if v is None else f"{v:.2f}"
    if col == "standards":
        return ", ".join(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def document_rows(doc: Document) -> list[dict]:
    """The indicator rows of one extracted Document, as query_indicators gives stored ones:
    Document.indicator_records() with the 2025 province name filled in and standards as a list."""
    _, prov_2025 = _province_fields(doc)
    return [{**r, "province_2025": prov_2025, "standards": list(ind.standards), "genre": doc.genre,
             "confidence": ind.confidence}
            for r, ind in zip(doc.indicator_records(), doc.indicators)]


# The table view: one line per row, names in full; only the clause is cut (to CLAUSE_WIDTH).
TABLE_COLUMNS = ["doc_id", "province", "kind", "value", "value_max", "unit", "comparator", "target_year", "period",
                 "per_year", "standards", "confidence", "subject", "clause"]
CLAUSE_WIDTH = 80


def format_rows(rows: list[dict], fmt: str, excel: bool = False) -> str:
    """rows as json, csv (booleans true/false; excel=True starts with a UTF-8 BOM so that Excel
    reads Vietnamese right, and no text cell is a formula: outputs.excel) or an aligned table
    (write_xlsx writes .xlsx)."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n" if excel else "\n")
        w.writerow(QUERY_COLUMNS)
        from ..outputs.excel import excel_cell

        for r in rows:
            w.writerow([excel_cell(_cell(r, c)) if excel else _cell(r, c) for c in QUERY_COLUMNS])
        return ("\ufeff" if excel else "") + buf.getvalue()
    table = []
    for r in rows:
        cells = []
        for c in TABLE_COLUMNS:
            if c == "period":
                s = f"{r['period_from']}-{r['period_to']}" if r["period_from"] is not None else ""
            elif c == "province":
                s = r["province"] or ""
                if r["province_2025"] and r["province_2025"] != s:
                    s += f" ({r['province_2025']})"
            elif c == "clause":
                s = r["text"] or ""
            else:
                s = _cell(r, c)
            s = " ".join(s.split())
            if c == "clause" and len(s) > CLAUSE_WIDTH:
                s = s[:CLAUSE_WIDTH - 1] + "…"
            cells.append(s)
        table.append(cells)
    widths = [max([len(c)] + [len(t[k]) for t in table]) for k, c in enumerate(TABLE_COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(TABLE_COLUMNS, widths)).rstrip()]
    for t in table:
        lines.append("  ".join(s.ljust(w) for s, w in zip(t, widths)).rstrip())
    lines.append(f"({len(rows)} indicator{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def write_xlsx(rows: list[dict], path: str) -> None:
    """rows as one .xlsx sheet (openpyxl, the `pandas` extra), the columns of the CSV: numbers
    as numbers, booleans as TRUE/FALSE, every text cell as text (never a formula)."""
    from ..outputs.sheets import write_sheet

    def value(r: dict, c: str):
        v = r[c]
        if c == "standards":
            return ", ".join(v)
        return v

    write_sheet(path, "indicators", QUERY_COLUMNS, ([value(r, c) for c in QUERY_COLUMNS] for r in rows))


# --- commands ---------------------------------------------------------------------------------

_db_option = click.option("--db", type=click.Path(dir_okay=False), default=None,
                          help="SQLite file. Default: $NSCL_EXTRACT_DB, else "
                               "$XDG_DATA_HOME/nscl-extract/nscl.db (~/.local/share/nscl-extract/nscl.db).")


@click.command("ingest")
@click.argument("inputs", nargs=-1, required=True)
@_db_option
@click.option("--id-from", type=click.Choice(["stem", "path"]), default="stem", show_default=True,
              help="stem: doc_id is the file stem. path: the file's path relative to the folder (or glob) it was "
                   "found in, without the suffix, folders joined by '__' (archive/2021/a/file.pdf -> 2021__a__file): "
                   "for archives whose files share a name.")
def ingest_command(inputs, db, id_from):
    """Add documents, their indicators and mentions to the SQLite store.

    INPUT is a file, a folder (searched recursively for .txt .html .htm .docx .pdf and page images
    .png .jpg .jpeg .tif .tiff, OCR'd), a glob, or
    the .jsonl output of 'nscl-extract batch' (made without --no-text). A doc_id (the file
    stem) belongs to one file: the same file changed replaces its old rows, another file with
    that stem is refused. The same text is stored once. Prints a line per
    stored document (added or replaced, doc_id, source) on stdout. Exit status 1 when some
    input failed or there was nothing to ingest.
    """
    from .batch import BATCH_SUFFIXES, expand_inputs, finish
    from ..outputs.console import detail, fail, progress, warn, when_interrupted
    from ..outputs.paths import check_output

    path = Path(db) if db else default_db_path()
    if db:
        check_output(db, "--db", inputs=inputs)
    files = [i for i in inputs if not i.lower().endswith(".jsonl")]
    n_files = len(expand_inputs(files))
    if not n_files and len(files) == len(inputs):
        fail(f"nothing to ingest: no {' '.join(BATCH_SUFFIXES)} file in {' '.join(inputs)}")
    conn = connect(path, make_folder=not db)

    stored = [0]

    def done(outcome: str, doc: Document | None) -> None:
        if doc is not None and outcome in ("added", "replaced"):
            click.echo(f"{outcome}\t{doc.doc_id}\t{doc.source}")
            stored[0] += 1
        elif outcome == "unchanged":
            detail("unchanged: a document already stored")
        bar.advance()

    when_interrupted(lambda: f"interrupted: {stored[0]} document(s) stored in {path} in this run, each one whole; "
                             f"run the same command again to go on (what is stored is skipped as unchanged)")

    try:
        with progress(n_files if len(files) == len(inputs) else None, "ingesting") as bar:
            summary = ingest(conn, inputs, warn=warn, on_item=done, id_from=id_from)
    except sqlite3.Error as e:  # a full disk, a store deleted under us ...
        raise StoreError(f"{path}: {_describe(e)}; the documents stored so far are complete") from None
    finally:
        conn.close()
    if not (summary.added or summary.replaced or summary.unchanged or summary.duplicate or summary.failed):
        fail(f"nothing to ingest in {' '.join(inputs)}")
    for note in summary.notes[:10]:
        click.echo(f"duplicate: {note}", err=True)
    finish(summary, path)


@click.command("query")
@_db_option
@click.option("--province", help="Old or post-2025 province name, with or without tones, any case (\"Bình Định\", "
                                 "\"gia lai\", \"Lam Dong\"). A name that is no province (a district, a town) "
                                 "matches the documents whose province or title contains it.")
@click.option("--year", type=click.IntRange(1000, 9999), help="Indicators due that year. " + YEAR_RULE)
@click.option("--standard", help="A standard id, e.g. \"ISO 9001\", \"5S\", \"VietGAP\".")
@click.option("--kind", type=click.Choice(["target", "result"]))
@click.option("--genre", type=click.Choice(list(GENRES)),
              help="Only documents of this genre (report: a results report). Documents whose genre is unknown "
                   "are left out.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), metavar="P",
              help="Only rows whose confidence (the indicator model's probability, 0-1) is at least P. A row with "
                   "no confidence (no model decided it) is kept.")
@click.option("--doc", "doc", metavar="DOC_ID|SOURCE", help="Only this document (its doc_id or source path).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default="table",
              show_default=True, help="xlsx: an Excel sheet (needs -o FILE.xlsx and pip install 'nscl-extract[pandas]').")
@click.option("--excel", is_flag=True, help="With --format csv: a UTF-8 BOM and CRLF lines, for Excel; no cell "
                                            "is a formula (a leading apostrophe).")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), help='Write here ("-": stdout, the default).')
def query_command(db, province, year, standard, kind, genre, min_confidence, doc, fmt, excel, out_path):
    """List stored indicators, filtered by province, year, standard, kind, genre, confidence and
    document. Columns: the document (doc_id, province, plan, title, published, genre, source),
    the indicator's attributes, its confidence and the clause that states it (text)."""
    from ..outputs.console import output, warn, wrote
    from ..outputs.paths import check_output

    if excel and fmt != "csv":
        raise click.UsageError("--excel goes with --format csv")
    check_xlsx_output(fmt, out_path)
    path = Path(db) if db else default_db_path()
    check_output(out_path, db=path)
    conn = connect(path, create=False)
    try:
        with snapshot(conn):
            rows = query_indicators(conn, province=province, year=year, standard=standard, kind=kind, doc=doc,
                                    genre=genre, min_confidence=min_confidence)
            if doc and not conn.execute("SELECT 1 FROM documents WHERE doc_id = ? OR source = ?", (doc, doc)).fetchone():
                raise click.ClickException(f"no document {doc!r} in {path} (give its doc_id or source path)")
    except sqlite3.Error as e:
        raise StoreError(f"{path}: {_describe(e)}") from None
    finally:
        conn.close()
    if province:
        from ..text.provinces import typed_province

        if typed_province(province) is None:
            warn(f"{province!r} is not a province name I know; matched by spelling in province and title, "
                 "tones and case ignored")
    if fmt == "xlsx":
        write_xlsx(rows, out_path)
    else:
        with output(out_path, newline="" if fmt == "csv" else None) as out:
            out.write(format_rows(rows, fmt, excel=excel))
    wrote(out_path, f"{len(rows)} indicators")


def check_xlsx_output(fmt: str, out_path: str | None) -> None:
    """--format xlsx writes a binary file: it needs -o FILE, and openpyxl installed (checked before any work)."""
    if fmt != "xlsx":
        return
    if not out_path or out_path == "-":
        raise click.UsageError("--format xlsx writes a binary file: give -o FILE.xlsx")
    from ..outputs.sheets import openpyxl_module

    openpyxl_module()
