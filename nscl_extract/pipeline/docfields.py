"""Document fields: title, published date, province and plan (rules/document.yml)."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import regex

from .. import rules
from ..load.furniture import is_site_furniture
from ..text.provinces import nearest_province, province_2025
from ..rules import new_style
from ..schema import Citation, Date, Genre, Province
from ..text.spans import Taken

# "UBND tỉnh ban hành": a provincial issuer that does not repeat its name.
_NAMELESS_ISSUER = regex.compile(r"(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:tỉnh|thành phố)(?!\s+\p{Lu})")
_NUMBER_LINE = regex.compile(r"Số\s*(?:hiệu)?\s*[:|]\s*(?:\|\s*)?$", regex.I)
_LOWER = regex.compile(r"\p{Ll}")
_TIME = regex.compile(r"(?<!\d)\d{1,2}:\d{2}(?!\d)")
_PLACE_DATE = regex.compile(r"[|\s]*\p{Lu}[\p{L} .\-]{1,40},\s*ngày\b")
_DATE_LINE = regex.compile(r"(?:ngày\s+)?\d{1,2}\s*(?:tháng|/|-|\.)\s*\d{1,2}\s*(?:năm|/|-|\.)\s*\d{4}\.?", regex.I)
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
    place_date = regex.compile(rf"^[ \t|]*(?P<name>{name_alt})\s*,\s*ngày\b", regex.I | regex.M)
    bare = regex.compile(rf"(?P<name>{name_alt})")  # case matters: "Hòa Bình", not "hòa bình" (peace)
    cues = regex.compile(rules.alternation(data["byline_cues"]), regex.I)
    return data, strong, letterhead, weak, headline, place_date, bare, cues


def find_published(text: str, dates: list[Date], meta_published: str | None = None) -> str | None:
    """The document's own date: a byline or time stamp, or a legal text's place-and-date line."""
    data, *_, cues = _compiled()
    labels = _date_labels()
    head_end = _nth_line_end(text, data["head_lines"])
    for d in dates:
        if d.start >= head_end or d.precision != "day":
            continue
        ls = text.rfind("\n", max(0, d.start - 300), d.start) + 1 or max(0, d.start - 300)
        le = text.find("\n", d.end, d.end + 300)
        line = text[ls: le if le >= 0 else min(len(text), d.end + 300)]
        before = text[max(0, ls - 80):d.start]
        if labels.fullmatch(text, ls, d.start):
            return d.value
        if (_TIME.search(line) or cues.search(line) or _LEGAL_DATE_LINE.search(before[-80:])
                or len(line.strip()) <= len(d.text) + 4):
            return d.value
    return meta_published


@lru_cache(maxsize=1)
def _date_labels():
    return regex.compile(rf"[ \t]*{rules.alternation(rules.load('document')['date_labels'])}[ \t]*:?[ \t]*")


def _nth_line_end(text: str, n: int) -> int:
    pos = -1
    for _ in range(n):
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return len(text)
    return pos


def find_province(text: str, title: str | None = None, skip: list[tuple[int, int]] = (),
                  ocr_spans: list[tuple[int, int]] = (), notes: list[str] | None = None) -> Province | None:
    """The province the document is about, by votes over every way the page names it (weights
    in rules/document.yml): the issuer ("UBND tỉnh X"), a letterhead line ("TỈNH X"), a legal
    text's place-and-date line ("X, ngày ..."), a headline that opens with the name ("X: ...",
    "X lên kế hoạch ...") or names it (`title`), "tỉnh X" / "thành phố X", and the bare name.
    Names inside `skip` (page furniture, related-article links) do not vote. A name named in a
    strong place (all but "tỉnh X" and the bare name) wins with the most votes, more than any
    other; a name only mentioned wins when it is the only one, or has at least `min_votes` and
    twice the votes of all others together (a national page names several provinces).

    Inside `ocr_spans` (text read by OCR) a name in the issuer, letterhead, place-and-date or
    "tỉnh X" places that is no province as written but one by edit distance (rules/ocr.yml:
    "Tâm Đồng" -> Lâm Đồng) votes for that province; when the winner was so read, `notes` gets
    a line saying what was read where."""
    data, strong, letterhead, weak, headline, place_date, bare, _ = _compiled()
    w = data["province_votes"]
    folded = new_style(text)
    score: Counter = Counter()
    first_as_written: dict[str, str] = {}
    counted = set()  # where voted names end: each position votes once, with its strongest weight
    strong_keys = set()
    skipped = Taken(skip)
    head_end = _nth_line_end(folded, 12)
    title_span = None
    if title:
        i = text.find(title, 0, head_end + len(title))
        title_span = (i, i + len(title)) if i >= 0 else None

    def vote(m, weight, strong=True):
        written = text[m.start("name"):m.end("name")]
        key = province_2025(written)
        if key is None or m.end("name") in counted or skipped.overlaps(m.start("name"), m.end("name")):
            return
        score[key] += weight
        first_as_written.setdefault(key, written)
        counted.add(m.end("name"))
        if strong:
            strong_keys.add(key)

    for m in letterhead.finditer(folded):
        vote(m, w["letterhead"])
    for m in headline.finditer(folded, 0, head_end):
        vote(m, w["headline"])
    for m in place_date.finditer(folded):
        vote(m, w["place_date"])
    for m in weak.finditer(folded):
        issuer = bool(strong.search(folded, max(0, m.start() - 50), m.start()))
        vote(m, w["issuer"] if issuer else w["unit"], issuer)
    for m in bare.finditer(folded):
        in_title = title_span is not None and title_span[0] <= m.start() < title_span[1]
        vote(m, w["title"] if in_title else w["bare"], in_title)
    misread: dict[str, tuple[str, int, int]] = {}  # province -> (as read, where, edits): names OCR got wrong
    if ocr_spans:
        for weight, is_strong, start, end, written in _misread_names(text, folded, ocr_spans, strong, w):
            found = nearest_province(written)
            if found is None or end in counted or skipped.overlaps(start, end):
                continue
            key = province_2025(found[0])
            score[key] += weight
            first_as_written.setdefault(key, found[0])
            misread.setdefault(key, (written, start, found[1]))
            counted.add(end)
            if is_strong:
                strong_keys.add(key)
    if not score:
        return None
    ranked = score.most_common(2)
    key, best = ranked[0]
    others = sum(score.values()) - best
    if ranked[1:] and ranked[1][1] == best:
        return None
    if key not in strong_keys and others and (best < w["min_votes"] or best < 2 * others):
        return None
    written = first_as_written[key]
    name = written if not written.isupper() else written.title()
    if key in misread and notes is not None:
        seen, at, edits = misread[key]
        notes.append(f"province {name}: read from OCR text as {seen!r} at offset {at} "
                     f"(edit distance {edits}, tone marks and case aside)")
    return Province(name=name, name_2025=key)


_CAPITALISED = r"\p{Lu}[\p{L}]*(?:[ \t\-–]+\p{Lu}[\p{L}]*){0,3}"


@lru_cache(maxsize=1)
def _misread_rules():
    data = rules.load("document")
    unit = rules.alternation(data["unit_words"], boundary=False)
    letterhead = regex.compile(rf"^[ \t]*(?:TỈNH|THÀNH PHỐ|UBND TỈNH|UBND THÀNH PHỐ)[ \t]+(?P<name>{_CAPITALISED})[ \t]*$",
                               regex.M)
    weak = regex.compile(rf"(?<!\w)(?i:{unit})[ \t]*(?P<name>{_CAPITALISED})")
    place_date = regex.compile(rf"^[ \t|]*(?P<name>{_CAPITALISED})[ \t]*,[ \t]*ngày\b", regex.M)
    return letterhead, weak, place_date


def _misread_names(text: str, folded: str, ocr_spans, strong, w):
    """(weight, strong, start, end, written) for each name in a province's place inside the OCR'd
    spans that is no province as written: each run of capitalised words, longest first."""
    letterhead, weak, place_date = _misread_rules()
    found = []
    for s, e in ocr_spans:
        for rx, kind in ((letterhead, "letterhead"), (place_date, "place_date"), (weak, "unit")):
            for m in rx.finditer(text, s, e):
                words = list(regex.finditer(r"\p{L}+", m.group("name")))
                base = m.start("name")
                for n in range(len(words), 0, -1):
                    start, end = base + words[0].start(), base + words[n - 1].end()
                    written = text[start:end]
                    if province_2025(written) is not None:
                        break  # a province as written: the exact votes have it
                    if nearest_province(written) is None:
                        continue
                    if kind == "unit":
                        issuer = bool(strong.search(folded, max(0, m.start() - 50), m.start()))
                        found.append((w["issuer"] if issuer else w["unit"], issuer, start, end, written))
                    else:
                        found.append((w[kind], True, start, end, written))
                    break
    return found


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
    """The headline: the first line that is an official text's type line ("KẾ HOẠCH", "NGHỊ
    QUYẾT", alone on its line), with the name on the line after it (and its capitalised
    continuation lines) joined by a space; or that has at least `title_min_words` words with
    lower-case letters and is not furniture, the national motto, a letterhead, a place-and-date
    line, a breadcrumb, a greeting or a time stamp (rules/document.yml)."""
    data = rules.load("document")
    skip, crumb, doc_type = _title_rules()
    lines, pos = [], 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, line.strip()))
        pos += len(line)
    for k, (s, body) in enumerate(lines):
        if any(a <= s < b for a, b in furniture) or skip.match(body) or crumb.fullmatch(body) \
                or _PLACE_DATE.match(body) or is_site_furniture(body) or _DATE_LINE.fullmatch(body):
            continue
        if k < data["head_lines"] and doc_type.fullmatch(body):
            name = []
            for _, nxt in lines[k + 1:k + 8]:
                if not nxt.strip("|-_ ") or skip.match(nxt) or (name and _LOWER.search(nxt)):
                    if name or nxt.strip("|-_ "):
                        break
                    continue
                name.append(nxt)
                if _LOWER.search(nxt):
                    break
            if name:
                return " ".join([body] + name)
        words = [w for w in body.split() if any(c.isalnum() for c in w)]
        if len(words) >= data["title_min_words"] and _LOWER.search(body) and not _TIME.search(body) \
                and "|" not in body and len(body) <= 300:
            return body
    return None


@lru_cache(maxsize=1)
def _title_rules():
    data = rules.load("document")
    skip = regex.compile(rf"\s*(?:{rules.alternation(data['not_title'])})")
    crumb = regex.compile(r"[^\d\-–>»/|]{1,30}(?:\s+[\-–>»/|]\s+[^\d\-–>»/|]{1,30})+")
    doc_type = regex.compile(rf"(?:{rules.alternation(data['document_types'])})")
    return skip, crumb, doc_type


@lru_cache(maxsize=1)
def _genre_rules():
    data = rules.load("document")
    types = {k.lower(): v for k, v in data["genre_types"].items()}
    type_alt = rules.alternation(list(data["genre_types"]), boundary=False)
    type_line = regex.compile(rf"(?P<t>{type_alt})(?=\s|$)")  # capitals, as the type line is written
    numbered = regex.compile(rf"(?P<t>{type_alt})\s+(?:số\s+)?\d+\s*/", regex.I)
    report = regex.compile(rules.alternation([rules.new_style(w) for w in data["report_title_words"]]), regex.I)
    return types, type_line, numbered, report


def find_genre(title: str | None, reads_as_report: bool) -> Genre:
    """What kind of document it is: an official type named by its title (rules/document.yml
    genre_types), else "report" when the title says results are reported (report_title_words)
    or the body has more result cues than target cues (`reads_as_report`), else "news"."""
    types, type_line, numbered, report = _genre_rules()
    m = (type_line.match(title) or numbered.match(title)) if title else None
    if m:
        return types[m.group("t").lower()]
    if reads_as_report or (title and report.search(rules.new_style(title))):
        return "report"
    return "news"
