"""The HEADING, LEADIN and PARAGRAPH levels (scopes.py): lines and sentence openings that
govern what follows them, and what each sets."""
from __future__ import annotations

import regex

from ..text.sentences import Block
from .clause import last_year, target_cue
from .cues import cues
from .document import DocumentScope
from .scopes import Level, Scope, Sets

_HEADING = regex.compile(r"^\s*(?:(?P<major>[IVXLC]+\.|\d{1,2}\.|Điều\s+\d+\.?)|(?P<minor>[a-zđ]\)|\d{1,2}\)))\s*")
_LEADIN_MARK = regex.compile(r"\s*([:,])")
_COLON = regex.compile(r":(?!\d)")  # not "ISO 9001:2015", "TCVN 5603:2008", "19:04"
_MAX_HEADING = 120  # characters: a longer line is body text
_PERIOD_OPENS = 50  # a sentence "opens with" a period written in its first 50 characters
_MAX_LEADIN = 150  # a sentence lead-in ends with ":" within its first 150 characters


def _kind_of(ds: DocumentScope, a: int, b: int) -> str | None:
    cue = cues()
    if target_cue(ds, a, b):
        return "target"
    if cue.rx["result_cues"].search(ds.text, a, b):
        return "result"
    return None


def heading(ds: DocumentScope, block: Block) -> Scope | None:
    """A heading or lead-in line (a short line: numbered "II."/"2."/"Điều 3." or capitalised:
    HEADING; "a)" items and lines ending ":": LEADIN), with the period, year and kind it names."""
    body = ds.text[block.start:block.end].strip()
    if len(body) > _MAX_HEADING or "\n" in body:
        return None
    m = _HEADING.match(body)
    is_caps = body.upper() == body and any(c.isalpha() for c in body)
    if not (m or is_caps or body.endswith(":")):
        return None
    p = ds.periods.first_within(block.start, block.end)
    sets = Sets(period=(p.from_, p.to) if p is not None else None)
    if not cues().rx["plan_words"].search(ds.text, block.start, block.end):
        # a heading that names a plan ("THỰC HIỆN CHƯƠNG TRÌNH ... ĐẾN NĂM 2020") is the plan's
        # name: its year is no target year and its words say nothing of the kind below it
        sets.kind, sets.target_year = _kind_of(ds, block.start, block.end), last_year(ds, block.start, block.end)
    major = (m and m.group("major")) or is_caps
    return Scope(Level.HEADING if major else Level.LEADIN, sets, (block.start, block.end))


def sentence_leadin(ds: DocumentScope, ss: int, se: int) -> tuple[Scope | None, Sets]:
    """A sentence that opens with a phase or a short lead-in ending in ":". Returns the LEADIN
    it starts (a phase followed by ":" , "Trong giai đoạn 2026-2030: ...", or a lead-in naming a
    period: until the next lead-in or heading) and what it sets for the rest of its PARAGRAPH
    ("Giai đoạn 2026-2030, thành phố sẽ ...": the period; "Kết quả cụ thể: ...": the kind;
    "Mục tiêu đến năm 2025: ...": the year)."""
    text = ds.text
    if cues().rx["background_openers"].match(text, ss, se):
        return None, Sets(background=True)
    for p in ds.periods.within(ss, min(se, ss + _PERIOD_OPENS)):
        if m := _LEADIN_MARK.match(text, p.end, se):
            if m.group(1) == ":":
                return Scope(Level.LEADIN, Sets(period=(p.from_, p.to)), (ss, m.end())), Sets()
            return None, Sets(period=(p.from_, p.to))
    m = _COLON.search(text, ss, min(se, ss + _MAX_LEADIN + 1))
    if m is None:
        return None, Sets()
    colon = m.start()
    p = ds.periods.first_within(ss, colon)
    year = last_year(ds, ss, colon)
    kind = _kind_of(ds, ss, colon)
    if p is None and year is None:
        return None, Sets(kind=kind)
    # "Năm 2025, tỉnh đặt mục tiêu: ...", "Mục tiêu giai đoạn 2021-2025: ...": the list it opens
    # may run on into the next paragraphs, until the next lead-in or heading
    return (Scope(Level.LEADIN, Sets(period=(p.from_, p.to) if p is not None else None, target_year=year), (ss, colon)),
            Sets(kind=kind))
