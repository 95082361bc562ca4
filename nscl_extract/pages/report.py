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
import io
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import click
import regex
from markupsafe import Markup, escape

from . import DEFAULT_LANG, Messages
from ..text.provinces import fold_vi

COMPARATOR_SIGNS = {"eq": "", "gte": "≥", "gt": ">", "lte": "≤", "lt": "<", "approx": "≈"}
NATIONAL = "National / no province"


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
    description_vi: str
    fields: list[str]
    any_in: list[str]               # the fields searched for `any` (default: `fields`)
    any: list[str]
    all: list[list[str]]
    none: list[str]
    examples: dict

    def __post_init__(self):
        self._any = _words_re(self.any)
        self._all = [_words_re(g) for g in self.all]
        self._none = _words_re(self.none)

    def matches(self, parts: dict[str, str]) -> bool:
        """Do these fields (text, subject, unit, standards) belong to the theme?

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
    label_vi: str = ""
    min_provinces: int = 2          # the chart is drawn only with points of at least this many provinces

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
        return [th.id for th in self.themes if th.matches(parts)]


def themes_file() -> Path:
    from ..rules import rules_dir

    return rules_dir() / "themes.yml"


@lru_cache(maxsize=4)
def load_themes(path: Optional[str] = None) -> ThemeRules:
    import yaml

    from ..rules import _nfc

    with open(path or themes_file(), encoding="utf-8") as f:
        data = _nfc(yaml.safe_load(f) or {})
    themes = []
    for t in data.get("themes") or []:
        themes.append(Theme(id=str(t["id"]), label=t.get("label", t["id"]), label_vi=t.get("label_vi", ""),
                            description=t.get("description", ""), description_vi=t.get("description_vi", ""),
                            fields=list(t.get("fields") or ["text", "subject", "unit"]), any_in=list(t.get("any_in") or []),
                            any=[str(w) for w in t.get("any") or []], all=[[str(w) for w in g] for g in t.get("all") or []],
                            none=[str(w) for w in t.get("none") or []],
                            examples=t.get("examples") or {}))
    s = data.get("enterprise_share") or {}
    share = ShareRule(label=s.get("label", "Share of enterprises (%)"), years=[int(y) for y in s.get("years", [2025, 2030])],
                      subject=[str(w) for w in s.get("subject") or []], examples=s.get("examples") or {},
                      label_vi=s.get("label_vi", ""), min_provinces=int(s.get("chart_min_provinces", 2)))
    return ThemeRules(themes=themes, share=share)


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


def _target_key(plan_or_doc: str, r: dict) -> tuple:
    from ..scoring.score import syllables, unit_key

    return (plan_or_doc, r["value"], r["value_max"], unit_key(r["unit"]), r["comparator"], r["target_year"],
            r["period_from"], r["period_to"], tuple(syllables(r["subject"])))


def read_store(conn: sqlite3.Connection) -> list[DocInfo]:
    from ..store import document_periods, query_indicators

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
        d.periods = document_periods(rows, d.title)
        d.horizon = _horizon(texts[doc_id], d.periods[0])
    # Budgets: the amounts whose role is "budget" (nscl_extract/mentions/amount_roles.py), never GRDP,
    # revenue or investment figures; documents stored before amounts had a role show none.
    for r in conn.execute('SELECT doc, start, "end", text, fields FROM mentions WHERE type = \'amount\''
                          " AND json_extract(fields, '$.role') = 'budget' ORDER BY doc, start"):
        doc_id = rowid_to_doc[r["doc"]]
        f = json.loads(r["fields"])
        before, after = _around(texts[doc_id], r["start"], r["end"])
        docs[doc_id].budgets.append(Budget(doc_id, float(f["value"]), f.get("value_max"), f.get("currency") or "VND",
                                           r["text"], before, after))
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
                                           themes={t.id: [] for t in rules.themes})
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
    from ..text.numbers import parse_number

    digits = re.match(r"[\d.,]+", s)
    try:
        return digits is not None and abs(parse_number(digits.group(0)) - v) < 1e-9
    except Exception:  # noqa: BLE001 - an odd number only loses the fallback
        return False


# ---------------------------------------------------------------- the chart (matplotlib, SVG)

YEAR_STYLE = {2025: ("#b45309", "o"), 2030: ("#1d4ed8", "s")}
OTHER_STYLES = [("#047857", "D"), ("#7e22ce", "^"), ("#be123c", "v")]


def chart_rows(provinces: list[ProvinceInfo]) -> list[ProvinceInfo]:
    return [p for p in provinces if p.shares and p.name != NATIONAL]


def share_chart_svg(provinces: list[ProvinceInfo], rules: ThemeRules, t: Messages | None = None) -> str:
    """The share-of-enterprises targets as a dot plot (one row per province), as inline SVG.

    Each point is a matplotlib artist with gid "share-<year>-<n>", so the SVG has a <g id=...>
    per point; a range (45-47%) is a line between its ends."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    t = t or Messages(DEFAULT_LANG)
    years = rules.share.years
    rows = chart_rows(provinces)
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
        ax.set_xlabel(t("chart_axis"))
        handles = [Line2D([], [], color=styles[y][0], marker=styles[y][1], linestyle="", markersize=7, label=str(y))
                   for y in years]
        ax.legend(handles=handles, title=t("chart_legend"), loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration and DOCTYPE: inline in HTML
    # scale with the page, keep the drawing's proportions
    svg = re.sub(r'<svg([^>]*?) width="([\d.]+)pt" height="([\d.]+)pt"',
                 lambda m: f'<svg{m.group(1)} style="width: 100%; max-width: {m.group(2)}pt; height: auto"'
                           f' role="img" aria-label="{escape(_share_label(rules.share, t))}"', svg, count=1)
    return svg


def _share_label(share: ShareRule, t: Messages) -> str:
    return share.label_vi if t.lang == "vi" and share.label_vi else share.label


def _fmt_num(v: Optional[float]) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:.10g}"


# ---------------------------------------------------------------- the page


def _money(b: Budget, t: Messages | None = None) -> str:
    t = t or Messages("en")

    def local(s: str) -> str:  # Vietnamese writes 1.234,5 where English writes 1,234.5
        return s.translate(str.maketrans(",.", ".,")) if t.lang == "vi" else s

    def one(v: float) -> str:
        if b.currency.upper() in ("VND", "VNĐ"):
            if v >= 1e9:
                return t("money_billion", n=local(f"{v / 1e9:,.2f}".rstrip("0").rstrip(".")))
            if v >= 1e6:
                return t("money_million", n=local(f"{v / 1e6:,.1f}".rstrip("0").rstrip(".")))
        return local(f"{v:,.0f}")

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


def _doc_period(d: DocInfo, t: Messages | None = None) -> str:
    t = t or Messages("en")
    s = _period(d.main_period)
    if d.horizon and (not d.main_period or d.horizon > d.main_period[1]):
        s += (", " if s else "") + t("vision", year=d.horizon)
    return s


def _other_names(p: ProvinceInfo) -> list[str]:
    """Names the documents give that differ from the group's (after the 2025 merger)."""
    return sorted(n for n in p.names if plain(n) != plain(p.name))


def _largest(budgets: list[Budget]) -> Optional[Budget]:
    vnd = [b for b in budgets if b.currency.upper() in ("VND", "VNĐ")]
    return max(vnd or budgets, key=lambda b: b.value_max or b.value) if budgets else None


def _clause(r: dict, width: int = 220) -> str:
    t = " ".join((r.get("text") or "").split())
    return t if len(t) <= width else t[: width - 1] + "…"


def _n_targets(d: DocInfo) -> int:
    return len({_target_key(d.doc_id, r) for r in d.indicators if r["kind"] == "target"})


def _unthemed(p: ProvinceInfo) -> list[dict]:
    themed = {id(r) for rows in p.themes.values() for r in rows}
    return [r for r in p.targets if id(r) not in themed]


def render_report(docs: list[DocInfo], *, merged: bool = False, db: str = "", rules: Optional[ThemeRules] = None,
                  lang: str = DEFAULT_LANG) -> str:
    """The page: templates/report.html (Jinja2, autoescaping on) with report.css, in `lang`. The
    share chart is drawn only when at least `min_provinces` provinces have a point (one point
    compares nothing); the targets are listed either way."""
    from . import render

    t = Messages(lang)
    rules = rules or load_themes()
    provinces = group_provinces(docs, merged=merged)
    n_ind = sum(len(d.indicators) for d in docs)
    real = [p for p in provinces if p.name != NATIONAL]
    share_rows = [(p, s) for p in real for s in sorted(p.shares, key=lambda s: (s["year"], s["value"]))]
    summary = json.dumps({"documents": len(docs), "provinces": len(real), "indicators": n_ind}, ensure_ascii=False)
    charted = chart_rows(provinces)
    chart = Markup(share_chart_svg(provinces, rules, t)) if len(charted) >= rules.share.min_provinces else None
    return render("report.html", lang=lang, generator="report", docs=docs, provinces=provinces, merged=merged, db=db,
                  themes=rules.themes, share=rules.share, share_label=_share_label(rules.share, t), chart=chart,
                  n_charted=len(charted), share_rows=share_rows,
                  n_provinces=len(real), n_indicators=n_ind, generated=_dt.date.today().isoformat(), summary=summary,
                  NATIONAL=NATIONAL, plain=plain, other_names=_other_names, money=lambda b: _money(b, t),
                  quantity=_quantity, period=_period, row_period=_row_period, doc_period=lambda d: _doc_period(d, t),
                  clause=_clause, largest=_largest, n_targets=_n_targets, unthemed=_unthemed,
                  by_id=lambda ds: {d.doc_id: d for d in ds})


# ---------------------------------------------------------------- CLI


@click.command("report")
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="SQLite store. Default: $NSCL_EXTRACT_DB, else $XDG_DATA_HOME/nscl-extract/nscl.db "
                   "(~/.local/share/nscl-extract/nscl.db).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help='Write the page here ("-" or none: stdout).')
@click.option("--merged", is_flag=True, help="Group by province after the July 2025 merger instead of the name the documents give.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=DEFAULT_LANG, show_default=True,
              help="The page's language: Vietnamese or English (clauses and names stay as the documents write them).")
def report_command(db, output, merged, lang):
    """Write one self-contained HTML page comparing provinces from the ingest store.

    Per province: documents, plans and their periods, targets by theme (rules/themes.yml),
    budget figures, and a chart of share-of-enterprises targets for 2025 and 2030.
    Fill the store with 'nscl-extract ingest' first.
    """
    from ..outputs.console import output as open_output
    from ..outputs.console import wrote
    from ..outputs.paths import check_output
    from ..store import StoreError, connect, default_db_path, snapshot

    path = Path(db) if db else default_db_path()
    check_output(output, db=path)
    conn = connect(path, create=False)  # read-only
    try:
        with snapshot(conn):  # one state of the store, even while an ingest commits
            docs = read_store(conn)
    except sqlite3.Error as e:
        raise StoreError(f"{path}: {e}") from None
    finally:
        conn.close()
    page = render_report(docs, merged=merged, db=str(path), lang=lang)
    with open_output(output) as out:
        out.write(page)
    wrote(output, f"{len(docs)} documents")
