"""`nscl-extract show`: one self-contained HTML page to review a document's extraction.

The page shows the document text with every mention and indicator highlighted by type, a
legend with counts, and the indicator table; clicking a row scrolls to its span and flashes it.
With a gold file it also marks gold items the extractor missed (located by the gold quote, or
by `score.locate` for mentions) and predicted items that match no gold item, using the
scorer's own matching (`score.match`, `score.score_indicators`), so the page and
`nscl-extract score` never disagree.

Everything is built here in Python: every piece of document text and every attribute value
goes through `html.escape`; the only script is a small inline one for the clicks. No network:
no fonts, styles or scripts are fetched.

Highlights may nest (a quantity inside an indicator clause) or overlap without nesting (a gold
miss that straddles a mention). `render_marks` walks the span boundaries with a stack of open
elements; where a span would cross an enclosing element it is closed and reopened, so one
logical span can be several elements ("fragments"). Every fragment carries data-ref=<id>; the
first one also has id=<id> and data-first, so counting `[data-first]` counts items.
"""
from __future__ import annotations

import html
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import click

from .schema import Document

# Mention lists of a Document, in the order the legend shows them: list name -> (kind, label).
MENTION_TYPES = {
    "citations": ("citation", "Citation"),
    "dates": ("date", "Date"),
    "periods": ("period", "Period"),
    "percentages": ("percentage", "Percentage"),
    "counts": ("count", "Count"),
    "amounts": ("amount", "Amount"),
    "standards": ("standard", "Standard"),
}
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


def esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def _esc_text(s: str) -> str:
    # A bare CR would be folded into LF by the HTML parser; a character reference keeps it.
    return html.escape(s, quote=False).replace("\r", "&#13;")


def render_marks(text: str, marks: list[Mark]) -> str:
    """The escaped text with every mark as <span> elements, split where spans cross.

    Marks with an empty or out-of-range span are left out (the caller reports them)."""
    marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    marks.sort(key=lambda m: (m.start, -m.end, m.layer, m.id))
    starts: dict[int, list[Mark]] = defaultdict(list)
    for m in marks:
        starts[m.start].append(m)
    bounds = sorted({0, len(text)} | {m.start for m in marks} | {m.end for m in marks})
    out: list[str] = []
    stack: list[Mark] = []
    opened: set[str] = set()
    for i, pos in enumerate(bounds):
        reopen: list[Mark] = []
        ending = [k for k, m in enumerate(stack) if m.end == pos]
        if ending:
            popped = stack[ending[0]:]
            del stack[ending[0]:]
            out.append("</span>" * len(popped))
            reopen = [m for m in popped if m.end != pos]
        for m in sorted(reopen + starts.get(pos, []), key=lambda m: (-m.end, m.layer, m.start, m.id)):
            out.append(_open_tag(m, first=m.id not in opened))
            opened.add(m.id)
            stack.append(m)
        if i + 1 < len(bounds):
            out.append(_esc_text(text[pos:bounds[i + 1]]))
    assert not stack, "unclosed highlight"
    return "".join(out)


def _open_tag(m: Mark, first: bool) -> str:
    classes = list(m.classes) + ([] if first else ["cont"])
    attrs = [f'class="{esc(" ".join(classes))}"', f'data-ref="{esc(m.id)}"', f'data-kind="{esc(m.kind)}"']
    if first:
        attrs += [f'id="{esc(m.id)}"', "data-first"]
    attrs += [f'{k}="{esc(v)}"' for k, v in m.attrs.items()]
    if m.title:
        attrs.append(f'title="{esc(m.title)}"')
    return "<span " + " ".join(attrs) + ">"


# ---------------------------------------------------------------- what to show


def fmt_range(value: float, value_max: Optional[float]) -> str:
    from .score import fmt_num

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


def gold_view(doc: Document, gold) -> GoldView:
    from .score import (COMPARE, TYPES, attribute_agreement, describe, locate, match, score_document,
                        score_indicators)

    text = doc.text or ""
    spurious: dict[str, set[int]] = {}
    misses = []
    for t in TYPES:
        g_items, p_items = getattr(gold, t), getattr(doc, t)
        compatible, preference = COMPARE[t]
        pairs = match(g_items, p_items, compatible, preference)
        spurious[t] = set(range(len(p_items))) - {pi for _, pi in pairs}
        matched_g = {gi for gi, _ in pairs}
        for gi, g in enumerate(g_items):
            if gi not in matched_g:
                misses.append((t, gi, describe(t, g), locate(t, g, text), ""))
    _, pairs = score_indicators(gold.indicators, doc.indicators)
    spurious["indicators"] = set(range(len(doc.indicators))) - {pi for _, pi in pairs}
    matched_g = {gi for gi, _ in pairs}
    used: set[int] = set()
    for gi, g in enumerate(gold.indicators):
        if gi in matched_g:
            continue
        span = _quote_span(text, g.quote, used)
        misses.append(("indicators", gi, describe("indicators", g), span, f"quote: {g.quote}"))
    mismatch = {}
    for gi, pi in pairs:
        g, p = gold.indicators[gi], doc.indicators[pi]
        wrong = [a for a, ok in attribute_agreement(g, p).items() if not ok]
        if wrong:
            mismatch[pi] = [f"{a}: gold {_attr(g, a)}, extracted {_attr(p, a)}" for a in wrong]
    return GoldView(spurious=spurious, misses=misses, matched={pi: gi for gi, pi in pairs}, mismatch=mismatch,
                    doc_score=score_document(gold, doc))


def _attr(item, a: str) -> str:
    v = getattr(item, a)
    return _period(v) or "none" if a == "period" else str(v)


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


def build_marks(doc: Document, gv: Optional[GoldView] = None) -> list[Mark]:
    from .score import describe

    anchors = {(i.quantity.start, i.quantity.end) for i in doc.indicators}
    marks: list[Mark] = []
    for t, (kind, label) in MENTION_TYPES.items():
        for n, m in enumerate(getattr(doc, t)):
            classes = ["m", f"m-{kind}"]
            title = f"{label}: {describe(t, m)}"
            if (m.start, m.end) in anchors:
                classes.append("anchor")
            if gv is not None and n in gv.spurious.get(t, ()):
                classes.append("spurious")
                title += " — spurious: no gold item matches"
            marks.append(Mark(m.start, m.end, f"{kind}-{n}", kind, classes, title))
    for n, ind in enumerate(doc.indicators):
        classes = ["ind", f"ind-{ind.kind}"]
        title = f"Indicator #{n + 1}: {describe('indicators', ind)}"
        if gv is not None and n in gv.spurious["indicators"]:
            classes.append("spurious")
            title += " — spurious: no gold indicator matches"
        elif gv is not None and n in gv.mismatch:
            classes.append("mismatch")
            title += " — " + "; ".join(gv.mismatch[n])
        marks.append(Mark(ind.start, ind.end, f"ind-{n}", "indicator", classes, title, LAYER_INDICATOR))
    if gv is not None:
        for n, (t, gi, item, span, note) in enumerate(gv.misses):
            if span is None:
                continue
            title = f"Missed gold {t[:-1] if t.endswith('s') else t}: {item}" + (f" ({note})" if note else "")
            marks.append(Mark(span[0], span[1], f"miss-{n}", "miss", ["miss"], title, LAYER_MISS,
                              {"data-type": t}))
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


# ---------------------------------------------------------------- the page


CSS = """
:root { --ink: #111827; --muted: #4b5563; --line: #d1d5db; --bg: #ffffff; --panel: #f9fafb; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: "DejaVu Sans", "Noto Sans", "Segoe UI", Arial, sans-serif; color: var(--ink);
  background: var(--bg); font-size: 14px; line-height: 1.45; }
header { padding: 10px 16px 8px; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 17px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 12px 0 6px; }
.meta { color: var(--muted); margin: 0; }
.meta b { color: var(--ink); font-weight: 600; }
.warnings { color: #92400e; margin: 4px 0 0; padding-left: 18px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 10px; margin: 8px 0 0; padding: 0; list-style: none; }
.legend li { cursor: pointer; user-select: none; white-space: nowrap; }
.legend li.off { opacity: .45; text-decoration: line-through; }
.legend .sw { padding: 0 6px; border-radius: 3px; }
main { display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); gap: 0; }
.pane { overflow: auto; padding: 8px 16px 40px; }
.pane + .pane { border-left: 1px solid var(--line); background: var(--panel); }
@media (min-width: 900px) {
  body { display: flex; flex-direction: column; height: 100vh; }
  main { flex: 1 1 auto; min-height: 0; }
  .pane { height: 100%; }
}
@media (max-width: 899px) { main { grid-template-columns: 1fr; } .pane + .pane { border-left: 0; } }
.doc { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 15px; line-height: 2.0;
  max-width: 60em; }
/* mentions: pale backgrounds (dark text stays readable) and a darker edge of the same hue */
.m { border-radius: 2px; padding: 1px 0; }
.m-citation   { background: #dbeafe; box-shadow: inset 0 -2px #2563eb; }
.m-date       { background: #fce7f3; box-shadow: inset 0 -2px #db2777; }
.m-period     { background: #ede9fe; box-shadow: inset 0 -2px #7c3aed; }
.m-percentage { background: #fef08a; box-shadow: inset 0 -2px #ca8a04; }
.m-count      { background: #bbf7d0; box-shadow: inset 0 -2px #16a34a; }
.m-amount     { background: #fed7aa; box-shadow: inset 0 -2px #ea580c; }
.m-standard   { background: #a5f3fc; box-shadow: inset 0 -2px #0891b2; }
.m.anchor { font-weight: 700; }
/* indicators: an outer box around the clause, the mentions inside keep their colours */
.ind { border: 2px solid #1e40af; border-radius: 4px; padding: 2px 1px;
  -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.ind-result { border-color: #7e22ce; border-style: double; border-width: 3px; }
.ind.cont { border-left-width: 0; border-top-left-radius: 0; border-bottom-left-radius: 0; }
/* gold check */
.miss { outline: 2px dashed #dc2626; outline-offset: 1px; background: #fee2e2; }
.spurious { text-decoration: underline wavy #dc2626; text-decoration-skip-ink: none;
  text-underline-offset: 4px; }
.ind.spurious { border-color: #dc2626; border-style: dashed; }
.ind.mismatch { border-color: #d97706; }
.doc.hide-citation .m-citation, .doc.hide-date .m-date, .doc.hide-period .m-period,
.doc.hide-percentage .m-percentage, .doc.hide-count .m-count, .doc.hide-amount .m-amount,
.doc.hide-standard .m-standard { background: none; box-shadow: none; }
.doc.hide-ind-target .ind-target, .doc.hide-ind-result .ind-result { border-color: transparent; }
.doc.hide-miss .miss { outline: none; background: none; }
.flash { animation: flash 1.8s ease-out; outline: 3px solid #f59e0b; outline-offset: 2px; }
@keyframes flash { 0% { background-color: #fbbf24; } 100% { background-color: transparent; } }
table { border-collapse: collapse; width: 100%; font-size: 13px; background: #fff; }
th, td { border: 1px solid var(--line); padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #e5e7eb; position: sticky; top: 0; z-index: 1; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr[data-target] { cursor: pointer; }
tbody tr[data-target]:hover { background: #eff6ff; }
tr.selected { background: #fef3c7 !important; }
tr.st-spurious td:first-child, tr.st-miss td:first-child { border-left: 4px solid #dc2626; }
tr.st-mismatch td:first-child { border-left: 4px solid #d97706; }
tr.st-ok td:first-child { border-left: 4px solid #16a34a; }
.note { color: var(--muted); font-size: 12px; }
.gold-summary { margin: 8px 0 0; font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
.scores td, .scores th { padding: 2px 6px; }
"""

SCRIPT = """
(function () {
  var timer = null, lit = [];
  function go(id) {
    var parts = document.querySelectorAll('#doc [data-ref="' + id + '"]');
    if (!parts.length) return;
    (document.getElementById(id) || parts[0]).scrollIntoView({block: 'center', inline: 'nearest'});
    lit.forEach(function (e) { e.classList.remove('flash'); });
    lit = Array.prototype.slice.call(parts);
    lit.forEach(function (e) { void e.offsetWidth; e.classList.add('flash'); });
    clearTimeout(timer);
    timer = setTimeout(function () { lit.forEach(function (e) { e.classList.remove('flash'); }); lit = []; }, 2000);
  }
  function select(row) {
    document.querySelectorAll('tr.selected').forEach(function (r) { r.classList.remove('selected'); });
    row.classList.add('selected');
  }
  document.addEventListener('click', function (ev) {
    var row = ev.target.closest('tr[data-target]');
    if (row) { select(row); go(row.getAttribute('data-target')); return; }
    var key = ev.target.closest('.legend li[data-kind]');
    if (key) {
      key.classList.toggle('off');
      document.getElementById('doc').classList.toggle('hide-' + key.getAttribute('data-kind'));
      return;
    }
    var span = ev.target.closest('#doc .ind');
    if (span) {
      var r = document.querySelector('tr[data-target="' + span.getAttribute('data-ref') + '"]');
      if (r) { select(r); r.scrollIntoView({block: 'nearest'}); }
    }
  });
  document.addEventListener('keydown', function (ev) {
    var row = ev.target.closest && ev.target.closest('tr[data-target]');
    if (row && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); select(row); go(row.getAttribute('data-target')); }
  });
})();
"""


def _legend(doc: Document, gv: Optional[GoldView]) -> str:
    items = []
    for t, (kind, label) in MENTION_TYPES.items():
        items.append(f'<li data-kind="{kind}" title="click to hide or show"><span class="sw m m-{kind}">'
                     f'{esc(label)}</span> {len(getattr(doc, t))}</li>')
    n_t = sum(1 for i in doc.indicators if i.kind == "target")
    n_r = len(doc.indicators) - n_t
    items.append(f'<li data-kind="ind-target" title="click to hide or show"><span class="sw ind ind-target">'
                 f'Indicator: target</span> {n_t}</li>')
    items.append(f'<li data-kind="ind-result" title="click to hide or show"><span class="sw ind ind-result">'
                 f'Indicator: result</span> {n_r}</li>')
    items.append('<li><span class="sw m m-count anchor">bold</span> = the quantity an indicator rests on</li>')
    if gv is not None:
        n_sp = sum(len(v) for v in gv.spurious.values())
        items.append(f'<li data-kind="miss" title="click to hide or show"><span class="sw miss">Gold miss</span>'
                     f' {len(gv.misses)}</li>')
        items.append(f'<li><span class="sw spurious">Spurious</span> {n_sp}</li>')
        items.append('<li><span class="sw ind mismatch">Indicator, attributes differ from gold</span></li>')
    return '<ul class="legend" aria-label="legend">' + "".join(items) + "</ul>"


def _meta(doc: Document) -> str:
    parts = [f"<b>{esc(doc.doc_id)}</b>", f"source {esc(doc.source)}"]
    if doc.province:
        p = doc.province.name
        if doc.province.name_2025 and doc.province.name_2025 != p:
            p += f" → {doc.province.name_2025} (2025)"
        parts.append(f"province <b>{esc(p)}</b>")
    if doc.plan:
        parts.append(f"plan <b>{esc(doc.plan.number)}</b>")
    if doc.published:
        parts.append(f"published <b>{esc(doc.published)}</b>")
    parts.append(f"{len(doc.text or '')} characters")
    return '<p class="meta">' + " · ".join(parts) + "</p>"


def _indicator_table(doc: Document, gv: Optional[GoldView], valid: set[str]) -> str:
    head = ["#", "value", "comparator", "unit", "year", "phase", "kind", "subject"]
    if gv is not None:
        head.append("gold")
    rows = []
    for n, ind in enumerate(doc.indicators):
        q = ind.quantity
        flags = [w for w, on in (("per year", ind.per_year), ("relative", ind.relative)) if on]
        subject = esc(ind.subject or "")
        extra = []
        if flags:
            extra.append(", ".join(flags))
        if ind.standards:
            extra.append("standards: " + ", ".join(ind.standards))
        if ind.action:
            extra.append("action: " + ind.action)
        if gv is not None and n in gv.mismatch:
            extra += gv.mismatch[n]
        if extra:
            subject += f'<div class="note">{esc("; ".join(extra))}</div>'
        cells = [f'<td class="num">{n + 1}</td>', f'<td class="num">{esc(fmt_range(q.value, q.value_max))}</td>',
                 f'<td title="{esc(q.comparator)}">{esc(COMPARATOR_SIGNS.get(q.comparator, q.comparator))} '
                 f'{esc(q.comparator)}</td>',
                 f"<td>{esc(q.unit)}</td>", f'<td class="num">{esc(ind.target_year or "")}</td>',
                 f'<td class="num">{esc(_period(ind.period))}</td>', f"<td>{esc(ind.kind)}</td>",
                 f"<td>{subject}</td>"]
        status = ""
        if gv is not None:
            if n in gv.spurious["indicators"]:
                status, cell, tip = "spurious", "✗ spurious", "no gold indicator matches"
            elif n in gv.mismatch:
                status, cell, tip = "mismatch", "≈ differs", "; ".join(gv.mismatch[n])
            else:
                status, cell, tip = "ok", "✓", "matches a gold indicator"
            cells.append(f'<td title="{esc(tip)}">{esc(cell)}</td>')
        target = f"ind-{n}"
        attrs = f' data-target="{target}" tabindex="0"' if target in valid else ' title="span outside the text"'
        cls = f' class="st-{status}"' if status else ""
        rows.append(f'<tr id="row-{target}"{cls}{attrs}>' + "".join(cells) + "</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(head)}" class="empty">no indicators extracted</td></tr>')
    return ('<table id="indicators"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _misses_table(gv: GoldView) -> str:
    rows = []
    for n, (t, gi, item, span, note) in enumerate(gv.misses):
        where = "" if span else '<div class="note">not found in the text</div>'
        attrs = f' data-target="miss-{n}" tabindex="0"' if span else ""
        rows.append(f'<tr class="st-miss"{attrs}><td>{esc(t)}</td><td>{esc(item)}'
                    f'{"<div class=note>" + esc(note) + "</div>" if note else ""}{where}</td></tr>')
    if not rows:
        rows.append('<tr><td colspan="2" class="empty">nothing missed</td></tr>')
    return ('<table id="misses"><thead><tr><th>type</th><th>gold item</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _scores_table(gv: GoldView) -> str:
    ds = gv.doc_score
    rows = []

    def fmt(v):
        return "—" if v is None else f"{v:.2f}"

    for t, prf in list(ds.types.items()) + [("indicators (key)", ds.indicators.key),
                                            ("indicators (strict)", ds.indicators.strict)]:
        rows.append(f"<tr><td>{esc(t)}</td><td class=num>{prf.tp}</td><td class=num>{prf.fp}</td>"
                    f"<td class=num>{prf.fn}</td><td class=num>{fmt(prf.precision)}</td>"
                    f"<td class=num>{fmt(prf.recall)}</td><td class=num>{fmt(prf.f1)}</td></tr>")
    fields = ", ".join(f"{f} {'✓' if ok else '✗'}" for f, ok in ds.fields.items())
    return ('<table class="scores"><thead><tr><th>type</th><th>match</th><th>spurious</th><th>missed</th>'
            "<th>P</th><th>R</th><th>F1</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            f'<p class="note">document fields: {esc(fields)}</p>')


def render_review(doc: Document, gold=None) -> str:
    """The review page of an extracted Document (with its text); `gold` is a gold.GoldDocument."""
    if doc.text is None:
        raise ValueError(f"{doc.source}: the document has no text (made with --no-text?); nothing to show")
    gv = gold_view(doc, gold) if gold is not None else None
    marks = build_marks(doc, gv)
    body = render_marks(doc.text, marks)
    valid = {m.id for m in marks if 0 <= m.start < m.end <= len(doc.text)}
    problems = list(doc.warnings) + bad_spans(doc)
    if gold is not None and gold.doc_id != doc.doc_id:
        problems.append(f"gold file is for {gold.doc_id}, the document is {doc.doc_id}")
    warn = ("<ul class=\"warnings\">" + "".join(f"<li>{esc(w)}</li>" for w in problems) + "</ul>") if problems else ""
    title = doc.title or doc.doc_id
    side = [f"<h2>Indicators ({len(doc.indicators)})</h2>", '<p class="note">Click a row to show its clause in the text.</p>',
            _indicator_table(doc, gv, valid)]
    if gv is not None:
        n_sp = sum(len(v) for v in gv.spurious.values())
        side.insert(0, f'<p class="gold-summary">Against gold: <a href="#misses">{len(gv.misses)} missed</a>, '
                       f'{n_sp} spurious, {len(gv.mismatch)} indicator(s) with differing attributes.</p>')
        side += [f"<h2>Gold items missed ({len(gv.misses)})</h2>", _misses_table(gv),
                 "<h2>Scores against gold</h2>", _scores_table(gv)]
    data = {"doc_id": doc.doc_id, "indicators": len(doc.indicators),
            "mentions": sum(len(getattr(doc, t)) for t in MENTION_TYPES)}
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nscl-extract show">
<title>{esc(title)} — nscl-extract review</title>
<style>{CSS}</style>
</head>
<body data-summary="{esc(json.dumps(data, ensure_ascii=False))}">
<header>
<h1>{esc(title)}</h1>
{_meta(doc)}
{warn}
{_legend(doc, gv)}
</header>
<main>
<section class="pane" aria-label="document text"><div id="doc" class="doc" lang="vi">{body}</div></section>
<aside class="pane" aria-label="indicators">{"".join(side)}</aside>
</main>
<script>{SCRIPT}</script>
</body>
</html>
"""


# ---------------------------------------------------------------- CLI


def load_document(path: str) -> Document:
    """A document file to extract, or the JSON output of `nscl-extract extract` (with its text)."""
    from .loaders import LoadError, check_regular

    if path.lower().endswith(".json") and path != "-":
        try:
            check_regular(path)  # a FIFO would block the read
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except LoadError as e:
            raise click.ClickException(str(e)) from None
        except (OSError, ValueError, RecursionError) as e:
            raise click.ClickException(f"{path}: not readable JSON: {e}")
        if isinstance(data, list):
            if len(data) != 1:
                raise click.ClickException(f"{path}: holds {len(data)} documents; show takes one")
            data = data[0]
        if not isinstance(data, dict) or "doc_id" not in data:
            raise click.ClickException(f"{path}: not the JSON of an extracted document")
        try:
            return Document.from_json_dict(data)
        except ValueError as e:  # pydantic's ValidationError: valid JSON, not a Document
            raise click.ClickException(f"{path}: not the JSON of an extracted document "
                                       f"({str(e).splitlines()[0]})") from None
    from .pipeline import extract_file

    try:
        return extract_file(path)
    except LoadError as e:
        raise click.ClickException(str(e))


@click.command("show")
@click.argument("file")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the page here (default: stdout).")
@click.option("--gold", "gold_path", type=click.Path(exists=True, dir_okay=False),
              help="A gold file (SPEC 5): also mark missed gold items and spurious extractions.")
def show_command(file, output, gold_path):
    """Write one self-contained HTML page reviewing FILE's extraction.

    FILE is a document (txt, html, docx, pdf) or the JSON that 'nscl-extract extract' wrote
    for one document (with its text). The page highlights every mention and indicator, lists
    the indicators (click a row to see its clause), and with --gold marks misses and
    spurious items as 'nscl-extract score' counts them.
    """
    from .paths import check_output

    check_output(output)
    gold = None
    if gold_path:
        from .gold import GoldFileError, read_gold_file

        try:
            gold = read_gold_file(gold_path)
        except GoldFileError as e:
            raise click.ClickException(str(e))
    doc = load_document(file)
    if gold is not None and gold.doc_id != doc.doc_id:
        click.echo(f"warning: gold file is for {gold.doc_id}, the document is {doc.doc_id}", err=True)
    try:
        page = render_review(doc, gold)
    except ValueError as e:
        raise click.ClickException(str(e))
    if output:
        try:
            Path(output).write_text(page, encoding="utf-8")
        except OSError as e:
            raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from None
        click.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(page)
