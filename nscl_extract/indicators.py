"""Indicator records (SPEC 4): which percentages and counts are targets or results, with
their year, phase, subject and action. Scope rules and cue lists live in rules/indicators.yml."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import regex

from . import rules
from .extractors.tables import table_values
from .rules import new_style
from .schema import Document, Indicator, Period, Quantity
from .segment import Block, blocks, clauses, sentences

_YEAR_EXPR = regex.compile(
    r"(?<!\w)(?:(?:đến|tới)\s+(?:hết\s+)?(?:năm\s+)?|vào\s+năm\s+|trong\s+năm\s+|năm\s+)(?P<y>(?:19|20)\d{2})(?!\d)",
    regex.I)
_NOT_TARGET_YEAR = regex.compile(r"(?:so\s+với|từ|trước|sau|của|cuối|đầu)\s*$", regex.I)
_HEADING = regex.compile(r"^\s*(?:(?P<major>[IVXLC]+\.|\d{1,2}\.|Điều\s+\d+\.?)|(?P<minor>[a-zđ]\)|\d{1,2}\)))\s*")
_PHASE_LEADIN = regex.compile(
    r"^\s*(?:-\s*)?(?:Cụ thể,?\s+)?(?:trong\s+|riêng\s+)?giai\s+đoạn\s+(?:19|20)\d{2}\s*[-–—]\s*(?:19|20)\d{2}\s*[:,]", regex.I)
_TRONG_DO = regex.compile(r"^\s*(?:-\s*)?trong\s+đó\b", regex.I)


@lru_cache(maxsize=1)
def _cues():
    data = rules.load("indicators")

    def rx(key):
        return regex.compile(rules.alternation([new_style(w) for w in data[key]]), regex.I)

    return data, {k: rx(k) for k in ("target_cues", "result_cues", "background_cues", "funding_cues",
                                     "plan_structure_verbs", "per_year", "change_verbs", "action_verbs",
                                     "plan_words")}, \
        regex.compile(rules.alternation([new_style(w) for w in data["level_before"]]) + r"\s*$", regex.I), \
        regex.compile(r"(?:" + "|".join(regex.escape(new_style(w)) for w in data["verbs_before"]) + r")\s*(?:khoảng|trên|hơn|tối thiểu|ít nhất|gần|xấp xỉ)?\s*$", regex.I), \
        {new_style(w.lower()) for w in data["plan_structure"]}, \
        regex.compile(r"\s*(?:" + "|".join(data["baseline_after"]) + r")\s+(?:dưới\s+|mức\s+|còn\s+)?\d", regex.I)


@dataclass
class _Scope:
    """What governs the quantities as the text is read in order."""

    leadin_period: tuple[int, int] | None = None
    leadin_year: int | None = None
    last_year: int | None = None  # year of the previous statement, for "Trong đó" and ";"
    last_subject: str | None = None
    prev_bullet_open: bool = False  # previous block was a bullet item ending with ";"
    seen: list = field(default_factory=list)


def find_indicators(doc: Document, excluded: list[tuple[int, int]]) -> list[Indicator]:
    text = new_style(doc.text or "")
    raw = doc.text or ""
    data, cue, level_before, verbs_before, plan_units, baseline = _cues()
    quantities = sorted(doc.percentages + doc.counts, key=lambda q: q.start)
    cells = {(t.mention.start, t.mention.end): t for t in table_values(raw) if isinstance(t.mention, Quantity)}
    periods = doc.periods
    phase = _plan_phase(text, periods, doc)
    headline = _headline_span(raw, doc)
    blocked = excluded + [(d.start, d.end) for d in doc.dates] + [(c.start, c.end) for c in doc.citations]
    out: list[Indicator] = []
    scope = _Scope()
    for block in blocks(text):
        qs = [q for q in quantities if block.start <= q.start < block.end]
        is_heading = _apply_heading(text, block, periods, scope)
        if is_heading and not qs:
            continue
        continues_list = block.bullet and scope.prev_bullet_open
        if not continues_list:
            if not block.bullet or not scope.prev_bullet_open:
                pass
        block_year = scope.last_year if continues_list else None
        prev_sentence_year = block_year
        for ss, se in sentences(text, block.start, block.end):
            sent = text[ss:se]
            _apply_phase_leadin(text, ss, se, periods, scope)
            trong_do = bool(_TRONG_DO.match(sent))
            clause_year = prev_sentence_year if (trong_do or (continues_list and ss == block.start)) else None
            for cs, ce in clauses(text, ss, se):
                own = _year_in(text, cs, ce, periods, blocked, None)
                if own is not None:
                    clause_year = own
                elif cs != ss and _TRONG_DO.match(text[cs:ce]) is None and clause_year is None:
                    clause_year = None
                for q in [q for q in qs if cs <= q.start < ce]:
                    if any(s <= q.start < e for s, e in excluded):
                        continue
                    ind = _indicator(doc, text, raw, q, (cs, ce), (ss, se), clause_year, scope, phase,
                                     headline, periods, blocked, cells.get((q.start, q.end)), qs)
                    if ind is not None:
                        out.append(ind)
                        scope.last_subject = ind.subject
            prev_sentence_year = clause_year
            scope.last_year = clause_year
        scope.prev_bullet_open = block.bullet and text[block.start:block.end].rstrip().endswith(";")
    return out


def _indicator(doc, text, raw, q: Quantity, clause, sentence, inherited_year, scope, phase, headline,
               periods, blocked, cell, siblings) -> Indicator | None:
    data, cue, level_before, verbs_before, plan_units, baseline = _cues()
    cs, ce = clause
    ss, se = sentence
    ctext = text[cs:ce]
    before = text[cs:q.start]
    after = text[q.end:ce]
    if _excluded(text, q, clause, cue, plan_units, baseline):
        return None
    in_headline = headline is not None and headline[0] <= q.start < headline[1]
    kind = _kind(ctext, text[ss:se], cue)
    # year
    year = None
    if kind == "target":
        year = _year_in(text, cs, ce, periods, blocked, q)
        if year is None and cell is not None:
            year = cell.year
        if year is None and not in_headline:
            year = inherited_year if inherited_year is not None else scope.leadin_year
    # period
    period = _period_in(text, ss, se, cs, ce, q, periods)
    if period is None and not in_headline:
        period = scope.leadin_period
        if period is None and phase is not None and (year is None or year <= phase[1]):
            period = phase
    per_year = bool(cue["per_year"].search(ctext)) or bool(regex.match(r"\s*/\s*năm", after))
    relative = _relative(text, q, clause, siblings, cue, level_before)
    subject, action = _subject_action(text, raw, q, clause, cue, verbs_before, scope, cell)
    standards = [s.id for s in doc.standards if cs <= s.start < ce]
    return Indicator(start=cs, end=ce, text=raw[cs:ce], quantity=q, kind=kind, target_year=year, period=period,
                     per_year=per_year, relative=relative, subject=subject, action=action,
                     standards=list(dict.fromkeys(standards)))


def _excluded(text, q, clause, cue, plan_units, baseline) -> bool:
    cs, ce = clause
    ctext = text[cs:ce]
    near_after = text[q.end:min(ce, q.end + 40)]
    if cue["background_cues"].search(ctext) and not cue["target_cues"].search(ctext):
        return True
    if cue["funding_cues"].search(near_after) or q.unit.split("/")[0] == "hợp đồng":
        return True
    unit = new_style(q.unit.lower())
    if unit in plan_units or any(unit.startswith(u + " ") for u in plan_units):
        if cue["plan_structure_verbs"].search(text[max(cs, q.start - 25):q.start]):
            return True
    if baseline.match(text, q.end) and regex.search(r"(?<!\w)từ\s*$", text[max(cs, q.start - 8):q.start], regex.I):
        return True
    return False


def _kind(clause: str, sentence: str, cue) -> str:
    for scope_text in (clause, sentence):
        if cue["target_cues"].search(scope_text):
            return "target"
        if cue["result_cues"].search(scope_text):
            return "result"
    return "target"


def _year_in(text, cs, ce, periods: list[Period], blocked, q) -> int | None:
    """The target year stated in text[cs:ce]: the nearest expression before q, else the first after it."""
    found = []
    for m in _YEAR_EXPR.finditer(text, cs, ce):
        ys, ye = m.span("y")
        if any(p.start <= ys < p.end for p in periods) or any(s <= ys < e for s, e in blocked):
            continue
        if _NOT_TARGET_YEAR.search(text[max(cs, m.start() - 12):m.start()]):
            continue
        found.append((m.start(), int(m.group("y"))))
    if not found:
        return None
    if q is None:
        return found[-1][1]
    before = [y for s, y in found if s < q.start]
    return before[-1] if before else found[0][1]


def _period_in(text, ss, se, cs, ce, q, periods) -> tuple[int, int] | None:
    """A period stated in the sentence before q (or in its clause after q), not a baseline."""
    best = None
    for p in periods:
        if not (ss <= p.start < se):
            continue
        if regex.search(r"so\s+với\s*(?:giai\s+đoạn\s*)?$", text[max(ss, p.start - 20):p.start], regex.I):
            continue
        if p.start < q.start or (cs <= p.start < ce):
            if best is None or p.start < q.start:
                best = (p.from_, p.to)
    return best


def _relative(text, q, clause, siblings, cue, level_before) -> bool:
    cs, ce = clause
    prev_end = max([s.end for s in siblings if cs <= s.end <= q.start] + [cs])
    window = text[prev_end:q.start]
    if level_before.search(window):
        return False
    if cue["change_verbs"].search(window):
        return True
    next_start = min([s.start for s in siblings if q.end <= s.start < ce] + [ce])
    return bool(regex.search(r"so\s+với", text[q.end:next_start], regex.I))


def _subject_action(text, raw, q: Quantity, clause, cue, verbs_before, scope, cell):
    cs, ce = clause
    if cell is not None:
        return (cell.label.text if cell.label else None), None
    if q.unit == "%":
        start = q.end
        skip = regex.match(r"\s*(?:/\s*năm|mỗi\s+năm|hàng\s+năm|hằng\s+năm)?\s*", text[start:ce])
        start += skip.end() if skip else 0
    else:
        digits = list(regex.finditer(r"\d(?:[\d.,]*\d)?", q.text))
        start = q.start + digits[-1].end() if digits else q.start
        start += len(text[start:ce]) - len(text[start:ce].lstrip())
    end = _subject_end(text, start, ce, cue, q.unit != "%")
    subject = raw[start:end].strip(" ,-–") or None
    action = None
    if subject is not None and end < ce:
        rest = raw[end:ce].strip(" ,.:")
        action = rest[:160] or None
    if subject is None:
        subject = _subject_before(text, raw, q, cs, verbs_before)
        if subject is None and cue["per_year"].pattern and scope.last_subject and regex.match(
                r"\s*(?:-\s*)?trong\s+đó", text[cs:q.start], regex.I):
            subject = scope.last_subject
        if subject is None and regex.search(r"trong\s+đó[^.;]{0,30}$", text[max(0, q.start - 40):q.start], regex.I):
            subject = scope.last_subject
        rest = raw[q.end:ce].strip(" ,.:")
        action = rest[:160] or None
    return subject, action


def _subject_end(text, start, ce, cue, is_count) -> int:
    """Where the subject noun phrase stops: an action verb, a clause mark, or 16 words."""
    stop = regex.compile(r"[;:.()\n\"“”]|\s[-–]\s|/\s*năm\b")
    end = ce
    if (m := stop.search(text, start, ce)):
        end = m.start()
    pos = start
    words = 0
    for w in regex.finditer(r"\S+", text[start:end]):
        words += 1
        ws = start + w.start()
        if words > 1 or not is_count:
            if (m := cue["action_verbs"].match(text, ws)) and (words > 1 or not is_count):
                return ws if ws > start else _skip_word(text, ws, end)
        if words > 16:
            return ws
        pos = start + w.end()
    return end


def _skip_word(text, ws, end):
    return ws


def _subject_before(text, raw, q, cs, verbs_before) -> str | None:
    """A subject written before the number: "năng suất của xưởng tăng khoảng 18%"."""
    head = text[cs:q.start]
    m = verbs_before.search(head)
    if not m:
        return None
    left = head[:m.start()]
    cut = max(left.rfind(","), left.rfind(":"), left.rfind(" đạt "), left.rfind(" có "))
    start = cs + (cut + 1 if cut >= 0 else 0)
    if left.rfind(" đạt ") == cut and cut >= 0:
        start = cs + cut + len(" đạt ")
    if left.rfind(" có ") == cut and cut >= 0:
        start = cs + cut + len(" có ")
    subject = raw[start:cs + m.start()].strip(" ,-–")
    return subject or None


def _apply_heading(text, block: Block, periods, scope: _Scope) -> bool:
    """Headings and lead-in lines set or reset what governs the text below them."""
    body = text[block.start:block.end].strip()
    m = _HEADING.match(body)
    short = len(body) <= 120 and "\n" not in body
    is_caps = short and body.upper() == body and any(c.isalpha() for c in body)
    leadin = short and body.endswith(":")
    if not (short and (m or is_caps or leadin)):
        return False
    if m and m.group("major") and not leadin or is_caps:
        scope.leadin_period = None
        scope.leadin_year = None
    p = next((x for x in periods if block.start <= x.start < block.end), None)
    if p is not None:
        scope.leadin_period = (p.from_, p.to)
    y = _year_in(text, block.start, block.end, periods, [], None)
    if y is not None:
        scope.leadin_year = y
    return True


def _apply_phase_leadin(text, ss, se, periods, scope: _Scope) -> None:
    """"Trong giai đoạn 2026-2030: ...", "Giai đoạn 2026-2030, ...", "Mục tiêu ... giai đoạn 2021-2025: ..."."""
    sent = text[ss:se]
    colon = sent.find(":")
    lead = None
    if _PHASE_LEADIN.match(sent):
        lead = (ss, ss + _PHASE_LEADIN.match(sent).end())
    elif 0 <= colon <= 150:
        lead = (ss, ss + colon)
    if lead is None:
        return
    p = next((x for x in periods if lead[0] <= x.start < lead[1]), None)
    y = _year_in(text, lead[0], lead[1], periods, [], None)
    if p is not None:
        scope.leadin_period = (p.from_, p.to)
        scope.leadin_year = y
    elif y is not None:
        scope.leadin_year = y


def _plan_phase(text, periods: list[Period], doc: Document) -> tuple[int, int] | None:
    """The phase of the plan: the first period in a sentence that names a plan, outside the headline."""
    _, cue, *_ = _cues()
    headline = _headline_span(doc.text or "", doc)
    for p in periods:
        if headline and headline[0] <= p.start < headline[1]:
            continue
        ls = max(text.rfind("\n", 0, p.start), text.rfind(".", 0, p.start)) + 1
        if cue["plan_words"].search(text, ls, p.start):
            return (p.from_, p.to)
    return None


def _headline_span(text: str, doc: Document) -> tuple[int, int] | None:
    if not doc.title:
        return None
    i = text.find(doc.title)
    if i < 0 or text.count("\n", 0, i) > 12:
        return None
    return (i, i + len(doc.title))
