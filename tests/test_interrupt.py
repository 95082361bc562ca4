"""Ctrl-C as a terminal sends it (SIGINT to the whole process group): one line saying what was
written and how to go on, no traceback from the command or its workers, exit status 130, and
nothing half-written that the next run could not go on from."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "nscl_extract.cli"]
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def inputs(tmp_path: Path, n: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(n):
        seed = SEEDS[k % len(SEEDS)]
        # each copy a text of its own (the store keeps one copy of a text)
        (folder / f"doc{k:02d}.txt").write_text(seed.read_text(encoding="utf-8") + f"\n\nBản {k}.\n", encoding="utf-8")
    return folder


def interrupt(args: list[str], cwd: Path, ready, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the command in a process group of its own, wait until ready(stderr so far) holds, then
    Ctrl-C the group."""
    import threading

    p = subprocess.Popen([*CLI, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.extend(p.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not ready("".join(err)) and p.poll() is None:
        assert time.monotonic() < deadline, "the command never got under way"
        time.sleep(0.2)
    assert p.poll() is None, "the command ended before it could be interrupted: give it more work"
    os.killpg(p.pid, signal.SIGINT)
    p.wait(timeout=120)
    reader.join(30)
    return subprocess.CompletedProcess(p.args, p.returncode, "", "".join(err))


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_interrupted_says_what_it_wrote_and_resume_finishes_it(tmp_path, workers):
    folder = inputs(tmp_path, 40)
    out = tmp_path / "out.jsonl"
    r = interrupt(["batch", "in", "-o", "out.jsonl", "--workers", workers], tmp_path, lambda err: len(lines_of(out)) >= 2)
    assert r.returncode == 130, r.stderr
    line = one_line(r.stderr)
    written = lines_of(out)
    assert 2 <= len(written) < 40
    assert f"{len(written)} document(s) written to out.jsonl" in line, line
    assert line.endswith("finish with: nscl-extract batch in -o out.jsonl --workers " + workers + " --resume"), line
    for x in written:  # whole lines only
        json.loads(x)
    again = subprocess.run([*CLI, "batch", "in", "-o", "out.jsonl", "--workers", workers, "--resume"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    ids = [json.loads(x)["doc_id"] for x in lines_of(out)]
    assert sorted(ids) == sorted(p.stem for p in folder.iterdir()) and len(set(ids)) == 40
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(("core", "pymp-"))]


def test_ingest_interrupted_keeps_whole_documents_and_says_how_to_go_on(tmp_path):
    inputs(tmp_path, 40)
    db = tmp_path / "s.db"

    def stored() -> int:
        if not db.exists():
            return 0
        try:
            with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
                return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            return 0

    r = interrupt(["ingest", "in", "--db", "s.db"], tmp_path, lambda err: stored() >= 2)
    assert r.returncode == 130, r.stderr
    line = one_line(r.stderr)
    n = stored()
    assert f"{n} document(s) stored in s.db" in line and "run the same command again" in line, line
    with sqlite3.connect(db) as conn:  # each document whole: as many indicator rows as its JSON has
        for doc_json, n_rows in conn.execute("SELECT json, (SELECT count(*) FROM indicators i WHERE i.doc = d.id)"
                                             " FROM documents d"):
            assert len(json.loads(doc_json)["indicators"]) == n_rows
    again = subprocess.run([*CLI, "ingest", "in", "--db", "s.db"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert stored() == 40 and f"{n} unchanged" in again.stderr


def test_any_command_interrupted_is_one_line_and_status_130(tmp_path):
    folder = inputs(tmp_path, 120)
    # extract writes its output at the end: stopped half-way, it wrote nothing, and says so
    # (-v names each file as it is done: the first one means it is under way)
    r = interrupt(["extract", *sorted(str(p) for p in folder.iterdir()), "-o", "all.jsonl", "-v"], tmp_path,
                  lambda err: " indicators, " in err)
    assert r.returncode == 130, r.stderr
    rest = "\n".join(x for x in r.stderr.splitlines() if " indicators, " not in x)
    assert one_line(rest) == "interrupted: nothing was written; run the command again to do it"
    assert not (tmp_path / "all.jsonl").exists()


def test_a_ctrl_c_inside_a_counted_step_waits_for_the_step():
    """ingest stores a document and counts it inside interrupt_after: a Ctrl-C between the two
    would make the closing line say one document fewer than the store holds."""
    import os
    import signal

    from nscl_extract.outputs.console import interrupt_after

    done = []
    with pytest.raises(KeyboardInterrupt):
        with interrupt_after():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("stored")
            done.append("counted")
    assert done == ["stored", "counted"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
