"""Scans as offices make them (issue 21): tilted, turned, stamped and signed, speckled pages, a
page that yields far too little, OCR misreads of names and numbers, and the page images on the
review page. Each test makes its scan here (tests/scans.py: reportlab, pypdfium2, Pillow) from a
constructed text, small (a strip of a page, 150-200 dpi) to stay cheap; the figures on the real
pages are benchmarks/bench_scans.py's (benchmarks/README.md)."""
from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scans import image_pdf, scanned, speckled, stamped, turned, typeset

from nscl_extract.load import ocr
from nscl_extract.load.loaders import load
from nscl_extract.pipeline import extract_file

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from nscl_extract.cli import main; main()"]

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="needs Tesseract (apt-get install tesseract-ocr tesseract-ocr-vie)")

# A plan's opening, in the shape real plans have (constructed, not copied).
PLAN = ("Kế hoạch số 2284/KH-UBND của Ủy ban nhân dân tỉnh Lâm Đồng về nâng cao năng suất chất lượng "
        "sản phẩm, hàng hóa giai đoạn 2021-2025.\n"
        "Mục tiêu đến năm 2025: tối thiểu 60% doanh nghiệp áp dụng hệ thống quản lý ISO 9001; hỗ trợ 35 "
        "doanh nghiệp xây dựng mô hình điểm; đào tạo 20 chuyên gia tư vấn; năng suất lao động tăng 7,5%/năm.\n"
        "Kinh phí thực hiện khoảng 12,5 tỷ đồng; tỷ lệ sản phẩm được chứng nhận đạt 45%, giá trị xuất khẩu "
        "tăng 8,5% so với năm 2020; phấn đấu 90% hồ sơ được giải quyết đúng hạn.")
PERCENTAGES = {60, 7.5, 45, 8.5, 90}
COUNTS = {(35, "doanh nghiệp"), (20, "chuyên gia")}


def strip(text: str = PLAN, dpi: int = 200, top: float = 0.3, seed: int = 1, **kw):
    """The top of a typeset page (serif, 12 pt) as a scanned grey image."""
    pdf = typeset([text], font_size=12, font="serif", para_space=0.4)
    return scanned(pdf, seed=seed, dpi=dpi, top=top, **kw)[0]


def chars_read(source: str, got: str) -> float:
    a, b = " ".join(source.split()), " ".join(got.split())
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(bl.size for bl in m.get_matching_blocks()) / len(a)


def figures(doc) -> tuple[set, set]:
    return {p.value for p in doc.percentages}, {(c.value, c.unit) for c in doc.counts}


def save(img, path: Path) -> Path:
    img.save(path, dpi=img.info.get("dpi", (200, 200)))
    return path


def test_a_page_tilted_5_degrees_reads_as_much_as_untilted(tmp_path):
    text = PLAN + "\n" + PLAN  # half a page at 150 dpi: enough lines for the tilt to break the layout
    flat = load(save(strip(text, dpi=150, top=0.45, angle=0.0), tmp_path / "flat.png")).text
    tilted = {a: load(save(strip(text, dpi=150, top=0.45, angle=a), tmp_path / f"tilt{a:+.0f}.png")) for a in (5.0, -5.0)}
    read = {a: round(chars_read(text, loaded.text) / chars_read(text, flat), 3) for a, loaded in tilted.items()}
    assert min(read.values()) >= 0.95, read
    for angle, loaded in tilted.items():
        [page] = loaded.pages
        assert page.deskew == pytest.approx(-angle, abs=0.3) and not page.low_yield


@pytest.mark.parametrize("degrees", [90, 180])
def test_a_page_turned_on_the_scanner_is_read_upright(tmp_path, degrees):
    doc = extract_file(save(turned(strip(), degrees), tmp_path / f"turned{degrees}.png"))
    assert figures(doc) == (PERCENTAGES, COUNTS), doc.text
    assert any(w == f"page 1: turned {degrees} degrees clockwise before OCR "
               f"(the page lay {'upside down' if degrees == 180 else 'on its side'})" for w in doc.warnings), doc.warnings
    assert doc.pages[0].turned == degrees  # counter-clockwise on the scanner, clockwise back


def test_red_stamp_and_blue_signature_over_the_figures(tmp_path):
    """The stamp and the signature cover the middle of the text, where the figures are."""
    page = stamped(strip(seed=3), seed=11)
    pdf = image_pdf(tmp_path / "signed.pdf", [page])
    doc = extract_file(pdf)
    assert figures(doc) == (PERCENTAGES, COUNTS), doc.text
    assert doc.plan is not None and doc.plan.number == "2284/KH-UBND"


def test_specks_are_whitened_and_the_figures_read(tmp_path):
    img = speckled(strip(seed=5), seed=2, per_square_inch=12)
    doc = extract_file(image_pdf(tmp_path / "dusty.pdf", [img]))
    assert figures(doc)[0] == PERCENTAGES, doc.text
    clean = extract_file(save(strip(seed=5), tmp_path / "clean.png"))
    assert chars_read(PLAN, doc.text) >= chars_read(PLAN, clean.text) - 0.03


def test_a_page_that_yields_far_too_little_is_retried_and_named(tmp_path):
    """Page 2's lines are struck through with a broad marker: ink everywhere, little to read."""
    from PIL import ImageDraw

    good = strip(top=0.3, seed=7)
    bad = strip(top=0.3, seed=8)
    draw = ImageDraw.Draw(bad)
    for y in range(150, bad.height - 20, 9):
        draw.line([(110, y), (bad.width - 110, y + 4)], fill=40, width=5)
    loaded = load(image_pdf(tmp_path / "struck.pdf", [good, bad]))
    [warning] = [w for w in loaded.warnings if "low yield" in w]
    assert warning.startswith("page 2: low yield: OCR read ") and "psm 6" in warning, warning
    assert [p.low_yield for p in loaded.pages] == [False, True]
    assert loaded.pages[1].expected_chars > 2 * loaded.pages[1].chars


def test_ocr_misreads_of_the_province_and_the_plan_number_are_read_through(tmp_path):
    """What Tesseract made of a worn letterhead: "Tâm Đồng", "2284/KH- UBND", "l322/QĐ-TTg". Read
    through in OCR'd text only (and recorded); the same words typed are read as written."""
    misread = ("ỦY BAN NHÂN DÂN TỈNH TÂM ĐỒNG\nSố: 2284/KH- UBND\nThực hiện Quyết định số l322/QĐ-TTg, "
               "tối thiểu 60% doanh nghiệp áp dụng ISO 9001.")
    doc = extract_file(save(strip(misread, top=0.2), tmp_path / "worn.png"))
    assert "TÂM ĐỒNG" in doc.text and "2284/KH- UBND" in doc.text  # the text is what OCR read
    assert doc.province is not None and doc.province.name == "Lâm Đồng"
    assert any(w.startswith("province Lâm Đồng: read from OCR text as 'TÂM ĐỒNG'") for w in doc.warnings)
    assert doc.plan.number == "2284/KH-UBND" and doc.plan.text == "2284/KH- UBND"
    assert [c.number for c in doc.citations] == ["2284/KH-UBND", "1322/QĐ-TTg"]
    for c in doc.citations:
        assert doc.text[c.start:c.end] == c.text
    typed = tmp_path / "typed.txt"
    typed.write_text(misread, encoding="utf-8")
    as_typed = extract_file(typed)
    assert as_typed.province is None and as_typed.citations == [] and as_typed.pages is None


def test_reflowed_text_maps_back_to_what_tesseract_read():
    raw = ("Mục tiêu  đến năm 2025, nâng cao chất lư-\nợng sản phẩm của\ncác doanh nghiệp\n\n\n\n"
           "trong tỉnh; đào tạo 20\nchuyên gia.\x0c")
    t = ocr.reflow_traced(ocr.repair_traced(raw))
    assert t.text == ("Mục tiêu đến năm 2025, nâng cao chất lượng sản phẩm của các doanh nghiệp "
                      "trong tỉnh; đào tạo 20 chuyên gia.")
    assert len(t.origin) == len(t.text) + 1 and t.origin[-1] == len(raw)
    for i, ch in enumerate(t.text):
        if not ch.isspace():
            assert raw[t.origin[i]] == ch, (i, ch)


def test_pages_in_json_and_the_review_page_shows_each_scan_beside_its_text(tmp_path, chromium_page):
    good, bad = strip(top=0.25, seed=7), strip(top=0.25, seed=8)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(bad)
    for y in range(150, bad.height - 20, 9):
        draw.line([(110, y), (bad.width - 110, y + 4)], fill=40, width=5)
    scan = image_pdf(tmp_path / "in" / "plan.pdf", [good, bad])
    out = tmp_path / "plan.json"
    r = subprocess.run([*CLI, "extract", scan, "-o", out], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    pages = data["pages"]
    assert [p["number"] for p in pages] == [1, 2] and [p["low_yield"] for p in pages] == [False, True]
    for p in pages:  # the map goes back to what Tesseract read
        assert all(data["text"][d] == p["ocr_text"][o] for d, o in p["ocr_map"] if d < p["end"] and
                   not data["text"][d].isspace())
    shown = {}
    for mode in ("link", "embed"):
        html = tmp_path / "review" / f"{mode}.html"
        html.parent.mkdir(exist_ok=True)
        r = subprocess.run([*CLI, "show", out, "-o", html, "--page-images", mode], capture_output=True, text=True,
                           cwd=ROOT)
        assert r.returncode == 0, r.stderr
        page = chromium_page(html)
        shown[mode] = page.evaluate("""() => [...document.querySelectorAll('#pages .page')].map(p => ({
            low: p.classList.contains('low-yield'), text: p.querySelector('.page-text').textContent,
            img: p.querySelector('img') ? p.querySelector('img').naturalWidth : null,
            object: p.querySelector('object') ? p.querySelector('object').getAttribute('data') : null}))""")
    assert [p["low"] for p in shown["link"]] == [False, True]
    assert [p["object"] for p in shown["link"]] == ["../in/plan.pdf#page=1", "../in/plan.pdf#page=2"]
    assert all(p["img"] and p["img"] > 100 for p in shown["embed"])  # copies, decoded by the browser
    assert "60%" in shown["embed"][0]["text"]
    assert "data:image" not in (tmp_path / "review" / "link.html").read_text(encoding="utf-8")  # linked, not copied


@pytest.fixture
def chromium_page():
    from pagetools import browser, external_requests, needs_chromium, open_page

    if needs_chromium.args[0]:
        pytest.skip(needs_chromium.kwargs["reason"])
    with browser() as b:
        opened = []

        def show(path: Path):
            page = open_page(b, path)
            page.wait_for_load_state("load")
            opened.append(page)
            return page

        yield show
        for page in opened:
            # the browser's own PDF viewer (an extension) is no request to the network
            assert [u for u in external_requests(page) if not u.startswith(("chrome-extension:", "chrome:"))] == []
            assert page.errors == []
