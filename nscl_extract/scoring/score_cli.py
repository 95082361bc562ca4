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
@click.option("--fail-under", "fail_under", multiple=True, metavar="NAME=VALUE",
              help="Exit 1 when a figure is below VALUE (repeatable). NAME is a figure of --json's \"figures\" "
                   "(indicators.strict.f1, amounts.f1, province ...) or a short name: strict, key, subject, kind, "
                   "target_year, period, per_year, relative, or a mention type (its F1).")
@click.option("--allow-missing", is_flag=True,
              help="Score a gold file whose document (or prediction line) is missing as an empty prediction "
                   "instead of failing.")
def score_command(gold_dir, corpus_dir, pred_path, as_json, details, fail_under, allow_missing):
    """Score extraction against gold (SPEC section 6): --corpus DIR extracts, --pred FILE.jsonl reads output.

    Exit status: 0; 1 when a --fail-under figure is not met or a gold document is missing
    (without --allow-missing); 2 for bad options or unreadable gold or prediction files.
    """
    from ..outputs.console import progress, warn
    from .gold import gold_files
    from .score import PredictionFileError, score_corpus, score_predictions

    if not corpus_dir and not pred_path:
        raise click.UsageError("give --corpus DIR (extract and score) or --pred FILE.jsonl (score given output)")
    floors = parse_floors(fail_under)
    n_gold = len(gold_files(gold_dir))
    if not n_gold:
        click.echo(f"error: no gold files (*.json) in {gold_dir}", err=True)
        sys.exit(1)
    try:
        if pred_path:
            report = score_predictions(gold_dir, pred_path, corpus_dir)
        else:
            with progress(n_gold, "scoring") as bar:
                report = score_corpus(gold_dir, corpus_dir, progress=lambda n: bar.advance)
    except (GoldFileError, PredictionFileError) as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(report.to_dict(details=details), ensure_ascii=False, indent=2))
    else:
        print_report(report, details=details)
    status = 0
    missing = [d.doc_id for d in report.documents if d.missing]
    if missing and not allow_missing:
        where = f"in {pred_path}" if pred_path else f"in {corpus_dir}"
        click.echo(f"error: {len(missing)} of {len(report.documents)} gold documents have no document {where}: "
                   f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} (--allow-missing scores them as empty)",
                   err=True)
        status = 1
    elif missing:
        warn(f"{len(missing)} gold documents missing, scored as empty predictions")
    figures = report.figures()
    for name, floor in floors:
        value = figures[name]
        if value is None or value < floor:
            shown = "nothing to measure" if value is None else f"{value:.3f}"
            click.echo(f"FAIL {name} = {shown} < {floor:g}", err=True)
            status = 1
    sys.exit(status)


SHORT_FIGURES = {"strict": "indicators.strict.f1", "key": "indicators.key.f1", "subject": "indicators.subject",
                 **{a: f"indicators.{a}" for a in ("kind", "target_year", "period", "per_year", "relative")}}


def parse_floors(specs) -> list[tuple[str, float]]:
    """--fail-under NAME=VALUE options as (figure name, floor); a bad one is a usage error (exit 2)."""
    from .score import ATTRIBUTES, FIELDS, TYPES

    known = [f"{t}.{m}" for t in TYPES for m in ("precision", "recall", "f1")]
    known += [f"indicators.{k}.{m}" for k in ("key", "strict") for m in ("precision", "recall", "f1")]
    known += [f"indicators.{a}" for a in ATTRIBUTES] + ["indicators.subject", *FIELDS]
    out = []
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip()
        name = SHORT_FIGURES.get(name, f"{name}.f1" if name in TYPES else name)
        try:
            floor = float(value)
        except ValueError:
            floor = None
        if not sep or floor is None or not 0 <= floor <= 1:
            raise click.BadParameter(f"{spec!r}: give NAME=VALUE with VALUE between 0 and 1", param_hint="--fail-under")
        if name not in known:
            raise click.BadParameter(f"{spec!r}: no figure {name!r}; short names: {', '.join(SHORT_FIGURES)}, "
                                     f"or one of: {', '.join(known)}", param_hint="--fail-under")
        out.append((name, floor))
    return out


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

    d = Table(title="Per document (F1; subj: subject syllable F1, mean; fields ✓/✗)")
    d.add_column("doc_id", no_wrap=True)
    short = {"citations": "cit", "dates": "date", "periods": "per", "percentages": "pct", "counts": "cnt",
             "amounts": "amt", "standards": "std"}
    for name in TYPES:
        d.add_column(short[name], justify="right")
    for col in ("ind", "strict", "subj", "prov", "plan", "pub"):
        d.add_column(col, justify="right")
    for doc in report.documents:
        d.add_row(doc.doc_id + (" (!)" if doc.error else ""), *[_f(doc.types[n].f1) for n in TYPES],
                  _f(doc.indicators.key.f1), _f(doc.indicators.strict.f1), _f(doc.indicators.subject.mean),
                  *["✓" if doc.fields[n] else "✗" for n in FIELDS])
    console.print(d)

    for e in report.errors:
        console.print(f"[yellow]warning:[/yellow] {e}", markup=True, soft_wrap=True)

    if details:
        console.print()
        for det in report.details:
            line = f"{det.doc_id}  {det.type:<11} {det.status:<8} {det.side}: {det.item}"
            console.print(line, markup=False, soft_wrap=True)
            if det.pred_item:
                console.print(f"{' ' * (len(det.doc_id) + 23)}pred: {det.pred_item}", markup=False, soft_wrap=True)
            if det.note:
                console.print(f"    note: {det.note}", markup=False, soft_wrap=True)
            if det.context:
                console.print(f"    text: {det.context}", markup=False, soft_wrap=True)
