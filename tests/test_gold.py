"""The hand-labeled gold files are well formed and grounded in their documents."""
from __future__ import annotations

from pathlib import Path

import pytest

from nscl_extract.scoring.gold import check_gold, gold_files

REPO = Path(__file__).resolve().parents[1]
DEV_CORPUS = Path(__file__).parents[1] / ".." / "shared" / "dev"


def test_seed_gold_checks_against_corpus():
    if not gold_files(REPO / "gold"):
        pytest.skip("no gold files yet")
    assert check_gold(REPO / "gold", REPO / "corpus") == []


def test_dev_gold_checks_against_shared_dev():
    if not DEV_CORPUS.is_dir():
        pytest.skip(f"{DEV_CORPUS} is absent")
    if not gold_files(REPO / "gold" / "dev"):
        pytest.skip("no dev gold files yet")
    assert check_gold(REPO / "gold" / "dev", DEV_CORPUS) == []


def test_holdout_gold_checks_against_holdout_corpus():
    assert gold_files(REPO / "gold" / "holdout"), "the held-out gold set is missing"
    assert check_gold(REPO / "gold" / "holdout", REPO / "corpus" / "holdout") == []
