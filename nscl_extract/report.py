"""`nscl-extract report`: one self-contained HTML page comparing provinces, from the ingest store.

Per province: its documents and plans with their periods, the number of targets by theme
(themes are data: rules/themes.yml, with keyword lists and the examples the tests run), the
budget figures, and a chart of the targets stated as a share of enterprises for 2025 and
2030 (inline SVG drawn by matplotlib, text kept as text). Every figure links back to the
clauses it counts, so an analyst can check it.

Reads the store only through its schema (nscl_extract.store: `connect`, `query_indicators`,
the documents and mentions tables); nothing is re-extracted.
"""
from __future__ import annotations

import datetime as _dt
import html
import io
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import click
import regex

from .provinces import fold_vi

COMPARATOR_SIGNS = {"eq": "", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "approx": "≈"}
NATIONAL = "National / no province"


def esc(s: object) -> str:
    return html.escape("" if s is None else str(s), quote=True)


# ---------------------------------------------------------------- themes (rules/themes.yml)


def _words_re(words: Iterable[str]) -> Optional[regex.Pattern]:
    words = sorted({fold_vi(unicodedata.normalize("NFC", str(w))).strip() for w in words if str(w).strip()},
                   key=len, reverse=True)
    if not words:
        return None
    alts = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in words)
    return regex.compile(rf"(?<!\w)(?:{alts})(?!\w)")


@dataclass
class Theme:
    id: str
    label: str
    label_vi: str
    description: str
    source: str                     # "indicators" or "amounts"
    fields: list[str]
    any_in: list[str]               # the fields searched for `any` (default: `fields`)
    any: list[str]
    all: list[list[str]]
    none: list[str]
    context_chars: int
    examples: dict

    def __post_init__(self):
        self._any = _words_re(self.any)
        self._all = [_words_re(g) for g in self.all]
        self._none = _words_re(self.none)

    def matches(self, parts: dict[str, str]) -> bool:
        """Do these fields (text, subject, unit, standards; "context" for amounts) belong to the theme?

        `any` is looked for in the `any_in` fields (in `fields` when those are all empty, as
        when the subject was not found); `all` and `none` in `fields`."""
        def gather(names):
            return fold_vi(unicodedata.normalize("NFC", "\n".join(parts.get(f) or "" for f in names)))

        t = gather(self.fields)
        a = gather(self.any_in) if self.any_in else t
        if not a.strip():
            a = t
        if self._any is None or not self._any.search(a):
            return False
        if any(g is not None and not g.search(t) for g in self._all):
            return False
        return not (self._none is not None and self._none.search(t))


@dataclass
class ShareRule:
    label: str
    years: list[int]
    subject: list[str]
    examples: dict

    def __post_init__(self):
        self._subject = _words_re(self.subject)

    def year_of(self, *, unit: str, kind: str, per_year: bool, relative: bool, subject: Optional[str],
                after: str, target_year: Optional[int], period: Optional[tuple[int, int]]) -> Optional[int]:
        """The chart year of a share-of-enterprises target, or None when it is not one.

        `after` is the clause text right after the number (used when the subject is empty)."""
        if unit.strip() != "%" or kind != "target" or per_year or relative:
            return None
        words = subject if subject and subject.strip() else after[:40]
        if self._subject is None or not self._subject.search(fold_vi(words)):
            return None
        year = target_year if target_year is not None else (period[1] if period else None)
        return year if year in self.years else None


@dataclass
class ThemeRules:
    themes: list[Theme]
    share: ShareRule

    def indicator_themes(self, row: dict) -> list[str]:
        """Theme ids of an indicator row (store.query_indicators)."""
        unit = row.get("unit") or ""
        parts = {"text": row.get("text") or "", "subject": row.get("subject") or "",
                 "unit": "" if unit.strip() == "%" else unit,  # "%" names nothing that is counted
                 "standards": " ".join(row.get("standards") or [])}
        return [th.id for th in self.themes if th.source == "indicators" and th.matches(parts)]

    def amount_theme(self, context: str, per: Optional[str]) -> Optional[str]:
        if per:
            return None
        for th in self.themes:
            if th.source == "amounts" and th.matches({"context": context}):
                return th.id
        return None


def themes_file() -> Path:
    from .rules import rules_dir

    return rules_dir() / "themes.yml"


@lru_cache(maxsize=4)
def load_themes(path: Optional[str] = None) -> ThemeRules:
    import yaml

    from .rules import _nfc

    with open(path or themes_file(), encoding="utf-8") as f:
        data = _nfc(yaml.safe_load(f) or {})
    themes = []
    for t in data.get("themes") or []:
        source = t.get("source", "indicators")
        default_fields = ["context"] if source == "amounts" else ["text", "subject", "unit"]
        themes.append(Theme(id=str(t["id"]), label=t.get("label", t["id"]), label_vi=t.get("label_vi", ""),
                            description=t.get("description", ""), source=source,
                            fields=list(t.get("fields") or default_fields), any_in=list(t.get("any_in") or []),
                            any=[str(w) for w in t.get("any") or []], all=[[str(w) for w in g] for g in t.get("all") or []],
                            none=[str(w) for w in t.get("none") or []], context_chars=int(t.get("context_chars", 300)),
                            examples=t.get("examples") or {}))
    s = data.get("enterprise_share") or {}
    share = ShareRule(label=s.get("label", "Share of enterprises (%)"), years=[int(y) for y in s.get("years", [2025, 2030])],
                      subject=[str(w) for w in s.get("subject") or []], examples=s.get("examples") or {})
    return ThemeRules(themes=themes, share=share)


def amount_context(text: str, start: int, end: int, chars: int) -> str:
    """The amount's line and what precedes it in the same paragraph, at most `chars` before it."""
    lo = max(0, start - chars)
    para = text.rfind("\n\n", lo, start)
    if para >= 0:
        lo = para + 2
    hi = text.find("\n", end)
    return text[lo:hi if hi >= 0 else len(text)]


def _around(text: str, start: int, end: int, before: int = 110, after: int = 70) -> tuple[str, str]:
    """The text of the amount's line around it (a table cell takes the previous lines too)."""
    lo = max(0, start - before)
    hi = min(len(text), end + after)
    line_start = text.rfind("\n\n", lo, start)
    line_end = text.find("\n\n", end, hi)
    lo = line_start + 2 if line_start >= 0 else lo
    hi = line_end if line_end >= 0 else hi
    while 0 < lo < start and not text[lo - 1].isspace():  # whole words only
        lo += 1
    while end < hi < len(text) and not text[hi].isspace():
        hi -= 1
    pre, post = " ".join(text[lo:start].split()), " ".join(text[end:hi].split())
    return ("…" if lo > 0 and text[lo - 1] not in "\n" else "") + pre + (" " if text[start - 1:start].isspace() else ""), \
        (" " if text[end:end + 1].isspace() else "") + post + ("…" if hi < len(text) and text[hi] != "\n" else "")


# ---------------------------------------------------------------- reading the store


@dataclass
class Budget:
    doc_id: str
    value: float
    value_max: Optional[float]
    currency: str
    text: str
    context: str
    before: str = ""                # the words around the amount in its line, for showing it
    after: str = ""


@dataclass
class DocInfo:
    doc_id: str
    source: str
    title: Optional[str]
    published: Optional[str]
    province: Optional[str]
    province_2025: Optional[str]
    plan: Optional[str]
    periods: list[tuple[int, int]]          # distinct, main first
    horizon: Optional[int]
    indicators: list[dict] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)

    @property
    def main_period(self) -> Optional[tuple[int, int]]:
        return self.periods[0] if self.periods else None


@dataclass
class ProvinceInfo:
    key: str
    name: str
    names: set[str]                          # names as the documents give them
    name_2025: Optional[str]
    docs: list[DocInfo] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)        # distinct targets
    statements: int = 0                                      # target statements before merging repeats
    results: list[dict] = field(default_factory=list)
    themes: dict[str, list[dict]] = field(default_factory=dict)
    budgets: list[Budget] = field(default_factory=list)
    shares: list[dict] = field(default_factory=list)         # distinct share-of-enterprises targets

    @property
    def anchor(self) -> str:
        return "prov-" + (slug(self.name) or "none")


def plain(s: str) -> str:
    """Diacritics off, for sorting and anchors: 'Đồng Nai' -> 'dong nai'."""
    s = unicodedata.normalize("NFD", s.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in s if not unicodedata.combining(ch)).lower()


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(s)).strip("-")


def _horizon(text: str, period: tuple[int, int]) -> Optional[int]:
    """The vision year written right after the plan's period: "2021-2025, tầm nhìn đến năm 2030"."""
    m = re.search(rf"{period[0]}\s*[-–—]\s*(?:năm\s+)?{period[1]}\s*[,;]?\s*(?:và\s+)?(?:tầm nhìn|định hướng)"
                  rf"\s+(?:đến\s+)?(?:năm\s+)?(\d{{4}})", fold_vi(text))
    return int(m.group(1)) if m else None


def _doc_periods(rows: list[tuple[int, int, int]], title: Optional[str]) -> list[tuple[int, int]]:
    """Distinct periods of a document, the plan's own first: the one its title names, else the
    most mentioned (ties: the first mentioned)."""
    counts = Counter((f, t) for f, t, _ in rows)
    first = {}
    for f, t, pos in rows:
        first.setdefault((f, t), pos)
    in_title = []
    if title:
        for f, t in counts:
            if re.search(rf"{f}\s*[-–—]\s*{t}", title):
                in_title.append((f, t))
    ordered = sorted(counts, key=lambda p: (p not in in_title, -counts[p], first[p]))
    return ordered


def _target_key(plan_or_doc: str, r: dict) -> tuple:
    from .score import syllables, unit_key

    return (plan_or_doc, r["value"], r["value_max"], unit_key(r["unit"]), r["comparator"], r["target_year"],
            r["period_from"], r["period_to"], tuple(syllables(r["subject"])))


def read_store(conn: sqlite3.Connection) -> list[DocInfo]:
    from .store import query_indicators

    docs: dict[str, DocInfo] = {}
    texts: dict[str, str] = {}
    rowid_to_doc: dict[int, str] = {}
    for r in conn.execute("SELECT id, doc_id, source, title, published, province, province_2025, plan, json"
                          " FROM documents ORDER BY doc_id, source"):
        text = json.loads(r["json"]).get("text") or ""
        texts[r["doc_id"]] = text
        rowid_to_doc[r["id"]] = r["doc_id"]
        docs[r["doc_id"]] = DocInfo(doc_id=r["doc_id"], source=r["source"], title=r["title"], published=r["published"],
                                    province=r["province"], province_2025=r["province_2025"], plan=r["plan"],
                                    periods=[], horizon=None)
    periods: dict[str, list] = defaultdict(list)
    for r in conn.execute("SELECT doc, start, fields FROM mentions WHERE type = 'period' ORDER BY doc, start"):
        f = json.loads(r["fields"])
        periods[rowid_to_doc[r["doc"]]].append((int(f["from"]), int(f["to"]), r["start"]))
    for doc_id, rows in periods.items():
        d = docs[doc_id]
        d.periods = _doc_periods(rows, d.title)
        d.horizon = _horizon(texts[doc_id], d.periods[0])
    rules = load_themes()
    budget_themes = [t for t in rules.themes if t.source == "amounts"]
    chars = max([t.context_chars for t in budget_themes] or [300])
    for r in conn.execute('SELECT doc, start, "end", text, fields FROM mentions WHERE type = \'amount\' ORDER BY doc, start'):
        doc_id = rowid_to_doc[r["doc"]]
        f = json.loads(r["fields"])
        ctx = amount_context(texts[doc_id], r["start"], r["end"], chars)
        if rules.amount_theme(ctx, f.get("per")):
            before, after = _around(texts[doc_id], r["start"], r["end"])
            docs[doc_id].budgets.append(Budget(doc_id, float(f["value"]), f.get("value_max"), f.get("currency") or "VND",
                                               r["text"], ctx, before, after))
    for row in query_indicators(conn):
        d = docs.get(row["doc_id"])
        if d is not None:
            d.indicators.append(row)
    return sorted(docs.values(), key=lambda d: d.doc_id)


def group_provinces(docs: list[DocInfo], merged: bool = False) -> list[ProvinceInfo]:
    """Provinces as the documents name them (merged=True: as they are after the 2025 merger),
    sorted by name; documents with no province last."""
    rules = load_themes()
    groups: dict[str, ProvinceInfo] = {}
    for d in docs:
        name = (d.province_2025 or d.province) if merged else (d.province or d.province_2025)
        key = plain(name) if name else "\uffff"
        p = groups.get(key)
        if p is None:
            p = groups[key] = ProvinceInfo(key=key, name=name or NATIONAL, names=set(), name_2025=d.province_2025,
                                           themes={t.id: [] for t in rules.themes if t.source == "indicators"})
        if d.province:
            p.names.add(d.province)
        p.docs.append(d)
    for p in groups.values():
        seen, seen_share = set(), set()
        for d in p.docs:
            owner = d.plan or d.doc_id
            p.budgets += d.budgets
            for r in d.indicators:
                if r["kind"] != "target":
                    p.results.append(r)
                    continue
                p.statements += 1
                key = _target_key(owner, r)
                if key in seen:
                    continue
                seen.add(key)
                p.targets.append(r)
                for t in rules.indicator_themes(r):
                    p.themes[t].append(r)
                year = share_year(rules, r)
                skey = (owner, year, r["value"], r["value_max"], r["comparator"])
                if year is not None and skey not in seen_share:
                    seen_share.add(skey)
                    p.shares.append({**r, "year": year})
    return sorted(groups.values(), key=lambda p: p.key)


def share_year(rules: ThemeRules, r: dict) -> Optional[int]:
    period = (r["period_from"], r["period_to"]) if r.get("period_from") is not None else None
    after = _after_number(r)
    return rules.share.year_of(unit=r["unit"], kind=r["kind"], per_year=bool(r["per_year"]),
                               relative=bool(r["relative"]), subject=r.get("subject"), after=after,
                               target_year=r["target_year"], period=period)


_NUMBER_END = re.compile(r"\d(?:[\d.,]*\d)?\s*(?:%|phần trăm)")


def _after_number(r: dict) -> str:
    """The words after the percentage in the clause (the clause text is the indicator's text)."""
    clause = r.get("text") or ""
    m = None
    for m in _NUMBER_END.finditer(clause):
        v = m.group(0)
        if _num_equal(v, r["value_max"] if r["value_max"] is not None else r["value"]):
            return clause[m.end():]
    return clause[m.end():] if m else ""


def _num_equal(s: str, v: float) -> bool:
    from .numbers import parse_number

    digits = re.match(r"[\d.,]+", s)
    try:
        return digits is not None and abs(parse_number(digits.group(0)) - v) < 1e-9
    except Exception:  # noqa: BLE001 - an odd number only loses the fallback
        return False


# ---------------------------------------------------------------- the chart (matplotlib, SVG)

YEAR_STYLE = {2025: ("#b45309", "o"), 2030: ("#1d4ed8", "s")}
OTHER_STYLES = [("#047857", "D"), ("#7e22ce", "^"), ("#be123c", "v")]


def share_chart_svg(provinces: list[ProvinceInfo], rules: ThemeRules) -> str:
    """The share-of-enterprises targets as a dot plot (one row per province), as inline SVG.

    Each point is a matplotlib artist with gid "share-<year>-<n>", so the SVG has a <g id=...>
    per point; a range (45-47%) is a line between its ends."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    years = rules.share.years
    rows = [p for p in provinces if p.shares and p.name != NATIONAL]
    styles = {y: YEAR_STYLE.get(y, OTHER_STYLES[i % len(OTHER_STYLES)]) for i, y in enumerate(years)}
    height = 1.4 + 0.55 * max(1, len(rows))
    with rc_context({"text.parse_math": False, "svg.fonttype": "none", "font.family": ["DejaVu Sans"], "svg.hashsalt": "nscl-report",
                     "font.size": 10}):
        fig = Figure(figsize=(8.0, height))
        ax = fig.add_subplot(1, 1, 1)
        offsets = {y: (i - (len(years) - 1) / 2) * 0.22 for i, y in enumerate(years)}
        n = 0
        for i, p in enumerate(rows):
            y0 = len(rows) - 1 - i
            for s in sorted(p.shares, key=lambda s: (s["year"], s["value"])):
                colour, marker = styles[s["year"]]
                yy = y0 + offsets[s["year"]]
                lo, hi = s["value"], s["value_max"] if s["value_max"] is not None else s["value"]
                (ln,) = ax.plot([lo, hi] if hi != lo else [lo], [yy, yy] if hi != lo else [yy], color=colour,
                                marker=marker, markersize=7, linewidth=3, linestyle="-")
                ln.set_gid(f"share-{s['year']}-{n}")
                n += 1
                label = COMPARATOR_SIGNS.get(s["comparator"], "") + _fmt_num(lo) + (f"–{_fmt_num(hi)}" if hi != lo else "") + "%"
                ax.annotate(label, (hi, yy), xytext=(6, 0), textcoords="offset points", va="center", fontsize=8,
                            color=colour)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([p.name for p in reversed(rows)])
        ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
        ax.set_xlim(0, 112)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xticklabels([f"{x}%" for x in range(0, 101, 20)])
        ax.grid(axis="x", color="#d1d5db", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel("target share of enterprises")
        if not rows:
            ax.text(56, 0, "no share-of-enterprises targets for " + " or ".join(map(str, years)) + " in the store",
                    ha="center", va="center", color="#4b5563")
            ax.set_yticks([])
        handles = [Line2D([], [], color=styles[y][0], marker=styles[y][1], linestyle="", markersize=7, label=str(y))
                   for y in years]
        ax.legend(handles=handles, title="target year", loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: inline in HTML
    # scale with the page, keep the drawing's proportions
    svg = re.sub(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"',
                 lambda m: f'<svg{m.group(1)} style="width: 100%; max-width: {m.group(2)}pt; height: auto"'
                           f' role="img" aria-label="{esc(rules.share.label)}"', svg, count=1)
    return svg


def _fmt_num(v: Optional[float]) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.10g}"


# ---------------------------------------------------------------- the page


def _money(b: Budget) -> str:
    def one(v: float) -> str:
        if b.currency.upper() in ("VND", "VNĐ"):
            if v >= 1e9:
                return f"{v / 1e9:,.2f}".rstrip("0").rstrip(".") + " billion"
            if v >= 1e6:
                return f"{v / 1e6:,.1f}".rstrip("0").rstrip(".") + " million"
        return f"{v:,.0f}"

    s = one(b.value) + (f"–{one(b.value_max)}" if b.value_max is not None else "")
    return f"{s} {b.currency}"


def _period(p) -> str:
    return f"{p[0]}–{p[1]}" if p else ""


def _row_period(r: dict) -> str:
    return f"{r['period_from']}–{r['period_to']}" if r.get("period_from") is not None else ""


def _quantity(r: dict) -> str:
    sign = COMPARATOR_SIGNS.get(r["comparator"], "")
    num = _fmt_num(r["value"]) + (f"–{_fmt_num(r['value_max'])}" if r["value_max"] is not None else "")
    unit = r["unit"]
    return f"{sign}{num}{unit}" if unit == "%" else f"{sign}{num} {unit}"


def _doc_period(d: DocInfo) -> str:
    s = _period(d.main_period)
    if d.horizon and (not d.main_period or d.horizon > d.main_period[1]):
        s += (", " if s else "") + f"vision {d.horizon}"
    return s


def _province_label(p: ProvinceInfo, merged: bool) -> str:
    if p.name == NATIONAL:
        return esc(p.name)
    if merged:
        others = sorted(n for n in p.names if plain(n) != plain(p.name))
        return esc(p.name) + (f'<div class="note">incl. {esc(", ".join(others))}</div>' if others else "")
    if p.name_2025 and plain(p.name_2025) != plain(p.name):
        return esc(p.name) + f'<div class="note">{esc(p.name_2025)} since 2025</div>'
    return esc(p.name)


def _plans_cell(p: ProvinceInfo) -> str:
    items = []
    for d in p.docs:
        label = d.plan or "(no plan number)"
        per = _doc_period(d)
        items.append(f"<li><b>{esc(label)}</b>{' · ' + esc(per) if per else ''}</li>")
    return '<ul class="plain">' + "".join(items) + "</ul>"


def _largest(budgets: list[Budget]) -> Optional[Budget]:
    vnd = [b for b in budgets if b.currency.upper() in ("VND", "VNĐ")]
    return max(vnd or budgets, key=lambda b: b.value_max or b.value) if budgets else None


def _comparison_table(provinces: list[ProvinceInfo], rules: ThemeRules, merged: bool) -> str:
    ind_themes = [t for t in rules.themes if t.source == "indicators"]
    head = (["Province", "Documents", "Plans · period", "Targets", "Results"] + [t.label for t in ind_themes]
            + ["Budget: largest figure"])
    rows = []
    for p in provinces:
        cells = [f'<th scope="row"><a href="#{esc(p.anchor)}">{_province_label(p, merged)}</a></th>',
                 f'<td class="num">{len(p.docs)}</td>', f"<td>{_plans_cell(p)}</td>",
                 f'<td class="num" data-col="targets" title="{p.statements} statements, repeats merged">{len(p.targets)}</td>',
                 f'<td class="num" data-col="results">{len(p.results)}</td>']
        for t in ind_themes:
            n = len(p.themes[t.id])
            cells.append(f'<td class="num theme{" zero" if not n else ""}" data-theme="{esc(t.id)}">'
                         f'<a href="#{esc(p.anchor)}-{esc(t.id)}">{n}</a></td>' if n else
                         f'<td class="num theme zero" data-theme="{esc(t.id)}">0</td>')
        big = _largest(p.budgets)
        cells.append(f'<td class="num" data-col="budget" title="{len(p.budgets)} budget figure(s)">'
                     f'{esc(_money(big)) if big else "—"}'
                     f'{f"<div class=note>{len(p.budgets)} figures</div>" if len(p.budgets) > 1 else ""}</td>')
        rows.append(f'<tr data-province="{esc(p.name)}">' + "".join(cells) + "</tr>")
    return ('<table id="comparison" class="data"><thead><tr>' + "".join(f"<th>{esc(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _clause(r: dict, width: int = 220) -> str:
    t = " ".join((r.get("text") or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def _target_list(rows: list[dict], docs_by_id: dict[str, DocInfo]) -> str:
    items = []
    for r in rows:
        d = docs_by_id.get(r["doc_id"])
        where = (d.plan if d and d.plan else r["doc_id"])
        year = f" · by {r['target_year']}" if r["target_year"] else ""
        per = f" · {_row_period(r)}" if r.get("period_from") is not None else ""
        flags = "".join([" · per year" if r["per_year"] else "", " · relative" if r["relative"] else ""])
        items.append(f'<li><span class="q">{esc(_quantity(r))}</span>{esc(year + per + flags)}'
                     f' — {esc(r.get("subject") or "")}<div class="clause">“{esc(_clause(r))}”'
                     f' <span class="note">{esc(where)}</span></div></li>')
    return '<ul class="targets">' + "".join(items) + "</ul>"


def _province_section(p: ProvinceInfo, rules: ThemeRules, merged: bool) -> str:
    docs_by_id = {d.doc_id: d for d in p.docs}
    out = [f'<section class="province" id="{esc(p.anchor)}"><h3>{_province_label(p, merged)}</h3>']
    rows = []
    for d in p.docs:
        n_t = len({_target_key(d.doc_id, r) for r in d.indicators if r["kind"] == "target"})
        n_r = sum(1 for r in d.indicators if r["kind"] != "target")
        rows.append(f'<tr><td class="plan">{esc(d.plan or "—")}</td><td>{esc(d.title or "")}'
                    f'<div class="note">{esc(d.doc_id)}</div></td><td class="num">{esc(d.published or "")}</td>'
                    f"<td>{esc(_doc_period(d))}"
                    f'{"<div class=note>also " + esc(", ".join(_period(x) for x in d.periods[1:4])) + "</div>" if len(d.periods) > 1 else ""}'
                    f'</td><td class="num">{n_t}</td><td class="num">{n_r}</td></tr>')
    out.append('<table class="data plans"><thead><tr><th>Plan</th><th>Title · document</th><th>Published</th>'
               "<th>Period</th><th>Targets</th><th>Results</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
    themed = set()
    for t in rules.themes:
        if t.source != "indicators":
            continue
        rows_t = p.themes[t.id]
        themed.update(id(r) for r in rows_t)
        if rows_t:
            out.append(f'<h4 id="{esc(p.anchor)}-{esc(t.id)}">{esc(t.label)} ({len(rows_t)})</h4>'
                       + _target_list(rows_t, docs_by_id))
    other = [r for r in p.targets if id(r) not in themed]
    if other:
        out.append(f"<details><summary>Other targets ({len(other)})</summary>{_target_list(other, docs_by_id)}</details>")
    if p.budgets:
        items = "".join(f'<li><span class="q">{esc(_money(b))}</span> — <span class="clause">“{esc(b.before)}'
                        f'<b>{esc(b.text)}</b>{esc(b.after)}”</span>'
                        f' <span class="note">{esc(docs_by_id[b.doc_id].plan or b.doc_id)}</span></li>' for b in p.budgets)
        out.append(f'<h4 id="{esc(p.anchor)}-budgets">Budget figures ({len(p.budgets)})</h4><ul class="targets">{items}</ul>')
    if not p.targets and not p.results:
        out.append('<p class="empty">No indicators extracted from these documents.</p>')
    out.append("</section>")
    return "".join(out)


def _share_table(provinces: list[ProvinceInfo]) -> str:
    rows = []
    for p in provinces:
        if p.name == NATIONAL:
            continue
        for s in sorted(p.shares, key=lambda s: (s["year"], s["value"])):
            how = "target year" if s["target_year"] == s["year"] else "end of phase"
            rows.append(f'<tr><td>{esc(p.name)}</td><td class="num">{s["year"]}<div class="note">{how}</div></td>'
                        f'<td class="num">{esc(_quantity(s))}</td><td>{esc(s.get("subject") or "")}</td>'
                        f'<td class="clause">“{esc(_clause(s, 160))}”<div class="note">{esc(s["doc_id"])}</div></td></tr>')
    if not rows:
        rows.append('<tr><td colspan="5" class="empty">none</td></tr>')
    return ('<details><summary>The targets in the chart</summary><table class="data" id="share-targets"><thead><tr>'
            "<th>Province</th><th>Year</th><th>Share</th><th>Subject</th><th>Clause</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></details>")


def _themes_section(rules: ThemeRules) -> str:
    items = []
    for t in rules.themes:
        words = ", ".join(t.any)
        extra = "".join([f"; and one of: {', '.join(g)}" for g in t.all])
        none = f"; none of: {', '.join(t.none)}" if t.none else ""
        src = "money amounts (the line and the paragraph before it)" if t.source == "amounts" else \
            "targets (" + ", ".join(t.fields) + ")"
        items.append(f"<dt>{esc(t.label)} <span class=\"note\">{esc(t.label_vi)}</span></dt>"
                     f"<dd>{esc(t.description)}<div class=\"note\">Counts {esc(src)} with one of: {esc(words)}"
                     f"{esc(extra)}{esc(none)}.</div></dd>")
    return "<dl class=\"themes\">" + "".join(items) + "</dl>"


CSS = """
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", "Segoe UI", Arial, sans-serif; color: #111827; margin: 0;
  font-size: 14px; line-height: 1.45; background: #fff; }
header { padding: 12px 20px 10px; background: #f9fafb; border-bottom: 1px solid #d1d5db; }
h1 { font-size: 19px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 22px 0 8px; }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 14px; margin: 12px 0 4px; }
main { padding: 0 20px 40px; max-width: 1400px; }
.meta, .note { color: #4b5563; }
.note { font-size: 12px; font-weight: normal; }
.empty { color: #4b5563; font-style: italic; }
table.data { border-collapse: collapse; width: 100%; font-size: 13px; }
table.data th, table.data td { border: 1px solid #d1d5db; padding: 4px 6px; text-align: left; vertical-align: top; }
table.data thead th { background: #e5e7eb; position: sticky; top: 0; }
table.data tbody th { font-weight: 600; background: #f9fafb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.plan, ul.plain b { white-space: nowrap; }
td.theme { background: #eff6ff; font-weight: 600; }
td.theme.zero { background: none; color: #9ca3af; font-weight: normal; }
a { color: #1d4ed8; }
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.targets { margin: 4px 0 8px; padding-left: 20px; }
ul.targets li { margin: 3px 0; }
.q { font-weight: 700; white-space: nowrap; }
.clause { color: #374151; font-size: 12.5px; }
figure { margin: 8px 0; }
figure svg { display: block; }
figcaption { color: #4b5563; font-size: 12.5px; max-width: 60em; }
section.province { border-top: 2px solid #e5e7eb; padding-top: 12px; margin-top: 18px; }
table.plans { margin-bottom: 6px; }
dl.themes dt { font-weight: 600; margin-top: 8px; }
dl.themes dd { margin-left: 16px; }
:target { scroll-margin-top: 12px; }
section.province:target h3, h4:target { background: #fef3c7; }
"""


def render_report(docs: list[DocInfo], *, merged: bool = False, db: str = "", rules: Optional[ThemeRules] = None) -> str:
    rules = rules or load_themes()
    provinces = group_provinces(docs, merged=merged)
    n_ind = sum(len(d.indicators) for d in docs)
    real = [p for p in provinces if p.name != NATIONAL]
    years = " and ".join(map(str, rules.share.years))
    chart = share_chart_svg(provinces, rules)
    generated = _dt.date.today().isoformat()
    summary = json.dumps({"documents": len(docs), "provinces": len(real), "indicators": n_ind}, ensure_ascii=False)
    body = [
        "<h2>Provinces compared</h2>",
        '<p class="note">Targets count distinct targets: a target repeated in a document or in documents about the same plan '
        "(same number, unit, year, phase and subject) counts once. A target can belong to more than one theme; "
        "themes are defined in rules/themes.yml (below). Budget: the largest money figure stated as a budget "
        "(usually the plan's total); the province section lists them all.</p>",
        _comparison_table(provinces, rules, merged),
        f"<h2>Share-of-enterprises targets for {esc(years)}</h2>",
        f'<figure id="enterprise-share" data-generator="matplotlib">{chart}'
        f"<figcaption>{esc(rules.share.label)}. Each mark is one target stated as a percentage of enterprises "
        f"(doanh nghiệp, hợp tác xã, cơ sở sản xuất); a line is a range such as 45–47%; ≥ means “at least”. "
        f"Year: the target year the clause states, else the last year of the phase it belongs to. "
        f"Per-year and relative targets (yearly increases) are left out.</figcaption></figure>",
        _share_table(provinces),
        "<h2>By province</h2>",
        "".join(_province_section(p, rules, merged) for p in provinces),
        "<h2>Themes</h2>",
        _themes_section(rules),
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nscl-extract report">
<title>NSCL targets by province — nscl-extract report</title>
<style>{CSS}</style>
</head>
<body data-summary="{esc(summary)}">
<header>
<h1>NSCL plans and targets by province</h1>
<p class="meta">{len(docs)} documents · {len(real)} provinces{' (after the 2025 merger)' if merged else ''} ·
{n_ind} indicators · store {esc(db)} · made {esc(generated)}</p>
</header>
<main lang="vi">
{"".join(body)}
</main>
</body>
</html>
"""


# ---------------------------------------------------------------- CLI


@click.command("report")
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="SQLite store. Default: $NSCL_EXTRACT_DB, else $XDG_DATA_HOME/nscl-extract/nscl.db "
                   "(~/.local/share/nscl-extract/nscl.db).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the page here (default: stdout).")
@click.option("--merged", is_flag=True, help="Group by province after the July 2025 merger instead of the name the documents give.")
def report_command(db, output, merged):
    """Write one self-contained HTML page comparing provinces from the ingest store.

    Per province: documents, plans and their periods, targets by theme (rules/themes.yml),
    budget figures, and a chart of share-of-enterprises targets for 2025 and 2030.
    Fill the store with 'nscl-extract ingest' first.
    """
    from .store import StoreError, connect, default_db_path, snapshot

    path = Path(db) if db else default_db_path()
    conn = connect(path, create=False)  # read-only
    try:
        with snapshot(conn):  # one state of the store, even while an ingest commits
            docs = read_store(conn)
    except sqlite3.Error as e:
        raise StoreError(f"{path}: {e}") from None
    finally:
        conn.close()
    page = render_report(docs, merged=merged, db=str(path))
    if output:
        Path(output).write_text(page, encoding="utf-8")
        click.echo(f"wrote {output} ({len(docs)} documents)", err=True)
    else:
        click.echo(page, nl=False)
