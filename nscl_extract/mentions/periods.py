"""Periods: spans of years (rules/periods.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..schema import Period


@lru_cache(maxsize=1)
def _pattern():
    data = rules.load("periods")
    join = rules.alternation(data["joiners"], boundary=False)
    # "giai đoạn 2016 2020": the dash lost, safe only right after a cue word
    loose = rf"(?<=(?i:{rules.alternation(data['loose_cues'])})[ \t\u00a0]+(?P=a))[ \t\u00a0]"
    year = r"(?:19|20)\d{2}"
    return regex.compile(rf"(?<![\d.,/\-])(?P<a>{year})(?:\s*{join}\s*|{loose})(?P<b>{year})(?![\d%]|[.,]\d)",
                         regex.I)


def extract_periods(text: str) -> list[Period]:
    out = []
    for m in _pattern().finditer(text):
        a, b = int(m.group("a")), int(m.group("b"))
        if a < b <= a + 50:
            out.append(Period(start=m.start(), end=m.end(), text=m.group(), **{"from": a}, to=b))
    return out
