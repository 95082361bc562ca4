"""The spaCy component, its tokenizer, displacy and the DocBin export."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy import displacy
from spacy.tokens import DocBin

from nscl_extract import extract
from nscl_extract.interop.spacy_component import LABELS, blank_vi

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_dd1c5792947a306a.txt"
TEXT = ("Kế hoạch số 191/KH-UBND ngày 13/8/2021 giai đoạn 2021-2025.\n\n"
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia; "
        "kinh phí 1.530 triệu đồng.")


@pytest.fixture(scope="module")
def nlp():
    nlp = blank_vi()
    nlp.add_pipe("nscl_extract")
    return nlp


def test_factory_is_found_through_the_entry_point():
    # A user's pipeline names the component; spaCy finds it by the installed entry points.
    code = ("import spacy, sys\n"
            "nlp = spacy.blank('vi', config={'nlp': {'tokenizer': {'use_pyvi': False}}})\n"
            "nlp.add_pipe('nscl_extract')\n"
            f"doc = nlp({TEXT!r})\n"
            "print(sorted({s.label_ for s in doc.spans['nscl']}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "PERCENTAGE" in out.stdout and "CITATION" in out.stdout


def test_spans_carry_every_mention_with_its_model(nlp):
    doc = nlp(TEXT)
    extracted = extract(TEXT, "spacy", source="spacy")
    assert doc._.nscl.model_dump() == extracted.model_dump()
    expected = sorted((m.start, m.end, LABELS[f]) for f in LABELS for m in getattr(extracted, f))
    got = sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["nscl"])
    assert got == expected  # the tokenizer puts every boundary between tokens: no widening
    for span in doc.spans["nscl"]:
        assert span._.nscl.text == span.text
    pct = [s for s in doc.spans["nscl"] if s.label_ == "PERCENTAGE"]
    assert [s._.nscl.value for s in pct] == [60.0]


def test_indicators_are_their_own_group_with_attributes(nlp):
    doc = nlp(TEXT)
    inds = doc.spans["nscl_indicators"]
    assert {s.label_ for s in inds} == {"TARGET"}
    first = inds[0]._.nscl
    assert first.quantity.value == 60 and first.target_year == 2025 and first.quantity.comparator == "gte"
    assert "60%" in inds[0].text


def test_displacy_renders_the_span_group(nlp):
    html = displacy.render(nlp(TEXT), style="span", options={"spans_key": "nscl"}, page=True)
    for label in ("CITATION", "DATE", "PERIOD", "PERCENTAGE", "COUNT", "AMOUNT", "STANDARD"):
        assert label in html
    assert "UBND" in html and "chuyên" in html


def test_the_component_works_with_spacys_own_space_tokenizer():
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    nlp.add_pipe("nscl_extract")
    doc = nlp(TEXT)
    # "60%" is one token there; a mention inside a glued token ("2025," ...) is widened to it
    labels = [s.label_ for s in doc.spans["nscl"]]
    assert labels.count("PERCENTAGE") == 1 and "CITATION" in labels
    for span in doc.spans["nscl"]:
        assert span._.nscl.text in span.text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aăâbđêôơư ĐẾNnăm2025,%.-/\n\t  ()0123456789")), max_size=80))
def test_tokenizer_keeps_the_text_exactly(text):
    nlp = blank_vi()
    doc = nlp.make_doc(text)
    assert doc.text == text


def test_export_spacy_writes_a_docbin_with_span_groups(tmp_path):
    out = tmp_path / "train.spacy"
    r = subprocess.run([sys.executable, "-m", "nscl_extract.cli", "export", "--format", "spacy", str(SEED),
                        "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    docs = list(DocBin().from_disk(out).get_docs(blank_vi().vocab))
    assert len(docs) == 1
    doc = docs[0]
    assert doc.text == SEED.read_text(encoding="utf-8")
    extracted = extract(doc.text, "000_dd1c5792947a306a")
    assert len(doc.spans["nscl"]) == sum(len(getattr(extracted, f)) for f in LABELS)
    assert len(doc.spans["nscl_indicators"]) == len(extracted.indicators)
    assert {s.text for s in doc.spans["nscl"] if s.label_ == "CITATION"} >= {"191/KH-UBND"}
