"""OCR cost: seconds per page, and accuracy, at the render dpi (default nscl_extract.load.ocr.DPI).

Builds image-only PDFs of the five seeds the way tests/test_ocr.py does (reportlab text, Pillow
skew, blur and grain), then times `load()` on each (render + Tesseract + repair) and scores the
extraction against gold/. Run from the repository root:

    python benchmarks/bench_ocr.py [--dpi 200 --dpi 300] [--jobs 1]

Prints one row per dpi: pages, wall seconds per page, CPU seconds per page of Tesseract (its child
processes) and of the loader itself (rendering, handing images over, repair), mentions micro-F1
and indicators key F1, and the load average, since a busy machine stretches the wall figures. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    import pypdfium2 as pdfium
    from docbuilders import seed_text
    from scans import image_pdf, scanned, typeset

    from nscl_extract.load import loaders

    from nscl_extract.load import ocr
    from nscl_extract.pipeline import extract_loaded
    from nscl_extract.scoring.score import TYPES, aggregate, score_document
    from nscl_extract.scoring.gold import read_gold_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dpi", type=int, action="append", help=f"render dpi (repeatable; default {ocr.DPI})")
    ap.add_argument("--jobs", type=int, help="pages OCR'd at once (default: one per core)")
    args = ap.parse_args()
    if args.jobs:
        ocr.set_jobs(args.jobs)
    seeds = sorted(p.stem for p in (ROOT / "corpus").glob("*.txt"))
    print(f"Tesseract {ocr.engine_version()}, language {ocr.LANG}, {ocr.jobs()} page(s) at once, "
          f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = []
        for i, name in enumerate(seeds):
            pdf = typeset([seed_text(name)], header="Cổng thông tin điện tử - bản in", footer="Trang {page}/{pages}")
            pdfs.append(image_pdf(Path(tmp) / f"{name}.pdf", scanned(pdf, seed=i)))
        print("| dpi | pages | wall s/page | Tesseract CPU s/page | loader CPU s/page | mentions micro-F1 | indicators key F1 |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for dpi in args.dpi or [ocr.DPI]:
            ocr.DPI = dpi
            pages, wall, cpu, own, scores = 0, 0.0, 0.0, 0.0, []
            for path in pdfs:
                c, o, t = child_cpu(), own_cpu(), time.perf_counter()
                loaded = loaders.load(path)
                wall += time.perf_counter() - t
                cpu += child_cpu() - c
                own += own_cpu() - o
                with pdfium.PdfDocument(path) as pdf:
                    pages += len(pdf)
                doc = extract_loaded(loaded, str(path))
                scores.append(score_document(read_gold_file(ROOT / "gold" / f"{path.stem}.json"), doc))
            report = aggregate(scores)
            tp = sum(report.types[t].tp for t in TYPES)
            wrong = sum(report.types[t].fp + report.types[t].fn for t in TYPES)
            print(f"| {dpi} | {pages} | {wall / pages:.2f} | {cpu / pages:.2f} | {own / pages:.2f} | "
                  f"{2 * tp / (2 * tp + wrong):.3f} | {report.indicators.key.f1:.3f} |")


if __name__ == "__main__":
    main()
