"""Province names -> their name after the July 2025 merger (rules/provinces.yml).

`province_2025` is what the scorer uses to compare a gold province with a predicted one:
both sides are mapped, so "Bình Định" (a 2022 plan) and "Gia Lai" (the merged province)
compare equal. `fold_vi` is the comparison key for Vietnamese words shared with the scorer:
NFC, lower case and one tone-mark style.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .. import rules
from ..rules import load, new_style


def fold_vi(text: str) -> str:
    """Comparison key for Vietnamese text: NFC, lower case, tone mark on the first vowel of
    an open "oa/oe/uy" ("Hoá" -> "hóa", "thuỷ" -> "thủy"). Spacing is left as it is."""
    return new_style(unicodedata.normalize("NFC", text.lower()))


_PREFIX = re.compile(r"^(?:ubnd\s+)?(?:tỉnh|thành phố|tp\.?|t\.p\.?)\s*")
_PARENS = re.compile(r"\([^)]*\)")


def name_key(name: str) -> str:
    """'TP. Hồ Chí Minh' -> 'hồchíminh', 'Bà Rịa-Vũng Tàu' -> 'bàrịavũngtàu', 'Thanh Hoá' -> 'thanhhóa'."""
    s = _PARENS.sub(" ", fold_vi(name)).strip()
    s = _PREFIX.sub("", s)
    return "".join(ch for ch in s if ch.isalnum())


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    data = load("provinces")
    table: dict[str, str] = {}
    for entry in data.get("provinces", []):
        new = unicodedata.normalize("NFC", entry["name_2025"])
        for name in [entry["name"], *(entry.get("aliases") or [])]:
            table[name_key(str(name))] = new
    for new in set(table.values()):  # a 2025 name maps to itself
        table.setdefault(name_key(new), new)
    return table


def province_2025(name: str | None) -> str | None:
    """The 2025 province of a province name as documents write it; None when not a province."""
    if not name or not name.strip():
        return None
    return _table().get(name_key(name))


def plain_key(name: str) -> str:
    """name_key without tones or diacritics, as people type on a keyboard without Vietnamese
    input: 'Lam Dong', 'lâm đồng' and 'LÂM ĐỒNG' -> 'lamdong'."""
    s = unicodedata.normalize("NFD", name_key(name).replace("đ", "d"))
    return "".join(ch for ch in s if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _names_by_plain_key() -> dict[str, str]:
    """plain_key -> the province name as the table writes it (old names, aliases, 2025 names).
    No two provinces share a plain key (tests/test_store.py holds that)."""
    data = load("provinces")
    names: dict[str, str] = {}
    for entry in data.get("provinces", []):
        for name in [entry["name"], *(entry.get("aliases") or []), entry["name_2025"]]:
            names.setdefault(plain_key(str(name)), unicodedata.normalize("NFC", str(name)))
    return names


def typed_province(name: str | None) -> str | None:
    """The province a user means by a name typed with or without tones, in any case ("ha noi",
    "Lam Dong", "BÌNH ĐỊNH"), written as the province table writes it; None when it is no province."""
    if not name or not name.strip():
        return None
    if province_2025(name) is not None:
        return name
    return _names_by_plain_key().get(plain_key(name))


@lru_cache(maxsize=1)
def _names_for_ocr() -> dict[str, str]:
    """plain_key(name) -> the province's name as the table gives it (names and aliases to the
    name, a 2025 name to itself): what an OCR'd name is matched against."""
    data = load("provinces")
    table: dict[str, str] = {}
    for entry in data.get("provinces", []):
        for name in [entry["name"], *(entry.get("aliases") or [])]:
            table.setdefault(plain_key(str(name)), unicodedata.normalize("NFC", entry["name"]))
        table.setdefault(plain_key(entry["name_2025"]), unicodedata.normalize("NFC", entry["name_2025"]))
    return table


def _edits(a: str, b: str, most: int) -> int:
    """Levenshtein distance, or most + 1 once it is sure to be larger."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > most:
            return most + 1
        prev = cur
    return prev[-1]


def nearest_province(written: str) -> tuple[str, int] | None:
    """(province name, edits) of a name as OCR read it ("Tâm Đồng" -> ("Lâm Đồng", 1)) by
    rules/ocr.yml's province_match; None when it is no province, or when two are about as near."""
    limits = rules.load("ocr")["province_match"]
    key = plain_key(written)
    if len(key) < limits["min_letters"]:
        return None
    most = limits["max_edits"] + limits["margin"]
    ranked = sorted((_edits(key, k, most), name) for k, name in _names_for_ocr().items())
    best, name = ranked[0]
    if best > limits["max_edits"]:
        return None
    rival = next((d for d, other in ranked[1:] if province_2025(other) != province_2025(name)), most + 1)
    return (name, best) if rival >= best + limits["margin"] else None
