"""Indicator records (SPEC 4): which percentages and counts are targets or results, with their
kind, year, phase, subject and action.

  scopes.py      the scope model: the levels (clause, sentence, paragraph, lead-in, heading,
                 document), what each sets, and INHERITS: what a number takes from each
  document.py    the DOCUMENT level: the plan's own phase, a report's period, the default kind
  headings.py    the HEADING, LEADIN and PARAGRAPH levels: lines and openings that govern what follows
  clause.py      the CLAUSE and SENTENCE levels: what a number's own words state
  subjects.py    the noun phrase a number counts or measures
  exclusions.py  numbers that are no indicator (background, funding rules, plan structure)
  reader.py      reads the text in order, keeps the open scopes, builds the records
  cues.py        the cue lists of rules/indicators.yml, compiled
"""
from .reader import find_indicators

__all__ = ["find_indicators"]
