"""Turn an input file into the document text of SPEC section 1 (plus what the file says of itself).

Every loader returns NFC text; offsets of all mentions refer to it. Errors are LoadError,
which names the file.
"""
from __future__ import annotations

import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .furniture import is_site_furniture


_OBJECT_REPR = re.compile(r"\s*'?<[\w.]+ object at 0x[0-9a-fA-F]+>'?")


def stable_message(message: str) -> str:
    """An error message without a Python object's address ("<_io.BytesIO object at 0x7f...>",
    which libraries put in theirs): the same input gives the same message in every run."""
    return _OBJECT_REPR.sub("", message)


class LoadError(Exception):
    """A file that cannot be turned into text; the message names the file."""

    def __init__(self, source: str, message: str):
        message = stable_message(message)
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


@dataclass
class Loaded:
    text: str
    title: str | None = None
    published: str | None = None
    warnings: list[str] = field(default_factory=list)
    pages: list | None = None  # schema.Page of each page, when a page was OCR'd


MAX_BYTES = 200 * 1024 * 1024  # larger inputs are refused, not half-read; the text is held to as many characters
DOCX_MAX_EXPANDED = 100 * 1024 * 1024  # the parts of a DOCX, expanded: at most this, and docx_parts_limit()
DOCX_BASE_PARTS = 10 * 1024 * 1024  # styles, themes, settings: about 1 MB in an empty document from Word
DOCX_MAX_MEMBERS = 10_000


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else is a LoadError naming the byte offset."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            return _not_blank(data.decode("utf-16"), source)
        except UnicodeDecodeError as e:
            raise LoadError(source, f"undecodable UTF-16 at byte {e.start}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise LoadError(source, f"binary data (NUL byte at byte {nul}), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise LoadError(source, f"not valid UTF-8: undecodable byte 0x{data[e.start]:02x} at byte {e.start}") from None
    return _not_blank(text, source)


def _not_blank(text: str, source: str) -> str:
    if not text.strip():
        raise LoadError(source, "empty file (nothing but a byte order mark and white space)")
    return text


def load_txt(data: bytes, source: str) -> Loaded:
    return Loaded(text=nfc(decode_text(data, source)))


def load_html(data: bytes, source: str) -> Loaded:
    import trafilatura

    html = decode_text(data, source)
    # extensive_search=False: only a date the page states (meta tags, time elements, a dated byline);
    # htmldate's fallback would turn any year in the body into 1 January of that year.
    doc = trafilatura.bare_extraction(html, with_metadata=True, include_tables=True, favor_recall=True,
                                      date_extraction_params={"extensive_search": False, "original_date": True})
    if doc is None or not (doc.text or "").strip():
        raise LoadError(source, "no main text found in HTML")
    published = doc.date if doc.date and len(doc.date) == 10 else None
    title = doc.title if not is_site_furniture(doc.title) else None  # a login bar or portal banner
    text = _html_blocks(doc.body) or doc.text
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return Loaded(text=nfc(text), title=nfc(title) if title else None, published=published)


def _html_blocks(body) -> str:
    """The main text with its block structure: a blank line between blocks (paragraphs, headings,
    lists, tables), as a page saved as text has them; a line break (<br>) stays a line break,
    list items and table rows one a line, as trafilatura writes them."""
    from trafilatura.xml import xmltotxt

    if body is None:
        return ""
    blocks = [(body.text or "").strip()]
    for child in body:
        tail, child.tail = child.tail, None
        blocks.append(xmltotxt(child, False).strip())
        blocks.append((tail or "").strip())
        child.tail = tail
    return "\n\n".join(b for b in blocks if b)


def _docx_blocks(container, Paragraph, Table):
    """Yield paragraphs and tables of a body or cell element in reading order (content controls included)."""
    for el in container.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(el, None)
        elif tag == "tbl":
            yield Table(el, None)
        elif tag == "sdt":  # a content control: its content sits in w:sdtContent
            for sub in el.iterchildren():
                if sub.tag.rsplit("}", 1)[-1] == "sdtContent":
                    yield from _docx_blocks(sub, Paragraph, Table)


def _docx_table_lines(table, Paragraph, Table) -> list[str]:
    """One line per row, its cells joined with " | "; a cell's own line breaks become spaces."""
    lines = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:  # each cell once, as in the file (a merged cell is not repeated)
            parts = []
            for block in _docx_blocks(tc, Paragraph, Table):
                if isinstance(block, Table):
                    parts.extend(_docx_table_lines(block, Paragraph, Table))
                else:
                    parts.append(block.text)
            cells.append(" ".join(parts).replace("\n", " ").strip())
        lines.append(" | ".join(cells))
    return lines


def check_docx_size(data: bytes, source: str, limit: int = DOCX_MAX_EXPANDED) -> None:
    """Before python-docx expands anything: LoadError when the parts of the package declare more
    than `limit` bytes in all (a "zip bomb": 1 MB that expands to 400 MB of XML) or too many
    parts. zipfile never expands a part past its declared size (a part that lies about it fails
    its CRC check instead), so the declared sizes bound what is expanded."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise LoadError(source, f"not a readable DOCX file (not a ZIP package: {e})") from None
    if len(members) > DOCX_MAX_MEMBERS:
        raise LoadError(source, f"not a DOCX file one can read: {len(members)} parts (limit {DOCX_MAX_MEMBERS})")
    total = sum(m.file_size for m in members)
    if total > limit:
        biggest = max(members, key=lambda m: m.file_size)
        raise LoadError(source, f"too large: its parts expand to {total} bytes ({biggest.filename}: "
                                f"{biggest.file_size}) from {len(data)}; the limit is {limit} (see --max-bytes)")


def docx_parts_limit(max_chars: int) -> int:
    """What the parts of a DOCX may expand to for a text of at most max_chars characters: the
    XML around the text (about 5 bytes a character) and the parts every document has."""
    return min(DOCX_MAX_EXPANDED, DOCX_BASE_PARTS + 5 * max_chars)


def load_docx(data: bytes, source: str, max_chars: int = MAX_BYTES) -> Loaded:
    """Paragraphs and tables of the body in reading order, one paragraph or table row per line.
    The package is checked first (check_docx_size, docx_parts_limit)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_docx_size(data, source, docx_parts_limit(max_chars))
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # not a zip, no word/document.xml, broken XML ...
        raise LoadError(source, f"not a readable DOCX file ({type(e).__name__}: {e})") from None
    lines: list[str] = []
    for block in _docx_blocks(document.element.body, Paragraph, Table):
        if isinstance(block, Table):
            lines.extend(_docx_table_lines(block, Paragraph, Table))
        else:
            lines.append(block.text)
    text = "\n".join(lines)
    if not text.strip():
        raise LoadError(source, "no text in DOCX")
    return Loaded(text=nfc(text), title=real_title(document.core_properties.title, source))


def _usable(text: str) -> bool:
    """A text layer worth keeping: at least one letter or digit (a scan often has none, or only spaces)."""
    return any(ch.isalnum() for ch in text)


def load_pdf(data: bytes, source: str) -> Loaded:
    """The PDF's text layer, one line break between pages; pages without a usable text layer are
    rendered and OCR'd (nscl_extract.load.ocr), pages with one keep their own text."""
    import logging

    import pypdf

    if b"%PDF-" not in data[:1024]:
        raise LoadError(source, "not a PDF file (no %PDF- header)")
    log = logging.getLogger("pypdf")  # pypdf's repair notes would otherwise go to stderr for every damaged file
    quiet, propagate = logging.NullHandler(), log.propagate
    log.addHandler(quiet)
    log.propagate = False
    try:
        try:
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise LoadError(source, "encrypted PDF: needs a password")
            pages = [(page.extract_text() or "").rstrip("\n") for page in reader.pages]
            info = reader.metadata
            title = (info.title if info else None) or None
        except LoadError:
            raise
        except Exception as e:  # truncated, damaged, or not a PDF at all
            raise LoadError(source, f"damaged or truncated PDF ({type(e).__name__}: {e})") from None
    finally:
        log.removeHandler(quiet)
        log.propagate = propagate
    if not pages:
        raise LoadError(source, "PDF has no pages")
    scanned = [i + 1 for i, t in enumerate(pages) if not _usable(t)]
    if not scanned:
        return Loaded(text=nfc("\n".join(pages)), title=real_title(title, source))
    from . import ocr

    try:
        results = ocr.ocr_pdf_pages(data, scanned)
    except ocr.OcrUnavailable as e:
        raise LoadError(source, f"{len(scanned)} page(s) without a text layer need OCR: {e}") from None
    except Exception as e:  # pdfium cannot open what pypdf could, ...
        raise LoadError(source, f"OCR of the pages without a text layer failed ({type(e).__name__}: {e})") from None
    text, page_list = _join_pages(pages, {r.number: r for r in results})
    if not _usable(text):
        failed = [f"page {r.number}: {r.error}" for r in results if r.error]
        why = f" ({'; '.join(failed[:3])}{' ...' if len(failed) > 3 else ''})" if failed else ""
        raise LoadError(source, f"no text: no text layer, and OCR found none on {len(pages)} page(s){why}")
    return Loaded(text=text, title=real_title(title, source), warnings=_ocr_warnings(results, len(pages), ocr.DPI),
                  pages=page_list)


PLACEHOLDER_TITLES = {"untitled", "untitled document", "no title", "none", "null", "unknown", "title", "document",
                      "microsoft word", "tiêu đề", "không có tiêu đề"}


def real_title(title: object, source: str | None = None) -> str | None:
    """A title a file gives itself, or None for an empty or placeholder one ("untitled", "Microsoft
    Word - plan.docx" ...) or one that is only the file's name (what scanners and converters
    write): those say nothing about the document, whose heading is the title then."""
    s = " ".join(str(title).split()) if title else ""
    key = s.lower()
    if not s or key in PLACEHOLDER_TITLES or key.startswith("microsoft word - ") or key.endswith((".doc", ".docx", ".pdf")):
        return None
    if source and _name_key(s) in {_name_key(Path(source).name), _name_key(Path(source).stem)}:
        return None
    return nfc(s)


def _name_key(name: str) -> str:
    return "".join(ch for ch in nfc(name).lower() if ch.isalnum())


def check_regular(source: str) -> None:
    """LoadError unless source is a regular file: open() of a FIFO blocks, a folder is no document."""
    try:
        mode = os.stat(source).st_mode
    except OSError as e:
        raise LoadError(source, e.strerror or str(e)) from None
    if not stat.S_ISREG(mode):
        raise LoadError(source, "is a folder" if stat.S_ISDIR(mode) else "not a regular file")


def _join_pages(layers: list[str], ocred: dict) -> tuple[str, list]:
    """The document text, one line break between pages, and a schema.Page for each: pages with
    a text layer as they are (NFC), the OCR'd ones (ocr.PageText by number) with their lines
    reflowed, keeping the document's furniture lines (page numbers, running headers:
    rules/furniture.yml) apart, and traced back to what Tesseract read."""
    from ..schema import Page
    from . import ocr
    from .furniture import furniture_spans

    traced = {n: ocr.Traced(r.text, r.origin) for n, r in ocred.items()}
    texts = [traced[i + 1].text if i + 1 in traced else nfc(t) for i, t in enumerate(layers)]
    joined = "\n".join(texts)
    keep = {joined[s:e].strip() for s, e in furniture_spans(joined)[0]}
    parts, pages, pos = [], [], 0
    for i, t in enumerate(texts):
        number = i + 1
        r = ocred.get(number)
        if r is None:
            pages.append(Page(number=number, start=pos, end=pos + len(t)))
        else:
            flowed = ocr.reflow_traced(traced[number], keep)
            t = flowed.text
            pages.append(Page(number=number, start=pos, end=pos + len(t), ocr=True, confidence=r.confidence,
                              chars=r.chars, expected_chars=r.expected, low_yield=r.low_yield, turned=r.turned,
                              deskew=r.angle, ocr_text=r.raw, ocr_map=_anchors(pos, flowed.origin)))
        parts.append(t)
        pos += len(t) + 1
    return "\n".join(parts), pages


def _anchors(base: int, origin: list[int]) -> list[tuple[int, int]]:
    """(document offset, OCR offset) wherever the two stop advancing together."""
    out: list[tuple[int, int]] = []
    for i, o in enumerate(origin):
        if not out or o - i != out[-1][1] - (out[-1][0] - base):
            out.append((base + i, o))
    return out


def _ocr_warnings(results, total: int, dpi: int | None) -> list[str]:
    from . import ocr

    warnings = [ocr.describe(results, total, dpi)]
    for r in results:
        if r.error:
            warnings.append(f"page {r.number}: OCR failed: {r.error}")
        elif not _usable(r.text):
            warnings.append(f"page {r.number}: no text found by OCR (blank page?)")
        elif r.low_yield:
            warnings.append(f"page {r.number}: low yield: OCR read {r.chars} characters where the page's ink would "
                            f"hold about {r.expected} (tried {'; '.join(r.tries)}); check the page against its image")
        if r.turned and not r.error:
            warnings.append(f"page {r.number}: turned {r.turned} degrees clockwise before OCR (the page lay "
                            f"{'upside down' if r.turned == 180 else 'on its side'})")
    return warnings


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def load_image(data: bytes, source: str) -> Loaded:
    """A page image (every frame of a multi-page TIFF is a page), OCR'd."""
    from . import ocr

    try:
        image = ocr.open_image(data)
    except Exception as e:
        raise LoadError(source, f"not a readable image ({type(e).__name__}: {e})") from None
    try:
        results = ocr.ocr_pages(ocr.image_frames(image))
    except ocr.OcrUnavailable as e:
        raise LoadError(source, f"page images need OCR: {e}") from None
    if not results or all(r.error for r in results):
        errors = "; ".join(r.error for r in results if r.error) or "no frames"
        raise LoadError(source, f"not a readable image ({errors})")
    text, pages = _join_pages(["" for _ in results], {r.number: r for r in results})
    if not _usable(text):
        raise LoadError(source, f"no text found by OCR on {len(results)} page(s)")
    return Loaded(text=text, warnings=_ocr_warnings(results, len(results), None), pages=pages)


LOADERS = {".txt": load_txt, ".text": load_txt, ".md": load_txt, ".html": load_html, ".htm": load_html,
           ".docx": load_docx, ".pdf": load_pdf, **{suffix: load_image for suffix in IMAGE_SUFFIXES}}


def load_bytes(data: bytes, source: str, suffix: str, max_chars: int = MAX_BYTES) -> Loaded:
    """The text of a file's bytes, by its suffix; a text longer than max_chars characters (a
    compressed DOCX or PDF expands) is a LoadError naming the limit (--max-bytes in a batch)."""
    loader = LOADERS.get(suffix.lower(), load_txt)
    if not data.strip():
        raise LoadError(source, "empty file")
    loaded = load_docx(data, source, max_chars) if loader is load_docx else loader(data, source)
    if len(loaded.text) > max_chars:
        raise LoadError(source, f"too large: the text has {len(loaded.text)} characters "
                                f"(limit {max_chars}, see --max-bytes)")
    if "\x00" in loaded.text:  # a PDF's text layer or a cell can hold NUL characters: no text has them
        if loaded.pages:
            loaded.pages = _without_nul(loaded.pages, loaded.text)
        loaded.text = loaded.text.replace("\x00", "")
        loaded.warnings.append("NUL characters removed from the text")
    return loaded


def _without_nul(pages: list, text: str) -> list:
    """The pages' offsets once the NUL characters of `text` are gone."""
    import bisect

    nuls = [i for i, ch in enumerate(text) if ch == "\x00"]

    def moved(offset: int) -> int:
        return offset - bisect.bisect_left(nuls, offset)

    return [p.model_copy(update={"start": moved(p.start), "end": moved(p.end),
                                 "ocr_map": [(moved(d), o) for d, o in p.ocr_map]}) for p in pages]


def load(path: str | Path) -> Loaded:
    """Load a file by its suffix; "-" reads standard input as text."""
    source = str(path)
    if source == "-":
        import sys

        return load_bytes(sys.stdin.buffer.read(), "<stdin>", ".txt")
    p = Path(path)
    check_regular(source)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise LoadError(source, f"file too large ({size} bytes; limit {MAX_BYTES})")
        data = p.read_bytes()
    except OSError as e:
        raise LoadError(source, e.strerror or str(e)) from None
    return load_bytes(data, source, p.suffix)
