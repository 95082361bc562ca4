"""Robustness: arbitrary text never breaks the pipeline or its grounding, and adversarial
inputs cost time linear in their size.

Timings compare like with like on the same machine (the adversarial input against ordinary
corpus text of the same size, and an input against four times itself), so they hold on a
slow CI machine. Each is this process's CPU time (not wall time, which other processes on a
busy 2-core machine inflate at random), the best of a few runs with the garbage collector
paused, as timeit does."""
from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscl_extract.pipeline.docfields import find_published
from nscl_extract.mentions.amounts import extract_amounts
from nscl_extract.mentions.citations import extract_citations
from nscl_extract.mentions.dates import extract_dates
from nscl_extract.mentions.periods import extract_periods
from nscl_extract.mentions.quantities import extract_counts, extract_percentages
from nscl_extract.mentions.standards import extract_standards
from nscl_extract.mentions.tables import table_values
from nscl_extract.load.furniture import furniture_spans
from nscl_extract.pipeline import extract_text
from nscl_extract.schema import Document

ROOT = Path(__file__).resolve().parents[1]
CORPUS_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))
MENTION_LISTS = ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards")


def assert_grounded(doc: Document, text: str) -> None:
    assert doc.text == text
    spans = [(n, m) for n in MENTION_LISTS for m in getattr(doc, n)]
    spans += [("plan", doc.plan)] if doc.plan is not None else []
    for ind in doc.indicators:
        spans += [("indicator", ind), ("indicator.quantity", ind.quantity)]
    for where, m in spans:
        assert 0 <= m.start <= m.end <= len(text), (where, m)
        assert m.text == text[m.start:m.end], (where, m.start, m.end, m.text, text[m.start:m.end])
    for n in MENTION_LISTS:
        starts = [m.start for m in getattr(doc, n)]
        assert starts == sorted(starts), n


# --- property: never raises, always grounded ------------------------------------------------

VIET = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợ"
        "ùúủũụừứửữựỳýỷỹỵ" "AĂÂĐÊÔƠƯÁÀẢÃẠÉÈÍÓÒÚÙÝ" "HKNQST")
ALPHABET = VIET + "0123456789" + "0123456789" + " %/-–|\n.,:;()&" + " \u00a0\t"
PIECES = ["ngày ", "tháng ", "năm ", "giai đoạn ", "đến ", "tối thiểu ", "trên ", "khoảng ", "trở lên",
          "doanh nghiệp", "chuyên gia", "mô hình", "DN", "HTX", "triệu đồng", "tỷ đồng", "USD", "%",
          "ISO ", "TCVN ", "ISO/IEC ", "5S-Kaizen", "QCVN ", "/KH-UBND", "/QĐ-TTg", "-NQ/TW", "/2021/NĐ-CP",
          "Số: ", "Số lượt xem: ", "Online : ", "Tin liên quan\n", "Đề án ", "lần thứ ", "TT | Chỉ tiêu | ĐVT | Năm 2025\n",
          "&agrave;", "&aacute;", "&nbsp;", "&#37;", "&amp;", "&#x110;", "&lt;", "& ", "&#99999999;",
          "hàng hóa", "hàng hoá", "Đến năm 2025, ", "; trong đó ", "đã hỗ trợ ", "\n\n", " | ", "12,5", "1.530", "07 - 09"]

texts = st.one_of(
    st.text(alphabet=ALPHABET, max_size=300),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(alphabet=ALPHABET, max_size=8)), max_size=40).map("".join),
    st.text(max_size=120),  # any Unicode at all
)




@settings(max_examples=150, deadline=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(texts)
def test_extract_text_never_raises_and_is_grounded(text):
    doc = extract_text(text, with_indicators=True)
    assert_grounded(doc, text)
    back = Document.from_json_dict(doc.to_json_dict())
    assert back == doc


@pytest.mark.parametrize("text", ["theo 202/2025/QH15 của Quốc hội", "0/2000/A"])
def test_citation_without_type_word_does_not_crash(text):
    doc = extract_text(text)
    assert_grounded(doc, text)


@pytest.mark.parametrize("text", [
    "", " ", "\n", "&", "&amp;", "&#0;", "&#x110000;", "%", "|", "ngày", "1322/", "/KH-UBND", "ISO", "0%", "00 DN",
    "&nbsp;&nbsp;", "ng&agrave;y 31/8/2020&nbsp;", "TT\n|\nChỉ tiêu\n|\nĐVT\n|\n1\n|\n",
    "1" * 400 + "% doanh nghiệp",  # a number too large for a float
])
def test_edge_texts(text):
    assert_grounded(extract_text(text), text)


# --- adversarial inputs: time linear in size -----------------------------------------------

LAYER = [extract_amounts, extract_citations, lambda t: extract_dates(t, "2021-08-13"), extract_periods,
         extract_counts, extract_percentages, extract_standards, table_values, furniture_spans]


def best_time(fn, text: str, repeat: int = 3) -> float:
    """Best CPU seconds of `repeat` runs of fn(text)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            t0 = time.process_time()
            fn(text)
            best = min(best, time.process_time() - t0)
        finally:
            gc.enable()
    return best


def mention_layer(text: str) -> None:
    for extract in LAYER:
        extract(text)


def repeat_to(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def normal_text(size: int) -> str:
    return repeat_to(CORPUS_TEXT + "\n", size)


def long_line(size: int) -> str:
    """One line of ordinary Vietnamese text, no newline in it: the seeds with their line breaks
    turned into spaces, repeated to size."""
    return repeat_to(" ".join(CORPUS_TEXT.split()) + " ", size)


ADVERSARIAL = {
    "digits": lambda n: "7" * n,
    "1.1.1.": lambda n: repeat_to("1.1.1.", n),
    "ISO ": lambda n: repeat_to("ISO ", n),
    "ngày ": lambda n: repeat_to("ngày ", n),
    "| ": lambda n: repeat_to("| ", n),
    "|\\n": lambda n: "TT\n|\n" + repeat_to("1\n|\n", n),
    "&amp;": lambda n: repeat_to("&amp;", n),
    "words line": long_line,
}
SIZES = {"digits": 100_000, "words line": 5_000_000}
DEFAULT_SIZE = 300_000
_NORMAL_TIMES: dict[int, float] = {}
_LAYER_TIMES: dict[tuple[str, int], float] = {}


def _layer_time(name: str, size: int, text: str | None = None) -> float:
    if (name, size) not in _LAYER_TIMES:
        text = text if text is not None else ADVERSARIAL[name](size)
        _LAYER_TIMES[name, size] = best_time(mention_layer, text, repeat=1 if size > 1_000_000 else 3)
    return _LAYER_TIMES[name, size]


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    mention_layer(CORPUS_TEXT)  # load the tagger and compile the rules before timing anything
    extract_text(CORPUS_TEXT)


def normal_time(size: int) -> float:
    if size not in _NORMAL_TIMES:
        _NORMAL_TIMES[size] = best_time(mention_layer, normal_text(size), repeat=1 if size > 1_000_000 else 3)
    return _NORMAL_TIMES[size]


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_costs_no_more_than_ordinary_text(name):
    size = SIZES.get(name, DEFAULT_SIZE)
    text = ADVERSARIAL[name](size)
    assert len(text) >= size * 0.99
    bad = _layer_time(name, size, text)
    normal = normal_time(len(text))
    assert bad < 10 * normal + 0.5, f"{name!r} x{len(text)}: {bad:.2f}s vs {normal:.2f}s for ordinary text"


@pytest.mark.parametrize("name", [n for n in ADVERSARIAL if n != "words line"])
def test_adversarial_input_scales_linearly(name):
    base = 75_000
    t1 = best_time(mention_layer, ADVERSARIAL[name](base), repeat=3)
    t4 = best_time(mention_layer, ADVERSARIAL[name](4 * base), repeat=3)
    assert t4 < 10 * t1 + 0.05, f"{name!r}: {t1:.3f}s at {base} chars, {t4:.3f}s at {4 * base}"


def test_words_line_scales_linearly():
    t1 = best_time(mention_layer, long_line(1_250_000), repeat=1)
    t4 = _layer_time("words line", 5_000_000)
    assert t4 < 10 * t1 + 0.1, f"{t1:.2f}s at 1.25 MB, {t4:.2f}s at 5 MB"


_PIPELINE_NORMAL: dict[int, float] = {}


@pytest.mark.parametrize("name", [n for n in ADVERSARIAL if n != "words line"])
def test_pipeline_on_adversarial_input(name):
    """The whole pipeline (indicators too) finishes on each adversarial input, in time comparable to
    ordinary text of the same size, and stays grounded."""
    text = ADVERSARIAL[name](SIZES.get(name, DEFAULT_SIZE) // 4)
    t0 = time.process_time()
    doc = extract_text(text)
    took = time.process_time() - t0
    assert_grounded(doc, text)
    if len(text) not in _PIPELINE_NORMAL:
        _PIPELINE_NORMAL[len(text)] = best_time(extract_text, normal_text(len(text)), repeat=1)
    normal = _PIPELINE_NORMAL[len(text)]
    assert took < 10 * normal + 1.0, f"{name!r}: pipeline took {took:.2f}s vs {normal:.2f}s on ordinary text"


# --- time linear in the number of mentions ---------------------------------------------------

def _ratio(fn, make, n: int, repeat4: int = 3) -> tuple[float, float]:
    return best_time(fn, make(n), repeat=3), best_time(fn, make(4 * n), repeat=repeat4)


_STAGES = ["furniture_spans", "extract_citations", "extract_dates", "table_values", "extract_standards",
           "extract_periods", "extract_amounts", "extract_percentages", "extract_counts"]


def test_pipeline_composition_scales_linearly_with_mention_count(monkeypatch):
    """pipeline._extract's own work (claiming spans across kinds, document fields) on 2,500 and
    10,000 mentions; the extractors' outputs are computed beforehand so only the composition is timed."""
    import nscl_extract.pipeline as pipeline

    unit = "Đào tạo 20 chuyên gia; 30%; ISO 9001; ngày 31/8/2020; 191/KH-UBND\nLượt xem: 5\n"
    texts = {n: unit * n for n in (500, 2000)}
    real = {name: getattr(pipeline, name) for name in _STAGES}
    outputs = {(name, text): fn(text) for name, fn in real.items() for text in texts.values()}
    for name in _STAGES:
        monkeypatch.setattr(pipeline, name, lambda text, *a, _name=name, **k: outputs[_name, text])
    assert len(pipeline.extract_text(texts[500], with_indicators=False).counts) == 500
    t1, t4 = _ratio(lambda t: pipeline.extract_text(t, with_indicators=False), lambda n: texts[n], 500)
    assert t4 < 6 * t1 + 0.05, f"{t1:.2f}s for 500 lines, {t4:.2f}s for 2000"


def test_find_published_on_one_long_line_scales_linearly():
    unit = "Căn cứ Quyết định ngày 31/8/2020 của Thủ tướng; "
    dates = {n: extract_dates(unit * n) for n in (100, 400)}

    def run(t):
        find_published(t, dates[len(t) // len(unit)])

    t1, t4 = _ratio(run, lambda n: unit * n, 100)
    assert t4 < 6 * t1 + 0.05, f"{t1:.3f}s for 100 dates, {t4:.3f}s for 400"


_PAD = " nội dung khác" * 10
DENSE = [
    ("extract_counts", extract_counts, "đào tạo 20 chuyên gia;" + _PAD, 500),
    ("extract_percentages", extract_percentages, "đạt 30% kế hoạch;" + _PAD, 500),
    ("extract_standards", extract_standards, "ISO 9001; ", 1500),
    ("extract_dates", lambda t: extract_dates(t, "2021-08-13"), "ngày 31/8/2020; ", 1500),
    ("extract_citations", extract_citations, "191/KH-UBND; ", 1500),
    ("extract_amounts", extract_amounts, "5 triệu đồng;" + _PAD, 1000),
    ("extract_periods", extract_periods, "giai đoạn 2021-2025;" + _PAD, 1000),
]


@pytest.mark.parametrize("fn, unit, n", [pytest.param(fn, unit, n, id=name) for name, fn, unit, n in DENSE])
def test_extractor_scales_linearly_with_mention_count(fn, unit, n):
    t1, t4 = _ratio(fn, lambda k: unit * k, n, repeat4=1)
    assert t4 < 6 * t1 + 0.05, f"{t1:.3f}s for {n} mentions, {t4:.3f}s for {4 * n}"
