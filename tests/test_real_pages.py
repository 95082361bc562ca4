"""The real-page set: its texts are third-party pages kept out of git (corpus/real, see
docs/real-pages.md). When they are present, every text must be the one the gold was
labelled on (sha256 in gold/real/INDEX.tsv) and every gold file must check."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from nscl_extract.scoring.gold import check_gold

ROOT = Path(__file__).resolve().parents[1]
INDEX = ROOT / "gold" / "real" / "INDEX.tsv"
TEXTS = ROOT / "corpus" / "real"
GOLD = {"dev": ROOT / "gold" / "real", "final": ROOT / "gold" / "real" / "final"}
# More real pages, each indexed and labelled on its own: ../shared/real-extra's (its README: each
# text is the excerpt plus one newline), the batch first run unseen (gold/real-unseen, now in
# training) and the test batch that is in no training (gold/real-test).
MORE = {"real-extra": 28, "real-unseen": 18, "real-test": 16}  # set name -> pages

def rows() -> list[dict]:
    with INDEX.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_index_and_gold_files_agree():
    """Committed and checkable without the texts: one gold file per indexed page, in its split."""
    index = rows()
    assert len(index) >= 60 and {r["split"] for r in index} == {"dev", "final"}
    assert len({r["url"] for r in index}) == len(index), "a page is indexed twice"
    for r in index:
        assert r["query"].strip() and len(r["sha256"]) == 64
        assert (GOLD[r["split"]] / f"{r['id']}.json").is_file(), f"no gold for {r['id']}"
    for split, folder in GOLD.items():
        ids = {p.stem for p in folder.glob("*.json")}
        assert ids == {r["id"] for r in index if r["split"] == split}


needs_texts = pytest.mark.skipif(not TEXTS.is_dir() or not any(TEXTS.glob("*.txt")),
                                 reason="corpus/real is absent: re-collect it as docs/real-pages.md says")


@needs_texts
def test_texts_are_the_labelled_ones():
    changed = []
    for r in rows():
        path = TEXTS / f"{r['id']}.txt"
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != r["sha256"]:
            changed.append(r["id"])
    assert not changed, f"texts differ from the labelled ones (re-collect them): {changed}"


@needs_texts
@pytest.mark.parametrize("split", sorted(GOLD))
def test_gold_checks_against_the_texts(split):
    assert check_gold(GOLD[split], TEXTS) == []


def _more_index(name: str) -> list[dict]:
    with (ROOT / "gold" / name / "INDEX.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_index_and_gold_files_agree(name):
    index = _more_index(name)
    assert len(index) == MORE[name] and len({r["url"] for r in index}) == MORE[name]
    assert all(r["query"].strip() and len(r["sha256"]) == 64 for r in index)
    assert {p.stem for p in (ROOT / "gold" / name).glob("*.json")} == {r["id"] for r in index}
    others = {r["url"] for r in rows()} | {r["url"] for m in MORE if m != name for r in _more_index(m)}
    assert not others & {r["url"] for r in index}, "a page is in two sets"


@pytest.mark.parametrize("name", sorted(MORE))
def test_more_texts_are_the_labelled_ones_and_gold_checks(name):
    texts, gold = ROOT / "corpus" / name, ROOT / "gold" / name
    if not texts.is_dir() or not any(texts.glob("*.txt")):
        pytest.skip(f"corpus/{name} is absent: re-collect it as docs/real-pages.md says")
    changed = [r["id"] for r in _more_index(name) if (texts / f"{r['id']}.txt").is_file()
               and hashlib.sha256((texts / f"{r['id']}.txt").read_bytes()).hexdigest() != r["sha256"]]
    assert not changed, f"texts differ from the labelled ones (re-collect them): {changed}"
    assert check_gold(gold, texts) == []
