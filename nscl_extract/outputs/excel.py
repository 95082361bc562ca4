"""Cells for Excel (--excel): a text cell that begins with = + - @, a tab or a carriage return is
a formula to Excel (=HYPERLINK(...) from a document's text runs; a "- " bullet shows #NAME?), so
it gets a leading apostrophe, which Excel reads as "this is text" and does not show. Numbers
("-5", "+2.5") stay numbers. Plain CSV (without --excel) is written as it is."""
from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def excel_cell(value: str) -> str:
    """value as Excel shows it as text: a leading apostrophe when Excel would read a formula."""
    if value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
