"""Word segmentation where a rule needs word boundaries, aligned back to exact offsets.

underthesea's model was trained on old-style tone marks ("hàng hoá"), so it is fed an
equal-length old-style copy with use_token_normalize off; tokens are then found again in
the original text, syllable by syllable, so every token carries (start, end).
"""
from __future__ import annotations

from functools import lru_cache

import regex

from ..rules import new_style, old_style

_SYLL = regex.compile(r"\S+")


@lru_cache(maxsize=4096)
def _tag(window: str) -> tuple[tuple[str, str], ...]:
    return tuple(pos_tag(old_style(window)))


_TEMPLATE = regex.compile(r"T\[(?P<index1>\-?\d+)(\,(?P<index2>\-?\d+))?\](\[(?P<column>.*)\])?(\.(?P<function>.*))?")


@lru_cache(maxsize=1)
def _pos_model():
    """underthesea's default POS tagger, loaded once per process: its CRF model and its feature
    template, parsed once (underthesea parses every template item for every word again)."""
    from underthesea.pipeline.pos_tag import tagged_feature
    from underthesea.pipeline.pos_tag.model_crf import CRFPOSTagPredictor

    crf = CRFPOSTagPredictor.Instance()
    functions = {"lower": tagged_feature.text_lower, "istitle": tagged_feature.text_istitle,
                 "isallcap": tagged_feature.text_isallcap, "isdigit": tagged_feature.text_isdigit,
                 "is_in_dict": tagged_feature.text_is_in_dict}
    specs = []
    for syntax in crf.transformer.template:
        m = _TEMPLATE.match(syntax)
        specs.append((f"{syntax}=", int(m.group("index1")), int(m["index2"]) if m["index2"] else None,
                      int(m["column"]) if m["column"] else 0, functions[m["function"]] if m["function"] else None))
    return crf.model, specs


def pos_tag(sentence: str) -> list[tuple[str, str]]:
    """Exactly underthesea.pos_tag(sentence) (tests/test_words.py compares them), about twice as
    fast: the same word segmentation, features and CRF model, the features built without
    re-parsing the template."""
    from underthesea import word_tokenize

    model, specs = _pos_model()
    tokens = word_tokenize(sentence)
    n = len(tokens)
    columns = (tokens, ["X"] * n)  # underthesea tags (token, "X") rows: column 1 is a placeholder
    features = []
    for i in range(n):
        row = []
        for prefix, first, last, column, function in specs:
            a = i + first
            if a < 0:
                row.append(prefix + "BOS")
            elif a >= n or (last is not None and i + last >= n):
                row.append(prefix + "EOS")
            else:
                word = columns[column][a] if last is None else " ".join(columns[column][a:i + last + 1])
                row.append(f"{prefix}{function(word) if function else word}")
        features.append(row)
    return list(zip(tokens, model.tag(features)))


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
