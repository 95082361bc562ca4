"""OCR of page images: Tesseract (through pytesseract) in Vietnamese; PDF pages are rendered
with pypdfium2, image files opened with Pillow.

The loader calls `ocr_pdf_pages` for the PDF pages that have no usable text layer and
`ocr_image_file` for .png/.jpg/.tif inputs. Pages of one document are recognised in
parallel (each Tesseract run is its own process; see `jobs`). Tesseract or its Vietnamese
data missing is an `OcrUnavailable` error that says what to install.
"""
from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator

import regex

ENGINE = "Tesseract"
LANG = "vie"
PAGE_TIMEOUT = 300  # seconds for one page before it is given up (a warning, not the document)
DPI = 200  # PDF pages are rendered at this resolution (benchmarks/bench_ocr.py measures the cost)
# A PDF page is rendered only if it makes at most this many pixels at DPI (Pillow's own limit for
# an image file: about 89 million, an A0 sheet at 200 dpi is 62 million); Pillow's check does not
# guard pdfium's renderer, so a 435-byte PDF with a 14400 pt square page would take gigabytes.
MAX_PAGE_PIXELS = 89_478_485
INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-vie"
_JOBS: int | None = None  # set by the batch engine so that its workers share the cores
# Environment: NSCL_TESSERACT names the tesseract command (default: `tesseract` on PATH);
# NSCL_OCR_JOBS caps the pages recognised at once (default: one per available core).


class OcrUnavailable(Exception):
    """Tesseract, or its Vietnamese data, is not installed."""


class PageError(Exception):
    """One page could not be recognised (an unreadable image): the rest of the document goes on."""


@dataclass
class PageText:
    number: int                 # 1-based page (or frame) number
    text: str                   # repaired OCR text, no trailing newline
    confidence: float | None    # mean Tesseract word confidence (0-100) on this page; None: no words
    error: str | None = None    # the page could not be recognised


def set_jobs(n: int | None) -> None:
    """How many pages one document may recognise at once (None: one per available core)."""
    global _JOBS
    _JOBS = n


def jobs() -> int:
    if _JOBS:
        return max(1, _JOBS)
    env = os.environ.get("NSCL_OCR_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@lru_cache(maxsize=None)
def _check(cmd: str) -> str:
    """Tesseract's version, once per command; OcrUnavailable when it or its `vie` data is missing."""
    import pytesseract

    try:
        version = str(pytesseract.get_tesseract_version())
        langs = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError):
        raise OcrUnavailable(f"OCR needs Tesseract, which is not installed or not on PATH ({cmd!r}): "
                             f"{INSTALL_HINT}") from None
    except pytesseract.TesseractError as e:
        raise OcrUnavailable(f"Tesseract ({cmd!r}) does not run ({e.message.strip() or e.status}): "
                             f"{INSTALL_HINT}") from None
    if LANG not in langs:
        raise OcrUnavailable(f"Tesseract has no Vietnamese data ('{LANG}' is not among its languages): "
                             f"{INSTALL_HINT}")
    return version


def engine_version() -> str:
    """'5.3.0': checks that Tesseract and its Vietnamese data are there (OcrUnavailable if not)."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per Tesseract run: pages run side by side
    pytesseract.pytesseract.tesseract_cmd = os.environ.get("NSCL_TESSERACT") or "tesseract"
    return _check(pytesseract.pytesseract.tesseract_cmd)


# --- text repair ------------------------------------------------------------------------------

_HYPHEN_BREAK = regex.compile(r"(?<=\p{L})[-\u00ad]\n(?=\p{Ll})")  # "chất lư-\nợng": a word split at the margin
_CUT_PARAGRAPH = regex.compile(r"(?<=[^\s.;:!?])\n\n+(?=\p{Ll})")  # a blank line inside a sentence
_SPACES = regex.compile(r"[ \t\u00a0]+")
_BLANKS = regex.compile(r"\n{3,}")


def repair(text: str) -> str:
    """What Tesseract's plain text of one page needs, whatever the page: form feed and stray
    spaces off, a word hyphenated across a line break joined, at most one blank line in a row."""
    text = text.replace("\x0c", "").replace("\r\n", "\n")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _HYPHEN_BREAK.sub("", text)
    return _BLANKS.sub("\n\n", text).strip("\n")


def reflow(text: str, furniture: set[str] = frozenset()) -> str:
    """Join the lines of each paragraph of an OCR'd page into one, so that "02" at the end of a
    line and "Hội thảo" on the next are one count again: a blank line that cuts a sentence (the
    next line goes on in lower case) goes, and segment.blocks decides what is a hard wrap, as for
    any text. Lines in `furniture` (the document's page numbers, running headers and footers)
    are never joined to anything; bullets and headings keep their own lines."""
    from ..text.sentences import blocks

    lines = text.split("\n")
    masked = "\n".join(" " * len(line) if line.strip() in furniture else line for line in lines)
    for m in reversed(list(_CUT_PARAGRAPH.finditer(masked))):
        text = text[:m.start()] + "\n" + text[m.end():]
        masked = masked[:m.start()] + "\n" + masked[m.end():]
    chars = list(text)
    for b in blocks(masked):
        for i in range(b.start, b.end):
            if chars[i] == "\n":
                chars[i] = " "
    return "".join(chars)


def _mean_confidence(tsv: str) -> float | None:
    """Mean of the word confidences (Tesseract's TSV: level 5 rows with a word and conf >= 0)."""
    confs = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) >= 12 and cols[0] == "5" and cols[11].strip():
            try:
                c = float(cols[10])
            except ValueError:
                continue
            if c >= 0:
                confs.append(c)
    return round(sum(confs) / len(confs), 1) if confs else None


# --- recognising ------------------------------------------------------------------------------

def ocr_image(image) -> tuple[str, float | None]:
    """(repaired text, mean word confidence) of one PIL image: one Tesseract run, text and TSV."""
    import pytesseract

    try:
        txt, tsv = pytesseract.run_and_get_multiple_output(image, extensions=["txt", "tsv"], lang=LANG,
                                                           timeout=PAGE_TIMEOUT)
    except pytesseract.TesseractNotFoundError:
        _check.cache_clear()
        raise OcrUnavailable(f"OCR needs Tesseract, which is not installed or not on PATH: {INSTALL_HINT}") from None
    except pytesseract.TesseractError as e:
        raise PageError(f"Tesseract failed ({e.message.strip() or e.status})") from None
    except RuntimeError as e:  # pytesseract's timeout
        raise PageError(f"Tesseract gave up ({e})") from None
    return repair(txt), _mean_confidence(tsv)


def _recognise(number: int, image) -> PageText:
    try:
        text, conf = ocr_image(image)
    except PageError as e:
        return PageText(number, "", None, str(e))
    return PageText(number, text, conf)


def ocr_pages(images: Iterable[tuple[int, Callable[[], object]]]) -> list[PageText]:
    """Recognise (page number, make_image) pairs, a few at a time in parallel, in page order.

    Images are made (rendered, decoded) in this thread, at most two per worker ahead, so memory
    holds only the pages in flight. A page whose image cannot be made is a PageText with an error."""
    engine_version()
    n = jobs()
    results: list[PageText] = []
    with ThreadPoolExecutor(max_workers=n) as pool:
        pending = []
        for number, make in images:
            try:
                image = make()
            except PageError as e:  # a page over the pixel budget ...
                pending.append((number, None, str(e)))
            except Exception as e:  # a damaged embedded image, an undecodable frame ...
                pending.append((number, None, f"unreadable page image ({type(e).__name__}: {e})"))
            else:
                pending.append((number, pool.submit(_recognise, number, image), None))
            while len(pending) > n * 2:
                results.append(_finish(pending.pop(0)))
        while pending:
            results.append(_finish(pending.pop(0)))
    return results


def _finish(item) -> PageText:
    number, fut, error = item
    return fut.result() if fut is not None else PageText(number, "", None, error)


def ocr_pdf_pages(data: bytes, numbers: list[int], dpi: int | None = None) -> list[PageText]:
    """OCR the given 1-based pages of a PDF, rendered in grey at `dpi` (default DPI)."""
    import pypdfium2 as pdfium

    dpi = dpi or DPI
    engine_version()  # before rendering anything
    pdf = pdfium.PdfDocument(data)
    try:
        def page_image(number: int):
            def make():
                page = pdf[number - 1]
                try:
                    check_page_pixels(number, *page.get_size(), dpi)
                    return page.render(scale=dpi / 72, grayscale=True).to_pil()
                finally:
                    page.close()
            return make

        return ocr_pages((n, page_image(n)) for n in numbers)
    finally:
        pdf.close()


def check_page_pixels(number: int, width_pt: float, height_pt: float, dpi: int) -> None:
    """PageError naming the page when rendering it at dpi would make more than MAX_PAGE_PIXELS."""
    w, h = round(width_pt * dpi / 72), round(height_pt * dpi / 72)
    if w * h > MAX_PAGE_PIXELS:
        raise PageError(f"not rendered: the page is {width_pt:.0f} x {height_pt:.0f} pt, {w} x {h} pixels at {dpi} dpi, "
                        f"over the limit of {MAX_PAGE_PIXELS} pixels")


def open_image(data: bytes):
    """The image file as a PIL image (not decoded yet); raises what Pillow raises for a non-image."""
    from PIL import Image

    return Image.open(io.BytesIO(data))


def image_frames(img) -> Iterator[tuple[int, Callable[[], object]]]:
    """The frames (pages) of an opened image as (number, make_image); a multi-page TIFF has several.
    make_image decodes the frame: a truncated or damaged frame fails there, as that page's error."""
    from PIL import ImageSequence

    for i, frame in enumerate(ImageSequence.Iterator(img), 1):
        yield i, (lambda f=frame: f.convert("L") if f.mode not in ("1", "L", "RGB") else f.copy())


def describe(pages: list[PageText], total: int, dpi: int | None) -> str:
    """The Document warning: which pages were OCR'd, by what, and each page's mean word confidence."""
    listed = ", ".join(str(p.number) for p in pages)
    how = f"{ENGINE} {engine_version()}, language {LANG}" + (f", {dpi} dpi" if dpi else "")
    confs = "; ".join(f"page {p.number}: {'none' if p.confidence is None else f'{p.confidence:.1f}'}"
                      for p in pages)
    return f"OCR ({how}) on page(s) {listed} of {total}; mean word confidence (0-100) by page: {confs}"
