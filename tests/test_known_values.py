"""SPEC's worked examples and the seeds' known values, asserted on the real seed text in corpus/.

Each value is looked up by the words around it in the seed that contains it, so a test
names the exact passage it checks; the negatives ("Số lượt xem: 110" is no count) are
checked both in small synthetic texts and in every real document where they occur."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import regex

from nscl_extract.mentions.quantities import extract_counts
from nscl_extract.pipeline import extract_file, extract_text
from nscl_extract.schema import Document
from nscl_extract.text.words import tagged_words, words

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "dev"


@lru_cache(maxsize=None)
def seed(stem: str) -> Document:
    return extract_file(CORPUS / f"{stem}.txt")


def span_of(doc: Document, phrase: str, nth: int = 0) -> tuple[int, int]:
    found = [m.span() for m in regex.finditer(regex.escape(phrase), doc.text)]
    assert len(found) > nth, f"{doc.doc_id}: {phrase!r} not in the seed text (found {len(found)} time(s))"
    return found[nth]


def at(mentions, span):
    """The mentions overlapping span."""
    s, e = span
    return [m for m in mentions if m.start < e and s < m.end]


# --- known values in the seeds -------------------------------------------------------------

def test_amount_1530_trieu_dong_in_seed_001():
    doc = seed("001_8cd3f22aa0a76d50")
    [a] = at(doc.amounts, span_of(doc, "1.530 triệu đồng"))
    assert (a.text, a.value, a.value_max, a.currency, a.comparator) == ("1.530 triệu đồng", 1530000000, None, "VND", "eq")


def test_percentage_12_5_per_year_in_seed_002():
    doc = seed("002_b2a90f66a4f11357")
    [p] = at(doc.percentages, span_of(doc, "12,5%/năm"))
    assert p.value == 12.5 and p.value_max is None and p.unit == "%"
    assert p.text.endswith("12,5%")
    assert p.comparator == "approx"  # "bình quân khoảng 12,5%/năm"
    assert not at(doc.counts, span_of(doc, "12,5%/năm"))


def test_count_range_07_09_mo_hinh_in_seed_002():
    doc = seed("002_b2a90f66a4f11357")
    [c] = at(doc.counts, span_of(doc, "từ 07 - 09 mô hình"))
    assert (c.text, c.value, c.value_max, c.unit, c.comparator) == ("07 - 09 mô hình", 7, 9, "mô hình", "eq")


def test_citation_1322_with_its_date_in_seed_000():
    doc = seed("000_dd1c5792947a306a")
    [c] = at(doc.citations, span_of(doc, "1322/QĐ-TTg ngày 31/8/2020"))
    assert (c.number, c.serial, c.type, c.type_name, c.issuer, c.year, c.date) == (
        "1322/QĐ-TTg", "1322", "QĐ", "Quyết định", "TTg", None, "2020-08-31")
    [d] = at(doc.dates, span_of(doc, "31/8/2020"))
    assert (d.value, d.precision) == ("2020-08-31", "day")
    assert doc.plan is not None and doc.plan.number == "191/KH-UBND"
    assert doc.published == "2021-08-13"
    assert doc.province is not None and doc.province.name == "Lào Cai"


@pytest.mark.parametrize("stem", ["001_8cd3f22aa0a76d50", "002_b2a90f66a4f11357"])
def test_iso_iec_17025_in_seeds(stem):
    doc = seed(stem)
    [s] = at(doc.standards, span_of(doc, "ISO/IEC 17025"))
    assert (s.text, s.id, s.prefix, s.version, s.kind) == ("ISO/IEC 17025", "ISO/IEC 17025", None, None, "management_system")
    assert not at(doc.counts + doc.percentages + doc.amounts, span_of(doc, "ISO/IEC 17025"))


def test_tcvn_iso_21001_in_seed_002():
    doc = seed("002_b2a90f66a4f11357")
    [s] = at(doc.standards, span_of(doc, "TCVN ISO 21001"))
    assert (s.text, s.id, s.prefix, s.version) == ("TCVN ISO 21001", "ISO 21001", "TCVN", None)
    # the count right after it is its own mention: "theo TCVN ISO 21001 cho 02 cơ sở"
    assert not at(doc.counts, (s.start, s.end))


# --- numbers that are not counts -----------------------------------------------------------

NOT_COUNTS = ["Số lượt xem: 110", "Truy cập tổng 2.979.976", "Online : 4915", "Đề án 996", "lần thứ tư"]
SYNTHETIC = {
    "Số lượt xem: 110": ["Số lượt xem: 110", "Tin tức\n02/10/2023 08:54 Số lượt xem: 110\nNội dung bài viết"],
    "Truy cập tổng 2.979.976": ["Truy cập tổng 2.979.976", "Thống kê\nTruy cập tổng 2.979.976\nHôm nay: 1.200"],
    "Online : 4915": ["Online : 4915", "Liên kết\nOnline : 4915\n"],
    "Đề án 996": ["KẾT QUẢ TRIỂN KHAI ĐỀ ÁN 996", "Thực hiện Đề án 996 của Chính phủ", "theo Đề án 996 doanh nghiệp"],
    "lần thứ tư": ["cuộc cách mạng công nghiệp lần thứ tư cho các doanh nghiệp", "Đại hội lần thứ 4 doanh nghiệp"],
}


@pytest.mark.parametrize("text", [t for ts in SYNTHETIC.values() for t in ts])
def test_not_a_count_in_small_texts(text):
    assert [c.text for c in extract_counts(text) if _touches(text, c)] == []
    assert extract_text(text).counts == []


def _touches(text: str, c) -> bool:
    return any(c.start < m.end() and m.start() < c.end
               for phrase in NOT_COUNTS for m in regex.finditer(regex.escape(phrase), text, regex.I))


def _real_documents():
    paths = sorted(CORPUS.glob("*.txt"))
    if DEV.is_dir():
        paths += sorted(DEV.glob("d*.txt"))
    return paths


def test_not_a_count_in_real_documents():
    """Where these phrases occur in the seeds (and dev set), no count overlaps them."""
    seen = set()
    for path in _real_documents():
        doc = extract_file(path)
        for phrase in NOT_COUNTS:
            for m in regex.finditer(regex.escape(phrase), doc.text, regex.I):
                seen.add(phrase)
                bad = at(doc.counts, m.span())
                assert not bad, f"{path.name}: {phrase!r} at {m.start()} yields count(s) {[c.text for c in bad]}"
    # every phrase occurs in the seeds themselves, so the check is not vacuous
    assert seen == set(NOT_COUNTS), f"not found in any document: {set(NOT_COUNTS) - seen}"


def test_a_real_count_beside_a_name_still_counts():
    doc = extract_text("Thực hiện Đề án 996 của Chính phủ, đào tạo 20 chuyên gia")
    assert [(c.text, c.value, c.unit) for c in doc.counts] == [("20 chuyên gia", 20, "chuyên gia")]


# --- tone-mark styles and word offsets -----------------------------------------------------

@pytest.mark.parametrize("text, phrase", [
    ("Hỗ trợ doanh nghiệp nâng cao năng suất, chất lượng sản phẩm, hàng hóa trọng điểm", "hàng hóa"),
    ("Hỗ trợ doanh nghiệp nâng cao năng suất, chất lượng sản phẩm, hàng hoá trọng điểm", "hàng hoá"),
])
def test_words_map_back_to_exact_offsets(text, phrase):
    spans = words(text, 0, len(text))
    assert spans and all(s is not None and text[s:e].strip() == text[s:e] for s, e in spans)
    got = [text[s:e] for s, e in spans]
    assert phrase in got, got  # one compound word, at its place in the unchanged text
    s, e = spans[got.index(phrase)]
    assert (s, e) == span_of_text(text, phrase)
    # offsets are increasing and never overlap
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_words_with_an_offset_into_a_longer_text():
    text = "Mục tiêu: Đến năm 2025, 60% sản phẩm, hàng hóa trọng điểm"
    start = text.index("sản phẩm")
    spans = words(text, start, len(text))
    assert [text[s:e] for s, e in spans][:4] == ["sản phẩm", ",", "hàng hóa", "trọng điểm"]


def test_tagged_words_map_back_to_exact_offsets():
    text = "Đào tạo 20 chuyên gia về sản phẩm, hàng hóa"
    tagged = tagged_words(text, 0, len(text))
    assert tagged
    for s, e, tag in tagged:
        assert text[s:e] and text[s:e] == text[s:e].strip() and tag
    assert [text[s:e] for s, e, _ in tagged][-1] in ("hàng hóa", "hóa")


def span_of_text(text: str, phrase: str) -> tuple[int, int]:
    i = text.index(phrase)
    return i, i + len(phrase)


MIXED = "sản phẩm, hàng hóa  trọng điểm; hàng hoá cũ"


def test_words_in_text_mixing_both_tone_styles():
    spans = words(MIXED, 0, len(MIXED))
    assert [MIXED[s:e] for s, e in spans] == ["sản phẩm", ",", "hàng hóa", "trọng điểm", ";", "hàng hoá", "cũ"]


def test_tagged_words_in_old_style_text_keep_every_word():
    text = "sản phẩm hàng hoá cũ"
    got = [text[s:e] for s, e, _ in tagged_words(text, 0, len(text))]
    assert "".join(got).replace(" ", "") == text.replace(" ", "")


# --- HTML entities: extraction on a decoded view, spans on the raw text ---------------------

def test_entity_view_date_is_grounded_on_raw_text():
    text = "UBND tỉnh Thái Bình ban hành Quyết định số 1290/QĐ-UBND ng&agrave;y 20 th&aacute;ng 6 năm 2013 về 20&nbsp;chuyên gia"
    doc = extract_text(text)
    assert doc.text == text
    [d] = doc.dates
    assert (d.value, d.precision) == ("2013-06-20", "day")
    assert d.text == "ng&agrave;y 20 th&aacute;ng 6 năm 2013" == text[d.start:d.end]
    [c] = doc.citations
    assert c.number == "1290/QĐ-UBND" and c.date == "2013-06-20" and c.text == text[c.start:c.end]
    [n] = doc.counts
    assert (n.text, n.value, n.unit) == ("20&nbsp;chuyên gia", 20, "chuyên gia")
    assert n.text == text[n.start:n.end]


def test_entity_at_the_end_of_a_mention_maps_to_its_whole_entity():
    text = "đạt 60&#37; doanh nghiệp"
    doc = extract_text(text)
    [p] = doc.percentages
    assert p.value == 60 and p.text == "60&#37;" == text[p.start:p.end]
