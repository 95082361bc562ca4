"""Issue 23, what a hostile or broken file does: limits before parsing (a DOCX zip bomb, a PDF page
of gigapixels), --time-limit with one worker, digits of a newer Unicode block, malformed Label
Studio exports and prediction files, a store whose creation a full disk cut, and the smaller
ones (a file of only a BOM, object addresses in error texts, a worker's BrokenPipeError, the
picker's #hash, the notebook frame's sandbox). Real files, processes, SQLite and Chromium;
the red team's reproductions as constructed inputs. Each test failed on main before the change."""
from __future__ import annotations

import copy
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from clitools import one_line, run
from click.testing import CliRunner
from docbuilders import dejavu_font, make_docx

from nscl_extract import extract
from nscl_extract.interop.exchange import label_studio_task

from pagetools import browser, needs_chromium, open_page

ROOT = Path(__file__).resolve().parents[1]
PLAN = ("Kế hoạch 191/KH-UBND về nâng cao năng suất chất lượng giai đoạn 2021-2025.\n\n"
        "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001; đào tạo 20 chuyên gia.\n")


def memory_limit(nbytes: int):
    def pre():
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    return pre


# --- 4. bombs: limits before parsing ---------------------------------------------------------------------

PARAGRAPH = "<w:p><w:r><w:t>Đến năm 2025 có 60% doanh nghiệp áp dụng ISO 9001.</w:t></w:r></w:p>".encode("utf-8")


def docx_bomb(path: Path, expanded: int) -> Path:
    """A real DOCX (python-docx) whose word/document.xml holds `expanded` bytes of paragraphs:
    a few hundred KB compressed."""
    seed = make_docx(path.with_name("seed.docx"), ["Kế hoạch năng suất"])
    with zipfile.ZipFile(seed) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, src.read(info))
                continue
            xml = src.read(info)
            head, tail = xml.split(b"<w:body>")[0] + b"<w:body>", b"</w:body>" + xml.split(b"</w:body>")[1]
            chunk = PARAGRAPH * ((1 << 20) // len(PARAGRAPH) + 1)
            with out.open("word/document.xml", "w") as f:
                f.write(head)
                for _ in range(expanded // len(chunk) + 1):
                    f.write(chunk)
                f.write(tail)
    return path


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Write a smaller uncompressed size for `member` in its local header and the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    cd = data.find(b"PK\x01\x02")  # the first central directory entry
    while cd >= 0:
        n = int.from_bytes(data[cd + 28:cd + 30], "little")
        if data[cd + 46:cd + 46 + n] == name:
            data[cd + 24:cd + 28] = declared.to_bytes(4, "little")
            local = int.from_bytes(data[cd + 42:cd + 46], "little")
            data[local + 22:local + 26] = declared.to_bytes(4, "little")
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    else:
        raise AssertionError(f"{member} not found")
    path.write_bytes(bytes(data))


def test_a_docx_that_expands_to_hundreds_of_megabytes_is_refused_before_it_is_parsed(tmp_path):
    bomb = docx_bomb(tmp_path / "bomb.docx", 200 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    start = time.monotonic()
    r = run("extract", bomb, timeout=90, preexec_fn=memory_limit(3 * 1024 ** 3))
    line = one_line(r, 1)
    assert "bomb.docx" in line and "too large: its parts expand to" in line and "word/document.xml" in line, line
    assert time.monotonic() - start < 60
    # a batch says the same in the document's error record, and goes on
    (tmp_path / "in").mkdir()
    bomb.rename(tmp_path / "in" / "bomb.docx")
    (tmp_path / "in" / "plan.txt").write_text(PLAN, encoding="utf-8")
    b = run("batch", "in", "-o", "o.jsonl", cwd=tmp_path, timeout=120, preexec_fn=memory_limit(3 * 1024 ** 3))
    recs = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert b.returncode == 1 and "too large: its parts expand to" in recs[0]["error"] and "error" not in recs[1]
    # a part that declares less than it holds is never expanded past what it declares
    liar = docx_bomb(tmp_path / "liar.docx", 200 * 1024 * 1024)
    lie_about_size(liar, "word/document.xml", 4096)
    r = run("extract", liar, timeout=90, preexec_fn=memory_limit(3 * 1024 ** 3))
    assert "liar.docx: not a readable DOCX file" in one_line(r, 1)


def test_a_pdf_page_of_gigapixels_is_not_rendered_and_the_error_names_the_page(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "huge.pdf"
    c = canvas.Canvas(str(path), pagesize=(14400, 14400))
    for _ in range(3):
        c.showPage()
    c.save()
    assert path.stat().st_size < 4096
    start = time.monotonic()
    r = run("extract", path, timeout=120, preexec_fn=memory_limit(3 * 1024 ** 3))  # a render needs 1.6 GB a page
    line = one_line(r, 1)
    for n in (1, 2, 3):
        assert f"page {n}: not rendered" in line, line
    assert "40000 x 40000 pixels at 200 dpi" in line and "over the limit" in line
    assert time.monotonic() - start < 60


def test_the_page_pixel_budget_lets_an_a0_sheet_through():
    from nscl_extract.load.ocr import DPI, PageError, check_page_pixels

    check_page_pixels(1, 2384, 3370, DPI)  # A0 at 200 dpi: 62 million pixels
    with pytest.raises(PageError, match="over the limit"):
        check_page_pixels(1, 14400, 14400, DPI)


# --- 6. --time-limit with one worker -------------------------------------------------------------------

def page_image(path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1400, 300), 255)
    ImageDraw.Draw(img).text((40, 100), "Đến năm 2025, tối thiểu 60% doanh nghiệp áp dụng ISO 9001.",
                             font=ImageFont.truetype(dejavu_font(), 36), fill=0)
    img.save(path)
    return path


@pytest.mark.skipif(not Path("/usr/bin/tesseract").exists(), reason="needs Tesseract")
def test_the_time_limit_holds_with_one_worker_while_tesseract_runs(tmp_path):
    slow = tmp_path / "slow-tesseract"
    # a real Tesseract on a slow machine: every page takes 30 s more (version checks stay quick)
    slow.write_text('#!/bin/sh\ncase "$1" in --*) exec tesseract "$@";; esac\nsleep 30\nexec tesseract "$@"\n')
    slow.chmod(0o755)
    (tmp_path / "in").mkdir()
    page_image(tmp_path / "in" / "scan.png")
    (tmp_path / "in" / "plan.txt").write_text(PLAN, encoding="utf-8")
    start = time.monotonic()
    r = run("batch", "in", "-o", "o.jsonl", "--workers", "1", "--time-limit", "3", cwd=tmp_path,
            env={"NSCL_TESSERACT": str(slow)}, timeout=120)
    elapsed = time.monotonic() - start
    assert "Traceback" not in r.stderr, r.stderr
    recs = {Path(rec["source"]).name: rec for rec in map(json.loads, (tmp_path / "o.jsonl").read_text().splitlines())}
    assert r.returncode == 1 and "too slow" in recs["scan.png"]["error"] and "error" not in recs["plan.txt"]
    assert elapsed < 25, f"a 3 s limit took {elapsed:.0f} s"


# --- 7. digits that are not ASCII -----------------------------------------------------------------------

KAWI = "".join(chr(0x11F50 + d) for d in range(10))  # Kawi digits 0-9 (Unicode 15): \d matches, float() does not
DIGIT_TEXT = (f"Kế hoạch số {KAWI[1]}/KH-UBND ngày {KAWI[2]}/{KAWI[3]}/2024.\n\n"
              f"Đến năm 202{KAWI[5]}, tối thiểu {KAWI[6]}{KAWI[0]}% doanh nghiệp áp dụng ISO 9001; "
              f"đào tạo {KAWI[2]}{KAWI[0]} chuyên gia; giai đoạn 2021-202{KAWI[5]}; "
              f"có 30% hợp tác xã áp dụng 5S.\n")


def test_a_digit_of_a_newer_unicode_block_is_no_number_and_no_crash(tmp_path):
    doc = extract(DIGIT_TEXT, "kawi")
    assert doc.text == DIGIT_TEXT
    for field in ("citations", "dates", "periods", "percentages", "counts", "indicators"):
        for m in getattr(doc, field):
            assert DIGIT_TEXT[m.start:m.end] == m.text
            assert not any(ch in KAWI for ch in m.text if field != "indicators"), (field, m.text)
    assert [p.value for p in doc.percentages] == [30.0]
    (tmp_path / "kawi.txt").write_text(DIGIT_TEXT, encoding="utf-8")
    r = run("extract", "kawi.txt", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    import spacy

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"@tokenizers": "nscl_extract.vi_tokenizer.v1"}}})
    nlp.add_pipe("nscl_extract")
    sdoc = nlp(DIGIT_TEXT)
    assert [s.text for s in sdoc.spans["nscl"] if s.label_ == "PERCENTAGE"] == ["30%"]


# --- 8. malformed exports, gold and prediction files: one line each, nothing written -----------------------

def _task() -> dict:
    task = label_studio_task(extract(PLAN, doc_id="plan"))
    task["id"] = 7
    task["annotations"] = [{"id": 1, "result": copy.deepcopy(task["predictions"][0]["result"]),
                            "was_cancelled": False, "updated_at": "2026-12-02T10:00:00Z"}]
    return task


def _region(task: dict, kind: str = "labels") -> dict:
    return next(r for r in task["annotations"][0]["result"] if r["type"] == kind)


def _mutations() -> dict[str, object]:
    """Broken exports, each a JSON-able value (or raw bytes) for the whole file."""
    def task_with(change) -> list:
        t = _task()
        change(t)
        return [t]

    deep = "[" * 100_000 + "]" * 100_000
    cases = {
        "a region without id": task_with(lambda t: _region(t).pop("id")),
        "a region without start": task_with(lambda t: _region(t)["value"].pop("start")),
        "start as a string": task_with(lambda t: _region(t)["value"].update(start="12")),
        "start as a float": task_with(lambda t: _region(t)["value"].update(start=12.0)),
        "start as true": task_with(lambda t: _region(t)["value"].update(start=True)),
        "annotations as a string": task_with(lambda t: t.update(annotations="done")),
        "an annotation that is a number": task_with(lambda t: t.update(annotations=[5])),
        "result as an object": task_with(lambda t: t["annotations"][0].update(result={"a": 1})),
        "a result item that is a string": task_with(lambda t: t["annotations"][0]["result"].append("x")),
        "value as a list": task_with(lambda t: _region(t).update(value=[1, 2])),
        "labels as a string": task_with(lambda t: _region(t)["value"].update(labels="DATE")),
        "labels holding a number": task_with(lambda t: _region(t)["value"].update(labels=[5])),
        "data as a list": task_with(lambda t: t.update(data=[t["data"]])),
        "data without text": task_with(lambda t: t["data"].pop("text")),
        "text as a number": task_with(lambda t: t["data"].update(text=5)),
        "doc_id as a number": task_with(lambda t: t["data"].update(doc_id=5)),
        "kind choices as a string": task_with(lambda t: _region(t, "choices")["value"].update(choices="target")),
        "a textarea text as a number": task_with(lambda t: _region(t, "textarea")["value"].update(text=2025)),
        "updated_at as a number": task_with(lambda t: t["annotations"][0].update(updated_at=5)),
        "was_cancelled as a string": task_with(lambda t: t["annotations"][0].update(was_cancelled="no")),
        "two annotations with ids of two types": task_with(lambda t: t["annotations"].append(
            {**copy.deepcopy(t["annotations"][0]), "id": "b", "updated_at": "2026-12-02T10:00:00Z"})),
        "a region past the end of the text": task_with(lambda t: _region(t)["value"].update(end=10 ** 9)),
        "a task that is a list": [[1, 2]],
        "an object, not a list": {"tasks": []},
        "deep nesting": deep,
        "deep nesting inside a task": "[" + json.dumps(_task())[:-1] + ', "meta": ' + deep + "}]",
        "invalid UTF-8": b'[{"data": {"text": "\xff\xfe", "doc_id": "x"}}]',
        "not JSON": b"{not json",
    }
    return cases


MUTATIONS = _mutations()


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_a_malformed_label_studio_export_is_one_line_and_nothing_written(tmp_path, name):
    from nscl_extract.cli import cli

    value = MUTATIONS[name]
    data = value if isinstance(value, bytes) else (value if isinstance(value, str) else json.dumps(value)).encode()
    export = tmp_path / "export.json"
    export.write_bytes(data)
    res = CliRunner().invoke(cli, ["gold", "import", str(export), "-o", str(tmp_path / "gold"), "--accept-predictions"])
    if res.exit_code == 0:  # a value import ignores is fine, as long as the gold it wrote is valid
        from nscl_extract.scoring.gold import read_gold_file

        assert name in ("two annotations with ids of two types",), (name, res.output)
        assert read_gold_file(tmp_path / "gold" / "plan.json").percentages
        return
    assert res.exception is None or isinstance(res.exception, SystemExit), (name, repr(res.exception))
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.exit_code == 1 and len(lines) == 1 and "export.json" in lines[0], (name, res.stderr)
    assert not (tmp_path / "gold").exists()


def test_a_prediction_that_is_no_task_result_is_one_line():
    from nscl_extract.interop.exchange import ExchangeError, task_to_gold

    t = _task()
    t["annotations"] = []
    t["predictions"] = [17]
    with pytest.raises(ExchangeError, match="task 7 .*last prediction"):
        task_to_gold(t, accept_predictions=True)
    t["predictions"] = [{"result": "all of it"}]
    with pytest.raises(ExchangeError, match="task 7"):
        task_to_gold(t, accept_predictions=True)


def test_a_fifo_as_the_export_file_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "export.json")
    r = run("gold", "import", "export.json", "-o", "gold", cwd=tmp_path, timeout=60)
    assert "not a regular file" in one_line(r, 1)
    assert not (tmp_path / "gold").exists()


@pytest.mark.parametrize("line", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 100_000 + "1" + "}" * 100_000,
                                  '{"doc_id": "x", "source": "s", "schema": "nscl-extract/1", "citations": '
                                  + "[" * 100_000 + "]" * 100_000 + "}"])
def test_score_pred_and_ingest_name_a_deeply_nested_line(tmp_path, line):
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "x.json").write_text('{"doc_id": "x"}', encoding="utf-8")
    (tmp_path / "deep.jsonl").write_text(line + "\n", encoding="utf-8")
    r = run("score", "--gold", "gold", "--pred", "deep.jsonl", cwd=tmp_path)
    assert "deep.jsonl:1:" in one_line(r, 2) and "nested too deeply" in r.stderr
    i = run("ingest", "deep.jsonl", "--db", "s.db", cwd=tmp_path)
    assert i.returncode == 1 and "Traceback" not in i.stderr and "deep.jsonl:1: not a document record" in i.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["label-studio", "doccano", "spacy"])
def test_export_to_a_full_disk_is_one_line(tmp_path, fmt):
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    r = run("export", "--format", fmt, "plan.txt", "-o", "/dev/full", cwd=tmp_path)
    assert "No space left on device" in one_line(r, 1)


# --- 9. a store whose creation a full disk cut ------------------------------------------------------------

def _file_size_limit(limit: int):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return pre


def test_a_store_whose_creation_a_full_disk_cut_is_completed_by_the_next_ingest(tmp_path):
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    for limit in range(4096, 80_000, 4096):  # cut at every point of the creation
        db = tmp_path / f"s{limit}.db"
        cut = run("ingest", "plan.txt", "--db", db, cwd=tmp_path, preexec_fn=_file_size_limit(limit))
        assert "Traceback" not in cut.stderr, cut.stderr
        again = run("ingest", "plan.txt", "--db", db, cwd=tmp_path)
        assert again.returncode == 0 and ("1 added" in again.stderr or "1 unchanged" in again.stderr), \
            (limit, cut.stderr, again.stderr)
        q = run("query", "--db", db, "--format", "json", cwd=tmp_path)
        assert q.returncode == 0 and json.loads(q.stdout), (limit, q.stderr)


def test_a_half_made_store_of_an_older_version_is_recognised_and_completed(tmp_path):
    from nscl_extract import store

    db = tmp_path / "half.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(store._schema_statements()[0])  # the documents table, then the disk was full
    conn.commit()
    conn.close()
    q = run("query", "--db", db, cwd=tmp_path)
    assert "creation was cut off" in one_line(q, 1) and "ingest" in q.stderr
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    r = run("ingest", "plan.txt", "--db", db, cwd=tmp_path)
    assert r.returncode == 0 and "1 added" in r.stderr, r.stderr
    # another program's database with a table of that name is still refused untouched
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY, invoice TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    r = run("ingest", "plan.txt", "--db", other, cwd=tmp_path)
    assert "another program's SQLite database" in one_line(r, 1) and other.read_bytes() == before


# --- smaller ones ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf \n\t\n", b"\xff\xfe", b"\xff\xfe \x00\n\x00"])
def test_a_file_of_only_a_byte_order_mark_is_an_empty_file(tmp_path, data):
    (tmp_path / "bom.txt").write_bytes(data)
    r = run("extract", "bom.txt", cwd=tmp_path)
    assert "bom.txt: empty file" in one_line(r, 1)


def test_error_texts_hold_no_object_address_so_batch_output_is_the_same_every_run(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.png").write_bytes(b"not an image at all")
    (tmp_path / "in" / "damaged.docx").write_bytes(b"PK\x03\x04 not a zip")
    outs = []
    for n in (1, 2):
        r = run("batch", "in", "-o", f"o{n}.jsonl", cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        outs.append((tmp_path / f"o{n}.jsonl").read_bytes())
    assert outs[0] == outs[1]
    assert b" object at 0x" not in outs[0] and b"cannot identify image file" in outs[0]


WORKER = """
import multiprocessing, sys
from nscl_extract.store.batch import _worker_loop

if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    if sys.argv[1] == "mid-document":
        parent.send((0, sys.argv[2]))  # a document given, then the batch is gone before the answer
    parent.close()
    p = ctx.Process(target=_worker_loop, args=(child, 10_000_000, True))
    p.start()
    child.close()
    p.join(120)
    print(p.exitcode)
"""


@pytest.mark.parametrize("when", ["before-ready", "mid-document"])
def test_a_worker_whose_batch_is_gone_exits_quietly(tmp_path, when):
    (tmp_path / "worker.py").write_text(WORKER, encoding="utf-8")
    (tmp_path / "plan.txt").write_text(PLAN, encoding="utf-8")
    r = subprocess.run([sys.executable, "worker.py", when, "plan.txt"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=180)
    assert "Traceback" not in r.stderr and "BrokenPipeError" not in r.stderr, r.stderr
    assert r.stdout.strip() == "0"


@needs_chromium
def test_a_malformed_hash_does_not_break_the_picker(tmp_path):
    docs = [extract(PLAN, doc_id=f"plan{n}") for n in (1, 2)]
    (tmp_path / "out.jsonl").write_text("".join(json.dumps(d.to_json_dict(), ensure_ascii=False) + "\n" for d in docs),
                                        encoding="utf-8")
    assert run("show", "out.jsonl", "-o", "picker.html", cwd=tmp_path).returncode == 0
    with browser() as b:
        page = b.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((tmp_path / "picker.html").resolve().as_uri() + "#%E0%A4%A")
        page.wait_for_timeout(300)
        assert not errors, errors
        assert page.locator("#picker tr.selected").count() == 1
        assert "plan1" in page.locator("#viewer").get_attribute("srcdoc")


@needs_chromium
def test_the_notebook_frame_is_sandboxed_from_the_notebook(tmp_path):
    doc = extract(PLAN, "nb")
    page_file = tmp_path / "notebook.html"
    page_file.write_text(f"<!DOCTYPE html><html><body><p id='secret'>notebook</p>{doc._repr_html_()}</body></html>",
                         encoding="utf-8")
    with browser() as b:
        page = open_page(b, page_file)
        frame = page.frames[1]
        frame.wait_for_load_state()
        assert frame.locator("#doc [data-kind]").count() > 0  # its own script and marks work
        reach = frame.evaluate("() => { try { return window.parent.document.getElementById('secret').textContent; }"
                               " catch (e) { return 'blocked'; } }")
        assert reach == "blocked"
