"""Noisy pages keep HTML entities ("ng&agrave;y", "&nbsp;") in their text. SPEC forbids
rewriting the text, so extraction runs on a decoded view and every span is mapped back to
the original offsets."""
from __future__ import annotations

import html

import regex

from pydantic import BaseModel

from ..schema import Span

_ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decoded_view(text: str) -> tuple[str, list[int]] | None:
    """(view, origin) where origin[i] is the offset in text of view[i] (origin[len(view)] ==
    len(text)); None when text has no entity to decode."""
    if "&" not in text or not _ENTITY.search(text):
        return None
    parts, origin, pos = [], [], 0
    for m in _ENTITY.finditer(text):
        decoded = html.unescape(m.group())
        if decoded == m.group():
            continue
        parts.append(text[pos:m.start()])
        origin.extend(range(pos, m.start()))
        parts.append(decoded)
        origin.extend([m.start()] * len(decoded))
        pos = m.end()
    parts.append(text[pos:])
    origin.extend(range(pos, len(text)))
    origin.append(len(text))
    return "".join(parts), origin


def map_back(obj, text: str, origin: list[int]):
    """Move every Span inside obj (models, lists) from view offsets to text offsets."""
    if isinstance(obj, list):
        return [map_back(x, text, origin) for x in obj]
    if not isinstance(obj, BaseModel):
        return obj
    updates = {}
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        if isinstance(value, (BaseModel, list)):
            updates[name] = map_back(value, text, origin)
    if isinstance(obj, Span):
        start, end = origin[obj.start], _end(origin, obj.end)
        updates.update(start=start, end=end, text=text[start:end])
    return obj.model_copy(update=updates)


def _end(origin: list[int], view_end: int) -> int:
    """The text offset just past view[view_end - 1]: the start of the next distinct origin."""
    if view_end <= 0:
        return origin[0]
    last = origin[view_end - 1]
    i = view_end
    while i < len(origin) - 1 and origin[i] == last:
        i += 1
    return origin[i]
