"""Amounts of money (rules/amounts.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..numbers import NUM, joiner, parse_number
from ..schema import Amount
from .quantities import _comparator


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("amounts")
    scale = rules.alternation(data["scales"])
    cur = rules.alternation(data["currencies"])
    sp = r"[ \t\u00a0]*"
    rx = regex.compile(
        rf"(?P<a>{NUM})(?:{sp}{joiner()}{sp}(?P<b>{NUM}))?{sp}"
        rf"(?:(?P<scale>{scale}){sp}(?:(?P<cur>{cur})|(?P<eot>\s*\Z))|(?P<cur2>{cur}))"
        rf"(?P<per>/\p{{L}}+(?:[ \t]\p{{L}}+)?(?:/\p{{L}}+)*)?")
    return data, rx


def extract_amounts(text: str) -> list[Amount]:
    data, rx = _compiled()
    scales = {k.lower(): v for k, v in data["scales"].items()}
    currencies = {k.lower(): v for k, v in data["currencies"].items()}
    out = []
    for m in rx.finditer(text):
        mult = scales[rules.squash(m.group("scale").lower())] if m.group("scale") else 1
        cur = m.group("cur") or m.group("cur2")
        currency = currencies[rules.squash(cur.lower())] if cur else "VND"
        a = parse_number(m.group("a")) * mult
        b = parse_number(m.group("b")) * mult if m.group("b") else None
        if b is not None and b <= a:
            continue
        comp, start = _comparator(text, m.start())
        end = m.end("eot") if m.group("eot") is not None else m.end()
        end = len(text[:end].rstrip())
        per = m.group("per")[1:] if m.group("per") else None
        out.append(Amount(start=start, end=end, text=text[start:end], value=round(a, 6), value_max=round(b, 6) if b is not None else None,
                          comparator=comp, currency=currency, per=per))
    return out
