"""The report's budget column holds the plans' own money only (investment totals of other projects,
loans and revenues have roles of their own), and its chart is drawn only where there are points
of several provinces to compare."""
from __future__ import annotations

import pytest

from nscl_extract import store
from nscl_extract.pages.report import read_store, render_report
from nscl_extract.pipeline import extract_text
from nscl_extract.schema import Indicator, Province
from nscl_extract.text.provinces import province_2025

MIXED = ("Kế hoạch 31/KH-UBND của UBND tỉnh Quảng Bình giai đoạn 2021-2025.\n\n"
         "Dự án cải tạo quốc lộ sử dụng vốn ODA có tổng mức đầu tư 2.300 tỷ đồng.\n\n"
         "Ngân hàng Chính sách xã hội đã cho vay 12.400 hộ, lũy kế dư nợ cho vay hộ gia đình đạt 1.950 tỷ đồng.\n\n"
         "Năm 2024, thu ngân sách nhà nước trên địa bàn đạt 6.800 tỷ đồng.\n\n"
         "Tổng kinh phí thực hiện Kế hoạch là 2.100 triệu đồng.")


def _store(tmp_path, docs):
    path = tmp_path / "s.db"
    conn = store.connect(path)
    for d in docs:
        store.store_document(conn, d)
    docs = read_store(conn)
    conn.close()
    return docs


def test_only_the_plans_own_money_is_a_budget(tmp_path):
    doc = extract_text(MIXED, "qb", "qb.txt")
    assert [(a.text, a.role) for a in doc.amounts] == [
        ("2.300 tỷ đồng", "investment"), ("1.950 tỷ đồng", "loan"), ("6.800 tỷ đồng", "revenue"),
        ("2.100 triệu đồng", "budget")]
    (info,) = _store(tmp_path, [doc])
    assert [b.value for b in info.budgets] == [2.1e9]
    page = render_report([info], lang="en")
    cell = page.split('data-col="budget"')[1].split("</td>")[0]
    assert "2.1 billion VND" in cell and "2,300" not in page.split("Budget figures")[1].split("</ul>")[0]


def _share_doc(doc_id: str, province: str, value: str):
    text = f"Đến năm 2025, tối thiểu {value}% doanh nghiệp áp dụng công cụ cải tiến năng suất."
    doc = extract_text(text, doc_id, f"{doc_id}.txt", with_indicators=False)
    doc.province = Province(name=province, name_2025=province_2025(province))
    q = doc.percentages[0]
    doc.indicators = [Indicator(start=0, end=len(text), text=text, quantity=q, kind="target", target_year=2025,
                                subject="doanh nghiệp")]
    return doc


@pytest.mark.parametrize("provinces, chart", [(["Nghệ An"], False), (["Nghệ An", "Hà Tĩnh"], True)])
def test_the_share_chart_only_where_provinces_can_be_compared(tmp_path, provinces, chart):
    docs = _store(tmp_path, [_share_doc(f"d{k}", p, str(40 + k)) for k, p in enumerate(provinces)])
    page = render_report(docs, lang="en")
    assert ("<svg" in page) == chart
    assert ('id="no-chart"' in page) == (not chart)
    if not chart:
        assert "No chart: only 1 share-of-enterprises target(s) from 1 province(s)" in page
        assert "<details open>" in page  # the one target is listed, open, under the missing chart
    assert page.count('<td class="num">2025<div') == len(provinces)
