"""Documents as a pandas DataFrame (pandas is the optional `pandas` extra, with openpyxl for
DataFrame.to_excel): one row per indicator, and one row per file that failed, so that a failed
file stays in the frame with its error instead of vanishing."""
from __future__ import annotations

from typing import Iterable, Union

from ..schema import Document, ErrorRecord
from ..store import QUERY_COLUMNS, document_rows

# The columns of `query --format csv`, then the indicator's position and its quantity's span,
# then the error of a file that failed (empty for the rows of a Document).
FRAME_COLUMNS = QUERY_COLUMNS + ["index", "quantity_text", "quantity_start", "quantity_end", "error"]


def frame_rows(items: Iterable[Union[Document, ErrorRecord]]) -> list[dict]:
    """The rows of to_dataframe as dicts: each indicator of each Document, each ErrorRecord once
    (doc_id, source and error set, the rest None). A Document with no indicator has no row."""
    rows = []
    for item in items:
        if isinstance(item, ErrorRecord):
            rows.append({**dict.fromkeys(FRAME_COLUMNS), "doc_id": item.doc_id, "source": item.source,
                         "error": item.error})
            continue
        if not isinstance(item, Document):
            raise TypeError(f"to_dataframe takes Documents and ErrorRecords, not {type(item).__name__}")
        for r in document_rows(item):
            r["standards"] = "; ".join(r["standards"])  # one cell, as in the CSV
            rows.append({c: r.get(c) for c in FRAME_COLUMNS})
    return rows


def to_dataframe(items):
    """A pandas DataFrame of Documents and ErrorRecords (a list of both, or what read_jsonl
    returns): one row per indicator with the document's fields, one row per failed file with
    its `error`; the columns are FRAME_COLUMNS."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_dataframe needs pandas: pip install 'nscl-extract[pandas]'") from None
    from ..store.jsonl import Batch

    if isinstance(items, Batch):
        items = [*items.documents, *items.errors]
    return pd.DataFrame(frame_rows(items), columns=FRAME_COLUMNS)
