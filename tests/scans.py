"""Build scanned-looking inputs for the OCR tests and the scan benchmark (benchmarks/bench_scans.py):
text typeset with reportlab (DejaVu fonts), rendered with pypdfium2, then made to look scanned with
Pillow: a small skew, blur and grain (`scanned`), and the ways office scans go wrong (`KINDS`):
a tilt of up to 5 degrees, low resolution, JPEG artefacts, speckle, a red round stamp and a
signature over the text, a table page, a page turned 90 or 180 degrees, two columns. Everything
is seeded (the same scan every run) and made in memory or in a temporary folder: no binary
fixtures, no image in the repository."""
from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from docbuilders import dejavu_font

SCAN_DPI = 200  # the "scanner's" resolution: what the image pages carry
FONTS = {"sans": "DejaVuSans", "serif": "DejaVuSerif"}


def _font(font: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = FONTS[font]
    if name not in pdfmetrics.getRegisteredFontNames():
        path = Path(dejavu_font()).with_name(f"{name}.ttf")
        pdfmetrics.registerFont(TTFont(name, str(path if path.is_file() else dejavu_font())))
    return name


def typeset(pages: list[str], font_size: float = 11, header: str | None = None,
            footer: str | None = None, font: str = "sans", layout: str = "plain",
            para_space: float = 0.0) -> bytes:
    """A text PDF (in memory): one list item per page, one paragraph per line of it, wrapped;
    overflow goes on extra pages. `header` is repeated on top of every page; `footer` at the
    bottom, with {page} and {pages} filled in. A line with " | " between cells (a letterhead, a
    row as web pages flatten them) is set as cells side by side, without the bars.

    layout: "plain"; "columns" (the first paragraph across the page, the rest in two columns);
    "table" (the first paragraph as a heading, each other one a row of a ruled table with a
    row number in its first column). `para_space`: extra space after a paragraph, in lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    name = _font(font)
    width, height = A4
    left, right, top, bottom = 60, width - 60, height - 80, 80
    lead = font_size * 1.35
    laid: list[list[tuple]] = []  # per physical page: ("text", x, y, s) and ("rule", x1, y1, x2, y2)

    def wrap(text: str, w: float) -> list[str]:
        return simpleSplit(text, name, font_size, w) or [""]

    def cells(para: str, x0: float, x1: float) -> list[tuple[float, list[str]]]:
        """(x, wrapped lines) of each cell of a paragraph; one cell when it has no bars."""
        parts = [c.strip() for c in para.split("|")] if " | " in para or para.rstrip().endswith(" |") else [para]
        parts = [c for c in parts if c] or [""]
        w = (x1 - x0) / len(parts)
        return [(x0 + k * w, wrap(c, w - 8 if len(parts) > 1 else w)) for k, c in enumerate(parts)]

    for page in pages:
        paras = page.split("\n")
        laid.append([])
        y = top

        def room(need: float) -> float:
            nonlocal y
            if y < bottom:
                laid.append([])
                y = top
            return y

        def flow(items: list[str], x0: float, x1: float) -> None:
            nonlocal y
            for para in items:
                block = cells(para, x0, x1)
                for k in range(max(len(ls) for _, ls in block)):
                    room(lead)
                    for x, ls in block:
                        if k < len(ls):
                            laid[-1].append(("text", x, y, ls[k]))
                    y -= lead
                y -= para_space * lead

        if layout == "plain":
            flow(paras, left, right)
        elif layout == "columns":
            flow(paras[:1], left, right)
            gap, mid = 18, (left + right) / 2
            lines = [ln for para in paras[1:] for ln in wrap(para, mid - gap / 2 - left) + [None] * bool(para_space)]
            col_top, x = y, left
            for ln in lines:
                if y - lead < bottom:
                    if x == left:
                        x, y = mid + gap / 2, col_top
                    else:
                        laid.append([])
                        x, y = left, top
                        col_top = top
                if ln is not None:
                    laid[-1].append(("text", x, y, ln))
                y -= lead if ln is not None else para_space * lead
        elif layout == "table":
            flow(paras[:1], left, right)
            number_w = 36
            rows = [p for p in paras[1:] if p.strip()]
            y -= lead * 0.5
            for n, para in enumerate(rows, 1):
                block = cells(para, left + number_w + 6, right - 6)
                need = (max(len(ls) for _, ls in block) + 0.3) * lead
                if y - need < bottom:
                    laid.append([])
                    y = top
                row_top = y
                laid[-1].append(("text", left + 8, y - lead * 0.9, f"{n}."))
                for x, ls in block:
                    for k, ln in enumerate(ls):
                        laid[-1].append(("text", x, y - lead * (k + 0.9), ln))
                y -= need
                for rule in ((left, row_top, right, row_top), (left, y, right, y), (left, row_top, left, y),
                             (right, row_top, right, y), (left + number_w, row_top, left + number_w, y)):
                    laid[-1].append(("rule", *rule))
        else:
            raise ValueError(f"unknown layout {layout!r}")

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n, items in enumerate(laid, 1):
        if header:
            c.setFont(name, font_size - 2)
            c.drawString(left, height - 45, header)
        c.setFont(name, font_size)
        for item in items:
            if item[0] == "text":
                c.drawString(item[1], item[2], item[3])
            else:
                c.setLineWidth(0.8)
                c.line(*item[1:])
        if footer:
            c.setFont(name, font_size - 2)
            c.drawCentredString(width / 2, 40, footer.format(page=n, pages=len(laid)))
        c.showPage()
    c.save()
    return buf.getvalue()


def scanned(pdf: bytes, seed: int = 0, dpi: int = SCAN_DPI, top: float = 1.0, skew: float = 0.8,
            angle: float | None = None) -> list:
    """Every page of a PDF as a grey image that looks scanned: rotated by up to `skew` degrees
    (or by exactly `angle`), slightly blurred, with grain (seeded: the same scan every run); the
    image carries its dpi. `top` < 1 keeps only that top part of each page (a strip: quicker to
    OCR in small tests)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageFilter

    rnd = random.Random(seed)
    images = []
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        img = img.crop((0, 0, img.width, int(img.height * top)))
        tilt = rnd.uniform(-skew, skew)
        img = img.rotate(tilt if angle is None else angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(0.6 * dpi / SCAN_DPI))
        grain = Image.frombytes("L", img.size, rnd.randbytes(img.size[0] * img.size[1])).point(lambda v: v * 48 // 255)
        img = ImageChops.add(img, grain, 1.0, -24)  # uniform grain of +-24 grey levels
        img.info["dpi"] = (dpi, dpi)
        images.append(img)
        page.close()
    doc.close()
    return images


# --- the ways office scans go wrong -------------------------------------------------------------

def turned(img, degrees: int):
    """The page put on the scanner sideways or upside down: turned by 90, 180 or 270 degrees
    counter-clockwise (keeps the dpi)."""
    from PIL import Image

    out = img.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                         270: Image.Transpose.ROTATE_270}[degrees])
    out.info["dpi"] = img.info.get("dpi", (SCAN_DPI, SCAN_DPI))
    return out


def speckled(img, seed: int = 0, per_square_inch: float = 12.0):
    """Dust and toner specks: dark dots of 1-3 px radius (at 200 dpi) over the whole page, and
    a few dropouts (white dots) in the ink."""
    from PIL import ImageDraw

    rnd = random.Random(seed)
    out = img.copy()
    draw = ImageDraw.Draw(out)
    dpi = img.info.get("dpi", (SCAN_DPI, SCAN_DPI))[0]
    k = dpi / SCAN_DPI
    n = int(per_square_inch * img.width * img.height / dpi / dpi)
    for i in range(n):
        x, y, r = rnd.uniform(0, img.width), rnd.uniform(0, img.height), rnd.uniform(0.6, 2.6) * k
        shade = rnd.randint(0, 90) if i % 5 else 255
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade if img.mode == "L" else (shade,) * 3)
    out.info["dpi"] = img.info.get("dpi", (SCAN_DPI, SCAN_DPI))
    return out


def jpeg_artefacts(img, quality: int = 20):
    """The page as a low-quality JPEG would bring it back (blocking, ringing around letters)."""
    from PIL import Image

    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()
    out.info["dpi"] = img.info.get("dpi", (SCAN_DPI, SCAN_DPI))
    return out


def stamped(img, seed: int = 0):
    """A red round stamp (double ring, lettering round it, a star in the middle) and a blue
    signature, both over the lower part of the text, as ink multiplies with the page. RGB."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    rnd = random.Random(seed)
    dpi = img.info.get("dpi", (SCAN_DPI, SCAN_DPI))[0]
    page = img.convert("RGB")
    ink = Image.new("RGB", page.size, (255, 255, 255))
    draw = ImageDraw.Draw(ink)
    red, blue = (206, 32, 41), (28, 48, 150)
    d = 1.6 * dpi  # a 4 cm stamp
    cx = page.width * rnd.uniform(0.55, 0.72)
    cy = page.height * rnd.uniform(0.30, 0.55)
    for r, w in ((d / 2, 0.028 * dpi), (d / 2 - 0.11 * dpi, 0.012 * dpi), (d / 4.4, 0.012 * dpi)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(1, round(w)))
    star = [(cx + (d / 5.5 if k % 2 == 0 else d / 13) * math.sin(math.pi * k / 5),
             cy - (d / 5.5 if k % 2 == 0 else d / 13) * math.cos(math.pi * k / 5)) for k in range(10)]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(str(Path(dejavu_font())), max(8, round(0.11 * dpi)))
    words = "ỦY BAN NHÂN DÂN * VĂN PHÒNG * "
    for k, ch in enumerate(words):
        a = 2 * math.pi * k / len(words) - math.pi / 2
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size // 2, font.size // 4), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        r = d / 2 - 0.065 * dpi
        x, y = cx + r * math.cos(a) - glyph.width / 2, cy + r * math.sin(a) - glyph.height / 2
        ink.paste(Image.new("RGB", glyph.size, red), (round(x), round(y)), glyph)
    # the signature: a few looping strokes left of the stamp's centre, over the text
    sx, sy = cx - d * 0.55, cy - d * 0.05
    points = []
    for t in range(0, 360 * 3, 6):
        a = math.radians(t)
        points.append((sx + t / 1080 * d * 0.9 + 0.08 * dpi * math.cos(a * 1.7),
                       sy + 0.16 * dpi * math.sin(a) * (1 + 0.4 * math.sin(a / 3))))
    draw.line(points, fill=blue, width=max(2, round(0.018 * dpi)), joint="curve")
    draw.line([(sx - 0.1 * dpi, sy + 0.25 * dpi), (sx + d * 0.8, sy + 0.17 * dpi)], fill=blue,
              width=max(2, round(0.014 * dpi)))
    out = ImageChops.multiply(page, ink)
    out.info["dpi"] = (dpi, dpi)
    return out


@dataclass(frozen=True)
class Kind:
    """One way a page comes back from the scanner: how it is typeset and what is done to the
    image; `suffix` is the file it is saved as (an image-only PDF, or a page image)."""

    what: str
    suffix: str = ".pdf"
    layout: str = "plain"
    dpi: int | Callable[[random.Random], int] = SCAN_DPI
    skew: float = 0.8                                  # up to this many degrees, either way
    tilt: tuple[float, float] | None = None            # or: at least/at most this many degrees
    then: tuple[str, ...] = ()                         # turned, speckled, jpeg, stamped


KINDS: dict[str, Kind] = {
    "clean": Kind("200 dpi, tilted up to 0.8 degrees, blur and grain (what the other kinds add to)"),
    "skew": Kind("tilted 2-5 degrees either way", tilt=(2.0, 5.0)),
    "lowres": Kind("150 dpi PNG", suffix=".png", dpi=150),
    "jpeg": Kind("JPEG at quality 15-25", suffix=".jpg", then=("jpeg",)),
    "speckle": Kind("dust and toner specks", then=("speckled",)),
    "stamp": Kind("a red round stamp and a blue signature over the text (colour scan)", then=("stamped",)),
    "table": Kind("each paragraph a row of a ruled table with a row number", layout="table"),
    "rotated": Kind("turned 90, 180 or 270 degrees", then=("turned",)),
    "columns": Kind("two columns", layout="columns"),
    "office": Kind("150-300 dpi, tilted 1-4 degrees, specks, stamp and signature, JPEG at quality 40",
                   dpi=lambda rnd: rnd.choice((150, 200, 300)), tilt=(1.0, 4.0),
                   then=("speckled", "stamped", "jpeg")),
}


def office_scan(text: str, kind: str, seed: int = 0, font_size: float = 12) -> list:
    """`text` (one paragraph per line) typeset as an office document (DejaVu Serif) and scanned
    the way KINDS[kind] says; the same seed gives the same images."""
    k = KINDS[kind]
    rnd = random.Random(f"{kind}:{seed}")
    dpi = k.dpi(rnd) if callable(k.dpi) else k.dpi
    angle = None
    if k.tilt is not None:
        angle = rnd.uniform(*k.tilt) * rnd.choice((-1, 1))
    pdf = typeset([text], font_size=font_size, font="serif", layout=k.layout, para_space=0.4)
    images = scanned(pdf, seed=rnd.randrange(1 << 30), dpi=dpi, skew=k.skew, angle=angle)
    out = []
    for img in images:
        for step in k.then:
            if step == "turned":
                img = turned(img, rnd.choice((90, 180, 270)))
            elif step == "speckled":
                img = speckled(img, rnd.randrange(1 << 30), per_square_inch=12 if kind == "speckle" else 4)
            elif step == "stamped":
                img = stamped(img, rnd.randrange(1 << 30))
            elif step == "jpeg":
                img = jpeg_artefacts(img, rnd.randint(15, 25) if kind == "jpeg" else 40)
        out.append(img)
    return out


def save_scan(stem: Path, images: list, suffix: str) -> Path:
    """The images as `stem + suffix`: an image-only PDF, or a page image (.png, .jpg; a multi-page
    TIFF when there are several pages)."""
    dpi = images[0].info.get("dpi", (SCAN_DPI, SCAN_DPI))
    if suffix == ".pdf":
        return image_pdf(stem.with_name(stem.name + suffix), images, dpi=dpi[0])
    stem.parent.mkdir(parents=True, exist_ok=True)
    if len(images) > 1:  # a page image holds one page: several are a multi-page TIFF
        path = stem.with_name(stem.name + ".tif")
        images[0].save(path, save_all=True, append_images=images[1:], dpi=dpi, compression="tiff_deflate")
        return path
    path = stem.with_name(stem.name + suffix)
    images[0].save(path, dpi=dpi, **({"quality": 95} if suffix == ".jpg" else {}))
    return path


def image_pdf(path: Path, images: list, dpi: int = SCAN_DPI) -> Path:
    """An image-only PDF: one scanned image per page, no text layer (Pillow's PDF writer);
    colour pages stay colour."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = [im if im.mode == "RGB" else im.convert("L") for im in images]
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=float(dpi))
    return path
