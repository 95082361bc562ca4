"""nscl-extract: grounded extraction from Vietnamese NSCL plans, decisions and news.

The Python API::

    from nscl_extract import extract, extract_file, Document

    doc = extract("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.")
    doc.indicators[0].quantity.value          # 60.0
    pandas.DataFrame(doc.indicator_records())  # one flat row per indicator
    doc                                        # in Jupyter: the review view

`extract` takes text, `extract_file` a path (txt, html, docx, pdf, page images); both
return the one schema's `Document` (SPEC section 2). The spaCy component is
`nlp.add_pipe("nscl_extract")` (see nscl_extract.interop.spacy_component).

The package is one folder per stage, in the order the data goes through them (README.md
has the map; tests/test_layering.py holds it: a lower stage never imports a higher one).
"""
from __future__ import annotations

from pathlib import Path

from .schema import Document, set_notebook_view

__version__ = "0.1.0"
__all__ = ["Document", "extract", "extract_file", "__version__"]


def extract(text: str, doc_id: str = "text", *, source: str = "-", published: str | None = None,
            title: str | None = None) -> Document:
    """Extract every mention and indicator from `text` (NFC-normalised first, as a loader would).

    `published` ("YYYY-MM-DD") is the document's own date when the text does not state it;
    day-month dates without a year take its year (SPEC 3)."""
    import unicodedata

    from .pipeline import extract_text

    return extract_text(unicodedata.normalize("NFC", text), doc_id, source, title=title, published=published)


def extract_file(path: str | Path) -> Document:
    """Load a file (txt, html, docx, pdf; "-" for stdin) and extract it.

    Raises nscl_extract.load.loaders.LoadError (with a message naming the file) on bad input."""
    from .pipeline import extract_file as _extract_file

    return _extract_file(path)


def _notebook_view(doc: Document) -> str:
    """Jupyter's view of a Document, registered here (the top of the package) so the schema
    names no page; the pages stage is imported only when a notebook shows a Document."""
    from .pages.review import notebook_view

    return notebook_view(doc)


set_notebook_view(_notebook_view)
