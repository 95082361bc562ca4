"""Dates (rules/dates.yml)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import regex

from ..spans import Taken
from ..schema import Date

WS = r"[\s\u00a0]+"
OWS = r"[\s\u00a0]*"
_D, _M, _Y = r"(?P<d>\d{1,2})", r"(?P<m>\d{1,2})", r"(?P<y>(?:19|20)\d{2})"


@lru_cache(maxsize=1)
def patterns():
    numeric = rf"(?<![\d/.\-]){_D}(?P<s>[/.\-]){_M}(?P=s){_Y}(?![\d/])"
    words = rf"(?i:ngày){WS}{_D}{WS}(?i:tháng){WS}{_M}(?:{WS}|,{OWS})(?i:năm){WS}{_Y}(?!\d)"
    month = rf"(?i:tháng){WS}{_M}(?:{OWS}/{OWS}|{OWS}-{OWS}|{WS}(?i:năm){WS}|,{WS}(?i:năm){WS}){_Y}(?!\d)"
    day_month = rf"(?i:ngày|sáng|chiều|trưa|tối|đêm|hôm){WS}{_D}(?:{OWS}[/\-]{OWS}{_M}|{WS}(?i:tháng){WS}{_M})(?![\d/\-]|{WS}(?i:năm))"
    return [(regex.compile(p), kind) for p, kind in
            ((words, "day"), (numeric, "day"), (month, "month"), (day_month, "day_month"))]


def _valid(y: int, m: int, d: int | None) -> bool:
    try:
        dt.date(y, m, d or 1)
        return True
    except ValueError:
        return False


def extract_dates(text: str, published: str | None = None, known: list[Date] | None = None) -> list[Date]:
    """Every calendar date; day-months without a year take `published`'s year. `known` is what
    this function returned for the same text without `published`: only day-months remain."""
    taken = Taken((d.start, d.end) for d in known or ())
    out: list[Date] = list(known or ())
    pub_year = int(published[:4]) if published else None
    for rx, kind in patterns():
        if known is not None and kind != "day_month":
            continue
        for m in rx.finditer(text):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            d = int(m.group("d")) if "d" in rx.groupindex else None
            mo = int(m.group("m"))
            if kind == "day_month":
                if pub_year is None:
                    continue
                y = pub_year
            else:
                y = int(m.group("y"))
            if not _valid(y, mo, d):
                continue
            taken.add(s, e)
            if kind == "month":
                out.append(Date(start=s, end=e, text=m.group(), value=f"{y:04d}-{mo:02d}", precision="month"))
            else:
                out.append(Date(start=s, end=e, text=m.group(), value=f"{y:04d}-{mo:02d}-{d:02d}", precision="day"))
    return sorted(out, key=lambda x: x.start)
