"""Compose the extractors: document text -> Document (SPEC section 2)."""
from __future__ import annotations

from pathlib import Path

from .loaders import Loaded, load
from .schema import Document


def doc_id_for(source: str) -> str:
    return "stdin" if source in ("-", "<stdin>") else Path(source).stem


def extract_text(text: str, doc_id: str = "stdin", source: str = "-", *, title: str | None = None,
                 published: str | None = None, warnings: list[str] | None = None,
                 with_indicators: bool = True) -> Document:
    """Extract every mention (and indicator) from NFC text. Pure: same text, same Document."""
    raise NotImplementedError  # filled by the extraction core


def extract_loaded(loaded: Loaded, source: str, with_indicators: bool = True) -> Document:
    return extract_text(loaded.text, doc_id_for(source), source, title=loaded.title,
                        published=loaded.published, warnings=loaded.warnings, with_indicators=with_indicators)


def extract_file(path: str | Path, with_indicators: bool = True) -> Document:
    """Load a file (txt, html, docx, pdf; "-" for stdin) and extract it. Raises LoadError."""
    return extract_loaded(load(path), str(path), with_indicators)
