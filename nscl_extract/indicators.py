"""Indicator records (SPEC 4): which percentages and counts are targets or results, with
their year, phase, subject and action. Scope rules and cue lists live in rules/indicators.yml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from . import rules
from .extractors.tables import TableValue, table_values
from .rules import new_style
from .schema import Document, Indicator, Period, Quantity
from .segment import Block, blocks, clauses, sentences

_YEAR_EXPR = regex.compile(
    r"(?<!\w)(?P<how>(?:đến|tới)\s+(?:hết\s+)?(?:năm\s+)?|vào\s+năm\s+|trong\s+năm\s+|năm\s+)(?P<y>(?:19|20)\d{2})(?!\d)",
    regex.I)
_NOT_TARGET_YEAR = regex.compile(r"(?:so\s+với|từ|trước|sau|của|cuối|đầu)\s*$", regex.I)
_HEADING = regex.compile(r"^\s*(?:(?P<major>[IVXLC]+\.|\d{1,2}\.|Điều\s+\d+\.?)|(?P<minor>[a-zđ]\)|\d{1,2}\)))\s*")
_TRONG_DO = regex.compile(r"^\s*(?:-\s*)?trong\s+đó\b", regex.I)
_NUMBER = regex.compile(r"\d(?:[\d.,]*\d)?")
_SUBJECT_STOP = regex.compile(r"[;:.()\n\"“”]|\s[-–]\s|/\s*năm\b")
_PER_YEAR_AFTER = regex.compile(r"\s*/\s*năm")
_DIGIT = regex.compile(r"\d")
_SHARE = regex.compile(r"chiếm\s*(?:khoảng|trên|hơn|gần)?\s*$", regex.I)
_FROM = regex.compile(r"(?<!\w)từ\s*$", regex.I)
_LIST_MARK = regex.compile(r"[,;]")
_BASELINE_PERIOD = regex.compile(r"so\s+với\s*(?:giai\s+đoạn\s*)?$", regex.I)
_COMPARED = regex.compile(r"so\s+với", regex.I)
_RATE_SKIP = regex.compile(r"\s*(?:/\s*năm|mỗi\s+năm|hàng\s+năm|hằng\s+năm)?\s*", regex.I)
_TRONG_DO_BEFORE = regex.compile(r"trong\s+đó[^.;]{0,30}$", regex.I)
_TOKEN = regex.compile(r"\S+")
_LEADING_LINK = regex.compile(r"^(?:trong\s+đó|theo\s+đó)\s*,?\s*", regex.I)
_LEADIN_MARK = regex.compile(r"\s*([:,])")
_PLAN_OWN_PHASE = regex.compile(r"kế\s+hoạch\s*(?:giai\s+đoạn\s*)?$", regex.I)
_PLAN = regex.compile(r"kế\s+hoạch", regex.I)
_ANNUAL_PLAN = regex.compile(r"(?<!đến\s|tới\s|hết\s)năm\s+(?:19|20)\d{2}(?!\s*[-–])", regex.I)


@dataclass(frozen=True)
class Year:
    value: int
    annual: bool  # "năm 2024 sẽ ...": a one-year target, outside any multi-year phase


@dataclass(frozen=True)
class _Cues:
    data: dict
    rx: dict


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    data = rules.load("indicators")
    words = {k: v for k, v in data.items() if isinstance(v, list) and k not in ("examples",)}
    rx = {k: regex.compile(rules.alternation([new_style(w) for w in v]), regex.I) for k, v in words.items()}
    rx["per_year"] = regex.compile(rules.alternation([new_style(w) for w in data["per_year"]], boundary=False), regex.I)
    rx["level_end"] = regex.compile(rf"(?:{rules.alternation(data['level_verbs'])})[^,;]{{0,25}}$", regex.I)
    rx["funding_after"] = regex.compile(rf"\s*(?:{rules.alternation(data['funding_after'])})", regex.I)
    rx["verbs_before"] = regex.compile(
        rf"(?:{rules.alternation([new_style(w) for w in data['verbs_before']])})\s*"
        r"(?:khoảng|trên|hơn|tối thiểu|ít nhất|gần|xấp xỉ|bình quân|trung bình)?\s*$", regex.I)
    rx["baseline"] = regex.compile(r"\s*(?:" + "|".join(data["baseline_after"]) + r")\s+(?:dưới\s+|mức\s+|còn\s+)?\d", regex.I)
    return _Cues(data, rx)


@dataclass
class _Scope:
    """What governs the quantities as the text is read in order."""

    leadin_period: tuple[int, int] | None = None
    leadin_year: Year | None = None  # from a heading: until the next heading
    leadin_kind: str | None = None  # "MỤC TIÊU ..." heads targets, "KẾT QUẢ ..." results
    block_year: Year | None = None  # from a sentence lead-in: until the end of its paragraph
    block_period: tuple[int, int] | None = None  # "Giai đoạn 2026-2030, ...": until the end of its paragraph
    last_year: Year | None = None  # of the previous statement, for "Trong đó", ";" and list items
    last_subject: str | None = None
    open_list: bool = False  # the previous block was a bullet item ending with ";"


@dataclass(frozen=True)
class _Context:
    doc: Document
    text: str  # new-style tone marks, same length as doc.text
    quantities: list[Quantity]
    phase: tuple[int, int] | None
    headline: tuple[int, int] | None
    blocked: list[tuple[int, int]]
    default_kind: str


def find_indicators(doc: Document, excluded: list[tuple[int, int]],
                    table: list[TableValue] | None = None) -> list[Indicator]:
    """Every quantified target or result in the document, in document order. `table` is the
    document's table cells (extractors.tables.table_values) when the caller has them."""
    text = new_style(doc.text or "")
    cue = _cues()
    quantities = sorted(doc.percentages + doc.counts, key=lambda q: q.start)
    cells = {(t.mention.start, t.mention.end): t for t in (table_values(doc.text or "") if table is None else table)
             if isinstance(t.mention, Quantity)}
    headline = _headline_span(doc)
    ctx = _Context(doc, text, quantities, _plan_phase(text, doc.periods, headline), headline,
                   [(d.start, d.end) for d in doc.dates] + [(c.start, c.end) for c in doc.citations],
                   _default_kind(text, cue))
    out: list[Indicator] = []
    scope = _Scope()
    for block in blocks(text):
        qs = [q for q in quantities if block.start <= q.start < block.end and not _inside(q, excluded)]
        if not qs and _apply_heading(ctx, block, scope):
            continue
        continues_list = block.bullet and scope.open_list
        scope.block_year = scope.block_period = None
        previous = scope.last_year if continues_list else None
        if not qs and not _DIGIT.search(text, block.start, block.end):
            # no number, so no year, phase or quantity: only the list state moves on
            scope.last_year = previous
            scope.open_list = block.bullet and text[block.start:block.end].rstrip().endswith(";")
            continue
        for ss, se in sentences(text, block.start, block.end):
            _apply_leadin(ctx, ss, se, scope)
            inherited = previous if (_TRONG_DO.match(text[ss:se]) or (continues_list and ss == block.start)) else None
            for cs, ce in clauses(text, ss, se):
                own = _year_in(ctx, cs, ce, None)
                inherited = own or inherited
                for q in (q for q in qs if cs <= q.start < ce):
                    cell = cells.get((q.start, q.end))
                    span = (cell.row_start, cell.row_end) if cell else (cs, ce)
                    ind = _indicator(ctx, q, span, (ss, se), inherited, scope, cell, qs)
                    if ind is not None:
                        out.append(ind)
                        scope.last_subject = ind.subject
            previous = inherited
        scope.last_year = previous
        scope.open_list = block.bullet and text[block.start:block.end].rstrip().endswith(";")
    return out


def _inside(q, spans) -> bool:
    return any(s <= q.start < e for s, e in spans)


def _indicator(ctx: _Context, q: Quantity, clause, sentence, inherited: Year | None, scope: _Scope,
               cell: TableValue | None, siblings) -> Indicator | None:
    cue = _cues()
    text = ctx.text
    cs, ce = clause
    own_start = max([s.end for s in siblings if cs <= s.end <= q.start] + [cs])
    own_end = min([s.start for s in siblings if q.end <= s.start < ce] + [ce])
    if _not_indicator(ctx, q, clause, own_start, own_end, siblings):
        return None
    in_headline = ctx.headline is not None and ctx.headline[0] <= q.start < ctx.headline[1]
    kind = _kind(ctx, text[cs:ce], text[sentence[0]:sentence[1]], scope.leadin_kind or ctx.default_kind)
    year: Year | None = None
    if kind == "target":
        year = _year_in(ctx, cs, ce, q) or (Year(cell.year, False) if cell and cell.year else None)
        if year is None and not in_headline:
            year = inherited or scope.block_year or scope.leadin_year
    period = _period_in(ctx, sentence, clause, q)
    if period is None and not in_headline:
        period = scope.block_period or scope.leadin_period
        governing = year if kind == "target" else _year_in(ctx, cs, ce, q) or inherited
        if period is None and ctx.phase and (governing is None or (
                not governing.annual and governing.value <= ctx.phase[1])):
            period = scope.block_period or ctx.phase
    per_year = bool(cue.rx["per_year"].search(text, cs, ce)) or bool(_PER_YEAR_AFTER.match(text, q.end, q.end + 20))
    relative = cell is None and _relative(text, q, own_start, own_end)
    subject, action = _subject_action(ctx, q, (cs, own_end), scope, cell)
    standards = [s.id for s in ctx.doc.standards if cs <= s.start < ce]
    raw = ctx.doc.text or ""
    return Indicator(start=cs, end=ce, text=raw[cs:ce], quantity=q, kind=kind,
                     target_year=year.value if year else None, period=period, per_year=per_year,
                     relative=relative, subject=subject, action=action, standards=list(dict.fromkeys(standards)))


def _not_indicator(ctx: _Context, q: Quantity, clause, own_start, own_end, siblings) -> bool:
    """Background statistics, funding rules, plan structure, baselines and thresholds."""
    cue = _cues()
    text = ctx.text
    cs, ce = clause
    owned = text[own_start:own_end]
    if cue.rx["background_cues"].search(owned) and not cue.rx["target_cues"].search(text, cs, ce):
        return True
    if cue.rx["funding_after"].match(text, q.end) or q.unit.split("/")[0] == "hợp đồng":
        return True
    if _SHARE.search(text, own_start, q.start) and \
            cue.rx["funding_share"].search(text, cs, q.start):
        return True
    unit = new_style(q.unit.lower())
    if any(unit == u or unit.startswith(u + " ") for u in map(str.lower, cue.data["plan_structure"])):
        if cue.rx["plan_structure_verbs"].search(text, max(cs, q.start - 25), q.start):
            return True
    if cue.rx["baseline"].match(text, q.end) and _FROM.search(text, max(cs, q.start - 8), q.start):
        return True
    if q.unit != "%":  # "70% doanh nghiệp triển khai ít nhất 01 dự án": a threshold of the target
        before = [s for s in siblings if s.unit == "%" and cs <= s.end <= q.start]
        if before and not _LIST_MARK.search(text, before[-1].end, q.start):
            return True
    return False


def _default_kind(text: str, cue: _Cues) -> str:
    results = len(cue.rx["result_cues"].findall(text))
    targets = len(cue.rx["target_cues"].findall(text))
    return "result" if results > targets else "target"


def _kind(ctx: _Context, clause: str, sentence: str, default: str) -> str:
    """Cues in the clause, then a year not yet past, then cues in the sentence, then the lead-in or document."""
    cue = _cues()
    if cue.rx["target_cues"].search(clause):
        return "target"
    if cue.rx["result_cues"].search(clause):
        return "result"
    published = int(ctx.doc.published[:4]) if ctx.doc.published else None
    if published and any(int(m.group("y")) >= published for m in _YEAR_EXPR.finditer(clause)
                         if not _NOT_TARGET_YEAR.search(clause[max(0, m.start() - 12):m.start()])):
        return "target"
    if cue.rx["target_cues"].search(sentence):
        return "target"
    return default


def _year_in(ctx: _Context, cs: int, ce: int, q: Quantity | None) -> Year | None:
    """The target year stated in text[cs:ce]: the nearest before q, else the first after it."""
    found = []
    for m in _YEAR_EXPR.finditer(ctx.text, cs, ce):
        ys = m.start("y")
        if any(p.start <= ys < p.end for p in ctx.doc.periods) or any(s <= ys < e for s, e in ctx.blocked):
            continue
        if _NOT_TARGET_YEAR.search(ctx.text, max(cs, m.start() - 12), m.start()):
            continue
        how = m.group("how").lower().split()[0]
        found.append((m.start(), Year(int(m.group("y")), annual=how in ("năm", "trong"))))
    if not found:
        return None
    if q is None:
        return found[-1][1]
    before = [y for s, y in found if s < q.start]
    return before[-1] if before else found[0][1]


def _period_in(ctx: _Context, sentence, clause, q) -> tuple[int, int] | None:
    """A period stated in the sentence before q, or in its clause after q; not a baseline."""
    (ss, se), (cs, ce) = sentence, clause
    best = None
    for p in ctx.doc.periods:
        if not (ss <= p.start < se) or not (p.start < q.start or cs <= p.start < ce):
            continue
        if _BASELINE_PERIOD.search(ctx.text, max(ss, p.start - 20), p.start):
            continue
        if best is None or p.start < q.start:
            best = (p.from_, p.to)
    return best


def _relative(text: str, q: Quantity, own_start: int, own_end: int) -> bool:
    cue = _cues()
    window = text[own_start:q.start]
    if cue.rx["growth_subjects"].search(window):
        return True
    last = None
    for m in cue.rx["change_verbs"].finditer(window):
        last = m
    between = window[last.end():] if last is not None else ""
    if last is not None and len(between.split()) <= 8 and not cue.rx["level_end"].search(between):
        return True
    return bool(_COMPARED.search(text, q.end, own_end))


def _subject_action(ctx: _Context, q: Quantity, clause, scope: _Scope, cell: TableValue | None):
    cs, ce = clause
    text, raw = ctx.text, ctx.doc.text or ""
    if cell is not None:
        return (cell.label.text if cell.label else None), None
    if q.unit == "%":
        skip = _RATE_SKIP.match(text, q.end, ce)
        start = skip.end() if skip else q.end
    else:
        digits = list(_NUMBER.finditer(q.text))
        start = q.start + (digits[-1].end() if digits else 0)
        start += len(text[start:ce]) - len(text[start:ce].lstrip())
    end = _subject_end(text, start, ce, q.unit != "%")
    subject = raw[start:end].strip(" ,-–") or None
    if subject is None:
        subject = _subject_before(ctx, q, cs)
        end = q.end
        if subject is None and _TRONG_DO_BEFORE.search(text, max(0, q.start - 40), q.start):
            subject = scope.last_subject
    action = raw[end:ce].strip(" ,.:;") or None
    return subject, (action[:160] if action else None)


def _subject_end(text: str, start: int, ce: int, is_count: bool) -> int:
    """Where the subject noun phrase stops: an action verb, a clause mark, or 16 words."""
    cue = _cues()
    m = _SUBJECT_STOP.search(text, start, ce)
    end = m.start() if m else ce
    for n, w in enumerate(_TOKEN.finditer(text, start, end), 1):
        ws = w.start()
        if (n > 1 or not is_count) and cue.rx["action_verbs"].match(text, ws):
            return ws
        if n > 16:
            return ws
    return end


def _subject_before(ctx: _Context, q: Quantity, cs: int) -> str | None:
    """A subject written before the number: "năng suất của xưởng tăng khoảng 18%"."""
    head = ctx.text[cs:q.start]
    m = _cues().rx["verbs_before"].search(head)
    if not m:
        return None
    left = head[:m.start()]
    cuts = [(left.rfind(mark), len(mark)) for mark in (",", ":", " đạt ", " có ", " ghi nhận ")]
    pos, width = max(cuts)
    start = cs + (pos + width if pos >= 0 else 0)
    subject = (ctx.doc.text or "")[start:cs + m.start()].strip(" ,-–")
    subject = _LEADING_LINK.sub("", subject)
    return subject or None


def _apply_heading(ctx: _Context, block: Block, scope: _Scope) -> bool:
    """A heading or lead-in line sets (and a numbered heading first resets) what governs below it."""
    body = ctx.text[block.start:block.end].strip()
    m = _HEADING.match(body)
    short = len(body) <= 120 and "\n" not in body
    is_caps = short and body.upper() == body and any(c.isalpha() for c in body)
    leadin = short and body.endswith(":")
    if not (short and (m or is_caps or leadin)):
        return False
    if (m and m.group("major") and not leadin) or is_caps:
        scope.leadin_period = scope.leadin_year = scope.leadin_kind = None
    cue = _cues()
    if cue.rx["target_cues"].search(body):
        scope.leadin_kind = "target"
    elif cue.rx["result_cues"].search(body):
        scope.leadin_kind = "result"
    p = next((x for x in ctx.doc.periods if block.start <= x.start < block.end), None)
    if p is not None:
        scope.leadin_period = (p.from_, p.to)
    y = _year_in(ctx, block.start, block.end, None)
    if y is not None:
        scope.leadin_year = y
    scope.last_year, scope.open_list = None, False
    return True


def _apply_leadin(ctx: _Context, ss: int, se: int, scope: _Scope) -> None:
    """A sentence that opens with a phase ("Trong giai đoạn 2026-2030: ...", "Theo Kế hoạch, giai
    đoạn 2022-2025, ...") or a short lead-in ending in ":" ("Mục tiêu ... giai đoạn 2021-2025: ...")."""
    sent = ctx.text[ss:se]
    colon = sent.find(":")
    for p in ctx.doc.periods:
        if ss <= p.start < ss + 50 and (m := _LEADIN_MARK.match(ctx.text, p.end, se)):
            if m.group(1) == ":":
                scope.leadin_period, scope.leadin_year = (p.from_, p.to), None
            else:
                scope.block_period = (p.from_, p.to)
            return
    if 0 <= colon <= 150:
        lead = (ss, ss + colon)
        p = next((x for x in ctx.doc.periods if lead[0] <= x.start < lead[1]), None)
        if p is not None:
            scope.leadin_period, scope.leadin_year = (p.from_, p.to), None
        if (y := _year_in(ctx, lead[0], lead[1], None)) is not None:
            scope.block_year = y


def _plan_phase(text: str, periods: list[Period], headline) -> tuple[int, int] | None:
    """The plan's own phase, as the body names it (see rules/indicators.yml)."""
    cue = _cues()
    body = [p for p in periods if not (headline and headline[0] <= p.start < headline[1])]
    for p in body:  # "Kế hoạch giai đoạn 2021-2025": the plan's own phase
        if _PLAN_OWN_PHASE.search(text, max(0, p.start - 30), p.start):
            return (p.from_, p.to)
    start = headline[1] if headline else 0
    first_plan = _PLAN.search(text, start)
    if first_plan:  # "Kế hoạch ... năm 2024": a one-year plan has no phase
        end = _sentence_end(text, first_plan.start())
        annual = _ANNUAL_PLAN.search(text, first_plan.end(), end)
        period = next((p for p in body if first_plan.end() <= p.start < end), None)
        if annual and (period is None or annual.start() < period.start):
            return None
    for p in body:
        ls = _sentence_start(text, p.start)
        if cue.rx["plan_words"].search(text, ls, p.start):
            return (p.from_, p.to)
    return None


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind("\n\n", 0, pos), text.rfind(". ", 0, pos)) + 1


def _sentence_end(text: str, pos: int) -> int:
    ends = [i for i in (text.find("\n\n", pos), text.find(". ", pos)) if i >= 0]
    return min(ends) if ends else len(text)


def _headline_span(doc: Document) -> tuple[int, int] | None:
    text = doc.text or ""
    if not doc.title:
        return None
    i = text.find(doc.title)
    if i < 0 or text.count("\n", 0, i) > 12:
        return None
    return (i, i + len(doc.title))
