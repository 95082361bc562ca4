"""SPEC 1-2 on every real document we have: every span is grounded, the JSON is lossless,
and each mention list is in document order.

Documents: corpus/ (the seeds) and ../shared/dev (the dev set; skipped where that folder is
absent, as in a clone without shared/ beside it)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nscl_extract.load.loaders import LOADERS
from nscl_extract.pipeline import extract_file
from nscl_extract.schema import Document, Span

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "dev"
MENTION_LISTS = ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards")


def _documents(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in LOADERS and p.stem.lower() != "readme")


def _params():
    params = [pytest.param(p, id=f"corpus/{p.name}") for p in _documents(CORPUS)]
    if DEV.is_dir():
        params += [pytest.param(p, id=f"dev/{p.name}") for p in _documents(DEV)]
    else:
        params.append(pytest.param(None, id="dev", marks=pytest.mark.skip(reason=f"{DEV} is absent")))
    return params


_CACHE: dict[Path, Document] = {}


def extracted(path: Path) -> Document:
    if path not in _CACHE:
        _CACHE[path] = extract_file(path)
    return _CACHE[path]


def test_corpus_is_there():
    assert len(_documents(CORPUS)) >= 5


def _spans(doc: Document):
    """(where, span) for every grounded thing in the document."""
    for name in MENTION_LISTS:
        for i, m in enumerate(getattr(doc, name)):
            yield f"{name}[{i}]", m
    if doc.plan is not None:
        yield "plan", doc.plan
    for i, ind in enumerate(doc.indicators):
        yield f"indicators[{i}]", ind
        yield f"indicators[{i}].quantity", ind.quantity


@pytest.mark.parametrize("path", _params())
def test_every_span_is_grounded(path):
    doc = extracted(path)
    text = doc.text
    assert text, f"{path.name}: no text"
    bad = []
    for where, span in _spans(doc):
        assert isinstance(span, Span)
        if not (0 <= span.start <= span.end <= len(text)) or span.text != text[span.start:span.end]:
            bad.append(f"{where}: [{span.start}:{span.end}] {span.text!r} != {text[span.start:span.end]!r}")
    assert not bad, f"{path.name}: ungrounded spans:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("path", _params())
def test_indicator_quantity_lies_in_a_known_list(path):
    """An indicator rests on a quantity the document lists (same span, same value) or on a table cell."""
    doc = extracted(path)
    listed = {(q.start, q.end, q.value, q.value_max, q.unit) for q in doc.percentages + doc.counts}
    for i, ind in enumerate(doc.indicators):
        q = ind.quantity
        assert (q.start, q.end, q.value, q.value_max, q.unit) in listed, \
            f"{path.name}: indicators[{i}] rests on {q.text!r} [{q.start}:{q.end}], not in percentages/counts"


@pytest.mark.parametrize("path", _params())
def test_json_round_trip_is_lossless(path):
    doc = extracted(path)
    data = doc.to_json_dict()
    assert data["schema"] == "nscl-extract/1"
    assert data["doc_id"] == path.stem
    for p in data["periods"]:
        assert set(p) >= {"from", "to"} and "from_" not in p
    wire = json.loads(json.dumps(data, ensure_ascii=False))
    back = Document.from_json_dict(wire)
    assert back == doc
    assert back.to_json_dict() == data
    # --no-text output: everything but the text survives
    lean = doc.to_json_dict(with_text=False)
    assert "text" not in lean
    assert Document.from_json_dict(lean) == doc.model_copy(update={"text": None})


@pytest.mark.parametrize("path", _params())
def test_mentions_are_in_document_order(path):
    doc = extracted(path)
    for name in MENTION_LISTS + ("indicators",):
        starts = [(m.start, m.end) for m in getattr(doc, name)]
        assert starts == sorted(starts, key=lambda se: se[0]), f"{path.name}: {name} out of document order: {starts}"
