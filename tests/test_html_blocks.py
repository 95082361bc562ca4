"""An article saved as .html and as .txt gives the same indicators: the HTML loader keeps the
block structure (a blank line between paragraphs, headings, lists and tables; a <br> a line
break), so a headline no longer runs into the lead. Held on a constructed article (always) and
on every real page (corpus/real, corpus/real-extra; skipped when the texts are absent), each
saved both ways: the .txt as collected, the .html built from it the way a news page marks it up."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from nscl_extract.pipeline import extract_file

ROOT = Path(__file__).resolve().parents[1]
REAL = sorted(p for folder in ("real", "real-extra") for p in (ROOT / "corpus" / folder).glob("*.txt"))

ARTICLE = """Quảng Ngãi đặt mục tiêu 120 doanh nghiệp áp dụng công cụ cải tiến năng suất

Ngày 12/5/2023, UBND tỉnh Quảng Ngãi ban hành Kế hoạch số 88/KH-UBND về nâng cao năng suất chất lượng giai đoạn 2023-2025

Theo kế hoạch, đến năm 2025 tỉnh phấn đấu có 30 doanh nghiệp được chứng nhận ISO 9001 và 45% doanh nghiệp nhỏ và vừa được tập huấn về năng suất

Năm 2022, toàn tỉnh đã có 18 doanh nghiệp áp dụng 5S

Mục tiêu cụ thể:
- Đào tạo 20 chuyên gia năng suất chất lượng;
- Hỗ trợ 15 doanh nghiệp xây dựng mô hình điểm."""


def as_html(text: str, headline: bool = False) -> str:
    """The page a site would serve: a paragraph per blank-line block, <br> for its line breaks;
    with headline=True the first block is the <h1> and the <title>."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    head = ""
    if headline:
        first, *blocks = blocks
        head = f"<h1>{html.escape(first)}</h1>\n"
    paras = "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in b.split("\n")) + "</p>" for b in blocks)
    title = f"<title>{html.escape(text.split(chr(10), 1)[0])}</title>" if headline else ""
    return (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{title}</head>'
            f"<body><header>Trang chủ</header><article>\n{head}{paras}\n</article></body></html>")


def indicators(doc) -> list[tuple]:
    def norm(s):
        return " ".join((s or "").split())  # HTML folds runs of spaces; the words are the same

    return [(i.kind, i.quantity.value, i.quantity.value_max, i.quantity.unit, i.quantity.comparator, i.target_year,
             i.period, i.per_year, i.relative, norm(i.subject), norm(i.quantity.text), norm(i.text))
            for i in doc.indicators]


def both_ways(tmp_path: Path, name: str, text: str, headline: bool = False):
    txt, page = tmp_path / f"{name}.txt", tmp_path / f"{name}.html"
    txt.write_text(text, encoding="utf-8")
    page.write_text(as_html(text, headline), encoding="utf-8")
    return extract_file(txt), extract_file(page)


def test_a_constructed_article_saved_both_ways(tmp_path):
    t, h = both_ways(tmp_path, "article", ARTICLE, headline=True)
    assert h.text == t.text  # paragraph breaks kept, the headline on its own
    assert indicators(h) == indicators(t)
    # the plan's five targets on both sides (whether the 2022 result is one is the indicator model's call)
    assert {i.quantity.value for i in t.indicators if i.kind == "target"} == {120, 30, 45, 20, 15}
    assert h.title == "Quảng Ngãi đặt mục tiêu 120 doanh nghiệp áp dụng công cụ cải tiến năng suất"
    headline = next(i for i in h.indicators if i.quantity.value == 120)
    assert headline.target_year is None and headline.period is None  # a headline takes only what it states


def test_lists_and_tables_keep_their_lines(tmp_path):
    page = tmp_path / "t.html"
    page.write_text('<html><head><meta charset="utf-8"></head><body><article>'
                    "<h2>Mục tiêu đến năm 2025</h2><ul><li>Đào tạo 20 chuyên gia;</li><li>Hỗ trợ 30 doanh nghiệp.</li></ul>"
                    "<table><tr><td>Chỉ tiêu</td><td>2025</td></tr><tr><td>Doanh nghiệp áp dụng ISO 9001</td><td>60%</td></tr>"
                    "</table><p>Kinh phí thực hiện do ngân sách tỉnh bảo đảm, dự kiến khoảng 3 tỷ đồng.</p>"
                    "</article></body></html>", encoding="utf-8")
    text = extract_file(page).text
    blocks = text.split("\n\n")
    assert blocks[0] == "Mục tiêu đến năm 2025"
    assert blocks[1].splitlines() == ["- Đào tạo 20 chuyên gia;", "- Hỗ trợ 30 doanh nghiệp."]
    assert [line.strip() for line in blocks[2].splitlines()] == ["| Chỉ tiêu | 2025 |",
                                                                 "| Doanh nghiệp áp dụng ISO 9001 | 60% |"]
    assert blocks[3].startswith("Kinh phí thực hiện")


@pytest.mark.skipif(not REAL, reason="corpus/real texts are not here (docs/real-pages.md says how to collect them)")
@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_a_real_page_saved_both_ways_gives_the_same_indicators(tmp_path, path):
    # as a browser saves it: no blank before the first word or after the last (HTML has none to keep)
    text = path.read_text(encoding="utf-8").strip()
    t, h = both_ways(tmp_path, path.stem, text)
    assert indicators(h) == indicators(t)
    # (the texts may differ where trafilatura leaves out a photo caption as boilerplate: rd38)
