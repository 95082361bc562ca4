"""Lookups that keep the stage linear: mentions by start offset (binary search, never a scan of
every mention per paragraph or per number) and positions covered by spans (one bytearray)."""
from __future__ import annotations

import bisect


class ByStart:
    """Mentions sorted by start; those starting in [a, b) in O(log n + k)."""

    def __init__(self, items):
        self.items = sorted(items, key=lambda m: m.start)
        self.starts = [m.start for m in self.items]

    def within(self, a: int, b: int) -> list:
        return self.items[bisect.bisect_left(self.starts, a):bisect.bisect_left(self.starts, b)]

    def first_within(self, a: int, b: int):
        i = bisect.bisect_left(self.starts, a)
        return self.items[i] if i < len(self.items) and self.starts[i] < b else None


class Marks:
    """Which positions of a text some span covers: covered(i) in O(1)."""

    def __init__(self, length: int, spans):
        self.bits = bytearray(length + 1)
        for s, e in spans:
            s, e = max(0, s), min(length, e)
            if e > s:
                self.bits[s:e] = b"\x01" * (e - s)

    def covered(self, i: int) -> bool:
        return 0 <= i < len(self.bits) and self.bits[i] == 1
