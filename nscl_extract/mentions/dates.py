"""Dates (rules/dates.yml)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import regex

from .. import rules
from ..text.spans import Taken
from ..schema import Date

WS = r"[\s\u00a0]+"
OWS = r"[\s\u00a0]*"
_D, _Y = r"(?P<d>\d{1,2})", r"(?P<y>(?:19|20)\d{2})"


@lru_cache(maxsize=1)
def _lexicon():
    data = rules.load("dates")
    words = {rules.squash(k.lower()): v for k, v in data["month_words"].items()}
    english = dict(data["english_months"])
    return data, words, english


@lru_cache(maxsize=1)
def patterns():
    """(compiled pattern, kind) in priority order; an earlier pattern claims its span first."""
    data, words, english = _lexicon()
    month_word = rules.alternation(data["month_words"])
    month = rf"(?P<m>\d{{1,2}}|(?i:{month_word}))"
    not_dm_word = rules.alternation(data["day_month_not_words"])
    dm_month = rf"(?P<m>\d{{1,2}}|(?!(?i:{not_dm_word}))(?i:{month_word}))"
    tháng, năm = rf"(?i:{rules.alternation(data['month_leads'])})", r"(?i:năm)"
    # "ngày 28 tháng 9 năm 2021", "ngày mồng 5 tháng 6 năm 2023", "ngày 20 tháng 6/2013", "15 tháng 8 năm 2022"
    # "ngày 28 tháng 9 năm 2021", "ngày mồng 5 tháng 6 năm 2023", "15 tháng 8 năm 2022", "ngày 20 tháng 6/2013":
    # matched from the day on (a scan that starts at digits is fast); the lead word before it is
    # joined in code, and the "/" form needs it
    words_day = (rf"(?<![\p{{L}}\d.,/]){_D}{WS}{tháng}{WS}{month}(?:(?:{WS}|,{OWS}){năm}{WS}|,{OWS}|(?P<slash>{OWS}/{OWS}))"
                 rf"{_Y}(?!\d)")
    numeric = rf"(?<![\d/.\-])(?P<d>\d{{1,2}})(?P<s>[/.\-])(?P<m>\d{{1,2}})(?P=s){_Y}(?![\d/])"
    # "5/6/23": a two-digit year, written with "/" only
    short_year = r"(?<![\d/.\-,])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<yy>\d{2})(?![\d/%]|[.,]\d)"
    iso = r"(?<![\d/.\-])(?P<y>(?:19|20)\d{2})(?P<s>[\-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})(?![\d\-/]|[.,]\d)"
    month_year = (rf"{tháng}{WS}(?:(?P<m>\d{{1,2}})(?:{OWS}/{OWS}|{OWS}-{OWS}|{WS}{năm}{WS}|,{OWS}(?:{năm}{WS})?)"
                  rf"|(?P<m>(?i:{month_word}))(?:{WS}|,{OWS})(?:{năm}{WS})?){_Y}(?!\d)")
    # "06/2023": a month and a year with no "tháng", unless a word before makes it a serial or a quarter
    bare_not_after = rules.alternation(data["bare_month_not_after"])
    bare_month = (rf"(?<!(?i:{bare_not_after}){OWS})(?<![\p{{L}}\d/.,\-])(?P<m>\d{{1,2}})/{_Y}"
                  rf"(?![\d/\-]|[.,]\d|{OWS}/)")
    iso_month = rf"(?<=(?:{rules.alternation(data['iso_month_leads'])}):?{WS})(?P<y>(?:19|20)\d{{2}})-(?P<m>\d{{2}})(?![\d\-])"
    mon = rules.alternation(english, boundary=False)
    weekday = rules.alternation(data["english_weekdays"], boundary=False)
    not_after = rules.alternation(data["english_not_after"])
    english_day = (rf"(?:(?<!\p{{L}})(?:{weekday}),?{WS})?(?<!(?:{not_after}){WS})(?<!\p{{L}})(?P<mon>{mon})\.?{WS}"
                   rf"{_D}(?:st|nd|rd|th)?,{OWS}{_Y}(?!\d)"
                   rf"|(?<![\d.,/]){_D}(?:st|nd|rd|th)?{WS}(?:of{WS})?(?P<mon>{mon})\.?,?{WS}{_Y}(?!\d)")
    day_month = (rf"(?<![\p{{L}}\d.,/]){_D}(?:{OWS}[/\-]{OWS}(?P<m>\d{{1,2}})|{WS}{tháng}{WS}{dm_month}(?!\p{{L}}))"
                 rf"(?![\d/\-]|{WS}{năm})")
    return [(regex.compile(p), kind) for p, kind in
            ((words_day, "day"), (numeric, "day"), (iso, "day"), (english_day, "day"), (short_year, "day"),
             (month_year, "month"), (iso_month, "month"), (bare_month, "month"), (day_month, "day_month"))]


@lru_cache(maxsize=1)
def _lead_before():
    return regex.compile(rf"(?i:{rules.alternation(_lexicon()[0]['day_leads'])}){WS}$")


def _lead(text: str, start: int) -> int | None:
    """Where the lead word ("ngày", "mồng", "sáng" ...) right before `start` begins, or None."""
    m = _lead_before().search(text, max(0, start - 24), start)
    return m.start() if m else None


def _month(m) -> int:
    if "mon" in m.re.groupindex and m.group("mon"):
        return _lexicon()[2][m.group("mon")]
    written = m.group("m")
    if written.isdigit():
        return int(written)
    return _lexicon()[1][rules.squash(written.lower())]


def _year(m) -> int:
    if "yy" in m.re.groupindex:
        yy = int(m.group("yy"))
        return (1900 if yy >= int(_lexicon()[0]["two_digit_pivot"]) else 2000) + yy
    return int(m.group("y"))


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
        if "mon" in rx.groupindex and not any(name in text for name in _lexicon()[2]):
            continue  # no English month name anywhere: skip the scan
        for m in rx.finditer(text):
            s, e = m.span()
            if kind == "day_month" or "slash" in rx.groupindex:
                lead = _lead(text, s)
                if lead is None and (kind == "day_month" or m.group("slash") is not None):
                    continue
                s = s if lead is None else lead
            if taken.overlaps(s, e):
                continue
            d = int(m.group("d")) if "d" in rx.groupindex else None
            mo = _month(m)
            if kind == "day_month":
                if pub_year is None or (not text[e:].strip() and not m.group().rstrip()[-1].isalpha()):
                    continue  # no year to give it, or "ngày 9/1" whose year the end of the text cut off
                y = pub_year
            else:
                y = _year(m)
            if not _valid(y, mo, d):
                continue
            taken.add(s, e)
            if kind == "month":
                out.append(Date(start=s, end=e, text=text[s:e], value=f"{y:04d}-{mo:02d}", precision="month"))
            else:
                out.append(Date(start=s, end=e, text=text[s:e], value=f"{y:04d}-{mo:02d}-{d:02d}", precision="day"))
    return sorted(out, key=lambda x: x.start)
