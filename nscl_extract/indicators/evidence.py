"""Named evidence for one number: what the indicator model (decide.py) weighs to say target,
result or no indicator. Every feature is a name a reader can check against the text:

  rule:...        what the hand rules say (scope chain kind, the exclusion that fires)
  <cue>@<place>   a cue list of rules/indicators.yml found at a place: `before` (the words the
                  number owns before it), `after` (the words it owns after it), `clause`,
                  `sentence`, `heading`, `leadin`, `paragraph` (its opening)
  year@...        a year written there, against the published year (past / this / future)
  doc:...         the document: genre, the kind its cues lean to, its plan phase
  table:...       a table cell and its column header
  unit:...        percentage or count, and a count of plan parts
  w-1=, w-2=      the syllables right before the number (lower case, new-style tone marks)

Features are binary (present: 1.0). Computing them reads only the number's clause, sentence
and the openings of the scopes it sits in, so the stage stays linear in the document."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from ..mentions.tables import TableValue
from ..schema import Quantity
from .clause import YEAR_EXPR, ClauseFacts, SentenceFacts
from .cues import cues
from .document import DocumentScope
from .scopes import Level, Scope

# The cue lists that are evidence, and where each is looked for.
_CUE_GROUPS = ("target_cues", "result_cues", "background_cues", "funding_share", "aspect_past", "aspect_ongoing",
               "aspect_future", "aspect_recognised", "aspect_survey", "aspect_total", "aspect_assign", "aspect_reach",
               "aspect_against_plan")
_HEADING_GROUPS = ("heading_target", "heading_result", "target_cues", "result_cues")
_PLACES = ("before", "after", "clause", "sentence")
_SYLLABLE = regex.compile(r"[^\W\d_]+", regex.U)
_OPENING = 80  # characters of a paragraph that are its opening


@dataclass
class Evidence:
    """What the reader knows of one number when it decides."""

    ds: DocumentScope
    q: Quantity
    clause: ClauseFacts
    sentence: SentenceFacts
    chain: list[Scope]  # CLAUSE, SENTENCE, PARAGRAPH, LEADIN, HEADING
    cell: TableValue | None
    own_start: int
    own_end: int
    rule_kind: str  # the kind the scope chain resolves to
    kind_level: Level | None  # the level that set it
    excluded: str | None  # the exclusion rule that fires (exclusions.py), if one does
    decision: object = None  # the Decision made on this evidence (decide.py), once made


@lru_cache(maxsize=1)
def _groups() -> dict[str, regex.Pattern]:
    rx = cues().rx
    return {g: rx[g] for g in dict.fromkeys(_CUE_GROUPS + _HEADING_GROUPS)}


def features(ev: Evidence) -> dict[str, float]:
    text, q, ds = ev.ds.text, ev.q, ev.ds
    f: dict[str, float] = {"bias": 1.0}

    def on(name: str) -> None:
        f[name] = 1.0

    on(f"rule:kind={ev.rule_kind}")
    on(f"rule:excluded={ev.excluded}" if ev.excluded else "rule:kept")
    on(f"rule:kind_from={ev.kind_level.name.lower() if ev.kind_level is not None else 'none'}")
    groups = _groups()
    places = {"before": (ev.own_start, q.start), "after": (q.end, ev.own_end),
              "clause": (ev.clause.start, ev.clause.end), "sentence": (ev.sentence.start, ev.sentence.end)}
    for place in _PLACES:
        a, b = places[place]
        if b > a:
            f.update(_stretch(ds, place, a, b, _CUE_GROUPS))
    _, sentence_scope, paragraph, leadin, heading = ev.chain
    for name, scope in (("heading", heading), ("leadin", leadin)):
        if scope.span is not None:
            f.update(_stretch(ds, name, *scope.span, _HEADING_GROUPS))
        if scope.sets.kind:
            on(f"{name}:kind={scope.sets.kind}")
        if scope.sets.period:
            on(f"{name}:period")
        if scope.sets.target_year:
            on(f"{name}:year")
    if paragraph.span is not None:
        f.update(_stretch(ds, "paragraph", *paragraph.span, _HEADING_GROUPS))
    if paragraph.sets.background:
        on("paragraph:background")
    if paragraph.sets.kind:
        on(f"paragraph:kind={paragraph.sets.kind}")
    if sentence_scope.sets.kind:
        on(f"sentence:kind={sentence_scope.sets.kind}")
    _years(f, ds, places)
    f.update(_document(ds))
    on(f"doc:default={ds.default_kind}")
    on(f"doc:genre={ds.doc.genre or 'unknown'}")
    if ds.phase:
        on("doc:phase")
    if ds.report is not None:
        on("doc:report_lead")
    if ds.in_headline(q.start):
        on("headline")
    elif q.start < ds.lead_end:
        on("lead")
    if ev.cell is not None:
        on("table:cell")
        if ev.cell.header:
            head = ev.cell.header.lower()
            for g in ("heading_target", "heading_result", "target_cues", "result_cues"):
                if groups[g].search(head):
                    on(f"{g}@column")
    on("unit:%" if q.unit == "%" else "unit:count")
    if q.comparator != "eq":
        on(f"comparator:{q.comparator}")
    syl = _SYLLABLE.findall(text, max(ev.own_start, q.start - 40), q.start)
    if syl:
        on(f"w-1={syl[-1].lower()}")
        if len(syl) > 1:
            on(f"w-2={syl[-2].lower()}")
    else:
        on("w-1=<start>")
    return f


def _stretch(ds: DocumentScope, place: str, a: int, b: int, names: tuple[str, ...]) -> dict[str, float]:
    """The cue groups found in text[a:b], named for `place`; a stretch shared by several numbers
    (their clause, sentence, heading) is scanned once."""
    key = (place, a, b)
    found = ds.memo.get(key)
    if found is None:
        groups = _groups()
        found = ds.memo[key] = {f"{g}@{place}": 1.0 for g in names if groups[g].search(ds.text, a, b)}
    return found


def _years(f: dict[str, float], ds: DocumentScope, places: dict[str, tuple[int, int]]) -> None:
    """Years written before/after the number and in its clause, against the published year and
    the plan's phase (a year before the phase starts is the past the plan starts from)."""
    for place in ("before", "after", "clause"):
        key = ("years", place, *places[place])
        if key not in ds.memo:
            ds.memo[key] = _years_in(ds, place, *places[place])
        f.update(ds.memo[key])


def _years_in(ds: DocumentScope, place: str, a: int, b: int) -> dict[str, float]:
    f: dict[str, float] = {}
    published = reference_year(ds)
    for m in YEAR_EXPR.finditer(ds.text, a, b):
        y = int(m.group("y"))
        rel = "nopub" if published is None else "past" if y < published else "this" if y == published else "future"
        how = m.group("how").lower().split()[0]
        f[f"year@{place}={rel}"] = 1.0
        f[f"year@{place}:{how}"] = 1.0
        if ds.phase:
            f[f"year@{place}={'before_phase' if y < ds.phase[0] else 'in_phase' if y <= ds.phase[1] else 'after_phase'}"] = 1.0
    return f


def reference_year(ds: DocumentScope) -> int | None:
    """The year the page speaks from: its published year, else the latest year of a dated
    sentence in it (a news page without a byline still dates what it reports)."""
    if ds.doc.published:
        return int(ds.doc.published[:4])
    if "reference_year" not in ds.memo:
        ds.memo["reference_year"] = max((int(d.value[:4]) for d in ds.doc.dates), default=None)
    return ds.memo["reference_year"]


def _document(ds: DocumentScope) -> dict[str, float]:
    """What the title says, and when the page was published against the plan's phase (once per document)."""
    if "document" in ds.memo:
        return ds.memo["document"]
    f = ds.memo["document"] = {}
    groups = _groups()
    title = ds.doc.title
    ref = reference_year(ds)
    if title:
        low = title.lower()
        for g in ("target_cues", "result_cues", "aspect_recognised", "aspect_past", "aspect_future", "heading_result",
                  "heading_target"):
            if groups[g].search(low):
                f[f"{g}@title"] = 1.0
        for m in YEAR_EXPR.finditer(low):
            y = int(m.group("y"))
            if ref is not None:
                f["title:year=" + ("past" if y < ref else "this" if y == ref else "future")] = 1.0
    f[f"doc:result_share={min(4, int(ds.result_share * 5))}"] = 1.0
    published = int(ds.doc.published[:4]) if ds.doc.published else None
    if published is None:
        f["doc:published=none"] = 1.0
    elif ds.phase:
        f["doc:published=" + ("before_phase" if published < ds.phase[0] else "in_phase" if published <= ds.phase[1]
                              else "after_phase")] = 1.0
    return f


BINDING_SOURCES = ("clause", "sentence", "paragraph", "leadin", "heading", "document")


def binding_features(ev: Evidence, attr: str, options: dict[str, object], rule: str | None, kind: str,
                     per_year: bool, year=None) -> dict[str, float]:
    """Evidence for which level's target_year / period binds: the levels that set one, the one
    the INHERITS table picks, whether they agree, the number's kind and rate, how the year
    relates to each period, and where the number stands (headline, table, genre)."""
    ds, q = ev.ds, ev.q
    f: dict[str, float] = {"bias": 1.0, f"kind={kind}": 1.0, f"rule={rule or 'none'}": 1.0,
                           f"doc:genre={ds.doc.genre or 'unknown'}": 1.0}
    rule_value = options.get(rule) if rule else None
    spans = {scope.level.name.lower(): scope.span for scope in ev.chain if scope.span is not None}
    target_cues = _groups()["target_cues"]
    for src, value in options.items():
        f[f"has:{src}"] = 1.0
        if src in spans and target_cues.search(ds.text, *spans[src]):
            f[f"target_cue_in:{src}"] = 1.0
        if rule_value is not None and value == rule_value:
            f[f"same_as_rule:{src}"] = 1.0
        if attr == "period" and year is not None:
            y = year.value
            f[f"year_{'in' if value[0] <= y <= value[1] else 'after' if y > value[1] else 'before'}:{src}"] = 1.0
            f[f"year_is_end:{src}"] = float(y == value[1])
        if attr == "target_year" and ds.phase:
            y = value.value
            f[f"{src}:{'in_phase' if ds.phase[0] <= y <= ds.phase[1] else 'outside_phase'}"] = 1.0
            f[f"{src}:annual={value.annual}"] = 1.0
    if attr == "period" and ds.phase is not None:
        f["doc:phase"] = 1.0
    if per_year:
        f["per_year"] = 1.0
    if ds.in_headline(q.start):
        f["headline"] = 1.0
    if ev.cell is not None:
        f["table:cell"] = 1.0
    if year is not None:
        f["has_year"] = 1.0
    f["unit:%" if q.unit == "%" else "unit:count"] = 1.0
    return f
