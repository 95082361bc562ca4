"""The role of a money amount: the plan's own budget ("budget") or an economic figure such as
GRDP, revenue or investment ("economic"); None when its words say neither. Cues are data
(rules/amount_roles.yml, with examples); the choice is documented in docs/annotation.md."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

import regex

from .. import rules
from ..text.provinces import fold_vi
from ..schema import Amount

# Where a sentence or list item ends; a hard-wrapped line (the next one starts in lower case) goes on.
_SENTENCE_END = regex.compile(r"[.;!?](?=\s)|\n(?=\s*(?:$|[-+•*–]|\(?\d+[.)]|\p{Lu}))")


@lru_cache(maxsize=1)
def _rules():
    data = rules.load("amount_roles")
    cues = {w: "budget" for w in data["budget"]} | {w: "economic" for w in data["economic"]}
    before = regex.compile(rules.alternation([fold_vi(w) for w in cues]))
    after = regex.compile(rules.alternation([fold_vi(w) for w in data["budget_after"]]))
    return before, {fold_vi(w): role for w, role in cues.items()}, after, int(data["context_chars"])


def _window_before(text: str, start: int, chars: int) -> str:
    lo = max(0, start - chars)
    line_start = text.rfind("\n", lo, start) + 1 or lo
    if text[line_start:start].lstrip().startswith("|"):  # a table row: the rows above in its paragraph
        para = text.rfind("\n\n", lo, start)
        return text[para + 2 if para >= 0 else lo:start]
    cut = None
    for m in _SENTENCE_END.finditer(text, lo, start):
        cut = m.end()
    return text[cut if cut is not None else lo:start]


def _window_after(text: str, end: int, chars: int) -> str:
    m = _SENTENCE_END.search(text, end, min(len(text), end + chars))
    return text[end:m.start() if m else min(len(text), end + chars)]


def amount_role(text: str, amount: Amount) -> Optional[str]:
    before, roles, after, chars = _rules()
    if amount.per:
        return "economic"
    found = list(before.finditer(fold_vi(_window_before(text, amount.start, chars))))
    if found:
        return roles[regex.sub(r"\s+", " ", found[-1].group(0))]
    if after.search(fold_vi(_window_after(text, amount.end, chars))):
        return "budget"
    return None


def with_roles(text: str, amounts: list[Amount]) -> list[Amount]:
    """The amounts with their role set (pipeline.py calls this once per document)."""
    return [a.model_copy(update={"role": amount_role(text, a)}) for a in amounts]
