"""DOCX and PDF loaders on real files built from the seed corpus (python-docx, reportlab + DejaVuSans)."""
from __future__ import annotations

import unicodedata
import zipfile

import pytest
from docbuilders import make_docx, make_pdf, seed_text

from nscl_extract.load.loaders import LOADERS, LoadError, load, load_docx, load_pdf
from nscl_extract.pipeline import extract_file


def squash(text: str) -> str:
    return " ".join(text.split())


# --- DOCX ---------------------------------------------------------------------------------------

def test_docx_paragraphs_and_tables_in_reading_order(tmp_path):
    path = make_docx(tmp_path / "plan.docx", [
        "Kế hoạch 191/KH-UBND",
        [["Chỉ tiêu", "Năm 2025", "Năm 2030"],
         ["Doanh nghiệp áp dụng ISO 9001", "60%", "100%"]],
        "Đến năm 2025, tối thiểu 60% doanh nghiệp triển khai dự án.",
    ], title="Kế hoạch năng suất")
    loaded = load(path)
    assert loaded.text == ("Kế hoạch 191/KH-UBND\n"
                           "Chỉ tiêu | Năm 2025 | Năm 2030\n"
                           "Doanh nghiệp áp dụng ISO 9001 | 60% | 100%\n"
                           "Đến năm 2025, tối thiểu 60% doanh nghiệp triển khai dự án.")
    assert loaded.title == "Kế hoạch năng suất"
    assert LOADERS[".docx"] is load_docx


def test_docx_cell_with_several_paragraphs_stays_on_its_row(tmp_path):
    import docx

    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "Mục tiêu"
    cell = t.cell(0, 1)
    cell.text = "Đào tạo 20 chuyên gia"
    cell.add_paragraph("tư vấn 5S")
    d.save(str(tmp_path / "t.docx"))
    assert load(tmp_path / "t.docx").text == "Mục tiêu | Đào tạo 20 chuyên gia tư vấn 5S"


def test_docx_text_is_nfc(tmp_path):
    nfd = unicodedata.normalize("NFD", "Thừa Thiên Huế: hỗ trợ 13 cơ sở")
    path = make_docx(tmp_path / "nfd.docx", [nfd])
    text = load(path).text
    assert text == unicodedata.normalize("NFC", nfd) and text != nfd


def test_docx_of_a_seed_document_extracts_like_its_text(tmp_path):
    """Each line of the seed text as a paragraph: the DOCX text is the seed text, so the mentions agree."""
    src = tmp_path / "000_dd1c5792947a306a.txt"
    src.write_text(seed_text(), encoding="utf-8")
    path = make_docx(tmp_path / "000_dd1c5792947a306a.docx", seed_text().split("\n"))
    from_docx, from_txt = extract_file(path), extract_file(src)
    assert from_docx.text == from_txt.text == unicodedata.normalize("NFC", seed_text())
    assert from_docx.doc_id == "000_dd1c5792947a306a" and from_docx.source == str(path)
    for attr in ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards", "indicators"):
        assert getattr(from_docx, attr) == getattr(from_txt, attr), attr
    assert {c.number for c in from_docx.citations} >= {"191/KH-UBND", "1322/QĐ-TTg"}


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"", b"\x00\x01binary"])
def test_broken_docx_is_a_load_error_naming_the_file(tmp_path, data):
    path = tmp_path / "broken.docx"
    path.write_bytes(data)
    with pytest.raises(LoadError) as e:
        load(path)
    assert str(path) in str(e.value)


def test_docx_zip_without_document_part(tmp_path):
    path = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "xin chào")
    with pytest.raises(LoadError, match="nodoc.docx: not a readable DOCX"):
        load(path)


# --- PDF ----------------------------------------------------------------------------------------

def test_pdf_text_layer_round_trips_vietnamese(tmp_path):
    text = seed_text()
    path = make_pdf(tmp_path / "000_dd1c5792947a306a.pdf", [text])
    loaded = load(path)
    assert loaded.text == unicodedata.normalize("NFC", loaded.text)
    assert squash(loaded.text) == squash(unicodedata.normalize("NFC", text))
    assert loaded.warnings == []


def test_pdf_mentions_are_grounded_in_its_text(tmp_path):
    path = make_pdf(tmp_path / "000_dd1c5792947a306a.pdf", [seed_text()])
    doc = extract_file(path)
    assert doc.doc_id == "000_dd1c5792947a306a"
    assert {c.number for c in doc.citations} >= {"191/KH-UBND", "1322/QĐ-TTg"}
    assert {p.value for p in doc.percentages} >= {60, 100, 50, 35, 80, 30}
    assert "2020-08-31" in {d.value for d in doc.dates}
    for attr in ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards", "indicators"):
        for m in getattr(doc, attr):
            assert doc.text[m.start:m.end] == m.text, (attr, m)
    assert any(i.quantity.value == 60 and i.target_year == 2025 for i in doc.indicators)


def test_pdf_pages_are_joined_and_a_page_without_text_is_warned(tmp_path):
    """Page 2 has ink but no text layer: it is OCR'd (tests/test_ocr.py), finds nothing, and says so."""
    path = make_pdf(tmp_path / "mixed.pdf", ["Trang một: 60% doanh nghiệp", "", "Trang ba: 20 chuyên gia"])
    loaded = load_pdf(path.read_bytes(), str(path))
    assert loaded.text.split("\n") == ["Trang một: 60% doanh nghiệp", "", "Trang ba: 20 chuyên gia"]
    assert len(loaded.warnings) == 2
    assert "OCR (Tesseract" in loaded.warnings[0] and "page(s) 2 of 3" in loaded.warnings[0]
    assert loaded.warnings[1] == "page 2: no text found by OCR (blank page?)"


def test_pdf_without_text_layer_or_ocr_text_is_an_error(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(LoadError) as e:
        load(path)
    assert str(e.value) == f"{path}: no text: no text layer, and OCR found none on 2 page(s)"


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_pdf_is_a_load_error(tmp_path, keep):
    whole = make_pdf(tmp_path / "whole.pdf", [seed_text()]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: int(len(whole) * keep)])
    with pytest.raises(LoadError) as e:
        load(path)
    assert str(e.value).startswith(f"{path}: ") and "PDF" in str(e.value)


def test_not_a_pdf_is_a_load_error(tmp_path, capfd):
    path = tmp_path / "fake.PDF"
    path.write_text("Kế hoạch 191/KH-UBND", encoding="utf-8")
    with pytest.raises(LoadError, match="fake.PDF: not a PDF file"):
        load(path)


def test_damaged_pdf_does_not_spam_stderr(tmp_path, capfd):
    whole = make_pdf(tmp_path / "whole.pdf", ["60% doanh nghiệp"]).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(LoadError):
        load(path)
    assert capfd.readouterr().err == ""
