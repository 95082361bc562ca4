"""`nscl-extract show`: one self-contained HTML page to review a document's extraction.

The page shows the document text with every mention and indicator highlighted by type, a
legend with counts, and the indicator table; clicking a row scrolls to its span and flashes it.
With a gold file it also marks gold items the extractor missed (located by the gold quote, or
by `score.locate` for mentions) and predicted items that match no gold item, using the
scorer's own matching (`score.match`, `score.score_indicators`), so the page and
`nscl-extract score` never disagree.

The page is templates/review.html (Jinja2, autoescaping on; its style and click script are
review.css and review.js beside it); the highlighted text is Markup built by `render_marks`
with markupsafe, which escapes every piece of text and every attribute value. No network: no
fonts, styles or scripts are fetched.

Highlights may nest (a quantity inside an indicator clause) or overlap without nesting (a gold
miss that straddles a mention). `render_marks` walks the span boundaries with a stack of open
elements; where a span would cross an enclosing element it is closed and reopened, so one
logical span can be several elements ("fragments"). Every fragment carries data-ref=<id>; the
first one also has id=<id> and data-first, so counting `[data-first]` counts items.
"""
from __future__ import annotations

import html
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import click
from markupsafe import Markup

from . import DEFAULT_LANG, Messages
from ..outputs.console import warn
from ..schema import Document, ErrorRecord

# Mention lists of a Document, in the order the legend shows them: list name -> (kind, label's message).
MENTION_TYPES = {
    "citations": ("citation", "type_citation"),
    "dates": ("date", "type_date"),
    "periods": ("period", "type_period"),
    "percentages": ("percentage", "type_percentage"),
    "counts": ("count", "type_count"),
    "amounts": ("amount", "type_amount"),
    "standards": ("standard", "type_standard"),
}
# The scorer's indicator attributes, as the page names them (message keys).
ATTRIBUTE_LABELS = {"kind": "col_kind", "target_year": "col_year", "period": "col_phase", "per_year": "flag_per_year",
                    "relative": "flag_relative"}
CHECK_BELOW = 0.6  # rows whose confidence is lower get the "check this row" mark (show --check-below)
COMPARATOR_SIGNS = {"eq": "=", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "approx": "≈"}

# Nesting order among spans with the same extent: the outer layer first.
LAYER_INDICATOR, LAYER_MISS, LAYER_MENTION = 0, 1, 2


@dataclass
class Mark:
    """One highlighted span: rendered as one or more <span> fragments."""

    start: int
    end: int
    id: str
    kind: str                  # citation ... standard, indicator, miss
    classes: list[str]
    title: str
    layer: int = LAYER_MENTION
    attrs: dict[str, str] = field(default_factory=dict)


def _esc_text(s: str) -> Markup:
    # Text nodes need only &, < and > escaped. A bare CR would be folded into LF by the HTML
    # parser; a character reference keeps it.
    return Markup(html.escape(s, quote=False).replace("\r", "&#13;"))


def render_marks(text: str, marks: list[Mark]) -> Markup:
    """The escaped text with every mark as <span> elements, split where spans cross.

    Marks with an empty or out-of-range span are left out (the caller reports them)."""
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    marks.sort(key=lambda m: (m.start, -m.end, m.layer, m.id))
    starts: dict[int, list[Mark]] = defaultdict(list)
    for m in marks:
        starts[m.start].append(m)
    bounds = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
    out: list[Markup] = []
    stack: list[Mark] = []
    opened: set[str] = set()
    for i, pos in enumerate(bounds):
        reopen: list[Mark] = []
        ending = [k for k, m in enumerate(stack) if m.end == pos]
        if ending:
            popped = stack[ending[0]:]
            del stack[ending[0]:]
            out.append(Markup("</span>" * len(popped)))
            reopen = [m for m in popped if m.end != pos]
        for m in sorted(reopen + starts.get(pos, []), key=lambda m: (-m.end, m.layer, m.start, m.id)):
            out.append(_open_tag(m, first=m.id not in opened))
            opened.add(m.id)
            stack.append(m)
        if i + 1 < len(bounds):
            out.append(_esc_text(text[pos:bounds[i + 1]]))
    assert not stack, "unclosed highlight"
    return Markup("").join(out)


def _open_tag(m: Mark, first: bool) -> Markup:
    """<span ...>: Markup.format escapes every value it is given."""
    classes = list(m.classes) + ([] if first else ["cont"])
    attrs = [Markup('class="{}" data-ref="{}" data-kind="{}"').format(" ".join(classes), m.id, m.kind)]
    if first:
        attrs.append(Markup('id="{}" data-first').format(m.id))
    attrs += [Markup('{}="{}"').format(k, v) for k, v in m.attrs.items()]
    if m.title:
        attrs.append(Markup('title="{}"').format(m.title))
    return Markup("<span {}>").format(Markup(" ").join(attrs))


# ---------------------------------------------------------------- what to show


def fmt_range(value: float, value_max: Optional[float]) -> str:
    from ..scoring.score import fmt_num

    return fmt_num(value) + (f"–{fmt_num(value_max)}" if value_max is not None else "")


def _period(p) -> str:
    return f"{p[0]}–{p[1]}" if p else ""


@dataclass
class GoldView:
    """The scorer's view of one document against its gold: what is missed, spurious, mismatched."""

    spurious: dict[str, set[int]]                    # list name (or "indicators") -> predicted indexes
    misses: list[tuple[str, int, str, Optional[tuple[int, int]], str]]  # (type, gold index, item, span, note)
    matched: dict[int, int]                          # predicted indicator index -> gold index
    mismatch: dict[int, list[str]]                   # predicted indicator index -> notes
    doc_score: object                                # score.DocScore


def gold_view(doc: Document, gold, t: Messages | None = None) -> GoldView:
    from ..scoring.score import (COMPARE, TYPES, attribute_agreement, describe, locate, match, score_document,
                        score_indicators)

    t = t or Messages(DEFAULT_LANG)
    text = doc.text or ""
    spurious: dict[str, set[int]] = {}
    misses = []
    for kind in TYPES:
        g_items, p_items = getattr(gold, kind), getattr(doc, kind)
        compatible, preference = COMPARE[kind]
        pairs = match(g_items, p_items, compatible, preference)
        spurious[kind] = set(range(len(p_items))) - {pi for _, pi in pairs}
        matched_g = {gi for gi, _ in pairs}
        for gi, g in enumerate(g_items):
            if gi not in matched_g:
                misses.append((kind, gi, describe(kind, g), locate(kind, g, text), ""))
    _, pairs = score_indicators(gold.indicators, doc.indicators)
    spurious["indicators"] = set(range(len(doc.indicators))) - {pi for _, pi in pairs}
    matched_g = {gi for gi, _ in pairs}
    used: set[int] = set()
    for gi, g in enumerate(gold.indicators):
        if gi in matched_g:
            continue
        span = _quote_span(text, g.quote, used)
        misses.append(("indicators", gi, describe_indicator(g, t), span, t("quote_note", quote=g.quote)))
    mismatch = {}
    for gi, pi in pairs:
        g, p = gold.indicators[gi], doc.indicators[pi]
        wrong = [a for a, ok in attribute_agreement(g, p).items() if not ok]
        if wrong:
            mismatch[pi] = [t("mismatch_note", attr=t(ATTRIBUTE_LABELS.get(a, a)), gold=_attr(g, a, t),
                              extracted=_attr(p, a, t)) for a in wrong]
    return GoldView(spurious=spurious, misses=misses, matched={pi: gi for gi, pi in pairs}, mismatch=mismatch,
                    doc_score=score_document(gold, doc))


def describe_indicator(item, t: Messages) -> str:
    """A gold or extracted indicator in the page's language: "≥ 60% · target · year 2025 ·
    phase 2021–2025 · subject: doanh nghiệp"."""
    q = getattr(item, "quantity", item)  # a GoldIndicator carries value, unit and comparator itself
    unit = "%" if q.unit == "%" else f" {q.unit}"
    parts = [f"{COMPARATOR_SIGNS.get(q.comparator, q.comparator)} {fmt_range(q.value, q.value_max)}{unit}",
             t(f"kind_{item.kind}")]
    if item.target_year is not None:
        parts.append(f"{t('col_year')} {item.target_year}")
    if item.period:
        parts.append(f"{t('col_phase')} {_period(item.period)}")
    parts += [t(f) for f, on in (("flag_per_year", item.per_year), ("flag_relative", item.relative)) if on]
    if item.subject:
        parts.append(f"{t('col_subject')}: {item.subject}")
    return " · ".join(parts)


def _attr(item, a: str, t: Messages) -> str:
    v = getattr(item, a)
    if a == "period":
        return _period(v) or t("none_value")
    if a == "kind":
        return t(f"kind_{v}")
    return t("none_value") if v is None else str(v)


def _quote_span(text: str, quote: str, used: set[int]) -> Optional[tuple[int, int]]:
    """The first occurrence of a gold quote not already given to another miss."""
    first, k = None, text.find(quote)
    while k >= 0:
        if first is None:
            first = k
        if k not in used:
            used.add(k)
            return k, k + len(quote)
        k = text.find(quote, k + 1)
    return (first, first + len(quote)) if first is not None else None


def build_marks(doc: Document, gv: Optional[GoldView] = None, t: Messages | None = None) -> list[Mark]:
    from ..scoring.score import describe

    t = t or Messages(DEFAULT_LANG)
    anchors = {(i.quantity.start, i.quantity.end) for i in doc.indicators}
    marks: list[Mark] = []
    for name, (kind, label) in MENTION_TYPES.items():
        for n, m in enumerate(getattr(doc, name)):
            classes = ["m", f"m-{kind}"]
            title = t("mark_item", label=t(label), item=describe(name, m))
            if (m.start, m.end) in anchors:
                classes.append("anchor")
            if gv is not None and n in gv.spurious.get(name, ()):
                classes.append("spurious")
                title += t("mark_spurious")
            marks.append(Mark(m.start, m.end, f"{kind}-{n}", kind, classes, title))
    for n, ind in enumerate(doc.indicators):
        classes = ["ind", f"ind-{ind.kind}"]
        title = t("mark_indicator", n=n + 1, item=describe_indicator(ind, t))
        if gv is not None and n in gv.spurious["indicators"]:
            classes.append("spurious")
            title += t("mark_ind_spurious")
        elif gv is not None and n in gv.mismatch:
            classes.append("mismatch")
            title += " — " + "; ".join(gv.mismatch[n])
        marks.append(Mark(ind.start, ind.end, f"ind-{n}", "indicator", classes, title, LAYER_INDICATOR))
    if gv is not None:
        for n, (kind, gi, item, span, note) in enumerate(gv.misses):
            if span is None:
                continue
            title = t("mark_miss", type=_type_label(kind, t), item=item) + (f" ({note})" if note else "")
            marks.append(Mark(span[0], span[1], f"miss-{n}", "miss", ["miss"], title, LAYER_MISS,
                              {"data-type": kind}))
    return marks


def bad_spans(doc: Document) -> list[str]:
    """Items whose span does not fit the text (they cannot be highlighted)."""
    text = doc.text or ""
    out = []
    for t in list(MENTION_TYPES) + ["indicators"]:
        for n, m in enumerate(getattr(doc, t)):
            if not (0 <= m.start < m.end <= len(text)):
                out.append(f"{t}[{n}] has span {m.start}-{m.end} outside the text ({len(text)} characters)")
            elif text[m.start:m.end] != m.text:
                out.append(f"{t}[{n}] text {m.text!r} differs from the document at {m.start}-{m.end}")
    return out


# ---------------------------------------------------------------- the page (templates/review.html)


def _legend(doc: Document, t: Messages) -> list[tuple[str, str, int]]:
    items = [(kind, t(label), len(getattr(doc, name))) for name, (kind, label) in MENTION_TYPES.items()]
    n_t = sum(1 for i in doc.indicators if i.kind == "target")
    return items + [("ind-target", t("legend_target"), n_t), ("ind-result", t("legend_result"), len(doc.indicators) - n_t)]


def _meta(doc: Document, t: Messages) -> list[tuple[str, str, bool]]:
    parts = [("", doc.doc_id, True), (t("meta_source"), doc.source, False)]
    if doc.province:
        p = doc.province.name
        if doc.province.name_2025 and doc.province.name_2025 != p:
            p = t("meta_province_2025", old=p, new=doc.province.name_2025)
        parts.append((t("meta_province"), p, True))
    if doc.plan:
        parts.append((t("meta_plan"), doc.plan.number, True))
    if doc.published:
        parts.append((t("meta_published"), doc.published, True))
    if doc.genre:
        parts.append((t("meta_genre"), t(f"genre_{doc.genre}"), True))
    return parts + [("", t("meta_characters", n=len(doc.text or "")), False)]


def explanations(doc: Document) -> dict[tuple[int, int], str]:
    """Why each indicator has its kind, year and period (indicators/decide.explain), by its
    quantity's span: the text is read again with the decisions recorded (the pipeline is pure),
    with the document's pages, so OCR'd text is read as it was the first time."""
    if not doc.text:
        return {}
    from ..indicators.decide import explain, recording
    from ..pipeline import extract_text

    with recording() as records:
        extract_text(doc.text, doc.doc_id, doc.source, title=doc.title, published=doc.published, pages=doc.pages)
    return {(ev.q.start, ev.q.end): "\n".join(explain(d)) for ev, d in records}


def _indicator_rows(doc: Document, gv: Optional[GoldView], valid: set[str], t: Messages,
                    check_below: float = CHECK_BELOW) -> list[dict]:
    rows = []
    why = explanations(doc)
    for n, ind in enumerate(doc.indicators):
        q = ind.quantity
        flags = [t(w) for w, on in (("flag_per_year", ind.per_year), ("flag_relative", ind.relative)) if on]
        extra = [", ".join(flags)] if flags else []
        if ind.standards:
            extra.append(t("note_standards", ids=", ".join(ind.standards)))
        if ind.action:
            extra.append(t("note_action", action=ind.action))
        confidence = "" if ind.confidence is None else f"{ind.confidence:.2f}"
        check = ind.confidence is not None and ind.confidence < check_below
        row = {"target": f"ind-{n}", "valid": f"ind-{n}" in valid, "value": fmt_range(q.value, q.value_max),
               "comparator": t(f"cmp_{q.comparator}"), "sign": COMPARATOR_SIGNS.get(q.comparator, q.comparator),
               "unit": q.unit, "year": ind.target_year or "", "period": _period(ind.period), "kind": t(f"kind_{ind.kind}"),
               "subject": ind.subject or "", "status": "", "notes": "", "confidence": confidence, "check": check,
               "check_tip": t("check_tip", confidence=confidence, threshold=f"{check_below:g}") if check else "",
               "why": why.get((q.start, q.end), "")}
        if gv is not None:
            if n in gv.spurious["indicators"]:
                row.update(status="spurious", cell=t("status_spurious"), tip=t("tip_spurious"))
            elif n in gv.mismatch:
                extra += gv.mismatch[n]
                row.update(status="mismatch", cell=t("status_mismatch"), tip="; ".join(gv.mismatch[n]))
            else:
                row.update(status="ok", cell=t("status_ok"), tip=t("tip_ok"))
        row["notes"] = "; ".join(extra)
        rows.append(row)
    return rows


def _type_label(kind: str, t: Messages) -> str:
    return t(MENTION_TYPES[kind][1]) if kind in MENTION_TYPES else t("type_indicators")


def _gold_context(gv: GoldView, t: Messages) -> dict:
    ds = gv.doc_score
    fields = {"province": "meta_province", "plan": "meta_plan", "published": "meta_published"}
    return {"misses": [{"type": _type_label(kind, t), "item": item, "note": note, "located": span is not None}
                       for kind, _, item, span, note in gv.misses],
            "n_spurious": sum(len(v) for v in gv.spurious.values()), "n_mismatch": len(gv.mismatch),
            "scores": [(_type_label(kind, t), prf) for kind, prf in ds.types.items()]
                      + [(t("score_key"), ds.indicators.key), (t("score_strict"), ds.indicators.strict)],
            "fields": [(t(fields[f]) if f in fields else f, ok) for f, ok in ds.fields.items()]}


PAGE_IMAGES = ("link", "embed", "none")
BROWSER_IMAGES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def ocr_page_panel(doc: Document, mode: str = "link", link_base: Optional[Path] = None,
                   t: Optional[Messages] = None) -> list[dict]:
    """What the page panel shows of each OCR'd page: its image and the text read from it, with
    confidence, characters read against what its ink would hold, and the low-yield mark.
    mode "link": the image comes from the source file (an <img> of a page image, the PDF's page
    in an <object>), addressed relative to `link_base` (the page's folder) when given; "embed":
    a copy of each page (JPEG, 100 dpi) goes into the page; "none": no panel. `t`: the page's
    messages (Vietnamese by default)."""
    if mode == "none" or not doc.pages or not any(p.ocr for p in doc.pages):
        return []
    t = t or Messages(DEFAULT_LANG)
    source = Path(doc.source) if doc.source and doc.source not in ("-", "<stdin>") else None
    found = source is not None and source.is_file()
    rows = []
    for p in doc.pages:
        if not p.ocr:
            continue
        facts = []
        if p.confidence is not None:
            facts.append(t("page_confidence", confidence=f"{p.confidence:.1f}"))
        if p.chars is not None:
            facts.append(t("page_chars_of", n=p.chars, expected=p.expected_chars) if p.expected_chars
                         else t("page_chars", n=p.chars))
        if p.turned:
            facts.append(t("page_turned", degrees=p.turned))
        if p.deskew:
            facts.append(t("page_deskew", degrees=f"{p.deskew:+.1f}"))
        row = {"number": p.number, "low_yield": p.low_yield, "facts": facts, "kind": None, "src": None, "note": "",
               "text": (doc.text or "")[p.start:p.end]}
        if not found:
            row["note"] = t("page_no_source", source=doc.source)
        elif mode == "embed":
            try:
                row.update(kind="img", src=_data_uri(source, p.number))
            except Exception as e:  # a file changed or damaged since extraction
                row["note"] = t("page_cannot_show", n=p.number, source=source, error=f"{type(e).__name__}: {e}")
        else:
            href = _href(source, link_base)
            suffix = source.suffix.lower()
            if suffix == ".pdf":
                row.update(kind="pdf", src=f"{href}#page={p.number}")
            elif suffix in BROWSER_IMAGES:
                row.update(kind="img", src=href)
            else:
                row["note"] = t("page_needs_embed", suffix=suffix)
        rows.append(row)
    return rows


def _href(source: Path, base: Optional[Path]) -> str:
    from urllib.parse import quote

    target = source.resolve()
    if base is not None:
        try:
            return quote(Path(os.path.relpath(target, base.resolve())).as_posix())
        except ValueError:  # another drive
            pass
    return target.as_uri()


def _data_uri(source: Path, number: int) -> str:
    import base64
    import io

    from ..load.pageimage import source_page

    buf = io.BytesIO()
    source_page(source, number).save(buf, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def render_review(doc: Document, gold=None, lang: str = DEFAULT_LANG, check_below: float = CHECK_BELOW,
                  page_images: str = "link", link_base: Optional[Path] = None) -> str:
    """The review page of an extracted Document (with its text); `gold` is a gold.GoldDocument.
    `lang`: the page's language ("vi", "en"); rows whose confidence is below `check_below` are
    marked to be checked by reading; `page_images` and `link_base` say how OCR'd pages are shown
    (`ocr_page_panel`)."""
    from . import render

    if doc.text is None:
        raise ValueError(f"{doc.source}: the document has no text (made with --no-text?); nothing to show")
    t = Messages(lang)
    gv = gold_view(doc, gold, t) if gold is not None else None
    marks = build_marks(doc, gv, t)
    valid = {m.id for m in marks if 0 <= m.start < m.end <= len(doc.text)}
    problems = list(doc.warnings) + bad_spans(doc)
    if gold is not None and gold.doc_id != doc.doc_id:
        problems.append(t("gold_other_doc", gold=gold.doc_id, doc=doc.doc_id))
    head = ["#"] + [t(f"col_{c}") for c in ("value", "comparator", "unit", "year", "phase", "kind", "confidence",
                                            "subject")] + ([t("col_gold")] if gv else [])
    summary = {"doc_id": doc.doc_id, "indicators": len(doc.indicators),
               "mentions": sum(len(getattr(doc, name)) for name in MENTION_TYPES)}
    return render("review.html", lang=lang, generator="show", title=doc.title or doc.doc_id, meta=_meta(doc, t),
                  problems=problems, legend=_legend(doc, t), body=render_marks(doc.text, marks), head=head,
                  rows=_indicator_rows(doc, gv, valid, t, check_below), gold=_gold_context(gv, t) if gv else None,
                  check_below=f"{check_below:g}", summary=json.dumps(summary, ensure_ascii=False),
                  **_panel_context(doc, page_images, link_base, t))


def _panel_context(doc: Document, page_images: str, link_base: Optional[Path], t: Messages) -> dict:
    pages = ocr_page_panel(doc, page_images, link_base, t)
    return {"pages": pages, "n_low": sum(1 for p in pages if p["low_yield"]),
            "pages_from": t("pages_from_copies") if page_images == "embed" else t("pages_from_source")}


# ---------------------------------------------------------------- CLI


def _looks_like_output(path: str) -> bool:
    """A file (whatever its name) that starts like the JSON extract and batch write."""
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n[")
    except OSError:
        return False
    return head.startswith((b'{"schema"', b'{\n  "schema"', b'{"doc_id"'))


def load_documents(path: str) -> list[Document | ErrorRecord]:
    """What FILE holds: the JSON of 'extract' (one document or a list), the JSONL of 'extract' or
    'batch' (documents and error records), or a document to extract now. A JSON or JSONL file
    that holds no document is an error naming the file (and the line)."""
    from pydantic import ValidationError

    from ..load.loaders import LoadError, check_regular
    from ..pipeline import extract_file
    from ..scoring.score import PredictionFileError, read_predictions

    lower = path.lower()
    if path != "-":
        try:
            check_regular(path)  # before any open(): a FIFO would block it
        except LoadError as e:
            raise click.ClickException(str(e)) from None
    if path != "-" and (lower.endswith(".jsonl") or (not lower.endswith(".json") and _looks_like_output(path))):
        try:
            docs, errs, problems = read_predictions(path)
        except PredictionFileError as e:
            raise click.ClickException(f"{str(e).splitlines()[0]} (show reads the JSONL of 'extract' or 'batch')")
        except (OSError, UnicodeDecodeError) as e:
            raise click.ClickException(f"{path}: cannot read: {e}")
        for p in problems:
            warn(p)
        items = list(docs.values()) + [ErrorRecord(doc_id=d, source="", error=e) for d, e in errs.items()]
        if not items:
            raise click.ClickException(f"{path}: no documents in it")
        return items
    if lower.endswith(".json") and path != "-":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as e:
            raise click.ClickException(f"{path}: not readable JSON: {e}") from None
        items = data if isinstance(data, list) else [data]
        if not items or not all(isinstance(d, dict) and "doc_id" in d for d in items):
            raise click.ClickException(f"{path}: not the JSON of extracted documents")
        try:
            return [Document.from_json_dict(d) for d in items]
        except ValidationError as e:
            raise click.ClickException(f"{path}: not the JSON of extracted documents: {str(e).splitlines()[0]}")
    try:
        return [extract_file(path)]
    except LoadError as e:
        raise click.ClickException(str(e))


class GoldIndex:
    """Gold for `show --gold`: each path a gold file (SPEC 5) or a folder searched recursively for
    <doc_id>.json (gold/ finds gold/real/final/rf01.json too). Several paths add up; where two
    hold the same doc_id the first given wins, and a warning names both."""

    def __init__(self, paths: tuple[str, ...] | list[str] = ()):
        from ..scoring.gold import GoldFileError, read_gold_file

        self.paths = list(paths)
        self.files: dict[str, Path] = {}
        self.single: Path | None = None     # one gold file given on its own: for one document, whatever its name
        for given in self.paths:
            path = Path(given)
            if path.is_dir():
                found = sorted(p for p in path.rglob("*.json") if p.is_file())
                for f in found:
                    self._add(f.stem, f)
            else:
                try:
                    gold = read_gold_file(path)
                except GoldFileError as e:
                    raise click.ClickException(str(e))
                self._add(gold.doc_id, path)
                if len(self.paths) == 1:
                    self.single = path

    def _add(self, doc_id: str, path: Path) -> None:
        first = self.files.setdefault(doc_id, path)
        if first != path:
            warn(f"gold for {doc_id} in {first} and in {path}: using {first}")

    def __bool__(self) -> bool:
        return bool(self.paths)

    def path_for(self, doc_id: str, several: bool) -> Optional[Path]:
        if self.single is not None and not several:
            return self.single
        return self.files.get(doc_id)

    def gold_for(self, doc_id: str, several: bool = False):
        from ..scoring.gold import GoldFileError, read_gold_file

        path = self.path_for(doc_id, several)
        if path is None:
            return None
        try:
            return read_gold_file(path)
        except GoldFileError as e:
            raise click.ClickException(str(e))


def render_picker(items: list[Document | ErrorRecord], source: str, golds: GoldIndex | None = None,
                  lang: str = DEFAULT_LANG, check_below: float = CHECK_BELOW,
                  page_images: str = "link", link_base: Optional[Path] = None) -> str:
    """One page for several documents: a list to pick from and the chosen document's review page
    (each page is kept, escaped, in its row and shown in a sandboxed frame when picked). With
    gold, the documents that have none are marked so in the list and counted."""
    from . import render

    golds = golds or GoldIndex()
    rows = []
    for item in items:
        if isinstance(item, ErrorRecord):
            rows.append({"doc_id": item.doc_id, "error": item.error, "page": None, "no_gold": False})
            continue
        gold = golds.gold_for(item.doc_id, several=True) if golds else None
        row = {"doc_id": item.doc_id, "title": item.title or "", "province": item.province.name if item.province else "",
               "indicators": len(item.indicators), "mentions": sum(len(getattr(item, t)) for t in MENTION_TYPES),
               "error": None, "page": None, "no_gold": bool(golds) and gold is None}
        try:
            row["page"] = render_review(item, gold, lang=lang, check_below=check_below, page_images=page_images,
                                        link_base=link_base)
        except ValueError as e:
            row["error"] = str(e)
        rows.append(row)
    n_docs = sum(1 for r in rows if r.get("page"))
    return render("picker.html", lang=lang, generator="show", source=source, rows=rows, n_docs=n_docs,
                  n_errors=len(rows) - n_docs, with_gold=bool(golds), n_no_gold=sum(1 for r in rows if r["no_gold"]))


def without_gold(items: list[Document | ErrorRecord], golds: GoldIndex) -> list[str]:
    return [d.doc_id for d in items if isinstance(d, Document) and golds.path_for(d.doc_id, len(items) > 1) is None]


@click.command("show")
@click.argument("file")
@click.option("-o", "--output", "out_path", type=click.Path(dir_okay=False),
              help='Write the page here ("-" or none: stdout).')
@click.option("--gold", "gold_paths", type=click.Path(exists=True), multiple=True,
              help="A gold file (SPEC 5) or a folder searched recursively for <doc_id>.json (repeatable: the folders "
                   "add up, the first holding a doc_id wins): also mark missed gold items and spurious extractions. "
                   "Documents without gold are listed on stderr and marked in the picker.")
@click.option("--doc", "doc_id", metavar="DOC_ID", help="Of a JSON or JSONL file with several documents, show this one.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=DEFAULT_LANG, show_default=True,
              help="The page's language: Vietnamese or English (the document's text stays as it is).")
@click.option("--check-below", type=click.FloatRange(0, 1), default=CHECK_BELOW, show_default=True, metavar="P",
              help="Mark an indicator row \"check this row\" when its confidence (the indicator model's "
                   "probability) is below P; rows without a confidence are not marked.")
@click.option("--page-images", type=click.Choice(PAGE_IMAGES), default="link", show_default=True,
              help="OCR'd pages beside their text: linked from the source file, embedded as copies (a "
                   "self-contained page; TIFF pages need it), or not shown.")
def show_command(file, out_path, gold_paths, doc_id, lang, check_below, page_images):
    """Write one self-contained HTML page reviewing FILE's extraction.

    FILE is a document (txt, html, docx, pdf), the JSON that 'nscl-extract extract' wrote, or the
    JSONL of 'extract' or 'batch' (made with the text). The page highlights every mention and
    indicator, lists the indicators (click a row to see its clause), and with --gold marks misses
    and spurious items as 'nscl-extract score' counts them. For several documents the page starts
    with a list to pick one from; --doc picks one instead. Pages read by OCR are shown as scanned
    beside the text read from them, low-yield pages marked (the image comes from the source file
    unless --page-images embed).
    """
    from ..outputs.console import note, output, wrote
    from ..outputs.paths import check_output

    golds = GoldIndex(gold_paths)
    check_output(out_path, inputs=[file, *gold_paths, *golds.files.values()])
    link_base = Path(out_path).parent if out_path and out_path != "-" else None
    items = load_documents(file)
    if doc_id is not None:
        chosen = [d for d in items if d.doc_id == doc_id]
        if not chosen:
            raise click.ClickException(f"{file}: no document {doc_id!r} among its {len(items)}")
        items = chosen
    if golds:
        missing = without_gold(items, golds)
        if missing:
            n_docs = sum(1 for d in items if isinstance(d, Document))
            note(f"no gold for {len(missing)} of {n_docs} document(s): {', '.join(missing[:20])}"
                 + (f" ... and {len(missing) - 20} more" if len(missing) > 20 else "")
                 + f" (looked in {', '.join(gold_paths)})")
    if len(items) == 1:
        doc = items[0]
        if isinstance(doc, ErrorRecord):
            raise click.ClickException(f"{file}: {doc.doc_id} is an error record: {doc.error}")
        gold = golds.gold_for(doc.doc_id) if golds else None
        if gold is not None and gold.doc_id != doc.doc_id:
            warn(f"gold file is for {gold.doc_id}, the document is {doc.doc_id}")
        try:
            page = render_review(doc, gold, lang=lang, check_below=check_below, page_images=page_images,
                                 link_base=link_base)
        except ValueError as e:
            raise click.ClickException(str(e))
        what = doc.doc_id
    else:
        page = render_picker(items, file, golds, lang=lang, check_below=check_below, page_images=page_images,
                             link_base=link_base)
        what = f"{len(items)} documents"
    with output(out_path) as out:
        out.write(page)
    wrote(out_path, what)


def notebook_view(doc: Document) -> str:
    """Jupyter's view of a Document: the review page (highlighted mentions, indicator table) in a
    frame; the JSON when the document keeps no text."""
    if doc.text is None:
        return f"<pre>{html.escape(doc.model_dump_json(indent=1, by_alias=True))}</pre>"
    page = render_review(doc)
    title = Messages(DEFAULT_LANG)("notebook_frame", doc_id=doc.doc_id)
    # sandboxed as the picker's frame is: the page's own script runs, but with no access to the notebook
    return (f'<iframe title="{html.escape(title)}" srcdoc="{html.escape(page)}" '
            'sandbox="allow-scripts" style="width:100%;height:640px;border:1px solid #ccc"></iframe>')
