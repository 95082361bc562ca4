"""Document fields: title, published date, province and plan (rules/document.yml)."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import regex

from . import rules
from .provinces import province_2025
from .rules import new_style
from .schema import Citation, Date, Province

# "UBND tỉnh ban hành": a provincial issuer that does not repeat its name.
_NAMELESS_ISSUER = regex.compile(r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:tỉnh|thành phố)(?!\s+\p{Lu})")
_NUMBER_LINE = regex.compile(r"Số\s*(?:hiệu)?\s*[:|]\s*(?:\|\s*)?$", regex.I)
_LOWER = regex.compile(r"\p{Ll}")
_TIME = regex.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_LEGAL_DATE_LINE = regex.compile(r"\p{Lu}[\p{L} .\-]{1,40},\s*(?:ngày\s*)?$", regex.I)


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("document")
    table = rules.load("provinces")["provinces"]
    names = []
    for e in table:
        names += [e["name"], *(e.get("aliases") or [])]
    names += sorted({e["name_2025"] for e in table})
    name_alt = rules.alternation([new_style(n) for n in names])
    issuer = rules.alternation(data["issuer_prefix"])
    unit = rules.alternation(data["unit_words"], boundary=False)
    strong = regex.compile(rf"{issuer}[\s:|]*$", regex.I)  # right before a weak match: the issuer
    letterhead = regex.compile(rf"^[ \t]*(?:TỈNH|THÀNH PHỐ|UBND TỈNH|UBND THÀNH PHỐ)\s+(?P<name>{name_alt})[ \t]*$", regex.I | regex.M)
    weak = regex.compile(rf"(?<!\w)(?:{unit})\s*(?P<name>{name_alt})", regex.I)
    headline = regex.compile(rf"^[ \t]*(?P<name>{name_alt})\s*:", regex.I | regex.M)
    cues = regex.compile(rules.alternation(data["byline_cues"]), regex.I)
    return data, strong, letterhead, weak, headline, cues


def find_published(text: str, dates: list[Date], meta_published: str | None = None) -> str | None:
    """The document's own date: a byline or time stamp, or a legal text's place-and-date line."""
    data, *_, cues = _compiled()
    head_end = _nth_line_end(text, data["head_lines"])
    for d in dates:
        if d.start >= head_end or d.precision != "day":
            continue
        ls = text.rfind("\n", max(0, d.start - 300), d.start) + 1 or max(0, d.start - 300)
        le = text.find("\n", d.end, d.end + 300)
        line = text[ls: le if le >= 0 else min(len(text), d.end + 300)]
        before = text[max(0, ls - 80):d.start]
        if (_TIME.search(line) or cues.search(line) or _LEGAL_DATE_LINE.search(before[-80:])
                or len(line.strip()) <= len(d.text) + 4):
            return d.value
    return meta_published


def _nth_line_end(text: str, n: int) -> int:
    pos = -1
    for _ in range(n):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return len(text)
    return pos


def find_province(text: str) -> Province | None:
    """The province the document is about, named as the document writes it, or None."""
    _, strong, letterhead, weak, headline, _ = _compiled()
    folded = new_style(text)
    score: Counter = Counter()
    first_as_written: dict[str, str] = {}
    head = folded[:_nth_line_end(folded, 12)]
    for rx, weight, where in ((letterhead, 3, folded), (headline, 3, head), (weak, 1, folded)):
        for m in rx.finditer(where):
            written = text[m.start("name"):m.end("name")]
            key = province_2025(written)
            if key is None:
                continue
            issuer = rx is weak and strong.search(folded, max(0, m.start() - 50), m.start())
            score[key] += weight + (3 if issuer else 0)  # "UBND tỉnh X": the issuer names it
            first_as_written.setdefault(key, written)
    if not score:
        return None
    key, best = score.most_common(1)[0]
    if best < 2 and (len(score) > 1 or not _NAMELESS_ISSUER.search(text)):
        return None
    written = first_as_written[key]
    name = written if not written.isupper() else written.title()
    return Province(name=name, name_2025=key)


def find_plan(text: str, citations: list[Citation], province: Province | None) -> Citation | None:
    """The plan or decision the document is about."""
    data = rules.load("document")
    for c in citations:
        if _NUMBER_LINE.search(text, max(0, c.start - 16), c.start):
            return c
    local = [c for c in citations if c.type in data["plan_types"] and (c.issuer or "").upper() in
             {i.upper() for i in data["local_issuers"]}]
    if local:
        return local[0]
    if province is None and citations:
        counts = Counter(c.number for c in citations if c.type in data["plan_types"])
        if counts:
            number = counts.most_common(1)[0][0]
            return next(c for c in citations if c.number == number)
    return None


def find_title(text: str, furniture: list[tuple[int, int]]) -> str | None:
    """The headline: the first line of at least four words with lower-case letters that is
    not furniture, a greeting or a time stamp."""
    pos = 0
    for line in text.splitlines(keepends=True):
        s, body = pos, line.strip()
        pos += len(line)
        if any(a <= s < b for a, b in furniture):
            continue
        if len(body.split()) >= 4 and _LOWER.search(body) and not _TIME.search(body) and "|" not in body \
                and not body.lower().startswith(("chào mừng", "tìm kiếm", "trang chủ")) and len(body) <= 300:
            return body
    return None
