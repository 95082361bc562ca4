"""A table of everyday phrases, one small document each, run through the public pipeline
(`extract_text`), each with the mentions SPEC section 3 says it holds.

Written by us in the shapes Vietnamese pages use (news bylines, plans, price lists, reports),
like price-parser's list of real strings: dates, periods, percentages, counts and amounts,
with comparators, currencies, multiplier words and ranges. About half the rows are negative:
a phrase that looks like the type but holds none of it ([] expected for that type).

    python tests/test_phrases.py      # prints the pass count per type (quoted in README)
"""
from __future__ import annotations

import math
import sys
from collections import Counter

import pytest

from nscl_extract.pipeline import extract_text

P, C, A, D, R = "percentages", "counts", "amounts", "dates", "periods"


def pct(value, value_max=None, comparator="eq"):
    return (value, value_max, comparator)


def cnt(value, unit, value_max=None, comparator="eq"):
    return (value, value_max, comparator, unit)


def vnd(value, value_max=None, comparator="eq", currency="VND"):
    return (value, value_max, comparator, currency)


def usd(value, value_max=None, comparator="eq"):
    return (value, value_max, comparator, "USD")


def day(value):
    return (value, "day")


def month(value):
    return (value, "month")


PUB = "2024-06-15"  # the published date given to rows that need a year for a day-month

# (type, phrase, expected mentions of that type in order[, published])
PHRASES = [
    # --- percentages: comparators (one table with counts and amounts) ---------------------
    (P, "tỷ lệ hộ nghèo không cao hơn 1,5% vào cuối năm", [pct(1.5, comparator="lte")]),
    (P, "tỷ lệ lao động qua đào tạo không thấp hơn 70%", [pct(70, comparator="gte")]),
    (P, "độ che phủ rừng chưa tới 40% diện tích", [pct(40, comparator="lt")]),
    (P, "số xã có internet không tới 85%", [pct(85, comparator="lt")]),
    (P, "lãi suất cho vay từ 6% trở xuống", [pct(6, comparator="lte")]),
    (P, "doanh nghiệp có tỷ lệ nội địa hóa từ 30% trở lên", [pct(30, comparator="gte")]),
    (P, "tăng trưởng không dưới 8% mỗi năm", [pct(8, comparator="gte")]),
    (P, "lạm phát ở mức không quá 4 phần trăm", [pct(4, comparator="lte")]),
    (P, "giải ngân ước đạt trên dưới 92% kế hoạch vốn", [pct(92, comparator="approx")]),
    (P, "nợ xấu được kiểm soát dưới 3%", [pct(3, comparator="lt")]),
    (P, "tỷ lệ đô thị hóa đạt xấp xỉ 45%", [pct(45, comparator="approx")]),
    (P, "tỷ lệ giải quyết đúng hạn ≥ 98%", [pct(98, comparator="gte")]),
    (P, "lạm phát vượt quá 5% thì điều chỉnh", [pct(5, comparator="gt")]),
    (P, "học sinh đạt điểm ≥ 8,0 xếp loại giỏi", []),
    (P, "thu ngân sách vượt 12% dự toán", [pct(12, comparator="gt")]),
    # ranges, with the dash lost on a scraped page only after a cue word
    (P, "kinh tế số chiếm khoảng 25 30% GRDP", [pct(25, 30, "approx")]),
    (P, "tỷ lệ tiêm chủng đạt 95 98% trong năm", [pct(95, 98)]),
    (P, "tốc độ tăng giữa 6,5% và 7% mỗi năm", [pct(6.5, 7)]),
    (P, "phấn đấu từ 10% đến 15% doanh nghiệp", [pct(10, 15)]),
    (P, "năng suất tăng 5,5 - 6%/năm", [pct(5.5, 6)]),
    (P, "nâng tỷ lệ lên 60 - 65 phần trăm", [pct(60, 65)]),
    # negatives
    (P, "hoàn thành 3/4 chỉ tiêu đề ra", []),
    (P, "xếp thứ 12/63 tỉnh, thành phố", []),
    (P, "năm 2025 là năm cuối của kế hoạch", []),
    (P, "đạt 18 trên 19 tiêu chí nông thôn mới", []),
    (P, "tăng 2 lần so với năm 2020", []),
    (P, "giảm một nửa số hồ sơ tồn đọng", []),
    (P, "chỉ số PCI đạt 68,5 điểm", []),
    (P, "Mục 3 phụ lục kèm theo", []),
    (P, "tổng số 1.250 hồ sơ đã tiếp nhận", []),
    (P, "tốc độ tăng trưởng cao hơn cả nước", []),
    (P, "phần trăm còn lại do ngân sách huyện bảo đảm", []),
    (P, "giảm tỷ lệ hộ nghèo đa chiều xuống mức thấp", []),
    (P, "điểm trung bình 8,5 trên thang 10", []),
    (P, "cấp 5.000 mã số vùng trồng", []),
    (P, "chỉ tiêu số 7 chưa đạt", []),
    (P, "tốc độ 60 km/giờ", []),
    (P, "quý III/2024 hoàn thành", []),
    (P, "hơn một nửa dân số sống ở nông thôn", []),

    # --- counts: multiplier words, comparators, ranges, abbreviations ----------------------
    (C, "thu hút khoảng 2,3 triệu lượt khách", [cnt(2300000, "lượt", comparator="approx")]),
    (C, "hỗ trợ 1,2 nghìn hộ chăn nuôi", [cnt(1200, "hộ")]),
    (C, "tạo việc làm cho 3 vạn lao động", [cnt(30000, "lao động")]),
    (C, "có hơn 1,5 triệu người tham gia bảo hiểm", [cnt(1500000, "người", comparator="gt")]),
    (C, "đào tạo 2 nghìn học viên mỗi năm", [cnt(2000, "học viên")]),
    (C, "không thấp hơn 25 học viên mỗi lớp", [cnt(25, "học viên", comparator="gte")]),
    (C, "chưa tới 10 hợp tác xã đạt chuẩn", [cnt(10, "hợp tác xã", comparator="lt")]),
    (C, "không quá 3 đề tài mỗi năm", [cnt(3, "đề tài", comparator="lte")]),
    (C, "hộ có từ 5 lao động trở lên", [cnt(5, "lao động", comparator="gte")]),
    (C, "nhóm có từ 4 thành viên trở xuống", [cnt(4, "thành viên", comparator="lte")]),
    (C, "trên dưới 300 cơ sở sản xuất nhỏ", [cnt(300, "cơ sở", comparator="approx")]),
    (C, "từ 20 hộ đến 30 hộ mỗi thôn", [cnt(20, "hộ", 30)]),
    (C, "giữa 4 và 6 mô hình điểm", [cnt(4, "mô hình", 6)]),
    (C, "mỗi huyện 2 - 3 sản phẩm chủ lực", [cnt(2, "sản phẩm", 3)]),
    (C, "cắt giảm 120 TTHC rườm rà", [cnt(120, "thủ tục hành chính")]),
    (C, "thu hút 15 dự án CNC vào khu", [cnt(15, "dự án")]),
    (C, "có 8 doanh nghiệp CNC được công nhận", [cnt(8, "doanh nghiệp")]),
    (C, "xây dựng 3 KCN mới", [cnt(3, "khu công nghiệp")]),
    (C, "hoàn thành 12 CCN trên địa bàn", [cnt(12, "cụm công nghiệp")]),
    (C, "thành lập mới 50 HTX nông nghiệp", [cnt(50, "hợp tác xã")]),
    (C, "gần 700 DN đăng ký mới", [cnt(700, "doanh nghiệp", comparator="approx")]),
    (C, "hỗ trợ >50 doanh nghiệp mỗi năm", [cnt(50, "doanh nghiệp", comparator="gt")]),
    (C, "mục tiêu ≥ 2030 hoàn thành", []),
    (C, "vận động 2.000 đồng bào tham gia", [cnt(2000, "đồng bào")]),
    # negatives
    (C, "sau 18 tháng triển khai", []),
    (C, "ông Nguyễn Văn B, 45 tuổi", []),
    (C, "tăng gấp 3 lần so với trước", []),
    (C, "đạt 4 sao theo bộ tiêu chí", []),
    (C, "Điều 5 của Quyết định", []),
    (C, "Đề án 06 về dữ liệu dân cư", []),
    (C, "xếp hạng thứ 7/63", []),
    (C, "lần thứ 3 tổ chức hội chợ", []),
    (C, "Số lượt truy cập: 12.345", []),
    (C, "liên hệ số 12 đường Trần Phú", []),
    (C, "tổng mức đầu tư 2,3 triệu đồng", []),
    (C, "kinh phí 1,5 tỷ đồng từ ngân sách", []),
    (C, "doanh thu tăng 1,2 triệu so với cùng kỳ", []),
    (C, "thuộc top 10 địa phương dẫn đầu", []),
    (C, "2/3 số xã đạt chuẩn", []),
    (C, "năm 2023 và năm 2024", []),
    (C, "Nghị định 80 về xúc tiến thương mại", []),
    (C, "trong 5 năm tới", []),
    (C, "tiêu chí số 17 về môi trường", []),
    (C, "khoản 2 Điều 10 Luật", []),
    (C, "điện thoại 0236 3822 111", []),

    # --- amounts: currencies before or after, "k", ranges, comparators ---------------------
    (A, "thu nhập bình quân $2.500 mỗi tháng", [usd(2500)]),
    (A, "kim ngạch đạt USD 4,5 tỷ", [usd(4500000000)]),
    (A, "phí dịch vụ VND1000 mỗi giao dịch", [vnd(1000)]),
    (A, "vé vào cổng 50k đồng", [vnd(50000)]),
    (A, "giá lúa 7.500đ/kg", [(7500, None, "eq", "VND")]),
    (A, "mức phí 2.500$ một khóa", [usd(2500)]),
    (A, "giá bán không cao hơn 9.000 đồng", [vnd(9000, comparator="lte")]),
    (A, "hỗ trợ từ 6.000 đồng trở xuống mỗi suất", [vnd(6000, comparator="lte")]),
    (A, "mức vay từ 50 triệu đồng trở lên", [vnd(50000000, comparator="gte")]),
    (A, "chi phí chưa tới 2 triệu đồng", [vnd(2000000, comparator="lt")]),
    (A, "tổng vốn không thấp hơn 10 tỷ đồng", [vnd(10000000000, comparator="gte")]),
    (A, "giá từ 500 đồng đến 900 đồng một sản phẩm", [vnd(500, 900)]),
    (A, "vốn điều lệ giữa 3 và 5 tỷ đồng", [vnd(3000000000, 5000000000)]),
    (A, "mỗi suất từ 500 nghìn đến 1,2 triệu đồng", [vnd(500000, 1200000)]),
    (A, "từ 5 triệu đồng đến 10 triệu đồng mỗi hộ", [vnd(5000000, 10000000)]),
    (A, "GRDP bình quân đầu người 5.000-5.500 USD", [usd(5000, 5500)]),
    (A, "ngân sách ngót 3 tỷ đồng", [vnd(3000000000, comparator="approx")]),
    (A, "đầu tư hơn 2.000 tỷ đồng", [vnd(2000000000000, comparator="gt")]),
    (A, "khoảng 3.200 đô la Mỹ một năm", [usd(3200, comparator="approx")]),
    (A, "thu 1,5 nghìn tỷ đồng", [vnd(1500000000000)]),
    (A, "thu nhập đạt 75 triệu đồng/người/năm", [vnd(75000000)]),
    # negatives
    (A, "dài 50km đường giao thông", []),
    (A, "đạt 50k lượt xem trên mạng", []),
    (A, "tỷ giá USD 2024 biến động", []),
    (A, "xây dựng 5 đô thị loại V", []),
    (A, "200 đầu mối tiêu thụ", []),
    (A, "tăng 12 triệu lượt khách", []),
    (A, "dân số 1,2 triệu người", []),
    (A, "tổng số 15 đơn vị trực thuộc", []),
    (A, "đồng thời tổ chức 3 hội nghị", []),
    (A, "Đồng Nai đạt 8% tăng trưởng", []),
    (A, "đồng hành cùng 200 doanh nghiệp", []),
    (A, "hơn 30 nghìn hộ dân", []),
    (A, "có 1 tỷ người dùng trên thế giới", []),
    (A, "sản lượng 2,5 triệu tấn", []),
    (A, "đạt 90 điểm", []),
    (A, "mã số thuế 0101234567", []),
    (A, "các tỷ lệ đạt trên 90%", []),
    (A, "năm 2025 tỉnh phấn đấu", []),
    (A, "đồng bộ 12 phần mềm", []),
    (A, "trên 2.000 hộ đồng bào dân tộc", []),
    (A, "giá trị $ không đổi", []),
    (A, "giá niêm yết 45.000₫", [vnd(45000)]),
    (A, "tổng mức đầu tư ≤2 tỷ đồng", [vnd(2000000000, comparator="lte")]),
    (A, "chi phí ≥ lợi ích thu được", []),
    (A, "hợp đồng trị giá 3 triệu đô", [usd(3000000)]),
    (A, "chi 1.500 tỷ đồng, đồng thời", [vnd(1500000000000)]),
    (A, "hỗ trợ 2.000 đồng bào dân tộc", []),
    (A, "quy hoạch 5 đô thị vệ tinh", []),
    (A, "12 đồng chí trong Ban chấp hành", []),

    # --- dates ---------------------------------------------------------------------------
    (D, "Sáng mồng 5 tháng 6 năm 2023, tỉnh tổ chức", [day("2023-06-05")]),
    (D, "ngày mùng 2 tháng 9 năm 2024", [day("2024-09-02")]),
    (D, "văn bản ký 15 tháng 8 năm 2022", [day("2022-08-15")]),
    (D, "có hiệu lực từ tháng tám năm 2022", [month("2022-08")]),
    (D, "khánh thành ngày 9 tháng chín", [day("2024-09-09")], PUB),
    (D, "chiều mồng 3 tháng 2 tại hội trường", [day("2024-02-03")], PUB),
    (D, "Cập nhật 5/6/23 08:15", [day("2023-06-05")]),
    (D, "bản sửa lần cuối 2025-12-03", [day("2025-12-03")]),
    (D, "Thursday, May 26, 2022", [day("2022-05-26")]),
    (D, "Posted 3 Dec 2025 by admin", [day("2025-12-03")]),
    (D, "September 9, 2021 | Tin tức", [day("2021-09-09")]),
    (D, "Thứ Sáu, 14/06/2024 - 09:30", [day("2024-06-14")]),
    (D, "ngày 20 tháng 6/2013", [day("2013-06-20")]),
    (D, "tháng Mười Hai năm 2021", [month("2021-12")]),
    (D, "ngày 30 tháng Tư năm 2020", [day("2020-04-30")]),
    (D, "từ tháng 3/2024 đến tháng 9/2024", [month("2024-03"), month("2024-09")]),
    (D, "Bắc Ninh, ngày 05 tháng 01 năm 2024", [day("2024-01-05")]),
    (D, "hạn chót trước ngày 10/12 hằng năm", [day("2024-12-10")], PUB),
    (D, "Đăng ngày 5 thg 6, 2023", [day("2023-06-05")]),
    (D, "số liệu tính đến 06/2023", [month("2023-06")]),
    (D, "phiên bản in 2023/06/05", [day("2023-06-05")]),
    (D, "bản đồ tỷ lệ 1/2000", []),
    (D, "Nghị quyết 06/2023 của HĐND", []),
    (D, "quý 2/2023 tăng trưởng", []),
    # negatives
    (D, "hoàn thành 3/5 chỉ tiêu", []),
    (D, "2/3 số xã đạt chuẩn", []),
    (D, "xếp thứ 24/63 cả nước", []),
    (D, "đến năm 2025 đạt 60%", []),
    (D, "giai đoạn 2021-2025", []),
    (D, "sau 3 tháng triển khai", []),
    (D, "tháng Giêng năm 2024 là tháng lễ hội", []),
    (D, "ngày 2 tháng một lần kiểm tra", [], PUB),
    (D, "Tổng công ty May 10, 2022 doanh thu", []),
    (D, "ngày 31/02/2020", []),
    (D, "mã 2025-13-40", []),
    (D, "số 45/13/21", []),
    (D, "Ngày 28-9 UBND tỉnh ký", []),
    (D, "tỷ lệ 10/12 huyện", []),
    (D, "quý II/2024", []),
    (D, "Kế hoạch số 12/2024/KH-UBND", []),
    (D, "năm học 2023-2024", []),
    (D, "tầm nhìn đến năm 2045", []),

    # --- periods -------------------------------------------------------------------------
    (R, "giai đoạn 2016 2020 tỉnh đạt", [(2016, 2020)]),
    (R, "trong nhiệm kỳ 2020 2025", [(2020, 2025)]),
    (R, "thời kỳ 2021 2030, tầm nhìn 2050", [(2021, 2030)]),
    (R, "giai đoạn 2021 - 2025", [(2021, 2025)]),
    (R, "từ năm 2013 đến năm 2020", [(2013, 2020)]),
    (R, "năm 2020 2021 tăng mạnh", []),
    (R, "số liệu 2019 2020 của ngành", []),
    (R, "tầm nhìn đến năm 2030", []),
    (R, "ngày 13/08/2021-2022", []),
    (R, "đạt 2.000-2.500 lượt", []),
    (R, "năm 2025", []),
    (R, "so với năm 2020, năm 2024 tăng", []),
]


def _close(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    return a == b


def _found(kind: str, phrase: str, published: str | None) -> list[tuple]:
    doc = extract_text(phrase, published=published, with_indicators=False)
    mentions = getattr(doc, kind)
    if kind == P:
        return [(m.value, m.value_max, m.comparator) for m in mentions]
    if kind == C:
        return [(m.value, m.value_max, m.comparator, m.unit) for m in mentions]
    if kind == A:
        return [(m.value, m.value_max, m.comparator, m.currency) for m in mentions]
    if kind == D:
        return [(m.value, m.precision) for m in mentions]
    return [(m.from_, m.to) if hasattr(m, "from_") else (m.model_dump(by_alias=True)["from"], m.to) for m in mentions]


def _same(got: list[tuple], want: list[tuple]) -> bool:
    return len(got) == len(want) and all(len(g) == len(w) and all(_close(x, y) for x, y in zip(g, w))
                                         for g, w in zip(got, want))


def _row(row):
    kind, phrase, want, *rest = row
    return kind, phrase, want, (rest[0] if rest else None)


@pytest.mark.parametrize("row", PHRASES, ids=[f"{r[0]}:{r[1][:40]}" for r in PHRASES])
def test_phrase(row):
    kind, phrase, want, published = _row(row)
    got = _found(kind, phrase, published)
    assert _same(got, want), f"{kind} in {phrase!r}: expected {want}, got {got}"


def test_phrase_table_shape():
    """At least 150 phrases, about half of them negative, every type represented."""
    negatives = sum(1 for r in PHRASES if not r[2])
    assert len(PHRASES) >= 150
    assert 0.45 <= negatives / len(PHRASES) <= 0.6, (negatives, len(PHRASES))
    assert {r[0] for r in PHRASES} == {P, C, A, D, R}


def summary() -> tuple[int, int, Counter, Counter]:
    passed, total = Counter(), Counter()
    for row in PHRASES:
        kind, phrase, want, published = _row(row)
        total[kind] += 1
        passed[kind] += _same(_found(kind, phrase, published), want)
    return sum(passed.values()), sum(total.values()), passed, total


if __name__ == "__main__":
    ok, n, passed, total = summary()
    negatives = sum(1 for r in PHRASES if not r[2])
    print(f"phrase table: {ok}/{n} pass ({negatives} negative rows)")
    for kind in (P, C, A, D, R):
        print(f"  {kind:12s} {passed[kind]}/{total[kind]}")
    sys.exit(0 if ok == n else 1)
