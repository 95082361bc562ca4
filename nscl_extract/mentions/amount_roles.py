"""The role of a money amount: the plan's own budget ("budget"), the investment capital of
projects ("investment"), lending and debt ("loan"), revenue ("revenue") or another economic
figure such as GRDP ("economic"); None when its words say none of these. Cues are data
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


ROLES = ("budget", "investment", "loan", "revenue", "economic")


@lru_cache(maxsize=1)
def _rules():
    data = rules.load("amount_roles")
    cues = {}
    for role in ROLES:
        cues |= {w: role for w in data[role]}
    before = regex.compile(rules.alternation([fold_vi(w) for w in cues]))
    after = regex.compile(rules.alternation([fold_vi(w) for w in data["budget_after"]]))
    overriding = frozenset(data.get("overrides_budget") or ())
    return before, {fold_vi(w): role for w, role in cues.items()}, after, int(data["context_chars"]), overriding


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
    before, roles, after, chars, overriding = _rules()
    if amount.per:
        return "economic"
    found = [roles[regex.sub(r"\s+", " ", m.group(0))]
             for m in before.finditer(fold_vi(_window_before(text, amount.start, chars)))]
    if found:
        if found[-1] == "budget":  # a lending programme's "kinh phí" is money lent
            return next((r for r in reversed(found) if r in overriding), "budget")
        return found[-1]
    if after.search(fold_vi(_window_after(text, amount.end, chars))):
        return "budget"
    return None


def with_roles(text: str, amounts: list[Amount]) -> list[Amount]:
    """The amounts with their role set (pipeline.py calls this once per document)."""
    return [a.model_copy(update={"role": amount_role(text, a)}) for a in amounts]
