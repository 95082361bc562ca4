"""Build scanned-looking inputs for the OCR tests: text typeset with reportlab (DejaVuSans), rendered
with pypdfium2, then made to look scanned with Pillow (a small skew, blur, grain), saved as an
image-only PDF or as page images. No binary fixtures."""
from __future__ import annotations

import io
import random
from pathlib import Path

from docbuilders import dejavu_font

SCAN_DPI = 200  # the "scanner's" resolution: what the image pages carry


def typeset(pages: list[str], font_size: float = 11, header: str | None = None,
            footer: str | None = None) -> bytes:
    """A text PDF (in memory): one list item per page, wrapped paragraphs, overflow on extra pages.
    `header` is repeated on top of every page; `footer` at the bottom, with {page} and {pages}
    filled in."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", dejavu_font()))
    width, height = A4
    laid: list[list[str]] = []  # lines per physical page
    for page in pages:
        lines: list[str] = []
        laid.append(lines)
        y = height - 80
        for para in page.split("\n"):
            for line in simpleSplit(para, "DejaVuSans", font_size, width - 120) or [""]:
                if y < 80:
                    lines = []
                    laid.append(lines)
                    y = height - 80
                lines.append(line)
                y -= font_size * 1.35
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n, lines in enumerate(laid, 1):
        if header:
            c.setFont("DejaVuSans", font_size - 2)
            c.drawString(60, height - 45, header)
        c.setFont("DejaVuSans", font_size)
        y = height - 80
        for line in lines:
            c.drawString(60, y, line)
            y -= font_size * 1.35
        if footer:
            c.setFont("DejaVuSans", font_size - 2)
            c.drawCentredString(width / 2, 40, footer.format(page=n, pages=len(laid)))
        c.showPage()
    c.save()
    return buf.getvalue()


def scanned(pdf: bytes, seed: int = 0, dpi: int = SCAN_DPI, top: float = 1.0) -> list:
    """Every page of a PDF as a grey image that looks scanned: rotated by up to 0.8 degrees,
    slightly blurred, with grain (seeded: the same scan every run); the image carries its dpi.
    `top` < 1 keeps only that top part of each page (a strip: quicker to OCR in small tests)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageFilter

    rnd = random.Random(seed)
    images = []
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        img = img.crop((0, 0, img.width, int(img.height * top)))
        img = img.rotate(rnd.uniform(-0.8, 0.8), resample=Image.BICUBIC, expand=False, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        grain = Image.frombytes("L", img.size, rnd.randbytes(img.size[0] * img.size[1])).point(lambda v: v * 48 // 255)
        img = ImageChops.add(img, grain, 1.0, -24)  # uniform grain of +-24 grey levels
        img.info["dpi"] = (dpi, dpi)
        images.append(img)
        page.close()
    doc.close()
    return images


def image_pdf(path: Path, images: list, dpi: int = SCAN_DPI) -> Path:
    """An image-only PDF: one scanned image per page, no text layer (Pillow's PDF writer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = [im.convert("L") for im in images]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return path
