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
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
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
    raw: str = ""               # what Tesseract gave (the best try), before repair
    origin: list[int] | None = None  # origin[i]: offset in raw of text[i] (len(text) + 1 entries)
    angle: float = 0.0          # degrees the page was straightened by (counter-clockwise)
    turned: int = 0             # degrees the page was turned clockwise (90, 180, 270) before OCR
    specks: int = 0             # dust and toner specks whitened before OCR
    chars: int = 0              # characters read (not counting spaces)
    expected: int | None = None  # characters the page's ink would hold as body text
    low_yield: bool = False     # chars far below expected, after the retries
    tries: list[str] = field(default_factory=list)  # what was tried, in order ("psm 3", "turned 180, psm 3" ...)


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

_FORM_FEED = regex.compile(r"\x0c")
_CRLF = regex.compile(r"\r\n")
_HYPHEN_BREAK = regex.compile(r"(?<=\p{L})[-\u00ad]\n(?=\p{Ll})")  # "chất lư-\nợng": a word split at the margin
_CUT_PARAGRAPH = regex.compile(r"(?<=[^\s.;:!?])\n\n+(?=\p{Ll})")  # a blank line inside a sentence
_SPACES = regex.compile(r"[ \t\u00a0]+")
_LINE_EDGE = regex.compile(r"(?m)^ | $")
_BLANKS = regex.compile(r"\n{3,}")
_EDGE_NEWLINES = regex.compile(r"^\n+|\n+$")
_CLUSTER = regex.compile(r"\P{M}\p{M}+")


class Traced:
    """A text made from another (Tesseract's) by edits, with origin[i] the offset in that other
    text of text[i] (origin[len(text)] is its length): what keeps the mapping from the reflowed
    text of an OCR'd page back to what Tesseract read."""

    __slots__ = ("text", "origin")

    def __init__(self, text: str, origin: list[int] | None = None):
        self.text = text
        self.origin = origin if origin is not None else list(range(len(text) + 1))

    def replace_spans(self, spans: list[tuple[int, int]], repl: str) -> "Traced":
        """Each (start, end) span (sorted, not overlapping) replaced by `repl`; a replacement of
        the same length keeps the origins one to one, another points all of it at the span's start."""
        parts, origin, pos = [], [], 0
        for s, e in spans:
            parts.append(self.text[pos:s])
            origin.extend(self.origin[pos:s])
            parts.append(repl)
            origin.extend(self.origin[s:e] if len(repl) == e - s else [self.origin[s]] * len(repl))
            pos = e
        parts.append(self.text[pos:])
        origin.extend(self.origin[pos:])  # with the end sentinel
        return Traced("".join(parts), origin)

    def sub(self, rx, repl: str) -> "Traced":
        spans = [m.span() for m in rx.finditer(self.text)]
        return self.replace_spans(spans, repl) if spans else self

    def nfc(self) -> "Traced":
        """NFC, cluster by cluster (a letter and its combining marks), origins at each cluster's start."""
        if unicodedata.is_normalized("NFC", self.text):
            return self
        parts, origin, pos = [], [], 0
        for m in _CLUSTER.finditer(self.text):
            parts.append(self.text[pos:m.start()])
            origin.extend(self.origin[pos:m.start()])
            composed = unicodedata.normalize("NFC", m.group())
            parts.append(composed)
            origin.extend([self.origin[m.start()]] * len(composed))
            pos = m.end()
        parts.append(self.text[pos:])
        origin.extend(self.origin[pos:])
        text = "".join(parts)
        if not unicodedata.is_normalized("NFC", text):  # a composition across clusters: map to the starts
            whole = unicodedata.normalize("NFC", text)
            return Traced(whole, [origin[min(i, len(origin) - 1)] for i in range(len(whole))] + [origin[-1]])
        return Traced(text, origin)


def repair_traced(text: str) -> Traced:
    """What Tesseract's plain text of one page needs, whatever the page: form feed and stray
    spaces off, a word hyphenated across a line break joined, at most one blank line in a row,
    NFC; traced back to Tesseract's text."""
    t = Traced(text).sub(_FORM_FEED, "").sub(_CRLF, "\n").sub(_SPACES, " ").sub(_LINE_EDGE, "")
    return t.sub(_HYPHEN_BREAK, "").sub(_BLANKS, "\n\n").sub(_EDGE_NEWLINES, "").nfc()


def repair(text: str) -> str:
    return repair_traced(text).text


def reflow_traced(t: Traced, furniture: set[str] = frozenset()) -> Traced:
    """Join the lines of each paragraph of an OCR'd page into one, so that "02" at the end of a
    line and "Hội thảo" on the next are one count again: a blank line that cuts a sentence (the
    next line goes on in lower case) goes, and segment.blocks decides what is a hard wrap, as for
    any text. Lines in `furniture` (the document's page numbers, running headers and footers)
    are never joined to anything; bullets and headings keep their own lines. Line breaks become
    spaces one for one, so only the cut blank lines move the offsets (and `t` traces them)."""
    from ..text.sentences import blocks

    lines = t.text.split("\n")
    masked = "\n".join(" " * len(line) if line.strip() in furniture else line for line in lines)
    cuts = [m.span() for m in _CUT_PARAGRAPH.finditer(masked)]
    if cuts:
        t = t.replace_spans(cuts, "\n")
        masked = Traced(masked).replace_spans(cuts, "\n").text
    chars = list(t.text)
    for b in blocks(masked, _wrap_width(lines)):
        for i in range(b.start, b.end):
            if chars[i] == "\n":
                chars[i] = " "
    return Traced("".join(chars), t.origin)


def _wrap_width(lines: list[str]) -> int:
    """The width a page's text is set to, in characters: a line at least this long (60, or 80%
    of the page's longer lines for a narrow column) ran on to the next when it did not end a sentence."""
    lengths = sorted(len(line.strip()) for line in lines if len(line.strip()) >= 15)
    if len(lengths) < 5:
        return 60
    return max(20, min(60, round(0.8 * lengths[int(0.8 * (len(lengths) - 1))])))


def reflow(text: str, furniture: set[str] = frozenset()) -> str:
    return reflow_traced(Traced(text), furniture).text


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

# The yield check. Body text (12 pt, serif or sans, 200 dpi scans of the real pages:
# benchmarks/bench_scans.py) holds 0.039-0.042 characters per square point of ink; larger or bold
# type holds less (14 pt bold about 0.025), so a page is low-yield only below LOW_YIELD of that.
CHARS_PER_SQUARE_POINT = 0.04
LOW_YIELD = 0.4
LOW_CONFIDENCE = 60.0  # a mean word confidence below this is a poor read too (an upside-down page)
MIN_EXPECTED = 100     # characters: a page with less ink than that is not checked (a blank page, a stamp)
MIN_SKEW = 0.3         # degrees: smaller tilts Tesseract takes in its stride; no resampling for them
SPECKS_PER_PAGE = 20   # fewer specks than this: the page is left as scanned


def _run(image, psm: int) -> tuple[str, float | None]:
    """Tesseract's (plain text, mean word confidence) of one grey image of ours: one run, text and TSV."""
    import pytesseract
    from pytesseract import pytesseract as run

    image.format = "PPM"  # handed over uncompressed: PNG's compression costs more than it saves here
    try:  # pytesseract's run_and_get_multiple_output, with a page segmentation mode
        with run.save(image) as (base, filename):
            run.run_tesseract(filename, base, "txt tsv", lang=LANG, config=f"--psm {psm} -c tessedit_create_tsv=1",
                              timeout=PAGE_TIMEOUT)
            txt, tsv = (Path(f"{base}.{ext}").read_text(encoding="utf-8", errors="replace") for ext in ("txt", "tsv"))
    except pytesseract.TesseractNotFoundError:
        _check.cache_clear()
        raise OcrUnavailable(f"OCR needs Tesseract, which is not installed or not on PATH: {INSTALL_HINT}") from None
    except pytesseract.TesseractError as e:
        raise PageError(f"Tesseract failed ({e.message.strip() or e.status})") from None
    except RuntimeError as e:  # pytesseract's timeout
        raise PageError(f"Tesseract gave up ({e})") from None
    return txt, _mean_confidence(tsv)


def _orientation(image) -> int | None:
    """Tesseract's orientation detection (OSD): degrees to turn the page clockwise (0, 90, 180,
    270), or None when it cannot tell (too little text, no osd data)."""
    import pytesseract

    try:
        found = pytesseract.image_to_osd(image, config="--psm 0", output_type=pytesseract.Output.DICT,
                                         timeout=PAGE_TIMEOUT)
    except (pytesseract.TesseractError, RuntimeError):
        return None
    rotate = int(found.get("rotate", 0) or 0)
    return rotate if rotate in (0, 90, 180, 270) and float(found.get("orientation_conf", 0) or 0) >= 1.0 else None


def _count(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def recognise(image, number: int = 1, dpi: float | None = None) -> PageText:
    """One page image OCR'd: coloured ink dropped, specks whitened (on a speckled page), turned
    upright (a page lying on its side by projection profiles, then Tesseract's OSD for which way),
    straightened, read with Tesseract (page segmentation mode 3); a read that yields far fewer
    characters than the page's ink holds, or reads with a low confidence, is tried again turned
    the way OSD says and with mode 6 (one block of text), and the best read is kept."""
    from . import pageimage as pi

    dpi = pi.dpi_of(image, dpi)
    page = pi.grey(image)
    cleaned, specks = pi.despeckle(page, dpi)
    if specks >= SPECKS_PER_PAGE:
        page = cleaned
    else:
        specks = 0
    m = pi.measure(page, dpi)
    turned = 0
    if m.sideways:
        turned = _orientation(page) or 90
        turned = turned if turned in (90, 270) else 90
        page = pi.turn(page, turned)
        m = pi.measure(page, dpi)
    if abs(m.angle) >= MIN_SKEW:
        page = pi.straighten(page, m.angle)
    expected = round(m.ink * CHARS_PER_SQUARE_POINT) if m.ink else None

    def poor(read) -> bool:
        raw, conf = read
        if expected is None or expected < MIN_EXPECTED:  # (nearly) blank: nothing to do better
            return False
        return _count(raw) < LOW_YIELD * expected or (conf is not None and conf < LOW_CONFIDENCE)

    def worth(read) -> float:
        return _count(read[0]) * (read[1] or 0.0)

    how = f"turned {turned}, " if turned else ""
    best, tries = _run(page, 3), [f"{how}psm 3"]
    if poor(best):
        rotate = None if turned else _orientation(page)
        if rotate in (90, 180, 270):
            upright = pi.turn(page, rotate)
            read = _run(upright, 3)
            tries.append(f"turned {rotate}, psm 3")
            if worth(read) > worth(best):
                best, page, turned = read, upright, rotate
    if poor(best):
        read = _run(page, 6)
        tries.append(f"{'turned %d, ' % turned if turned else ''}psm 6")
        if worth(read) > worth(best):
            best = read
    raw, conf = best
    t = repair_traced(raw)
    chars = _count(t.text)
    return PageText(number, t.text, conf, raw=raw, origin=t.origin, angle=m.angle if abs(m.angle) >= MIN_SKEW else 0.0,
                    turned=turned, specks=specks, chars=chars, expected=expected,
                    low_yield=expected is not None and expected >= MIN_EXPECTED and chars < LOW_YIELD * expected,
                    tries=tries)


def ocr_image(image) -> tuple[str, float | None]:
    """(repaired text, mean word confidence) of one PIL image, prepared and checked as `recognise` does."""
    page = recognise(image)
    return page.text, page.confidence


def _recognise(number: int, image, dpi: float | None = None) -> PageText:
    try:
        return recognise(image, number, dpi)
    except PageError as e:
        return PageText(number, "", None, str(e))


def ocr_pages(images: Iterable[tuple[int, Callable[[], object]]], dpi: float | None = None) -> list[PageText]:
    """Recognise (page number, make_image) pairs, a few at a time in parallel, in page order.
    `dpi`: the resolution of the images when they do not say (rendered PDF pages).

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
                pending.append((number, pool.submit(_recognise, number, image, dpi), None))
            while len(pending) > n * 2:
                results.append(_finish(pending.pop(0)))
        while pending:
            results.append(_finish(pending.pop(0)))
    return results


def _finish(item) -> PageText:
    number, fut, error = item
    return fut.result() if fut is not None else PageText(number, "", None, error)


def ocr_pdf_pages(data: bytes, numbers: list[int], dpi: int | None = None) -> list[PageText]:
    """OCR the given 1-based pages of a PDF, rendered at `dpi` (default DPI), in colour so that
    stamps and signatures can be told from the text."""
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
                    return page.render(scale=dpi / 72).to_pil()
                finally:
                    page.close()
            return make

        return ocr_pages(((n, page_image(n)) for n in numbers), dpi=dpi)
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

    def decode(frame):
        if frame.mode in ("1", "L", "RGB"):
            out = frame.copy()
        else:  # colour stays colour (stamps are dropped by it); 16-bit and other greys become 8-bit grey
            out = frame.convert("RGB" if frame.mode in ("RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV") else "L")
        out.info.setdefault("dpi", frame.info.get("dpi") or img.info.get("dpi"))
        return out

    for i, frame in enumerate(ImageSequence.Iterator(img), 1):
        yield i, (lambda f=frame: decode(f))


def describe(pages: list[PageText], total: int, dpi: int | None) -> str:
    """The Document warning: which pages were OCR'd, by what, and each page's mean word confidence."""
    listed = ", ".join(str(p.number) for p in pages)
    how = f"{ENGINE} {engine_version()}, language {LANG}" + (f", {dpi} dpi" if dpi else "")
    confs = "; ".join(f"page {p.number}: {'none' if p.confidence is None else f'{p.confidence:.1f}'}"
                      for p in pages)
    return f"OCR ({how}) on page(s) {listed} of {total}; mean word confidence (0-100) by page: {confs}"
