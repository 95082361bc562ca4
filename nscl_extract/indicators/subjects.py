"""Subjects (SPEC 4): the noun phrase a quantity counts or measures, as written, and the
action that follows it. Cue lists in rules/indicators.yml."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules
from ..rules import new_style
from ..text.words import tagged_words

from ..mentions.tables import TableValue
from ..schema import Quantity
from .cues import cues
from .document import DocumentScope

_NUMBER = regex.compile(r"\d(?:[\d.,]*\d)?")
_SUBJECT_STOP = regex.compile(r"[;:.()\n\"“”]|\s[-–]\s|/\s*năm\b")
_RATE_SKIP = regex.compile(r"\s*(?:/\s*năm|mỗi\s+năm|hàng\s+năm|hằng\s+năm)?\s*", regex.I)
_TRONG_DO_BEFORE = regex.compile(r"trong\s+đó[^.;]{0,30}$", regex.I)
_TOKEN = regex.compile(r"\S+")
_SPACE = regex.compile(r"\s*")
_MAX_WORDS = 16
_WINDOW = 300  # characters a subject may reach from its number
_MAX_ACTION = 160


def subject_action(ds: DocumentScope, q: Quantity, cs: int, own_start: int, own_end: int, cell: TableValue | None,
                   continued: str | None, previous: str | None = None) -> tuple[str | None, str | None]:
    """The noun phrase around the number. Before it when a level or change verb stands between
    ("Tỷ lệ che phủ rừng đến năm 2025 đạt 48%") or the phrase runs straight into it ("tỷ lệ hộ
    nghèo 41,01%") and the number is a percentage or a measure ("4.000 ha"); else after it
    ("60% doanh nghiệp ... triển khai"; "đào tạo 20 chuyên gia"); else before it; else after
    "trong đó" the subject `continued`; else, in an elliptical continuation (", tăng 1,7%"),
    `previous`, the subject of the number before it in its sentence."""
    text, raw = ds.text, ds.doc.text or ""
    if cell is not None:
        return (cell.label.text if cell.label else None), None
    ce = min(own_end, q.end + _WINDOW)
    if q.unit == "%":
        skip = _RATE_SKIP.match(text, q.end, ce)
        start = skip.end() if skip else q.end
    else:
        digits = list(_NUMBER.finditer(q.text))
        start = q.start + (digits[-1].end() if digits else 0)
        start = _SPACE.match(text, start, ce).end() if start < ce else start
    end = _subject_end(text, start, ce, q.unit != "%")
    after = raw[start:end].strip(" ,-–") or None
    before, how = _subject_before(ds, q, max(cs, own_start))
    measure = q.unit == "%" or new_style(q.unit.split("/")[0].lower()) in _measure_units()
    bare_unit = q.unit != "%" and after is not None and new_style(after.lower()) == new_style(q.unit.lower())
    if before and measure and (how in ("level", "noun") or bare_unit):  # "đàn bò có trên 283.000 con"
        subject, end = before, q.end
    elif after:
        subject = after
    else:
        subject, end = before, q.end
        if subject is None and _TRONG_DO_BEFORE.search(text, max(0, q.start - 40), q.start):
            subject = continued
        elif subject is None and how == "level":
            subject = previous
    action = raw[end:min(own_end, end + 4 * _MAX_ACTION)].strip(" ,.:;") or None
    return subject, (action[:_MAX_ACTION] if action else None)


def _subject_end(text: str, start: int, ce: int, is_count: bool) -> int:
    """Where the subject noun phrase stops: an action verb, a clause mark, or 16 words."""
    cue = cues()
    m = _SUBJECT_STOP.search(text, start, ce)
    end = m.start() if m else ce
    for n, w in enumerate(_TOKEN.finditer(text, start, end), 1):
        ws = w.start()
        if (n > 1 or not is_count) and cue.rx["action_verbs"].match(text, ws):
            return ws
        if n > _MAX_WORDS:
            return ws
    return end


@lru_cache(maxsize=1)
def _before_rx():
    data = cues().data
    alt = lambda key: rules.alternation([new_style(w) for w in data[key]])  # noqa: E731
    time = r"(?:(?:bình\s+quân\s+)?(?:trong\s+)?giai\s+đoạn\s*(?:19|20)\d{2}\s*[-–]\s*(?:19|20)?\d{2}" \
           r"|(?:(?:đến|tới|vào|trong)\s+)?(?:(?:hết|cuối|đầu)\s+)?(?:năm\s+)?(?:19|20)\d{2}(?!\d))"
    not_rate = alt("per_year_nouns")
    # searched backwards from the number (REVERSE): the cost is the length of the match, not of the window
    tail = regex.compile(rf"(?:[\s,]*(?:{time}|(?<!{not_rate}\s*){alt('subject_skip_words')}))+[\s,]*$", regex.I | regex.REVERSE)
    level = regex.compile(rf"(?:{alt('verbs_before')})\s*$", regex.I | regex.REVERSE)
    lead = regex.compile(rf"(?:[\s,\-–+•*]*(?:\(?\d{{1,2}}\)|[a-zđ]\)|{time}|{alt('subject_lead_words')}))+[\s,]*", regex.I)
    return tail, level, lead


def _subject_before(ds: DocumentScope, q: Quantity, cs: int) -> tuple[str | None, str | None]:
    """The noun phrase written before the number, after `cs` (its clause or the previous number),
    and how it meets it: "level" (through a level
    or change verb: "đạt", "tăng", "là"), "noun" (straight: "tỷ lệ hộ nghèo 41,01%"), "verb"
    (through another verb: "hỗ trợ 20 doanh nghiệp", so the phrase after is the subject) or None.
    Time phrases ("đến năm 2025", "bình quân giai đoạn 2021-2025"), comparators, lead-ins
    ("mục tiêu", "phấn đấu") and leading conjunctions are no part of it."""
    tail, level, lead = _before_rx()
    text = ds.text
    lo = max(cs, q.start - _WINDOW)
    end, how = q.start, None
    while end > lo:
        m = level.search(text, lo, end)
        if m and m.end() == end and (m.start() == lo or not text[m.start() - 1].isalnum()):
            end, how = m.start(), "level"
            continue
        m = tail.search(text, lo, end)
        if m and m.start() < end:
            end = m.start()
            continue
        break
    head_end = end
    while head_end > lo and text[head_end - 1] in " \t":
        head_end -= 1
    if head_end <= lo or not text[head_end - 1].isalnum():
        return None, how
    if how is None:
        word = tagged_words(text, max(lo, head_end - 30), head_end)
        tag = word[-1][2] if word else ""
        how = "verb" if tag.startswith("V") else "noun" if tag[:1] in ("N", "A", "R") else None
        if how is None:  # "đại diện của 50% doanh nghiệp": a preposition, the phrase after is the subject
            return None, None
    cut = max(text.rfind(mark, lo, head_end) for mark in (",", ";", ":", "\n", "(", " đạt ", " - "))
    start = lo if cut < 0 else cut + 1
    if cut >= 0 and text[cut] == "(" and ")" in text[cut:head_end]:  # "Tổng sản phẩm (GRDP)": one phrase
        start = max(lo, max(text.rfind(mark, lo, cut) for mark in (",", ";", ":", "\n")) + 1)
    m = lead.match(text, start, head_end)
    start = m.end() if m else start
    subject = (ds.doc.text or "")[start:head_end].strip(" ,-–")
    if not subject or not any(c.isalpha() for c in subject):
        return None, how
    return subject, how


@lru_cache(maxsize=1)
def _measure_units() -> frozenset[str]:
    """Units that measure rather than name what is counted ("4.000 ha", "26.800 người"): the
    subject of such a count stands before it."""
    return frozenset(new_style(u.lower()) for u in cues().data["measure_units"])
