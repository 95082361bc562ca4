"""The scope model: what governs a number, level by level, and what it inherits from each.

The text is read in order. At every number the reader holds one Scope per level, innermost
first:

  CLAUSE     the stretch of a sentence between ";" (a table row for a cell): what the words
             owned by the number state (its cues, a year or period written with it, its subject)
  SENTENCE   an underthesea sentence inside a paragraph: a period its lead names, target cues anywhere in it, the kind
             of the previous number in it, the year carried over ";"-clauses (and into "Trong
             đó" sentences and ";"-list items), the subject an ellipsis or "trong đó" continues
  PARAGRAPH  a block of hard-wrapped lines: what its opening sets for the rest of it
             ("Giai đoạn 2026-2030, ...", "Kết quả cụ thể: ...", "Mục tiêu đến năm 2025: ...")
  LEADIN     an "a)" item, an unnumbered line ending ":", a sentence lead-in ending ":" that
             names a period: until the next lead-in or heading
  HEADING    "II.", "2.", "Điều 3." or a capitalised line: until the next heading
  DOCUMENT   the plan's own phase (targets), the period a report covers (results), and
             target-or-result by counting cues

Each level SETS some of kind / target_year / period / subject (Sets); INHERITS below is the one
place that says which levels a number may take each attribute from. What a level sets is
decided where the level is read (headings.py, clause.py, document.py); how a number resolves
is `resolve_from` here (the rules' pick, which decide.py weighs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    CLAUSE = 0
    SENTENCE = 1
    PARAGRAPH = 2
    LEADIN = 3
    HEADING = 4
    DOCUMENT = 5


@dataclass(frozen=True)
class Year:
    value: int
    annual: bool  # "năm 2024 sẽ ...": a one-year target, outside any multi-year phase


@dataclass
class Sets:
    """What one scope sets; None leaves it to the next level out."""

    kind: str | None = None  # "target" | "result"
    target_year: Year | None = None
    period: tuple[int, int] | None = None
    subject: str | None = None
    background: bool | None = None  # the present state is described: cue-less numbers are no indicators


@dataclass
class Scope:
    level: Level
    sets: Sets = field(default_factory=Sets)
    span: tuple[int, int] | None = None  # the heading line or lead-in that opened it (its words are evidence)


L = Level
# Which levels pass each attribute down to a number, innermost first. A level missing from a
# row never gives that attribute. A period written in one clause does not reach the next clause:
# what a SENTENCE sets for period is only its lead ("phấn đấu giai đoạn 2021-2025 ...", before
# its first number), and only a paragraph opening, a lead-in or a heading governs further; the
# document never gives a target year (never guessed from a period, a title or a plan's name);
# a subject comes from the number's own words or the statement its clause continues; a paragraph
# that opens describing the present state ("Hiện toàn tỉnh có ...") makes its cue-less numbers
# background.
INHERITS: dict[str, tuple[Level, ...]] = {
    "kind": (L.CLAUSE, L.SENTENCE, L.PARAGRAPH, L.LEADIN, L.HEADING, L.DOCUMENT),
    "target_year": (L.CLAUSE, L.SENTENCE, L.PARAGRAPH, L.LEADIN, L.HEADING),
    "period": (L.CLAUSE, L.SENTENCE, L.PARAGRAPH, L.LEADIN, L.HEADING, L.DOCUMENT),
    "subject": (L.CLAUSE, L.SENTENCE),
    "background": (L.PARAGRAPH,),
}
# A headline takes only what it states itself (SPEC 4).
HEADLINE_INHERITS: dict[str, tuple[Level, ...]] = {
    **INHERITS, "target_year": (L.CLAUSE,), "period": (L.CLAUSE,)}


# A yearly rate under a phase it states ("giai đoạn 2021-2025 giảm 3%/năm") has no deadline:
# only a year written in its own clause is its target year.
PER_YEAR_INHERITS: dict[str, tuple[Level, ...]] = {**INHERITS, "target_year": (L.CLAUSE,)}


def resolve_from(attr: str, chain: list[Scope], table: dict[str, tuple[Level, ...]] = INHERITS):
    """The first value set for `attr` by a level the table lets the number inherit from, and
    that level; (None, None) when no level the table allows sets it."""
    allowed = table[attr]
    for scope in chain:
        if scope.level in allowed:
            value = getattr(scope.sets, attr)
            if value is not None:
                return value, scope.level
    return None, None
