"""Speed and memory of nscl-extract, measured side by side in one run.

    /work/venv/bin/python benchmarks/bench.py            # the full run: >= 5 MiB corpus, ~2-4 minutes
    /work/venv/bin/python benchmarks/bench.py --quick    # ~0.5 MiB, a smoke test of the harness itself

Not part of the test suite. It builds a corpus of at least 5 MiB by repeating the seed corpus
(corpus/, held-out set included) and the development corpus (../shared/dev/, when present) with a per-copy whitespace
variation (see `vary`), then measures, each mode in a fresh subprocess so that peak RSS is per mode:

  full      the full pipeline: extract_text(..., with_indicators=True), single process
  segment   underthesea word_tokenize(line) over every non-blank line of the same text, single process
  regex     the regex mention layer alone: extract_text(..., with_indicators=False), single process
            (furniture, entity view, every extractor incl. the POS-tag fallback for count nouns,
            table cells, document fields; no indicator stage)
  batch_1   the batch command's engine (nscl_extract.batch.run_batch, files in, JSONL out), 1 worker
  batch_2   the same with 2 workers (its ProcessPoolExecutor on forkserver), per-worker peak RSS

plus import-to-first-result (a fresh `python -c` that imports the package and extracts one seed
document, timed from process start), a per-stage profile of extract_text and a cProfile of the
full pipeline. It prints a table, writes benchmarks/results.json and refreshes the generated
blocks of benchmarks/README.md (between the `<!-- BEGIN bench:... -->` markers).

Throughput excludes imports and one warm-up document (a variant not in the corpus); the batch
modes are timed around run_batch, so they include worker start-up, file reading and JSON output.
MB means 10**6 bytes of UTF-8 text.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Keep this module's top level light: the batch workers (forkserver) import it again as __mp_main__.

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results.json"
README = HERE / "README.md"
MB = 1_000_000
MIB = 1024 * 1024

TARGETS = {
    "ratio": 0.25,          # full pipeline time / word_tokenize time
    "rss_mb": 300.0,        # peak RSS per worker
    "first_result_s": 1.5,  # import to first result
    "speedup": 1.7,         # 2 workers over 1
}


# --- corpus -----------------------------------------------------------------------------------

def source_files(extra_dirs: list[Path]) -> list[Path]:
    files = sorted((REPO / "corpus").rglob("*.txt"))  # the seeds and corpus/holdout/
    for d in extra_dirs:
        if d.is_dir():
            files += sorted(d.glob("*.txt"))
    return files


# One space between two letters. (Spacing variants found two bugs in tables.py, money units looked
# up with their exact spacing, fixed in 77f677f; `drift` guards against more of the kind.)
_GAP = re.compile(r"(?<=[^\W\d_]) (?=[^\W\d_])")


def vary(text: str, k: int) -> str:
    """Copy k of a document: copy 0 is the text as it is; in copy k >= 1 each single space between
    two letters is doubled or not by a pseudo-random bit
    seeded with k. Every paragraph and every longer word window differs between copies, so caches
    keyed by text (whole documents, paragraphs, sentences) cannot make a copy free, while the
    mentions stay the same (the extractors match whitespace runs; `drift` in results.json counts
    copies whose mention counts differ from copy 0). Windows of one or two words can still repeat
    across copies: see TextCaches."""
    if k == 0:
        return text
    rng = random.Random(k)

    def widen(_m):
        return "  " if rng.getrandbits(1) else " "

    return _GAP.sub(widen, text)


class TextCaches:
    """The bounded lru_caches of nscl_extract (maxsize > 1: keyed by text windows, such as words.py's
    over underthesea; rule loading and compiling, maxsize 1 or unbounded, are left alone). Short
    word windows repeat across copies whatever the spacing, so the single-process modes clear these
    caches at each copy boundary: within a copy they work as on 27 distinct documents, across copies
    they cannot make a copy free. Hits and misses are summed over the run."""

    def __init__(self):
        self.totals: dict[str, dict] = {}

    def _caches(self):
        for name, mod in list(sys.modules.items()):
            if not name.startswith("nscl_extract") or mod is None:
                continue
            for attr, fn in list(vars(mod).items()):
                info = getattr(fn, "cache_info", None)
                if callable(info) and getattr(fn, "__module__", None) == name:
                    yield f"{name}.{attr}", fn

    def flush(self, clear: bool = True) -> None:
        for key, fn in self._caches():
            ci = fn.cache_info()
            bounded = ci.maxsize is not None and ci.maxsize > 1
            t = self.totals.setdefault(key, {"hits": 0, "misses": 0, "cleared_per_copy": bounded and clear})
            t["hits"] += ci.hits
            t["misses"] += ci.misses
            if bounded and clear:
                fn.cache_clear()

    def report(self) -> dict:
        return {k: v for k, v in self.totals.items() if v["hits"] or v["misses"]}


def copy_of(doc_id: str) -> str:
    return doc_id.split("_", 1)[0]


def build_corpus(folder: Path, min_bytes: int, extra_dirs: list[Path]) -> dict:
    from nscl_extract.loaders import load

    files = source_files(extra_dirs)
    if not files:
        raise SystemExit("no .txt documents in corpus/")
    originals = [(f.stem, load(f).text) for f in files]
    folder.mkdir(parents=True, exist_ok=True)
    total = copies = docs = 0
    while total < min_bytes:
        for stem, text in originals:
            data = vary(text, copies).encode("utf-8")
            (folder / f"c{copies:03d}_{stem}.txt").write_bytes(data)
            total += len(data)
            docs += 1
        copies += 1
    natural = sum(len(t.encode("utf-8")) for _, t in originals)
    return {"sources": [str(f.relative_to(REPO.parent)) if f.is_relative_to(REPO.parent) else str(f) for f in files],
            "source_documents": len(files), "source_bytes": natural, "copies": copies, "documents": docs,
            "bytes": total, "MB": round(total / MB, 3), "MiB": round(total / MIB, 3),
            "mean_document_bytes": round(total / docs),
            "variation": "copy k>=1: each single space between two letters doubled by a bit of random.Random(k)"}


def read_corpus(folder: Path) -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


def warmup_text(folder: Path) -> str:
    first = sorted(folder.glob("c000_*.txt"))[0].read_text(encoding="utf-8")
    return vary(first, 10 ** 6)  # a variant that is not in the corpus


# --- measurements inside a child process --------------------------------------------------------

def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _counts(doc) -> dict:
    kinds = ("citations", "dates", "periods", "percentages", "counts", "amounts", "standards", "indicators")
    return {k: len(getattr(doc, k, None) or []) for k in kinds}


def child_extract(folder: Path, with_indicators: bool) -> dict:
    from nscl_extract.pipeline import extract_text

    corpus = read_corpus(folder)
    t = time.perf_counter()
    extract_text(warmup_text(folder), "warmup", with_indicators=with_indicators)
    warm = time.perf_counter() - t
    rss_before = peak_rss_mb()
    caches = TextCaches()
    caches.flush()
    caches.totals.clear()
    counts: dict[str, dict] = {}
    per_doc = []
    copy = None
    cpu = time.process_time()
    start = time.perf_counter()
    for doc_id, text in corpus:
        if copy_of(doc_id) != copy:
            caches.flush()
            copy = copy_of(doc_id)
        t = time.perf_counter()
        doc = extract_text(text, doc_id, with_indicators=with_indicators)
        per_doc.append((time.perf_counter() - t, doc_id))
        counts[doc_id] = _counts(doc)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    caches.flush(clear=False)
    drift = sorted(d for d, c in counts.items()
                   if not d.startswith("c000_") and c != counts.get("c000_" + d.split("_", 1)[1]))
    slow = sorted(per_doc, reverse=True)[:3]
    return {"seconds": seconds, "cpu_s": cpu, "documents": len(corpus), "bytes": sum(len(t.encode()) for _, t in corpus),
            "peak_rss_mb": peak_rss_mb(), "rss_after_warmup_mb": rss_before, "warmup_s": warm,
            "caches": caches.report(), "drift": len(drift), "drift_examples": drift[:5],
            "mentions": {k: sum(c[k] for c in counts.values()) for k in next(iter(counts.values()))},
            "slowest_documents": [{"doc": d, "s": round(s, 4)} for s, d in slow]}


def child_segment(folder: Path) -> dict:
    from underthesea import word_tokenize

    corpus = read_corpus(folder)
    word_tokenize("Kế hoạch nâng cao năng suất và chất lượng sản phẩm, hàng hóa")  # warm-up
    lines = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for _, text in corpus:
        for line in text.splitlines():
            if line.strip():
                word_tokenize(line)
                lines += 1
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "documents": len(corpus), "bytes": sum(len(t.encode()) for _, t in corpus),
            "lines": lines, "peak_rss_mb": peak_rss_mb()}


class DescendantWatch:
    """Polls /proc for this process's descendants and their VmHWM (peak RSS, monotonic), so the
    pool workers' peaks are known after they exit."""

    def __init__(self, interval: float = 0.25):
        self.interval = interval
        self.seen: dict[int, dict] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            self.sample(me)
            self._stop.wait(self.interval)

    def sample(self, root: int) -> None:
        parent, cpu = {}, {}
        hz = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    parent[int(entry)] = int(fields[1])
                    cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / hz
                except (OSError, IndexError, ValueError):
                    pass
        family = {root}
        changed = True
        while changed:
            changed = False
            for pid, ppid in parent.items():
                if ppid in family and pid not in family:
                    family.add(pid)
                    changed = True
        for pid in family - {root}:
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            m = re.search(r"VmHWM:\s+(\d+) kB", status)
            if not m:
                continue
            rec = self.seen.setdefault(pid, {"pid": pid, "ppid": parent.get(pid), "cmd": cmd[:160], "peak_rss_mb": 0.0})
            rec["peak_rss_mb"] = max(rec["peak_rss_mb"], int(m.group(1)) / 1024)
            rec["cpu_s"] = max(rec.get("cpu_s", 0.0), cpu.get(pid, 0.0))

    def roles(self) -> list[dict]:
        servers = {p for p, r in self.seen.items() if "forkserver" in r["cmd"] and r["ppid"] not in self.seen}
        out = []
        for pid, r in sorted(self.seen.items()):
            if "resource_tracker" in r["cmd"]:
                role = "resource tracker"
            elif pid in servers:
                role = "forkserver"
            else:
                role = "worker"
            out.append({**r, "role": role, "peak_rss_mb": round(r["peak_rss_mb"], 1)})
        return out


def child_batch(folder: Path, workers: int, out_dir: Path) -> dict:
    import resource

    from nscl_extract.batch import run_batch

    output = out_dir / f"batch_{workers}.jsonl"
    with DescendantWatch() as watch:
        cpu = time.process_time()
        start = time.perf_counter()
        summary = run_batch([str(folder)], str(output), workers=workers)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    procs = watch.roles()
    if workers <= 1:
        worker_rss = [peak_rss_mb()]  # run_local extracts in this process
    else:
        worker_rss = [p["peak_rss_mb"] for p in procs if p["role"] == "worker"]
    size = output.stat().st_size
    output.unlink()
    return {"seconds": seconds, "cpu_s": cpu + sum(p.get("cpu_s", 0.0) for p in procs), "parent_cpu_s": cpu,
            "descendants_cpu_s": sum(p.get("cpu_s", 0.0) for p in procs),
            "documents": summary.total, "ok": summary.ok, "failed": summary.failed,
            "bytes": sum(p.stat().st_size for p in folder.glob("*.txt")), "output_bytes": size,
            "main_peak_rss_mb": peak_rss_mb(), "worker_peak_rss_mb": worker_rss,
            "peak_rss_mb": max(worker_rss) if worker_rss else None,
            "largest_child_rss_mb_rusage": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "processes": procs}


SKIP_MODULES = ("nscl_extract.batch", "nscl_extract.cli", "nscl_extract.store", "nscl_extract.score",
                "nscl_extract.gold", "nscl_extract.report", "nscl_extract.review", "nscl_extract.loaders")
UNDERTHESEA = ("sent_tokenize", "word_tokenize", "pos_tag", "chunk", "ner")


class StageTimer:
    """Times extract_text stage by stage without knowing its stages: every function of every loaded
    nscl_extract module (defined there or imported from another nscl_extract module; lru_cached
    ones excepted, the functions they call are wrapped) is replaced in that module's namespace by a
    wrapper, and so are underthesea's public functions (the package attributes, which nscl_extract
    imports lazily). Time is attributed to the chain of wrapped calls it happened in, so the
    first level is extract_text's stages and deeper levels say what inside a stage costs. A
    recursive call counts in its outermost frame."""

    def __init__(self):
        from collections import defaultdict

        self.stack: list[str] = []
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self.order: dict[tuple, None] = {}

    def wrap(self, name: str, fn):
        timer = self
        perf = time.perf_counter

        def timed(*args, **kwargs):
            if name in timer.stack:
                return fn(*args, **kwargs)
            timer.stack.append(name)
            path = tuple(timer.stack)
            t = perf()
            try:
                return fn(*args, **kwargs)
            finally:
                timer.seconds[path] += perf() - t
                timer.calls[path] += 1
                timer.stack.pop()
                timer.order.setdefault(path)

        timed.__wrapped__ = fn
        timed.__bench_timed__ = True
        return timed

    def install(self):
        import inspect

        import underthesea

        names = {}
        for modname, mod in sorted(sys.modules.items()):
            if not modname.startswith("nscl_extract") or modname.startswith(SKIP_MODULES) or mod is None:
                continue
            for attr, fn in list(vars(mod).items()):
                if not inspect.isfunction(fn) or getattr(fn, "__bench_timed__", False):
                    continue
                if not (fn.__module__ or "").startswith("nscl_extract") or fn.__module__.startswith(SKIP_MODULES):
                    continue
                if fn.__module__ == "nscl_extract.pipeline" and fn.__name__ in ("extract_text", "_extract"):
                    continue  # the root: timed by the caller
                key = (fn.__module__, fn.__qualname__)
                if key not in names:
                    names[key] = self.wrap(f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__qualname__}", fn)
                setattr(mod, attr, names[key])
        for attr in UNDERTHESEA:
            if hasattr(underthesea, attr):
                setattr(underthesea, attr, self.wrap(f"underthesea.{attr}", getattr(underthesea, attr)))


def child_stages(folder: Path) -> dict:
    from nscl_extract.pipeline import extract_text

    corpus = read_corpus(folder)
    extract_text(warmup_text(folder), "warmup")  # loads every module the pipeline uses
    timer = StageTimer()
    timer.install()
    import nscl_extract.pipeline as pipeline

    caches = TextCaches()
    caches.flush()
    copy = None
    start = time.perf_counter()
    for doc_id, text in corpus:
        if copy_of(doc_id) != copy:
            caches.flush()
            copy = copy_of(doc_id)
        pipeline.extract_text(text, doc_id)
    total = time.perf_counter() - start
    rows = [{"stage": " > ".join(p), "depth": len(p) - 1, "seconds": round(timer.seconds[p], 4),
             "calls": timer.calls[p], "share": round(timer.seconds[p] / total, 4)} for p in _tree_order(timer.order)]
    top = sum(timer.seconds[p] for p in timer.order if len(p) == 1)
    rows.append({"stage": "rest of extract_text (its own code: overlap claims, sorting, Document validation)",
                 "depth": 0, "seconds": round(total - top, 4), "calls": len(corpus), "share": round((total - top) / total, 4)})
    return {"seconds": total, "documents": len(corpus), "bytes": sum(len(t.encode()) for _, t in corpus),
            "wrapped_functions": sum(1 for p in timer.order if len(p) == 1), "stages": rows}


def _tree_order(paths) -> list[tuple]:
    """Parents before children, siblings in order of first call."""
    first = {p: i for i, p in enumerate(paths)}
    return sorted(paths, key=lambda p: [first.get(p[:k], 0) for k in range(1, len(p) + 1)])


def child_cprofile(folder: Path, max_bytes: int) -> dict:
    import cProfile
    import pstats

    from nscl_extract.pipeline import extract_text

    corpus, size = [], 0
    for doc_id, text in read_corpus(folder):
        if size >= max_bytes:
            break
        corpus.append((doc_id, text))
        size += len(text.encode())
    extract_text(warmup_text(folder), "warmup")
    caches = TextCaches()
    caches.flush()
    copy = None
    prof = cProfile.Profile()
    prof.enable()
    for doc_id, text in corpus:
        if copy_of(doc_id) != copy:
            caches.flush()
            copy = copy_of(doc_id)
        extract_text(text, doc_id)
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        short = _short_path(file)
        rows.append({"function": f"{short}:{line}({func})", "ncalls": nc, "tottime": round(tt, 4), "cumtime": round(ct, 4)})
    by_cum = sorted(rows, key=lambda r: -r["cumtime"])
    ours = [r for r in by_cum if r["function"].startswith(("nscl_extract/", "underthesea/"))]
    by_tot = sorted(rows, key=lambda r: -r["tottime"])[:15]
    return {"documents": len(corpus), "bytes": size, "total_s": round(total, 3),
            "top_cumulative": ours[:25], "top_tottime": by_tot}


def _short_path(file: str) -> str:
    """nscl_extract/..., underthesea/..., stdlib/... whichever copy (checkout, snapshot, venv) ran."""
    for marker in ("/nscl_extract/", "/underthesea/"):
        if marker in file:
            return marker[1:] + file.rsplit(marker, 1)[1]
    if "/site-packages/" in file:
        return file.split("/site-packages/", 1)[1]
    if "/lib/python3" in file:
        return "stdlib/" + file.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return file


# --- a snapshot of the code, so that every mode measures the same version ---------------------------

SNAPSHOT: Path | None = None


def snapshot_package(dest: Path) -> dict:
    """Copy the nscl_extract package (and rules/ beside it, as rules.rules_dir() looks there first)
    into dest; the children import it from there (PYTHONPATH, and a working folder without the
    checkout), so edits to the working tree while the benchmark runs do not mix versions."""
    import hashlib
    import importlib.util

    global SNAPSHOT
    spec = importlib.util.find_spec("nscl_extract")
    pkg = Path(list(spec.submodule_search_locations)[0])
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(pkg, dest / "nscl_extract", ignore=ignore)
    if (pkg.parent / "rules").is_dir():
        shutil.copytree(pkg.parent / "rules", dest / "rules", ignore=ignore)
    digest = hashlib.sha256()
    for f in sorted(p for p in dest.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(dest)).encode() + b"\0" + f.read_bytes())
    SNAPSHOT = dest
    sys.path.insert(0, str(dest))
    return {"from": str(pkg), "sha256": digest.hexdigest()[:16], **git_state()}


def child_env() -> dict:
    env = dict(os.environ)
    if SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(SNAPSHOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def child_cwd() -> Path:
    return SNAPSHOT if SNAPSHOT is not None else REPO


# --- the parent: run every mode in its own process -------------------------------------------------

def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat), for telling how much
    of it other processes took while a mode ran."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_children_cpu_s() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_idle(max_wait: float, quiet_cores: float = 0.3) -> dict:
    """Wait (at most max_wait s) until other processes use less than quiet_cores for 2 s in a row."""
    start = time.perf_counter()
    quiet = 0
    load = None
    while True:
        b0 = machine_busy_s()
        time.sleep(1.0)
        load = machine_busy_s() - b0
        quiet = quiet + 1 if load < quiet_cores else 0
        waited = time.perf_counter() - start
        if quiet >= 2 or waited >= max_wait:
            return {"waited_s": round(waited, 1), "idle": quiet >= 2, "last_load_cores": round(load, 2)}


def run_child(args: list[str], timeout: float = 900, idle_wait: float = 0.0) -> dict:
    idle = wait_idle(idle_wait) if idle_wait > 0 else None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    b0, c0, t0 = machine_busy_s(), own_children_cpu_s(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=child_cwd(), env=child_env())
    wall = time.perf_counter() - t0
    busy, own = machine_busy_s() - b0, own_children_cpu_s() - c0
    if p.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed ({p.returncode}):\n{p.stderr[-4000:]}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    # pool workers are reaped by the forkserver, which the child leaves unreaped: add their CPU
    own += res.get("descendants_cpu_s", 0.0)
    res["machine"] = {"child_wall_s": round(wall, 2), "child_cpu_s": round(own, 2),
                      "other_load_cores": round(max(0.0, busy - own) / wall, 2),
                      "loadavg_after": open("/proc/loadavg").read().split()[:3], "idle_wait": idle}
    return res


# Seconds since this interpreter process started, from /proc: shared by the child scripts below.
SINCE_START = r"""
import os
def since_start():
    with open('/proc/self/stat') as f:
        ticks = int(f.read().rsplit(')', 1)[1].split()[19])
    with open('/proc/uptime') as f:
        up = float(f.read().split()[0])
    return up - ticks / os.sysconf('SC_CLK_TCK')
"""

FIRST_RESULT = SINCE_START + r"""
from nscl_extract.pipeline import extract_file
imported = since_start()
doc = extract_file(SEED)
first = since_start()
import json, sys
print(json.dumps({'import_s': imported, 'first_result_s': first, 'mentions': len(doc.percentages) + len(doc.counts) + len(doc.citations),
                  'underthesea_loaded': 'underthesea' in sys.modules, 'imported_from': sys.modules['nscl_extract'].__file__}))
"""


BREAKDOWN = SINCE_START + r"""
import time
marks = {'interpreter start': since_start()}
t = time.perf_counter()
from nscl_extract.pipeline import extract_file
marks['import nscl_extract.pipeline'] = time.perf_counter() - t; t = time.perf_counter()
import underthesea
marks['import underthesea'] = time.perf_counter() - t; t = time.perf_counter()
underthesea.pos_tag('Hợp tác xã')
marks['underthesea model load (first pos_tag, word_tokenize inside)'] = time.perf_counter() - t; t = time.perf_counter()
extract_file(SEED)
first = time.perf_counter() - t
import nscl_extract.words as w
for name in dir(w):
    if hasattr(getattr(w, name), 'cache_clear'):
        getattr(w, name).cache_clear()
t = time.perf_counter()
extract_file(SEED)
again = time.perf_counter() - t
marks['first extraction: lazy rule loading and compiling (first minus second call)'] = first - again
marks['first extraction: the extraction itself (a second call, caches cleared)'] = again
import json
print(json.dumps(marks))
"""


def import_to_first_result(seed: Path, runs: int = 3) -> dict:
    code = FIRST_RESULT.replace("SEED", repr(str(seed)))
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           cwd=child_cwd(), env=child_env())
        wall = time.perf_counter() - t
        if p.returncode != 0:
            raise SystemExit(f"import-to-first-result failed:\n{p.stderr[-3000:]}")
        inner = json.loads(p.stdout.strip().splitlines()[-1])
        out.append({"wall_s": round(wall, 3), **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in inner.items()}})
    p = subprocess.run([sys.executable, "-c", BREAKDOWN.replace("SEED", repr(str(seed)))], capture_output=True,
                       text=True, timeout=120, cwd=child_cwd(), env=child_env())
    if p.returncode != 0:
        raise SystemExit(f"import-to-first-result breakdown failed:\n{p.stderr[-3000:]}")
    breakdown = {k: round(v, 3) for k, v in json.loads(p.stdout.strip().splitlines()[-1]).items()}
    return {"seed": str(seed.relative_to(REPO)), "runs": out,
            "median_first_result_s": statistics.median(r["first_result_s"] for r in out),
            "median_import_s": statistics.median(r["import_s"] for r in out),
            "median_wall_s": statistics.median(r["wall_s"] for r in out),
            "breakdown_s": breakdown,
            "measure": "first_result_s: seconds from the process's start (/proc/self/stat starttime) to extract_file "
                       "returning; wall_s: spawn to exit as the parent sees it (adds interpreter teardown)",
            "command": f"python -c \"from nscl_extract.pipeline import extract_file; extract_file('{seed.relative_to(REPO)}')\""}


CPU_LOOP = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(8_000_000):\n    x += i * i\nprint(time.perf_counter() - t)"


def cpu_scaling(idle_wait: float, rounds: int = 3) -> dict:
    """How much two independent CPU-bound processes get done at once compared with one: the ceiling
    this machine puts on any 2-worker speedup (2.0 on two free cores; less when the two vCPUs share
    a physical core or the host is busy). One process alone, then two at once, `rounds` times;
    the median round counts."""
    if idle_wait > 0:
        wait_idle(idle_wait)
    cmd = [sys.executable, "-c", CPU_LOOP]
    out = []
    for _ in range(rounds):
        one = float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        two = [float(p.communicate()[0]) for p in procs]
        out.append({"one_s": round(one, 3), "two_s": [round(t, 3) for t in two], "ceiling": round(2 * one / max(two), 3)})
    return {"ceiling": statistics.median(r["ceiling"] for r in out), "rounds": out}


def best_of(rs: list[dict]) -> dict:
    """The fastest run of a mode, with every run's seconds and the largest peak RSS of them all."""
    best = dict(min(rs, key=lambda x: x["seconds"]))
    best["runs_s"] = [round(x["seconds"], 3) for x in rs]
    best["peak_rss_mb"] = max(x["peak_rss_mb"] for x in rs)
    if "worker_peak_rss_mb" in best:
        best["worker_peak_rss_mb"] = [max(ws) for ws in zip(*(x["worker_peak_rss_mb"] for x in rs))] \
            if len({len(x["worker_peak_rss_mb"]) for x in rs}) == 1 else best["worker_peak_rss_mb"]
    best["machine"] = dict(best["machine"], other_load_cores_all_runs=[x["machine"]["other_load_cores"] for x in rs])
    return best


def rates(m: dict) -> dict:
    s = m["seconds"]
    return {**m, "MB_per_s": m["bytes"] / MB / s, "docs_per_s": m["documents"] / s}


def git_state() -> dict:
    def git(*a):
        p = subprocess.run(["git", *a], capture_output=True, text=True, cwd=REPO)
        return p.stdout.strip()

    dirty = git("status", "--porcelain", "--", "nscl_extract", "rules")
    return {"commit": git("rev-parse", "--short", "HEAD"), "package_changes_uncommitted": bool(dirty),
            "uncommitted": dirty.splitlines()[:20]}


BUSY_CORES = 0.25  # other processes' load above which a timing is flagged as unreliable


def _busy(*modes) -> str:
    loads = [(name, x["machine"]["other_load_cores"]) for name, x in modes]
    bad = [f"{n} {v:.2f}" for n, v in loads if v > BUSY_CORES]
    return (" UNRELIABLE: other processes kept the CPUs busy during the run (cores used by others: "
            + ", ".join(bad) + ")") if bad else ""


def evaluate(r: dict) -> list[dict]:
    m = r["modes"]
    full, seg = m["full"], m["segment"]
    stages = r["profile"]["stages"]["stages"]
    cum = r["profile"]["cprofile"]["top_cumulative"]
    out = []

    ratio = full["seconds"] / seg["seconds"]
    rounds = [x / y for x, y in zip(full.get("runs_s", []), seg.get("runs_s", []))]
    note = (f"full pipeline {full['MB_per_s']:.2f} MB/s vs word_tokenize {seg['MB_per_s']:.2f} MB/s: "
            f"{1 / ratio:.1f}x faster than segmenting every word (CPU-time ratio {full['cpu_s'] / seg['cpu_s']:.3f}; "
            f"regex layer alone {m['regex']['seconds'] / seg['seconds']:.3f}"
            + (f"; round by round {', '.join(f'{x:.3f}' for x in rounds)}" if len(rounds) > 1 else "") + ")")
    if ratio > TARGETS["ratio"]:
        top = sorted((s for s in stages if s["depth"] == 0), key=lambda s: -s["seconds"])[:2]
        parts = []
        for s0 in top:
            inner = sorted((s for s in stages if s["depth"] == 1 and s["stage"].startswith(s0["stage"] + " > ")),
                           key=lambda s: -s["seconds"])[:2]
            parts.append(f"{s0['stage']} {s0['seconds']:.1f} s ({s0['share']:.0%})"
                         + (" — inside it " + ", ".join(f"{i['stage'].split(' > ')[-1]} {i['seconds']:.1f} s" for i in inner)
                            if inner else ""))
        deep = [c for c in cum if not c["function"].startswith("nscl_extract/pipeline.py")][:4]
        note += (". Missed; largest stages: " + "; ".join(parts)
                 + ". Top cumulative functions (cProfile): " + ", ".join(f"{c['function']} {c['cumtime']:.2f} s" for c in deep))
    note += _busy(("full", full), ("segment", seg))
    out.append({"target": "full pipeline time <= 0.25 x word_tokenize time", "value": round(ratio, 3),
                "limit": TARGETS["ratio"], "met": ratio <= TARGETS["ratio"], "note": note})

    per = {"full": full["peak_rss_mb"], "regex": m["regex"]["peak_rss_mb"], "batch_1": m["batch_1"]["peak_rss_mb"]}
    for i, w in enumerate(m["batch_2"]["worker_peak_rss_mb"]):
        per[f"batch_2 worker {i + 1}"] = w
    worst = max(per, key=per.get)
    note = ", ".join(f"{k} {v:.0f} MB" for k, v in per.items()) + f" (after imports and warm-up: {full['rss_after_warmup_mb']:.0f} MB)"
    if per[worst] >= TARGETS["rss_mb"]:
        note += f". Missed by {worst}"
    out.append({"target": "peak RSS < 300 MB per worker", "value": round(per[worst], 1), "limit": TARGETS["rss_mb"],
                "met": per[worst] < TARGETS["rss_mb"], "note": note})

    fr = r["import_to_first_result"]
    value = fr["median_first_result_s"]
    note = (f"median of {len(fr['runs'])} fresh `python -c` processes, from process start to extract_file returning "
            f"(imports done at {fr['median_import_s']:.2f} s; spawn-to-exit wall {fr['median_wall_s']:.2f} s)")
    if value >= TARGETS["first_result_s"]:
        parts = sorted(fr["breakdown_s"].items(), key=lambda kv: -kv[1])
        note += ". Missed; one more process timed step by step: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts)
    note += _busy(("import", fr))
    out.append({"target": "import to first result < 1.5 s", "value": value,
                "limit": TARGETS["first_result_s"], "met": value < TARGETS["first_result_s"], "note": note})

    b1, b2 = m["batch_1"], m["batch_2"]
    speedup = b1["seconds"] / b2["seconds"]
    bd = fr["breakdown_s"]
    startup = sum(v for k, v in bd.items() if k.startswith(("import underthesea", "underthesea model", "first extraction: lazy")))
    ideal = b1["seconds"] / (startup + max(0.0, b1["seconds"] - startup) / 2)
    rounds = [x / y for x, y in zip(b1.get("runs_s", []), b2.get("runs_s", []))]
    note = (f"batch engine: 1 worker {b1['seconds']:.1f} s, 2 workers {b2['seconds']:.1f} s "
            + (f"(round by round {', '.join(f'{x:.2f}x' for x in rounds)}) " if len(rounds) > 1 else "")
            + f"({b1['docs_per_s']:.0f} vs {b2['docs_per_s']:.0f} docs/s; CPU {b1['cpu_s']:.1f} vs {b2['cpu_s']:.1f} s, "
            f"of which the 2-worker parent {b2['parent_cpu_s']:.1f} s). Every worker pays ~{startup:.1f} s before its "
            f"first result (underthesea import and model load, rule compiling), so with the rest perfectly halved "
            f"2 workers would reach {ideal:.2f}x on this corpus")
    sc = r.get("cpu_scaling") or []
    if sc:
        note += (f". This machine itself runs two CPU-bound processes at {min(x['ceiling'] for x in sc):.2f}-"
                 f"{max(x['ceiling'] for x in sc):.2f}x one (a plain Python loop, median of 3 rounds before each batch_1 run; "
                 "the time of one process alone varies by tens of percent from minute to minute here)")
    if speedup < TARGETS["speedup"]:
        note += (". Missed: that per-worker start-up, the parent's own CPU (ordering, JSON lines, fsync) on a "
                 "machine with only 2 cores, pickling every result line between processes"
                 + (", and the machine's own ceiling above" if sc and min(x["ceiling"] for x in sc) < 1.9 else ""))
    note += _busy(("batch_1", b1), ("batch_2", b2))
    out.append({"target": "2 workers >= 1.7 x 1 worker", "value": round(speedup, 3), "limit": TARGETS["speedup"],
                "met": speedup >= TARGETS["speedup"], "note": note})
    return out


# --- output ------------------------------------------------------------------------------------

def results_table(r: dict) -> str:
    m = r["modes"]
    rows = [
        ("(a) full pipeline: extract_text, indicators on", "1 process", m["full"]),
        ("(b) underthesea word_tokenize, line by line", "1 process", m["segment"]),
        ("(c) regex mention layer: extract_text(with_indicators=False)", "1 process", m["regex"]),
        ("(a) via batch engine (files -> JSONL)", "1 worker", m["batch_1"]),
        ("(a) via batch engine (files -> JSONL)", "2 workers", m["batch_2"]),
    ]
    base = m["segment"]["seconds"]
    lines = ["| mode | processes | wall s, best (all runs) | CPU s | MB/s | documents/s | wall vs (b) | peak RSS (MB) | other load (cores) |",
             "|---|---|---:|---:|---:|---:|---:|---|---:|"]
    for name, procs, x in rows:
        if "worker_peak_rss_mb" in x and len(x["worker_peak_rss_mb"]) > 1:
            rss = " / ".join(f"{v:.0f}" for v in x["worker_peak_rss_mb"]) + f" per worker (parent {x['main_peak_rss_mb']:.0f})"
        else:
            rss = f"{x['peak_rss_mb']:.0f}"
        spread = "" if len(x.get("runs_s", [])) < 2 else " (" + " / ".join(f"{v:.2f}" for v in x["runs_s"]) + ")"
        lines.append(f"| {name} | {procs} | {x['seconds']:.2f}{spread} | {x['cpu_s']:.2f} | {x['MB_per_s']:.3f} | "
                     f"{x['docs_per_s']:.1f} | {x['seconds'] / base:.3f} | {rss} | {x['machine']['other_load_cores']:.2f} |")
    fr = r["import_to_first_result"]
    lines.append(f"| import to first result (`python -c`, seed {Path(fr['seed']).name}, from process start) | 1 process | "
                 f"{fr['median_first_result_s']:.2f} | | | | | | {fr['machine']['other_load_cores']:.2f} |")
    return "\n".join(lines)


def targets_table(r: dict) -> str:
    lines = ["| target | measured | met | note |", "|---|---:|---|---|"]
    for t in r["targets"]:
        lines.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**MISSED**'} | {t['note']} |")
    return "\n".join(lines)


def profile_table(r: dict) -> str:
    st = r["profile"]["stages"]
    lines = [f"Per stage, full pipeline over the whole corpus ({st['documents']} documents, {st['bytes'] / MB:.2f} MB, "
             f"{st['seconds']:.2f} s with the timing wrappers, which add their own overhead; shares are of that total). "
             "Indented rows are what a stage spends inside the functions it calls; only rows of at least 1% are shown "
             "below the first level (results.json has all):", "",
             "| stage (function extract_text calls) > inside it | calls | seconds | share |", "|---|---:|---:|---:|"]
    for s in st["stages"]:
        if s["depth"] and s["share"] < 0.01:
            continue
        name = ("&nbsp;&nbsp;&nbsp;&nbsp;" * s["depth"]) + ("↳ " if s["depth"] else "") + s["stage"].split(" > ")[-1]
        lines.append(f"| {name} | {s['calls']} | {s['seconds']:.3f} | {s['share']:.1%} |")
    cp = r["profile"]["cprofile"]
    lines += ["", f"cProfile, full pipeline over the first {cp['documents']} documents ({cp['bytes'] / MB:.2f} MB; "
              "profiler overhead inflates the absolute numbers), nscl_extract and underthesea functions by cumulative time:", "",
              "| function | calls | tottime (s) | cumtime (s) |", "|---|---:|---:|---:|"]
    for c in cp["top_cumulative"][:15]:
        lines.append(f"| `{c['function']}` | {c['ncalls']} | {c['tottime']:.3f} | {c['cumtime']:.3f} |")
    return "\n".join(lines)


def summary_block(r: dict) -> str:
    c = r["corpus"]
    g = r["git"]
    return (f"Run {r['finished']} on {r['machine']['cpus']} CPUs, Python {r['machine']['python']}, underthesea "
            f"{r['machine']['underthesea']}, commit {g['commit']}"
            + (" with uncommitted package changes" if g["package_changes_uncommitted"] else "") + ". "
            f"Corpus: {c['documents']} documents ({c['source_documents']} sources x {c['copies']} copies), "
            f"{c['MB']:.2f} MB ({c['MiB']:.2f} MiB), mean {c['mean_document_bytes']} bytes per document. "
            f"Command: `{r['command']}` ({r['wall_s']:.0f} s in all; every mode run "
            f"{len(next(iter(r['modes'].values())).get('runs_s', [1]))} times round-robin, the fastest run shown). "
            f"Mention counts of every copy equal copy 0's in {c['documents'] - r['modes']['full']['drift']} of "
            f"{c['documents']} documents. Text-keyed caches in mode (a), cleared at each copy boundary: "
            + ", ".join(f"{k.split('.', 1)[1]} {v['hits']} hits / {v['misses']} misses"
                        for k, v in r["modes"]["full"]["caches"].items() if v.get("cleared_per_copy")) + "."
            + (" Other processes kept the CPUs busy during some modes (see the last column): those timings are "
               "not reliable." if any(x["machine"]["other_load_cores"] > BUSY_CORES for x in r["modes"].values()) else ""))


def update_readme(r: dict) -> None:
    if not README.exists():
        return
    text = README.read_text(encoding="utf-8")
    blocks = {"summary": summary_block(r), "results": results_table(r), "targets": targets_table(r),
              "profile": profile_table(r)}
    for name, body in blocks.items():
        text = re.sub(rf"(<!-- BEGIN bench:{name} -->)\n(?:.*?\n)?(<!-- END bench:{name} -->)",
                      lambda mm: mm.group(1) + "\n" + body + "\n" + mm.group(2), text, flags=re.S)
    README.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="~0.5 MiB corpus: a smoke test of the harness, not a result")
    ap.add_argument("--min-mib", type=float, default=None, help="corpus size to build (default 5 MiB, --quick 0.5)")
    ap.add_argument("--profile-mib", type=float, default=1.0, help="corpus share for cProfile (default 1 MiB)")
    ap.add_argument("--dev", default=str(REPO.parent / "shared" / "dev"), help="development corpus folder, used when present")
    ap.add_argument("--output", default=None, help="results JSON (default benchmarks/results.json; --quick: not written)")
    ap.add_argument("--no-readme", action="store_true", help="do not refresh the generated blocks of benchmarks/README.md")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus folder")
    ap.add_argument("--wait-idle", type=float, default=15.0, metavar="S",
                    help="before each mode wait up to S seconds for other processes to leave the CPUs (default 15; 0: don't)")
    ap.add_argument("--repeat", type=int, default=3, metavar="N",
                    help="run every mode N times, round-robin, and keep the fastest run of each (default 3)")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: print the tables of benchmarks/results.json and refresh README.md from it")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child:
        mode, folder, *rest = a.child
        folder = Path(folder)
        if mode == "full":
            res = child_extract(folder, True)
        elif mode == "regex":
            res = child_extract(folder, False)
        elif mode == "segment":
            res = child_segment(folder)
        elif mode == "batch":
            res = child_batch(folder, int(rest[0]), Path(rest[1]))
        elif mode == "stages":
            res = child_stages(folder)
        elif mode == "cprofile":
            res = child_cprofile(folder, int(rest[0]))
        else:
            raise SystemExit(f"unknown child mode {mode}")
        mod = sys.modules.get("nscl_extract")
        res["imported_from"] = getattr(mod, "__file__", None)
        print(json.dumps(res, ensure_ascii=False))
        return 0

    if a.render:
        r = json.loads(RESULTS.read_text(encoding="utf-8"))
        r["targets"] = evaluate(r)
        for part in (summary_block, results_table, targets_table, profile_table):
            print(part(r), end="\n\n")
        if not a.no_readme:
            update_readme(r)
        return 0

    began = time.perf_counter()
    min_mib = a.min_mib if a.min_mib is not None else (0.5 if a.quick else 5.0)
    work = Path(tempfile.mkdtemp(prefix="nscl-bench-"))
    folder = work / "corpus"
    try:
        code = snapshot_package(work / "code")
        print(f"measuring a snapshot of {code['from']} (commit {code['commit']}"
              f"{', with uncommitted changes' if code['package_changes_uncommitted'] else ''}) in {work / 'code'}",
              file=sys.stderr)
        print(f"building a corpus of >= {min_mib} MiB in {folder} ...", file=sys.stderr)
        corpus = build_corpus(folder, int(min_mib * MIB), [Path(a.dev)])
        print(f"  {corpus['documents']} documents, {corpus['MB']:.2f} MB", file=sys.stderr)
        runs: dict[str, list] = {}
        scaling = []
        plan = (("full", ["full"]), ("segment", ["segment"]), ("regex", ["regex"]),
                ("batch_1", ["batch", "1", str(work)]), ("batch_2", ["batch", "2", str(work)]))
        for rep in range(a.repeat):  # round-robin, so slow spells of a shared machine hit every mode alike
            for name, args in plan:
                if name == "batch_1":
                    scaling.append(cpu_scaling(a.wait_idle))
                    print(f"two CPU-bound processes at once: {scaling[-1]['ceiling']:.2f}x one", file=sys.stderr)
                print(f"measuring {name} ({rep + 1}/{a.repeat}) ...", file=sys.stderr)
                runs.setdefault(name, []).append(rates(run_child([args[0], str(folder), *args[1:]], idle_wait=a.wait_idle)))
                print(f"  {runs[name][-1]['seconds']:.2f} s", file=sys.stderr)
        modes = {name: best_of(rs) for name, rs in runs.items()}
        print("import to first result ...", file=sys.stderr)
        seed = sorted((REPO / "corpus").glob("*.txt"))[0]
        idle = wait_idle(a.wait_idle) if a.wait_idle > 0 else None
        b0, c0, t0 = machine_busy_s(), own_children_cpu_s(), time.perf_counter()
        first = import_to_first_result(seed)
        wall = time.perf_counter() - t0
        first["machine"] = {"other_load_cores": round(max(0.0, machine_busy_s() - b0 - (own_children_cpu_s() - c0)) / wall, 2),
                            "idle_wait": idle}
        print("per-stage profile ...", file=sys.stderr)
        stages = run_child(["stages", str(folder)], idle_wait=a.wait_idle)
        print("cProfile ...", file=sys.stderr)
        cprof = run_child(["cprofile", str(folder), str(int(a.profile_mib * MIB))], idle_wait=a.wait_idle)
        import underthesea

        r = {"command": "python benchmarks/bench.py" + (" --quick" if a.quick else "")
                        + (f" --repeat {a.repeat}" if a.repeat != 3 else "")
                        + (f" --min-mib {a.min_mib}" if a.min_mib is not None else ""),
             "finished": time.strftime("%Y-%m-%d %H:%M"),
             "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                         "underthesea": underthesea.__version__},
             "git": code, "corpus": corpus, "units": {"MB": "10**6 bytes of UTF-8 text", "rss": "MB = 2**20 bytes"},
             "modes": modes, "cpu_scaling": scaling, "import_to_first_result": first, "profile": {"stages": stages, "cprofile": cprof}}
        r["wall_s"] = time.perf_counter() - began
        r["targets"] = evaluate(r)
    finally:
        if a.keep:
            print(f"corpus kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(summary_block(r))
    print()
    print(results_table(r))
    print()
    print(targets_table(r))
    print()
    print(profile_table(r))
    out = Path(a.output) if a.output else (None if a.quick else RESULTS)
    if out:
        out.write_text(json.dumps(r, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {out}", file=sys.stderr)
    if not a.no_readme and not a.quick:
        update_readme(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
