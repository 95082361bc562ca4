"""Issue 15: the commands as a shell script or a CI job uses them, through the installed console
script (a real process): exit statuses, "-o -", bad outputs, --quiet/--verbose, progress on a
terminal, empty inputs, --help examples, CSV for Excel, score thresholds; and the pages that
read saved output (show on batch JSONL, the report's budget column) in a real Chromium."""
from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from nscl_extract import store
from nscl_extract.pages.report import read_store
from nscl_extract.store import QUERY_COLUMNS

from test_cli import _command as _script

from pagetools import ROOT, browser, external_requests, keep_artifact, needs_chromium, open_page

SEED = ROOT / "corpus" / "000_dd1c5792947a306a.txt"
SEED4 = ROOT / "corpus" / "004_af67a2d753eb7d0d.txt"
PLAN = ("Kế hoạch 191/KH-UBND về nâng cao năng suất chất lượng giai đoạn 2021-2025.\n\n"
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n"
        "Mỗi năm tăng 10% số doanh nghiệp áp dụng công cụ cải tiến.\n")
COMMANDS = ["extract", "batch", "ingest", "query", "show", "report", "score", "gold check"]


def run(*args, cwd=None, db=None, input: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    if db is not None:
        env["NSCL_EXTRACT_DB"] = str(db)
    r = subprocess.run([*_script(), *map(str, args)], capture_output=True, cwd=cwd, env=env, input=input, timeout=300)
    r.out, r.err = r.stdout.decode("utf-8"), r.stderr.decode("utf-8")
    assert "Traceback" not in r.err, r.err
    return r


@pytest.fixture
def plan(tmp_path) -> Path:
    p = tmp_path / "plan.txt"
    p.write_text(PLAN, encoding="utf-8")
    return p


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize("command", [
    ["extract", "{plan}"], ["batch", "{plan}"], ["show", "{plan}"], ["show", "{missing}"], ["report"], ["query"],
    ["extract", "--format", "csv", "{plan}"], ["export", "--format", "doccano", "{plan}"]])
def test_bad_output_is_one_line_and_exit_2_before_any_work(tmp_path, plan, command):
    db = tmp_path / "nscl.db"
    store.connect(db).close()
    args = [a.format(plan=plan, missing=tmp_path / "no-such-input.txt") for a in command]
    r = run(*args, "-o", tmp_path / "no-such-folder" / "out.x", db=db)
    assert r.returncode == 2, r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "no-such-folder" in lines[0] and "no such folder" in lines[0], r.err
    assert r.out == ""
    # checked before the work: the missing input of "show" is never reached
    assert "no-such-input" not in r.err


def test_dash_output_is_stdout_everywhere(tmp_path, plan):
    db = tmp_path / "nscl.db"
    r = run("extract", plan, "-o", "-", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.out)["doc_id"] == "plan"
    r = run("batch", plan, SEED4, "-o", "-", "--no-text", cwd=tmp_path)
    assert r.returncode == 0, r.err
    assert [json.loads(line)["doc_id"] for line in r.out.splitlines()] == [Path(p).stem for p in sorted([str(plan), str(SEED4)])]
    r = run("show", plan, "-o", "-", cwd=tmp_path)
    assert r.returncode == 0 and r.out.startswith("<!DOCTYPE html>")
    assert run("ingest", plan, db=db).returncode == 0
    r = run("query", "--format", "json", "-o", "-", db=db, cwd=tmp_path)
    assert r.returncode == 0 and {row["doc_id"] for row in json.loads(r.out)} == {"plan"}
    r = run("report", "-o", "-", db=db, cwd=tmp_path)
    assert r.returncode == 0 and r.out.startswith("<!DOCTYPE html>")
    assert not (tmp_path / "-").exists()


def test_quiet_and_verbose(tmp_path, plan):
    db = tmp_path / "nscl.db"
    out = tmp_path / "out.json"
    assert "wrote" in run("extract", plan, "-o", out).err
    r = run("extract", plan, "-o", out, "--quiet")
    assert r.returncode == 0 and r.err == "" and json.loads(out.read_text(encoding="utf-8"))["doc_id"] == "plan"
    r = run("extract", plan, tmp_path / "missing.txt", "-q", "-o", out)
    assert r.returncode == 1 and "missing.txt" in r.err  # errors still show
    r = run("extract", plan, "-v", "-o", out)
    assert re.search(rf"{re.escape(str(plan))}: \d+ indicators", r.err), r.err
    assert run("ingest", plan, db=db).returncode == 0
    again = run("ingest", plan, "-v", db=db)
    assert again.returncode == 0 and "unchanged" in again.err and "ingest: 0 added" in again.err
    silent = run("ingest", plan, "-q", db=db)
    assert silent.returncode == 0 and silent.err == ""


def _on_a_terminal(*args, cwd=None, db=None) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal (stdout a pipe); returns (status, what stderr showed)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"TERM": "xterm", "COLUMNS": "120"})
    if db is not None:
        env["NSCL_EXTRACT_DB"] = str(db)
    master, slave = pty.openpty()
    proc = subprocess.Popen([*_script(), *map(str, args)], stdout=subprocess.PIPE, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.stdout.read()
    status = proc.wait(timeout=300)
    os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bars_on_a_terminal_only(tmp_path, plan):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(plan, corpus / "a.txt")
    shutil.copy(SEED4, corpus / "b.txt")
    status, shown = _on_a_terminal("ingest", corpus, db=tmp_path / "t.db")
    assert status == 0 and "ingesting" in shown and "2/2" in shown, shown
    piped = run("ingest", corpus, db=tmp_path / "p.db")
    assert piped.returncode == 0 and "ingesting" not in piped.err
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "a.json").write_text(json.dumps({"doc_id": "a", "percentages": [60, 10]}), encoding="utf-8")
    status, shown = _on_a_terminal("score", "--gold", gold, "--corpus", corpus)
    assert status == 0 and "scoring" in shown and "1/1" in shown, shown
    status, shown = _on_a_terminal("extract", corpus / "a.txt", corpus / "b.txt", "-o", tmp_path / "ab.jsonl")
    assert status == 0 and "extracting" in shown and "2/2" in shown, shown
    status, shown = _on_a_terminal("ingest", corpus, "--quiet", db=tmp_path / "q.db")
    assert status == 0 and "ingesting" not in shown


def test_empty_input_is_an_error(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["batch", empty, "-o", tmp_path / "o.jsonl"], ["batch", tmp_path / "*.pdf", "-o", tmp_path / "o.jsonl"],
                 ["ingest", empty], ["score", "--gold", empty, "--corpus", empty]):
        r = run(*args, db=tmp_path / "nscl.db")
        assert r.returncode == 1, (args, r.err)
        assert "no input" in r.err or "nothing to ingest" in r.err or "no gold files" in r.err, (args, r.err)


def test_help_has_examples():
    for command in COMMANDS:
        r = run(*command.split(), "--help")
        assert r.returncode == 0
        examples = r.out.split("Examples:")[1]
        assert f"nscl-extract {command}" in examples, command
        assert "--quiet" in r.out and "--verbose" in r.out, command


# ---------------------------------------------------------------- CSV, query, ingest


def test_extract_csv_booleans_and_excel_bom(tmp_path, plan):
    r = run("extract", "--format", "csv", plan)
    assert r.returncode == 0 and not r.out.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert list(rows[0]) == QUERY_COLUMNS
    assert {row["per_year"] for row in rows} == {"true", "false"}  # the yearly 10% and the others
    assert all(row["relative"] in ("true", "false") for row in rows)
    assert any(row["unit"] == "chuyên gia" for row in rows)
    out = tmp_path / "plan.csv"
    r = run("extract", "--format", "csv", "--excel", plan, "-o", out)
    raw = out.read_bytes()
    assert r.returncode == 0 and raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))[0]["doc_id"] == "plan"
    assert "chuyên gia" in raw.decode("utf-8-sig")
    assert run("extract", "--excel", plan).returncode == 2  # --excel without csv is a usage error


def test_ingest_prints_what_it_stored_and_query_selects_one_document(tmp_path, plan):
    db = tmp_path / "nscl.db"
    r = run("ingest", plan, SEED4, db=db)
    assert r.returncode == 0, r.err
    assert sorted(r.out.splitlines()) == sorted([f"added\t004_af67a2d753eb7d0d\t{SEED4}", f"added\tplan\t{plan}"])
    plan.write_text(PLAN + "Đào tạo 30 chuyên gia.\n", encoding="utf-8")
    assert run("ingest", plan, db=db).out == f"replaced\tplan\t{plan}\n"
    r = run("query", "--doc", "plan", "--format", "json", db=db)
    rows = json.loads(r.out)
    assert rows and {row["doc_id"] for row in rows} == {"plan"}
    assert {row["doc_id"] for row in json.loads(run("query", "--doc", str(SEED4), "--format", "json", db=db).out)} \
        == {"004_af67a2d753eb7d0d"}
    r = run("query", "--format", "csv", "--excel", db=db)
    assert r.stdout.startswith(b"\xef\xbb\xbf") and "true" in r.out or "false" in r.out
    missing = run("query", "--doc", "nope", db=db)
    assert missing.returncode != 0 and "no document 'nope'" in missing.err


# ---------------------------------------------------------------- score for CI


def _gold(folder: Path, doc_id: str, **fields) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{doc_id}.json").write_text(json.dumps({"doc_id": doc_id, **fields}, ensure_ascii=False), encoding="utf-8")


def test_score_fail_under_and_missing_documents(tmp_path, plan):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(plan, corpus / "plan.txt")
    gold = tmp_path / "gold"
    _gold(gold, "plan", citations=["191/KH-UBND"], periods=[[2021, 2025]], percentages=[60, 10],
          counts=[[20, "chuyên gia"]], indicators=[
              {"quote": "tối thiểu 60% doanh nghiệp", "value": 60, "unit": "%", "comparator": "gte", "kind": "target",
               "target_year": 2025, "period": [2021, 2025], "subject": "doanh nghiệp áp dụng ISO 9001"},
              {"quote": "đào tạo 20 chuyên gia", "value": 20, "unit": "chuyên gia", "kind": "target",
               "target_year": 2030, "subject": "chuyên gia"}])
    ok = run("score", "--gold", gold, "--corpus", corpus, "--fail-under", "citations=1", "--fail-under", "key=0.5")
    assert ok.returncode == 0, ok.out + ok.err
    low = run("score", "--gold", gold, "--corpus", corpus, "--fail-under", "strict=0.99", "--fail-under", "subject=0.99",
              "--fail-under", "citations.f1=0.5")
    assert low.returncode == 1
    assert "FAIL indicators.strict.f1" in low.err and "FAIL indicators.subject" in low.err and "citations" not in low.err
    bad = run("score", "--gold", gold, "--corpus", corpus, "--fail-under", "strictness=0.8")
    assert bad.returncode == 2 and "strictness" in bad.err
    # the subject: a column per document, and in --details labelled gold and pred
    details = run("score", "--gold", gold, "--corpus", corpus, "--details")
    assert "subj" in details.out
    assert "mismatch gold: " in details.out and "pred: " in details.out and "subject differs" in details.out
    # the wrong folder: every document missing is an error, unless --allow-missing
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = run("score", "--gold", gold, "--corpus", elsewhere)
    assert missing.returncode == 1 and "1 of 1 gold documents have no document" in missing.err
    assert run("score", "--gold", gold, "--corpus", elsewhere, "--allow-missing").returncode == 0
    pred = tmp_path / "pred.jsonl"
    pred.write_text("", encoding="utf-8")
    assert run("score", "--gold", gold, "--pred", pred).returncode == 1
    assert run("score", "--gold", gold, "--pred", pred, "--allow-missing").returncode == 0


# ---------------------------------------------------------------- show on saved output


def test_show_rejects_files_it_cannot_read(tmp_path):
    bad = tmp_path / "out.jsonl"
    bad.write_text('{"schema": "nscl-extract/1", "doc_id": "a"}\nnot json\n', encoding="utf-8")
    r = run("show", bad)
    assert r.returncode != 0 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1 and f"{bad}:1" in r.err
    other = tmp_path / "other.json"
    other.write_text('{"hello": 1}', encoding="utf-8")
    r = run("show", other)
    assert r.returncode != 0 and "not the JSON of extracted documents" in r.err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = run("show", empty)
    assert r.returncode != 0 and "no documents" in r.err


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@needs_chromium
def test_show_batch_jsonl_one_document_or_a_picker(chromium, tmp_path, plan):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("Kế hoạch <script>window.__pwned = 1</script> năm 2022: tối thiểu 60% doanh nghiệp.",
                       encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("batch", plan, SEED, hostile, tmp_path / "gone.txt", "-o", out).returncode == 1  # gone.txt: error record
    docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 4
    good = [d for d in docs if "error" not in d]
    # --doc: the review page of that one document
    one = run("show", out, "--doc", "plan")
    assert one.returncode == 0 and one.out.startswith("<!DOCTYPE html>") and 'id="picker"' not in one.out
    assert one.out.count('data-kind="indicator" id="ind-') == len(good[[d["doc_id"] for d in good].index("plan")]["indicators"])
    # several: a picker
    page_file = tmp_path / "review.html"
    r = run("show", out, "-o", page_file)
    assert r.returncode == 0, r.err
    page = open_page(chromium, page_file)
    assert page.locator("#picker tbody tr").count() == 4
    assert page.locator("#picker tbody tr.error").count() == 1
    assert "gone" in page.locator("#picker tbody tr.error").inner_text()
    frame = page.frame_locator("#viewer")
    first = good[0]
    assert page.locator("#picker tr.selected").get_attribute("data-doc") == first["doc_id"]
    assert frame.locator("#doc").text_content() == first["text"]
    seed = next(d for d in good if d["doc_id"] == SEED.stem)
    page.locator(f'#picker tr[data-doc="{SEED.stem}"]').click()
    assert frame.locator("#doc").text_content() == seed["text"]
    assert frame.locator('#doc [data-first][data-kind="indicator"]').count() == len(seed["indicators"]) > 3
    # the review page works inside the frame: a row click flashes its clause
    last = len(seed["indicators"]) - 1
    frame.locator(f"#row-ind-{last}").click()
    assert "flash" in frame.locator(f"#ind-{last}").get_attribute("class").split()
    page.screenshot(path=str(tmp_path / "show_picker.png"))
    keep_artifact(tmp_path / "show_picker.png")
    # the hostile document's script is text in its frame, run nowhere
    page.locator('#picker tr[data-doc="hostile"]').click()
    assert "<script>window.__pwned = 1</script>" in frame.locator("#doc").text_content()
    assert frame.locator("#doc script").count() == 0
    assert page.evaluate("window.__pwned") is None
    # the filter box hides documents that do not match
    page.locator("#filter").fill("hostile")
    assert page.locator("#picker tbody tr:not(.hidden)").count() == 1
    assert external_requests(page) == [] and page.errors == []
    page.close()


# ---------------------------------------------------------------- the amount role and the report


BUDGET_DOC = ("Kế hoạch 55/KH-UBND của UBND tỉnh Quảng Ngãi giai đoạn 2021-2025.\n\n"
              "Năm 2020, tổng sản phẩm trên địa bàn (GRDP) của tỉnh đạt 349.505 tỷ đồng; thu ngân sách đạt 21.000 tỷ đồng.\n\n"
              "Đến năm 2025, tối thiểu 50% doanh nghiệp áp dụng công cụ cải tiến năng suất.\n\n"
              "Tổng kinh phí thực hiện Kế hoạch là 1.200 triệu đồng.")


@needs_chromium
def test_report_budget_column_takes_only_budgets(chromium, tmp_path):
    src = tmp_path / "qn_plan.txt"
    src.write_text(BUDGET_DOC, encoding="utf-8")
    db = tmp_path / "nscl.db"
    assert run("ingest", src, db=db).returncode == 0
    data = json.loads(run("extract", src).out)
    assert [(a["value"], a["role"]) for a in data["amounts"]] == [(349505e9, "economic"), (21000e9, "revenue"),
                                                                   (1.2e9, "budget")]
    conn = store.connect(db, create=False)
    try:
        (doc,) = read_store(conn)
    finally:
        conn.close()
    assert [b.value for b in doc.budgets] == [1.2e9]
    out = tmp_path / "report.html"
    assert run("report", "-o", out, "--lang", "en", db=db).returncode == 0
    page = open_page(chromium, out)
    cell = page.locator('#comparison tbody tr[data-province="Quảng Ngãi"] td[data-col="budget"]')
    assert cell.inner_text().strip() == "1.2 billion VND"
    assert "349" not in page.locator("#prov-quang-ngai").inner_text().split("Budget figures")[1]
    assert external_requests(page) == [] and page.errors == []
    page.close()
