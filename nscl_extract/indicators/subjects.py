"""Subjects (SPEC 4): the noun phrase a quantity counts or measures, as written, and the
action that follows it. Cue lists in rules/indicators.yml."""
from __future__ import annotations

import regex

from ..extractors.tables import TableValue
from ..schema import Quantity
from .cues import cues
from .document import DocumentScope

_NUMBER = regex.compile(r"\d(?:[\d.,]*\d)?")
_SUBJECT_STOP = regex.compile(r"[;:.()\n\"“”]|\s[-–]\s|/\s*năm\b")
_RATE_SKIP = regex.compile(r"\s*(?:/\s*năm|mỗi\s+năm|hàng\s+năm|hằng\s+năm)?\s*", regex.I)
_TRONG_DO_BEFORE = regex.compile(r"trong\s+đó[^.;]{0,30}$", regex.I)
_TOKEN = regex.compile(r"\S+")
_LEADING_LINK = regex.compile(r"^(?:trong\s+đó|theo\s+đó)\s*,?\s*", regex.I)
_SPACE = regex.compile(r"\s*")
_MAX_WORDS = 16
_WINDOW = 300  # characters a subject may reach from its number
_MAX_ACTION = 160


def subject_action(ds: DocumentScope, q: Quantity, cs: int, own_end: int, cell: TableValue | None,
                   continued: str | None) -> tuple[str | None, str | None]:
    """The subject after the number ("60% doanh nghiệp ... triển khai"), else before it
    ("năng suất của xưởng tăng 18%"), else after "trong đó" the subject `continued`."""
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
    subject = raw[start:end].strip(" ,-–") or None
    if subject is None:
        subject = _subject_before(ds, q, cs)
        end = q.end
        if subject is None and _TRONG_DO_BEFORE.search(text, max(0, q.start - 40), q.start):
            subject = continued
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


def _subject_before(ds: DocumentScope, q: Quantity, cs: int) -> str | None:
    """A subject written before the number: "năng suất của xưởng tăng khoảng 18%"."""
    lo = max(cs, q.start - _WINDOW)
    head = ds.text[lo:q.start]
    m = cues().rx["verbs_before"].search(head)
    if not m:
        return None
    left = head[:m.start()]
    cuts = [(left.rfind(mark), len(mark)) for mark in (",", ":", " đạt ", " có ", " ghi nhận ")]
    pos, width = max(cuts)
    start = lo + (pos + width if pos >= 0 else 0)
    subject = (ds.doc.text or "")[start:lo + m.start()].strip(" ,-–")
    subject = _LEADING_LINK.sub("", subject)
    return subject or None
