"""Reading a document in order (paragraphs, sentences, clauses), keeping one Scope per level
(scopes.py) and resolving each number's attributes through INHERITS.

Linear in the document: quantities are walked with one pointer as the text is read, each
clause and sentence is read once, a number looks up what its clause says by binary search,
and an indicator's text is its clause (or table row), never more than MAX_TEXT characters
around the number."""
from __future__ import annotations

from dataclasses import dataclass, field

import regex

from ..mentions.tables import TableValue, table_values
from ..rules import new_style
from ..schema import Document, Indicator, Quantity
from ..text.sentences import blocks, clauses, sentences
from .clause import ClauseFacts, SentenceFacts
from .cues import cues
from .document import DocumentScope
from .exclusions import not_indicator
from .headings import heading, sentence_leadin
from .index import Marks
from .decide import bind, decide
from .evidence import Evidence
from .scopes import HEADLINE_INHERITS, INHERITS, PER_YEAR_INHERITS, Level, Scope, Sets, Year, resolve_from
from .subjects import subject_action

_TRONG_DO = regex.compile(r"\s*(?:-\s*)?trong\s+đó\b", regex.I)
_DIGIT = regex.compile(r"\d")
_NEW_STATEMENT = regex.compile(r"\s*(?:[-+•*]\s*)?(?:bên\s+cạnh\s+đó|ngoài\s+ra|đồng\s+thời|mặt\s+khác|tuy\s+nhiên|để|theo)\b", regex.I)
_PER_YEAR_AFTER = regex.compile(r"\s*/\s*năm")
_COMPARED = regex.compile(r"so\s+với", regex.I)
_LEVEL_JUST_BEFORE = regex.compile(r"(?<!\w)(?:đạt|là)\s*(?:khoảng|trên|hơn|gần|tối thiểu|ít nhất)?\s*$", regex.I)
MAX_TEXT = 600  # characters: a longer clause gives each number the stretch it owns


@dataclass
class _Open:
    """The scopes open at the current point of reading (innermost levels are rebuilt per number)."""

    heading: Scope = field(default_factory=lambda: Scope(Level.HEADING))
    leadin: Scope = field(default_factory=lambda: Scope(Level.LEADIN))
    paragraph: Scope = field(default_factory=lambda: Scope(Level.PARAGRAPH))
    sentence: Scope = field(default_factory=lambda: Scope(Level.SENTENCE))
    year_before: Year | None = None  # the year the previous statement ended with, for continuations
    subject_before: str | None = None  # the subject of the previous indicator, for "trong đó"
    per_year_before: bool = False  # whether the previous indicator is a yearly rate, for "trong đó"
    open_list: bool = False  # the previous block was a bullet item ending with ";"
    line_leadin: Scope | None = None  # the lead-in a sentence lead-in replaced, back when its list ends

    def enter(self, scope: Scope) -> None:
        """A heading replaces the heading level and closes its lead-in; a lead-in replaces the lead-in."""
        if scope.level == Level.HEADING:
            self.heading, self.leadin = scope, Scope(Level.LEADIN)
        else:
            self.leadin = scope
        self.year_before, self.open_list, self.line_leadin = None, False, None

    def enter_sentence_leadin(self, scope: Scope) -> None:
        if scope.sets.period is None:  # "Năm 2025, ...:" under "a) Giai đoạn 2021-2025:"
            scope.sets.period = self.leadin.sets.period
        self.line_leadin = self.line_leadin or self.leadin
        self.leadin = scope

    def next_paragraph(self, text: str, block) -> None:
        """A sentence lead-in ("Năm 2025, tỉnh đặt mục tiêu: ...") governs the paragraphs after
        its own while they go on with its ";"-list; one that opens anew ("Bên cạnh đó, ...") or
        is no list ends it."""
        if self.line_leadin is not None and (";" not in text[block.start:block.end]
                                             or _NEW_STATEMENT.match(text, block.start, block.end)):
            self.leadin, self.line_leadin = self.line_leadin, None


def find_indicators(doc: Document, excluded: list[tuple[int, int]],
                    table: list[TableValue] | None = None) -> list[Indicator]:
    """Every quantified target or result in the document, in document order. `table` is the
    document's table cells (extractors.tables.table_values) when the caller has them."""
    text = new_style(doc.text or "")
    ds = DocumentScope.read(doc, text)
    outside = Marks(len(text), excluded)
    quantities = [q for q in sorted(doc.percentages + doc.counts, key=lambda q: q.start) if not outside.covered(q.start)]
    cells = {(t.mention.start, t.mention.end): t for t in (table_values(doc.text or "") if table is None else table)
             if isinstance(t.mention, Quantity)}
    out: list[Indicator] = []
    at = _Open()
    k = 0  # the next quantity not yet read
    for block in blocks(text):
        while k < len(quantities) and quantities[k].start < block.start:
            k += 1
        first = k
        while k < len(quantities) and quantities[k].start < block.end:
            k += 1
        qs = quantities[first:k]
        if not qs:
            scope = heading(ds, block)
            if scope is not None:
                at.enter(scope)
                continue
        continues_list = block.bullet and at.open_list
        at.next_paragraph(text, block)
        at.paragraph = Scope(Level.PARAGRAPH, span=(block.start, min(block.end, block.start + 80)))
        carried = at.year_before if continues_list else None
        ends_list = block.bullet and text[block.start:block.end].rstrip().endswith(";")
        if not qs and not _DIGIT.search(text, block.start, block.end):
            # no number, so no year, phase or quantity: only the list state moves on
            at.year_before, at.open_list = carried, ends_list
            continue
        j, percent, rows = 0, None, {}
        for ss, se in sentences(text, block.start, block.end):
            leadin, para = sentence_leadin(ds, ss, se)
            if leadin is not None:
                at.enter_sentence_leadin(leadin)
            _merge(at.paragraph.sets, para)
            while j < len(qs) and qs[j].start < ss:
                j += 1
            sentence = SentenceFacts(ds, ss, se, qs[j].start if j < len(qs) else se)
            continues = _TRONG_DO.match(text, ss, se) or (continues_list and ss == block.start)
            at.sentence = Scope(Level.SENTENCE, Sets(kind="target" if sentence.target_cue else None,
                                                     target_year=carried if continues else None,
                                                     period=sentence.lead_period))
            for cs, ce in clauses(text, ss, se):
                clause = ClauseFacts(ds, cs, ce)
                at.sentence.sets.target_year = clause.last_year or at.sentence.sets.target_year
                while j < len(qs) and qs[j].start < cs:
                    j += 1
                while j < len(qs) and qs[j].start < ce:
                    q = qs[j]
                    cell = cells.get((q.start, q.end))
                    if cell is not None:  # a table cell: its row is its clause
                        span = (cell.row_start, cell.row_end)
                        if span not in rows:
                            rows = {span: ClauseFacts(ds, *span)}
                        facts = rows[span]
                    else:
                        facts = clause
                    fs, fe = facts.start, facts.end
                    own_start = qs[j - 1].end if j > 0 and qs[j - 1].end >= fs else fs
                    own_end = min(qs[j + 1].start, fe) if j + 1 < len(qs) else fe
                    before = percent if percent is not None and percent.end >= fs else None
                    ind = _indicator(ds, q, facts, sentence, at, cell, own_start, own_end, before,
                                     qs[j - 1] if j > 0 else None)
                    if ind is not None:
                        out.append(ind)
                        at.subject_before, at.per_year_before = ind.subject, ind.per_year
                    if q.unit == "%":
                        percent = q
                    j += 1
            carried = at.sentence.sets.target_year
        at.year_before, at.open_list = carried, ends_list
    return out


def _merge(into: Sets, new: Sets) -> None:
    for name in ("kind", "target_year", "period", "subject", "background"):
        if getattr(new, name) is not None:
            setattr(into, name, getattr(new, name))


def _indicator(ds: DocumentScope, q: Quantity, clause: ClauseFacts, sentence: SentenceFacts, at: _Open,
               cell: TableValue | None, own_start: int, own_end: int, percent_before: Quantity | None,
               previous: Quantity | None = None) -> Indicator | None:
    text = ds.text
    cs, ce = clause.start, clause.end
    excluded = not_indicator(text, q, clause, own_start, own_end, percent_before, previous)
    if excluded is None and at.paragraph.sets.background and not (clause.target_cue or clause.result_cue):
        excluded = "background_paragraph"
    table = HEADLINE_INHERITS if ds.in_headline(q.start) else INHERITS
    own = Sets(kind=clause.kind(q) or sentence.kind_before(q))
    chain = [Scope(Level.CLAUSE, own), at.sentence, at.paragraph, at.leadin, at.heading]
    rule_kind, kind_level = resolve_from("kind", chain + [Scope(Level.DOCUMENT, Sets(kind=ds.default_kind))], table)
    decision = decide(Evidence(ds, q, clause, sentence, chain, cell, own_start, own_end, rule_kind, kind_level, excluded))
    if excluded is not None and decision.kind is None:
        return None
    if not sentence.target_cue:
        at.sentence.sets.kind = rule_kind  # a clause without cues takes the kind of the previous number
    if decision.kind is None:
        return None
    kind = decision.kind
    year = None
    own.period = sentence.period_for(q, clause, own_end)
    # per year: a cue in the words the number owns ("bình quân hằng năm tăng 7%", "tăng 10% mỗi
    # năm", "15%/năm"), not one inside a noun elsewhere in the clause ("cây hàng năm"); a clause
    # opening "trong đó" continues the rate of the statement before it
    per_year = bool(clause.per_year and (cell is not None or cues().rx["per_year"].search(text, own_start, own_end))) \
        or bool(_PER_YEAR_AFTER.match(text, q.end, q.end + 20)) \
        or (at.per_year_before and bool(_TRONG_DO.match(text, clause.start, clause.end)))
    ev = decision.evidence
    if kind == "target":
        own.target_year = clause.year_for(q, own_end) or (Year(cell.year, False) if cell and cell.year else None)
        # a yearly rate over a phase ("bình quân giai đoạn 2021-2025 giảm 3%/năm") has no deadline
        yearly = per_year and (own.period is not None or at.sentence.sets.period is not None)
        year = bind("target_year", ev, kind, chain, PER_YEAR_INHERITS if yearly else table, per_year)
    stated = bool(clause.years) or at.sentence.sets.target_year is not None
    period = bind("period", ev, kind, chain + [ds.scope_for(kind, year, stated)], table, per_year, year)
    relative = _relative(text, q, clause, own_start, own_end) if cell is None else bool(
        cell.label and cues().rx["growth_subjects"].search(new_style(cell.label.text)))
    subject, action = subject_action(ds, q, clause.start, own_start, own_end, cell, at.subject_before, at.sentence.sets.subject)
    at.sentence.sets.subject = subject or at.sentence.sets.subject
    standards = [s.id for s in ds.standards.within(cs, ce)]
    ts, te = _text_span(text, q, cs, ce, own_start, own_end)
    raw = ds.doc.text or ""
    return Indicator(start=ts, end=te, text=raw[ts:te], quantity=q, kind=kind,
                     target_year=year.value if year else None, period=period, per_year=per_year,
                     relative=relative, subject=subject, action=action, standards=list(dict.fromkeys(standards)),
                     confidence=decision.confidence)


def _text_span(text: str, q: Quantity, cs: int, ce: int, own_start: int, own_end: int) -> tuple[int, int]:
    """The clause (or row); for one longer than MAX_TEXT, the stretch the number owns, at most
    MAX_TEXT/2 characters either side of it."""
    if ce - cs <= MAX_TEXT:
        return cs, ce
    s = max(cs, min(own_start, q.start), q.start - MAX_TEXT // 2)
    e = min(ce, max(own_end, q.end), q.end + MAX_TEXT // 2)
    while s < q.start and text[s].isspace():
        s += 1
    while e > q.end and text[e - 1].isspace():
        e -= 1
    return s, e


def _relative(text: str, q: Quantity, clause: ClauseFacts, own_start: int, own_end: int) -> bool:
    """A change against a baseline: a growth-rate subject before the number, a change verb
    governing it (at most 8 words before it, no level verb between), or "so với" after it."""
    cue = cues()
    if clause.growth_end is not None and clause.growth_end <= q.start:
        return True
    last = None
    for m in cue.rx["change_verbs"].finditer(text, own_start, q.start):
        last = m
    between = text[last.end():q.start] if last is not None else ""
    if last is not None and len(between.split()) <= 8 and not cue.rx["level_end"].search(between):
        return True
    # "đạt 100% so với dự toán": a level reached against a plan, not a change ("bằng 5.900 con so
    # với cùng kỳ" is one)
    return bool(_COMPARED.search(text, q.end, own_end)) and not _LEVEL_JUST_BEFORE.search(text, max(own_start, q.start - 25), q.start)

