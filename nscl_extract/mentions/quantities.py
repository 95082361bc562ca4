"""Percentages and counts (rules/quantities.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..text.numbers import (NUM, NUM_AFTER, NUM_BODY, SP, comparator_after, comparator_before, joiner, loose_range_cue, loose_range_ok,
                       multiplier_value, multipliers, parse_number)
from ..rules import new_style
from ..schema import Quantity
from ..text.words import tagged_words

NOUN_TAGS = {"N", "Nc", "Nu", "Ny", "Nb"}
_GAP = regex.compile(r"[ \t\u00a0]+|[ \t\u00a0]*\n[ \t\u00a0]*(?=\p{Ll})")
_WORD = regex.compile(r"\p{L}+")
_CLAUSE_MARK = regex.compile(r"[\n,.;:()|]")


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("quantities")
    join = joiner()
    sign = rules.alternation(data["percent_signs"], boundary=False)
    pct = regex.compile(
        rf"(?P<a>{NUM})(?:{SP}*(?:%{SP}*)?{join}{SP}*(?P<b>{NUM}))?{SP}*(?P<sign>{sign})")
    # "đạt khoảng 55 60%": a range whose dash a scraped page lost (rules/numbers.yml loose_range)
    loose = regex.compile(rf"(?P<a>{NUM}){SP}(?P<b>{NUM}){SP}*(?P<sign>{sign})")
    loose_cue = regex.compile(rf"(?i:{loose_range_cue()}){SP}+$")
    # a count may follow money's "/" ("45 tỷ đồng/1.200 hộ": the money went to that many)
    money = rules.alternation([f for forms in rules.load("amounts")["currencies"].values() for f in forms["after"]
                               if f.isalpha()], boundary=False)
    first = rf"(?:(?<=(?i:{money})/){NUM_BODY}{NUM_AFTER}|{NUM})"
    num = regex.compile(rf"(?P<a>{first})(?:{SP}*{join}{SP}*(?P<b>{NUM}))?")
    # "từ 20 hộ đến 30 hộ": a range that repeats its unit
    repeat = regex.compile(rf"{SP}*{join}{SP}*(?P<b>{NUM})")
    mult = regex.compile(rf"{SP}+(?P<w>{multipliers()[1]})(?=[ \t\u00a0])", regex.I)
    units = regex.compile(rules.alternation([new_style(u) for u in data["units"]]).replace(r"\s+", r"\s*"), regex.I)
    abbr = regex.compile(rules.alternation(data["abbreviations"]))
    not_units = {new_style(w.lower()) for w in data["not_units"]}
    not_after = regex.compile(rf"{rules.alternation(data['not_after'])}[ \t\u00a0]*$")
    rate = regex.compile(rf"[ \t]?/[ \t]?({rules.alternation([new_style(r) for r in data['rates']])})", regex.I)
    return data, pct, (loose, loose_cue), num, mult, units, abbr, not_units, not_after, rate, repeat


def _values(m) -> tuple[float, float | None] | None:
    a = parse_number(m.group("a"))
    if m.group("b") is None:
        return a, None
    b = parse_number(m.group("b"))
    return (a, b) if b > a else None


def _compared(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The comparator around a quantity (rules/numbers.yml) and the quantity's span with it."""
    comp, start = comparator_before(text, start)
    if (after := comparator_after(text, end)):
        comp, end = after
    return comp, start, end


def extract_percentages(text: str) -> list[Quantity]:
    _, pct, (loose, loose_cue), *_ = _compiled()
    out = []
    loose_spans = []
    for m in loose.finditer(text):
        a, b = parse_number(m.group("a")), parse_number(m.group("b"))
        if not loose_range_ok(a, b) or _YEAR.fullmatch(m.group("a")) \
                or not loose_cue.search(text, max(0, m.start() - 40), m.start()):
            continue
        loose_spans.append((m.start(), m.end(), a, b))
    k = 0
    for m in pct.finditer(text):
        while k < len(loose_spans) and loose_spans[k][1] <= m.start():
            s, e, a, b = loose_spans[k]
            out.append(_percentage(text, s, e, a, b))
            k += 1
        if k < len(loose_spans) and loose_spans[k][0] < m.end():
            continue  # this sign belongs to the loose range
        vals = _values(m)
        start = m.start()
        if vals is None:  # "2025 - 30%": not a range, only the second number is a percentage
            start = m.start("b")
            vals = (parse_number(m.group("b")), None)
        out.append(_percentage(text, start, m.end(), *vals))
    for s, e, a, b in loose_spans[k:]:
        out.append(_percentage(text, s, e, a, b))
    return out


def _percentage(text: str, start: int, end: int, value: float, value_max: float | None) -> Quantity:
    comp, start, end = _compared(text, start, end)
    return Quantity(start=start, end=end, text=text[start:end], value=value, value_max=value_max,
                    comparator=comp, unit="%")


def extract_counts(text: str) -> list[Quantity]:
    """Digits (times a multiplier word) followed by the noun they count (unit), abbreviations expanded."""
    _, _, _, num, *_, repeat = _compiled()
    out = []
    pos = 0
    for m in num.finditer(text):
        if m.start() < pos or not _countable(text, m):
            continue
        vals = _values(m)
        if vals is None:
            continue
        found = _counted(text, m.end(), vals)
        if found is None:
            continue
        vals, name, uend = found
        if vals[1] is None and (r := repeat.match(text, uend)):
            second = _counted(text, r.end(), (parse_number(r.group("b")), None))
            if second is not None and second[1] == name and second[0][0] > vals[0]:
                vals, uend = (vals[0], second[0][0]), second[2]
        comp, cstart, end = _compared(text, m.start(), uend)
        if _rate_base(text, m.start(), vals, name):
            continue
        out.append(Quantity(start=cstart, end=end, text=text[cstart:end], value=vals[0], value_max=vals[1],
                            comparator=comp, unit=name))
        pos = end
    return out


def _rate_base(text: str, start: int, vals, unit: str) -> bool:
    """"trên 1.000 dân", "trên 01 ha": the base of a rate, no count of its own."""
    data = _compiled()[0]["rate_base"]
    before = text[max(0, start - 12):start].rstrip().lower()
    if not any(before.endswith(w) and (len(before) == len(w) or not before[-len(w) - 1].isalpha())
               for w in data["words"]):
        return False
    return vals[1] is None and (vals[0] == 1 or unit in data["units"])


def _counted(text: str, pos: int, vals: tuple[float, float | None]):
    """A multiplier word (optional) and the counted noun after a number ending at `pos`:
    (values, unit, end) or None."""
    mult = _compiled()[4]
    if (w := mult.match(text, pos)):  # "2,3 triệu lượt người" = 2,300,000 lượt
        times = multiplier_value(w.group("w"))
        vals = (round(vals[0] * times, 6), round(vals[1] * times, 6) if vals[1] is not None else None)
        pos = w.end()
    unit = _unit(text, pos)
    if unit is None:
        return None
    return vals, unit[0], unit[1]


_YEAR = regex.compile(r"(?:19|20)\d{2}")


def _countable(text: str, m) -> bool:
    *_, not_after, _, _ = _compiled()
    s = m.start()
    if not_after.search(text, max(0, s - 25), s):
        return False
    before = text[max(0, s - 1):s]
    after = text[m.end():m.end() + 1]
    if before == "(" and after == ")":
        return False  # list numbering "(1)"
    if _YEAR.fullmatch(m.group("a")) and (m.group("b") is None or _YEAR.fullmatch(m.group("b"))):
        return False  # a year or a span of years, not a count
    return True


def _unit(text: str, pos: int) -> tuple[str, int] | None:
    """The counted noun after a number: (unit, end) or None."""
    data, _, _, _, _, units, abbr, not_units, _, rate, _ = _compiled()
    gap = _GAP.match(text, pos, pos + 40)
    if not gap:
        return None
    p = gap.end()
    window = new_style(text[p:p + 60])
    if (a := abbr.match(text, p)):
        name, end = data["abbreviations"][a.group()], a.end()
    elif (u := units.match(window)) and _word_end(window, u.end()):
        name, end = _lexicon_entry(data, u.group()), p + u.end()
        if rules.squash(name) in not_units:
            return None
    else:
        head = _WORD.match(window)
        if not head or head.group().lower() in not_units:
            return None
        line_end = _CLAUSE_MARK.search(window, 0, 30)
        stop = p + (line_end.start() if line_end else _word_boundary(window, 30))
        tagged = tagged_words(text, p, stop)
        if not tagged or tagged[0][0] != p or tagged[0][2] not in NOUN_TAGS:
            return None
        s, end, _ = tagged[0]
        name = text[s:end].lower()
        if new_style(name) in not_units or name.split()[0] in not_units:
            return None
    name = rules.squash(name)
    if (r := rate.match(new_style(text[end:end + 20]))):
        name, end = f"{name}/{r.group(1).lower()}", end + r.end()
    return name, end


def _word_end(window: str, i: int) -> bool:
    return i >= len(window) or not window[i].isalnum()


def _lexicon_entry(data, matched: str) -> str:
    """The unit as the lexicon writes it (so "doanhnghiệp" is "doanh nghiệp")."""
    return _unit_keys(tuple(data["units"]))[rules.squash(new_style(matched.lower()), "")]


@lru_cache(maxsize=1)
def _unit_keys(units: tuple[str, ...]) -> dict[str, str]:
    return {rules.squash(new_style(u.lower()), ""): u for u in units}


def _word_boundary(window: str, limit: int) -> int:
    """The end of the last whole word within `limit` characters (the tagger needs only a few)."""
    if len(window) <= limit:
        return len(window)
    cut = window.rfind(" ", 0, limit)
    return cut if cut > 0 else limit
