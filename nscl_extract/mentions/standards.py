"""Standards, schemes and improvement tools (rules/standards.yml)."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..text.spans import Taken
from ..schema import Standard

_NAME_END = regex.compile(r"\d{4}$")  # a name ending in a year is a citation or a standard number
_B, _E = r"(?<![\p{L}\d])", r"(?![\p{L}\d]|-\d)"
_E_NAMED = r"(?![\p{L}\d]|-\d+(?![\p{L}\d]))"  # "Lean-6sigma" is two names; "KPI-2" none


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("standards")
    iso = regex.compile(
        rf"{_B}(?:(?P<prefix>TCVN)\s+)?ISO(?P<sub>/IEC|/TS)?\s*(?P<num>\d{{3,5}})(?:-\d+)?(?::\s?(?P<ver>(?:19|20)\d{{2}}))?{_E}")
    iso_more = regex.compile(rf"\s*(?:,|và|hoặc|/)\s*(?:ISO\s*)?(?P<num>\d{{4,5}})(?::(?P<ver>(?:19|20)\d{{2}}))?{_E}")
    tcvn = regex.compile(rf"{_B}TCVN\s+(?P<num>\d{{1,5}}(?:-\d+)?)(?::(?P<ver>(?:19|20)\d{{2}}))?{_E}")
    qcvn = regex.compile(rf"{_B}QCVN\s+\d{{1,3}}(?:-\d+)?:(?:19|20)\d{{2}}/[A-ZĐ]+{_E}")
    named = []
    for entry in data["named"]:
        for lit in entry["match"]:
            pat = regex.escape(lit).replace(r"\ ", r"\s+")
            flags = regex.I if entry.get("nocase") else 0
            named.append((len(lit), regex.compile(rf"{_B}{pat}(?:s(?=[^\p{{L}}]))?{_E_NAMED}", flags), entry))
    named.sort(key=lambda x: -x[0])
    after = data["named_after"]
    rest = r"(?:[A-Za-z0-9&+\-]|\.(?=[A-Za-z0-9]))*"
    word, first = rf"[A-Za-z0-9]{rest}", rf"[A-Z]{rest}"
    # "tiêu chuẩn Fair Trade": the name runs over Latin-script words up to punctuation or a Vietnamese word
    as_written = regex.compile(
        rf"(?<=(?i:{rules.alternation(after['cues'])})[ \t]+)(?P<name>{first}(?:[ \t]+{word}){{0,3}})"
        rf"(?=[ \t]*(?:[,.;:()\n]|\Z)|[ \t]+\p{{L}}*[^\x00-\x7f\s])")
    not_names = set(after["not_names"])
    return data, iso, iso_more, tcvn, qcvn, named, as_written, not_names


def _iso_id(data, sub: str | None, num: str) -> str:
    if num in data["iso_ids"]:
        return data["iso_ids"][num]
    return f"ISO{sub or ''} {num}"


def extract_standards(text: str) -> list[Standard]:
    data, iso, iso_more, tcvn, qcvn, named, as_written, not_names = _compiled()
    out: list[Standard] = []
    taken = Taken()

    def add(s, e, **kw):
        if taken.overlaps(s, e):
            return
        taken.add(s, e)
        out.append(Standard(start=s, end=e, text=text[s:e], **kw))

    for m in iso.finditer(text):
        add(m.start(), m.end(), id=_iso_id(data, m.group("sub"), m.group("num")), prefix=m.group("prefix"),
            version=m.group("ver"), kind=data["iso_kind"])
        pos = m.end()
        while (more := iso_more.match(text, pos)):
            add(more.start("num"), more.end(), id=_iso_id(data, None, more.group("num")), prefix=None,
                version=more.group("ver"), kind=data["iso_kind"])
            pos = more.end()
    for m in qcvn.finditer(text):
        add(m.start(), m.end(), id=rules.squash(m.group()), kind="technical_regulation")
    for m in tcvn.finditer(text):
        add(m.start(), m.end(), id=f"TCVN {m.group('num')}", version=m.group("ver"), kind="national_standard")
    for _, rx, entry in named:
        for m in rx.finditer(text):
            add(m.start(), m.end(), id=entry["id"], kind=entry["kind"])
    for m in as_written.finditer(text):
        name = m.group("name")
        if name.split()[0] in not_names or _NAME_END.search(name):
            continue
        add(m.start("name"), m.end("name"), id=rules.squash(name), kind=data["named_after"]["kind"])
    return sorted(out, key=lambda s: s.start)
