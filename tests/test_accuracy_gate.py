"""The CI gate: extraction scored against the hand-labelled gold set must not fall below the
floors in tests/accuracy_floors.json, and no commit may lower a floor."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from nscl_extract.scoring.score import score_corpus

ROOT = Path(__file__).resolve().parents[1]
FLOORS_FILE = ROOT / "tests" / "accuracy_floors.json"
DEV = ROOT.parent / "shared" / "dev"
SETS = {"seeds": (ROOT / "gold", ROOT / "corpus"), "dev": (ROOT / "gold" / "dev", DEV),
        "holdout": (ROOT / "gold" / "holdout", ROOT / "corpus" / "holdout"),
        "real": (ROOT / "gold" / "real", ROOT / "corpus" / "real"),  # texts outside git: docs/real-pages.md
        "real-final": (ROOT / "gold" / "real" / "final", ROOT / "corpus" / "real"),
        "real-extra": (ROOT / "gold" / "real-extra", ROOT / "corpus" / "real-extra"),
        "real-unseen": (ROOT / "gold" / "real-unseen", ROOT / "corpus" / "real-unseen"),
        "real-test": (ROOT / "gold" / "real-test", ROOT / "corpus" / "real-test")}  # in no training
# The real-page floors guard against regressions of the shipped weights, which were fitted on
# these pages too: they are no estimate of accuracy on unseen pages (training/REPORT.md is).


def _floors() -> dict:
    return json.loads(FLOORS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SETS))
def test_figures_stay_above_floors(name):
    gold, corpus = SETS[name]
    if not corpus.is_dir():
        pytest.skip(f"{corpus} is absent")
    figures = score_corpus(gold, corpus).figures()
    floors = _floors()[name]
    assert floors, f"no floors for {name}"
    below = {k: (round(figures.get(k) or 0.0, 4), floor) for k, floor in floors.items()
             if (figures.get(k) or 0.0) < floor}
    assert not below, f"{name}: figures below their floors (got, floor): {below}"


def test_floors_only_go_up():
    """Every committed version of the floors file is at least the one before it."""
    try:
        log = subprocess.run(["git", "log", "--format=%H", "--", str(FLOORS_FILE.relative_to(ROOT))],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    versions = []
    for commit in reversed(log):
        shown = subprocess.run(["git", "show", f"{commit}:tests/accuracy_floors.json"], cwd=ROOT,
                               capture_output=True, text=True)
        if shown.returncode == 0:
            versions.append((commit[:10], json.loads(shown.stdout)))
    versions.append(("working tree", _floors()))
    for (old_id, old), (new_id, new) in zip(versions, versions[1:]):
        for name, figures in old.items():
            if not isinstance(figures, dict):
                continue
            for key, floor in figures.items():
                assert key in new.get(name, {}), f"{new_id} dropped floor {name}.{key} (was {floor} in {old_id})"
                assert new[name][key] >= floor, f"{new_id} lowered {name}.{key}: {floor} -> {new[name][key]}"
