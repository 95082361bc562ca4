"""Titles: a site's furniture (a login bar, a portal banner, a visitor counter, a byline) is never a
document's title, and a scanned plan whose file gives its own name as title takes its heading
("KẾ HOẠCH ...") instead."""
from __future__ import annotations

import shutil

import pytest

from nscl_extract.pipeline import extract_file, extract_text

HEADLINE = "Quảng Ngãi đặt mục tiêu 120 doanh nghiệp áp dụng công cụ cải tiến năng suất"


def test_an_html_login_bar_or_portal_banner_is_no_title(tmp_path):
    for head_title in ("Đăng nhập", "Đăng nhập | Cổng thông tin điện tử tỉnh Quảng Ngãi",
                       "Cổng thông tin điện tử tỉnh Quảng Ngãi - Trang chủ"):
        page = tmp_path / "page.html"
        page.write_text(f'<html><head><meta charset="utf-8"><title>{head_title}</title></head><body>'
                        '<div class="bar">Đăng nhập Đăng ký</div><article>'
                        f"<p>{HEADLINE}</p>"
                        "<p>Theo kế hoạch, đến năm 2025 có 30 doanh nghiệp được chứng nhận ISO 9001 và 20 chuyên gia "
                        "được đào tạo về năng suất chất lượng.</p></article></body></html>", encoding="utf-8")
        doc = extract_file(page)
        assert doc.title == HEADLINE, head_title
        assert not doc.text.startswith(("Đăng nhập", "Cổng thông tin")), head_title


def test_site_lines_above_the_headline_are_skipped():
    text = ("Đăng nhập Đăng ký tài khoản Quên mật khẩu của bạn\n"
            "Thống kê truy cập Đang online 85 người\n"
            "Ngày đăng: 03-04-2022 Tác giả: Phòng Quản lý tiêu chuẩn chất lượng\n"
            "14 tháng 4 năm 2022\n"
            f"{HEADLINE}\n"
            "Theo kế hoạch, đến năm 2025 tỉnh có 30 doanh nghiệp được chứng nhận ISO 9001.")
    assert extract_text(text, "x").title == HEADLINE


@pytest.mark.skipif(not shutil.which("tesseract"), reason="Tesseract is not installed")
def test_a_scanned_plan_titled_with_its_file_name_takes_its_heading(tmp_path):
    import pypdf

    from scans import image_pdf, scanned, typeset

    plan = ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI\n\nKẾ HOẠCH\nNâng cao năng suất chất lượng sản phẩm, hàng hóa\n"
            "giai đoạn 2023-2025\n\nI. MỤC TIÊU\nĐến năm 2025, có 30 doanh nghiệp được chứng nhận ISO 9001.")
    scan = image_pdf(tmp_path / "raw.pdf", scanned(typeset([plan]), top=0.4))
    writer = pypdf.PdfWriter(clone_from=str(scan))
    writer.add_metadata({"/Title": "scan_kh_88_2023"})  # what the scanner wrote: the file's name
    target = tmp_path / "scan_kh_88_2023.pdf"
    with open(target, "wb") as f:
        writer.write(f)
    doc = extract_file(target)
    assert doc.title is not None and doc.title.startswith("KẾ HOẠCH"), doc.title
    assert "Nâng cao năng suất chất lượng" in doc.title
