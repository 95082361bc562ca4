"""Page images made ready for OCR, and measured for the yield check (nscl_extract.load.ocr).

- `grey`: a colour scan to grey with coloured ink dropped: red stamps and blue signatures lie
  over the text of signed pages, and Tesseract reads them as junk or loses the words beneath.
  Black text under the ink stays black (ink multiplies), so only the colour goes.
- `measure`: the skew angle by projection profiles (the angle at which the rows of ink are
  sharpest, searched to 0.05 degrees within +-MAX_SKEW), whether the page lies sideways (the
  columns are sharper than the rows), and the ink area in square points.
- `straighten`, `turn`: rotate back by a small angle, or by quarter turns.
- `despeckle`: dust and toner specks (small blobs of ink with no letter beside, above or below
  them) to white.

Hand-written with numpy and Pillow: the maintained deskew packages need scikit-image or OpenCV,
a much larger install for what is a few array operations here (docs/annotation.md, OCR)."""
from __future__ import annotations

from dataclasses import dataclass

MAX_SKEW = 6.0       # degrees either way that `measure` searches
PROFILE_WIDTH = 1000  # the ink is measured on a copy of this width (px)
SIDEWAYS = 2.0       # columns this many times sharper than rows: the page lies on its side


@dataclass
class Measure:
    angle: float        # degrees: the text lines run at this angle (image y down); straighten(img, angle)
    sharpness: float    # of the row profile at that angle (text lines: > 0.2; none: ~0)
    sideways: bool      # the lines run up the page: turn it a quarter
    ink: float          # dark area in square points (1/72 inch)


def _array(img):
    import numpy as np

    return np.asarray(img.convert("L") if img.mode != "L" else img)


def grey(img):
    """A grey ("L") copy of a page image in which coloured ink (a red stamp, a blue signature) is
    paper-light and the text under it keeps its darkness. Where the channels differ by more than
    45 levels (20 beside such pixels), the grey is the brightest channel over that channel's value in the ink itself
    (the median over the strongly coloured pixels of that hue): pure stamp ink comes out white,
    text under it as dark as it would be on paper. Black and grey pixels are left as they are."""
    from PIL import Image, ImageChops, ImageFilter
    import numpy as np

    if img.mode in ("1", "L", "I;16", "I", "F"):
        return img.convert("L")
    rgb = img.convert("RGB")
    r, g, b = rgb.split()
    hi = ImageChops.lighter(ImageChops.lighter(r, g), b)
    chroma = ImageChops.subtract(hi, ImageChops.darker(ImageChops.darker(r, g), b))
    out = rgb.convert("L")
    strong = chroma.point(lambda v: 255 if v > 45 else 0)
    if strong.getbbox() is None:
        return out
    # the ink's fringe (JPEG smears colour over a pixel or two) is ink too, where it has some colour
    fringe = np.asarray(strong.filter(ImageFilter.MaxFilter(5))) > 0
    c = np.asarray(chroma)
    coloured = (c > 45) | (fringe & (c > 20))
    px = np.asarray(rgb)[coloured]
    top = px.max(axis=1).astype(np.float32)
    hue = px.argmax(axis=1)
    strength = top - px.min(axis=1)
    scale = np.ones(len(px), dtype=np.float32)
    for channel in range(3):
        mine = hue == channel
        strong = mine & (strength > 100)
        ink = float(np.median(top[strong])) if strong.sum() >= 50 else 255.0
        scale[mine] = 255.0 / max(ink, 64.0)
    lum = np.array(out)
    lum[coloured] = np.minimum(255.0, top * scale).astype(np.uint8)
    return Image.fromarray(lum, "L")


def otsu(a) -> int:
    """Otsu's threshold of a grey array: values at or below it are ink."""
    import numpy as np

    hist = np.bincount(a.ravel(), minlength=256).astype(np.float64)
    w = np.cumsum(hist)
    m = np.cumsum(hist * np.arange(256))
    total, mean = w[-1], m[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w / total - m) ** 2 / (w * (total - w))
    between = np.nan_to_num(between)
    return int(np.argmax(between))


def ink_threshold(a) -> int:
    """Grey levels at or below this are ink: Otsu's threshold, but at least 40 levels darker than
    the paper (the median), so that the grain of a blank page is no ink."""
    import numpy as np

    return min(otsu(a), int(np.median(a[::4, ::4])) - 40)


def _sharpness(xs, ys, angle: float) -> float:
    """How sharply the ink falls into rows when the page is sheared by `angle` (sum of squared
    steps of the row profile, over the ink squared, per row: scale-free)."""
    import numpy as np

    y = np.rint(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
    y -= y.min()
    h = np.bincount(y).astype(np.float64)
    return float(np.sum(np.diff(h) ** 2) / (len(xs) ** 2) * len(h))


def _best_angle(xs, ys) -> tuple[float, float]:
    import numpy as np

    if len(xs) < 50:
        return 0.0, 0.0
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    scores = [_sharpness(xs, ys, a) for a in coarse]
    a0 = float(coarse[int(np.argmax(scores))])
    fine = np.arange(a0 - 0.5, a0 + 0.5 + 1e-9, 0.05)
    scores = [_sharpness(xs, ys, a) for a in fine]
    k = int(np.argmax(scores))
    return round(float(fine[k]), 2), scores[k]


def measure(img, dpi: float) -> Measure:
    """Skew, orientation and ink area of a grey page image scanned at `dpi`."""
    from PIL import Image
    import numpy as np

    scale = min(1.0, PROFILE_WIDTH / max(1, img.width))
    small = img if scale == 1.0 else img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                                                Image.BILINEAR)
    a = _array(small)
    ink = a <= ink_threshold(a)
    if ink.mean() > 0.5:  # nothing but noise, or a negative: no text lines to measure
        return Measure(0.0, 0.0, False, 0.0)
    ys, xs = np.nonzero(ink)
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)
    angle, sharp = _best_angle(xs, ys)
    _, across = _best_angle(ys, xs)
    area = len(xs) / (scale * scale) * (72.0 / dpi) ** 2
    return Measure(angle, sharp, across > SIDEWAYS * sharp and across > 0.1, area)


def straighten(img, angle: float):
    """Rotate a grey page by `angle` degrees (counter-clockwise, as Pillow turns) onto white,
    keeping every corner (the page grows a little)."""
    from PIL import Image

    return img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)


def turn(img, clockwise: int):
    """The page turned by a quarter, half or three quarters, clockwise (Tesseract's OSD "Rotate")."""
    from PIL import Image

    step = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    return img.transpose(step[clockwise]) if clockwise in step else img


def _runs(ink):
    """Runs of ink per row: (row, start, end) arrays, end exclusive, in row-major order."""
    import numpy as np

    h, w = ink.shape
    edges = np.diff(np.pad(ink, ((0, 0), (1, 1))).view(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, starts, ends


def _components(rows, starts, ends):
    """Connected component (8-connectivity) of each run: an int array, one label per run."""
    import numpy as np

    n = len(rows)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(rows, np.arange(rows[-1] + 2)) if n else np.zeros(1, dtype=np.int64)
    r_list, s_list, e_list = rows.tolist(), starts.tolist(), ends.tolist()
    for r in range(1, len(first) - 1):
        a, a_end = int(first[r - 1]), int(first[r])  # runs of the row above
        b, b_end = a_end, int(first[r + 1])
        if a == a_end or r_list[a] != r - 1:
            continue
        while a < a_end and b < b_end:
            if s_list[a] <= e_list[b] and s_list[b] <= e_list[a]:  # touching or diagonal neighbours
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            if e_list[a] < e_list[b]:
                a += 1
            else:
                b += 1
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def despeckle(img, dpi: float):
    """(cleaned image, number of specks whitened): dust and toner specks. A speck is a small blob
    of ink (at most 1 mm across, 45 px at 200 dpi) with no other ink within 1.5 mm beside
    it or 1 mm above or below: tone marks sit right above or below their letter, and dots,
    commas and the dot below right beside or under it, so they stay."""
    import numpy as np
    from PIL import Image

    a = _array(img)
    ink = a <= ink_threshold(a)
    rows, starts, ends = _runs(ink)
    if not len(rows):
        return img, 0
    label = _components(rows, starts, ends)
    k = dpi / 200
    lengths = ends - starts
    area = np.bincount(label, weights=lengths)
    top = np.full(len(area), np.inf)
    bottom = np.full(len(area), -np.inf)
    left = np.full(len(area), np.inf)
    right = np.full(len(area), -np.inf)
    np.minimum.at(top, label, rows)
    np.maximum.at(bottom, label, rows)
    np.minimum.at(left, label, starts)
    np.maximum.at(right, label, ends)
    small = (area > 0) & (area <= 45 * k * k) & (bottom - top < 8 * k) & (right - left < 8 * k)
    if not small.any():
        return img, 0
    # any other ink beside (a dot after its letter, the dots of an ellipsis), above or below (tone marks)?
    dx, dy = max(1, round(12 * k)), max(1, round(8 * k))
    h, w = ink.shape
    total = np.zeros((h + 1, w + 1), dtype=np.int64)
    total[1:, 1:] = ink.cumsum(0).cumsum(1)
    ids = np.nonzero(small)[0]
    r0 = np.clip(top[ids] - dy, 0, h).astype(np.int64)
    r1 = np.clip(bottom[ids] + dy + 1, 0, h).astype(np.int64)
    c0 = np.clip(left[ids] - dx, 0, w).astype(np.int64)
    c1 = np.clip(right[ids] + dx, 0, w).astype(np.int64)
    around = total[r1, c1] - total[r0, c1] - total[r1, c0] + total[r0, c0]
    touched = np.zeros(len(area), dtype=bool)
    touched[ids] = around > area[ids]
    specks = small & ~touched
    gone = specks[label]
    n = int(lengths[gone].sum())
    if not n:
        return img, 0
    out = a.copy()
    for r, s, e in zip(rows[gone].tolist(), starts[gone].tolist(), ends[gone].tolist()):
        out[r, s:e] = 255
    return Image.fromarray(out, "L"), int(np.count_nonzero(specks))


def dpi_of(img, default: float | None = None) -> float:
    """The resolution an image says it has; else `default`; else the width of an A4 (or letter)
    page in inches across its short side."""
    got = img.info.get("dpi")
    try:
        x = float(got[0]) if got else 0.0
    except (TypeError, ValueError, IndexError):
        x = 0.0
    if 50 <= x <= 2400:
        return x
    return default or max(50.0, min(img.width, img.height) / 8.27)


def source_page(path, number: int, dpi: float = 100):
    """Page `number` (1-based) of a PDF or page-image file as an RGB image at about `dpi`, for
    showing it (the review page's page panel); raises what pypdfium2 or Pillow raise, and
    ocr.PageError for a PDF page over the pixel budget."""
    from pathlib import Path

    from PIL import Image

    path = Path(path)
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium

        from .ocr import check_page_pixels

        pdf = pdfium.PdfDocument(str(path))
        try:
            page = pdf[number - 1]
            try:
                check_page_pixels(number, *page.get_size(), dpi)  # the same pixel budget as for OCR
                return page.render(scale=dpi / 72).to_pil().convert("RGB")
            finally:
                page.close()
        finally:
            pdf.close()
    with Image.open(path) as img:
        img.seek(number - 1)
        scale = dpi / dpi_of(img)
        frame = img.convert("RGB")
    if scale < 1:
        frame = frame.resize((max(1, round(frame.width * scale)), max(1, round(frame.height * scale))), Image.LANCZOS)
    return frame
