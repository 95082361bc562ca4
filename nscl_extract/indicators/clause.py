"""The CLAUSE and SENTENCE levels (scopes.py): what a number's own words state. Each clause
and sentence is read once (ClauseFacts, SentenceFacts); a number then looks up its year,
period and kind cues with a binary search, so a clause with many numbers costs no more than
its length."""
from __future__ import annotations

import bisect

import regex

from ..schema import Quantity
from .cues import cues
from .document import DocumentScope
from .scopes import Year

YEAR_EXPR = regex.compile(
    r"(?<!\w)(?P<how>(?:đến|tới)\s+(?:(?:hết|cuối)\s+)?(?:năm\s+)?|vào\s+năm\s+|trong\s+năm\s+|năm\s+)(?P<y>(?:19|20)\d{2})(?!\d)",
    regex.I)
_NOT_TARGET_YEAR = regex.compile(r"(?:so\s+với|từ|trước|sau|của|cuối|đầu)\s*$", regex.I)
_BASELINE_PERIOD = regex.compile(r"so\s+với\s*(?:giai\s+đoạn\s*)?$", regex.I)
_YEAR_AFTER = regex.compile(r"\s*((?:19|20)\d{2})(?!\d)")
_AS_OF = regex.compile(r"(?<!\w)tính\s*$", regex.I)
_LEAD_REACH = 40  # characters before a period where a lead word makes it the sentence's
_BOUND_AFTER = regex.compile(r"\s*(?:/\s*năm\s*)?(?:(?:trong\s+)?giai\s+đoạn|thời\s+kỳ)?\s*", regex.I)


def published_year(ds: DocumentScope) -> int | None:
    return int(ds.doc.published[:4]) if ds.doc.published else None


def past_year_cue(text: str, m, published: int | None) -> bool:
    """A target cue that is an as-of date ("Tính đến năm 2017", "tính đến hết năm 2023") or ends
    in a year already past ("vào năm 2019" in a 2022 report): no target."""
    if _AS_OF.search(text, max(0, m.start() - 6), m.start()):
        return True
    y = _YEAR_AFTER.match(text, m.end())
    return bool(y and published and int(y.group(1)) < published)


def target_cue(ds: DocumentScope, a: int, b: int) -> bool:
    """Whether text[a:b] has a target cue (rules/indicators.yml target_cues), past years aside."""
    published = published_year(ds)
    return any(not past_year_cue(ds.text, m, published) for m in cues().rx["target_cues"].finditer(ds.text, a, b))


def years_in(ds: DocumentScope, a: int, b: int) -> tuple[list[tuple[int, Year]], bool]:
    """Target years stated in text[a:b] as (position, Year), skipping years inside a period,
    date or citation and baselines ("so với năm 2020", "từ năm ..."); and whether some year
    there is not before the published year (what makes a cue-less clause a target)."""
    text, found, future = ds.text, [], False
    published = published_year(ds)
    for m in YEAR_EXPR.finditer(text, a, b):
        if _NOT_TARGET_YEAR.search(text, max(a, m.start() - 12), m.start()):
            continue
        y = int(m.group("y"))
        future = future or (published is not None and y >= published)
        if ds.not_a_year.covered(m.start("y")):
            continue
        how = m.group("how").lower().split()[0]
        found.append((m.start(), Year(y, annual=how in ("năm", "trong"))))
    return found, future


def last_year(ds: DocumentScope, a: int, b: int) -> Year | None:
    found, _ = years_in(ds, a, b)
    return found[-1][1] if found else None


class ClauseFacts:
    """One clause, read once."""

    def __init__(self, ds: DocumentScope, cs: int, ce: int):
        cue = cues()
        text = ds.text
        self.ds, self.start, self.end = ds, cs, ce
        self.years, self.future_year = years_in(ds, cs, ce)
        self.year_starts = [s for s, _ in self.years]
        published = published_year(ds)
        self.cue_marks = [(m.start(), "target" if m.group("t") is not None else "result")
                          for m in cue.rx["kind_cues"].finditer(text, cs, ce)
                          if m.group("t") is None or not past_year_cue(text, m, published)]
        self.cue_starts = [s for s, _ in self.cue_marks]
        self.target_cue = any(k == "target" for _, k in self.cue_marks)
        self.result_cue = any(k == "result" for _, k in self.cue_marks)
        self.per_year = bool(cue.rx["per_year"].search(text, cs, ce))
        growth = cue.rx["growth_subjects"].search(text, cs, ce)
        self.growth_end = growth.end() if growth else None
        share = cue.rx["funding_share"].search(text, cs, ce)
        self.funding_share_end = share.end() if share else None

    @property
    def last_year(self) -> Year | None:
        return self.years[-1][1] if self.years else None

    def kind(self, q: Quantity | None = None) -> str | None:
        """Cues in the clause: the nearest one before q when cues of both kinds are there ("đã
        phê duyệt 6 nhiệm vụ ..., kinh phí dự kiến ..."), else target first; then a year not
        yet past."""
        if self.target_cue and self.result_cue and q is not None:
            i = bisect.bisect_left(self.cue_starts, q.start)
            if i > 0:
                return self.cue_marks[i - 1][1]
        if self.target_cue:
            return "target"
        if self.result_cue:
            return "result"
        return "target" if self.future_year else None

    def year_for(self, q: Quantity, own_end: int) -> Year | None:
        """One written right after q in its own text ("01 hội nghị vào năm 2030", "lên 21% năm
        2024"), else the nearest before q, else the first after it."""
        if not self.years:
            return None
        text = self.ds.text
        i = bisect.bisect_left(self.year_starts, q.end)
        if i < len(self.years) and self.year_starts[i] < own_end and "," not in text[q.end:self.year_starts[i]]:
            return self.years[i][1]
        j = bisect.bisect_left(self.year_starts, q.start)
        return self.years[j - 1][1] if j > 0 else self.years[0][1]


class SentenceFacts:
    """One sentence, read once: its target cues and the periods a number in it may own."""

    def __init__(self, ds: DocumentScope, ss: int, se: int, first_number: int):
        text = ds.text
        self.ds, self.start, self.end = ds, ss, se
        published = published_year(ds)
        self.cue_marks = [(m.start(), "target" if m.group("t") is not None else "result")
                          for m in cues().rx["kind_cues"].finditer(text, ss, se)
                          if m.group("t") is None or not past_year_cue(text, m, published)]
        self.cue_starts = [s for s, _ in self.cue_marks]
        self.target_cue = any(k == "target" for _, k in self.cue_marks)
        self.periods = [p for p in ds.periods.within(ss, se)
                        if not _BASELINE_PERIOD.search(text, max(ss, p.start - 20), p.start)]
        self.period_starts = [p.start for p in self.periods]
        lead = cues().rx["sentence_lead_words"]
        # "Tỉnh phấn đấu giai đoạn 2021 - 2025 GRDP tăng 11%; ...": a period after a lead word,
        # before the sentence's first number, governs the whole sentence
        self.lead_period = next(((p.from_, p.to) for p in self.periods if p.start < first_number
                                 and lead.search(text, max(ss, p.start - _LEAD_REACH), p.start)), None)

    def kind_before(self, q: Quantity) -> str | None:
        """The kind of the nearest cue before q in the sentence, if cues of both kinds are in it."""
        if not self.target_cue or all(k == "target" for _, k in self.cue_marks):
            return None
        i = bisect.bisect_left(self.cue_starts, q.start)
        return self.cue_marks[i - 1][1] if i > 0 else None

    def period_for(self, q: Quantity, clause: ClauseFacts, own_end: int) -> tuple[int, int] | None:
        """A period written right after q ("7%/năm giai đoạn 2026 - 2030"), else the last one
        before q in its clause, else the first after q in its clause; never a baseline ("so với
        giai đoạn"). A period in another clause does not reach q: only a sentence opening, a
        lead-in or a heading governs what follows it (headings.py)."""
        text = self.ds.text
        after = self.ds.periods.first_within(q.end, own_end)
        if after is not None and _BOUND_AFTER.fullmatch(text, q.end, after.start):
            return (after.from_, after.to)
        i = bisect.bisect_left(self.period_starts, q.start)
        if i > 0 and self.periods[i - 1].start >= clause.start:
            p = self.periods[i - 1]
            return (p.from_, p.to)
        if i < len(self.periods) and clause.start <= self.periods[i].start < clause.end:
            p = self.periods[i]
            return (p.from_, p.to)
        return None
