"""OCR of scanned PDFs and page images (issue 12), on scans made here: the seed texts typeset with
reportlab, rasterised, skewed, blurred and grained with Pillow (tests/scans.py), then run through
`nscl-extract` and scored against gold/ with the project's scorer."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docbuilders import make_pdf, seed_text
from scans import image_pdf, scanned, typeset

from nscl_extract.load import ocr
from nscl_extract.load.loaders import LoadError, load, load_pdf
from nscl_extract.scoring.score import TYPES, score_predictions

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p.stem for p in (ROOT / "corpus").glob("*.txt"))
HEADER = "Cổng thông tin điện tử - bản in ngày 15/03/2021 lúc 09:30"
FOOTER = "Trang {page}/{pages}"
CLI = [sys.executable, "-c", "from nscl_extract.cli import main; main()"]

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="needs Tesseract (apt-get install tesseract-ocr tesseract-ocr-vie)")


def run_cli(*args, env=None, cwd=ROOT):
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=900)


@pytest.fixture(scope="module")
def scanned_seeds(tmp_path_factory):
    """The five seeds as image-only PDFs <doc_id>.pdf, with a running header and "Trang n/m" footer."""
    folder = tmp_path_factory.mktemp("scans")
    for i, name in enumerate(SEEDS):
        pdf = typeset([seed_text(name)], header=HEADER, footer=FOOTER)
        image_pdf(folder / f"{name}.pdf", scanned(pdf, seed=i))
    return folder


@pytest.fixture(scope="module")
def extracted(scanned_seeds):
    """`nscl-extract extract` on the five scans: the JSONL path."""
    out = scanned_seeds / "ocr.jsonl"
    r = run_cli("extract", *sorted(scanned_seeds.glob("*.pdf")), "-o", out)
    assert r.returncode == 0, r.stderr
    return out


def test_scanned_seeds_score_against_gold(extracted):
    docs = [json.loads(line) for line in extracted.read_text(encoding="utf-8").splitlines()]
    assert [d["doc_id"] for d in docs] == SEEDS
    for d in docs:  # nothing of the text layer: every page was OCR'd, and the warning says so
        assert any(w.startswith("OCR (Tesseract ") and "language vie" in w and "page(s) 1, 2" in w
                   and "page 1: " in w for w in d["warnings"]), d["warnings"]
    report = score_predictions(ROOT / "gold", extracted)
    tp = sum(report.types[t].tp for t in TYPES)
    fp = sum(report.types[t].fp for t in TYPES)
    fn = sum(report.types[t].fn for t in TYPES)
    micro = 2 * tp / (2 * tp + fp + fn)
    key = report.indicators.key
    print(f"\nOCR'd seeds: mentions micro-F1 {micro:.3f} (tp {tp}, fp {fp}, fn {fn}); "
          f"indicators key F1 {key.f1:.3f} (tp {key.tp}, fp {key.fp}, fn {key.fn}); "
          + ", ".join(f"{t} {report.types[t].f1:.3f}" for t in TYPES))
    assert micro >= 0.95
    assert key.f1 >= 0.90


def test_running_header_and_page_numbers_are_furniture(extracted):
    """The header printed on every page (it holds a date) and the "Trang n/m" footers yield no
    mentions, and the header's date is not taken for the document's own."""
    for d in map(json.loads, extracted.read_text(encoding="utf-8").splitlines()):
        text = d["text"]
        headers = [i for i in range(len(text)) if text.startswith(HEADER, i)]
        footers = [i for i in range(len(text)) if text.startswith("Trang ", i)]
        assert len(headers) >= 2 and len(footers) >= 2, d["doc_id"]
        for i in headers + footers:  # furniture lines stay lines of their own: reflow never joins them
            end = text.find("\n", i) if "\n" in text[i:] else len(text)
            line = text[i:end]
            assert (i == 0 or text[i - 1] == "\n") and (line == HEADER or re.fullmatch(r"Trang \d/\d", line)), repr(line)
        for kind in ("dates", "counts", "percentages", "citations"):
            for m in d[kind]:
                assert not any(i <= m["start"] < i + len(HEADER) for i in headers), (d["doc_id"], m)
                assert not any(i <= m["start"] < i + 12 for i in footers), (d["doc_id"], m)
        assert d["published"] != "2021-03-15"


def test_mixed_pdf_keeps_text_pages_and_ocrs_the_rest(tmp_path):
    import pypdf

    text_pdf = make_pdf(tmp_path / "text.pdf", ["Trang một: tối thiểu 60% doanh nghiệp áp dụng ISO 9001",
                                                 "Trang ba: đào tạo 20 chuyên gia năng suất"])
    scan = image_pdf(tmp_path / "scan.pdf", scanned(typeset(["Đến năm 2025, hỗ trợ 35 doanh nghiệp xây dựng "
                                                            "mô hình điểm về năng suất."]), seed=7, top=0.2))
    writer = pypdf.PdfWriter()
    text_pages, scan_pages = pypdf.PdfReader(text_pdf).pages, pypdf.PdfReader(scan).pages
    for page in (text_pages[0], scan_pages[0], text_pages[1]):
        writer.add_page(page)
    mixed = tmp_path / "mixed.pdf"
    with open(mixed, "wb") as f:
        writer.write(f)
    loaded = load(mixed)
    lines = loaded.text.split("\n")
    own = load(text_pdf).text.split("\n")
    assert lines[0] == own[0] and lines[-1] == own[1]  # text pages: their own text layer, as it is
    ocr_text = " ".join(lines[1:-1])
    assert "35 doanh nghiệp" in ocr_text and "2025" in ocr_text
    [summary] = [w for w in loaded.warnings if w.startswith("OCR")]
    assert "on page(s) 2 of 3" in summary and "page 2: " in summary


def test_png_page_is_an_input(tmp_path):
    from nscl_extract.pipeline import extract_file

    [page] = scanned(typeset(["Kế hoạch 191/KH-UBND: đến năm 2025 tối thiểu 60% doanh nghiệp "
                              "áp dụng ISO 9001; đào tạo 20 chuyên gia."]), seed=3, top=0.2)
    png = tmp_path / "trang.png"
    page.save(png, dpi=(200, 200))
    doc = extract_file(png)
    assert {c.number for c in doc.citations} == {"191/KH-UBND"}
    assert {p.value for p in doc.percentages} == {60}
    assert {s.id for s in doc.standards} == {"ISO 9001"}
    assert any(i.quantity.value == 60 and i.target_year == 2025 for i in doc.indicators)
    assert any("OCR (Tesseract" in w and "page(s) 1 of 1" in w for w in doc.warnings)


def _corrupt_image(pdf: bytes, n: int) -> bytes:
    """Overwrite the middle of the n-th (1-based) image stream with junk; same length, so the
    xref table stays valid and only that page's picture is broken."""
    at = -1
    for _ in range(n):
        at = pdf.index(b"/Subtype /Image", at + 1)
    s = pdf.index(b"stream\n", at) + len(b"stream\n")
    e = pdf.index(b"endstream", s)
    junk = bytes((i * 37) % 251 for i in range(e - s - 40))
    return pdf[:s + 20] + junk + pdf[e - 20:]


def test_empty_page_and_corrupt_image_page_warn_and_the_batch_goes_on(tmp_path):
    from PIL import Image

    words = scanned(typeset(["Năm 2025 đào tạo 30 chuyên gia năng suất chất lượng."]), seed=5, top=0.2)[0]
    blank = Image.new("L", words.size, 255)
    folder = tmp_path / "in"
    scan = image_pdf(folder / "a_scan.pdf", [words, blank, words.copy()])
    two = image_pdf(tmp_path / "two.pdf", [words, words.copy()])
    (folder / "b_broken.pdf").write_bytes(_corrupt_image(two.read_bytes(), 2))
    (folder / "c_plain.txt").write_text("Đến năm 2025 tối thiểu 60% doanh nghiệp áp dụng ISO 9001.", encoding="utf-8")

    out = tmp_path / "out.jsonl"
    r = run_cli("batch", folder, "-o", out)
    assert "Traceback" not in r.stderr
    recs = {Path(rec["source"]).name: rec for rec in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(recs) == {"a_scan.pdf", "b_broken.pdf", "c_plain.txt"}
    assert "schema" in recs["a_scan.pdf"] and "schema" in recs["c_plain.txt"]
    assert any("page 2: no text found by OCR" in w for w in recs["a_scan.pdf"]["warnings"])
    assert recs["a_scan.pdf"]["text"].count("30 chuyên gia") == 2
    assert {q["value"] for q in recs["c_plain.txt"]["percentages"]} == {60}
    b = recs["b_broken.pdf"]  # either a document whose bad page is warned about, or an error record
    if "error" in b:
        assert "b_broken.pdf" in b["source"] and b["error"]
    else:
        assert any(w.startswith("page 2: ") for w in b["warnings"]), b["warnings"]
        assert b["text"].count("30 chuyên gia") == 1


def test_scanned_pdf_with_no_text_anywhere_is_an_error(tmp_path):
    from PIL import Image

    path = image_pdf(tmp_path / "blank.pdf", [Image.new("L", (800, 1100), 255)] * 2)
    with pytest.raises(LoadError, match="blank.pdf: no text: no text layer, and OCR found none on 2 page"):
        load(path)


def test_corrupt_png_is_a_load_error(tmp_path):
    path = tmp_path / "cut.png"
    [page] = scanned(typeset(["60% doanh nghiệp"]), top=0.2)
    page.save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(LoadError, match=r"cut.png: not a readable image"):
        load(path)


@pytest.mark.parametrize("env, says", [
    ({"NSCL_TESSERACT": "/nonexistent/bin/tesseract"}, "not installed"),
    ({"TESSDATA_PREFIX": "EMPTY"}, "no Vietnamese data"),
])
def test_missing_tesseract_or_vie_data_is_one_clear_line(tmp_path, env, says):
    empty = tmp_path / "tessdata"
    empty.mkdir()
    env = {k: str(empty) if v == "EMPTY" else v for k, v in env.items()}
    scan = image_pdf(tmp_path / "scan.pdf", scanned(typeset(["60% doanh nghiệp"]), top=0.2))
    r = run_cli("extract", scan, env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"error: {scan}: ") and says in line
    assert "apt-get install tesseract-ocr tesseract-ocr-vie" in line
    if "TESSDATA_PREFIX" in env:
        return  # the batch below runs once: through the worker pool, with the binary missing
    (tmp_path / "plain.txt").write_text("Đào tạo 20 chuyên gia.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    r = run_cli("batch", scan, tmp_path / "plain.txt", "-o", out, "--workers", "2", env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    plain_rec, scan_rec = map(json.loads, out.read_text(encoding="utf-8").splitlines())  # sorted inputs
    assert scan_rec["source"] == str(scan) and "apt-get install tesseract-ocr tesseract-ocr-vie" in scan_rec["error"]
    assert plain_rec["counts"][0]["value"] == 20


def test_ocr_repair_joins_hyphenated_line_breaks_only_between_letters():
    assert ocr.repair("nâng cao năng suất chất lư-\nợng sản phẩm\x0c") == "nâng cao năng suất chất lượng sản phẩm"
    assert ocr.repair("giai đoạn 2021-\n2025") == "giai đoạn 2021-\n2025"
    assert ocr.repair("a  b\n\n\n\nc  ") == "a b\n\nc"


def test_text_layer_pages_never_call_ocr(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("OCR called for a PDF with a text layer on every page")

    monkeypatch.setattr(ocr, "ocr_pdf_pages", boom)
    path = make_pdf(tmp_path / "text.pdf", ["60% doanh nghiệp", "20 chuyên gia"])
    assert load_pdf(path.read_bytes(), str(path)).warnings == []


def test_batch_progress_counts_pages(tmp_path, capfd):
    from nscl_extract.store.batch import page_count, run_batch

    folder = tmp_path / "in"
    make_pdf(folder / "a.pdf", ["60% doanh nghiệp", "20 chuyên gia", "Năm 2025"])
    (folder / "b.txt").write_text("Đào tạo 20 chuyên gia.", encoding="utf-8")
    assert page_count(str(folder / "a.pdf")) == 3 and page_count(str(folder / "b.txt")) == 1
    summary = run_batch([str(folder)], str(tmp_path / "out.jsonl"), progress=True)
    assert summary.ok == 2
    shown = capfd.readouterr().err
    assert "extracting (pages)" in shown and "4/4" in shown and "pages/s" in shown
