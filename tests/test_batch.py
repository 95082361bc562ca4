"""`nscl-extract batch`: real subprocesses, real files, SIGKILL and --resume, worker pools, Dask."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from docbuilders import CORPUS, make_docx, make_pdf, seed_text

from nscl_extract.store.batch import expand_inputs, recover, run_batch
from nscl_extract.schema import Document

PY = sys.executable
CLI = [PY, "-m", "nscl_extract.cli"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def run_cli(*args, cwd=None, timeout=120, **kw):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=timeout, **kw)


def read_lines(path: Path) -> list[dict]:
    data = path.read_bytes()
    assert data.endswith(b"\n"), "the output must end with a complete line"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def is_error(rec: dict) -> bool:
    return set(rec) == {"doc_id", "source", "error"}


def copy_corpus(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for p in sorted(CORPUS.glob("*.txt")):
        q = folder / p.name
        q.write_bytes(p.read_bytes())
        out.append(q)
    return out


def paragraphs() -> list[str]:
    paras = []
    for p in sorted(CORPUS.glob("*.txt")):
        paras += [x for x in p.read_text(encoding="utf-8").split("\n") if len(x) > 60]
    return paras


def many_small_files(folder: Path, n: int) -> list[Path]:
    """n small documents, each two paragraphs of the seed corpus, in nested folders."""
    paras = paragraphs()
    out = []
    for i in range(n):
        sub = folder / f"g{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        p = sub / f"doc{i:04d}.txt"
        p.write_text(f"{paras[i % len(paras)]}\n\n{paras[(i * 7 + 3) % len(paras)]}\n", encoding="utf-8")
        out.append(p)
    return sorted(out)


# --- inputs -------------------------------------------------------------------------------------

def test_expand_inputs_files_folders_globs(tmp_path):
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for rel in ["a/1.txt", "a/deep/2.HTML", "a/deep/3.pdf", "a/notes.csv", "a/.hidden.txt", "b.docx", "c.md"]:
        (tmp_path / rel).write_text("x", encoding="utf-8")
    warnings = []
    got = expand_inputs([str(tmp_path / "a"), str(tmp_path / "*.docx"), str(tmp_path / "c.md"),
                         str(tmp_path / "a" / "1.txt"), str(tmp_path / "missing.txt"), str(tmp_path / "none*.pdf")],
                        warn=warnings.append)
    rel = [os.path.relpath(p, tmp_path) for p in got]
    # folders: known suffixes only, recursive, no hidden files; explicit files kept whatever the suffix;
    # the duplicate a/1.txt once; a missing explicit file kept (it gets an error record); sorted
    assert rel == ["a/1.txt", "a/deep/2.HTML", "a/deep/3.pdf", "b.docx", "c.md", "missing.txt"]
    assert len(warnings) == 1 and "none*.pdf" in warnings[0]
    assert [os.path.relpath(p, tmp_path) for p in expand_inputs([str(tmp_path / "**" / "*.pdf")])] == ["a/deep/3.pdf"]


# --- the whole batch, as a user runs it ----------------------------------------------------------

def test_batch_corpus_same_bytes_for_any_worker_count(tmp_path):
    docs = copy_corpus(tmp_path / "in")
    make_docx(tmp_path / "in" / "word" / "plan-docx.docx", seed_text().split("\n"))
    make_pdf(tmp_path / "in" / "pdf" / "plan-pdf.pdf", [seed_text()])
    one = run_cli("batch", "in", "-o", "one.jsonl", cwd=tmp_path)
    two = run_cli("batch", "in", "-o", "two.jsonl", "--workers", "2", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert one.stdout == "" and two.stdout == ""
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    recs = read_lines(tmp_path / "one.jsonl")
    sources = [r["source"] for r in recs]
    assert sources == sorted(sources) == sorted([f"in/{p.name}" for p in docs] + ["in/pdf/plan-pdf.pdf", "in/word/plan-docx.docx"])
    parsed = [Document.from_json_dict(r) for r in recs]
    assert all(d.text for d in parsed)
    assert parsed[0].doc_id == "000_dd1c5792947a306a"
    assert {c.number for c in parsed[0].citations} >= {"191/KH-UBND", "1322/QĐ-TTg"}
    # a pipe gets no progress bar, only the summary
    assert "7 succeeded, 0 failed" in one.stderr
    assert "\r" not in one.stderr and "\x1b[" not in one.stderr and len(one.stderr.strip().splitlines()) == 1


def test_no_text_leaves_text_out(tmp_path):
    copy_corpus(tmp_path / "in")
    r = run_cli("batch", "in/000_dd1c5792947a306a.txt", "in/001_8cd3f22aa0a76d50.txt", "-o", "o.jsonl", "--no-text",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    recs = read_lines(tmp_path / "o.jsonl")
    assert len(recs) == 2 and all("text" not in rec and rec["schema"] == "nscl-extract/1" for rec in recs)


def test_bad_inputs_each_get_an_error_record_and_the_batch_goes_on(tmp_path):
    d = tmp_path / "in"
    copy_corpus(d)
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_bytes(b"  \n\n ")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (d / "latin1.txt").write_bytes("Kế hoạch".encode("utf-8") + " café".encode("latin-1"))
    with open(d / "huge.txt", "wb") as f:  # 50 MB: over the 20 MB per-document limit
        f.write(("Đến năm 2025 có 60% doanh nghiệp áp dụng ISO 9001.\n" * 1000).encode("utf-8") * 850)
    whole = make_pdf(tmp_path / "whole.pdf", [seed_text()]).read_bytes()
    (d / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    make_pdf(d / "scan.pdf", ["", ""])
    (d / "fake.docx").write_text("không phải docx", encoding="utf-8")
    r = run_cli("batch", "in", "in/gone.txt", "-o", "o.jsonl", "--workers", "2", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    recs = {rec["source"]: rec for rec in read_lines(tmp_path / "o.jsonl")}
    errors = {Path(s).name: rec["error"] for s, rec in recs.items() if is_error(rec)}
    assert errors.keys() == {"empty.txt", "blank.txt", "binary.txt", "latin1.txt", "huge.txt", "truncated.pdf",
                             "scan.pdf", "fake.docx", "gone.txt"}
    assert errors["empty.txt"] == errors["blank.txt"] == "empty file"
    assert "binary" in errors["binary.txt"]
    assert "UTF-8" in errors["latin1.txt"]
    assert errors["huge.txt"].startswith("too large") and "20971520" in errors["huge.txt"]
    assert "PDF" in errors["truncated.pdf"]
    assert errors["scan.pdf"] == "no text: no text layer, and OCR found none on 2 page(s)"  # ink, no text: OCR finds none
    assert "DOCX" in errors["fake.docx"]
    assert "No such file" in errors["gone.txt"]
    assert recs["in/empty.txt"]["doc_id"] == "empty"
    ok = [rec for rec in recs.values() if not is_error(rec)]
    assert len(ok) == 5 and all(Document.from_json_dict(rec).text for rec in ok)
    assert "5 succeeded, 9 failed" in r.stderr
    assert "failed: in/huge.txt: too large" in r.stderr


def test_max_bytes_option(tmp_path):
    copy_corpus(tmp_path / "in")
    r = run_cli("batch", "in", "-o", "o.jsonl", "--max-bytes", "5000", cwd=tmp_path)
    sizes = {f"in/{p.name}": p.stat().st_size for p in (tmp_path / "in").iterdir()}
    recs = read_lines(tmp_path / "o.jsonl")
    assert [is_error(rec) for rec in recs] == [sizes[rec["source"]] > 5000 for rec in recs]
    assert any(is_error(rec) for rec in recs) and not all(is_error(rec) for rec in recs)
    assert r.returncode == 1


def test_a_file_that_disappears_mid_run(tmp_path):
    files = many_small_files(tmp_path / "in", 6)
    victim = files[4]

    def delete_later_file(result):
        if victim.exists():
            victim.unlink()

    summary = run_batch([str(tmp_path / "in")], str(tmp_path / "o.jsonl"), on_result=delete_later_file)
    recs = read_lines(tmp_path / "o.jsonl")
    assert len(recs) == 6
    by_source = {rec["source"]: rec for rec in recs}
    assert "No such file" in by_source[str(victim)]["error"]
    assert sum(is_error(rec) for rec in recs) == 1
    assert (summary.ok, summary.failed) == (5, 1)


# --- crash safety and --resume --------------------------------------------------------------------

def test_resume_cuts_a_partial_line_and_adds_only_what_is_missing(tmp_path):
    files = many_small_files(tmp_path / "in", 5)
    out = tmp_path / "o.jsonl"
    ref = tmp_path / "ref.jsonl"
    run_batch([str(tmp_path / "in")], str(ref))
    lines = ref.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:2]) + lines[2][:40])  # as a kill mid-write leaves it
    done = recover(str(out))
    assert list(done.ok) == [str(files[0]), str(files[1])] and done.keep == len(lines[0]) + len(lines[1])
    summary = run_batch([str(tmp_path / "in")], str(out), resume=True)
    assert (summary.skipped, summary.processed, summary.ok) == (2, 3, 5)
    assert out.read_bytes() == ref.read_bytes()


def test_resume_refuses_a_file_that_is_not_a_batch_output(tmp_path):
    many_small_files(tmp_path / "in", 2)
    out = tmp_path / "o.jsonl"
    out.write_text('{"doc_id": "x", "source": "x", "error": "e"}\nnot json at all\n{"source": "y"}\n', encoding="utf-8")
    r = run_cli("batch", "in", "-o", out, "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "line 2" in r.stderr and "Traceback" not in r.stderr
    assert out.read_text(encoding="utf-8") == '{"doc_id": "x", "source": "x", "error": "e"}\nnot json at all\n{"source": "y"}\n'


def test_sigkill_mid_batch_then_resume_loses_and_duplicates_nothing(tmp_path, monkeypatch):
    files = many_small_files(tmp_path / "in", 300)
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen([*CLI, "batch", "in", "-o", "o.jsonl", "--workers", "2"], cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.stat().st_size > 0 and out.read_bytes().count(b"\n") >= 10:
                break
            time.sleep(0.001)
        assert proc.poll() is None, "the batch finished before it could be killed: make it bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker processes it leaves behind
        except ProcessLookupError:
            pass
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    data = out.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    first = [json.loads(line) for line in complete.splitlines()]
    assert 10 <= len(first) < len(files)
    assert [rec["source"] for rec in first] == [f"in/{p.relative_to(tmp_path / 'in')}" for p in files[: len(first)]]

    r = run_cli("batch", "in", "-o", "o.jsonl", "--workers", "2", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"{len(files)} succeeded, 0 failed" in r.stderr and f"{len(first)} already done" in r.stderr
    recs = read_lines(out)
    assert [rec["source"] for rec in recs] == [f"in/{p.relative_to(tmp_path / 'in')}" for p in files]
    assert all(Document.from_json_dict(rec).text for rec in recs)
    assert out.read_bytes().startswith(complete)
    # and it is what an uninterrupted batch writes
    monkeypatch.chdir(tmp_path)
    run_batch(["in"], "ref.jsonl")
    assert (tmp_path / "ref.jsonl").read_bytes() == out.read_bytes()


def processes() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session ...)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    yield int(entry), f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue


def _children(pid: int) -> list[int]:
    return [p for p, fields in processes() if int(fields[1]) == pid]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_a_worker_process_killed_mid_batch_is_replaced_and_nothing_is_lost(tmp_path):
    files = many_small_files(tmp_path / "in", 160)
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen([*CLI, "batch", "in", "-o", "o.jsonl", "--workers", "2"], cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    killed = None
    try:
        deadline = time.monotonic() + 60
        while killed is None and time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and out.read_bytes().count(b"\n") >= 10:
                # the pool's workers are the grandchildren (forked by the forkserver child)
                workers = [w for child in _children(proc.pid) for w in _children(child)]
                if workers:
                    killed = workers[0]
                    os.kill(killed, signal.SIGKILL)
            time.sleep(0.002)
        assert killed is not None, "no worker to kill before the batch ended"
        _, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 0, err
    assert "a worker process died while extracting" in err and "replacing it and retrying the document" in err
    recs = read_lines(out)
    assert [rec["source"] for rec in recs] == [f"in/{p.relative_to(tmp_path / 'in')}" for p in files]
    assert not any(is_error(rec) for rec in recs)


# --- terminal ----------------------------------------------------------------------------------

def test_progress_bar_with_docs_per_second_on_a_terminal(tmp_path):
    import pty

    many_small_files(tmp_path / "in", 4)
    master, slave = pty.openpty()
    proc = subprocess.Popen([*CLI, "batch", "in", "-o", "o.jsonl"], cwd=tmp_path,
                            env={**ENV, "TERM": "xterm", "COLUMNS": "120"},
                            stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(60) == 0
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "extracting" in shown and "docs/s" in shown and "4/4" in shown


def test_dask_missing_is_a_clear_error(tmp_path):
    many_small_files(tmp_path / "in", 1)
    code = ("import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
            "from nscl_extract.cli import main; sys.argv = ['nscl-extract'] + sys.argv[1:]; main()")
    r = subprocess.run([PY, "-c", code, "batch", "in", "-o", "o.jsonl", "--engine", "dask"], cwd=tmp_path, env=ENV,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "pip install 'nscl-extract[dask]'" in r.stderr
    assert not (tmp_path / "o.jsonl").exists()


# --- Dask --------------------------------------------------------------------------------------

def test_dask_engine_on_a_local_cluster_matches_local_byte_for_byte(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.chdir(tmp_path)  # relative sources, as a user types them; the workers get absolute paths
    many_small_files(tmp_path / "in", 30)
    copy_corpus(tmp_path / "in" / "corpus")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    local = run_batch(["in"], "local.jsonl")
    assert (local.ok, local.failed) == (35, 1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        summary = run_batch(["in"], "dask.jsonl", engine="dask", scheduler=cluster.scheduler_address)
    assert (summary.ok, summary.failed, summary.processed) == (35, 1, 36)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    # and --resume on the dask engine finishes a cut file the same way
    lines = (tmp_path / "dask.jsonl").read_bytes().splitlines(keepends=True)
    (tmp_path / "dask.jsonl").write_bytes(b"".join(lines[:7]) + lines[7][:10])
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        again = run_batch(["in"], "dask.jsonl", engine="dask", scheduler=cluster.scheduler_address, resume=True)
    assert (again.skipped, again.processed) == (7, 29)
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_a_fifo_among_the_inputs_does_not_hang_the_batch(tmp_path):
    many_small_files(tmp_path / "in", 2)
    os.mkfifo(tmp_path / "in" / "pipe.txt")
    summary = run_batch([str(tmp_path / "in"), str(tmp_path / "in" / "pipe.txt")], str(tmp_path / "o.jsonl"))
    recs = read_lines(tmp_path / "o.jsonl")
    assert [rec.get("error") for rec in recs] == [None, None, "not a regular file"]
    assert (summary.ok, summary.failed) == (2, 1)
