"""`show` with gold from several folders (searched recursively), the documents without gold named,
and the "check this row" mark on indicators whose confidence is low."""
from __future__ import annotations

import json
import re
import shutil

from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.pages.review import render_review
from nscl_extract.pipeline import extract_file, extract_text

from pagetools import ROOT, browser, needs_chromium, open_page

SEEDS = ["000_dd1c5792947a306a", "004_af67a2d753eb7d0d"]


def _batch(tmp_path):
    docs = [extract_file(ROOT / "corpus" / f"{s}.txt") for s in SEEDS]
    docs.append(extract_text("Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.", "extra", "extra.txt"))
    out = tmp_path / "out.jsonl"
    out.write_text("".join(json.dumps(d.to_json_dict(), ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return out


def _rows(page: str) -> dict[str, str]:
    """doc_id -> the picker row's opening tag and first cell."""
    return {m.group(1): m.group(0) for m in re.finditer(r'<tr data-doc="([^"]+)"[^>]*>.*?</td>', page)}


def test_gold_from_several_folders_recursively_and_documents_without_gold_listed(tmp_path):
    jsonl = _batch(tmp_path)
    (tmp_path / "g1" / "real" / "final").mkdir(parents=True)
    (tmp_path / "g2").mkdir()
    shutil.copy(ROOT / "gold" / f"{SEEDS[0]}.json", tmp_path / "g1" / "real" / "final")  # two folders down
    shutil.copy(ROOT / "gold" / f"{SEEDS[1]}.json", tmp_path / "g2")
    r = CliRunner().invoke(cli, ["show", str(jsonl), "--gold", str(tmp_path / "g1"), "--gold", str(tmp_path / "g2"),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert f"no gold for 1 of 3 document(s): extra (looked in {tmp_path / 'g1'}, {tmp_path / 'g2'})" in r.output
    rows = _rows(r.output)
    assert 'class="no-gold"' in rows["extra"] and "no gold" in rows["extra"]
    for s in SEEDS:  # each found its gold: a second --gold adds to the first instead of replacing it
        assert 'class="no-gold"' not in rows[s]
    pages = re.findall(r'data-page="([^"]*)"', r.output)
    assert sum("Against gold:" in p for p in pages) == 2
    assert "1 without gold" in r.output
    # one document, gold in a subfolder of the folder given
    one = CliRunner().invoke(cli, ["show", str(jsonl), "--doc", SEEDS[0], "--gold", str(tmp_path / "g1"),
                                   "--lang", "en"])
    assert one.exit_code == 0 and "Against gold:" in one.output
    alone = CliRunner().invoke(cli, ["show", str(jsonl), "--doc", "extra", "--gold", str(tmp_path / "g1")])
    assert alone.exit_code == 0 and "no gold for 1 of 1 document(s): extra" in alone.output


def test_the_same_doc_id_in_two_gold_folders_is_said_and_the_first_wins(tmp_path):
    jsonl = _batch(tmp_path)
    for g in ("a", "b"):
        (tmp_path / g).mkdir()
        shutil.copy(ROOT / "gold" / f"{SEEDS[0]}.json", tmp_path / g)
    r = CliRunner().invoke(cli, ["show", str(jsonl), "--gold", str(tmp_path / "a"), "--gold", str(tmp_path / "b")])
    assert r.exit_code == 0
    assert f"gold for {SEEDS[0]} in {tmp_path / 'a' / SEEDS[0]}.json and in {tmp_path / 'b' / SEEDS[0]}.json" in r.output


def _with_confidences():
    doc = extract_file(ROOT / "corpus" / f"{SEEDS[0]}.txt")
    for k, ind in enumerate(doc.indicators):
        ind.confidence = [0.95, 0.42, None, 0.59][k % 4]
    return doc


def test_rows_below_the_threshold_are_marked_to_check_and_the_legend_says_so():
    doc = _with_confidences()
    page = render_review(doc)
    low = [k for k, i in enumerate(doc.indicators) if i.confidence is not None and i.confidence < 0.6]
    marked = [int(n) for n in re.findall(r'<tr id="row-ind-(\d+)" class="[^"]*\bcheck\b', page)]
    assert marked == low and len(low) >= 8
    assert "cần kiểm tra: dòng có độ tin cậy (xác suất của mô hình chỉ tiêu) dưới 0.6" in page
    assert page.count("⚑ kiểm tra") == len(low)
    en = render_review(doc, lang="en", check_below=0.5)
    assert "check this row: its confidence (the indicator model&#39;s probability) is below 0.5" in en
    assert en.count("⚑ check<") == sum(1 for i in doc.indicators if i.confidence is not None and i.confidence < 0.5)
    assert "0.42" in en and "0.95" in en  # the confidence column


@needs_chromium
def test_check_marks_in_chromium_and_the_cli_option(tmp_path):
    doc = _with_confidences()
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc.to_json_dict(), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "page.html"
    r = CliRunner().invoke(cli, ["show", str(path), "-o", str(out), "--check-below", "0.9"])
    assert r.exit_code == 0, r.output
    with browser() as b:
        page = open_page(b, out)
        n_low = sum(1 for i in doc.indicators if i.confidence is not None and i.confidence < 0.9)
        assert page.locator("#indicators tr.check").count() == n_low
        assert page.locator("#indicators tr.check .check-mark").first.is_visible()
        assert "dưới 0.9" in page.locator(".legend-check").inner_text()
        assert page.errors == []
        page.close()
    assert CliRunner().invoke(cli, ["show", str(path), "--check-below", "2"]).exit_code == 2
