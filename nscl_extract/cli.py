"""Command line: a thin layer over the pipeline, the scorer, batch, store and pages."""
from __future__ import annotations

import json
import sys

import click

from .loaders import LoadError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nscl-extract")
def cli():
    """Extract grounded targets, citations, dates, quantities and standards from Vietnamese NSCL documents."""


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl"]), default=None,
              help="json: one object (a list for several files); jsonl: one line per document. Default: json for one file, jsonl for several.")
@click.option("--no-text", is_flag=True, help="Leave the document text out of the output.")
@click.option("--table", is_flag=True, help="Print the indicators as an aligned table instead of JSON.")
def extract(files, output, fmt, no_text, table):
    """Extract FILE... (txt, html, docx, pdf; "-" reads stdin)."""
    from .paths import check_output
    from .pipeline import extract_file

    check_output(output)
    docs, failed = [], 0
    for f in files:
        try:
            docs.append(extract_file(f))
        except LoadError as e:
            click.echo(f"error: {e}", err=True)
            failed += 1
    try:
        _write_documents(docs, output, fmt, no_text, table, len(files))
    except OSError as e:  # a full disk ...
        raise click.ClickException(f"cannot write {output or 'the output'}: {e.strerror or e}") from None
    if failed or not docs:
        sys.exit(1)


def _write_documents(docs, output, fmt, no_text, table, n_files) -> None:
    if not docs:
        return  # nothing extracted: an existing output stays as it was
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        if table:
            from .table import indicator_table

            for d in docs:
                out.write(indicator_table(d) + "\n")
        else:
            fmt = fmt or ("json" if n_files == 1 else "jsonl")
            dicts = [d.to_json_dict(with_text=not no_text) for d in docs]
            if fmt == "jsonl":
                from .jsonl import stream_writer

                stream_writer(out).write_all(dicts)
            else:
                payload = dicts[0] if n_files == 1 else dicts
                out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        out.flush()
    finally:
        if output:
            out.close()


# --- commands defined in their own modules (one line each) ---
from .score_cli import gold_group; cli.add_command(gold_group)  # noqa: E402,E702
from .score_cli import score_command; cli.add_command(score_command)  # noqa: E402,E702
from .batch import batch_command; cli.add_command(batch_command)  # noqa: E402,E702
from .store import ingest_command; cli.add_command(ingest_command)  # noqa: E402,E702
from .store import query_command; cli.add_command(query_command)  # noqa: E402,E702
from .review import show_command; cli.add_command(show_command)  # noqa: E402,E702
from .report import report_command; cli.add_command(report_command)  # noqa: E402,E702
from .exchange import export_command, gold_import_command; cli.add_command(export_command); gold_group.add_command(gold_import_command)  # noqa: E402,E702


def main():
    cli()


if __name__ == "__main__":
    main()
