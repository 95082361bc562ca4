"""Every example written in rules/*.yml runs against the extractor that owns it.

Rules files are data: each carries the examples its patterns must (and must not) match. One
parametrized test runs them all, so an edit to a pattern or a lexicon is checked against the
cases it was written for. A rules file with examples but no owner below fails: a new rules
file cannot land untested.

Expected lists match the extractor's output in length and order; each expected dict compares
only the fields it names (numbers approximately, "from"/"to" by their wire names).
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from nscl_extract import rules
from nscl_extract.mentions.amounts import extract_amounts
from nscl_extract.mentions.citations import extract_citations
from nscl_extract.mentions.dates import extract_dates
from nscl_extract.mentions.periods import extract_periods
from nscl_extract.mentions.quantities import extract_counts, extract_percentages
from nscl_extract.mentions.standards import extract_standards
from nscl_extract.mentions.tables import table_values
from nscl_extract.load.furniture import furniture_spans
from nscl_extract.text.numbers import parse_number
from nscl_extract.pipeline import extract_text
from nscl_extract.schema import Page

RULES = rules.rules_dir()


# --- comparing ------------------------------------------------------------------------------

def _same(got, want) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want or got == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-9)
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want))
    return got == want


def _diff_fields(got: dict, want: dict) -> list[str]:
    out = []
    for key, value in want.items():
        if key not in got:
            out.append(f"{key}: no such field in output (fields: {sorted(got)})")
        elif not _same(got[key], value):
            out.append(f"{key}: expected {value!r}, got {got[key]!r}")
    return out


def _check_list(where: str, got: list[dict], want: list[dict]) -> None:
    """Same length, same order; each expected dict checked on the fields it names."""
    problems = []
    if len(got) != len(want):
        problems.append(f"expected {len(want)} item(s), got {len(got)}")
    for i, (g, w) in enumerate(zip(got, want)):
        problems += [f"item {i}: {p}" for p in _diff_fields(g, w)]
    if problems:
        shown = "\n    ".join(repr(g) for g in got) or "(nothing)"
        pytest.fail(f"{where}\n  " + "\n  ".join(problems) + f"\n  got:\n    {shown}", pytrace=False)


def _dump(mentions) -> list[dict]:
    return [m.model_dump(by_alias=True) for m in mentions]


# --- owners: rules file (and sub-list) -> how an example is run and checked ------------------

def _mentions(extract):
    def run(where, ex):
        _check_list(where, _dump(extract(ex["text"])), ex.get("expect") or [])
    return run


def _dates(where, ex):
    _check_list(where, _dump(extract_dates(ex["text"], ex.get("published"))), ex.get("expect") or [])


def _numbers(where, ex):
    got = parse_number(str(ex["text"]))
    if not _same(got, ex["value"]):
        pytest.fail(f"{where}\n  expected {ex['value']!r}, got {got!r}", pytrace=False)


def _furniture(where, ex):
    text = ex["text"]
    furniture, related = furniture_spans(text)
    got = {"furniture": [text[s:e] for s, e in furniture], "related": [text[s:e] for s, e in related]}
    want = {"furniture": ex.get("furniture") or [], "related": ex.get("related") or []}
    if got != want:
        pytest.fail(f"{where}\n  expected {want!r}\n  got      {got!r}", pytrace=False)


def _tables(where, ex):
    got = [{**tv.mention.model_dump(by_alias=True), "year": tv.year} for tv in table_values(ex["text"])]
    _check_list(where, got, ex.get("expect") or [])


def _document(where, ex):
    doc = extract_text(ex["text"], published=ex.get("published"), with_indicators=False)
    got = {"published": doc.published, "province": doc.province.name if doc.province else None,
           "plan": doc.plan.number if doc.plan else None, "title": doc.title, "genre": doc.genre}
    problems = _diff_fields(got, ex.get("expect") or {})
    if problems:
        pytest.fail(f"{where}\n  " + "\n  ".join(problems), pytrace=False)


def _quantities(where, ex):
    """rules/numbers.yml: one table for every quantity type, so its examples run the whole
    pipeline and list percentages, counts and amounts together in document order, each with
    its `type`."""
    doc = extract_text(ex["text"], published=ex.get("published"), with_indicators=False)
    got = sorted(({**m.model_dump(by_alias=True), "type": kind} for kind in ("percentages", "counts", "amounts")
                  for m in getattr(doc, kind)), key=lambda d: d["start"])
    _check_list(where, got, ex.get("expect") or [])


_QUANTITY_FIELDS = ("value", "value_max", "unit", "comparator")


def _indicators(where, ex):
    """rules/indicators.yml: {text, expect: [{quote?, value, comparator?, kind?, target_year?, period?,
    per_year?, relative?, subject?, ...}]}; quantity fields compare with indicator.quantity."""
    text = ex["text"]
    doc = extract_text(text, published=ex.get("published"))
    got = []
    for ind in doc.indicators:
        d = ind.model_dump(by_alias=True)
        q = d.pop("quantity")
        for k in _QUANTITY_FIELDS:
            d[k] = q[k]
        d["period"] = list(ind.period) if ind.period is not None else None
        d["quantity_text"] = ind.quantity.text
        d["_qspan"] = (ind.quantity.start, ind.quantity.end)
        got.append(d)
    want = [dict(w) for w in ex.get("expect") or []]
    quotes = [w.pop("quote", None) for w in want]
    for i, (g, quote) in enumerate(zip(got, quotes)):
        if quote is None:
            continue
        s, e = g["_qspan"]
        places = [k for k in range(len(text)) if text.startswith(quote, k)]
        if not places:
            pytest.fail(f"{where}\n  item {i}: quote {quote!r} does not occur in the text", pytrace=False)
        # the quote is "a short exact substring around the quantity": one occurrence overlaps it
        g["quote"] = quote if any(k < e and s < k + len(quote) for k in places) else f"<no overlap with {g['quantity_text']!r}>"
        want[i]["quote"] = quote
    for g in got:
        g.pop("_qspan")
    _check_list(where, got, want)


def _ocr(where, ex):
    """rules/ocr.yml: the whole text as one OCR'd page (`ocr: true`) or as typed text (`ocr: false`)."""
    text = ex["text"]
    pages = [Page(number=1, start=0, end=len(text), ocr=True)] if ex.get("ocr") else None
    doc = extract_text(text, pages=pages, with_indicators=False)
    got = {"province": doc.province.name if doc.province else None, "plan": doc.plan.number if doc.plan else None,
           "citations": [c.number for c in doc.citations]}
    problems = _diff_fields(got, ex.get("expect") or {})
    if problems:
        pytest.fail(f"{where}\n  " + "\n  ".join(problems), pytrace=False)


def _amount_roles(where, ex):
    """rules/amount_roles.yml: the amounts the pipeline finds in the text, with their role."""
    doc = extract_text(ex["text"], with_indicators=False)
    _check_list(where, _dump(doc.amounts), ex.get("expect") or [])


OWNERS = {
    ("citations", None): _mentions(extract_citations),
    ("dates", None): _dates,
    ("periods", None): _mentions(extract_periods),
    ("standards", None): _mentions(extract_standards),
    ("quantities", "percentages"): _mentions(extract_percentages),
    ("quantities", "counts"): _mentions(extract_counts),
    ("amounts", None): _mentions(extract_amounts),
    ("amount_roles", None): _amount_roles,
    ("numbers", "numbers"): _numbers,
    ("numbers", "comparators"): _quantities,
    ("numbers", "ranges"): _quantities,
    ("numbers", "multipliers"): _quantities,
    ("furniture", None): _furniture,
    ("tables", None): _tables,
    ("document", None): _document,
    ("ocr", None): _ocr,
    ("indicators", None): _indicators,
}


# --- collecting ------------------------------------------------------------------------------

def _examples(path: Path):
    """(id, rules name, sub-list key or None, index, example) for every example in a rules file."""
    with open(path, encoding="utf-8") as f:
        raw = yaml.safe_load(f) or {}
    if not isinstance(raw, dict) or not raw.get("examples"):
        return []
    data = rules.load(path.stem)  # NFC, as the extractors see their rules
    examples = data["examples"]
    groups = examples.items() if isinstance(examples, dict) else [(None, examples)]
    out = []
    for sub, items in groups:
        for i, ex in enumerate(items or []):
            label = f"{path.stem}" + (f".{sub}" if sub else "") + f"[{i}]"
            out.append(pytest.param(path.stem, sub, i, ex, id=label))
    return out


CASES = [c for path in sorted(RULES.glob("*.yml")) for c in _examples(path)]


def test_rules_directory_has_examples():
    assert len(CASES) > 50, f"only {len(CASES)} examples found under {RULES}"


@pytest.mark.parametrize("name, sub, index, example", CASES)
def test_rule_example(name, sub, index, example):
    key = (name, sub)
    text = example.get("text") if isinstance(example, dict) else example
    where = f"rules/{name}.yml" + (f" examples.{sub}" if sub else "") + f" #{index}: {text!r}"
    if key not in OWNERS:
        pytest.fail(f"{where}\n  rules/{name}.yml has examples"
                    + (f" under {sub!r}" if sub else "")
                    + " but no extractor owns them: add an owner to OWNERS in tests/test_rules_examples.py",
                    pytrace=False)
    OWNERS[key](where, example)
