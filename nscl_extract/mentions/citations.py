"""Citations: legal document numbers (rules/citations.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..text.spans import Taken
from ..schema import Citation
from .dates import extract_dates

_CODE = r"[A-ZĐ][A-Za-zĐđ]{0,5}"
_ISSUER = r"[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)*"
_SERIAL = r"(?<![\w/.-])(?P<serial>\d{1,5}[a-z]?)"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_LEAD = regex.compile(r"(?:ngày[\s\u00a0]*)?", regex.I)


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("citations")
    forms = [
        # 80/2021/NĐ-CP, 191/KH-UBND, 712 /QĐ-TTg, 130/2011/TTLT-BTC-BKHCN, 1078/VPCP-KGVX
        rf"{_SERIAL}\s?/\s?(?:{_YEAR}/)?(?P<code>{_CODE})-(?P<issuer>{_ISSUER})(?![\w/])",
        # 36-NQ/TW, 07-CTr/TU
        rf"{_SERIAL}-(?P<code>{_CODE})/(?P<issuer>{_ISSUER})(?![\w/])",
        # 202/2025/QH15: the type comes from the word before it
        rf"{_SERIAL}/{_YEAR}/(?P<issuer>{_ISSUER})(?![\w/])",
    ]
    types = {_key(k): (k, v) for k, v in data["types"].items()}
    # as OCR reads them (rules/ocr.yml): a letter for a digit, a space beside the hyphen or slash
    look = "".join(regex.escape(c) for c in rules.load("ocr")["digit_lookalikes"])
    serial = rf"(?<![\w/.-])(?P<serial>(?=[{look}\d]*\d)[{look}\d]{{1,5}}[a-z]?)(?!\w)"
    year = rf"(?P<year>(?:19|20|2[{look}])[{look}\d]{{2}})"
    ocr_forms = [
        rf"{serial}[ \t]?/[ \t]?(?:{year}[ \t]?/[ \t]?)?(?P<code>{_CODE})[ \t]?-[ \t]?(?P<issuer>{_ISSUER})(?![\w/])",
        rf"{serial}[ \t]?-[ \t]?(?P<code>{_CODE})[ \t]?/[ \t]?(?P<issuer>{_ISSUER})(?![\w/])",
    ]
    words = data["type_words"]
    before = regex.compile(rf"({rules.alternation(words)})(?:\s+(?:số|số:))?\s*$", regex.I)
    after_date = regex.compile(r"\s*,?\s*(?=ngày\b)", regex.I)
    return [regex.compile(f) for f in forms], types, words, before, after_date, [regex.compile(f) for f in ocr_forms]


def _key(code: str) -> str:
    return code.upper().replace("Đ", "D")


def _type_word(text: str, start: int, before, words) -> str | None:
    m = before.search(text[max(0, start - 40):start])
    if not m:
        return None
    said = m.group(1).lower()
    return next((code for word, code in words.items() if word.lower() == rules.squash(said)), None)


def extract_citations(text: str, ocr_spans: list[tuple[int, int]] = ()) -> list[Citation]:
    """Every citation of the text; inside `ocr_spans` (text read by OCR) also those written as OCR
    reads them (rules/ocr.yml), with the digits put right in `number`, `serial` and `year`."""
    forms, types, words, before, after_date, ocr_forms = _compiled()
    out: list[Citation] = []
    taken = Taken()
    found = [(rx, m) for rx in forms for m in rx.finditer(text)]
    found += [(rx, m) for rx in ocr_forms for s, e in ocr_spans for m in rx.finditer(text, s, e)]
    for _, m in found:
        s, e = m.span()
        if taken.overlaps(s, e):
            continue
        # typed text is read as written ("15o/QĐ-UBND" stays so); only OCR'd text has its digits put right
        digits = _digits if any(a <= s and e <= b for a, b in ocr_spans) else str
        code = m.groupdict().get("code")
        issuer = m.group("issuer")
        serial = digits(m.group("serial"))
        year = int(digits(m.group("year"))) if m.groupdict().get("year") else None
        if code is not None and _key(code) in types:
            canon, name = types[_key(code)]
        elif code is not None:  # an official letter: SERIAL/ISSUER-UNIT
            issuer = code
            canon, name = "CV", types["CV"][1]
        else:
            canon = _type_word(text, s, before, words)
            if canon is None and not issuer[:2].isupper():
                continue
            name = types[_key(canon)][1] if canon else None
        raw = _as_digits(m, rules.squash(m.group(), ""), digits)
        number = _normalise(raw, code, canon) if code is not None and _key(code) in types else raw
        date = None
        gap = after_date.match(text, e)
        if gap:
            window = text[gap.end():gap.end() + 40]
            dated = extract_dates(window)
            if dated and dated[0].precision == "day" and _LEAD.fullmatch(window[:dated[0].start]):
                date = dated[0].value
        taken.add(s, e)
        out.append(Citation(start=s, end=e, text=m.group(), number=number, serial=serial,
                            year=year, type=canon, type_name=name, issuer=issuer, date=date))
    return sorted(out, key=lambda c: c.start)


def _digits(s: str) -> str:
    """A serial or year with the letters OCR gives for digits put right ("l322" -> "1322")."""
    look = rules.load("ocr")["digit_lookalikes"]
    return "".join(look.get(ch, ch) for ch in s)


def _as_digits(m, raw: str, digits=_digits) -> str:
    """The squashed citation with its serial (and year) as `digits` gives them; the rest as written."""
    lead = digits(rules.squash(m.group("serial"), ""))
    raw = lead + raw[len(m.group("serial")):]
    if m.groupdict().get("year"):
        y = m.group("year")
        raw = raw.replace(y, digits(y), 1)
    return raw


def _normalise(raw: str, code: str, canon: str) -> str:
    """The type code in its canonical spelling (upper case with Đ); the issuer as written."""
    i = raw.find(code)
    return raw[:i] + canon + raw[i + len(code):]
