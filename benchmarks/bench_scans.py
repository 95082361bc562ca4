"""Scans of the real pages: accuracy by degradation kind, against the same pages as text.

Renders a sample of the real pages (corpus/real, corpus/real-extra: the texts with a gold file in
gold/real or gold/real/final) as office scans, one kind at a time (tests/scans.py KINDS: tilt,
low resolution, JPEG, speckle, stamp and signature, table page, turned page, two columns, all of
them at once), loads each scan (OCR) and extracts it, and scores both the scans and the same
pages as text against the real gold. Deterministic: the same pages and the same scans every run.
The scans are written to a temporary folder (or --out DIR) and never to the repository.

    python benchmarks/bench_scans.py [--pages 18] [--kinds skew,stamp] [--out DIR] [--readme]

Prints one row per kind: pages, mentions micro-F1 and indicators key F1 (text -> scan), province
and plan accuracy, characters read (share of the page's characters found, in order, in the OCR
text), CPU seconds per page of the load (Tesseract's child processes + this process: rendering,
deskew, ...), low-yield warnings; then the 5-degree check (characters read at 5 degrees over the
same page untilted). --readme rewrites the block between the `scans` markers of
benchmarks/README.md. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

LIMITS = {"mentions": 0.02, "key": 0.02, "province": 0.03, "plan": 0.03}  # issue 21: the largest drop allowed


def cpu() -> float:
    c, s = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return c.ru_utime + c.ru_stime + s.ru_utime + s.ru_stime


def chars_read(source: str, got: str) -> float:
    """Share of the source's characters (spacing and cell bars folded) found in order in `got`."""
    a, b = (" ".join(s.replace("|", " ").split()) for s in (source, got))
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(bl.size for bl in m.get_matching_blocks()) / max(1, len(a))


def real_pages() -> dict[str, tuple[Path, Path]]:
    """doc_id -> (text, gold file) for every real page that has both."""
    out = {}
    for gold_dir in (ROOT / "gold" / "real", ROOT / "gold" / "real" / "final", ROOT / "gold" / "real-extra"):
        for g in sorted(gold_dir.glob("*.json")):
            for folder in ("real", "real-extra"):
                t = ROOT / "corpus" / folder / f"{g.stem}.txt"
                if t.is_file():
                    out[g.stem] = (t, g)
    return dict(sorted(out.items()))


def sample(ids: list[str], n: int) -> list[str]:
    """n ids spread evenly over the sorted list (dev and final pages alike)."""
    if n >= len(ids):
        return ids
    return [ids[round(i * (len(ids) - 1) / (n - 1))] for i in range(n)] if n > 1 else ids[:1]


def micro(report) -> float:
    from nscl_extract.scoring.score import TYPES

    tp = sum(report.types[t].tp for t in TYPES)
    wrong = sum(report.types[t].fp + report.types[t].fn for t in TYPES)
    return 2 * tp / (2 * tp + wrong) if tp + wrong else 1.0


def figures(report) -> dict[str, float]:
    return {"mentions": micro(report), "key": report.indicators.key.f1,
            "province": report.fields["province"].accuracy, "plan": report.fields["plan"].accuracy}


def main() -> None:
    from scans import KINDS, office_scan, save_scan

    from nscl_extract.load import loaders, ocr
    from nscl_extract.pipeline import extract_loaded
    from nscl_extract.scoring.gold import read_gold_file
    from nscl_extract.scoring.score import aggregate, score_document

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=18, help="pages per kind (default 18)")
    ap.add_argument("--kinds", help=f"comma-separated, of: {', '.join(KINDS)} (default all)")
    ap.add_argument("--out", type=Path, help="keep the scans in this folder (default: a temporary one)")
    ap.add_argument("--no-tilt-check", action="store_true", help="skip the 5-degree check")
    ap.add_argument("--readme", action="store_true", help="rewrite the scans block of benchmarks/README.md")
    args = ap.parse_args()
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    ocr.set_jobs(1)
    pages = real_pages()
    ids = sample(list(pages), args.pages)
    golds = {i: read_gold_file(pages[i][1]) for i in ids}
    texts = {i: pages[i][0].read_text(encoding="utf-8") for i in ids}
    started = time.time()
    head = (f"Tesseract {ocr.engine_version()}, {len(ids)} real pages per kind ({', '.join(ids)}), one page at a "
            f"time on {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f} at the start")
    print(head, flush=True)

    as_text = []
    for i in ids:
        doc = extract_loaded(loaders.load(pages[i][0]), str(pages[i][0]))
        as_text.append(score_document(golds[i], doc))
    base = figures(aggregate(as_text))

    rows = ["| kind | what | pages | mentions F1 text → scan | indicators key F1 | province | plan | characters read "
            "| CPU s/page | low-yield pages | within limits |", "|---|---|---:|---|---|---|---|---:|---:|---:|---|"]
    rows.append(f"| text | the same pages as text | {len(ids)} | {base['mentions']:.3f} | {base['key']:.3f} | "
                f"{base['province']:.3f} | {base['plan']:.3f} | 1.000 | | | |")
    print(rows[0], rows[1], rows[2], sep="\n", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        for kind in kinds:
            scores, read, spent, low = [], [], 0.0, 0
            for n, i in enumerate(ids):
                path = save_scan(out / kind / i, office_scan(texts[i], kind, seed=n), KINDS[kind].suffix)
                c = cpu()
                loaded = loaders.load(path)
                spent += cpu() - c
                low += sum(1 for w in loaded.warnings if "low yield" in w)
                read.append(chars_read(texts[i], loaded.text))
                scores.append(score_document(golds[i], extract_loaded(loaded, str(path))))
            f = figures(aggregate(scores))
            ok = all(f[k] >= base[k] - LIMITS[k] for k in LIMITS)
            cells = " | ".join(f"{base[k]:.3f} → {f[k]:.3f} ({f[k] - base[k]:+.3f})" for k in LIMITS)
            row = (f"| {kind} | {KINDS[kind].what} | {len(ids)} | {cells} | {sum(read) / len(read):.3f} | "
                   f"{spent / len(ids):.2f} | {low} | {'yes' if ok else '**no**'} |")
            rows.append(row)
            print(row, flush=True)
        tilt = []
        if not args.no_tilt_check:
            from scans import scanned, typeset

            ratios = []
            for n, i in enumerate(ids):
                pdf = typeset([texts[i]], font_size=12, font="serif", para_space=0.4)
                got = []
                for angle in (0.0, 5.0 if n % 2 else -5.0):
                    path = out / "tilt5" / f"{i}_{angle:+.0f}.png"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    scanned(pdf, seed=n, angle=angle)[0].save(path, dpi=(200, 200))
                    got.append(chars_read(texts[i], loaders.load(path).text))
                ratios.append(got[1] / got[0] if got[0] else 0.0)
            tilt = [f"Tilted 5 degrees (either way, 200 dpi) against the same page untilted, characters read: "
                    f"mean {sum(ratios) / len(ratios):.3f}, lowest {min(ratios):.3f} "
                    f"({ids[ratios.index(min(ratios))]}), {sum(r >= 0.95 for r in ratios)}/{len(ratios)} pages at "
                    f"0.95 or more."]
            print(tilt[0])
    took = f"{time.time() - started:.0f} s in all"
    print(took)
    if args.readme:
        readme = ROOT / "benchmarks" / "README.md"
        block = "\n".join([f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {head}; {took}.", "",
                           *rows, "", *tilt])
        text = readme.read_text(encoding="utf-8")
        text = re.sub(r"(<!-- BEGIN scans -->\n).*?(<!-- END scans -->)", lambda m: m[1] + block + "\n" + m[2], text,
                      flags=re.S)
        readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
