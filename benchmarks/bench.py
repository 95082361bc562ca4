"""Speed and memory of nscl-extract: the headline figures of issue 13, side by side in one run.

    python benchmarks/bench.py           # >= 5 MiB corpus, 3 rounds: 3-6 minutes on 2 idle cores
    python benchmarks/bench.py --quick   # ~0.5 MiB, 1 round: checks the harness, writes nothing

Every measurement runs in a fresh process, one after the other, in rounds (benchmarks/README.md
explains the method). It prints a table, writes benchmarks/results.json and refreshes the block
between the `bench` markers of benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MB = 1_000_000
GOALS = {"whole_process_ratio": 0.12, "in_process_mb_s": 3.0, "two_workers_speedup": 1.8,
         "first_result_s": 0.6, "worker_rss_mb": 200.0}


# --- the corpus: copies of the seeds, held-out and dev documents, each with its own spacing ---

def sources() -> list[Path]:
    dirs = [REPO / "corpus", REPO / "corpus" / "holdout", REPO.parent / "shared" / "dev"]
    return [f for d in dirs if d.is_dir() for f in sorted(d.glob("*.txt"))]


_GAP = re.compile(r"(?<=[^\W\d_]) (?=[^\W\d_])")  # one space between two letters


def vary(text: str, k: int) -> str:
    """Copy k >= 1 doubles each space between two letters or not, by a bit of Random(k): every
    paragraph and sentence differs between copies, so no text-keyed cache makes a copy free, and
    the mentions stay the same (the extractors match runs of white space)."""
    rng = random.Random(k)
    return text if k == 0 else _GAP.sub(lambda _: "  " if rng.getrandbits(1) else " ", text)


def build_corpus(folder: Path, min_bytes: int) -> dict:
    texts = [(f.stem, unicodedata.normalize("NFC", f.read_text(encoding="utf-8"))) for f in sources()]
    total = copies = 0
    while total < min_bytes:
        for stem, text in texts:
            data = vary(text, copies).encode("utf-8")
            (folder / f"c{copies:03d}_{stem}.txt").write_bytes(data)
            total += len(data)
        copies += 1
    return {"source_documents": len(texts), "copies": copies, "documents": copies * len(texts),
            "bytes": total, "MB": round(total / MB, 2)}


# --- child processes: `bench.py --child NAME ...` ----------------------------------------------

def _clear_text_caches() -> None:
    """Clear nscl_extract's bounded lru_caches (text windows); rule compiling (maxsize 1) stays."""
    for name, mod in list(sys.modules.items()):
        if name.startswith("nscl_extract") and mod is not None:
            for fn in list(vars(mod).values()):
                info = getattr(fn, "cache_info", None)
                if callable(info) and getattr(fn, "__module__", "") == name and (info().maxsize or 0) > 1:
                    fn.cache_clear()


def _documents(folder: str, max_bytes: float = float("inf")) -> list[tuple[str, str]]:
    docs, size = [], 0
    for p in sorted(Path(folder).glob("*.txt")):
        if size >= max_bytes:
            break
        docs.append((p.stem, p.read_text(encoding="utf-8")))
        size += len(docs[-1][1].encode())
    return docs


def _run_pipeline(docs) -> dict:
    """extract_text over documents in memory, text caches cleared at each copy boundary; mention
    counts per document, so that copies can be checked against copy 0."""
    from nscl_extract.pipeline import extract_text

    counts, copy = {}, None
    for doc_id, text in docs:
        if doc_id[:4] != copy:
            _clear_text_caches()
            copy = doc_id[:4]
        d = extract_text(text, doc_id)
        counts[doc_id] = [len(getattr(d, k)) for k in ("dates", "percentages", "counts", "amounts", "indicators")]
    return counts


def child_inproc(folder: str) -> dict:
    from nscl_extract.pipeline import warm_up

    docs = _documents(folder)
    warm_up()
    wall, cpu = time.perf_counter(), time.process_time()
    counts = _run_pipeline(docs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    drift = [d for d, c in counts.items() if c != counts["c000" + d[4:]]]
    return {"in_process_wall_s": wall, "in_process_cpu_s": cpu, "bytes": sum(len(t.encode()) for _, t in docs),
            "copies_differing_from_copy_0": len(drift)}


def child_first(t0: str, seed: str) -> dict:
    """Import to first result, from the parent's clock just before it started this process."""
    import nscl_extract.pipeline

    imported = time.time()
    heavy = [m for m in ("underthesea", "spacy", "trafilatura", "rich", "lxml", "docx", "pdfplumber") if m in sys.modules]
    import underthesea  # noqa: F401  (extract_file would import it: imported here, it is timed on its own)

    underthesea_done = time.time()
    nscl_extract.pipeline.extract_file(seed)
    done = time.time()
    return {"first_result_s": done - float(t0), "import_s": imported - float(t0),
            "underthesea_import_s": underthesea_done - imported, "extract_s": done - underthesea_done,
            "heavy_modules_after_import": heavy}


def child_profile(folder: str, max_bytes: str) -> dict:
    import cProfile
    import pstats

    from nscl_extract.pipeline import warm_up

    docs = _documents(folder, float(max_bytes))
    warm_up()
    prof = cProfile.Profile()
    prof.runcall(_run_pipeline, docs)
    rows = []
    for (file, line, func), (_, calls, tot, cum, _) in pstats.Stats(prof).stats.items():
        where = next((m + file.rsplit(m, 1)[1] for m in ("nscl_extract/", "underthesea/", "pydantic/") if m in file),
                     Path(file).name)
        rows.append({"function": f"{where}:{line}({func})", "calls": calls, "tottime": round(tot, 3), "cumtime": round(cum, 3)})
    ours = [r for r in rows if r["function"].startswith(("nscl_extract/", "underthesea/"))]
    return {"bytes": sum(len(t.encode()) for _, t in docs), "documents": len(docs),
            "total_s": round(sum(r["tottime"] for r in rows), 3),
            "by_tottime": sorted(rows, key=lambda r: -r["tottime"])[:15],
            "by_cumtime": sorted(ours, key=lambda r: -r["cumtime"])[:15]}


CHILDREN = {"inproc": child_inproc, "first": child_first, "profile": child_profile}


# --- running a child: wall, CPU of its whole process tree, peak RSS of each process -----------

def _become_subreaper() -> None:
    """Orphans of a child (a batch's forkserver and its workers) are re-parented to this process
    instead of init, so that waiting for them here accounts for their CPU time."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _busy_s() -> float:
    with open("/proc/stat") as f:
        user, nice, system, _idle, _io, irq, softirq, *_ = map(int, f.readline().split()[1:])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


class PeakWatch(threading.Thread):
    """Polls the peak RSS (VmHWM) of `root` and every process below it until stopped."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.peaks, self.parent, self.stopped = root, {}, {}, threading.Event()

    def run(self):
        while not self.stopped.wait(0.1):
            todo = [self.root]
            while todo:  # walk the tree through /proc/PID/task/TID/children (cheap: no scan of /proc)
                pid = todo.pop()
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    kids = [int(c) for t in os.listdir(f"/proc/{pid}/task")
                            for c in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
                except OSError:
                    continue
                for c in kids:
                    self.parent[c] = pid
                todo += kids
                if (m := re.search(r"VmHWM:\s+(\d+) kB", status)):
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(m.group(1)) / 1024)


def run(cmd: list[str]) -> dict:
    """Run cmd (from the repository root), wait for it and every process it left behind."""
    busy, wall = _busy_s(), time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err)
        watch = PeakWatch(proc.pid)
        watch.start()
        cpu, status = 0.0, 0
        while True:
            try:
                pid, st, ru = os.wait4(-1, 0)
            except ChildProcessError:
                break
            cpu += ru.ru_utime + ru.ru_stime
            if pid == proc.pid:
                proc.returncode, status, top_rss = os.waitstatus_to_exitcode(st), st, ru.ru_maxrss / 1024
                wall = time.perf_counter() - wall
        watch.stopped.set()
        watch.join()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-2000:]}")
    # the pool's workers are the grandchildren (top -> forkserver -> workers)
    workers = [rss for pid, rss in watch.peaks.items() if watch.parent.get(watch.parent.get(pid)) == proc.pid]
    result = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": top_rss, "worker_peak_rss_mb": sorted(workers, reverse=True),
              "other_load_cores": max(0.0, (_busy_s() - busy - cpu) / wall)}
    if stdout.strip().startswith("{"):
        result.update(json.loads(stdout.strip().splitlines()[-1]))
    return result


def child(name: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", name, *args]


def cli() -> list[str]:
    script = Path(sys.executable).with_name("nscl-extract")
    return [str(script)] if script.exists() else [sys.executable, "-m", "nscl_extract.cli"]


# --- the run -----------------------------------------------------------------------------------

def measure(rounds: int, min_mib: float, profile_mb: float, budget_s: float) -> dict:
    _become_subreaper()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nscl-bench-") as tmp:
        folder, out = Path(tmp, "corpus"), Path(tmp, "out.jsonl")
        folder.mkdir()
        corpus = build_corpus(folder, int(min_mib * 1024 * 1024))
        seed = str(sources()[0])
        modes = {
            "tokenize": lambda: run([sys.executable, str(HERE / "tokenize_baseline.py"), str(folder), str(out)]),
            "batch_1": lambda: run(cli() + ["batch", str(folder), "-o", str(out), "--workers", "1"]),
            "batch_2": lambda: run(cli() + ["batch", str(folder), "-o", str(out), "--workers", "2"]),
            "inproc": lambda: run(child("inproc", str(folder))),
            "first": lambda: run(child("first", repr(time.time()), seed)),
        }
        done = []
        for r in range(rounds):
            t = time.perf_counter()
            done.append({name: fn() for name, fn in modes.items()})
            print(f"round {r + 1}: " + ", ".join(f"{k} {v['wall_s']:.1f}s" for k, v in done[-1].items()), file=sys.stderr)
            if time.perf_counter() - started + (time.perf_counter() - t) > budget_s:
                break  # keep the whole run inside its time budget
        profile = run(child("profile", str(folder), str(profile_mb * MB)))
    return {"corpus": corpus, "rounds": done, "profile": profile, "seconds": round(time.perf_counter() - started)}


def headline(res: dict) -> list[dict]:
    rounds, mb = res["rounds"], res["corpus"]["bytes"] / MB
    med = lambda f: statistics.median(f(r) for r in rounds)  # noqa: E731
    spread = lambda f: " / ".join(f"{f(r):.2f}" for r in rounds)  # noqa: E731
    ratio = lambda r: r["batch_1"]["wall_s"] / r["tokenize"]["wall_s"]  # noqa: E731
    speedup = lambda r: r["batch_1"]["wall_s"] / r["batch_2"]["wall_s"]  # noqa: E731
    mb_s = lambda r: mb / r["inproc"]["in_process_wall_s"]  # noqa: E731
    first = lambda r: r["first"]["first_result_s"]  # noqa: E731
    rss = max(max(r["batch_1"]["peak_rss_mb"], *r["batch_2"]["worker_peak_rss_mb"]) for r in rounds)
    rows = [
        ("whole_process_ratio", "batch --workers 1 / word_tokenize script, wall", med(ratio), "<=",
         f"rounds {spread(ratio)}; CPU-time ratio {med(lambda r: r['batch_1']['cpu_s'] / r['tokenize']['cpu_s']):.3f}; "
         f"{med(lambda r: r['batch_1']['wall_s']):.1f} s vs {med(lambda r: r['tokenize']['wall_s']):.1f} s"),
        ("in_process_mb_s", "in-process pipeline, MB/s (wall)", med(mb_s), ">=",
         f"rounds {spread(mb_s)}; by CPU time {med(lambda r: mb / r['inproc']['in_process_cpu_s']):.2f} MB/s"),
        ("two_workers_speedup", "batch --workers 2 vs 1, wall", med(speedup), ">=",
         f"rounds {spread(speedup)}; CPU {med(lambda r: r['batch_1']['cpu_s']):.1f} s vs "
         f"{med(lambda r: r['batch_2']['cpu_s']):.1f} s (all processes)"),
        ("first_result_s", "import to first result, s", med(first), "<=",
         f"rounds {spread(first)}; python + import nscl_extract.pipeline {med(lambda r: r['first']['import_s']):.2f} s "
         f"(heavy modules: {', '.join(rounds[0]['first']['heavy_modules_after_import']) or 'none'}), import underthesea "
         f"{med(lambda r: r['first']['underthesea_import_s']):.2f} s, extract_file (models, rules) "
         f"{med(lambda r: r['first']['extract_s']):.2f} s"),
        ("worker_rss_mb", "peak RSS per worker, MB", rss, "<=",
         f"batch 1 worker {rounds[0]['batch_1']['peak_rss_mb']:.0f}, 2 workers "
         f"{' + '.join(f'{x:.0f}' for x in rounds[0]['batch_2']['worker_peak_rss_mb'])}, in-process {rounds[0]['inproc']['peak_rss_mb']:.0f}"),
    ]
    return [{"target": k, "what": what, "measured": round(v, 3), "goal": f"{op} {GOALS[k]}",
             "met": v <= GOALS[k] if op == "<=" else v >= GOALS[k], "detail": detail} for k, what, v, op, detail in rows]


def git_state() -> dict:
    """The commit of the checkout the children import nscl_extract from (PYTHONPATH may point elsewhere)."""
    from importlib.util import find_spec

    where = Path(find_spec("nscl_extract").origin).parent.parent
    git = lambda *a: subprocess.run(["git", *a], cwd=where, capture_output=True, text=True).stdout.strip()  # noqa: E731
    return {"package": str(where), "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "nscl_extract", "rules"))}


def markdown(res: dict) -> str:
    c = res["corpus"]
    lines = [f"Run {res['finished']} on {res['machine']['cpus']} CPUs, commit {res['git']['commit']}"
             f"{' (uncommitted changes)' if res['git']['dirty'] else ''}; corpus {c['documents']} documents "
             f"({c['source_documents']} sources x {c['copies']} copies), {c['MB']} MB; {len(res['rounds'])} rounds, "
             f"medians shown; {res['seconds']} s in all.", "",
             "| target | measured | goal | met | detail |", "|---|---:|---|---|---|"]
    lines += [f"| {h['what']} | {h['measured']} | {h['goal']} | {'yes' if h['met'] else '**no**'} | {h['detail']} |"
              for h in res["headline"]]
    lines += ["", "| mode (round 1) | wall s | CPU s | peak RSS MB | other load (cores) |", "|---|---:|---:|---:|---:|"]
    for name, m in res["rounds"][0].items():
        lines.append(f"| {name} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_rss_mb']:.0f} | {m['other_load_cores']:.2f} |")
    p = res["profile"]
    lines += ["", f"cProfile, in-process pipeline over {p['documents']} documents ({p['bytes'] / MB:.2f} MB), "
              f"top functions by own time (tottime), then nscl_extract/underthesea by cumulative time:", "",
              "| function | calls | tottime s | cumtime s |", "|---|---:|---:|---:|"]
    lines += [f"| `{r['function']}` | {r['calls']} | {r['tottime']} | {r['cumtime']} |" for r in p["by_tottime"][:12]]
    lines += ["| | | | |"] + [f"| `{r['function']}` | {r['calls']} | {r['tottime']} | {r['cumtime']} |"
                               for r in p["by_cumtime"][:12]]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="~0.5 MiB, 1 round, writes nothing")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--min-mib", type=float, default=5.0)
    ap.add_argument("--budget", type=float, default=420, help="start no new round after this many seconds")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(CHILDREN[a.child[0]](*a.child[1:])))
        return
    rounds, mib = (1, 0.5) if a.quick else (a.rounds, a.min_mib)
    res = measure(rounds, mib, profile_mb=0.25 if a.quick else 1.0, budget_s=a.budget)
    from importlib.metadata import version

    res.update(finished=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), git=git_state(),
               machine={"cpus": os.cpu_count(), "python": platform.python_version(), "underthesea": version("underthesea")},
               command="python benchmarks/bench.py" + (" --quick" if a.quick else ""))
    res["headline"] = headline(res)
    text = markdown(res)
    print(text)
    if not a.quick:
        (HERE / "results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False) + "\n")
        readme = (HERE / "README.md").read_text()
        begin, end = "<!-- BEGIN bench -->\n", "<!-- END bench -->"
        if begin in readme and end in readme:
            head, rest = readme.split(begin, 1)
            (HERE / "README.md").write_text(head + begin + text + "\n" + end + rest.split(end, 1)[1])


if __name__ == "__main__":
    main()
