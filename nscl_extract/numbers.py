"""Vietnamese numbers: "1.500" = 1500, "12,5" = 12.5, "01" = 1 (rules/numbers.yml)."""
from __future__ import annotations

from . import rules

# One number: thousands groups first, then a plain number with an optional decimal part.
# Not glued to a letter, digit or another number's punctuation on either side. At most 18
# integer digits: a longer run is no quantity (and would not fit a float).
NUM = r"(?<![\p{L}\d.,/:])(?:\d{1,3}(?:\.\d{3}){1,5}(?:,\d{1,6})?|\d{1,18}(?:[,.]\d{1,6})?)(?![\d\p{L}]|[.,/:]\d)"


def joiner() -> str:
    return rules.alternation(rules.load("numbers")["range_joiners"], boundary=False)


def parse_number(s: str) -> float:
    s = s.strip()
    if "." in s and "," in s:
        return float(s.replace(".", "").replace(",", "."))
    if "." in s:
        head, *groups = s.split(".")
        if groups and all(len(g) == 3 for g in groups) and 1 <= len(head) <= 3:
            return float(s.replace(".", ""))
        return float(s)
    return float(s.replace(",", "."))
