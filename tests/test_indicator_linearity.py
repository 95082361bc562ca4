"""The indicator stage is linear in the document (issue 11 item 7): adversarial shapes cost
time within a bounded factor of ordinary text of the same size and scale linearly, and an
indicator's text is its clause or table row, never more than a bounded window.

Timings are this process's CPU time, best of a few runs with the garbage collector paused
(see test_robustness.py), comparing like with like on the same machine."""
from __future__ import annotations

import pytest
from test_robustness import CORPUS_TEXT, best_time, repeat_to

from nscl_extract.indicators.reader import MAX_TEXT
from nscl_extract.pipeline import extract_text


def ordinary(size: int) -> str:
    return repeat_to(CORPUS_TEXT + "\n", size)


def cpu(text: str, repeat: int = 2) -> float:
    return best_time(extract_text, text, repeat)


# Each shape: (text of about n characters, factor). The factor bounds its time against ordinary
# text of the same size; shapes where nearly every word is a number yield one record per few
# characters (ordinary text: one per few hundred), so their bound is wider, but still a constant.
SHAPES = {
    "percentages in one paragraph": (lambda n: repeat_to("1% ", n), 25),
    "counts in one paragraph": (lambda n: repeat_to("đào tạo 20 chuyên gia, ", n), 10),
    "long pipe table": (lambda n: "TT | Chỉ tiêu | Đơn vị tính | Đến năm 2025\n"
                        + repeat_to("1 | Tỷ lệ doanh nghiệp áp dụng | % | 50\n", n), 10),
    "long one-cell-per-line table": (lambda n: "TT\n|\nChỉ tiêu\n|\nĐơn vị tính\n|\nNăm 2025\n|\n"
                                     + repeat_to("1\n|\nTỷ lệ doanh nghiệp\n|\n%\n|\n50\n|\n", n), 15),
    "one huge line": (lambda n: repeat_to(" ".join(CORPUS_TEXT.split()) + " ", n), 5),
    "many short lines": (lambda n: repeat_to("tăng 5%\n", n), 25),
    "many wrapped lines": (lambda n: repeat_to("doanh nghiệp đạt 5% kế hoạch\nvà ", n), 10),
}


@pytest.fixture(scope="module", autouse=True)
def warm():
    extract_text(CORPUS_TEXT)


_ORDINARY: dict[int, float] = {}


def _ordinary_time(size: int) -> float:
    if size not in _ORDINARY:
        _ORDINARY[size] = cpu(ordinary(size))
    return _ORDINARY[size]


@pytest.mark.parametrize("name", list(SHAPES))
def test_shape_costs_a_bounded_factor_of_ordinary_text(name):
    make, factor = SHAPES[name]
    text = make(40_000)
    bad, normal = cpu(text), _ordinary_time(len(text))
    assert bad < factor * normal + 0.3, f"{name}: {bad:.2f}s vs {normal:.2f}s for ordinary text"


@pytest.mark.parametrize("name", list(SHAPES))
def test_shape_scales_linearly(name):
    make, _ = SHAPES[name]
    t1, t4 = cpu(make(25_000)), cpu(make(100_000))
    assert t4 < 10 * t1 + 0.2, f"{name}: {t1:.2f}s at 25 KB, {t4:.2f}s at 100 KB"  # quadratic: 16x


@pytest.mark.parametrize("name", list(SHAPES))
def test_indicator_text_is_bounded(name):
    make, _ = SHAPES[name]
    text = make(20_000)
    doc = extract_text(text)
    assert doc.indicators, name
    for ind in doc.indicators:
        assert len(ind.text) <= MAX_TEXT
        assert ind.start <= ind.quantity.start and ind.quantity.end <= ind.end
        assert ind.text == text[ind.start:ind.end]
    assert sum(len(i.text) for i in doc.indicators) < 4 * len(text)


def test_a_4mb_document_costs_four_times_a_1mb_one():
    t1 = cpu(ordinary(1_000_000), repeat=1)
    t4 = cpu(ordinary(4_000_000), repeat=1)
    assert t4 < 6 * t1 + 0.5, f"{t1:.2f}s for 1 MB, {t4:.2f}s for 4 MB"


def test_short_clause_keeps_its_whole_text():
    text = "Kế hoạch năm 2025\n\nĐến năm 2025, tối thiểu 60% doanh nghiệp áp dụng công cụ cải tiến; đào tạo 20 chuyên gia."
    doc = extract_text(text)
    assert [i.text for i in doc.indicators] == [
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng công cụ cải tiến", "đào tạo 20 chuyên gia."]
