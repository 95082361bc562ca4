"""Numbers that are no indicator (SPEC 4): background statistics, funding rules, plan
structure, baselines and thresholds. Cue lists in rules/indicators.yml."""
from __future__ import annotations

from functools import lru_cache

import regex

from ..rules import new_style
from ..schema import Quantity
from .clause import ClauseFacts
from .cues import cues

_SHARE = regex.compile(r"chiếm\s*(?:khoảng|trên|hơn|gần)?\s*$", regex.I)
_FROM = regex.compile(r"(?<!\w)từ\s*$", regex.I)
_LIST_MARK = regex.compile(r"[,;]")


@lru_cache(maxsize=1024)
def _plan_structure_unit(unit: str) -> bool:
    """"5 nhiệm vụ", "13 chỉ tiêu": a unit that names a part of the plan itself."""
    unit = new_style(unit.lower())
    return any(unit == u or unit.startswith(u + " ") for u in map(str.lower, cues().data["plan_structure"]))


_CRITERION = regex.compile(r"[^,;()]{0,25}?(?<!\w)(?:đạt|đáp\s+ứng)(?:\s+(?:từ|dưới|trên|ít\s+nhất|tối\s+thiểu))?\s*$", regex.I)


def not_indicator(text: str, q: Quantity, clause: ClauseFacts, own_start: int, own_end: int,
                  percent_before: Quantity | None, before: Quantity | None = None) -> str | None:
    """Why q is no indicator by these rules ("background", "funding", "funding_share",
    "plan_structure", "baseline", "threshold", "criterion"), or None. `own_start:own_end` is the
    text q owns (from the previous number to the next one in its clause); `percent_before` the
    last percentage before q in the clause. The reason is evidence for the indicator model
    (decide.py), which makes the decision."""
    cue = cues()
    cs = clause.start
    if cue.rx["background_cues"].search(text, own_start, own_end) and not clause.target_cue:
        return "background"
    if cue.rx["funding_after"].match(text, q.end) or q.unit.split("/")[0] == "hợp đồng":
        return "funding"
    if clause.funding_share_end is not None and clause.funding_share_end <= q.start \
            and _SHARE.search(text, own_start, q.start):
        return "funding_share"
    if _plan_structure_unit(q.unit) and cue.rx["plan_structure_verbs"].search(text, max(cs, q.start - 25), q.start):
        return "plan_structure"
    if cue.rx["baseline"].match(text, q.end) and _FROM.search(text, max(cs, q.start - 8), q.start):
        return "baseline"
    # "70% doanh nghiệp triển khai ít nhất 01 dự án": a count after a percentage is its threshold
    if q.unit != "%" and percent_before is not None and not _LIST_MARK.search(text, percent_before.end, q.start):
        return "threshold"
    # "13 xã đạt từ 10 - 14 tiêu chí": a count a counted thing reaches is a criterion of that count
    if q.unit != "%" and before is not None and before.unit != "%" and before.end >= clause.start \
            and _CRITERION.match(text, before.end, q.start):
        return "criterion"
    return None
