"""nscl-extract: grounded extraction from Vietnamese NSCL plans, decisions and news.

The Python API::

    from nscl_extract import extract, extract_file, Document

    doc = extract("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.")
    doc.indicators[0].quantity.value          # 60.0
    pandas.DataFrame(doc.indicator_records())  # one flat row per indicator
    doc                                        # in Jupyter: the review view

    docs, errors = read_jsonl("out.jsonl")     # a batch output: Documents and error records apart
    to_dataframe(docs + errors)                # one row per indicator, one per failed file

`extract` takes text, `extract_file` a path (txt, html, docx, pdf, page images); both
return the one schema's `Document` (SPEC section 2). The spaCy component is
`nlp.add_pipe("nscl_extract")` (see nscl_extract.interop.spacy_component).

The package is one folder per stage, in the order the data goes through them (README.md
has the map; tests/test_layering.py holds it: a lower stage never imports a higher one).
"""
from __future__ import annotations

from pathlib import Path

from .schema import Document, ErrorRecord, set_notebook_view

__version__ = "0.1.0"
__all__ = ["Document", "ErrorRecord", "extract", "extract_file", "read_jsonl", "to_dataframe", "__version__"]


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


def read_jsonl(path: str | Path):
    """The Documents and the error records of a JSONL file written by `batch` or `extract`, apart:
    `docs, errors = read_jsonl("out.jsonl")` (lists of Document and ErrorRecord; also
    `.documents` and `.errors`). A line that is neither raises JsonlError naming the line."""
    from .store.jsonl import read_jsonl as _read_jsonl

    return _read_jsonl(path)


def to_dataframe(items):
    """A pandas DataFrame (pip install 'nscl-extract[pandas]') of Documents and ErrorRecords:
    one row per indicator with its document's fields (the columns of `query --format csv`), and
    one row per failed file with its `error`, so no failed file vanishes from the frame."""
    from .interop.frames import to_dataframe as _to_dataframe

    return _to_dataframe(items)


def _notebook_view(doc: Document) -> str:
    """Jupyter's view of a Document, registered here (the top of the package) so the schema
    names no page; the pages stage is imported only when a notebook shows a Document."""
    from .pages.review import notebook_view

    return notebook_view(doc)


set_notebook_view(_notebook_view)
