"""Turn an input file into the document text of SPEC section 1 (plus what the file says of itself).

Every loader returns NFC text; offsets of all mentions refer to it. Errors are LoadError,
which names the file.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file."""

    def __init__(self, source: str, message: str):
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


@dataclass
class Loaded:
    text: str
    title: str | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)


MAX_BYTES = 200 * 1024 * 1024  # larger inputs are refused, not half-read


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is a LoadError naming the byte offset."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise LoadError(source, f"undecodable UTF-16 at byte {e.start}") from None
    nul = data.find(b"\x00", 0, 4096)
    if nul >= 0:
        raise LoadError(source, f"binary data (NUL byte at byte {nul}), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(source, f"not valid UTF-8: undecodable byte 0x{data[e.start]:02x} at byte {e.start}") from None


def load_txt(data: bytes, source: str) -> Loaded:
    return Loaded(text=nfc(decode_text(data, source)))


def load_html(data: bytes, source: str) -> Loaded:
    import trafilatura

    html = decode_text(data, source)
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_tables=True, favor_recall=True)
    if doc is None or not (doc.text or "").strip():
        raise LoadError(source, "no main text found in HTML")
    published = doc.date if doc.date and len(doc.date) == 10 else None
    title = doc.title
    text = doc.text
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return Loaded(text=nfc(text), title=nfc(title) if title else None, published=published)


LOADERS = {".txt": load_txt, ".text": load_txt, ".md": load_txt, ".html": load_html, ".htm": load_html}


def load_bytes(data: bytes, source: str, suffix: str) -> Loaded:
    loader = LOADERS.get(suffix.lower(), load_txt)
    if not data.strip():
        raise LoadError(source, "empty file")
    return loader(data, source)


def load(path: str | Path) -> Loaded:
    """Load a file by its suffix; "-" reads standard input as text."""
    source = str(path)
    if source == "-":
        import sys

        return load_bytes(sys.stdin.buffer.read(), "<stdin>", ".txt")
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise LoadError(source, f"file too large ({size} bytes; limit {MAX_BYTES})")
        data = p.read_bytes()
    except OSError as e:
        raise LoadError(source, e.strerror or str(e)) from None
    return load_bytes(data, source, p.suffix)
