"""Disjoint spans already taken, kept sorted so an overlap test is a binary search: an
extractor or the pipeline checks each new match in O(log n), not against every span so far."""
from __future__ import annotations

import bisect


class Taken:
    def __init__(self, spans=()):
        self.spans: list[tuple[int, int]] = []
        self.starts: list[int] = []
        for s, e in sorted(spans):
            self.add(s, e)

    def overlaps(self, start: int, end: int) -> bool:
        """Spans are disjoint, so only the last one starting before `end` can reach past `start`."""
        i = bisect.bisect_left(self.starts, end) - 1
        return i >= 0 and self.spans[i][1] > start

    def add(self, start: int, end: int) -> None:
        """Take a span that overlaps none taken so far."""
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.spans.insert(i, (start, end))
