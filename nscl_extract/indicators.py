"""Indicator records (SPEC 4): placeholder until the indicator stage lands."""
from __future__ import annotations

from .schema import Document, Indicator


def find_indicators(doc: Document, excluded: list[tuple[int, int]]) -> list[Indicator]:
    return []
