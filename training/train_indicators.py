"""Fit the indicator model (nscl_extract/indicators/decide.py) on the gold, and measure it out of fold.

    python training/train_indicators.py                 # 5-fold report + fit on everything -> rules/indicator_model.json
    python training/train_indicators.py --slice 12 --out /tmp/m.json --report /tmp/r.md   # a quick check

Every number the reader meets is a candidate: its named evidence (evidence.py) is recorded
while the hand rules decide, and its label comes from the gold: the kind of the gold
indicator it is (matched on key, inside an occurrence of the gold quote), else "none".

Out of fold: the real pages (gold/real, gold/real/final, gold/real-extra, gold/real-unseen;
texts re-collected into corpus/real, corpus/real-extra and corpus/real-unseen) are split into 5 folds grouped by province (its 2025
name, so a merged province's pages stay together; a page with no province is a group of its
own). For each fold the model is fitted on the constructed documents and the other folds,
then the fold's pages are extracted with it and scored by the project's scorer. The gate and
the binding models are chosen on those figures for the pages no rule was written on (SELECT_ON). The report
gives those figures per set beside the hand rules alone on the same pages. Nothing else is
reported: the final fit's in-sample figures flatter.

Needs scikit-learn (`pip install -e ".[train]"`); the run time reads the weights with none."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nscl_extract.indicators import decide  # noqa: E402
from nscl_extract.pipeline import extract_file, extract_text  # noqa: E402
from nscl_extract.schema import Indicator  # noqa: E402
from nscl_extract.scoring.gold import GoldDocument, read_gold_file  # noqa: E402
from nscl_extract.scoring.score import aggregate, indicator_key_match, score_document  # noqa: E402
from nscl_extract.indicators.evidence import BINDING_SOURCES  # noqa: E402
from nscl_extract.text.provinces import province_2025  # noqa: E402

BINDING_CLASSES = (*BINDING_SOURCES, "none")

SHARED = ROOT.parent / "shared"
# (set name, gold folder, text folder, real?). gold/real-test is in no training: it is the test
# set of pages collected after the last fit (docs/real-pages.md).
SETS = [
    ("real-dev", ROOT / "gold/real", ROOT / "corpus/real", True),
    ("real-final", ROOT / "gold/real/final", ROOT / "corpus/real", True),
    ("real-extra", ROOT / "gold/real-extra", ROOT / "corpus/real-extra", True),
    ("real-unseen", ROOT / "gold/real-unseen", ROOT / "corpus/real-unseen", True),
    ("seeds", ROOT / "gold", ROOT / "corpus", False),
    ("dev", ROOT / "gold/dev", SHARED / "dev", False),
    ("holdout", ROOT / "gold/holdout", ROOT / "corpus/holdout", False),
]
FOLDS = 5
# The gate and the binding models are chosen on the real pages no rule was written on: on
# real-dev the rules' figures are in-sample, so choosing there favours the rules.
SELECT_ON = ("real-final", "real-extra", "real-unseen")
C = 0.5  # inverse L2 strength, fixed (not tuned on the folds it is reported on)
# A constructed document counts this many times: they are few beside the real pages, and the
# floors of seeds and ../shared/dev must hold (the constructed phrasings are real phrasings too).
CONSTRUCTED_WEIGHT = 3.0


@dataclass
class Page:
    set: str
    gold: GoldDocument | None
    path: Path | None
    group: str
    real: bool
    example: dict | None = None  # a rules/indicators.yml example: {text, expect, published?}


MISSING = object()  # an example's expect item that does not state an attribute


def example_pages() -> list[Page]:
    """The constructed examples of rules/indicators.yml: each lists every indicator of its text,
    with the attributes it states (the rest are not labels)."""
    from nscl_extract import rules

    return [Page("examples", None, None, f"example:{i}", False, ex)
            for i, ex in enumerate(rules.load("indicators")["examples"])]


def pages(limit: int | None = None) -> list[Page]:
    out = []
    for name, gold_dir, text_dir, real in SETS:
        if not real and not text_dir.is_dir():
            print(f"train_indicators: {text_dir} is missing: {name} is left out of training", file=sys.stderr)
        for g in sorted(gold_dir.glob("*.json")):
            path = next(iter(sorted(text_dir.glob(g.stem + ".*"))), None)
            if path is None:
                continue
            gold = read_gold_file(g)
            group = province_2025(gold.province) or gold.province or f"page:{gold.doc_id}"
            out.append(Page(name, gold, path, group, real))
    out += example_pages()
    if limit:  # a small slice with both real and constructed pages
        real = [p for p in out if p.real][:limit]
        out = real + [p for p in out if not p.real][: max(2, limit // 3)]
        if not real:  # no real texts here (a fresh clone, CI): the constructed pages stand in for them
            out = [Page(p.set, p.gold, p.path, p.group, True) for p in out[:limit]]
    return out


def label(page: Page, records, text: str) -> list:
    """The gold indicator each recorded candidate is, or None."""
    labels = [None] * len(records)
    probes = [Indicator(start=ev.q.start, end=ev.q.end, text=ev.q.text, quantity=ev.q, kind="target")
              for ev, _ in records]
    taken: set[int] = set()
    for g in page.gold.indicators:
        spans, at = [], text.find(g.quote)
        while at >= 0:
            spans.append((at, at + len(g.quote)))
            at = text.find(g.quote, at + 1)
        keyed = [i for i, p in enumerate(probes) if i not in taken and indicator_key_match(g, p)]
        inside = [i for i in keyed if any(s <= probes[i].start and probes[i].end <= e for s, e in spans)]
        pick = (inside or keyed or [None])[0]
        if pick is not None:
            taken.add(pick)
            labels[pick] = g
    return labels


def extract_with(page: Page, model):
    with decide.using(model), decide.recording() as records:
        if page.example is not None:
            doc = extract_text(page.example["text"], "example", published=page.example.get("published"))
        else:
            doc = extract_file(page.path)
    return doc, records


def example_labels(page: Page, records) -> list:
    """Each recorded number's expect item (matched in order on value, and on comparator and the
    quantity's text where the item states them), or None: no indicator."""
    want = list(page.example.get("expect") or [])
    labels, k = [None] * len(records), 0
    for i, (ev, _) in enumerate(records):
        if k < len(want):
            w = want[k]
            same = ev.q.value == w["value"] and w.get("comparator", ev.q.comparator) == ev.q.comparator \
                and w.get("quantity_text", ev.q.text) == ev.q.text
            if same:
                labels[i] = SimpleNamespace(kind=w.get("kind", MISSING), target_year=w.get("target_year", MISSING),
                                            period=w.get("period", MISSING))
                k += 1
    return labels


def candidates(all_pages: list[Page]):
    """Evidence and labels of every candidate, from one rules-only extraction per page: rows for
    the kind model, and for each binding model the rows of numbers whose kind the rules got
    right (what a binding decides only matters once the kind is right)."""
    rows, bind_rows = [], {"target_year": [], "period": []}
    for page in all_pages:
        doc, records = extract_with(page, None)
        labels = example_labels(page, records) if page.example is not None else label(page, records, doc.text or "")
        for (ev, d), g in zip(records, labels):
            if g is not None and g.kind is MISSING:
                continue
            rows.append((page, d.features, g.kind if g is not None else "none"))
            if g is None or d.kind != g.kind:
                continue
            for attr, b in d.bindings.items():
                y = _source_label(attr, b, g)
                if y is not None:
                    bind_rows[attr].append((page, b.features, y))
    return rows, bind_rows


def _source_label(attr: str, b: decide.Binding, g) -> str | None:
    """The innermost level whose value is the gold one; "none" when gold has none; None when no
    level offers the gold value (nothing to learn from)."""
    want = g.target_year if attr == "target_year" else g.period
    if want is MISSING:
        return None
    want = tuple(want) if attr == "period" and want else want
    if want is None:
        return "none"
    for src, value in b.options.items():
        if (value.value if attr == "target_year" else tuple(value)) == want:
            return src
    return None


def fit_all(rows, bind_rows) -> dict:
    return {"kind": fit(rows, decide.CLASSES),
            "bind": {a: fit(r, BINDING_CLASSES) for a, r in bind_rows.items()}}


def fit(rows, classes=decide.CLASSES):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    y = [lab for _, _, lab in rows]
    if len(set(y)) < 2:  # nothing to weigh (a tiny slice): the one class seen, or "none"
        only = y[0] if y else "none"
        return {"classes": list(classes), "weights": {"bias": [0.0 if c == only else decide.NEVER_SEEN for c in classes]},
                "trained_on": {"candidates": len(rows), "labels": dict(Counter(y))}}
    vec = DictVectorizer()
    X = vec.fit_transform([f for _, f, _ in rows])
    clf = LogisticRegression(C=C, max_iter=2000, fit_intercept=False)  # "bias" is a feature of its own
    clf.fit(X, y, sample_weight=[1.0 if page.real else CONSTRUCTED_WEIGHT for page, _, _ in rows])
    # one row of weights per class; sklearn keeps a single row for two classes (the second's score)
    coef = [-clf.coef_[0] / 2, clf.coef_[0] / 2] if len(clf.classes_) == 2 else list(clf.coef_)
    order = [list(clf.classes_).index(c) if c in clf.classes_ else None for c in classes]
    weights = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        # a class never seen in training is never chosen: a large negative bias, no other weight
        w = [round(float(coef[k][j]), 5) if k is not None else (decide.NEVER_SEEN if name == "bias" else 0.0) for k in order]
        if any(abs(x) > 1e-4 for x in w):
            weights[name] = w
    return {"classes": list(classes), "weights": weights,
            "trained_on": {"candidates": len(rows), "labels": dict(Counter(y))}}


def folds(real_pages: list[Page], k: int = FOLDS) -> dict[str, int]:
    """Groups to folds, largest groups first into the emptiest fold (deterministic)."""
    size = Counter(p.group for p in real_pages)
    load, out = [0] * k, {}
    for group, n in sorted(size.items(), key=lambda x: (-x[1], x[0])):
        i = min(range(k), key=lambda j: (load[j], j))
        out[group] = i
        load[i] += n
    return out


FIGURES = ["indicators.key.f1", "indicators.strict.f1", "indicators.kind", "indicators.target_year",
           "indicators.period", "indicators.subject", "mentions.micro_f1"]


def figures(scores) -> dict[str, float]:
    rep = aggregate(scores)
    fig = rep.figures()
    out = {k: fig[k] for k in FIGURES if k in fig}
    tp = sum(prf.tp for prf in rep.types.values())
    fp = sum(prf.fp for prf in rep.types.values())
    fn = sum(prf.fn for prf in rep.types.values())
    out["mentions.micro_f1"] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return out


GATES = (0.5, 0.7, 0.85, 0.95, 1.01)  # 1.01: never overrule the rules that way
BIND_GATES = (0.0, 0.6, 0.7, 0.8, 0.9)


def out_of_fold(all_pages: list[Page], rows, bind_rows, select_on=SELECT_ON, gates=GATES) -> dict:
    """Scores per set and variant, each page extracted with models fitted without its fold:
    the rules alone, the kind model alone (no gate), the kind model under each gate, and the
    binding models on top of the best gate."""
    real = [p for p in all_pages if p.real]
    fold_of = folds(real)
    fitted = {}
    for i in range(FOLDS):
        def keep(r, i=i):
            return not (r[0].real and fold_of[r[0].group] == i)
        fitted[i] = fit_all([r for r in rows if keep(r)], {a: [r for r in b if keep(r)] for a, b in bind_rows.items()})

    def run(make) -> dict[str, list]:
        by_set = defaultdict(list)
        for p in real:
            doc, _ = extract_with(p, make(fitted[fold_of[p.group]]))
            by_set[p.set].append(score_document(p.gold, doc))
        by_set["all-real"] = [d for s in list(by_set.values()) for d in s]
        by_set["select"] = [d for s in select_on for d in by_set.get(s, [])] or by_set["all-real"]
        return by_set

    def models(f, gate, binds=()):
        return decide.Models.from_json({"kind": f["kind"], "bind": {a: f["bind"][a] for a in binds}, "gate": gate})

    variants = {"rules": run(lambda f: None), "model": run(lambda f: models(f, {}))}
    best, best_key = None, None
    for sw in gates:
        for dr in gates:
            for kp in gates:
                gate = {"switch": sw, "drop": dr, "keep": kp}
                fig = figures(run(lambda f: models(f, gate))["select"])
                key = (round(fig["indicators.strict.f1"], 4), round(fig["indicators.kind"], 4))
                if best_key is None or key > best_key:
                    best, best_key = gate, key
    variants["gated"] = run(lambda f: models(f, best))
    for attr in ("target_year", "period"):  # each binding model under the gate that serves it best
        top = None
        for g in BIND_GATES:
            gate = {**best, attr: g}
            by = run(lambda f, a=attr, gate=gate: models(f, gate, (a,)))
            fig = figures(by["select"])
            key = (round(fig["indicators.strict.f1"], 4), round(fig[f"indicators.{attr}"], 4))
            if top is None or key >= top[0]:  # on a tie, the surer gate: the rules stay
                top = (key, g, by)
        variants[f"gated+{attr}"] = top[2]
        best = {**best, attr: top[1]}
    chosen = choose({"sets": {"select": {v: figures(by["select"]) for v, by in variants.items()}}})
    variants["shipped"] = run(lambda f: models(f, best, chosen))
    out = {"gate": best, "bind": list(chosen), "sets": {}, "folds": {g: i for g, i in sorted(fold_of.items())}}
    out["select_on"], out["gates"] = list(select_on), len(gates) ** 3
    for name in [s for s, *_ in SETS if variants["rules"].get(s)] + ["all-real"]:
        out["sets"][name] = {v: {"pages": len(by[name]), **figures(by[name])} for v, by in variants.items()}
    return out


def choose(oof: dict) -> tuple[str, ...]:
    """Ship a binding model only where it beats the rules out of fold on all real pages (strict
    F1 and its own attribute, over the gated kind model with the rules binding)."""
    allr = oof["sets"]["select"]
    chosen = []
    for attr in ("target_year", "period"):
        v, fig = allr[f"gated+{attr}"], f"indicators.{attr}"
        if v["indicators.strict.f1"] > allr["gated"]["indicators.strict.f1"] and v[fig] > allr["gated"][fig]:
            chosen.append(attr)
    return tuple(chosen)


def report_md(oof: dict, model: dict, chosen: tuple[str, ...], seconds: float) -> str:
    lines = ["# Indicator model: training report", "",
             f"Written by `python training/train_indicators.py` ({seconds:.0f} s). Out of fold only: {FOLDS} folds of "
             "the real pages grouped by province (a merged province's pages together); each fold extracted with "
             "models fitted without it, the constructed documents always in training. `rules`: the hand rules "
             "alone on the same pages. The rules were written on real-dev, so on real-dev their figures are "
             "in-sample; real-final, real-extra and real-unseen were never written on (one rule was written "
             "while reading a real-final page: README.md says which).", ""]
    for name, variants in oof["sets"].items():
        lines += [f"## {name} ({variants['rules']['pages']} pages)", "",
                  "| figure | " + " | ".join(variants) + " |", "|---|" + "---|" * len(variants)]
        for fig in FIGURES:
            lines.append(f"| {fig} | " + " | ".join(f"{variants[v].get(fig, float('nan')):.3f}" for v in variants) + " |")
        lines.append("")
    lines.append(f"Gate chosen out of fold (best strict F1 over {oof['gates']} gates on {', '.join(oof['select_on'])}: "
                 f"the pages no rule was written on): {oof['gate']}. "
                 "`model` is the kind model with no gate, `gated` under the chosen gate, `gated+X` with the X binding "
                 "model on top, `shipped` what rules/indicator_model.json holds (the gate and the binding models that beat "
                 "the rules alone).")
    lines.append("")
    lines.append("Shipped: the gated kind model" + "".join(f", the {a} binding model" for a in chosen)
                 + "; " + ("the rules bind " + " and ".join(a for a in ("target_year", "period") if a not in chosen)
                           if len(chosen) < 2 else "no attribute is left to the rules alone")
                 + " (a binding model ships only where it beats the rules out of fold).")
    lines.append("")
    for name, m in [("kind", model["kind"]), *model["bind"].items()]:
        lines.append(f"- {name} model: {m['trained_on']['candidates']} candidates, labels {m['trained_on']['labels']}, "
                     f"{len(m['weights'])} features with weight.")
    lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slice", type=int, default=None,
                    help="use only this many real pages (a quick check; constructed pages stand in where no real texts are)")
    ap.add_argument("--gates", type=float, nargs="+", default=None,
                    help="gate thresholds to try (default %(default)s: all of GATES)")
    ap.add_argument("--select-on", nargs="+", default=list(SELECT_ON),
                    help="the real sets the gate and binding models are chosen on (default %(default)s)")
    ap.add_argument("--out", type=Path, default=ROOT / "rules" / decide.MODEL_FILE)
    ap.add_argument("--report", type=Path, default=ROOT / "training" / "REPORT.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the out-of-fold figures as JSON here")
    args = ap.parse_args(argv)
    t0 = time.time()
    all_pages = pages(args.slice)
    if not any(p.real for p in all_pages):
        print("train_indicators: no real-page texts found (corpus/real, corpus/real-extra): re-collect them "
              "(docs/real-pages.md), or run a check on the constructed pages with --slice N", file=sys.stderr)
        return 1
    rows, bind_rows = candidates(all_pages)
    oof = out_of_fold(all_pages, rows, bind_rows, tuple(args.select_on), tuple(args.gates or GATES))
    chosen = tuple(oof["bind"])
    model = {**fit_all(rows, {a: r for a, r in bind_rows.items() if a in chosen}), "gate": oof["gate"]}
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    args.report.write_text(report_md(oof, model, chosen, time.time() - t0), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(oof, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(args.report.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
