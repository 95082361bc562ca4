"""What every quantity type shares (rules/numbers.yml): Vietnamese number formats ("1.500" =
1500, "12,5" = 12.5, "01" = 1), range joiners, the one comparator table (words before a
number, "trở lên"/"trở xuống" after it) and multiplier words. Percentages, counts, amounts
and table cells all read them here, so each form is handled once."""
from __future__ import annotations

from functools import lru_cache

import regex

from .. import rules

# One number: thousands groups first, then a plain number with an optional decimal part.
# Not glued to a letter, digit or another number's punctuation on either side. At most 18
# integer digits: a longer run is no quantity (and would not fit a float).
NUM_BEFORE = r"(?<![\p{L}\d.,/:])"
NUM_BODY = r"(?:\d{1,3}(?:\.\d{3}){1,5}(?:,\d{1,6})?|\d{1,18}(?:[,.]\d{1,6})?)"
NUM_AFTER = r"(?![\d\p{L}]|[.,/:]\d)"
NUM = NUM_BEFORE + NUM_BODY + NUM_AFTER
SP = r"[ \t\u00a0]"


_OTHER_DIGITS = regex.compile(r"[^\P{Nd}0-9]")
NOT_A_DIGIT = "\u02bc"  # a letter (modifier letter apostrophe): glued to a number, it stops the match


def ascii_digit_view(text: str) -> str:
    """text with every decimal digit that is not ASCII replaced by NOT_A_DIGIT (same length, so
    offsets hold): only 0-9 are numbers, and no extractor meets a digit float() cannot read."""
    if text.isascii() or not _OTHER_DIGITS.search(text):
        return text
    return _OTHER_DIGITS.sub(NOT_A_DIGIT, text)


def data() -> dict:
    return rules.load("numbers")


@lru_cache(maxsize=1)
def joiner() -> str:
    """A range joiner: a dash, "đến"/"tới", or "và" right after "giữa <number>"."""
    d = data()
    plain = rules.alternation(d["range_joiners"], boundary=False)
    opening = rules.alternation(d["between"]["open"])
    join = rules.alternation(d["between"]["join"])
    return rf"(?:{plain}|(?<=(?i:{opening}){SP}+\d[\d.,]*[^\d\n]{{0,25}}?){join})"


@lru_cache(maxsize=1)
def _comparators():
    d = data()["comparators"]
    before = [(c, w) for c, ws in d["before"].items() for w in ws]
    signs = [(c, w) for c, ws in d["signs"].items() for w in ws]
    after = [(c, w) for c, ws in d["after"].items() for w in ws]
    words = rules.alternation([w for _, w in before])
    marks = rules.alternation([w for _, w in signs], boundary=False)
    before_rx = regex.compile(rf"({words}){SP}+$|(?<![<>=≤≥])({marks}){SP}*$", regex.I)
    before += signs
    after_rx = regex.compile(rf"{SP}*({rules.alternation([w for _, w in after])})", regex.I)
    return before_rx, {w.lower(): c for c, w in before}, after_rx, {w.lower(): c for c, w in after}


def comparator_words() -> dict[str, str]:
    """Every comparator written before a number, lower case -> comparator."""
    return dict(_comparators()[1])


def comparator_before(text: str, start: int) -> tuple[str, int]:
    """The comparator written right before `start`, and where it begins ("eq", start if none)."""
    before_rx, of, _, _ = _comparators()
    m = before_rx.search(text, max(0, start - 30), start)
    if not m:
        return "eq", start
    g = 1 if m.group(1) is not None else 2
    return of[rules.squash(m.group(g).lower())], m.start(g)


def comparator_after(text: str, end: int) -> tuple[str, int] | None:
    """A comparator written right after a quantity ("trở lên" gte, "trở xuống" lte) and its end."""
    _, _, after_rx, of = _comparators()
    m = after_rx.match(text, end, end + 40)
    if not m:
        return None
    return of[rules.squash(m.group(1).lower())], m.end()


@lru_cache(maxsize=1)
def multipliers() -> tuple[dict[str, float], str]:
    """Multiplier words (lower case, single spaces) and their alternation."""
    table = {rules.squash(k.lower()): float(v) for k, v in data()["multipliers"].items()}
    return table, rules.alternation(list(data()["multipliers"]))


def multiplier_value(word: str) -> float:
    return multipliers()[0][rules.squash(word.lower())]


@lru_cache(maxsize=1)
def loose_range_cue() -> str:
    """The words after which "55 60%" (a range whose dash was lost) may be read as a range."""
    return rules.alternation(data()["loose_range"]["cues"] + list(comparator_words()))


def loose_range_ok(a: float, b: float) -> bool:
    return a < b <= a * float(data()["loose_range"]["max_ratio"])


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
