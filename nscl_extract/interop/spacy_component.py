"""spaCy as the interoperability layer: a pipeline component and a Vietnamese tokenizer.

    import spacy
    from spacy import displacy

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "nscl_extract.vi_tokenizer.v1"}}})
    nlp.add_pipe("nscl_extract")                # found through the spacy_factories entry point
    doc = nlp("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.")
    doc.spans["nscl"]                           # one span per mention, labelled by type
    doc.spans["nscl_indicators"]                # one span per indicator clause, labelled TARGET/RESULT
    doc.spans["nscl_indicators"][0]._.nscl      # the Indicator (kind, year, period, subject ...)
    doc._.nscl                                  # the whole Document (SPEC section 2)
    displacy.render(doc, style="span", options={"spans_key": "nscl"})

spaCy's own "vi" tokenizer needs pyvi (not installed here) unless `use_pyvi=False`, which
splits on spaces only ("60%" and "2025," stay glued). The tokenizer registered here splits
words from punctuation so mention boundaries fall on token boundaries; the component works
with either (a mention inside a token is widened to whole tokens, and its exact characters
stay in `span._.nscl`).
"""
from __future__ import annotations

import regex
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..schema import MENTION_LABELS, Document

SPANS_KEY = "nscl"
INDICATORS_KEY = "nscl_indicators"
LABELS = MENTION_LABELS  # mention list of the Document -> span label

if not Doc.has_extension("nscl"):
    Doc.set_extension("nscl", default=None)
if not Span.has_extension("nscl"):
    Span.set_extension("nscl", default=None)

_TOKEN = regex.compile(r"\w+|[^\w\s]|\s+")


class VietnameseTokenizer:
    """Words and single punctuation marks, split on whitespace; offsets are the text's own."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for m in _TOKEN.finditer(text):
            tok = m.group()
            if tok.isspace():
                # one plain space after a token is its trailing space; other whitespace is a token
                if words and not spaces[-1] and tok[0] == " ":
                    spaces[-1] = True
                    tok = tok[1:]
                if not tok:
                    continue
            words.append(tok)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_bytes(self, **kwargs) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kwargs) -> "VietnameseTokenizer":
        return self

    def to_disk(self, path, **kwargs) -> None:
        pass

    def from_disk(self, path, **kwargs) -> "VietnameseTokenizer":
        return self


def make_vi_tokenizer():
    """The spacy_tokenizers entry point "nscl_extract.vi_tokenizer.v1"."""
    def create(nlp):
        return VietnameseTokenizer(nlp.vocab)
    return create


def blank_vi():
    """A blank Vietnamese pipeline with this package's tokenizer (no pyvi needed)."""
    import spacy

    return spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "nscl_extract.vi_tokenizer.v1"}}})


def char_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """The span of tokens covering [start, end): exact when the boundaries fall between tokens,
    widened to whole tokens otherwise; None for an empty range."""
    return doc.char_span(start, end, label=label) or doc.char_span(start, end, label=label, alignment_mode="expand")


def annotate(doc: Doc, extracted: Document, *, spans_key: str = SPANS_KEY, indicators_key: str = INDICATORS_KEY,
             attach: bool = True) -> Doc:
    """Put an extracted Document's mentions and indicators on a spaCy Doc of the same text.

    With `attach`, `doc._.nscl` is the Document and each span's `._.nscl` its mention or
    indicator model (live objects: leave `attach` off for a Doc going into a DocBin)."""
    mentions = []
    for field, label in LABELS.items():
        for m in getattr(extracted, field):
            span = char_span(doc, m.start, m.end, label)
            if span is not None:
                mentions.append((span, m))
    mentions.sort(key=lambda sm: (sm[0].start_char, sm[0].end_char))
    indicators = []
    for ind in extracted.indicators:
        span = char_span(doc, ind.start, ind.end, ind.kind.upper())
        if span is not None:
            indicators.append((span, ind))
    doc.spans[spans_key] = [s for s, _ in mentions]
    doc.spans[indicators_key] = [s for s, _ in indicators]
    if attach:
        doc._.nscl = extracted
        for span, model in mentions + indicators:
            span._.nscl = model
    return doc


class NsclExtract:
    """The pipeline component: runs nscl-extract on doc.text and annotates the Doc."""

    def __init__(self, nlp: Language, name: str, spans_key: str, indicators_key: str):
        self.name = name
        self.spans_key = spans_key
        self.indicators_key = indicators_key

    def __call__(self, doc: Doc) -> Doc:
        from ..pipeline import extract_text

        doc_id = doc.user_data.get("doc_id", "spacy") if isinstance(doc.user_data, dict) else "spacy"
        extracted = extract_text(doc.text, str(doc_id), source="spacy")
        return annotate(doc, extracted, spans_key=self.spans_key, indicators_key=self.indicators_key)


@Language.factory("nscl_extract", default_config={"spans_key": SPANS_KEY, "indicators_key": INDICATORS_KEY})
def make_nscl_extract(nlp: Language, name: str, spans_key: str, indicators_key: str) -> NsclExtract:
    return NsclExtract(nlp, name, spans_key, indicators_key)
