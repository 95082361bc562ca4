"""Issue 11, batch side: what a careless user or an attacker does to `batch`, with real
subprocesses, files, symlink loops, locks and SIGKILL. Each test failed before its fix."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from docbuilders import make_docx
from test_batch import CLI, ENV, is_error, many_small_files, paragraphs, processes, read_lines, run_cli

from nscl_extract.store.batch import expand_inputs


def big_text(n: int = 1000) -> str:
    paras = paragraphs()
    return "\n\n".join(paras[i % len(paras)] for i in range(n)) + "\n"


# --- 1. document identity: doc_id is the stem, a clash is loud --------------------------------------

def test_same_stem_in_two_folders_is_an_error_record_not_a_silent_merge(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    paras = paragraphs()
    (tmp_path / "a" / "plan.txt").write_text(paras[0], encoding="utf-8")
    (tmp_path / "b" / "plan.txt").write_text(paras[1], encoding="utf-8")
    (tmp_path / "b" / "other.txt").write_text(paras[2], encoding="utf-8")
    r = run_cli("batch", "a", "b", "-o", "o.jsonl", cwd=tmp_path)
    assert r.returncode == 1
    recs = read_lines(tmp_path / "o.jsonl")
    assert [rec["source"] for rec in recs] == ["a/plan.txt", "b/other.txt", "b/plan.txt"]
    assert not is_error(recs[0]) and not is_error(recs[1])
    assert is_error(recs[2]) and "doc_id 'plan' is already taken by a/plan.txt" in recs[2]["error"]
    assert [rec["doc_id"] for rec in recs if not is_error(rec)] == ["plan", "other"]
    # a resumed batch keeps the rule against the lines already written
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "plan.html").write_text(f"<html><body><p>{paras[3]}</p></body></html>", encoding="utf-8")
    again = run_cli("batch", "a", "b", "c", "-o", "o.jsonl", "--resume", cwd=tmp_path)
    last = read_lines(tmp_path / "o.jsonl")[-1]
    assert last["source"] == "c/plan.html" and "already taken by a/plan.txt" in last["error"], again.stderr


# --- 2. the output is never an input -------------------------------------------------------------------

def test_an_output_that_is_an_input_is_refused_and_left_alone(tmp_path):
    many_small_files(tmp_path / "in", 2)
    a = tmp_path / "in" / "g0" / "doc0000.txt"
    before = a.read_bytes()
    r = run_cli("batch", "in/g0/doc0000.txt", "in/g1/doc0001.txt", "-o", "./in/g0/doc0000.txt", cwd=tmp_path)
    assert r.returncode == 2 and "is also an input" in r.stderr and "Traceback" not in r.stderr
    assert a.read_bytes() == before


def test_the_output_inside_a_scanned_folder_is_not_read_back(tmp_path):
    many_small_files(tmp_path / "in", 3)
    for _ in range(2):  # the second run finds its own earlier output in the folder
        r = run_cli("batch", "in", "in/*", "-o", "in/out.txt", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        recs = read_lines(tmp_path / "in" / "out.txt")
        assert len(recs) == 3 and all("out" not in rec["source"] for rec in recs)


# --- 3. one output, one batch at a time ---------------------------------------------------------------

def test_a_second_batch_on_the_same_output_is_refused_while_the_first_runs(tmp_path):
    from nscl_extract.store.batch import BatchError, run_batch

    files = many_small_files(tmp_path / "in", 6)
    for k in range(3):  # the first batch spends seconds on these after its first lines
        (tmp_path / "in" / f"z{k}.txt").write_text(big_text(), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    first = subprocess.Popen([*CLI, "batch", "in", "-o", "o.jsonl"], cwd=tmp_path, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out.exists() and out.read_bytes().count(b"\n") >= 6):
            time.sleep(0.01)
        seen = out.read_bytes()
        with pytest.raises(BatchError, match="being written by another batch"):
            run_batch([str(tmp_path / "in")], str(out))
        still_running = first.poll() is None
        assert out.read_bytes().startswith(seen)  # the refused batch truncated nothing
        second = run_cli("batch", "in", "-o", "o.jsonl", cwd=tmp_path)
        _, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert still_running, "the first batch ended before the second started: make it bigger"
    assert first.returncode == 0, err
    recs = read_lines(out)
    assert [rec["source"] for rec in recs] == [f"in/{p.relative_to(tmp_path / 'in')}" for p in files] + [
        f"in/z{k}.txt" for k in range(3)]
    assert second.returncode in (0, 2)  # refused while the first ran, or ran after it: never interleaved


# --- 4. --resume knows a file however its path is typed ------------------------------------------------

def test_resume_compares_real_paths_not_the_strings_typed(tmp_path):
    many_small_files(tmp_path / "in", 4)
    assert run_cli("batch", "in", "-o", "o.jsonl", cwd=tmp_path).returncode == 0
    ref = (tmp_path / "o.jsonl").read_bytes()
    for spelling in ("./in", str(tmp_path / "in"), "in/../in"):
        r = run_cli("batch", spelling, "-o", "o.jsonl", "--resume", cwd=tmp_path)
        assert r.returncode == 0 and "4 already done" in r.stderr and "0 processed" in r.stderr, r.stderr
        assert (tmp_path / "o.jsonl").read_bytes() == ref


# --- 5. globs follow the folder scan's rule: no symlinked folders, one record per real file -----------

def test_a_recursive_glob_does_not_follow_symlinked_folders_or_loop(tmp_path):
    many_small_files(tmp_path / "in", 1)
    os.symlink(tmp_path / "in", tmp_path / "in" / "g0" / "loop")  # a loop
    os.symlink(tmp_path / "in" / "g0", tmp_path / "in" / "again")  # the same folder twice
    os.symlink(tmp_path / "in" / "g0" / "doc0000.txt", tmp_path / "in" / "alias.txt")  # the same file twice
    got = expand_inputs([str(tmp_path / "in" / "**" / "*.txt")])
    assert got == [str(tmp_path / "in" / "alias.txt")] or got == [str(tmp_path / "in" / "g0" / "doc0000.txt")]
    r = run_cli("batch", "in/**/*.txt", "-o", "o.jsonl", cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr
    assert len(read_lines(tmp_path / "o.jsonl")) == 1


def test_glob_semantics_kept(tmp_path):
    for rel in ["a/1.txt", "a/b/2.txt", "a/b/c/3.pdf", "a/.h/4.txt", "a/.5.txt", "x[1].txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    rel = lambda ps: [os.path.relpath(p, tmp_path) for p in ps]  # noqa: E731
    assert rel(expand_inputs([str(tmp_path / "a" / "**" / "*.txt")])) == ["a/1.txt", "a/b/2.txt"]
    assert rel(expand_inputs([str(tmp_path / "a" / "*" / "*.txt")])) == ["a/b/2.txt"]
    assert rel(expand_inputs([str(tmp_path / "a" / "?" / "c" / "*")])) == ["a/b/c/3.pdf"]
    assert rel(expand_inputs([str(tmp_path / "x[[]1].txt")])) == ["x[1].txt"]


# --- 6. nothing to do never touches the output ---------------------------------------------------------

@pytest.mark.parametrize("content", [b"my notes, not a batch", b"my notes, not a batch\n", b'{"a": 1}'])
def test_resume_never_drops_a_line_of_a_file_that_is_not_a_batch_output(tmp_path, content):
    many_small_files(tmp_path / "in", 1)
    (tmp_path / "notes.jsonl").write_bytes(content)
    r = run_cli("batch", "in", "-o", "notes.jsonl", "--resume", cwd=tmp_path)
    assert r.returncode == 2 and "line 1" in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "notes.jsonl").read_bytes() == content


def test_a_glob_matching_nothing_leaves_the_output_alone(tmp_path):
    (tmp_path / "o.jsonl").write_bytes(b"precious\n")
    r = run_cli("batch", "none*.pdf", "-o", "o.jsonl", cwd=tmp_path)
    assert r.returncode == 1 and "no input files" in r.stderr
    assert (tmp_path / "o.jsonl").read_bytes() == b"precious\n"
    r = run_cli("batch", "none*.pdf", "-o", "new.jsonl", cwd=tmp_path)
    assert r.returncode == 1 and not (tmp_path / "new.jsonl").exists()


# --- 7. (batch part) a per-document time and size budget ------------------------------------------------

@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_document_over_the_time_limit_gets_an_error_record_and_the_batch_goes_on(tmp_path, workers):
    many_small_files(tmp_path / "in", 4)
    (tmp_path / "in" / "slow.txt").write_text(big_text(), encoding="utf-8")  # about 2 s of ordinary work
    start = time.monotonic()
    r = run_cli("batch", "in", "-o", "o.jsonl", "--workers", workers, "--time-limit", "0.3", cwd=tmp_path)
    assert r.returncode == 1
    recs = {Path(rec["source"]).name: rec for rec in read_lines(tmp_path / "o.jsonl")}
    assert len(recs) == 5
    assert "too slow" in recs["slow.txt"]["error"] and "--time-limit" in recs["slow.txt"]["error"]
    assert not any(is_error(rec) for name, rec in recs.items() if name != "slow.txt")
    assert time.monotonic() - start < 60


def test_a_small_docx_that_expands_past_the_size_limit_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    make_docx(tmp_path / "in" / "bomb.docx", ["Đến năm 2025 có 60% doanh nghiệp áp dụng ISO 9001."] * 3000)
    size = (tmp_path / "in" / "bomb.docx").stat().st_size
    r = run_cli("batch", "in", "-o", "o.jsonl", "--max-bytes", str(size * 2), cwd=tmp_path)
    [rec] = read_lines(tmp_path / "o.jsonl")
    assert r.returncode == 1 and "too large: the text has" in rec["error"] and str(size * 2) in rec["error"]


# --- 8. kill -9 of the batch leaves no process behind ---------------------------------------------------

def _session(sid: int) -> list[int]:
    """The live processes of a session (a batch started with start_new_session and its helpers)."""
    return [p for p, fields in processes() if int(fields[3]) == sid and fields[0] != "Z"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigkill_of_the_batch_takes_its_workers_fork_server_and_tracker_with_it(tmp_path):
    many_small_files(tmp_path / "in", 400)
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen([*CLI, "batch", "in", "-o", "o.jsonl", "--workers", "2"], cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out.exists() and out.read_bytes().count(b"\n") >= 5):
            time.sleep(0.01)
        helpers = [p for p in _session(proc.pid) if p != proc.pid]
        assert len(helpers) >= 3, "expected a fork server and two workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _session(proc.pid):
            time.sleep(0.1)
        left = _session(proc.pid)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert left == []


# --- 14. bad output paths, a full disk, an unreachable scheduler ----------------------------------------

def test_a_missing_output_folder_is_refused_before_any_work(tmp_path):
    many_small_files(tmp_path / "in", 2)
    r = run_cli("batch", "in", "-o", "nowhere/o.jsonl", cwd=tmp_path)
    assert r.returncode == 2 and "no such folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli("batch", "in", "-o", "in", cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_clear_line():
    r = run_cli("batch", str(Path(__file__).parent.parent / "corpus"), "-o", "/dev/full")
    assert r.returncode == 2 and "No space left on device" in r.stderr and "Traceback" not in r.stderr


def test_an_unreachable_dask_scheduler_leaves_the_output_alone(tmp_path):
    pytest.importorskip("distributed")
    import socket

    many_small_files(tmp_path / "in", 2)
    (tmp_path / "o.jsonl").write_bytes(b"earlier results\n")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = subprocess.run([*CLI, "batch", "in", "-o", "o.jsonl", "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"],
                       cwd=tmp_path, env={**ENV, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "cannot reach the Dask scheduler" in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "o.jsonl").read_bytes() == b"earlier results\n"
    assert json.loads(json.dumps(r.stderr))  # printable
