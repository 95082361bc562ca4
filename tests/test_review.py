"""`nscl-extract show`: the review page, checked as HTML and in a real headless Chromium.

Browser tests use Debian's /usr/bin/chromium through playwright (never a downloaded browser)
and are skipped, with the reason, only when that binary is absent. Screenshots are kept in
artifacts/ at the repo root (git-ignored) for a person to look at.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from nscl_extract.cli import cli
from nscl_extract.scoring.gold import read_gold_file
from nscl_extract.pipeline import extract_file, extract_text
from nscl_extract.pages.review import MENTION_TYPES, Mark, render_marks, render_review
from nscl_extract.schema import Indicator

from pagetools import (ROOT, browser, external_requests, in_viewport, indicators_from_gold, keep_artifact,
                       needs_chromium, open_page)

SEED = "000_dd1c5792947a306a"


def seed_doc(name: str = SEED):
    """A seed document's mentions from the pipeline and its indicators built by hand from gold,
    so the page tests do not depend on the indicator stage."""
    doc = extract_file(ROOT / "corpus" / f"{name}.txt", with_indicators=False)
    gold = read_gold_file(ROOT / "gold" / f"{name}.json")
    doc.indicators = indicators_from_gold(doc, gold)
    return doc, gold


def n_mentions(doc) -> int:
    return sum(len(getattr(doc, t)) for t in MENTION_TYPES)


# ---------------------------------------------------------------- the span renderer, without a browser


class _Tree(HTMLParser):
    """Checks that spans are well nested and collects the text and the fragments of each id."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.text, self.first, self.fragments = [], [], {}, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append(tag)
        ref = a.get("data-ref")
        self.fragments[ref] = self.fragments.get(ref, 0) + 1
        if "data-first" in a:
            self.first[ref] = self.first.get(ref, 0) + 1

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Tree:
    t = _Tree()
    t.feed(fragment)
    t.close()
    assert not t.stack
    return t


def test_render_marks_nested_crossing_and_identical_spans_keep_the_text():
    text = "Đến năm 2025, tối thiểu 60% doanh nghiệp <b> & \"x\"\r\nhết."
    marks = [
        Mark(0, 40, "ind-0", "indicator", ["ind"], "outer", 0),        # the clause
        Mark(14, 27, "percentage-0", "percentage", ["m"], "inner"),    # nested inside
        Mark(24, 45, "miss-0", "miss", ["miss"], "crosses the clause end", 1),
        Mark(14, 27, "miss-1", "miss", ["miss"], "same extent as a mention", 1),
        Mark(50, 50, "empty", "count", ["m"], "empty span: left out"),
        Mark(40, 99, "out", "count", ["m"], "outside the text: left out"),
    ]
    out = render_marks(text, marks)
    tree = _parse(out)
    assert "".join(tree.text) == text
    assert tree.first == {"ind-0": 1, "percentage-0": 1, "miss-0": 1, "miss-1": 1}
    # split where the enclosing percentage ends (27) and where the clause ends (40)
    assert tree.fragments["miss-0"] == 3
    assert tree.fragments["ind-0"] == 1 and tree.fragments["percentage-0"] == 1
    assert "&lt;b&gt;" in out and '&amp; "x"&#13;\n' in out
    # same extent: the miss (layer 1) wraps the mention (layer 2)
    assert out.index('data-ref="miss-1"') < out.index('data-ref="percentage-0"')


def test_render_marks_many_random_overlaps_stay_well_formed():
    import random

    rnd = random.Random(7)
    text = "Tỉnh phấn đấu đạt 100% doanh nghiệp, hợp tác xã áp dụng ISO 9001:2015 " * 3
    for trial in range(200):
        marks = []
        for k in range(rnd.randint(1, 8)):
            s = rnd.randrange(len(text))
            e = rnd.randint(s + 1, min(len(text), s + 40))
            marks.append(Mark(s, e, f"x-{k}", "count", ["m"], "", rnd.randint(0, 2)))
        tree = _parse(render_marks(text, marks))
        assert "".join(tree.text) == text
        assert tree.first == {m.id: 1 for m in marks}


def test_page_escapes_document_text_and_attributes():
    text = ('Kế hoạch số 12/KH-UBND <script>window.__pwned = 1</script> "trích dẫn" & <img src=x onerror=alert(1)>.\n'
            "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.")
    doc = extract_text(text, "esc<doc>", "a<b>.txt", title="<i>tiêu đề</i>", with_indicators=False)
    page = render_review(doc)
    assert page.count("<script>") == 1  # only the page's own click script
    assert "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert "&lt;i&gt;tiêu đề&lt;/i&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from anywhere


def test_gold_view_counts_misses_and_spurious_like_the_scorer():
    from nscl_extract.scoring.score import score_document

    doc, gold = seed_doc()
    dropped = doc.indicators.pop(0)
    q = doc.percentages[-1]
    doc.indicators.append(Indicator(start=q.start, end=q.end, text=q.text, quantity=q, kind="result"))
    page = render_review(doc, gold, lang="en")
    ds = score_document(gold, doc)
    n_miss = sum(p.fn for p in ds.types.values()) + ds.indicators.key.fn
    n_spurious = sum(p.fp for p in ds.types.values()) + ds.indicators.key.fp
    assert len(re.findall(r'<tr class="st-miss"', page)) == n_miss
    assert f"{n_spurious} spurious" in page
    assert f"quote: {dropped.text}" in page  # the dropped indicator is listed as a missed gold quote
    vi = render_review(doc, gold)  # the default page says the same in Vietnamese
    assert f"{n_spurious} thừa" in vi and f"trích: {dropped.text}" in vi


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _page_of(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def _check_counts(page, doc, n_miss: int = 0) -> None:
    assert page.locator('#doc [data-first][data-kind="indicator"]').count() == len(doc.indicators)
    assert page.locator('#doc [data-first]:not([data-kind="indicator"]):not([data-kind="miss"])').count() == n_mentions(doc)
    for t, (kind, _) in MENTION_TYPES.items():
        assert page.locator(f'#doc [data-first][data-kind="{kind}"]').count() == len(getattr(doc, t)), t
    assert page.locator('#doc [data-first][data-kind="miss"]').count() == n_miss
    assert page.locator("#indicators tbody tr[data-target]").count() == len(doc.indicators)


@needs_chromium
def test_review_page_in_chromium_highlights_every_item_and_row_click_scrolls_and_flashes(chromium, tmp_path):
    doc, _ = seed_doc()
    assert len(doc.indicators) >= 15 and n_mentions(doc) >= 30
    page = open_page(chromium, _page_of(tmp_path, "review.html", render_review(doc)))
    _check_counts(page, doc)
    # Vietnamese text intact: the text of the document pane is the document, character for character
    assert page.eval_on_selector("#doc", "e => e.textContent") == doc.text
    assert page.title().startswith("Lào Cai: Đến năm 2025")
    # the last indicator is far below the first screen: a click brings it into view and flashes it
    n = len(doc.indicators) - 1
    target = page.locator(f"#ind-{n}")
    assert not in_viewport(target.bounding_box(), page.viewport_size)
    page.locator(f"#row-ind-{n}").click()
    assert in_viewport(target.bounding_box(), page.viewport_size)
    assert "flash" in target.get_attribute("class").split()
    assert "selected" in page.locator(f"#row-ind-{n}").get_attribute("class").split()
    page.screenshot(path=str(tmp_path / "review_clicked.png"))
    keep_artifact(tmp_path / "review_clicked.png")
    # and back up to the first one
    page.locator("#row-ind-0").click()
    assert in_viewport(page.locator("#ind-0").bounding_box(), page.viewport_size)
    assert "flash" in page.locator("#ind-0").get_attribute("class").split()
    assert "flash" not in target.get_attribute("class").split()
    # a legend click hides a type's highlight and shows it again
    page.locator('.legend li[data-kind="percentage"]').click()
    assert page.eval_on_selector("#doc", "e => e.classList.contains('hide-percentage')")
    page.locator('.legend li[data-kind="percentage"]').click()
    page.evaluate("document.querySelector('#doc').scrollIntoView()")
    page.locator("main .pane").first.evaluate("e => e.scrollTop = 0")
    page.screenshot(path=str(tmp_path / "review.png"))
    keep_artifact(tmp_path / "review.png")
    assert external_requests(page) == [] and page.errors == []
    page.close()


@needs_chromium
def test_review_page_with_gold_marks_misses_and_spurious(chromium, tmp_path):
    doc, gold = seed_doc()
    doc.indicators.pop(0)  # the headline target: a miss
    # a wrong comparator: no gold indicator has that key, so it is spurious (and its gold a miss)
    wrong = doc.indicators[-1]
    doc.indicators[-1] = wrong.model_copy(update={"quantity": wrong.quantity.model_copy(update={"comparator": "approx"})})
    html = render_review(doc, gold)
    page = open_page(chromium, _page_of(tmp_path, "review_gold.html", html))
    n_miss_rows = page.locator("#misses tbody tr.st-miss").count()
    located = page.locator("#misses tbody tr.st-miss[data-target]").count()
    assert n_miss_rows >= 2
    _check_counts(page, doc, n_miss=located)
    assert page.eval_on_selector("#doc", "e => e.textContent") == doc.text
    headline = page.locator('#doc [data-first][data-kind="miss"][data-type="indicators"]').first
    assert headline.text_content() == gold.indicators[0].quote
    assert page.locator('#doc .ind.spurious[data-first]').count() == 1
    assert page.locator("#indicators tr.st-spurious").count() == 1
    # a miss row scrolls to the missed quote too
    page.locator("#misses tbody tr[data-target]").last.click()
    last_miss = page.locator("#misses tbody tr[data-target]").last.get_attribute("data-target")
    assert in_viewport(page.locator(f"#{last_miss}").bounding_box(), page.viewport_size)
    page.locator("main .pane").first.evaluate("e => e.scrollTop = 0")
    page.screenshot(path=str(tmp_path / "review_gold.png"))
    keep_artifact(tmp_path / "review_gold.png")
    assert external_requests(page) == [] and page.errors == []
    page.close()


@needs_chromium
def test_script_in_document_is_shown_as_text_not_run(chromium, tmp_path):
    text = ("Kế hoạch <script>window.__pwned = 1; document.title = 'pwned'</script> năm 2022.\n"
            "<b>Đến năm 2025</b>, tối thiểu 60% doanh nghiệp <img src=x onerror=\"window.__pwned=2\">.")
    doc = extract_text(text, "script-doc", "script.txt", with_indicators=False)
    q = doc.percentages[0]
    doc.indicators = [Indicator(start=text.index("<b>"), end=q.end + 12, text=text[text.index("<b>"):q.end + 12],
                                quantity=q, kind="target", target_year=2025)]
    page = open_page(chromium, _page_of(tmp_path, "review_script.html", render_review(doc)))
    assert page.evaluate("window.__pwned") is None
    assert page.title() != "pwned"
    assert page.locator("#doc script, #doc img, #doc b").count() == 0
    assert "<script>window.__pwned = 1;" in page.eval_on_selector("#doc", "e => e.textContent")
    assert page.eval_on_selector("#doc", "e => e.textContent") == text
    _check_counts(page, doc)
    page.screenshot(path=str(tmp_path / "review_script.png"))
    keep_artifact(tmp_path / "review_script.png")
    page.close()


@needs_chromium
@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "corpus").glob("*.txt")))
def test_show_cli_on_pipeline_output(chromium, tmp_path, name):
    """Whatever the pipeline extracts today, `show` highlights each item exactly once."""
    out = tmp_path / f"{name}.html"
    res = CliRunner().invoke(cli, ["show", str(ROOT / "corpus" / f"{name}.txt"), "-o", str(out),
                                   "--gold", str(ROOT / "gold" / f"{name}.json")])
    assert res.exit_code == 0, res.output
    doc = extract_file(ROOT / "corpus" / f"{name}.txt")
    page = open_page(chromium, out)
    assert page.locator('#doc [data-first][data-kind="indicator"]').count() == len(doc.indicators)
    assert page.locator('#doc [data-first]:not([data-kind="indicator"]):not([data-kind="miss"])').count() == n_mentions(doc)
    assert page.eval_on_selector("#doc", "e => e.textContent") == doc.text
    assert external_requests(page) == [] and page.errors == []
    page.close()


def test_show_cli_reads_extract_json_and_writes_stdout(tmp_path):
    doc, _ = seed_doc("004_af67a2d753eb7d0d")
    js = tmp_path / "004.json"
    js.write_text(json.dumps(doc.to_json_dict(), ensure_ascii=False), encoding="utf-8")
    res = CliRunner().invoke(cli, ["show", str(js)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("<!DOCTYPE html>") and "An Giang" in res.output
    assert res.output.count('data-kind="indicator" id="ind-') == len(doc.indicators)
    no_text = tmp_path / "no_text.json"
    no_text.write_text(json.dumps(doc.to_json_dict(with_text=False)), encoding="utf-8")
    res = CliRunner().invoke(cli, ["show", str(no_text)])
    assert res.exit_code != 0 and "no text" in res.output
