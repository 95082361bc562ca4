"""The indicator model: weights read as data with no training library, the gate that lets it
overrule the hand rules, confidence and explanations, and the training script itself (run on a
small slice: CI scores the shipped weights, it does not train)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_extract import extract
from nscl_extract.cli import cli
from nscl_extract.indicators import decide
from nscl_extract.indicators.evidence import BINDING_SOURCES

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "rules" / decide.MODEL_FILE

PLAN = ("Kế hoạch nâng cao năng suất chất lượng của tỉnh giai đoạn 2021-2025\n\n"
        "Mục tiêu đến năm 2025: tối thiểu 60% doanh nghiệp sản xuất áp dụng công cụ cải tiến; "
        "đào tạo 20 chuyên gia năng suất.\n\n"
        "Năm 2020, tỉnh đã hỗ trợ 15 doanh nghiệp áp dụng ISO 9001.")


def tiny(classes, weights) -> decide.Model:
    return decide.Model(tuple(classes), {k: tuple(v) for k, v in weights.items()})


def test_probabilities_are_a_softmax_of_summed_weights():
    m = tiny(("target", "result", "none"), {"bias": (0.0, 0.0, 0.0), "cue": (2.0, 0.0, 0.0)})
    p = m.probabilities({"bias": 1.0, "cue": 1.0})
    assert abs(sum(p.values()) - 1) < 1e-9 and p["target"] > 0.7 and abs(p["result"] - p["none"]) < 1e-9
    assert m.probabilities({"unknown feature": 1.0}) == pytest.approx({"target": 1 / 3, "result": 1 / 3, "none": 1 / 3})
    pushes = dict(m.contributions({"bias": 1.0, "cue": 1.0}, "target"))
    assert pushes["cue"] == pytest.approx(2.0 - 2.0 / 3) and pushes["bias"] == 0


@pytest.mark.parametrize("rule, probs, gate, want", [
    ("target", {"target": 0.2, "result": 0.7, "none": 0.1}, decide.Gate(switch=0.8), "target"),  # not sure enough
    ("target", {"target": 0.1, "result": 0.85, "none": 0.05}, decide.Gate(switch=0.8), "result"),
    ("target", {"target": 0.3, "result": 0.1, "none": 0.6}, decide.Gate(drop=0.7), "target"),
    ("target", {"target": 0.2, "result": 0.0, "none": 0.8}, decide.Gate(drop=0.7), None),
    (None, {"target": 0.6, "result": 0.1, "none": 0.3}, decide.Gate(keep=0.7), None),  # the exclusion stands
    (None, {"target": 0.9, "result": 0.05, "none": 0.05}, decide.Gate(keep=0.7), "target"),
])
def test_the_gate_lets_the_model_overrule_the_rules_only_when_sure(rule, probs, gate, want):
    assert decide._gated(rule, probs, gate) == want


def test_shipped_weights_are_data_the_run_time_reads():
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert data["kind"]["classes"] == list(decide.CLASSES)
    assert all(len(w) == 3 for w in data["kind"]["weights"].values())
    for attr, m in data.get("bind", {}).items():
        assert attr in ("target_year", "period") and m["classes"] == [*BINDING_SOURCES, "none"]
    families = ("bias", "rule:", "unit:", "comparator:", "doc:", "year@", "headline", "lead", "table:", "w-1=", "w-2=",
                "title:", "paragraph:", "sentence:", "heading:", "leadin:")
    odd = [f for f in data["kind"]["weights"] if not (f.startswith(families) or "@" in f)]
    assert not odd, f"features of no known family: {odd[:5]}"
    assert decide.shipped_model() is not None


def test_no_training_library_at_run_time():
    code = ("import sys; from nscl_extract import extract; "
            "d = extract('Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.'); "
            "assert d.indicators and d.indicators[0].confidence is not None; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_indicator_has_a_confidence_and_the_rules_alone_give_none():
    doc = extract(PLAN)
    assert doc.indicators and all(0 < i.confidence <= 1 for i in doc.indicators)
    with decide.using(None):
        assert all(i.confidence is None for i in extract(PLAN).indicators)


def test_a_model_decides_kind_and_drops_what_it_finds_no_indicator():
    """A model that says "result" for every number makes every kept number a result; one that
    says "none" everywhere leaves no indicator: the decision is the model's, not the rules'."""
    classes = list(decide.CLASSES)
    always = {c: decide.Models.from_json({"kind": {"classes": classes,
                                                   "weights": {"bias": [5.0 if k == c else 0.0 for k in classes]}}})
              for c in classes}
    with decide.using(always["result"]):
        kinds = {i.kind for i in extract(PLAN).indicators}
    assert kinds == {"result"}
    with decide.using(always["none"]):
        assert extract(PLAN).indicators == []


def test_recording_gives_every_number_its_evidence():
    with decide.recording() as records:
        doc = extract(PLAN)
    assert len(records) >= len(doc.indicators) == 3
    ev, d = next((ev, d) for ev, d in records if ev.q.value == 15)
    assert d.kind == "result" and d.features["rule:kind=result"] == 1.0
    assert any(k.startswith("result_cues@") for k in d.features)
    assert set(d.bindings) == {"period"}  # a result takes no target year


def test_extract_explain_prints_features_and_weights(tmp_path):
    f = tmp_path / "plan.txt"
    f.write_text(PLAN, encoding="utf-8")
    r = CliRunner().invoke(cli, ["extract", "--explain", str(f)])
    assert r.exit_code == 0, r.output
    assert "3 indicators of" in r.output
    assert "kind target (" in r.output and "because: " in r.output
    assert "target_year 2025 from " in r.output and "period (2021, 2025) from " in r.output
    first = next(line for line in r.output.splitlines() if "because: " in line)
    assert any(ch in first for ch in "+-") and ("@" in first or "rule:" in first)
    bad = CliRunner().invoke(cli, ["extract", "--explain", "--format", "csv", str(f)])
    assert bad.exit_code == 2 and "--explain" in bad.output


def test_the_review_page_shows_the_explanation_on_hover():
    from nscl_extract.pages.review import render_review

    page = render_review(extract(PLAN))
    assert 'class="why" title="kind target (' in page and "because: " in page


def _run_training(tmp_path, *extra):
    out, report = tmp_path / "m.json", tmp_path / "r.md"
    r = subprocess.run([sys.executable, str(ROOT / "training" / "train_indicators.py"), "--slice", "6",
                        "--gates", "0.5", "1.01", "--out", str(out), "--report", str(report), *extra],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    return r, out, report


def test_training_script_runs_on_a_small_slice(tmp_path):
    pytest.importorskip("sklearn")
    r, out, report = _run_training(tmp_path)
    assert r.returncode == 0, r.stderr
    model = decide.Models.from_json(json.loads(out.read_text(encoding="utf-8")))
    assert model.kind.classes == decide.CLASSES
    text = report.read_text(encoding="utf-8")
    assert "Out of fold only" in text and "| indicators.strict.f1 |" in text and "Shipped:" in text
    with decide.using(model):
        assert extract(PLAN).indicators  # the weights it wrote are usable as they are


def test_the_test_set_is_in_no_training():
    """gold/real-test measures pages the weights never saw: the training script must not read it."""
    script = (ROOT / "training" / "train_indicators.py").read_text(encoding="utf-8")
    sets = script[script.index("SETS = ["):script.index("]", script.index("SETS = ["))]
    assert "gold/real-test" not in sets and "gold/real-unseen" in sets
