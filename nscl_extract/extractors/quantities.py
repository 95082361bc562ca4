"""Percentages and counts (rules/quantities.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..numbers import NUM, joiner, parse_number
from ..rules import new_style
from ..schema import Quantity
from ..words import tagged_words

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
        rf"(?P<a>{NUM})(?:[ \t\u00a0]*(?:%[ \t\u00a0]*)?{join}[ \t\u00a0]*(?P<b>{NUM}))?[ \t\u00a0]*(?P<sign>{sign})")
    num = regex.compile(rf"(?P<a>{NUM})(?:[ \t\u00a0]*{join}[ \t\u00a0]*(?P<b>{NUM}))?")
    comps = [(c, w) for c, ws in data["comparators"].items() for w in ws]
    comp_alt = rules.alternation([w for _, w in comps])
    comp_before = regex.compile(rf"({comp_alt})[ \t\u00a0]+$", regex.I)
    comp_of = {w.lower(): c for c, w in comps}
    suffix = regex.compile(rf"[ \t\u00a0]*{rules.alternation(data['suffix_gte'])}", regex.I)
    units = regex.compile(rules.alternation([new_style(u) for u in data["units"]]).replace(r"\s+", r"\s*"), regex.I)
    abbr = regex.compile(rules.alternation(data["abbreviations"]))
    not_units = {new_style(w.lower()) for w in data["not_units"]}
    not_after = regex.compile(rf"{rules.alternation(data['not_after'])}[ \t\u00a0]*$")
    rate = regex.compile(rf"[ \t]?/[ \t]?({rules.alternation([new_style(r) for r in data['rates']])})", regex.I)
    return data, pct, num, comp_before, comp_of, suffix, units, abbr, not_units, not_after, rate


def _comparator(text: str, start: int) -> tuple[str, int]:
    """The comparator written right before `start`, and where it begins."""
    _, _, _, comp_before, comp_of, *_ = _compiled()
    m = comp_before.search(text, max(0, start - 30), start)
    if not m:
        return "eq", start
    return comp_of[rules.squash(m.group(1).lower())], m.start(1)


def _values(m) -> tuple[float, float | None] | None:
    a = parse_number(m.group("a"))
    if m.group("b") is None:
        return a, None
    b = parse_number(m.group("b"))
    return (a, b) if b > a else None


def extract_percentages(text: str) -> list[Quantity]:
    _, pct, num, _, _, suffix, *_ = _compiled()
    out = []
    for m in pct.finditer(text):
        vals = _values(m)
        start = m.start()
        if vals is None:  # "2025 - 30%": not a range, only the second number is a percentage
            start = m.start("b")
            vals = (parse_number(m.group("b")), None)
        comp, cstart = _comparator(text, start)
        end = m.end()
        if (s := suffix.match(text, end, end + 40)):
            comp, end = "gte", s.end()
        out.append(Quantity(start=cstart, end=end, text=text[cstart:end], value=vals[0], value_max=vals[1],
                            comparator=comp, unit="%"))
    return out


def extract_counts(text: str) -> list[Quantity]:
    """Digits followed by the noun they count (unit), abbreviations expanded."""
    data, pct, num, _, _, suffix, *_ = _compiled()
    out = []
    for m in num.finditer(text):
        if not _countable(text, m):
            continue
        vals = _values(m)
        if vals is None:
            continue
        unit = _unit(text, m.end())
        if unit is None:
            continue
        name, uend = unit
        comp, cstart = _comparator(text, m.start())
        end = uend
        if (s := suffix.match(text, uend, uend + 40)):
            comp, end = "gte", s.end()
        out.append(Quantity(start=cstart, end=end, text=text[cstart:end], value=vals[0], value_max=vals[1],
                            comparator=comp, unit=name))
    return out


_YEAR = regex.compile(r"(?:19|20)\d{2}")


def _countable(text: str, m) -> bool:
    *_, not_after, _ = _compiled()
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
    data, _, _, _, _, _, units, abbr, not_units, _, rate = _compiled()
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
