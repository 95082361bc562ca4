"""Issue 11, store and command side: identity, foreign and broken databases, snapshots, FIFOs,
bad JSON and bad output paths, with real SQLite files, FIFOs and subprocesses. Each test
failed before its fix."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docbuilders import CORPUS, seed_text

from nscl_extract import store
from nscl_extract.cli import cli

CLI = [sys.executable, "-m", "nscl_extract.cli"]
SEEDS = sorted(CORPUS.glob("*.txt"))


def run_cli(*args, cwd=None, env=None, timeout=120):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)


def one_clear_line(r, code=None) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode != 0 if code is None else r.returncode == code, r.stderr
    return r.stderr


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- 1. identity in the store: doc_id is the stem, held by one file --------------------------------------

def test_ingest_of_two_files_with_one_stem_refuses_the_second_loudly(tmp_path):
    for folder, seed in (("a", SEEDS[0]), ("b", SEEDS[1])):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plan.txt").write_bytes(seed.read_bytes())
    (tmp_path / "b" / "plan.html").write_text(f"<html><body><p>{seed_text(SEEDS[2].stem)}</p></body></html>",
                                              encoding="utf-8")
    r = run_cli("ingest", "a", "b", "--db", "s.db", cwd=tmp_path)
    one_clear_line(r, 1)
    assert "1 added" in r.stderr and "2 failed" in r.stderr
    assert "b/plan.txt: doc_id 'plan' is already in the store for a/plan.txt" in r.stderr
    assert "b/plan.html: doc_id 'plan' is already in the store for a/plan.txt" in r.stderr
    conn = sqlite3.connect(tmp_path / "s.db")
    assert conn.execute("SELECT source FROM documents").fetchall() == [("a/plan.txt",)]
    conn.close()
    # the same file typed another way is the same document
    again = run_cli("ingest", f"{tmp_path}/a/../a/plan.txt", "--db", "s.db", cwd=tmp_path)
    assert again.returncode == 0 and "1 unchanged" in again.stderr, again.stderr


def test_score_refuses_two_documents_under_one_doc_id_and_names_the_lines(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "plan.json").write_text(json.dumps({"doc_id": "plan"}), encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "plan.txt").write_bytes(SEEDS[0].read_bytes())
    (tmp_path / "b" / "plan.txt").write_bytes(SEEDS[1].read_bytes())
    # what batch writes: the second file gets an error record; score takes the document, says so
    assert run_cli("batch", "a", "b", "-o", "pred.jsonl", cwd=tmp_path).returncode == 1
    r = run_cli("score", "--gold", "gold", "--pred", "pred.jsonl", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert any("error record for plan, which line 1 has as a document" in e for e in json.loads(r.stdout)["errors"])
    # two documents under one doc_id (two batch outputs concatenated): refused, both lines named
    lines = (tmp_path / "pred.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "twice.jsonl").write_text(lines[0] + "\n" + lines[0] + "\n", encoding="utf-8")
    r = run_cli("score", "--gold", "gold", "--pred", "twice.jsonl", cwd=tmp_path)
    assert one_clear_line(r, 2) and "twice.jsonl:2: doc_id plan is also the document of line 1" in r.stderr


# --- 10. a reader reads one snapshot ----------------------------------------------------------------------

def test_report_reads_one_snapshot_while_an_ingest_commits(tmp_path, monkeypatch):
    from nscl_extract.pipeline import extract_file

    path = tmp_path / "s.db"
    writer = store.connect(path)
    assert store.ingest(writer, [str(SEEDS[0])]).added == 1
    newcomer = extract_file(SEEDS[2])
    assert newcomer.periods, "the document committed mid-read must have a period mention"
    real_connect = store.connect
    fired = []

    def connect_and_commit_mid_read(*a, **k):
        conn = real_connect(*a, **k)

        def between_queries(sql):  # the report's second query starts: an ingest commits now
            if "type = 'period'" in sql and not fired:
                fired.append(store.store_document(writer, newcomer))
        conn.set_trace_callback(between_queries)
        return conn

    monkeypatch.setattr(store, "connect", connect_and_commit_mid_read)
    res = CliRunner().invoke(cli, ["report", "--db", str(path)])
    writer.close()
    assert fired == ["added"]
    assert res.exit_code == 0, res.output
    assert SEEDS[0].stem in res.output and SEEDS[2].stem not in res.output


# --- 13. only our own store, opened as asked ----------------------------------------------------------------

def test_ingest_refuses_another_programs_database_and_leaves_it_as_it_was(tmp_path):
    other = tmp_path / "app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('An')")
    conn.commit()
    conn.close()
    before = sha(other)
    r = run_cli("ingest", str(SEEDS[0]), "--db", other)
    assert "not an nscl-extract store" in one_clear_line(r, 1) and "customers" in r.stderr
    assert sha(other) == before and not Path(f"{other}-wal").exists()
    for command in (["query"], ["report"]):
        r = run_cli(*command, "--db", other)
        assert "not an nscl-extract store" in one_clear_line(r, 1)
    assert sha(other) == before


@pytest.mark.parametrize("content, says", [(b"SQLite format 3\x00" + b"\x07" * 4000, "not a readable SQLite database"),
                                           (b"just some text, no database", "not an SQLite database")])
def test_a_corrupt_database_is_one_clear_line(tmp_path, content, says):
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    for command in (["ingest", str(SEEDS[0])], ["query"], ["report"]):
        r = run_cli(*command, "--db", bad)
        assert says in one_clear_line(r, 1), r.stderr
    assert bad.read_bytes() == content


def test_an_empty_file_a_missing_folder_and_an_old_store(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert "no nscl-extract store" in one_clear_line(run_cli("query", "--db", empty), 1) or \
        "empty file" in run_cli("query", "--db", empty).stderr
    assert run_cli("ingest", str(SEEDS[0]), "--db", empty).returncode == 0  # an empty file becomes a store
    r = run_cli("ingest", str(SEEDS[0]), "--db", tmp_path / "no" / "such" / "s.db")
    assert "no such folder" in one_clear_line(r, 2) and not (tmp_path / "no").exists()
    # a store made before the marks (our tables, application_id 0) is adopted, its rows kept
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(store.SCHEMA_SQL.replace("  origin TEXT,                        -- its real path: which file holds this doc_id\n", ""))
    conn.execute("INSERT INTO documents (doc_id, source, hash, json) VALUES ('x', 'x.txt', 'h', '{}')")
    conn.commit()
    conn.close()
    r = run_cli("ingest", str(SEEDS[0]), "--db", old)
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
    assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    conn.close()


def _as_nobody() -> list[str] | None:
    """A command prefix that runs as an unprivileged user (root ignores file modes)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import nscl_extract"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_read_only_store_answers_queries_and_refuses_ingest_in_one_line():
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("cannot run as an unprivileged user here")
    folder = Path(tempfile.mkdtemp(prefix="nscl-ro-"))
    try:
        path = folder / "s.db"
        conn = store.connect(path)
        store.ingest(conn, [str(SEEDS[0])])
        conn.close()
        os.chmod(path, 0o444)
        os.chmod(folder, 0o555)
        before = sha(path)
        q = subprocess.run([*prefix, *CLI, "query", "--db", str(path), "--format", "json"], capture_output=True,
                           text=True, timeout=120)
        assert q.returncode == 0 and json.loads(q.stdout), q.stderr
        r = subprocess.run([*prefix, *CLI, "ingest", str(SEEDS[1]), "--db", str(path)], capture_output=True,
                           text=True, timeout=120)
        assert "not writable" in one_clear_line(r, 2) or "read-only" in r.stderr
        assert sha(path) == before
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


# --- 12. a FIFO never hangs a command ---------------------------------------------------------------------

@pytest.mark.parametrize("command", [["extract"], ["show"], ["ingest", "--db", "s.db"]])
def test_a_fifo_is_refused_not_waited_on(tmp_path, command):
    os.mkfifo(tmp_path / "pipe.txt")
    os.mkfifo(tmp_path / "pipe.json")
    os.mkfifo(tmp_path / "pipe.jsonl")
    names = ["pipe.txt", "pipe.jsonl"] if command[0] == "ingest" else ["pipe.txt"]
    if command[0] == "show":
        names.append("pipe.json")
    for name in names:
        args = [command[0], name, *command[1:]]
        r = run_cli(*args, cwd=tmp_path, timeout=60)
        assert "not a regular file" in one_clear_line(r), (args, r.stderr)


# --- 14. one clear line for every bad input or output --------------------------------------------------------

def test_ingest_keeps_the_good_lines_of_a_jsonl_and_names_the_bad_ones(tmp_path):
    from nscl_extract.pipeline import extract_file

    good = json.dumps(extract_file(SEEDS[0]).to_json_dict(), ensure_ascii=False).encode("utf-8")
    other = json.dumps(extract_file(SEEDS[1]).to_json_dict(), ensure_ascii=False).encode("utf-8")
    (tmp_path / "mixed.jsonl").write_bytes(b"\n".join([good, b"5", b"null", b'{"text": "\xff\xfe"}',
                                                       b'{"value": NaN}', other]) + b"\n")
    r = run_cli("ingest", "mixed.jsonl", "--db", "s.db", cwd=tmp_path)
    one_clear_line(r, 1)
    assert "2 added" in r.stderr and "4 failed" in r.stderr
    for n in (2, 3, 4, 5):
        assert f"mixed.jsonl:{n}: not a document record" in r.stderr
    s = run_cli("score", "--gold", CORPUS.parent / "gold", "--pred", "mixed.jsonl", cwd=tmp_path)
    assert "mixed.jsonl:2:" in one_clear_line(s, 2)


def test_show_of_json_that_is_not_a_document(tmp_path):
    (tmp_path / "x.json").write_text('{"doc_id": "x", "source": 5}', encoding="utf-8")
    r = run_cli("show", "x.json", cwd=tmp_path)
    assert "x.json: not the JSON of" in one_clear_line(r, 1)


@pytest.mark.parametrize("command", [["extract", "IN"], ["extract", "IN", "--format", "jsonl"], ["show", "IN"]])
def test_a_missing_output_folder_is_refused_before_the_work(tmp_path, command):
    (tmp_path / "doc.txt").write_bytes(SEEDS[0].read_bytes())
    args = [a.replace("IN", "doc.txt") for a in command]
    r = run_cli(*args, "-o", "missing/out.json", cwd=tmp_path)
    assert "no such folder" in one_clear_line(r, 2) and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_extract_to_a_full_disk_is_one_clear_line():
    r = run_cli("extract", SEEDS[0], "-o", "/dev/full")
    assert "No space left on device" in one_clear_line(r, 1)


def test_query_year_out_of_range_and_a_deeply_nested_gold_file(tmp_path):
    r = run_cli("query", "--db", tmp_path / "none.db", "--year", str(10 ** 30))
    assert "--year" in one_clear_line(r, 2)
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "deep.json").write_text('{"doc_id": "deep", "citations": ' + "[" * 100000 + "]" * 100000 + "}")
    (gold / "nan.json").write_text('{"doc_id": "nan", "percentages": [NaN, Infinity]}')
    (gold / "inf.json").write_text('{"doc_id": "inf", "amounts": [1e999]}')
    r = run_cli("gold", "check", gold, "--corpus", tmp_path)
    one_clear_line(r, 1)
    assert "deep.json: not a gold file: nested too deeply" in r.stdout
    assert "nan.json: not readable JSON" in r.stdout and "inf.json" in r.stdout and "finite" in r.stdout


def test_a_province_name_with_dollar_signs_draws_in_the_chart(tmp_path):
    from nscl_extract.schema import Province
    from test_store import LAO_CAI, make_doc

    path = tmp_path / "s.db"
    conn = store.connect(path)
    name = "Lào $Cai_$"  # two dollars: mathtext would parse "$Cai_$" as a (broken) formula
    doc = make_doc("d1", name, None, LAO_CAI)
    doc.province = Province(name=name)
    store.store_document(conn, doc)
    # a second province: the chart is drawn only where there is something to compare
    store.store_document(conn, make_doc("d2", "Hà Nội", "Hà Nội", LAO_CAI, extra=" Bản hai."))
    conn.close()
    res = CliRunner().invoke(cli, ["report", "--db", str(path)])
    assert res.exit_code == 0, res.output
    assert name in res.output and "<svg" in res.output


# --- 9, 11. wrong output --------------------------------------------------------------------------------------

PAGE = ("<html><head><title>Kế hoạch năng suất</title></head><body><article><h1>Kế hoạch năng suất</h1>"
        "<p>Tỉnh triển khai kế hoạch nâng cao năng suất và chất lượng sản phẩm, hàng hóa giai đoạn 2021-2025, "
        "hướng tới năm 2030 với nhiều giải pháp đồng bộ cho doanh nghiệp.</p>"
        "<p>Đến năm 2025, phấn đấu có 60% doanh nghiệp áp dụng ISO 9001 và 20 chuyên gia được đào tạo.</p>"
        "<p>Các sở, ngành phối hợp triển khai các nhiệm vụ, báo cáo kết quả thực hiện hằng năm.</p>"
        "</article></body></html>")


def test_an_html_page_without_a_date_gets_no_published_date(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    r = run_cli("extract", page, "--no-text")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["published"] is None
    dated = tmp_path / "dated.html"
    dated.write_text(PAGE.replace("<head>", '<head><meta property="article:published_time" '
                                            'content="2024-03-05T08:00:00+07:00">'), encoding="utf-8")
    assert json.loads(run_cli("extract", dated, "--no-text").stdout)["published"] == "2024-03-05"
    (tmp_path / "page.txt").write_text("Kế hoạch năng suất\n\n" + PAGE.split("</h1>")[1].replace("<p>", "")
                                       .replace("</p>", "\n").split("</article>")[0], encoding="utf-8")
    assert json.loads(run_cli("extract", tmp_path / "page.txt", "--no-text").stdout)["published"] is None


def test_nul_bytes_anywhere_and_placeholder_titles(tmp_path):
    from reportlab.pdfgen import canvas

    text = seed_text().encode("utf-8")
    (tmp_path / "late-nul.txt").write_bytes(text[:6000] + b"\x00\x00" + text[6000:])
    r = run_cli("extract", tmp_path / "late-nul.txt")
    assert "NUL byte at byte 6000" in one_clear_line(r, 1)
    c = canvas.Canvas(str(tmp_path / "untitled.pdf"))
    c.setTitle("untitled")
    c.drawString(50, 800, "Kế hoạch nâng cao năng suất năm 2024")
    c.save()
    r = run_cli("extract", tmp_path / "untitled.pdf")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["title"] != "untitled"
