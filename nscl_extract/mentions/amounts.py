"""Amounts of money (rules/amounts.yml; multipliers, ranges and comparators: rules/numbers.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..text.numbers import (NUM_AFTER, NUM_BEFORE, NUM_BODY, SP, comparator_after, comparator_before, joiner,
                       multiplier_value, multipliers, parse_number)
from ..schema import Amount


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("amounts")
    nums = rules.load("numbers")
    scale = multipliers()[1]
    after = {f: code for code, forms in data["currencies"].items() for f in forms.get("after", [])}
    before = {f: code for code, forms in data["currencies"].items() for f in forms.get("before", [])}
    # a currency written after the number may be glued to it ("500đ", "2.500$"); never to a letter after it
    # ... and never the first syllable of a compound ("2.000 đồng bào", "5 đô thị")
    compounds = "|".join(rf"(?<=(?i:{regex.escape(form)})){SP}+(?i:{rules.alternation(seconds)})"
                         for form, seconds in data["compounds"].items())
    cur = rf"(?:{rules.alternation(after, boundary=False)})(?!\p{{L}})(?!{compounds})"
    pre = rf"(?<![\p{{L}}\d])(?:{rules.alternation(before, boundary=False)})"
    k = rules.alternation(nums["thousand_suffix"], boundary=False)
    # a number, or one glued to "k" ("50k đồng")
    def number(g: str) -> str:
        return rf"(?P<{g}>{NUM_BODY})(?:{NUM_AFTER}|(?P<k{g}>{k})(?![\p{{L}}\d])|(?={cur}))"

    per = r"(?P<per>/\p{L}+(?:[ \t]\p{L}+)?(?:/\p{L}+)*)?"
    # "1,2 tỷ đồng", "8.300-8.500 USD", "từ 500 đồng đến 900 đồng", "từ 500 nghìn đến 1 triệu đồng"
    first = rf"{NUM_BEFORE}{number('a')}{SP}*"
    second = rf"(?:(?P<sa>{scale}){SP}*)?(?:(?P<ca>{cur}){SP}*)?{joiner()}{SP}*{number('b')}{SP}*"
    # "kinh phí tổ chức 150 triệu.": a multiplier ending its clause is money when a money word
    # opens the clause (checked in code)
    tail = rf"(?:(?P<scale>{scale}){SP}*(?:(?P<cur>{cur})|(?P<eot>\s*\Z)|(?P<bare>(?=[.,;:)\n])))|(?P<cur2>{cur}))"
    suffixed = regex.compile(rf"{first}(?:{second})?{tail}{per}", regex.I)
    single = regex.compile(rf"{first}{tail}{per}", regex.I)
    # "$2.500", "USD 4,5 tỷ", "VND1000": the currency before the number
    prefixed = regex.compile(
        rf"(?P<pre>{pre}){SP}*{number('a')}(?:{SP}*{joiner()}{SP}*{number('b')})?(?:{SP}*(?P<scale>{scale}))?",
        regex.I)
    # "95,5/120 tỷ đồng": done / planned, both in the unit after the second number
    pair = regex.compile(rf"{NUM_BEFORE}(?P<a>{NUM_BODY})/(?P<b>{NUM_BODY}){NUM_AFTER}{SP}*(?:(?P<scale>{scale}){SP}*)?"
                         rf"(?P<cur>{cur})", regex.I)
    cue = regex.compile(rf"(?i:{rules.alternation(data['money_cues'])})[^.;:\n]*$")
    return data, after, before, suffixed, single, prefixed, pair, cue


def _code(table: dict[str, str], written: str) -> str:
    key = rules.squash(written).lower()
    return next(code for form, code in table.items() if rules.squash(form).lower() == key)


def _scaled(m, which: str, scale: str | None) -> float | None:
    if m.group(which) is None:
        return None
    v = parse_number(m.group(which))
    if m.group(f"k{which}"):
        v *= 1000
    if scale:
        v *= multiplier_value(scale)
    return round(v, 6)


_YEAR = regex.compile(r"(?:19|20)\d{2}")


def _suffixed(m, after, cue) -> tuple | None:
    cur = m.group("cur") or m.group("cur2")
    if m.group("bare") is not None and not cue.search(m.string, max(0, m.start() - 60), m.start()):
        return None
    if (m.group("ka") or m.groupdict().get("kb")) and not cur:
        return None  # "50k" is money only with a currency
    a = _scaled(m, "a", m.groupdict().get("sa") or m.group("scale"))
    b = _scaled(m, "b", m.group("scale")) if "b" in m.re.groupindex else None
    if b is not None:
        if b <= a or (m.group("ca") and (not cur or _code(after, m.group("ca")) != _code(after, cur))):
            return None  # "2025 - 30 tỷ đồng", "500 đồng - 3 USD": no range
    end = m.end("eot") if m.group("eot") is not None else m.end("scale") if m.group("bare") is not None else m.end()
    per = m.group("per")[1:] if m.group("per") else None
    return m.start(), end, a, b, _code(after, cur) if cur else "VND", per


def extract_amounts(text: str) -> list[Amount]:
    _, after, before, suffixed, single, prefixed, pair, cue = _compiled()
    found = []
    for m in pair.finditer(text):
        scale = multiplier_value(m.group("scale")) if m.group("scale") else 1
        code = _code(after, m.group("cur"))
        found.append((m.start("a"), m.end("a"), round(parse_number(m.group("a")) * scale, 6), None, code, None))
        found.append((m.start("b"), m.end(), round(parse_number(m.group("b")) * scale, 6), None, code, None))
    for m in suffixed.finditer(text):
        if (got := _suffixed(m, after, cue)) is not None:
            found.append(got)
        elif m.group("b") is not None:  # a rejected range: each side may still be an amount of its own
            found += [got for pos in (m.start(), m.start("b"))
                      if (one := single.match(text, pos)) and (got := _suffixed(one, after, cue)) is not None]
    lowered = text.lower()
    for m in (prefixed.finditer(text) if any(f.lower() in lowered for f in before) else ()):
        if m.group("scale") is None and m.group("b") is None and _YEAR.fullmatch(m.group("a")) \
                and m.group("pre")[0].isalpha():
            continue  # "tỷ giá USD 2024": a year after a currency code
        a = _scaled(m, "a", m.group("scale"))
        b = _scaled(m, "b", m.group("scale"))
        found.append((m.start(), m.end(), a, b, _code(before, m.group("pre")), None))
    out: list[Amount] = []
    for start, end, a, b, currency, per in sorted(found, key=lambda f: (f[0], -f[1])):
        while end > start and text[end - 1].isspace():
            end -= 1
        if b is not None and b <= a:
            continue
        if out and out[-1].end > start:
            continue
        comp, start = comparator_before(text, start)
        if (suffix := comparator_after(text, end)):
            comp, end = suffix
        out.append(Amount(start=start, end=end, text=text[start:end], value=a, value_max=b,
                          comparator=comp, currency=currency, per=per))
    return out
