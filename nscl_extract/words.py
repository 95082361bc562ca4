"""Word segmentation where a rule needs word boundaries, aligned back to exact offsets.

underthesea's model was trained on old-style tone marks ("hàng hoá"), so it is fed an
equal-length old-style copy with use_token_normalize off; tokens are then found again in
the original text, syllable by syllable, so every token carries (start, end).
"""
from __future__ import annotations

from functools import lru_cache

import regex

from .rules import new_style, old_style

_SYLL = regex.compile(r"\S+")


@lru_cache(maxsize=4096)
def _tag(window: str) -> tuple[tuple[str, str], ...]:
    from underthesea import pos_tag

    return tuple(pos_tag(old_style(window)))


@lru_cache(maxsize=4096)
def _tokens(window: str) -> tuple[str, ...]:
    from underthesea import word_tokenize

    return tuple(word_tokenize(old_style(window), use_token_normalize=False))


def align(text: str, tokens, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each token in text: tokens are found in order, whitespace between
    their syllables may differ from the text's. Tokens are compared in one tone-mark style
    (the tokenizer may return either), and the style change keeps lengths, so offsets hold."""
    spans, pos = [], 0
    folded = new_style(text)
    for tok in tokens:
        start = end = None
        for syl in new_style(tok).split():
            i = folded.find(syl, pos)
            if i < 0:
                break
            start = i if start is None else start
            end = pos = i + len(syl)
        spans.append((offset + start, offset + end) if start is not None else (None, None))
    return spans


def tagged_words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Words of text[start:end] with their part-of-speech tags, as (start, end, tag)."""
    window = text[start:end]
    tags = _tag(window)
    return [(s, e, t) for (s, e), (_, t) in zip(align(window, [w for w, _ in tags], start), tags) if s is not None]


def words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Word spans of text[start:end] (underthesea word_tokenize, aligned)."""
    window = text[start:end]
    return [sp for sp in align(window, _tokens(window), start) if sp[0] is not None]
