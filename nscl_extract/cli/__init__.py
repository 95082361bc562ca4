"""Command line: a thin layer over the pipeline, the scorer, batch, store and pages."""
from __future__ import annotations

import json
import sys

import click

from ..outputs.console import detail, fail, output, progress, verbosity_options, warn, wrote
from ..load.loaders import LoadError
from ..outputs.paths import check_output


class Commands(click.Group):
    """The command group; Ctrl-C in any command ends it with one line (what was written, how to
    go on: outputs.console.when_interrupted), no traceback, and exit status 130."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            from ..outputs.console import INTERRUPTED_EXIT, interrupted_line

            # after the terminal's "^C", on a line of its own
            click.echo(("\n" if sys.stderr.isatty() else "") + interrupted_line(), err=True)
            sys.exit(INTERRUPTED_EXIT)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nscl-extract")
def cli():
    """Extract grounded targets, citations, dates, quantities and standards from Vietnamese NSCL documents."""


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False),
              help='Write here instead of stdout ("-": stdout).')
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "csv", "xlsx", "table"]), default=None,
              help="json: one object (a list for several files); jsonl: one line per document; csv: one row per "
                   "indicator (the columns of 'query --format csv'); xlsx: the same rows as an Excel sheet (needs "
                   "-o FILE.xlsx and pip install 'nscl-extract[pandas]'); table: indicators aligned for reading. "
                   "Default: json for one file, jsonl for several.")
@click.option("--excel", is_flag=True, help="With --format csv: start with a UTF-8 BOM and end lines with CRLF, so "
                                            "that Excel shows Vietnamese right; a cell Excel would read as a "
                                            "formula (= + - @) gets a leading apostrophe.")
@click.option("--no-text", is_flag=True, help="Leave the document text out of the output.")
@click.option("--table", is_flag=True, help="Same as --format table.")
@click.option("--explain", is_flag=True, help="For every number read: the kind, year and period decided, with "
                                              "the features and weights that decided them (text output).")
def extract(files, out_path, fmt, excel, no_text, table, explain):
    """Extract FILE... (txt, html, docx, pdf, page images png/jpg/tif; "-" reads stdin)."""
    from ..pipeline import extract_file

    if explain:
        if fmt not in (None, "table") or excel:
            raise click.UsageError("--explain prints text: it goes with no --format (or --format table)")
        fmt = "explain"
    fmt = fmt or ("table" if table else "json" if len(files) == 1 else "jsonl")
    if excel and fmt != "csv":
        raise click.UsageError("--excel goes with --format csv")
    from ..store import check_xlsx_output

    check_xlsx_output(fmt, out_path)
    check_output(out_path, inputs=files)
    docs, failed, recorded = [], 0, []
    with progress(len(files), "extracting", enabled=len(files) > 1) as bar:
        for f in files:
            try:
                if explain:
                    doc, records = _extract_explained(f, extract_file)
                    docs.append(doc)
                    recorded.append(records)
                else:
                    docs.append(extract_file(f))
                detail(f"{f}: {len(docs[-1].indicators)} indicators, {len(docs[-1].amounts)} amounts")
            except LoadError as e:
                click.echo(f"error: {e}", err=True)
                failed += 1
            bar.advance()
    if not docs:  # every file failed, each already named in its own error line
        sys.exit(1)
    if fmt == "xlsx":
        from ..store import document_rows, write_xlsx

        write_xlsx([r for d in docs for r in document_rows(d)], out_path)
    else:
        _write_documents(docs, fmt, out_path, excel, no_text, several=len(files) > 1, recorded=recorded)
    wrote(out_path, f"{len(docs)} document{'s' if len(docs) != 1 else ''}")
    if failed:
        warn(f"{failed} of {len(files)} files failed")
        raise SystemExit(1)


def _write_documents(docs, fmt, out_path, excel, no_text, several, recorded=()):
    with output(out_path, newline="" if fmt == "csv" else None) as out:
        if fmt == "explain":
            for d, records in zip(docs, recorded):
                out.write(_explained(d, records))
        elif fmt == "table":
            from ..pages.table import indicator_table

            for d in docs:
                out.write(indicator_table(d) + "\n")
        elif fmt == "csv":
            from ..store import document_rows, format_rows

            out.write(format_rows([r for d in docs for r in document_rows(d)], "csv", excel=excel))
        elif fmt == "jsonl":
            from ..store.jsonl import stream_writer

            stream_writer(out).write_all(d.to_json_dict(with_text=not no_text) for d in docs)
        else:
            dicts = [d.to_json_dict(with_text=not no_text) for d in docs]
            payload = dicts if several else dicts[0]
            out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def _extract_explained(path, extract_file):
    from ..indicators.decide import recording

    with recording() as records:
        doc = extract_file(path)
    return doc, records


def _explained(doc, records) -> str:
    """Each indicator with why it is one, then the numbers read that are no indicator."""
    from ..indicators.decide import explain

    by_span = {(ev.q.start, ev.q.end): d for ev, d in records}
    kept = {(i.quantity.start, i.quantity.end) for i in doc.indicators}
    lines = [f"{doc.doc_id}: {len(doc.indicators)} indicators of {len(records)} numbers read"]
    for n, ind in enumerate(doc.indicators, 1):
        q = ind.quantity
        lines.append(f"#{n} {q.text!r} {ind.kind} year={ind.target_year} period={ind.period} "
                     f"confidence={ind.confidence} | {ind.text[:100]!r}")
        d = by_span.get((q.start, q.end))
        lines += ["  " + line for line in (explain(d) if d is not None else ["no decision recorded"])]
    dropped = [(ev, d) for ev, d in records if (ev.q.start, ev.q.end) not in kept]
    if dropped:
        lines.append("not indicators:")
        for ev, d in dropped:
            lines.append(f"- {ev.q.text!r} at {ev.q.start}")
            lines += ["  " + line for line in explain(d)]
    return "\n".join(lines) + "\n"


# --- commands defined in their own modules (one line each) ---
from ..scoring.score_cli import gold_group; cli.add_command(gold_group)  # noqa: E402,E702
from ..scoring.score_cli import score_command; cli.add_command(score_command)  # noqa: E402,E702
from ..store.batch import batch_command; cli.add_command(batch_command)  # noqa: E402,E702
from ..store import ingest_command; cli.add_command(ingest_command)  # noqa: E402,E702
from ..store import query_command; cli.add_command(query_command)  # noqa: E402,E702
from ..pages.review import show_command; cli.add_command(show_command)  # noqa: E402,E702
from ..pages.report import report_command; cli.add_command(report_command)  # noqa: E402,E702
from ..interop.exchange import export_command, gold_import_command; cli.add_command(export_command); gold_group.add_command(gold_import_command)  # noqa: E402,E702

# Examples shown at the end of each command's --help ("\b" keeps click from re-wrapping them).
EXAMPLES = {
    "extract": ["nscl-extract extract plan.txt", "nscl-extract extract a.txt b.html -o out.jsonl",
                "nscl-extract extract --format csv --excel plan.docx -o plan.csv", "cat page.txt | nscl-extract extract -"],
    "batch": ["nscl-extract batch archive/ -o out.jsonl --workers 2", "nscl-extract batch 'plans/**/*.pdf' -o out.jsonl --resume",
              "nscl-extract batch archive/ -o - | jq .doc_id", "nscl-extract batch downloads/ -o out.jsonl --id-from path"],
    "ingest": ["nscl-extract ingest corpus/", "nscl-extract ingest out.jsonl --db plans.db"],
    "query": ['nscl-extract query --province "Bình Định" --year 2025', 'nscl-extract query --province "ha noi"',
              "nscl-extract query --doc 004_af67 --format json",
              "nscl-extract query --kind target --format csv --excel -o targets.csv",
              "nscl-extract query --genre plan --min-confidence 0.6 --format xlsx -o targets.xlsx"],
    "show": ["nscl-extract show plan.txt -o review.html --gold gold/plan.json",
             "nscl-extract show out.jsonl -o review.html      # a page with a document picker",
             "nscl-extract show out.jsonl --doc plan -o plan.html",
             "nscl-extract show out.jsonl -o review.html --gold gold/ --gold more-gold/ --lang en"],
    "report": ["nscl-extract report -o report.html", "nscl-extract report --merged --db plans.db -o report.html",
               "nscl-extract report --lang en -o report-en.html"],
    "score": ["nscl-extract score --gold gold --corpus corpus", "nscl-extract score --gold gold --pred out.jsonl --details",
              "nscl-extract score --gold gold --corpus corpus --fail-under strict=0.80 --fail-under subject=0.75"],
    "check": ["nscl-extract gold check gold --corpus corpus"],
}


def _every_command(group: click.Group):
    for cmd in group.commands.values():
        yield cmd
        if isinstance(cmd, click.Group):
            yield from _every_command(cmd)


for _cmd in _every_command(cli):
    _cmd.params.extend(verbosity_options())
    if _cmd.name in EXAMPLES:
        _cmd.epilog = "\b\nExamples:\n" + "\n".join("  " + e for e in EXAMPLES[_cmd.name])


def main():
    cli()

