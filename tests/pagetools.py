"""Shared by the page tests (review, report): a real headless Chromium, screenshots kept as
artifacts, and indicators built by hand from gold quotes (the pipeline may not produce any yet)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from nscl_extract.schema import Document, Indicator

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="no /usr/bin/chromium (apt-get install chromium fonts-dejavu-core); "
                                           "browser tests never download a browser")


@contextmanager
def browser():
    """Debian's Chromium driven by playwright; never a downloaded browser."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(b, path: Path, width: int = 1400, height: int = 900):
    """Open a local page; every request it makes is recorded in page.requests (file: expected only)."""
    page = b.new_page(viewport={"width": width, "height": height})
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    return page


def external_requests(page) -> list[str]:
    return [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))]


def keep_artifact(path: Path) -> Path:
    """Copy a screenshot (or page) into artifacts/ at the repo root (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    dest = ARTIFACTS / path.name
    shutil.copyfile(path, dest)
    return dest


def in_viewport(box: dict | None, viewport: dict) -> bool:
    return (box is not None and box["width"] > 0 and box["height"] > 0 and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= viewport["height"] and box["x"] + box["width"] <= viewport["width"])


def indicators_from_gold(doc: Document, gold) -> list[Indicator]:
    """Indicators as a hand labeller would record them: the clause is the gold quote, the quantity
    the extracted percentage or count inside it with the gold value. Gold items whose quantity
    was not extracted are left out."""
    text = doc.text or ""
    out, used = [], set()
    quantities = doc.percentages + doc.counts
    for g in gold.indicators:
        k = text.find(g.quote)
        while k >= 0 and k in used:
            k = text.find(g.quote, k + 1)
        if k < 0:
            continue
        s, e = k, k + len(g.quote)
        q = next((q for q in quantities if s <= q.start and q.end <= e and q.value == g.value
                  and q.value_max == g.value_max), None)
        if q is None:
            continue
        used.add(k)
        out.append(Indicator(start=s, end=e, text=text[s:e], quantity=q, kind=g.kind, target_year=g.target_year,
                             period=g.period, per_year=g.per_year, relative=g.relative, subject=g.subject,
                             action=g.action, standards=list(g.standards)))
    out.sort(key=lambda i: (i.start, i.end))
    return out
