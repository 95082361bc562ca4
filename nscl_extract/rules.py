"""Rules are data: each rules/<name>.yml holds patterns, lexicons and the examples they must
(and must not) match. This module finds and loads them; the extractors compile what they need."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import regex
import yaml


def rules_dir() -> Path:
    """rules/ beside the package in a checkout or editable install, else the copy inside the wheel."""
    here = Path(__file__).resolve().parent.parent / "rules"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent / "_rules"


# libyaml's parser when PyYAML was built with it: the same data, about 8 times faster, which is
# a tenth of a second at every start-up (benchmarks/README.md).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """rules/<name>.yml, every string NFC. Cached: callers must not change what it returns."""
    path = rules_dir() / f"{name}.yml"
    with open(path, encoding="utf-8") as f:
        data = yaml.load(f, Loader=_LOADER) or {}
    return _nfc(data)


def _nfc(obj):
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc(x) for x in obj]
    if isinstance(obj, dict):
        return {_nfc(k): _nfc(v) for k, v in obj.items()}
    return obj


_WS_RUN = regex.compile(r"\s+")


def squash(text: str, sep: str = " ") -> str:
    """Runs of white space as one `sep`: how lexicon keys are compared."""
    return _WS_RUN.sub(sep, text)


def alternation(words, *, boundary: bool = True) -> str:
    """A regex alternation of literal words, longest first, spaces matching any run of whitespace."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    alts = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in parts)
    return rf"(?<!\w)(?:{alts})(?!\w)" if boundary else f"(?:{alts})"


# Tone-mark styles: "hoá" (old) and "hóa" (new) differ only in where the mark sits in an open
# syllable "oa", "oe", "uy". These maps move it, keeping the string length.
def _build_tone_maps():
    marks = "\u0301\u0300\u0309\u0303\u0323"  # sắc huyền hỏi ngã nặng
    pairs = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for m in marks:
            for up in (False, True):
                f, s = (first.upper(), second) if up else (first, second)
                new = unicodedata.normalize("NFC", f + m) + s
                old = f + unicodedata.normalize("NFC", s + m)
                pairs[new] = old
                fs, ss = first.upper(), second.upper()
                pairs[unicodedata.normalize("NFC", fs + m) + ss] = fs + unicodedata.normalize("NFC", ss + m)
    return pairs


_PAIRS = _build_tone_maps()
_NEW_RE = regex.compile(r"(?<![qQ])(?:" + "|".join(map(regex.escape, _PAIRS)) + r")(?!\p{L})")
_OLD_RE = regex.compile(r"(?<![qQ])(?:" + "|".join(map(regex.escape, _PAIRS.values())) + r")(?!\p{L})")
_INV = {v: k for k, v in _PAIRS.items()}


def old_style(text: str) -> str:
    """'hàng hóa' -> 'hàng hoá' (same length): the style underthesea's model was trained on."""
    return _NEW_RE.sub(lambda m: _PAIRS[m.group()], text)


def new_style(text: str) -> str:
    """'hàng hoá' -> 'hàng hóa' (same length): one style for comparing words."""
    return _OLD_RE.sub(lambda m: _INV[m.group()], text)
