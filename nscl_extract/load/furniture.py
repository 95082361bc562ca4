"""Page furniture and related-article blocks (rules/furniture.yml).

Returns spans over the unchanged text: furniture yields nothing; related blocks yield
mentions but no indicators. Besides the listed lines and labels, page numbers ("Trang 2/5",
"- 3 -") and a printed page's running header or footer (the same short line on several pages)
are furniture: what a PDF text layer or OCR brings along."""
from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import regex

from .. import rules

MAX_LINE = 160
_LEAD = r"^[ \t\u00a0|\-–•*>]*"


@lru_cache(maxsize=1)
def _compiled():
    data = rules.load("furniture")
    lines = regex.compile(_LEAD + rules.alternation(data["lines"]), regex.I)
    labels = regex.compile(_LEAD + rules.alternation(data["labels"]) + r"[ \t\u00a0]*(?:[:|>]|$)", regex.I)
    related = regex.compile(_LEAD + rules.alternation(data["related"]) + r"[ \t\u00a0:]*$", regex.I)
    pages = regex.compile(r"^[ \t\u00a0]*(?:" + "|".join(data["page_numbers"]) + r")[ \t\u00a0]*$", regex.I)
    return lines, labels, related, pages, data["repeated"]


def _lines(text: str):
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        yield pos, pos + len(body), body
        pos += len(line)


def furniture_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(furniture, related): line spans of page furniture, and blocks of related-article links."""
    lines_rx, labels_rx, related_rx, pages_rx, repeated = _compiled()
    furniture, related = [], []
    block: list[int] | None = None
    seen: dict[str, list[tuple[int, int]]] = defaultdict(list)  # short lines, where they occur
    for s, e, body in _lines(text):
        stripped = body.strip()
        if repeated["min_chars"] <= len(stripped) <= repeated["max_chars"]:
            seen[stripped].append((s, e))
        if block is not None:
            if stripped and len(stripped) <= MAX_LINE and not _is_furniture(body, lines_rx, labels_rx):
                block[1] = e
                continue
            if not stripped and block[1] == block[0]:
                continue
            related.append((block[0], block[1]))
            block = None
        if len(stripped) > MAX_LINE or not stripped:
            continue
        if related_rx.match(body):
            block = [s, e]
        elif _is_furniture(body, lines_rx, labels_rx) or pages_rx.match(body):
            furniture.append((s, e))
    if block is not None:
        related.append((block[0], block[1]))
    runs = [span for spans in seen.values() if len(spans) >= repeated["min_count"]
            and all(b[0] - a[0] >= repeated["min_gap_chars"] for a, b in zip(spans, spans[1:])) for span in spans]
    if runs:  # running headers and footers: the same short line on every page
        taken = set(furniture) | {span for span in runs if any(r[0] <= span[0] < r[1] for r in related)}
        furniture = sorted(set(furniture) | {span for span in runs if span not in taken})
    return furniture, related


def _is_furniture(body: str, lines_rx, labels_rx) -> bool:
    return bool(lines_rx.match(body) or labels_rx.match(body))


@lru_cache(maxsize=1)
def _site_line():
    return regex.compile(rf"\s*(?:{rules.alternation(rules.load('document')['site_furniture'])})", regex.I)


def is_site_furniture(line: str | None) -> bool:
    """A line of the site around the document (a login bar, a portal banner, a visitor counter,
    a byline: rules/document.yml `site_furniture`), which is never the document's title."""
    return bool(line) and bool(_site_line().match(line.strip()))
