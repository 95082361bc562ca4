"""The ingest store: documents, their indicators and mentions in one SQLite file.

A document is keyed by the sha256 of its NFC text: ingesting the same text twice stores it once,
and a changed document (same source path or doc_id, new hash) replaces its old rows in a single
transaction, so a reader never sees half of a document. `query` answers indicator rows with
filters on province (old or post-2025 names), year, standard and kind.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import click

from .schema import Document

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,
  source TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,          -- sha256 of the NFC text
  title TEXT,
  published TEXT,                     -- YYYY-MM-DD
  province TEXT,                      -- as the document gives it
  province_2025 TEXT,                 -- after the July 2025 merger
  plan TEXT,                          -- the plan's citation number, e.g. 191/KH-UBND
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
    from .provinces import name_key

    return name_key(name) if name else None


def connect(path: str | os.PathLike, create: bool = True) -> sqlite3.Connection:
    path = Path(path)
    if not create and not path.exists():
        raise click.ClickException(f"no database at {path}: run 'nscl-extract ingest' first")
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if create:
        conn.execute("PRAGMA journal_mode = WAL")  # readers keep reading while a batch is ingested
        conn.executescript(SCHEMA_SQL)
    conn.create_function("name_key", 1, _name_key, deterministic=True)
    return conn


# --- ingest -----------------------------------------------------------------------------------

def _province_fields(doc: Document) -> tuple[str | None, str | None]:
    if doc.province is None:
        return None, None
    name_2025 = doc.province.name_2025
    if not name_2025:
        from .provinces import province_2025

        name_2025 = province_2025(doc.province.name)
    return doc.province.name, name_2025


def store_document(conn: sqlite3.Connection, doc: Document) -> str:
    """Add one Document (with its text); returns "added", "replaced" or "unchanged".

    Runs in its own transaction: the old rows of a changed document go in the same commit as
    the new ones.
    """
    if doc.text is None:
        raise ValueError(f"{doc.source}: the document has no text (made with --no-text?); cannot hash it")
    h = text_hash(doc.text)
    with conn:  # one transaction; rolled back on any error
        # older versions of this document (same source or doc_id, other text) go
        old = conn.execute("DELETE FROM documents WHERE (source = ? OR doc_id = ?) AND hash != ?",
                           (doc.source, doc.doc_id, h)).rowcount
        if conn.execute("SELECT 1 FROM documents WHERE hash = ?", (h,)).fetchone():
            return "replaced" if old else "unchanged"  # this text is stored already
        province, province_2025 = _province_fields(doc)
        cur = conn.execute(
            "INSERT INTO documents (doc_id, source, hash, title, published, province, province_2025, plan, json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.doc_id, doc.source, h, doc.title, doc.published, province, province_2025,
             doc.plan.number if doc.plan else None, json.dumps(doc.to_json_dict(), ensure_ascii=False)))
        rowid = cur.lastrowid
        conn.executemany(
            'INSERT INTO indicators (doc, value, value_max, unit, comparator, kind, target_year, period_from,'
            ' period_to, per_year, relative, subject, action, standards, text, start, "end")'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(rowid, i.quantity.value, i.quantity.value_max, i.quantity.unit, i.quantity.comparator, i.kind,
              i.target_year, i.period[0] if i.period else None, i.period[1] if i.period else None,
              int(i.per_year), int(i.relative), i.subject, i.action, json.dumps(i.standards, ensure_ascii=False),
              i.text, i.start, i.end) for i in doc.indicators])
        rows = []
        for attr, kind in MENTION_LISTS.items():
            for m in getattr(doc, attr):
                data = m.model_dump(mode="json", by_alias=True)
                fields = {k: v for k, v in data.items() if k not in ("start", "end", "text")}
                rows.append((rowid, kind, m.text, m.start, m.end, json.dumps(fields, ensure_ascii=False)))
        conn.executemany('INSERT INTO mentions (doc, type, text, start, "end", fields) VALUES (?, ?, ?, ?, ?, ?)', rows)
    return "replaced" if old else "added"


@dataclass
class IngestSummary:
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self, db: str | os.PathLike) -> str:
        return (f"ingest: {self.added} added, {self.replaced} replaced, {self.unchanged} unchanged, "
                f"{self.failed} failed (database {db})")


def _documents_from_jsonl(path: str) -> Iterator[Document | str]:
    """Documents of a batch output file; an error record or a bad line is yielded as its message."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if "error" in obj and "schema" not in obj:
                    yield f"{obj.get('source', path)}: {obj['error']} (error record in {path}:{n})"
                    continue
                yield Document.from_json_dict(obj)
            except ValueError as e:
                yield f"{path}:{n}: not a document record ({str(e).splitlines()[0]})"


def is_current(conn: sqlite3.Connection, text: str, source: str, doc_id: str) -> bool:
    """True when this text is stored and no other version of the document is: nothing to do."""
    h = text_hash(text)
    if not conn.execute("SELECT 1 FROM documents WHERE hash = ?", (h,)).fetchone():
        return False
    return not conn.execute("SELECT 1 FROM documents WHERE (source = ? OR doc_id = ?) AND hash != ?",
                            (source, doc_id, h)).fetchone()


def iter_documents(inputs: Iterable[str], warn=None, conn: sqlite3.Connection | None = None
                   ) -> Iterator[Document | str | None]:
    """Documents extracted from files, folders and globs, or read from batch .jsonl outputs;
    a file that fails is yielded as its error message. With `conn`, a file whose text is
    stored already is not extracted again: it is yielded as None."""
    from .batch import expand_inputs
    from .loaders import LoadError, load
    from .pipeline import doc_id_for, extract_loaded

    inputs = list(inputs)
    jsonl = [i for i in inputs if i.lower().endswith(".jsonl")]
    files = expand_inputs([i for i in inputs if not i.lower().endswith(".jsonl")], warn=warn)
    for path in jsonl:
        try:
            yield from _documents_from_jsonl(path)
        except OSError as e:
            yield f"{path}: {e.strerror or e}"
    for source in files:
        try:
            loaded = load(source)
            if conn is not None and is_current(conn, loaded.text, source, doc_id_for(source)):
                yield None
                continue
            yield extract_loaded(loaded, source)
        except LoadError as e:
            yield str(e)
        except Exception as e:  # an extractor bug must not stop the ingest
            yield f"{source}: extraction failed: {type(e).__name__}: {e}"


def ingest(conn: sqlite3.Connection, inputs: Iterable[str], warn=None, on_item=None) -> IngestSummary:
    """Store every input; on_item(outcome, document or None) is called after each one
    (outcome: added, replaced, unchanged or failed)."""
    summary = IngestSummary()
    for item in iter_documents(inputs, warn=warn, conn=conn):
        outcome = _outcome(conn, item, summary)
        if on_item is not None:
            on_item(*outcome)
    return summary


def _outcome(conn: sqlite3.Connection, item, summary: IngestSummary) -> tuple[str, Document | None]:
    if item is None:
        summary.unchanged += 1
        return "unchanged", None
    if isinstance(item, str):
        summary.failed += 1
        summary.failures.append(item)
        return "failed", None
    try:
        outcome = store_document(conn, item)
    except ValueError as e:
        summary.failed += 1
        summary.failures.append(str(e))
        return "failed", item
    setattr(summary, outcome, getattr(summary, outcome) + 1)
    return outcome, item


# --- query ------------------------------------------------------------------------------------

QUERY_COLUMNS = ["doc_id", "province", "province_2025", "plan", "kind", "value", "value_max", "unit", "comparator",
                 "target_year", "period_from", "period_to", "per_year", "relative", "subject", "action", "standards",
                 "text", "start", "end", "source"]


def province_filter(name: str) -> tuple[str, list]:
    """SQL condition on documents for a province written with its old or its post-2025 name.

    A post-2025 name ("Gia Lai") matches every document of the merged province (old "Bình
    Định" included); an old name that is no longer a province ("Bình Định") matches the
    documents that give that name. A name that is not a province matches by spelling only.
    """
    from .provinces import name_key, province_2025

    key = name_key(name)
    new = province_2025(name)
    if new is not None and name_key(new) == key:
        return "name_key(d.province_2025) = ?", [key]
    if new is not None:
        return "(name_key(d.province) = ? AND name_key(d.province_2025) = ?)", [key, name_key(new)]
    return "(name_key(d.province) = ? OR name_key(d.province_2025) = ?)", [key, key]


def query_indicators(conn: sqlite3.Connection, *, province: str | None = None, year: int | None = None,
                     standard: str | None = None, kind: str | None = None, doc: str | None = None) -> list[dict]:
    """Indicator rows joined with their document, in doc_id and text order. `doc` selects one
    document by its doc_id or its source path."""
    where, args = [], []
    if doc:
        where.append("(d.doc_id = ? OR d.source = ?)")
        args += [doc, doc]
    if province:
        cond, a = province_filter(province)
        where.append(cond)
        args += a
    if year is not None:
        where.append("(i.target_year = ? OR (i.period_from <= ? AND ? <= i.period_to))")
        args += [year, year, year]
    if standard:
        where.append("EXISTS (SELECT 1 FROM json_each(i.standards) s"
                     " WHERE lower(replace(s.value, ' ', '')) = lower(replace(?, ' ', '')))")
        args.append(standard)
    if kind:
        where.append("i.kind = ?")
        args.append(kind)
    sql = ('SELECT d.doc_id, d.province, d.province_2025, d.plan, i.kind, i.value, i.value_max, i.unit, i.comparator,'
           ' i.target_year, i.period_from, i.period_to, i.per_year, i.relative, i.subject, i.action, i.standards,'
           ' i.text, i.start, i."end" AS "end", d.source'
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


def _num(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else str(v)


def _cell(row: dict, col: str) -> str:
    v = row[col]
    if col in ("value", "value_max"):
        return _num(v)
    if col == "standards":
        return ", ".join(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def document_rows(doc: Document) -> list[dict]:
    """The indicator rows of one extracted Document, as query_indicators gives stored ones."""
    prov, prov_2025 = _province_fields(doc)
    rows = []
    for i in doc.indicators:
        q = i.quantity
        rows.append({"doc_id": doc.doc_id, "province": prov, "province_2025": prov_2025,
                     "plan": doc.plan.number if doc.plan else None, "kind": i.kind, "value": q.value,
                     "value_max": q.value_max, "unit": q.unit, "comparator": q.comparator, "target_year": i.target_year,
                     "period_from": i.period[0] if i.period else None, "period_to": i.period[1] if i.period else None,
                     "per_year": i.per_year, "relative": i.relative, "subject": i.subject, "action": i.action,
                     "standards": list(i.standards), "text": i.text, "start": i.start, "end": i.end,
                     "source": doc.source})
    return rows


def format_rows(rows: list[dict], fmt: str, excel: bool = False) -> str:
    """rows as json, csv (booleans true/false; excel=True starts with a UTF-8 BOM so that Excel
    reads Vietnamese right) or an aligned table."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n" if excel else "\n")
        w.writerow(QUERY_COLUMNS)
        for r in rows:
            w.writerow([_cell(r, c) for c in QUERY_COLUMNS])
        return ("\ufeff" if excel else "") + buf.getvalue()
    # table: the columns an analyst scans, long text clipped
    cols = [("doc_id", 24), ("province", 18), ("kind", 6), ("value", 8), ("value_max", 9), ("unit", 20),
            ("comparator", 10), ("target_year", 11), ("period", 9), ("per_year", 8), ("standards", 16),
            ("subject", 40)]
    lines = []
    table = []
    for r in rows:
        cells = []
        for c, width in cols:
            if c == "period":
                s = f"{r['period_from']}-{r['period_to']}" if r["period_from"] is not None else ""
            elif c == "province":
                s = r["province"] or ""
                if r["province_2025"] and r["province_2025"] != s:
                    s += f" ({r['province_2025']})"
            else:
                s = _cell(r, c)
            s = " ".join(s.split())
            cells.append(s if len(s) <= width else s[:width - 1] + "…")
        table.append(cells)
    widths = [max([len(c)] + [len(t[k]) for t in table]) for k, (c, _) in enumerate(cols)]
    lines.append("  ".join(c.ljust(w) for (c, _), w in zip(cols, widths)).rstrip())
    for t in table:
        lines.append("  ".join(s.ljust(w) for s, w in zip(t, widths)).rstrip())
    lines.append(f"({len(rows)} indicator{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# --- commands ---------------------------------------------------------------------------------

_db_option = click.option("--db", type=click.Path(dir_okay=False), default=None,
                          help="SQLite file. Default: $NSCL_EXTRACT_DB, else "
                               "$XDG_DATA_HOME/nscl-extract/nscl.db (~/.local/share/nscl-extract/nscl.db).")


@click.command("ingest")
@click.argument("inputs", nargs=-1, required=True)
@_db_option
def ingest_command(inputs, db):
    """Add documents, their indicators and mentions to the SQLite store.

    INPUT is a file, a folder (searched recursively for .txt .html .htm .docx .pdf), a glob, or
    the .jsonl output of 'nscl-extract batch' (made without --no-text). The same text is stored
    once; a changed document (same source or doc_id) replaces its old rows. Prints a line per
    stored document (added or replaced, doc_id, source) on stdout. Exit status 1 when some
    input failed or there was nothing to ingest.
    """
    from .batch import expand_inputs, finish
    from .cli_io import detail, fail, progress, warn

    path = Path(db) if db else default_db_path()
    files = [i for i in inputs if not i.lower().endswith(".jsonl")]
    n_files = len(expand_inputs(files))
    if not n_files and len(files) == len(inputs):
        fail(f"nothing to ingest: no .txt .html .htm .docx .pdf file in {' '.join(inputs)}")
    conn = connect(path)

    def done(outcome: str, doc: Document | None) -> None:
        if doc is not None and outcome in ("added", "replaced"):
            click.echo(f"{outcome}\t{doc.doc_id}\t{doc.source}")
        elif outcome == "unchanged":
            detail("unchanged: a document already stored")
        bar.advance()

    try:
        with progress(n_files if len(files) == len(inputs) else None, "ingesting") as bar:
            summary = ingest(conn, inputs, warn=warn, on_item=done)
    finally:
        conn.close()
    if not (summary.added or summary.replaced or summary.unchanged or summary.failed):
        fail(f"nothing to ingest in {' '.join(inputs)}")
    finish(summary, path)


@click.command("query")
@_db_option
@click.option("--province", help="Old or post-2025 province name (\"Bình Định\", \"Gia Lai\").")
@click.option("--year", type=int, help="Indicators due that year or in a period containing it.")
@click.option("--standard", help="A standard id, e.g. \"ISO 9001\", \"5S\", \"VietGAP\".")
@click.option("--kind", type=click.Choice(["target", "result"]))
@click.option("--doc", "doc", metavar="DOC_ID|SOURCE", help="Only this document (its doc_id or source path).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--excel", is_flag=True, help="With --format csv: a UTF-8 BOM and CRLF lines, for Excel.")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False), help='Write here ("-": stdout, the default).')
def query_command(db, province, year, standard, kind, doc, fmt, excel, out_path):
    """List stored indicators, filtered by province, year, standard, kind and document."""
    from .cli_io import output, warn, wrote
    from .paths import check_output

    if excel and fmt != "csv":
        raise click.UsageError("--excel goes with --format csv")
    check_output(out_path)
    path = Path(db) if db else default_db_path()
    conn = connect(path, create=False)
    try:
        rows = query_indicators(conn, province=province, year=year, standard=standard, kind=kind, doc=doc)
        if doc and not conn.execute("SELECT 1 FROM documents WHERE doc_id = ? OR source = ?", (doc, doc)).fetchone():
            raise click.ClickException(f"no document {doc!r} in {path} (give its doc_id or source path)")
    finally:
        conn.close()
    if province:
        from .provinces import province_2025

        if province_2025(province) is None:
            warn(f"{province!r} is not a province name I know; matched by spelling only")
    with output(out_path, newline="" if fmt == "csv" else None) as out:
        out.write(format_rows(rows, fmt, excel=excel))
    wrote(out_path, f"{len(rows)} indicators")
