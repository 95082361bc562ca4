"""The DOCUMENT level (scopes.py): what a whole page sets for the numbers nothing nearer
governs: the plan's own phase (targets), the period a report covers (results), the kind by
counting cues, and the headline's span (a headline takes only what it states)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import regex

from ..schema import Document, Period
from .cues import cues
from .index import ByStart, Marks
from .scopes import Level, Scope, Sets, Year

_PLAN_OWN_PHASE = regex.compile(r"kế\s+hoạch\s*(?:giai\s+đoạn\s*)?$", regex.I)
_PLAN_ANY = regex.compile(r"kế\s+hoạch|đề\s+án|chương\s+trình", regex.I)
_CITED = regex.compile(r"(?:căn\s+cứ|thực\s+hiện|theo|nhằm|cụ\s+thể\s+hóa)\b[^.\n]{0,200}$", regex.I)
_PROGRAMME = regex.compile(r"chương\s+trình|quyết\s+định|đề\s+án|nghị\s+quyết", regex.I)
_REPORT_YEAR = regex.compile(r"(?<!đến\s|tới\s|hết\s|so\s+với\s)năm\s+((?:19|20)\d{2})(?!\s*[-–])", regex.I)
_PARAGRAPH = regex.compile(r"[^\n]+")
_ANNUAL_PLAN = regex.compile(r"(?<!đến\s|tới\s|hết\s)năm\s+(?:19|20)\d{2}(?!\s*[-–])", regex.I)
_TERM = regex.compile(r"nhiệm\s+kỳ\s*(?:khóa\s+\w+\s*,?\s*)?$", regex.I)  # a term of office is no plan phase
_LOOK_BACK = 400  # how far back a sentence start is looked for (the cue patterns need far less)


@dataclass(frozen=True)
class DocumentScope:
    doc: Document
    text: str  # new-style tone marks, same length as doc.text
    phase: tuple[int, int] | None  # the plan's own phase
    report: tuple[int, int] | Year | None  # what the document's lead says a report covers
    headline: tuple[int, int] | None
    default_kind: str
    result_share: float  # result cues / all kind cues of the body (0.5 with none)
    periods: ByStart
    standards: ByStart
    not_a_year: Marks  # inside a period, date or citation: no target year there
    lead_end: int  # where the first body paragraph (a news page's lead) ends
    # evidence already computed for a stretch (evidence.py): a clause or sentence is read once,
    # however many numbers it holds
    memo: dict = field(default_factory=dict, compare=False)

    @classmethod
    def read(cls, doc: Document, text: str) -> "DocumentScope":
        headline = _headline_span(doc)
        blocked = [(m.start, m.end) for m in [*doc.periods, *doc.dates, *doc.citations]]
        kind, share = _default_kind(text, _published_year(doc))
        return cls(doc, text, _plan_phase(text, doc.periods, headline), _report_period(text, doc.periods, headline, doc),
                   headline, kind, share, ByStart(doc.periods), ByStart(doc.standards), Marks(len(text), blocked),
                   _lead_end(text, headline))

    def in_headline(self, pos: int) -> bool:
        return self.headline is not None and self.headline[0] <= pos < self.headline[1]

    def scope_for(self, kind: str, year: Year | None, year_stated: bool) -> Scope:
        """What the document sets for one number: its kind by cue count, and the phase: for a
        result the period the report covers (or the plan's phase when the report names none and
        the number no year); for a target the plan's phase unless its year lies after it or is
        a one-year target."""
        period = None
        if kind == "result":
            if isinstance(self.report, tuple):
                period = self.report
            elif self.report is None and self.phase and not year_stated:
                period = self.phase
        elif self.phase and (year is None or (not year.annual and year.value <= self.phase[1])):
            period = self.phase
        return Scope(Level.DOCUMENT, Sets(kind=self.default_kind, period=period))


def reads_as_report(doc: Document) -> bool:
    """Whether the body has more result cues than target cues (the document default below)."""
    from ..rules import new_style

    return _default_kind(new_style(doc.text or ""), _published_year(doc))[0] == "result"


def _published_year(doc: Document) -> int | None:
    return int(doc.published[:4]) if doc.published else None


@lru_cache(maxsize=2)  # the genre (pipeline) and the document scope count the same text
def _default_kind(text: str, published: int | None) -> tuple[str, float]:
    """One scan counts both kinds of cue in the whole text: a report has more result cues. A
    target cue ending in a past year ("tính đến năm 2017") counts for neither. Also the share
    of result cues."""
    from .clause import past_year_cue

    results = targets = 0
    for m in cues().rx["kind_cues"].finditer(text):
        if m.group("t") is not None:
            targets += not past_year_cue(text, m, published)
        else:
            results += 1
    return ("result" if results > targets else "target"), (results / (results + targets) if results + targets else 0.5)


def _plan_phase(text: str, periods: list[Period], headline) -> tuple[int, int] | None:
    """The plan's own phase, as the body names it (see rules/indicators.yml): the period written
    with the first plan the body names ("Kế hoạch số 58/KH-UBND ... giai đoạn 2026-2030"); none
    for a one-year plan; else a period written right after "Kế hoạch"; else the first period in
    a sentence that names a plan or programme. None when the headline names one year and no
    phase: the page is that year's."""
    cue = cues()
    periods = [p for p in periods if not _TERM.search(text, max(0, p.start - 12), p.start)]
    body = [p for p in periods if not (headline and headline[0] <= p.start < headline[1])]
    headline_phase = len(body) < len(periods)
    if headline and not headline_phase and _ANNUAL_PLAN.search(text, headline[0], headline[1]):
        return None  # a one-year headline ("... chỉ tiêu chủ yếu năm 2025"): a phase the body names is another plan's
    start = headline[1] if headline else 0
    first = next((m for m in _PLAN_ANY.finditer(text, start)
                  if not _CITED.search(text, _sentence_start(text, m.start()), m.start())), None)
    if first:
        end = _sentence_end(text, first.start())
        if not text[first.end():end].strip():  # "KẾ HOẠCH" alone on its line: its name follows
            end = _sentence_end(text, end + 2)
        period = next((p for p in body if first.end() <= p.start < end), None)
        annual = _ANNUAL_PLAN.search(text, first.end(), end)
        if annual and (period is None or annual.start() < period.start):
            return None
        if period is not None and not _PROGRAMME.search(text, first.end(), period.start):
            return (period.from_, period.to)
    for p in body:
        if _PLAN_OWN_PHASE.search(text, max(0, p.start - 30), p.start):
            return (p.from_, p.to)
    for p in body:
        if cue.rx["plan_words"].search(text, _sentence_start(text, p.start), p.start):
            return (p.from_, p.to)
    # the page is the plan: its phase stands in the headline ("Kế hoạch phát triển ... giai đoạn 2021-2025")
    for p in periods:
        if headline and headline[0] <= p.start < headline[1] and \
                cue.rx["plan_words"].search(text, headline[0], p.start):
            return (p.from_, p.to)
    return None


def _report_period(text: str, periods: list[Period], headline, doc: Document) -> tuple[int, int] | Year | None:
    """What a report of results covers, as its headline or first paragraph says: a period
    ("Giai đoạn 2021 - 2024, ... đã hỗ trợ"), or one year ("Năm 2023, Sở đã ...")."""
    lead_end = _lead_end(text, headline)
    published = int(doc.published[:4]) if doc.published else None
    stated = [p for p in periods if p.start < lead_end and p.to <= (published or p.to)]
    if stated:
        return (stated[0].from_, stated[0].to)
    m = _REPORT_YEAR.search(text, headline[0] if headline else 0, lead_end)
    return Year(int(m.group(1)), annual=True) if m else None


def _lead_end(text: str, headline) -> int:
    """The end of the first body paragraph after the headline (and its byline)."""
    pos = headline[1] if headline else 0
    for m in _PARAGRAPH.finditer(text, pos):
        if len(m.group().strip()) > 120:
            return m.end()
    return pos


def _sentence_start(text: str, pos: int) -> int:
    """Where the sentence holding pos starts, looking back at most _LOOK_BACK characters."""
    lo = max(0, pos - _LOOK_BACK)
    found = max(text.rfind("\n\n", lo, pos), text.rfind(". ", lo, pos))
    return found + 1 if found >= 0 else lo


def _sentence_end(text: str, pos: int) -> int:
    ends = [i for i in (text.find("\n\n", pos), text.find(". ", pos)) if i >= 0]
    return min(ends) if ends else len(text)


def _headline_span(doc: Document) -> tuple[int, int] | None:
    text = doc.text or ""
    if not doc.title:
        return None
    i = text.find(doc.title)
    if i < 0 or text.count("\n", 0, i) > 12:
        return None
    return (i, i + len(doc.title))
