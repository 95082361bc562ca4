"""The gold round trip through Label Studio (export -> correct -> gold import), doccano export.

The offline tests build Label Studio's export format by hand; the live test runs a real
Label Studio server from PyPI on localhost (installed by .ci/run into its own venv, since it
pins its own Django stack): it must accept our labeling config and our predictions, and its
own JSON export must import back into gold."""
from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nscl_extract.interop.exchange import INDICATOR, LABELS, label_studio_config
from nscl_extract.scoring.gold import read_gold_file
from nscl_extract.scoring.score import score_corpus

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
CLI = [sys.executable, "-m", "nscl_extract.cli"]


def run(*args, check=True):
    r = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ls") / "tasks.json"
    run("export", "--format", "label-studio", *SEEDS, "-o", out)
    return json.loads(out.read_text(encoding="utf-8"))


def _accepted(tasks: list[dict]) -> list[dict]:
    """What an annotator's submit without changes produces: the prediction as the annotation."""
    done = copy.deepcopy(tasks)
    for i, t in enumerate(done, 1):
        t["id"] = i
        t["annotations"] = [{"id": i, "result": t["predictions"][0]["result"], "was_cancelled": False,
                             "updated_at": "2026-12-02T10:00:00Z"}]
    return done


def _import(tmp_path, tasks_json, *extra):
    tmp_path.mkdir(parents=True, exist_ok=True)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks_json, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "gold"
    r = run("gold", "import", export, "-o", out, *extra, check=False)
    return r, out


def test_config_is_xml_naming_every_label_and_field():
    root = ET.fromstring(label_studio_config())
    labels = {e.get("value") for e in root.iter("Label")}
    assert labels == {*LABELS.values(), INDICATOR}
    names = {e.get("name") for e in root.iter() if e.get("name")}
    assert {"label", "text", "kind", "flags", "target_year", "period", "subject", "province", "plan",
            "published"} <= names
    assert all(e.get("perRegion") == "true" for e in root.iter() if e.get("name") in ("kind", "subject"))


def test_tasks_regions_slice_the_text(tasks):
    assert [t["data"]["doc_id"] for t in tasks] == [p.stem for p in SEEDS]
    for t in tasks:
        text = t["data"]["text"]
        for r in t["predictions"][0]["result"]:
            v = r["value"]
            if "start" in v and r["type"] == "labels":
                assert text[v["start"]:v["end"]] == v["text"]


def test_unedited_round_trip_reproduces_gold_that_scores_the_seeds_at_one(tasks, tmp_path):
    r, gold_dir = _import(tmp_path, _accepted(tasks))
    assert r.returncode == 0, r.stderr
    assert run("gold", "check", gold_dir, "--corpus", ROOT / "corpus").returncode == 0
    report = score_corpus(gold_dir, ROOT / "corpus")
    figures = report.figures()
    print({k: round(v, 3) for k, v in figures.items() if v is not None})
    assert report.indicators.strict.f1 == 1.0
    for t, prf in report.types.items():
        assert prf.f1 == 1.0, t
    assert report.indicators.subject.mean == 1.0
    g = read_gold_file(gold_dir / "000_dd1c5792947a306a.json")
    assert g.offsets and all(len(v) == len(getattr(g, k)) for k, v in g.offsets.items())
    assert all(i.start is not None for i in g.indicators)


def test_an_edited_region_changes_exactly_that_gold_item(tasks, tmp_path):
    base = _accepted(tasks)
    edited = copy.deepcopy(base)
    result = edited[0]["annotations"][0]["result"]
    kind = next(r for r in result if r["from_name"] == "kind")
    new = "result" if kind["value"]["choices"] == ["target"] else "target"
    kind["value"]["choices"] = [new]
    _, g0 = _import(tmp_path / "a", base)
    _, g1 = _import(tmp_path / "b", edited)
    for seed in SEEDS:
        a = json.loads((g0 / f"{seed.stem}.json").read_text(encoding="utf-8"))
        b = json.loads((g1 / f"{seed.stem}.json").read_text(encoding="utf-8"))
        if seed != SEEDS[0]:
            assert a == b
            continue
        changed = [(i, k) for i, (x, y) in enumerate(zip(a["indicators"], b["indicators"]))
                   for k in x if x[k] != y[k]]
        start = kind["value"]["start"]
        idx = next(i for i, x in enumerate(a["indicators"]) if x["start"] == start)
        assert changed == [(idx, "kind")] and b["indicators"][idx]["kind"] == new
        assert {k: v for k, v in a.items() if k != "indicators"} == {k: v for k, v in b.items() if k != "indicators"}


def test_a_moved_span_is_parsed_again_by_the_pipelines_parsers(tasks, tmp_path):
    edited = _accepted(tasks[:1])
    text = edited[0]["data"]["text"]
    result = edited[0]["annotations"][0]["result"]
    pct = [r for r in result if r["type"] == "labels" and r["value"]["labels"] == ["PERCENTAGE"]]
    # the annotator drops the first percentage region and marks "ISO 9001" as a standard again
    result.remove(pct[0])
    _, gold_dir = _import(tmp_path, edited)
    g = json.loads((gold_dir / f"{SEEDS[0].stem}.json").read_text(encoding="utf-8"))
    base = json.loads(json.dumps([r for r in pct]))
    assert len(g["percentages"]) == len(pct) - 1
    # a region drawn around other words is read from its new text
    s = text.index("ISO 9001")
    edited[0]["annotations"][0]["result"].append(
        {"id": "new1", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": s, "end": s + 8, "text": "ISO 9001", "labels": ["STANDARD"]}})
    _, gold_dir2 = _import(tmp_path / "2", edited)
    g2 = json.loads((gold_dir2 / f"{SEEDS[0].stem}.json").read_text(encoding="utf-8"))
    assert g2["standards"].count("ISO 9001") == g["standards"].count("ISO 9001") + 1
    assert base  # the removed region was a real percentage


def test_bad_exports_are_one_clear_line(tasks, tmp_path):
    bad = _accepted(tasks[:1])
    bad[0]["annotations"][0]["result"].append(
        {"id": "x", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 5, "text": bad[0]["data"]["text"][:5], "labels": ["PERCENTAGE"]}})
    r, _ = _import(tmp_path / "a", bad)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "no percentage can be read" in r.stderr and SEEDS[0].stem in r.stderr
    # no annotation: skipped (gold is what a person submitted), unless predictions are accepted
    r, out = _import(tmp_path / "b", tasks[:1])
    assert r.returncode == 1 and "no annotation" in r.stderr
    r, out = _import(tmp_path / "c", tasks[:1], "--accept-predictions")
    assert r.returncode == 0 and (out / f"{SEEDS[0].stem}.json").exists()
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    r = run("gold", "import", tmp_path / "junk.json", "-o", tmp_path / "g", check=False)
    assert r.returncode == 1 and "junk.json" in r.stderr and "Traceback" not in r.stderr


def test_doccano_export(tmp_path):
    out = tmp_path / "doccano.jsonl"
    run("export", "--format", "doccano", SEEDS[0], "-o", out)
    (rec,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rec["meta"]["doc_id"] == SEEDS[0].stem
    labels = {lab for _, _, lab in rec["label"]}
    assert {"CITATION", "PERCENTAGE", "INDICATOR"} <= labels
    for s, e, _ in rec["label"]:
        assert 0 <= s < e <= len(rec["text"])
    assert [(i["start"], i["end"]) for i in rec["meta"]["indicators"]] == sorted(
        (s, e) for s, e, lab in rec["label"] if lab == INDICATOR)


# ---------------------------------------------------------------- a real Label Studio


TOKEN = "0123456789abcdef0123456789abcdef01234567"


def _label_studio_bin() -> str | None:
    for cand in (os.environ.get("LABEL_STUDIO_BIN"), "/opt/label-studio/bin/label-studio", shutil.which("label-studio")):
        if cand and Path(cand).is_file():
            return cand
    return None


def _api(url, path, method="GET", body=None, token=TOKEN):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_tail(log: str | None, lines: int = 15) -> str:
    if not log or not Path(log).is_file():
        return ""
    tail = Path(log).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\nLabel Studio's last lines:\n" + "\n".join(tail)


def _wait_until_up(url: str, token: str, alive=lambda: True, log: str | None = None, seconds: float = 900) -> None:
    """Label Studio migrates its database on first start: minutes on a busy 2-core machine.
    A server that has exited fails at once, with its log's last lines."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            _api(url, "/api/projects", token=token)
            return
        except Exception as e:
            if not alive() or time.monotonic() > deadline:
                state = "exited" if not alive() else f"no answer after {seconds:.0f} s"
                pytest.fail(f"Label Studio at {url} did not answer ({state}): {e}{_log_tail(log)}")
            time.sleep(3)


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory):
    """A Label Studio server on loopback: the one .ci/run started (LABEL_STUDIO_URL), or one
    started here. Skipped where Label Studio is not installed, except in CI, where it must be."""
    url = os.environ.get("LABEL_STUDIO_URL")
    if url:
        token = os.environ.get("LABEL_STUDIO_TOKEN", TOKEN)
        pid = os.environ.get("LABEL_STUDIO_PID")
        alive = (lambda: _pid_alive(int(pid))) if pid else (lambda: True)
        _wait_until_up(url.rstrip("/"), token, alive, os.environ.get("LABEL_STUDIO_LOG"))
        yield url.rstrip("/"), token
        return
    exe = _label_studio_bin()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Label Studio is not installed: .ci/run installs it into /opt/label-studio")
        pytest.skip("Label Studio not installed (pip install label-studio into its own venv, see .ci/run)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path_factory.mktemp("ls-data")
    log = data / "server.log"
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true"}
    proc = subprocess.Popen([exe, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
                             "--data-dir", str(data), "--username", "test@example.com", "--password", "nscl-test-pw",
                             "--user-token", TOKEN], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, TOKEN, lambda: proc.poll() is None, str(log))
        yield url, TOKEN
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_round_trip_through_a_real_label_studio(label_studio, tasks, tmp_path):
    url, token = label_studio
    project = _api(url, "/api/projects", "POST", {"title": "nscl-extract round trip",
                                                   "label_config": label_studio_config()}, token)
    pid = project["id"]
    _api(url, f"/api/projects/{pid}/import", "POST", tasks, token)
    ls_tasks = _api(url, f"/api/tasks?project={pid}&page_size=100", token=token)
    ls_tasks = ls_tasks["tasks"] if isinstance(ls_tasks, dict) else ls_tasks
    assert len(ls_tasks) == len(SEEDS)
    edited_doc = SEEDS[0].stem
    for t in ls_tasks:
        full = _api(url, f"/api/tasks/{t['id']}", token=token)
        preds = full.get("predictions") or []
        assert preds, "Label Studio dropped the predictions (does it reject them against the config?)"
        result = copy.deepcopy(preds[0]["result"])
        if full["data"]["doc_id"] == edited_doc:
            subj = next(r for r in result if r["from_name"] == "subject")
            subj["value"]["text"] = ["doanh nghiệp (sửa)"]
            edited_start = subj["value"]["start"]
        _api(url, f"/api/tasks/{t['id']}/annotations", "POST", {"result": result}, token)
    export = _api(url, f"/api/projects/{pid}/export?exportType=JSON", token=token)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    gold_dir = tmp_path / "gold"
    run("gold", "import", path, "-o", gold_dir)
    report = score_corpus(gold_dir, ROOT / "corpus")
    assert all(prf.f1 == 1.0 for prf in report.types.values())
    assert report.indicators.key.f1 == 1.0
    g = read_gold_file(gold_dir / f"{edited_doc}.json")
    edited = [i for i in g.indicators if i.start == edited_start]
    assert [i.subject for i in edited] == ["doanh nghiệp (sửa)"]
    # only that subject differs from the predictions, so subject overlap is just below 1
    assert 0.9 < report.indicators.subject.mean < 1.0
