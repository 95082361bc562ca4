"""The review and report pages speak Vietnamese by default and English with --lang en: one
message table (nscl_extract/pages/messages.yml), <html lang> set, and a page in one language
shows no message of the other (checked on the rendered pages in Chromium, document text aside)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_extract import store
from nscl_extract.cli import cli
from nscl_extract.pages import LANGS, Messages, message_table, placeholders
from nscl_extract.pages.report import read_store, render_report
from nscl_extract.pages.review import render_review
from nscl_extract.pipeline import extract_file

from pagetools import ROOT, browser, keep_artifact, needs_chromium, open_page

SEED = ROOT / "corpus" / "000_dd1c5792947a306a.txt"
GOLD = ROOT / "gold" / "000_dd1c5792947a306a.json"

# The page's own words, without the document's (its text, titles, names: marked lang="vi"), the
# embedded pages of the picker, scripts and styles; tooltips, placeholders and labels included,
# except the kind cell's 'why' hover: the indicator model's explanation in its own terms (class
# and feature names, the text of `extract --explain`), which no message table words.
PAGE_WORDS = """() => {
  const c = document.body.cloneNode(true);
  c.querySelectorAll('[lang="vi"], script, style').forEach(e => e.remove());
  c.querySelectorAll('td.why').forEach(e => e.removeAttribute('title'));
  const attrs = [...c.querySelectorAll('[title], [placeholder], [aria-label]')]
    .map(e => [e.getAttribute('title'), e.getAttribute('placeholder'), e.getAttribute('aria-label')].join(' '));
  return [document.title, c.textContent, ...attrs].join('\\n');
}"""


def test_every_message_has_both_languages_with_the_same_placeholders():
    table = message_table()
    assert len(table) > 100 and LANGS == ("vi", "en")
    for key, entry in table.items():
        assert placeholders(entry["vi"]) == placeholders(entry["en"]), key
    assert Messages("vi")("indicators_heading", n=3) == "Chỉ tiêu (3)"
    assert Messages("en")("indicators_heading", n=3) == "Indicators (3)"
    with pytest.raises(ValueError):
        Messages("fr")


def _literal_messages(lang: str) -> list[str]:
    """Messages of `lang` that the other language words differently and that are long enough to
    be found as they are (no placeholders)."""
    other = "en" if lang == "vi" else "vi"
    out = []
    for entry in message_table().values():
        s = entry[lang]
        if not placeholders(s) and len(s) >= 6 and s != entry[other] and s not in entry[other]:
            out.append(s)
    return out


# Words of the documents shown (a tooltip quotes an item's words: "tối thiểu 60%" is the document's)
DOCUMENT_WORDS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "corpus").glob("*.txt"))


def _check_language(page, lang: str) -> str:
    assert page.evaluate("document.documentElement.lang") == lang
    words = page.evaluate(PAGE_WORDS)
    other = "en" if lang == "vi" else "vi"
    leaks = [m for m in _literal_messages(other) if m in words and m not in DOCUMENT_WORDS]
    assert not leaks, f"{lang} page shows {other} messages: {leaks}"
    return words


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def seed_doc():
    doc = extract_file(SEED)
    for k, ind in enumerate(doc.indicators):  # confidences as the indicator model would give them
        ind.confidence = [0.95, 0.42, None][k % 3]
    return doc


@needs_chromium
def test_review_page_in_vietnamese_by_default_and_in_english(chromium, tmp_path, seed_doc):
    from nscl_extract.scoring.gold import read_gold_file

    gold = read_gold_file(GOLD)
    for lang, expect in (("vi", ["Chỉ tiêu (", "Bấm vào một dòng", "độ tin cậy", "So với gold"]),
                         ("en", ["Indicators (", "Click a row", "confidence", "Against gold"])):
        path = tmp_path / f"review_{lang}.html"
        path.write_text(render_review(seed_doc, gold, lang=lang), encoding="utf-8")
        page = open_page(chromium, path)
        words = _check_language(page, lang)
        for e in expect:
            assert e in words, (lang, e)
        assert page.eval_on_selector("#doc", "e => e.lang") == "vi"  # the document stays Vietnamese
        # the model's 'why' hover stays on the kind cell in either language, beside the confidence column
        assert page.eval_on_selector("td.why", "e => e.title").startswith("kind ")
        page.screenshot(path=str(tmp_path / f"review_{lang}.png"))
        keep_artifact(tmp_path / f"review_{lang}.png")
        page.close()
    default = CliRunner().invoke(cli, ["show", str(SEED)])
    assert default.exit_code == 0 and '<html lang="vi">' in default.output
    english = CliRunner().invoke(cli, ["show", str(SEED), "--lang", "en"])
    assert english.exit_code == 0 and '<html lang="en">' in english.output and "Indicators (" in english.output


@needs_chromium
def test_ocr_page_panel_speaks_the_page_language(chromium, tmp_path, seed_doc):
    """The panel of OCR'd pages (issue 21) is worded from the message table like the rest."""
    from nscl_extract.schema import Page

    doc = seed_doc.model_copy(update={"pages": [Page(number=1, start=0, end=len(seed_doc.text), ocr=True,
                                                     confidence=71.5, chars=900, expected_chars=2400,
                                                     low_yield=True, turned=90, deskew=1.5)]})
    for lang, expect in (("vi", ["Các trang đọc bằng OCR (1, 1 trang", "đọc được 900 ký tự", "đã xoay 90°"]),
                         ("en", ["Pages read by OCR (1, 1 with a low yield)", "900 characters read of about 2400",
                                 "turned 90° clockwise"])):
        path = tmp_path / f"pages_{lang}.html"
        path.write_text(render_review(doc, lang=lang), encoding="utf-8")
        page = open_page(chromium, path)
        words = _check_language(page, lang)
        for e in expect:
            assert e in words, (lang, e)
        assert page.eval_on_selector("#pages .page", "e => e.classList.contains('low-yield')")
        page.close()


@needs_chromium
def test_picker_page_in_both_languages(chromium, tmp_path, seed_doc):
    jsonl = tmp_path / "out.jsonl"
    other = extract_file(ROOT / "corpus" / "004_af67a2d753eb7d0d.txt")
    jsonl.write_text("\n".join(json.dumps(d.to_json_dict(), ensure_ascii=False) for d in (seed_doc, other)) + "\n"
                     + '{"doc_id": "broken", "source": "broken.pdf", "error": "damaged PDF"}\n', encoding="utf-8")
    for lang in LANGS:
        out = tmp_path / f"picker_{lang}.html"
        r = CliRunner().invoke(cli, ["show", str(jsonl), "-o", str(out), "--lang", lang, "--gold", str(GOLD)])
        assert r.exit_code == 0, r.output
        page = open_page(chromium, out)
        _check_language(page, lang)
        frame = page.frame_locator("#viewer")
        assert frame.locator("html").get_attribute("lang") == lang  # the chosen document's page too
        page.close()


@pytest.fixture(scope="module")
def report_docs(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "s.db"
    conn = store.connect(path)
    try:
        store.ingest(conn, sorted(str(p) for p in (ROOT / "corpus").glob("*.txt")))
        return path, read_store(conn)
    finally:
        conn.close()


@needs_chromium
def test_report_page_in_vietnamese_by_default_and_in_english(chromium, tmp_path, report_docs):
    db, docs = report_docs
    for lang, expect in (("vi", ["So sánh các tỉnh", "Theo tỉnh", "Chủ đề", "Đào tạo chuyên gia"]),
                         ("en", ["Provinces compared", "By province", "Themes", "Training experts"])):
        out = tmp_path / f"report_{lang}.html"
        args = ["report", "--db", str(db), "-o", str(out)] + (["--lang", lang] if lang != "vi" else [])
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 0, r.output
        page = open_page(chromium, out)
        words = _check_language(page, lang)
        for e in expect:
            assert e in words, (lang, e)
        page.screenshot(path=str(tmp_path / f"report_{lang}.png"), full_page=False)
        keep_artifact(tmp_path / f"report_{lang}.png")
        page.close()
    assert render_report(docs, lang="en").startswith('<!DOCTYPE html>\n<html lang="en">')
