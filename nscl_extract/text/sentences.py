"""Paragraphs, sentences and clauses with exact offsets.

Sentences come from underthesea's sent_tokenize, run on a guarded copy of each paragraph
where dots that do not end a sentence ("VietQ.vn", "TP.HCM", "TP. Vinh", "1.500",
"ISO 9001:2015") are replaced by a same-length placeholder, so offsets stay exact."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from ..rules import old_style

_PLACEHOLDER = "\u2024"  # one dot leader: not a sentence end for the tokenizer
_GUARDS = regex.compile(
    r"(?<=\d)\.(?=\d)"                      # 1.500, 4.0
    r"|(?<=\p{L})\.(?=\p{L})"               # VietQ.vn, TP.HCM
    r"|(?<=(?<!\p{L})(?:TP|Tp|TX|TT|Q|P|TS|ThS|PGS|GS|KS|BS|Th|St|Co|Ltd|Mr|Ms|v\.v|Nxb))\.(?=\s)"  # TP. Vinh
)
_HEADING = regex.compile(r"^(?:[IVXLC]+\.|\d{1,2}\.|[a-zđ]\)|Điều \d)\s")
_BULLET = regex.compile(r"^[ \t]*(?:[-+•*–]|\(?\d{1,2}\)|[a-zđ]\))[ \t]+")


@dataclass(frozen=True)
class Block:
    """A paragraph: lines joined where a hard wrap split a sentence."""

    start: int
    end: int
    bullet: bool


def blocks(text: str, wrap: int = 60) -> list[Block]:
    """Paragraphs; `wrap` is the line length from which a line that runs on is a hard wrap (the
    width a page is set to: 60 for most text, narrower for a column of an OCR'd page)."""
    out: list[Block] = []
    lines, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append((pos, pos + len(body), body))
        pos += len(raw)
    cur = None
    for i, (s, e, body) in enumerate(lines):
        if not body.strip():
            if cur:
                out.append(cur)
            cur = None
            continue
        if cur is not None and _continues(last, body, wrap):
            cur, last = (cur[0], e, cur[2]), body
            continue
        if cur:
            out.append(cur)
        cur, last = (s, e, bool(_BULLET.match(body))), body
    if cur:
        out.append(cur)
    return [Block(*b) for b in out]


def _continues(prev: str, line: str, wrap: int = 60) -> bool:
    """A hard-wrapped line: the previous line (`prev`, never the whole block: that would be
    quadratic in a long block) does not end a sentence, this one is no bullet or heading, and
    it starts lower case or the previous line is long (the wrap width)."""
    p, l = prev.rstrip(), line.lstrip()
    if not p or p[-1] in ".;:!?|" or not l or _BULLET.match(line) or _HEADING.match(l):
        return False
    return l[0].islower() or len(p) >= wrap


@lru_cache(maxsize=256)
def _sent_tokenize(s: str) -> tuple[str, ...]:
    from underthesea import sent_tokenize

    return tuple(sent_tokenize(s))


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]."""
    chunk = text[start:end]
    guarded = _GUARDS.sub(lambda m: _PLACEHOLDER * len(m.group()), old_style(chunk).replace("\n", " "))
    out, pos = [], 0
    for sent in _sent_tokenize(guarded):
        head = sent.strip()[:20]
        i = guarded.find(head, pos) if head else -1
        if i < 0:
            continue
        j = i + len(sent.strip())
        if guarded[i:j] != sent.strip():  # the tokenizer changed spacing: find the end by the last words
            tail = sent.strip()[-12:]
            k = guarded.find(tail, i)
            j = k + len(tail) if k >= 0 else j
        out.append((start + i, start + j))
        pos = j
    if not out:
        return [(start, end)]
    # no text between sentences is lost: stretch each to the next one's start
    merged = [(out[k][0], out[k + 1][0] if k + 1 < len(out) else end) for k in range(len(out))]
    merged[0] = (start, merged[0][1])
    return [(s, _rstrip(text, s, e)) for s, e in merged]


def _rstrip(text: str, s: int, e: int) -> int:
    while e > s and text[e - 1].isspace():
        e -= 1
    return e


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clause spans of a sentence: the stretches between ";"."""
    out, s = [], start
    for m in regex.finditer(";", text[start:end]):
        out.append((s, start + m.start()))
        s = start + m.end()
    out.append((s, end))
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), _rstrip(text, a, b)) for a, b in out if text[a:b].strip()]
