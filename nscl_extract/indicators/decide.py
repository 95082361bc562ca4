"""The decision for one number: target, result, or no indicator, with a probability.

A multinomial logistic model over the named evidence of evidence.py, gated: it overrules
the hand rules' decision only where its probability clears the gate the training script chose
out of fold (a hand rule stays where it beats the model). Its weights are data,
rules/indicator_model.json, fitted by training/train_indicators.py on the gold (real pages and
constructed documents) and read here with no training library: a score per class is the sum
of the weights of the features present, and softmax turns the scores into probabilities.
Without a weights file the hand rules decide (the scope chain's kind; an exclusion rule drops
the number) and no confidence is given.

`recording()` collects every number's evidence and the rules' decision (the training script
and `extract --explain` use it); `using(model)` swaps the weights (out-of-fold evaluation)."""
from __future__ import annotations

import json
import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from ..rules import rules_dir
from .evidence import Evidence, binding_features, features
from .scopes import Scope, resolve_from

CLASSES = ("target", "result", "none")
NEVER_SEEN = -50.0  # the bias of a class the training data never showed
MODEL_FILE = "indicator_model.json"


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]  # feature -> one weight per class

    @classmethod
    def from_json(cls, data: dict) -> "Model":
        classes = tuple(data["classes"])
        return cls(classes, {name: tuple(w) for name, w in data["weights"].items()})

    def probabilities(self, feats: dict[str, float]) -> dict[str, float]:
        scores = [0.0] * len(self.classes)
        for name, value in feats.items():
            w = self.weights.get(name)
            if w is not None:
                for i, wi in enumerate(w):
                    scores[i] += wi * value
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp)}

    def contributions(self, feats: dict[str, float], cls: str) -> list[tuple[str, float]]:
        """Each present feature's push towards `cls` against the other classes (its weight for
        cls minus the mean of its weights), largest first."""
        i = self.classes.index(cls)
        bias = self.weights.get("bias", (0.0,) * len(self.classes))
        trained = [k for k, b in enumerate(bias) if b > NEVER_SEEN / 2]  # a class never seen in training has no say
        out = []
        for name, value in feats.items():
            w = self.weights.get(name)
            if w is not None:
                out.append((name, value * (w[i] - sum(w[k] for k in trained) / len(trained))))
        return sorted(out, key=lambda x: -abs(x[1]))


@dataclass
class Binding:
    """Which level's value a number takes for target_year or period: `options` are the levels
    that set one (innermost first), `source` the level chosen (None: no value)."""

    options: dict[str, object]
    rule: str | None  # the level the scope chain's INHERITS table picks
    source: str | None
    confidence: float | None
    features: dict[str, float]


@dataclass
class Decision:
    kind: str | None  # "target" | "result" | None: no indicator
    confidence: float | None
    features: dict[str, float] = field(default_factory=dict)
    probabilities: dict[str, float] | None = None
    evidence: Evidence | None = None
    bindings: dict[str, Binding] = field(default_factory=dict)


@lru_cache(maxsize=1)
def shipped_model() -> Models | None:
    path = rules_dir() / MODEL_FILE
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as f:
        return Models.from_json(json.load(f))


@dataclass(frozen=True)
class Gate:
    """How sure the kind model must be to overrule the hand rules: to change a kept number's
    kind (`switch`), to drop a kept number (`drop`), to keep one an exclusion rule drops
    (`keep`). Chosen out of fold by the training script; 0.5 or less: the model alone decides."""

    switch: float = 0.0
    drop: float = 0.0
    keep: float = 0.0
    target_year: float = 0.0  # to bind another level's year (or none) than the rules pick
    period: float = 0.0  # the same for the period


@dataclass(frozen=True)
class Models:
    """The shipped weights: the kind model, its gate, and a binding model per attribute."""

    kind: Model
    bind: dict[str, Model]
    gate: Gate = Gate()

    @classmethod
    def from_json(cls, data: dict) -> "Models":
        return cls(Model.from_json(data["kind"]), {a: Model.from_json(m) for a, m in data.get("bind", {}).items()},
                   Gate(**data.get("gate", {})))


_override: ContextVar[tuple[Models | None] | None] = ContextVar("indicator_model", default=None)
_records: ContextVar[list | None] = ContextVar("indicator_records", default=None)


def current_model() -> Models | None:
    chosen = _override.get()
    return chosen[0] if chosen is not None else shipped_model()


@contextmanager
def using(model: Models | None) -> Iterator[None]:
    """Decide with `model` (None: the hand rules alone) inside the block."""
    token = _override.set((model,))
    try:
        yield
    finally:
        _override.reset(token)


@contextmanager
def recording() -> Iterator[list[tuple[Evidence, Decision]]]:
    """Collect (evidence, decision) for every number decided inside the block."""
    out: list = []
    token = _records.set(out)
    try:
        yield out
    finally:
        _records.reset(token)


def rule_decision(ev: Evidence) -> str | None:
    return None if ev.excluded else ev.rule_kind


def decide(ev: Evidence) -> Decision:
    feats = features(ev)
    models = current_model()
    if models is None:
        decision = Decision(rule_decision(ev), None, feats, evidence=ev)
    else:
        probs = models.kind.probabilities(feats)
        kind = _gated(rule_decision(ev), probs, models.gate)
        decision = Decision(kind, round(probs[kind or "none"], 4), feats, probs, ev)
    ev.decision = decision
    records = _records.get()
    if records is not None:
        records.append((ev, decision))
    return decision


def _gated(rule: str | None, probs: dict[str, float], gate: Gate) -> str | None:
    """The model's class where it is sure enough to overrule the rules' decision, else the rules'."""
    best = max(probs, key=probs.get)
    if best == (rule or "none"):
        return rule
    need = gate.keep if rule is None else gate.drop if best == "none" else gate.switch
    if probs[best] >= need:
        return None if best == "none" else best
    return rule


def bind(attr: str, ev: Evidence, kind: str, chain: list[Scope], table: dict, per_year: bool, year=None):
    """The value of `attr` ("target_year" or "period") for the number: the level the binding
    model finds likeliest among those that set one, or none; without weights, INHERITS decides.
    The rule's pick is evidence for the model, so a hand rule stays where it is right."""
    options = {scope.level.name.lower(): getattr(scope.sets, attr) for scope in chain
               if getattr(scope.sets, attr) is not None}
    value, level = resolve_from(attr, chain, table)
    rule = level.name.lower() if level is not None else None
    feats = binding_features(ev, attr, options, rule, kind, per_year, year)
    models = current_model()
    model = models.bind.get(attr) if models is not None else None
    if model is None:
        source, confidence = rule, None
    else:
        probs = model.probabilities(feats)
        valid = {c: p for c, p in probs.items() if c == "none" or c in options}
        total = sum(valid.values())
        best = max(valid, key=valid.get)
        if best != (rule or "none") and valid[best] / total < getattr(models.gate, attr):
            best = rule or "none"  # not sure enough to overrule the rules
        confidence = round(valid[best] / total, 4)
        source = None if best == "none" else best
        value = options.get(source) if source else None
    if ev.decision is not None:
        ev.decision.bindings[attr] = Binding(options, rule, source, confidence, feats)
    return value


def explain(decision: Decision, top: int = 6) -> list[str]:
    """Why a number got its kind, year and period: the features with the largest weights for
    the chosen class (their push against the other classes), and the level each value came from."""
    models = current_model()
    kind = decision.kind or "none"
    if models is None or decision.probabilities is None:
        lines = [f"kind {kind}: hand rules ({_rule_words(decision.evidence)})"]
    else:
        probs = ", ".join(f"{c} {p:.2f}" for c, p in sorted(decision.probabilities.items(), key=lambda x: -x[1]))
        pushes = ", ".join(f"{w:+.2f} {name}" for name, w in models.kind.contributions(decision.features, kind)[:top])
        lines = [f"kind {kind} ({probs}; rules said {rule_decision(decision.evidence) or 'none'})", f"  because: {pushes}"]
    for attr, b in decision.bindings.items():
        value = b.options.get(b.source) if b.source else None
        shown = value.value if attr == "target_year" and value is not None else value
        offered = ", ".join(f"{src}={v.value if attr == 'target_year' else v}" for src, v in b.options.items()) or "none"
        how = f"model p={b.confidence:.2f}" if b.confidence is not None else "INHERITS"
        model = models.bind.get(attr) if models is not None else None
        lines.append(f"{attr} {shown} from {b.source or 'no level'} ({how}; rules pick {b.rule or 'none'}; levels: {offered})")
        if model is not None:
            pushes = ", ".join(f"{w:+.2f} {name}" for name, w in model.contributions(b.features, b.source or "none")[:top])
            lines.append(f"  because: {pushes}")
    return lines


def _rule_words(ev: Evidence | None) -> str:
    if ev is None:
        return "no evidence recorded"
    if ev.excluded:
        return f"excluded: {ev.excluded}"
    return f"set by the {ev.kind_level.name.lower() if ev.kind_level is not None else 'document'} level"
