"""`nscl-extract report`: the cross-province page, from a store filled through the store's own
API (corpus/ ingested, plus three hand-made plans whose indicators are built by hand so the
expected counts do not depend on the indicator stage), checked as data and in a real
headless Chromium. Also runs every example of rules/themes.yml."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from nscl_extract import store
from nscl_extract.cli import cli
from nscl_extract.pipeline import extract_text
from nscl_extract.text.provinces import province_2025
from nscl_extract.pages.report import (NATIONAL, group_provinces, load_themes, read_store, render_report,
                                  share_year, themes_file)
from nscl_extract.schema import Indicator, Province

from pagetools import ROOT, browser, external_requests, keep_artifact, needs_chromium, open_page

# ---------------------------------------------------------------- rules/themes.yml examples

RULES = load_themes()
RAW = yaml.safe_load(themes_file().read_text(encoding="utf-8"))


def _theme_cases():
    for t in RAW["themes"]:
        for expect in ("match", "no_match"):
            for i, ex in enumerate((t.get("examples") or {}).get(expect) or []):
                yield pytest.param(t["id"], expect == "match", ex, id=f"{t['id']}.{expect}[{i}]")


def test_every_theme_has_examples_both_ways():
    for t in RAW["themes"]:
        ex = t.get("examples") or {}
        assert ex.get("match") and ex.get("no_match"), f"theme {t['id']} needs match and no_match examples"
    ex = RAW["enterprise_share"]["examples"]
    assert ex.get("match") and ex.get("no_match")
    assert {t.id for t in RULES.themes} >= {"experts", "management_systems", "standards_adopted"}


@pytest.mark.parametrize("theme_id, should_match, example", list(_theme_cases()))
def test_theme_example(theme_id, should_match, example):
    row = example if isinstance(example, dict) else {"text": example}
    row = {"text": row["text"], "subject": row.get("subject", ""), "unit": row.get("unit", ""),
           "standards": row.get("standards") or []}
    got = theme_id in RULES.indicator_themes(row)
    assert got == should_match, f"{theme_id}: expected {'a match' if should_match else 'no match'} for {row}"


def _share_cases():
    for expect in ("match", "no_match"):
        for i, ex in enumerate(RAW["enterprise_share"]["examples"][expect]):
            yield pytest.param(expect == "match", ex, id=f"enterprise_share.{expect}[{i}]")


@pytest.mark.parametrize("should_match, ex", list(_share_cases()))
def test_enterprise_share_example(should_match, ex):
    doc = extract_text(ex["text"], with_indicators=False)
    q = next((q for q in doc.percentages + doc.counts if q.text == ex["quantity"]), None)
    assert q is not None, f"quantity {ex['quantity']!r} not extracted from {ex['text']!r}"
    period = ex.get("period")
    row = {"text": ex["text"], "value": q.value, "value_max": q.value_max, "unit": q.unit, "comparator": q.comparator,
           "kind": ex.get("kind", "target"), "per_year": ex.get("per_year", False), "relative": ex.get("relative", False),
           "subject": ex.get("subject"), "target_year": ex.get("target_year"),
           "period_from": period[0] if period else None, "period_to": period[1] if period else None}
    assert share_year(RULES, row) == (ex["year"] if should_match else None)


# ---------------------------------------------------------------- a store to report on

PLANS = {
    "qt_plan": ("Quảng Trị",
                "KẾ HOẠCH số 12/KH-UBND ngày 01/3/2022 của UBND tỉnh Quảng Trị về nâng cao năng suất chất lượng "
                "giai đoạn 2021-2025, tầm nhìn đến năm 2030.\n\n"
                "Đến năm 2025, tối thiểu 50% doanh nghiệp sản xuất áp dụng công cụ cải tiến năng suất.\n"
                "Lào Cai: Đến năm 2025, tối thiểu 50% doanh nghiệp sản xuất áp dụng công cụ cải tiến năng suất.\n"
                "Đến năm 2030, 80% doanh nghiệp sản xuất áp dụng hệ thống quản lý tiên tiến.\n"
                "Đào tạo 10 chuyên gia năng suất chất lượng.\n"
                "Đến năm 2025, 60% sản phẩm chủ lực công bố áp dụng tiêu chuẩn, quy chuẩn kỹ thuật quốc gia.\n\n"
                "Tổng kinh phí thực hiện Kế hoạch là 2.500 triệu đồng.",
                [("tối thiểu 50%", 0, dict(kind="target", target_year=2025, period=(2021, 2025),
                                            subject="doanh nghiệp sản xuất")),
                 ("tối thiểu 50%", 1, dict(kind="target", target_year=2025, period=(2021, 2025),
                                            subject="doanh nghiệp sản xuất")),   # a repeat: counts once
                 ("80%", 0, dict(kind="target", target_year=2030, period=(2026, 2030), subject="doanh nghiệp sản xuất")),
                 ("10 chuyên gia", 0, dict(kind="target", period=(2021, 2025), subject="chuyên gia năng suất chất lượng")),
                 ("60%", 0, dict(kind="target", target_year=2025, period=(2021, 2025), subject="sản phẩm chủ lực"))]),
    "hy_plan": ("Hưng Yên",
                "Hưng Yên đặt mục tiêu đến năm 2025 có 45-47% DN công nghiệp áp dụng công cụ cải tiến năng suất; "
                "định hướng đến 2030 là 70% DN công nghiệp.\nMỗi năm tăng 10% số doanh nghiệp áp dụng ISO 9001.\n"
                "Năm 2021 đã hỗ trợ 12 doanh nghiệp áp dụng 5S.",
                [("45-47%", 0, dict(kind="target", target_year=2025, subject="DN công nghiệp")),
                 ("70%", 0, dict(kind="target", target_year=2030, subject="DN công nghiệp")),
                 ("10%", 0, dict(kind="target", per_year=True, relative=True, subject="số doanh nghiệp")),
                 ("12 doanh nghiệp", 0, dict(kind="result", subject="doanh nghiệp"))]),
    "bd_plan": ("Bình Định",
                "Kế hoạch 248/KH-UBND <script>window.__pwned = 1</script> năm 2022.\n"
                "Hỗ trợ 06 hợp tác xã nuôi tôm áp dụng VietGAP.",
                [("06 hợp tác xã", 0, dict(kind="target", subject="hợp tác xã nuôi tôm", standards=["VietGAP"]))]),
}


def _plan_doc(doc_id: str):
    province, text, specs = PLANS[doc_id]
    doc = extract_text(text, doc_id, f"handmade/{doc_id}.txt", with_indicators=False)
    doc.province = Province(name=province, name_2025=province_2025(province))
    if doc_id == "bd_plan":
        doc.title = "<script>window.__pwned = 2</script> Kế hoạch 248/KH-UBND"
    quantities = doc.percentages + doc.counts
    inds = []
    for qtext, nth, kw in specs:
        q = [q for q in quantities if q.text == qtext][nth]
        line_start = text.rfind("\n", 0, q.start) + 1
        line_end = text.find("\n", q.end)
        line_end = len(text) if line_end < 0 else line_end
        inds.append(Indicator(start=line_start, end=line_end, text=text[line_start:line_end], quantity=q, **kw))
    doc.indicators = inds
    return doc


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "nscl.db"
    conn = store.connect(path)
    try:
        seeds = sorted(str(p) for p in (ROOT / "corpus").glob("*.txt"))  # the five real documents
        summary = store.ingest(conn, seeds)
        assert summary.failed == 0, summary.failures
        assert summary.added == len(seeds)
        for doc_id in PLANS:
            assert store.store_document(conn, _plan_doc(doc_id)) == "added"
    finally:
        conn.close()
    return path


@pytest.fixture(scope="module")
def docs(db):
    conn = store.connect(db, create=False)
    try:
        return read_store(conn)
    finally:
        conn.close()


def _province(docs, name, merged=False):
    return next(p for p in group_provinces(docs, merged=merged) if p.name == name)


def test_report_counts_targets_by_theme_and_province(docs):
    qt = _province(docs, "Quảng Trị")
    assert len(qt.targets) == 4 and qt.statements == 5  # the restated 50% counts once
    assert {k: len(v) for k, v in qt.themes.items()} == {"experts": 1, "management_systems": 2, "standards_adopted": 1}
    assert [b.value for b in qt.budgets] == [2.5e9]
    assert qt.docs[0].main_period == (2021, 2025) and qt.docs[0].horizon == 2030
    assert sorted((s["year"], s["value"]) for s in qt.shares) == [(2025, 50.0), (2030, 80.0)]
    hy = _province(docs, "Hưng Yên")
    assert len(hy.targets) == 3 and len(hy.results) == 1
    assert sorted((s["year"], s["value"], s["value_max"]) for s in hy.shares) == [(2025, 45.0, 47.0), (2030, 70.0, None)]
    assert not _province(docs, "Bình Định").shares
    # corpus documents are there too, under the names they give
    names = {p.name for p in group_provinces(docs)}
    assert {"Lào Cai", "Thừa Thiên Huế", "Bắc Ninh", "Lạng Sơn", "An Giang"} <= names
    # after the 2025 merger Bình Định is part of Gia Lai
    assert "Gia Lai" in {p.name for p in group_provinces(docs, merged=True)}


def test_report_html_escapes_and_embeds_a_matplotlib_svg(docs):
    page = render_report(docs, db="test.db")
    assert page.count("<script") == 0  # the report needs no script; the document's is text
    assert "&lt;script&gt;window.__pwned = 2&lt;/script&gt;" in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "Matplotlib" in svg  # drawn by matplotlib, not by hand
    assert len(re.findall(r'<g id="share-2025-\d+"', svg)) >= 2 and len(re.findall(r'<g id="share-2030-\d+"', svg)) >= 2
    assert "Quảng Trị" in svg and "Hưng Yên" in svg  # text stays text (svg.fonttype none)


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@needs_chromium
def test_report_page_in_chromium(chromium, db, docs, tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = open_page(chromium, out, width=1400, height=1000)
    provinces = group_provinces(docs)
    expected_rows = len({d.province for d in docs if d.province}) + (1 if any(not d.province for d in docs) else 0)
    rows = page.locator("#comparison tbody tr")
    assert rows.count() == expected_rows == len(provinces)
    qt = page.locator('#comparison tbody tr[data-province="Quảng Trị"]')
    assert qt.locator('td[data-col="targets"]').inner_text() == "4"
    assert qt.locator('td[data-theme="experts"]').inner_text() == "1"
    assert qt.locator('td[data-theme="management_systems"]').inner_text() == "2"
    assert qt.locator('td[data-theme="standards_adopted"]').inner_text() == "1"
    assert "2,5 tỷ VND" in qt.locator('td[data-col="budget"]').inner_text()  # the page is in Vietnamese
    assert "12/KH-UBND" in qt.inner_text() and "2021–2025, tầm nhìn 2030" in qt.inner_text()
    for p in provinces:  # every row shows its province's distinct target count
        row = page.locator(f'#comparison tbody tr[data-province="{p.name}"]')
        assert row.locator('td[data-col="targets"]').inner_text() == str(len(p.targets)), p.name
    # the chart: an inline SVG, one mark per share target listed under it, province names as text
    svg = page.locator("#enterprise-share svg")
    assert svg.count() == 1
    marks = page.locator('#enterprise-share svg g[id^="share-"]').count()
    assert marks == sum(len(p.shares) for p in provinces) == page.locator("#share-targets tbody tr").count()
    labels = page.locator("#enterprise-share svg text").all_text_contents()
    assert any("Quảng Trị" in t for t in labels) and not any("Bình Định" in t for t in labels)
    box = svg.bounding_box()
    assert box["width"] > 400 and box["height"] > 150
    # escaping: the title with a script shows as text and runs nothing
    assert page.evaluate("window.__pwned") is None
    assert "<script>window.__pwned = 2</script>" in page.locator("#prov-binh-dinh").inner_text()
    # a theme count links to the targets it counts
    qt.locator('td[data-theme="experts"] a').click()
    target = page.locator("#prov-quang-tri-experts")
    assert target.is_visible() and "10 chuyên gia" in page.locator("#prov-quang-tri").inner_text()
    assert external_requests(page) == [] and page.errors == []
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / "report.png"))
    keep_artifact(tmp_path / "report.png")
    page.locator("#enterprise-share").screenshot(path=str(tmp_path / "report_chart.png"))
    keep_artifact(tmp_path / "report_chart.png")
    page.locator("#prov-quang-tri").screenshot(path=str(tmp_path / "report_province.png"))
    keep_artifact(tmp_path / "report_province.png")
    page.close()


def test_report_cli_errors_and_merged_grouping(db, tmp_path):
    res = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "missing.db"), "-o", str(tmp_path / "x.html")])
    assert res.exit_code != 0 and "no database" in res.output
    res = CliRunner().invoke(cli, ["report", "--db", str(db), "--merged"])
    assert res.exit_code == 0, res.output
    assert 'data-province="Gia Lai"' in res.output and 'data-province="Bình Định"' not in res.output
    assert "(sau sáp nhập 2025)" in res.output
    res = CliRunner().invoke(cli, ["report", "--db", str(db), "--merged", "--lang", "en"])
    assert "(after the 2025 merger)" in res.output and "2.5 billion VND" in res.output


def test_report_on_an_empty_store_says_why_there_is_no_chart(tmp_path):
    path = tmp_path / "empty.db"
    store.connect(path).close()
    res = CliRunner().invoke(cli, ["report", "--db", str(path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "<svg" not in res.output and "No chart: only 0 share-of-enterprises target(s)" in res.output
    assert NATIONAL not in res.output.split("<h2>By province</h2>")[1].split("<h2>")[0]
