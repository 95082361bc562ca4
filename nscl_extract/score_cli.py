"""CLI: `nscl-extract gold check` and `nscl-extract score`, and the readable score report."""
from __future__ import annotations

import json
import sys

import click

from .gold import GoldFileError


@click.group("gold")
def gold_group():
    """Gold files (SPEC section 5)."""


@gold_group.command("check")
@click.argument("gold_dir", default="gold", type=click.Path(file_okay=False))
@click.option("--corpus", "corpus_dir", default="corpus", show_default=True, type=click.Path(file_okay=False),
              help="Folder holding the documents <doc_id>.* the gold files label.")
def gold_check(gold_dir, corpus_dir):
    """Check GOLD_DIR/*.json (default: gold): format, doc_id, document present, quotes occur in its text."""
    from pathlib import Path

    from .gold import check_gold, gold_files

    if not Path(gold_dir).is_dir():
        raise click.UsageError(f"no such gold folder: {gold_dir}")
    if not Path(corpus_dir).is_dir():
        raise click.UsageError(f"no such corpus folder: {corpus_dir}")
    problems = check_gold(gold_dir, corpus_dir)
    for p in problems:
        click.echo(p)
    n = len(gold_files(gold_dir))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {n} gold file(s)", err=True)
        sys.exit(1)
    click.echo(f"{n} gold file(s) OK")


@click.command("score")
@click.option("--gold", "gold_dir", required=True, type=click.Path(exists=True, file_okay=False), help="Folder of gold/*.json.")
@click.option("--corpus", "corpus_dir", type=click.Path(exists=True, file_okay=False),
              help="Extract the documents of this folder that have a gold file, then score them "
                   "(with --pred: only used for the text shown in --details).")
@click.option("--pred", "pred_path", type=click.Path(exists=True, dir_okay=False),
              help="Score this JSONL of extracted Documents (error records count as empty predictions).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--details", is_flag=True, help="List every miss, spurious item and attribute mismatch with context.")
def score_command(gold_dir, corpus_dir, pred_path, as_json, details):
    """Score extraction against gold (SPEC section 6): --corpus DIR extracts, --pred FILE.jsonl reads output."""
    from .score import PredictionFileError, score_corpus, score_predictions

    if not corpus_dir and not pred_path:
        raise click.UsageError("give --corpus DIR (extract and score) or --pred FILE.jsonl (score given output)")
    try:
        if pred_path:
            report = score_predictions(gold_dir, pred_path, corpus_dir)
        else:
            report = score_corpus(gold_dir, corpus_dir)
    except (GoldFileError, PredictionFileError) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_dict(details=details), ensure_ascii=False, indent=2))
    else:
        print_report(report, details=details)


def _f(v) -> str:
    return "—" if v is None else f"{v:.3f}"


def print_report(report, details: bool = False, file=None) -> None:
    """The readable report: per-type table, indicators, document fields, per-document table."""
    from rich.console import Console
    from rich.table import Table

    from .score import ATTRIBUTES, FIELDS, TYPES

    out = file or sys.stdout
    longest = max((len(d.doc_id) for d in report.documents), default=10)
    console = Console(file=out, width=max(110 + longest, Console(file=out).width), highlight=False)

    t = Table(title="Mentions and indicators (micro over documents)")
    for col in ("type", "gold", "pred", "tp", "P", "R", "F1"):
        t.add_column(col, justify="left" if col == "type" else "right")
    rows = [(name, report.types[name]) for name in TYPES]
    rows += [("indicators (key)", report.indicators.key), ("indicators (strict)", report.indicators.strict)]
    for name, prf in rows:
        t.add_row(name, str(prf.tp + prf.fn), str(prf.tp + prf.fp), str(prf.tp), _f(prf.precision), _f(prf.recall), _f(prf.f1))
    console.print(t)

    a = Table(title=f"Indicator attributes on {report.indicators.key.tp} key-matched pairs")
    a.add_column("attribute")
    a.add_column("correct", justify="right")
    a.add_column("accuracy", justify="right")
    for name in ATTRIBUTES:
        acc = report.indicators.attributes[name]
        a.add_row(name, f"{acc.correct}/{acc.total}", _f(acc.accuracy))
    a.add_row("subject (syllable F1, mean)", f"n={report.indicators.subject.n}", _f(report.indicators.subject.mean))
    console.print(a)

    f = Table(title="Document fields")
    f.add_column("field")
    f.add_column("correct", justify="right")
    f.add_column("accuracy", justify="right")
    for name in FIELDS:
        acc = report.fields[name]
        f.add_row(name, f"{acc.correct}/{acc.total}", _f(acc.accuracy))
    console.print(f)

    d = Table(title="Per document (F1; fields ✓/✗)")
    d.add_column("doc_id", no_wrap=True)
    short = {"citations": "cit", "dates": "date", "periods": "per", "percentages": "pct", "counts": "cnt",
             "amounts": "amt", "standards": "std"}
    for name in TYPES:
        d.add_column(short[name], justify="right")
    for col in ("ind", "strict", "prov", "plan", "pub"):
        d.add_column(col, justify="right")
    for doc in report.documents:
        d.add_row(doc.doc_id + (" (!)" if doc.error else ""), *[_f(doc.types[n].f1) for n in TYPES],
                  _f(doc.indicators.key.f1), _f(doc.indicators.strict.f1),
                  *["✓" if doc.fields[n] else "✗" for n in FIELDS])
    console.print(d)

    for e in report.errors:
        console.print(f"[yellow]warning:[/yellow] {e}", markup=True, soft_wrap=True)

    if details:
        console.print()
        for det in report.details:
            line = f"{det.doc_id}  {det.type:<11} {det.status:<8} {det.item}"
            console.print(line, markup=False, soft_wrap=True)
            if det.note:
                console.print(f"    note: {det.note}", markup=False, soft_wrap=True)
            if det.context:
                console.print(f"    text: {det.context}", markup=False, soft_wrap=True)
