"""Exchange with the annotation tools analysts use: Label Studio, doccano, spaCy's DocBin.

- export: the pipeline's output as pre-annotations (Label Studio tasks with predictions and
  the labeling config; doccano JSONL; a DocBin with span groups for training).
- gold import: a Label Studio JSON export (corrected annotations) -> SPEC gold files. Values
  come from the corrected spans, parsed by the same extractors the pipeline uses; indicator
  attributes from the per-region fields. Gold written this way carries offsets (indicator
  start/end and an `offsets` table for the mention lists) so the spans survive the round trip.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional
from xml.sax.saxutils import quoteattr

from .. import __version__
from ..schema import MENTION_LABELS, Document

LABELS = MENTION_LABELS  # mention list of the Document -> span label
INDICATOR = "INDICATOR"
COLOURS = {"CITATION": "#8e44ad", "DATE": "#2980b9", "PERIOD": "#16a085", "PERCENTAGE": "#d35400",
           "COUNT": "#c0392b", "AMOUNT": "#7f8c8d", "STANDARD": "#27ae60", INDICATOR: "#f1c40f"}
# Per-region fields of an INDICATOR region, and the document-level fields.
REGION_FIELDS = ("kind", "flags", "target_year", "period", "subject")
DOC_FIELDS = ("province", "plan", "published")
MODEL_VERSION = f"nscl-extract {__version__}"


class ExchangeError(Exception):
    """Input that cannot be converted; the message names the task or file and the region."""


# ---------------------------------------------------------------- Label Studio export


def label_studio_config() -> str:
    """The labeling config (Label Studio XML) that export's tasks and import expect."""
    labels = "\n".join(f'    <Label value="{lab}" background="{COLOURS[lab]}"/>'
                       for lab in [*LABELS.values(), INDICATOR])
    region = ' toName="text" perRegion="true" visibleWhen="region-selected" whenLabelValue="INDICATOR"'
    return f"""<View>
  <Header value="$doc_id"/>
  <Labels name="label" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text" granularity="symbol"/>
  <Header value="Indicator (select an INDICATOR region)"/>
  <Choices name="kind"{region} choice="single">
    <Choice value="target"/>
    <Choice value="result"/>
  </Choices>
  <Choices name="flags"{region} choice="multiple">
    <Choice value="per_year"/>
    <Choice value="relative"/>
  </Choices>
  <TextArea name="target_year"{region} maxSubmissions="1" editable="true" placeholder="year, e.g. 2025"/>
  <TextArea name="period"{region} maxSubmissions="1" editable="true" placeholder="from-to, e.g. 2021-2025"/>
  <TextArea name="subject"{region} maxSubmissions="1" editable="true" placeholder="what is counted or measured"/>
  <Header value="Document"/>
  <TextArea name="province" toName="text" maxSubmissions="1" editable="true" placeholder="province as named, empty for national"/>
  <TextArea name="plan" toName="text" maxSubmissions="1" editable="true" placeholder="e.g. 191/KH-UBND"/>
  <TextArea name="published" toName="text" maxSubmissions="1" editable="true" placeholder="YYYY-MM-DD"/>
</View>
"""


def _region(rid: str, start: int, end: int, text: str, label: str) -> dict:
    return {"id": rid, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def _region_field(rid: str, start: int, end: int, text: str, name: str, kind: str, value: Any) -> dict:
    key = "choices" if kind == "choices" else "text"
    return {"id": rid, "from_name": name, "to_name": "text", "type": kind,
            "value": {"start": start, "end": end, "text": text, key: value} if kind == "choices"
            else {"start": start, "end": end, key: [value]}}


def _doc_field(name: str, value: str) -> dict:
    return {"id": f"doc-{name}", "from_name": name, "to_name": "text", "type": "textarea",
            "value": {"text": [value]}}


def label_studio_result(doc: Document) -> list[dict]:
    """A Document as Label Studio result items (regions, per-region fields, document fields)."""
    out: list[dict] = []
    n = 0
    for field, label in LABELS.items():
        for m in getattr(doc, field):
            n += 1
            out.append(_region(f"m{n}", m.start, m.end, m.text, label))
    for i, ind in enumerate(doc.indicators, 1):
        q, rid = ind.quantity, f"i{i}"
        out.append(_region(rid, q.start, q.end, q.text, INDICATOR))
        out.append(_region_field(rid, q.start, q.end, q.text, "kind", "choices", [ind.kind]))
        flags = [f for f, on in (("per_year", ind.per_year), ("relative", ind.relative)) if on]
        if flags:
            out.append(_region_field(rid, q.start, q.end, q.text, "flags", "choices", flags))
        if ind.target_year is not None:
            out.append(_region_field(rid, q.start, q.end, q.text, "target_year", "textarea", str(ind.target_year)))
        if ind.period is not None:
            out.append(_region_field(rid, q.start, q.end, q.text, "period", "textarea", f"{ind.period[0]}-{ind.period[1]}"))
        if ind.subject:
            out.append(_region_field(rid, q.start, q.end, q.text, "subject", "textarea", ind.subject))
    if doc.province is not None:
        out.append(_doc_field("province", doc.province.name))
    if doc.plan is not None:
        out.append(_doc_field("plan", doc.plan.number))
    if doc.published is not None:
        out.append(_doc_field("published", doc.published))
    return out


def label_studio_task(doc: Document) -> dict:
    """One Label Studio task: the text, and the pipeline's output as a prediction."""
    if doc.text is None:
        raise ExchangeError(f"{doc.source}: the document has no text (made with --no-text?)")
    return {"data": {"text": doc.text, "doc_id": doc.doc_id, "source": doc.source},
            "predictions": [{"model_version": MODEL_VERSION, "result": label_studio_result(doc)}]}


# ---------------------------------------------------------------- doccano and spaCy export


def doccano_record(doc: Document) -> dict:
    """doccano's sequence-labeling JSONL record: text, [start, end, LABEL] spans, and the
    indicators' attributes under meta (doccano has no per-span attributes)."""
    if doc.text is None:
        raise ExchangeError(f"{doc.source}: the document has no text (made with --no-text?)")
    spans = [[m.start, m.end, label] for field, label in LABELS.items() for m in getattr(doc, field)]
    spans += [[ind.quantity.start, ind.quantity.end, INDICATOR] for ind in doc.indicators]
    spans.sort()
    indicators = [{"start": ind.quantity.start, "end": ind.quantity.end, "kind": ind.kind,
                   "target_year": ind.target_year, "period": list(ind.period) if ind.period else None,
                   "per_year": ind.per_year, "relative": ind.relative, "subject": ind.subject}
                  for ind in doc.indicators]
    return {"text": doc.text, "label": spans,
            "meta": {"doc_id": doc.doc_id, "source": doc.source, "indicators": indicators}}


def write_docbin(docs: Iterable[Document], path: str | Path) -> int:
    """A spaCy DocBin (.spacy) of the documents with span groups "nscl" (mentions) and
    "nscl_indicators" (indicator clauses, TARGET/RESULT), for training. Returns the count."""
    from spacy.tokens import DocBin

    from .spacy_component import annotate, blank_vi

    nlp = blank_vi()
    bin_ = DocBin(attrs=[], store_user_data=False)
    n = 0
    for d in docs:
        if d.text is None:
            raise ExchangeError(f"{d.source}: the document has no text (made with --no-text?)")
        bin_.add(annotate(nlp.make_doc(d.text), d, attach=False))
        n += 1
    from ..outputs.paths import write_file

    write_file(path, bin_.to_bytes())  # whole or not at all
    return n


def config_path(output: str | Path) -> Path:
    """Where export writes the labeling config beside the tasks: X.json -> X.label_config.xml."""
    return Path(output).with_suffix(".label_config.xml")


# ---------------------------------------------------------------- Label Studio import -> gold

# The parts of Label Studio's JSON export that import reads, as pydantic models: a task of any
# other shape (a region without id or start, a start given as a string, annotations that are no
# list ...) is one message naming the place, never a traceback. Other keys are kept and ignored.
from pydantic import BaseModel as _Model, ConfigDict as _Config, StrictBool, StrictInt, StrictStr  # noqa: E402


class _Lenient(_Model):
    model_config = _Config(extra="allow")


class _Value(_Lenient):
    start: Optional[StrictInt] = None
    end: Optional[StrictInt] = None
    labels: Optional[list[StrictStr]] = None
    choices: Optional[list[StrictStr]] = None
    text: Optional[StrictStr | list[StrictStr]] = None


class _Item(_Lenient):
    id: Optional[StrictStr | StrictInt] = None
    type: Optional[StrictStr] = None
    from_name: Optional[StrictStr] = None
    value: _Value = _Value()


class _Result(_Lenient):
    id: Optional[StrictStr | StrictInt] = None
    result: Optional[list[_Item]] = None
    was_cancelled: Optional[StrictBool] = None
    updated_at: Optional[StrictStr] = None
    created_at: Optional[StrictStr] = None


class _Data(_Lenient):
    text: StrictStr
    doc_id: StrictStr


class _Task(_Lenient):
    id: Optional[StrictStr | StrictInt] = None
    data: _Data
    annotations: Optional[list[_Result]] = None
    predictions: Optional[list] = None  # read (as _Result) only when one is used


def _read_task(task: Any, n: int) -> _Task:
    from pydantic import ValidationError

    from ..scoring.gold import _format_validation

    where = f"task {task.get('id', f'#{n}')}" if isinstance(task, dict) else f"task #{n}"
    if not isinstance(task, dict):
        raise ExchangeError(f"{where}: not a JSON object: {str(task)[:60]!r}")
    try:
        return _Task.model_validate(task)
    except ValidationError as e:
        raise ExchangeError(f"{where}: not a Label Studio task as exported: {_format_validation(e)}") from None


def _chosen_result(task: _Task, accept_predictions: bool) -> Optional[list[_Item]]:
    annotations = [a for a in task.annotations or [] if not a.was_cancelled]
    if annotations:
        latest = max(annotations, key=lambda a: (a.updated_at or a.created_at or "", str(a.id or "")))
        return latest.result or []
    if accept_predictions and task.predictions:
        from pydantic import ValidationError

        from ..scoring.gold import _format_validation

        try:
            return _Result.model_validate(task.predictions[-1]).result or []
        except ValidationError as e:
            raise ExchangeError(f"its last prediction is not one as Label Studio exports it: "
                                f"{_format_validation(e)}") from None
    return None


def _textarea(item: _Item) -> Optional[str]:
    vals = item.value.text or []
    vals = [vals] if isinstance(vals, str) else vals
    s = " ".join(vals).strip()
    return s or None


class _Parsed:
    """The pipeline's mentions of one text, looked up by exact span, and parsers for a region
    that the pipeline did not find (the annotator moved or added it)."""

    def __init__(self, text: str, doc_id: str, published: Optional[str]):
        from ..pipeline import extract_text

        self.text = text
        self.published = published
        self.doc = extract_text(text, doc_id, published=published)
        self.by_span = {(field, m.start, m.end): m for field in LABELS for m in getattr(self.doc, field)}

    def mention(self, field: str, start: int, end: int):
        m = self.by_span.get((field, start, end))
        if m is not None:
            return m
        from ..mentions.amounts import extract_amounts
        from ..mentions.citations import extract_citations
        from ..mentions.dates import extract_dates
        from ..mentions.periods import extract_periods
        from ..mentions.quantities import extract_counts, extract_percentages
        from ..mentions.standards import extract_standards
        from ..text.numbers import ascii_digit_view

        parse = {"citations": extract_citations, "dates": lambda t: extract_dates(t, self.published),
                 "periods": extract_periods, "percentages": extract_percentages, "counts": extract_counts,
                 "amounts": extract_amounts, "standards": extract_standards}[field]
        found = parse(ascii_digit_view(self.text[start:end]))  # only 0-9 are digits, as in the pipeline
        return found[0] if len(found) == 1 else None


def _gold_value(field: str, m) -> Any:
    if field == "citations":
        return m.number
    if field == "dates":
        return m.value
    if field == "periods":
        return [m.from_, m.to]
    if field == "standards":
        return m.id
    num = m.value if m.value_max is None else [m.value, m.value_max]
    if field == "percentages":
        return num
    if field == "counts":
        return [num, m.unit]
    if m.currency != "VND":
        return {"value": m.value, "value_max": m.value_max, "currency": m.currency}
    return num


def _quote(text: str, start: int, end: int, width: int = 30) -> str:
    """A short exact substring around [start, end), cut at word boundaries."""
    lo, hi = max(0, start - width), min(len(text), end + width)
    while lo > 0 and not text[lo - 1].isspace() and lo < start:
        lo += 1
    while hi < len(text) and not text[hi].isspace() and hi > end:
        hi -= 1
    q = text[lo:hi]
    if "\n" in q:  # keep the line the quantity stands on
        rel_s, rel_e = start - lo, end - lo
        a = q.rfind("\n", 0, rel_s) + 1
        b = q.find("\n", rel_e)
        q = q[a:b if b >= 0 else None]
    return q.strip() or text[start:end]


def task_to_gold(task: dict | _Task, accept_predictions: bool = False) -> Optional[dict]:
    """One exported Label Studio task -> a gold dict (SPEC 5 with offsets), or None when the
    task has no annotation (and predictions are not accepted). Raises ExchangeError."""
    from ..schema import safe_doc_id

    if not isinstance(task, _Task):
        task = _read_task(task, 1)
    text, raw_id = task.data.text, task.data.doc_id
    where = f"task {task.id if task.id is not None else '?'} ({raw_id or 'no doc_id'})"
    try:
        doc_id = safe_doc_id(raw_id)
    except ValueError as e:
        raise ExchangeError(f"{where}: data.doc_id cannot be a doc_id: {e}") from None
    try:
        result = _chosen_result(task, accept_predictions)
    except ExchangeError as e:
        raise ExchangeError(f"{where}: {e}") from None
    if result is None:
        return None
    regions: dict[str, dict] = {}
    fields: dict[str, dict[str, _Item]] = {}
    doc_fields: dict[str, Optional[str]] = {}
    for item in result:
        name, value, rid = item.from_name, item.value, None if item.id is None else str(item.id)
        if item.type == "labels":
            labels = value.labels or []
            if len(labels) != 1:
                raise ExchangeError(f"{where}: region {rid} has labels {labels}; give each region one label")
            if rid is None or value.start is None or value.end is None:
                raise ExchangeError(f"{where}: a {labels[0]} region lacks its id, start or end")
            if rid in regions:
                raise ExchangeError(f"{where}: two regions have the id {rid}")
            regions[rid] = {"start": value.start, "end": value.end, "label": labels[0]}
        elif name in REGION_FIELDS:
            fields.setdefault(rid, {})[name] = item
        elif name in DOC_FIELDS:
            doc_fields[name] = _textarea(item)
    parsed = _Parsed(text, doc_id, doc_fields.get("published"))
    gold: dict[str, Any] = {"doc_id": doc_id, "province": doc_fields.get("province"), "plan": doc_fields.get("plan"),
                            "published": doc_fields.get("published"), **{f: [] for f in LABELS}, "indicators": []}
    offsets: dict[str, list[list[int]]] = {f: [] for f in LABELS}
    by_label = {lab: f for f, lab in LABELS.items()}
    for rid, r in sorted(regions.items(), key=lambda kv: (kv[1]["start"], kv[1]["end"], kv[0])):
        s, e, label = r["start"], r["end"], r["label"]
        if not (0 <= s < e <= len(text)):
            raise ExchangeError(f"{where}: region {rid} [{s}, {e}) lies outside the text")
        if label == INDICATOR:
            gold["indicators"].append(_gold_indicator(parsed, fields.get(rid, {}), s, e, where))
            continue
        if label not in by_label:
            raise ExchangeError(f"{where}: region {rid} has unknown label {label!r}")
        field = by_label[label]
        m = parsed.mention(field, s, e)
        if m is None:
            raise ExchangeError(f"{where}: region {rid} {label} {text[s:e]!r}: no {field[:-1]} can be read from it")
        gold[field].append(_gold_value(field, m))
        offsets[field].append([s, e])
    gold["offsets"] = offsets
    return gold


def _gold_indicator(parsed: _Parsed, fields: dict[str, _Item], s: int, e: int, where: str) -> dict:
    q = parsed.mention("percentages", s, e) or parsed.mention("counts", s, e)
    if q is None:
        raise ExchangeError(f"{where}: INDICATOR region {parsed.text[s:e]!r}: no percentage or count can be read from it")
    kind = ((fields["kind"].value.choices if "kind" in fields else None) or [None])[0]
    if kind not in ("target", "result"):
        raise ExchangeError(f"{where}: INDICATOR region {parsed.text[s:e]!r}: choose kind target or result")
    flags = set((fields["flags"].value.choices if "flags" in fields else None) or [])
    year = _textarea(fields["target_year"]) if "target_year" in fields else None
    period = _textarea(fields["period"]) if "period" in fields else None
    try:
        target_year = int(year) if year else None
        period_pair = [int(x) for x in period.replace("–", "-").split("-")] if period else None
        if period_pair is not None and len(period_pair) != 2:
            raise ValueError(period)
    except ValueError:
        raise ExchangeError(f"{where}: INDICATOR region {parsed.text[s:e]!r}: target_year {year!r} or period "
                            f"{period!r} is not a year / a 'from-to' pair") from None
    return {"quote": _quote(parsed.text, s, e), "start": s, "end": e, "value": q.value, "value_max": q.value_max,
            "unit": q.unit, "comparator": q.comparator, "kind": kind, "target_year": target_year,
            "period": period_pair, "per_year": "per_year" in flags, "relative": "relative" in flags,
            "subject": _textarea(fields["subject"]) if "subject" in fields else None}


def read_export(export_path: str | Path) -> list[_Task]:
    """The tasks of a Label Studio JSON export, checked; ExchangeError naming the file otherwise
    (a FIFO, a folder, invalid UTF-8 or JSON, nesting too deep, no list of task objects)."""
    from ..load.loaders import LoadError, check_regular
    from ..store.jsonl import loads

    try:
        check_regular(str(export_path))  # before open(): a FIFO would block it
        tasks = loads(Path(export_path).read_bytes().decode("utf-8"))
    except LoadError as e:
        raise ExchangeError(f"{export_path}: not a readable Label Studio JSON export: {e.message}") from None
    except RecursionError:
        raise ExchangeError(f"{export_path}: not a Label Studio JSON export: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ExchangeError(f"{export_path}: not a readable Label Studio JSON export: {e}") from None
    if not isinstance(tasks, list):
        raise ExchangeError(f"{export_path}: expected a JSON list of tasks (Label Studio's JSON export)")
    out = []
    for n, task in enumerate(tasks, 1):
        try:
            out.append(_read_task(task, n))
        except ExchangeError as e:
            raise ExchangeError(f"{export_path}: {e}") from None
    return out


def import_label_studio(export_path: str | Path, out_dir: str | Path, accept_predictions: bool = False) -> tuple[list[Path], list[str]]:
    """Write gold files for every annotated task of a Label Studio JSON export.
    Returns (files written, tasks skipped with the reason). Raises ExchangeError, or the output
    policy's OutputPathError, before anything is written: every task is read and checked, and
    every file to write (no symlink, no input, no two doc_ids that one disk would take for one
    file: they differ only in case or Unicode form) before the first one is."""
    from pydantic import ValidationError

    from ..outputs.paths import OutputPathError, check_output, check_output_folder, write_file
    from ..schema import doc_id_key
    from ..scoring.gold import GoldDocument, _format_validation

    check_output_folder(out_dir)
    golds, skipped = [], []
    for task in read_export(export_path):
        try:
            g = task_to_gold(task, accept_predictions)
        except ExchangeError as e:
            raise ExchangeError(f"{export_path}: {e}") from None
        if g is None:
            skipped.append(f"task {task.id if task.id is not None else '?'} ({task.data.doc_id}): no annotation")
            continue
        try:
            GoldDocument.model_validate(g)
        except ValidationError as e:
            raise ExchangeError(f"{export_path}: task {task.id if task.id is not None else '?'} ({g['doc_id']}): "
                                f"{_format_validation(e)}") from None
        golds.append(g)
    seen: dict[str, str] = {}
    for g in golds:
        key = doc_id_key(g["doc_id"])
        if key in seen and seen[key] == g["doc_id"]:
            raise ExchangeError(f"{export_path}: several tasks for doc_id {g['doc_id']}")
        if key in seen:
            raise ExchangeError(f"{export_path}: doc_ids {seen[key]!r} and {g['doc_id']!r} differ only in case or "
                                "Unicode form: one gold file on many disks; rename one of them")
        seen[key] = g["doc_id"]
    out = Path(out_dir)
    existing = {doc_id_key(p.stem): p for p in out.glob("*.json")} if out.is_dir() else {}
    paths = []
    for g in golds:
        path = out / f"{g['doc_id']}.json"
        there = existing.get(doc_id_key(g["doc_id"]))
        if there is not None and there.name != path.name:
            raise OutputPathError(f"-o {out_dir}: {there} is the gold file of {g['doc_id']!r} spelled another way "
                                  "(case or Unicode form); rename or remove it first")
        if path.is_symlink():
            raise OutputPathError(f"-o {out_dir}: {path} is a symbolic link; refusing to write through it")
        if out.is_dir():
            check_output(path, inputs=[export_path])
        paths.append(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputPathError(f"-o {out_dir}: cannot create the folder: {e.strerror or e}") from None
    for g, path in zip(golds, paths):
        write_file(path, json.dumps(g, ensure_ascii=False, indent=1) + "\n")
    return paths, skipped


# ---------------------------------------------------------------- CLI


def _documents(inputs: tuple[str, ...], min_confidence: Optional[float] = None) -> Iterable[Document]:
    """Documents from files to extract, or from the JSON/JSONL output of extract/batch (with
    text), read as `show` reads them; error records are skipped with a warning. With
    min_confidence, indicators below it are left out (those without a confidence stay)."""
    import click

    from ..pages.review import load_documents

    for path in inputs:
        for item in load_documents(path):
            if isinstance(item, Document):
                if min_confidence is not None:
                    item = item.model_copy(update={"indicators": [
                        i for i in item.indicators if i.confidence is None or i.confidence >= min_confidence]})
                yield item
            else:
                click.echo(f"warning: {path}: error record for {item.doc_id}: skipped", err=True)


def _export_command():
    import click

    @click.command("export")
    @click.argument("inputs", nargs=-1)
    @click.option("--format", "fmt", type=click.Choice(["label-studio", "doccano", "spacy"]), required=False,
                  help="label-studio: tasks JSON with predictions; doccano: JSONL; spacy: a DocBin (.spacy).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here (required for spacy; else stdout).")
    @click.option("--print-config", is_flag=True, help="Print the Label Studio labeling config and exit.")
    @click.option("--min-confidence", type=click.FloatRange(0, 1), metavar="P",
                  help="Export only the indicators whose confidence (the indicator model's probability, 0-1) is at "
                       "least P. An indicator with no confidence (no model decided it) is kept.")
    def export_command(inputs, fmt, output, print_config, min_confidence):
        """Export the pipeline's output for annotation tools.

        INPUTS are documents (txt, html, docx, pdf) or JSONL written by extract/batch (with text).

        \b
        Examples:
          nscl-extract export --print-config > label_config.xml
          nscl-extract export --format label-studio corpus/*.txt -o tasks.json
          nscl-extract export --format doccano out.jsonl -o doccano.jsonl
          nscl-extract export --format spacy corpus/ -o train.spacy
        Then, after correcting the tasks in Label Studio and exporting them as JSON:
          nscl-extract gold import export.json -o gold/
        """
        import sys

        if print_config:
            click.echo(label_studio_config(), nl=False)
            return
        if not fmt or not inputs:
            raise click.UsageError("give --format and at least one input (or --print-config)")
        expanded: list[str] = []
        for p in inputs:
            if Path(p).is_dir():
                expanded += sorted(str(f) for f in Path(p).iterdir() if f.is_file() and not f.name.startswith("."))
            else:
                expanded.append(p)
        from ..outputs.paths import check_output, is_regular_output, write_file

        config = label_studio_config()
        cfg = config_path(output) if fmt == "label-studio" and output and output != "-" else None
        companions = {str(cfg): config.encode("utf-8")} if cfg else {}
        check_output(output, inputs=expanded, companions=companions)  # one line and exit 2, like every -o
        if fmt == "spacy" and (not output or output == "-"):
            raise click.UsageError("--format spacy writes a binary DocBin: give -o FILE.spacy")
        try:
            if fmt == "spacy":
                n = write_docbin(_documents(tuple(expanded), min_confidence), output)
                click.echo(f"wrote {n} document(s) to {output}", err=True)
                return
            if fmt == "label-studio":
                payload = json.dumps([label_studio_task(d) for d in _documents(tuple(expanded), min_confidence)],
                                     ensure_ascii=False, indent=1) + "\n"
            else:
                payload = "".join(json.dumps(doccano_record(d), ensure_ascii=False) + "\n"
                                  for d in _documents(tuple(expanded), min_confidence))
        except ExchangeError as e:
            raise click.ClickException(str(e))
        if output and output != "-":
            write_file(output, payload)
            click.echo(f"wrote {output}", err=True)
            if cfg and is_regular_output(output):  # none beside /dev/null
                write_file(cfg, config)
                click.echo(f"labeling config: {cfg}", err=True)
        else:
            sys.stdout.write(payload)

    return export_command


def _gold_import_command():
    import click

    @click.command("import")
    @click.argument("export_file", type=click.Path(dir_okay=False))
    @click.option("-o", "--output", "out_dir", default="gold", show_default=True, type=click.Path(),
                  help="Folder for the gold files (created if missing).")
    @click.option("--accept-predictions", is_flag=True,
                  help="Use a task's prediction when it has no annotation (default: skip the task).")
    def gold_import_command(export_file, out_dir, accept_predictions):
        """Turn a Label Studio JSON export into gold files (SPEC section 5, with offsets).

        Values are read from the corrected spans by the pipeline's own parsers; indicator
        attributes from the per-region fields of INDICATOR regions.

        \b
        Example:
          nscl-extract gold import project-1-at-2026-12-02.json -o gold/ && nscl-extract gold check gold
        """
        try:
            written, skipped = import_label_studio(export_file, out_dir, accept_predictions)
        except ExchangeError as e:
            raise click.ClickException(str(e))
        for s in skipped:
            click.echo(f"skipped {s}", err=True)
        for p in written:
            click.echo(str(p))
        if not written:
            raise click.ClickException(f"{export_file}: no annotated task to import")

    return gold_import_command


export_command = _export_command()
gold_import_command = _gold_import_command()
