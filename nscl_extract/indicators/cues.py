"""Cue words and phrases of rules/indicators.yml, compiled once."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from .. import rules
from ..rules import new_style


@dataclass(frozen=True)
class Cues:
    data: dict
    rx: dict


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = rules.load("indicators")
    words = {k: v for k, v in data.items() if isinstance(v, list) and k not in ("examples",)}
    rx = {k: regex.compile(rules.alternation([new_style(w) for w in v]), regex.I) for k, v in words.items()}
    rx["kind_cues"] = regex.compile(
        r"(?<!\w)(?:(?P<t>" + rules.alternation([new_style(w) for w in data["target_cues"]], boundary=False)
        + r")|(?P<r>" + rules.alternation([new_style(w) for w in data["result_cues"]], boundary=False) + r"))(?!\w)",
        regex.I)
    # "cây hàng năm", "kế hoạch hằng năm": the words name a kind of thing, not a yearly rate
    not_rate = rules.alternation([new_style(w) for w in data["per_year_nouns"]])
    rx["per_year"] = regex.compile(rf"(?<!{not_rate}\s*)" + rules.alternation([new_style(w) for w in data["per_year"]], boundary=False), regex.I)
    rx["level_end"] = regex.compile(rf"(?:{rules.alternation(data['level_verbs'])})[^,;]{{0,25}}$", regex.I)
    rx["funding_after"] = regex.compile(rf"\s*(?:{rules.alternation(data['funding_after'])})", regex.I)
    rx["verbs_before"] = regex.compile(
        rf"(?:{rules.alternation([new_style(w) for w in data['verbs_before']])})\s*"
        r"(?:khoảng|trên|hơn|tối thiểu|ít nhất|gần|xấp xỉ|bình quân|trung bình)?\s*$", regex.I)
    rx["baseline"] = regex.compile(r"\s*(?:" + "|".join(data["baseline_after"]) + r")\s+(?:dưới\s+|mức\s+|còn\s+)?\d", regex.I)
    return Cues(data, rx)
