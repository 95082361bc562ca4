"""Compose the extractors: document text -> Document (SPEC section 2)."""
from __future__ import annotations

import bisect
from pathlib import Path

from ..mentions.amount_roles import with_roles
from .docfields import find_genre, find_plan, find_province, find_published, find_title
from ..mentions.amounts import extract_amounts
from ..mentions.citations import extract_citations
from ..mentions.dates import extract_dates
from ..mentions.periods import extract_periods
from ..mentions.quantities import extract_counts, extract_percentages
from ..mentions.standards import extract_standards
from ..mentions.tables import table_values
from ..load.entities import decoded_view, map_back
from ..load.furniture import furniture_spans, is_site_furniture
from ..load.loaders import LoadError, Loaded, load
from ..schema import Amount, Document, Page, Quantity, safe_doc_id
from ..text.numbers import ascii_digit_view
from ..text.spans import Taken


def doc_id_for(source: str) -> str:
    """The doc_id of an input: its file stem, NFC (schema.safe_doc_id). LoadError naming the
    file when the stem cannot be one ("..txt" ...)."""
    if source in ("-", "<stdin>"):
        return "stdin"
    try:
        return safe_doc_id(Path(source).stem)
    except ValueError as e:
        raise LoadError(source, f"its file name cannot be a doc_id: {e}") from None


ID_PATH_JOIN = "__"


def doc_id_from_path(source: str, root: str) -> str:
    """doc_id from the file's path relative to the folder it was found in, without its suffix,
    folders joined by "__" (NFC, schema.safe_doc_id): archive/2021/a/file.pdf under archive/ ->
    "2021__a__file". LoadError naming the file when the path cannot be one (too long ...)."""
    import os

    rel = os.path.relpath(source, root or ".") if root is not None else source
    if rel.startswith(".."):  # not under the root after all: its stem, as without --id-from
        return doc_id_for(source)
    parts = Path(rel).with_suffix("").parts
    try:
        return safe_doc_id(ID_PATH_JOIN.join(parts))
    except ValueError as e:
        raise LoadError(source, f"its path cannot be a doc_id: {e}") from None


def extract_text(text: str, doc_id: str = "stdin", source: str = "-", *, title: str | None = None,
                 published: str | None = None, warnings: list[str] | None = None,
                 with_indicators: bool = True, pages: list[Page] | None = None) -> Document:
    """Extract every mention (and indicator) from NFC text. Pure: same text, same Document.

    Only ASCII digits are numbers: the extractors read a copy in which any other decimal digit
    (one of a newer Unicode block matches \\d but is no number to float()) is a letter, and
    every span's text is taken back from the document's own text.

    `pages` (the loader's, when a page was OCR'd) go into the Document; the text of their OCR'd
    pages is read with OCR's errors in mind (names by edit distance, confusable letters in
    citation numbers), and only that text."""
    digits = ascii_digit_view(text)
    if digits != text:  # an equal-length view: the pages' offsets hold in it
        doc = extract_text(digits, doc_id, source, title=title, published=published, warnings=warnings,
                           with_indicators=with_indicators, pages=pages)
        doc = map_back(doc, text, list(range(len(text) + 1)))
        doc.text = text
        return doc
    ocr_spans = [(p.start, p.end) for p in pages or () if p.ocr]
    view = decoded_view(text)
    if view is None:
        doc = _extract(text, doc_id, source, title, published, warnings, with_indicators, ocr_spans)
    else:
        origin = view[1]
        spans = [(bisect.bisect_left(origin, s), bisect.bisect_left(origin, e)) for s, e in ocr_spans]
        doc = _extract(view[0], doc_id, source, title, published, warnings, with_indicators, spans)
        doc = map_back(doc, text, origin)
        doc.text = text
    doc.pages = pages
    return doc


def _extract(text, doc_id, source, title, published, warnings, with_indicators, ocr_spans=()) -> Document:
    furniture, related = furniture_spans(text)
    citations = extract_citations(text, ocr_spans)
    undated = extract_dates(text)
    published = find_published(text, _outside(undated, furniture), published)
    # Earlier kinds claim their spans: a number inside a citation, standard or date is not a quantity.
    table = table_values(text)
    cells = [t.mention for t in table]
    layers = [citations, extract_standards(text), extract_dates(text, published, known=undated), extract_periods(text),
              extract_amounts(text) + [m for m in cells if isinstance(m, Amount)],
              extract_percentages(text) + [m for m in cells if isinstance(m, Quantity) and m.unit == "%"],
              extract_counts(text) + [m for m in cells if isinstance(m, Quantity) and m.unit != "%"]]
    kept: list[list] = []
    claimed = Taken(furniture)
    for layer in layers:
        mine = []
        for m in sorted(layer, key=lambda m: m.start):
            if not claimed.overlaps(m.start, m.end) and not (mine and mine[-1].end > m.start):
                mine.append(m)
        for m in mine:
            claimed.add(m.start, m.end)
        kept.append(mine)
    citations, standards, dates, periods, amounts, percentages, counts = kept
    amounts = with_roles(text, amounts)
    if is_site_furniture(title):  # a site's banner or login bar as an HTML <title>
        title = None
    title = title or find_title(text, furniture)
    notes: list[str] = []
    province = find_province(text, title, furniture + related, ocr_spans, notes)
    doc = Document(doc_id=doc_id, source=source, title=title, published=published,
                   province=province, plan=find_plan(text, citations, province), text=text,
                   citations=citations, dates=dates, periods=periods, percentages=percentages, counts=counts,
                   amounts=amounts, standards=standards, warnings=list(warnings or []) + notes)
    from ..indicators.document import reads_as_report

    doc.genre = find_genre(title, reads_as_report(doc)) if text.strip() else None  # no text, no kind of text
    if with_indicators:
        from ..indicators import find_indicators

        doc.indicators = find_indicators(doc, furniture + related, table)
    return doc


def _outside(mentions: list, spans: list[tuple[int, int]]) -> list:
    taken = Taken(spans)
    return [m for m in mentions if not taken.overlaps(m.start, m.end)]


def extract_loaded(loaded: Loaded, source: str, with_indicators: bool = True, doc_id: str | None = None) -> Document:
    return extract_text(loaded.text, doc_id or doc_id_for(source), source, title=loaded.title,
                        published=loaded.published, warnings=loaded.warnings, with_indicators=with_indicators,
                        pages=loaded.pages)


def extract_file(path: str | Path, with_indicators: bool = True) -> Document:
    """Load a file (txt, html, docx, pdf, png/jpg/tif; "-" for stdin) and extract it. Raises LoadError."""
    return extract_loaded(load(path), str(path), with_indicators)


WARM_UP_TEXT = ("Kế hoạch số 1/KH-UBND ngày 02/01/2024\n\nĐến năm 2025, tối thiểu 60% doanh nghiệp áp dụng "
                "ISO 9001; đào tạo 20 kỹ sư vận hành và 1.500 triệu đồng.")


def warm_up() -> None:
    """Load underthesea's models (the POS tagger too) and compile every rule now, so a process
    forked afterwards (the batch pool's forkserver) starts its first document warm. Only for
    processes that will extract many documents: a short job loads the tagger when a document
    first needs it, or never."""
    from ..text.words import pos_tag

    extract_text(WARM_UP_TEXT, "warm-up")
    pos_tag("Kế hoạch")
