"""`Trends` → the trend report's Markdown: the answer first, then timeline, shares, others'
figures and the data's quality. Hub text is escaped; numbers are written out in words a
reader outside the project understands."""

from __future__ import annotations

from collections.abc import Sequence

from .analysis import Week
from .markdown import escape, pct, table
from .provenance import FAKE_NOTICE
from .references import describe_reliability
from .trends import (
    MIN_FAMILIES,
    MIN_MODEL_OVERLAP,
    RANK_TOP,
    ClaimHistory,
    Judged,
    PeriodResult,
    RankChange,
    describe_period,
    describe_span,
)
from .trends_report import Trends, reference_marks

ORIGIN_NAMES = {"CN": "China", "US": "the US"}
# A symbol per state, so the tables read without colour (the timeline chart hatches them)
MARK = {
    "supported": "✅",
    "not_supported": "❌",
    "inconclusive": "❔",
    "untestable": "⊘",
    "no_data": "–",
    "mixed": "🔀",  # the article's date spans periods that disagree
}
WORD = {
    "supported": "supported",
    "not_supported": "not supported",
    "inconclusive": "inconclusive",
    "untestable": "can't be tested",
    "no_data": "no data",
}
MAX_CHANGES = 8  # listed per claim in the headline; the table has them all
SHARE_COLUMNS = 6  # families shown in the share table (the leading ones now)


def render_trends_markdown(trends: Trends, charts: Sequence[str]) -> str:
    parts = [
        _title(trends),
        _answer(trends),
        _caution(trends),
        _scope(trends),
        _headline(trends),
        _timeline(trends, charts),
        _shares(trends, charts),
        _references(trends),
        _quality(trends),
        _method(trends),
    ]
    if trends.provenance.kind == "fake":  # said first and last, so no excerpt loses it
        parts.insert(1, FAKE_NOTICE)
        parts.append(FAKE_NOTICE)
    return "\n".join(part for part in parts if part)  # no caution: no blank gap


def _unit(trends: Trends) -> str:
    return "week" if trends.every == "week" else "month"


def _title(trends: Trends) -> str:
    first, last = trends.judged[0].period, trends.judged[-1].period
    return f"# Long-range trends: {describe_period(first)} to {describe_period(last)}\n"


def _answer(trends: Trends) -> str:
    """One line per claim — now, at the article's date, changes — before anything else."""
    out = ["## The answer in short\n"]
    for h in trends.histories:
        now = h.now.verdict if h.now else "no_data"
        parts = [f"{MARK[now]} **{escape(h.claim.statement)}**"]
        if h.now is not None:
            value = _value(h.now, h.claim.kind)
            shown = f", {value}" if value != "–" else ""
            parts.append(f"now {WORD[now]}{shown} ({describe_period(h.now.period)})")
        span = describe_span(h.article)
        if h.at_article:
            verdict = h.article_verdict or "no_data"
            parts.append(f"at the article's date ({span}): {WORD.get(verdict, verdict)}")
        else:
            parts.append(f"at the article's date ({span}): no data reaches back that far")
        n = len(h.changes)
        parts.append("no change" if n == 0 else f"{n} change{'s' if n != 1 else ''}")
        out.append("- " + " · ".join(parts) + ".")
    return "\n".join(out) + "\n"


def _scope(trends: Trends) -> str:
    n, total = len(trends.judged), len(trends.results)
    return (
        f"Every claim of the article, judged {_unit(trends)} by {_unit(trends)} over all the "
        f"history stored: {n} of {total} {_unit(trends)}s have data (as of "
        f"{trends.as_of:%Y-%m-%d %H:%M} UTC). Each {_unit(trends)} is judged exactly as the "
        "weekly report judges a week: each watched model's latest count in it. "
        f"{MARK['untestable']} can't be tested: a group the claim compares has no model in "
        f"that {_unit(trends)}'s data; {MARK['inconclusive']} inconclusive: the data is there "
        "but can't decide (the reason is given).\n"
    )


def _sources_in_words(trends: Trends, result: PeriodResult) -> str:
    words = [escape(trends.sources.get(s, s)) for s in result.sources]
    if len(words) == 1:
        return words[0]
    return f"{len(words)} sources: " + " and ".join(words)


def _caution(trends: Trends) -> str:
    """Say so, in plain words, when the latest period rests on other sources than the one
    before it (the files are named in the data-quality section)."""
    if len(trends.judged) < 2:
        return ""
    before, latest = trends.judged[-2], trends.judged[-1]
    if before.sources == latest.sources:
        return ""
    return (
        f"> **Read the latest {_unit(trends)} with care: its list of models is not the one "
        f"before.** The {describe_period(latest.period)} rests on "
        f"{len(latest.data.latest):,} models from {_sources_in_words(trends, latest)}. The "
        f"{describe_period(before.period)} rests on {len(before.data.latest):,} models from "
        f"{_sources_in_words(trends, before)}. A different list of models can change a "
        "verdict or a share by itself; the files are listed under *Data quality*.\n"
    )


# --- the answer ----------------------------------------------------------------------------


def _value(judged: Judged, kind: str) -> str:
    value = judged.outcome.value
    if value is None:
        return "–"
    return f"#{int(value)}" if kind == "rank" else f"{value:.2f}×"


def _headline(trends: Trends) -> str:
    out = ["## Each claim in detail\n"]
    for h in trends.histories:
        latest = h.now.verdict if h.now else "no_data"
        out.append(f"### {MARK[latest]} {escape(h.claim.statement)}\n")
        out.append(f"- **Over time:** {_tally(trends, h)}")
        out.append(f"- **At the article's date ({describe_span(h.article)}):** {_at_article(h)}")
        if h.now is not None:
            out.append(
                f"- **Now ({describe_period(h.now.period)}):** {_mark_word(h.now.verdict)}"
                f" — {escape(h.now.outcome.explanation)}."
            )
        out.append(f"- **Changes:** {_changes(h)}")
        out.append("")
    return "\n".join(out)


def _tally(trends: Trends, h: ClaimHistory) -> str:
    """'supported in 20 of the 23 weeks with data, not supported in 1, inconclusive in 2'."""
    verdicts = [r.states[h.claim.id] for r in trends.judged]
    counts = [(WORD[v], verdicts.count(v)) for v in WORD if verdicts.count(v)]
    first, *rest = counts
    unit = _unit(trends)
    text = f"{first[0]} in {first[1]} of the {len(verdicts)} {unit}s with data"
    return text + "".join(f", {word} in {n}" for word, n in rest) + "."


def _at_article(h: ClaimHistory) -> str:
    span = describe_span(h.article)
    if not h.at_article:
        if h.earliest is None:
            return f"no stored data for {span}, and no period with a verdict at all."
        where = "reaches back to" if h.earliest.period.start.date() >= h.article[1] else "covers"
        return (
            f"no stored data {where} {span}. The earliest period judged is the "
            f"{describe_period(h.earliest.period)}: {_mark_word(h.earliest.verdict)} — "
            f"{escape(h.earliest.outcome.explanation)}."
        )
    verdict = h.article_verdict
    last = h.at_article[-1]
    n = len(h.at_article)
    if verdict == "mixed":
        counts = {WORD[v]: sum(1 for j in h.at_article if j.verdict == v) for v in WORD}
        split = ", ".join(f"{k} in {c}" for k, c in counts.items() if c)
        return f"mixed — {split} of the {n} periods with data. Last: {escape(last.outcome.explanation)}."
    assert verdict is not None
    return (
        f"{_mark_word(verdict)} in {'the one period' if n == 1 else f'all {n} periods'} with "
        f"data — last, {describe_period(last.period)}: {escape(last.outcome.explanation)}."
    )


def _mark_word(state: str) -> str:
    return f"{MARK[state]} {WORD[state]}"


def _changes(h: ClaimHistory) -> str:
    if h.earliest is None:
        return "none: no period could be judged."
    if not h.changes:
        return f"none since the {describe_period(h.earliest.period)}."
    kind = h.claim.kind
    shown = h.changes[-MAX_CHANGES:]
    lines = [f"{len(h.changes)} since the {describe_period(h.earliest.period)}"]
    if len(h.changes) > len(shown):
        lines[0] += f" (the last {len(shown)} here; all in the table below)"
    lines[0] += ":"
    for c in shown:
        note = " — *the data sources changed too*" if c.sources_changed else ""
        lines.append(
            f"  - {describe_period(c.after.period)}: {MARK[c.before.outcome.verdict]} → "
            f"{MARK[c.after.outcome.verdict]} {WORD[c.after.outcome.verdict]} "
            f"({_value(c.before, kind)} → {_value(c.after, kind)}){note}"
        )
    return "\n".join(lines)


# --- timeline ------------------------------------------------------------------------------


def _timeline(trends: Trends, charts: Sequence[str]) -> str:
    out = ["## Verdict timeline\n"]
    if "verdict_timeline.png" in charts:
        out.append(
            "![Each claim's verdict per period: green supported, red cross-hatched not "
            "supported, grey dotted inconclusive, striped can't be tested, blank no "
            "data](verdict_timeline.png)\n"
        )
    claims = [h.claim for h in trends.histories]
    out.append("Columns: " + "; ".join(f"**{c.id}**: {escape(c.statement)}" for c in claims) + "\n")
    reasons: dict[str, str] = {}  # explanation → its letter, in order of first use
    rows = []
    for r in trends.results:
        if r.empty:
            rows.append([r.period.label, "0", *[f"{MARK['no_data']} no data"] * len(claims)])
            continue
        cells = [r.period.label, f"{len(r.data.latest):,}"]
        for c in claims:
            o, state = r.outcomes[c.id], r.states[c.id]
            if state in ("supported", "not_supported"):
                cells.append(f"{MARK[state]} {_value(Judged(r.period, o), c.kind)}")
                continue
            letter = reasons.setdefault(o.explanation, chr(ord("a") + len(reasons) % 26))
            cells.append(f"{MARK[state]} ({letter})")
        rows.append(cells)
    out.append(
        table([_unit(trends), "models", *[c.id for c in claims]], rows, "lr" + "l" * len(claims))
    )
    if reasons:
        out.append(
            f"Why there is no verdict ({MARK['inconclusive']} inconclusive, "
            f"{MARK['untestable']} can't be tested):\n"
        )
        out.extend(f"- ({letter}) {escape(text)}" for text, letter in reasons.items())
        out.append("")
    return "\n".join(out)


# --- shares and ranks ------------------------------------------------------------------------


def _shares(trends: Trends, charts: Sequence[str]) -> str:
    out = ["## Shares over time\n"]
    for name, alt in (
        ("family_shares.png", "Each family's share of the watched 30-day downloads per period"),
        ("origin_shares.png", "China's, the US's and others' share per period"),
    ):
        if name in charts:
            out.append(f"![{alt}]({name})\n")
    latest = trends.judged[-1].families
    leaders = list(latest.sort_values("share_downloads_30d", ascending=False).index[:SHARE_COLUMNS])
    origins = ["CN", "US"]
    rows = []
    for r in trends.judged:
        if not r.has_shares:  # one or two families make "100 %" out of nothing in particular
            thin = f"too few families ({r.families_observed} observed)"
            rows.append([r.period.label, thin] + [""] * (len(leaders) + len(origins) - 1))
            continue
        rows.append(
            [r.period.label]
            + [pct(r.share("family", f)) for f in leaders]
            + [pct(r.share("origin", o)) for o in origins]
        )
    headers = (
        [_unit(trends)]
        + [escape(trends.labels.get(f, f)) for f in leaders]
        + [
            "China",
            "US",
        ]
    )
    out.append(
        f"Share of the watched families' 30-day downloads; the {len(leaders)} families that lead "
        "now, then the two origins. A dash: not observed that period. No shares are given "
        f"for a period with fewer than {MIN_FAMILIES} families observed.\n"
    )
    out.append(table(headers, rows, "l" + "r" * (len(headers) - 1)))
    out.append(_leaders(trends))
    out.append("### Who passed whom\n")
    everything = trends.family_changes + trends.origin_changes
    changes = [c for c in everything if c.comparable]
    pool = [c for c in everything if not c.comparable]
    if not changes:
        out.append(
            "No family or origin overtook another while both were counted on (mostly) the same "
            "models."
        )
    ordered = sorted(changes, key=lambda c: (c.after.start, c.by))
    flickers = [c for c in ordered if c.reversed_in is not None and c.held <= 1]
    for c in ordered:
        if c not in flickers:
            out.append(_rank_line(c, trends))
    if flickers:
        names = {**ORIGIN_NAMES, **trends.labels}
        brief = "; ".join(
            f"{escape(names.get(c.winner, c.winner))} over {escape(names.get(c.loser, c.loser))} "
            f"({c.after.label})"
            for c in flickers
        )
        out.append(
            f"\n{len(flickers)} more lasted a single {_unit(trends)} before the old order came "
            f"back: {brief}. Every change, with its shares, is in `summary.json`."
        )
    if pool:
        out.append(_pool_changes(pool, trends))
    return "\n".join(out) + "\n"


def _pool_changes(pool: Sequence[RankChange], trends: Trends) -> str:
    """Orders that flipped only because the captured models changed, listed apart."""
    names = {**ORIGIN_NAMES, **trends.labels}
    items = "; ".join(
        f"{escape(names.get(c.winner, c.winner))} over {escape(names.get(c.loser, c.loser))} "
        f"({c.after.label})"
        for c in sorted(pool, key=lambda c: (c.after.start, c.by))
    )
    return (
        f"\n**Order changed because the captured models changed** ({len(pool)}, not counted "
        f"above: fewer than {MIN_MODEL_OVERLAP:.0%} of one side's models were the same in both "
        f"{_unit(trends)}s, e.g. a model entered or left a top-30 list): {items}."
    )


def _leaders(trends: Trends) -> str:
    """Which family had the largest share, as runs of consecutive periods with data."""
    runs: list[tuple[str, list[Week]]] = []
    for r in trends.judged:
        if not r.has_shares:
            continue
        leader = str(r.families["share_downloads_30d"].astype(float).idxmax())
        if runs and runs[-1][0] == leader:
            runs[-1][1].append(r.period)
        else:
            runs.append((leader, [r.period]))
    parts = []
    for leader, periods in runs:
        name = escape(trends.labels.get(leader, leader))
        if len(periods) == 1:
            parts.append(f"{name} in the {describe_period(periods[0])}")
        else:
            parts.append(
                f"{name} in {len(periods)} {_unit(trends)}s with data from the "
                f"{describe_period(periods[0])} to the {describe_period(periods[-1])}"
            )
    if not parts:
        return ""
    return f"Largest share ({_unit(trends)}s with shares): " + "; then ".join(parts) + ".\n"


def _rank_line(c: RankChange, trends: Trends) -> str:
    names = trends.labels if c.by == "family" else ORIGIN_NAMES
    win, lose = escape(names.get(c.winner, c.winner)), escape(names.get(c.loser, c.loser))
    unit = _unit(trends)
    lasted = f"{c.held} {unit}{'s' if c.held != 1 else ''}"
    if c.reversed_in is not None:
        after = (
            f" It lasted {lasted}: the old order was back in the {describe_period(c.reversed_in)}."
        )
    elif _holds_to_end(c, trends):
        after = " It still holds in the latest period."
    else:
        after = f" It held for {lasted} while both were observed."
    note = (
        " The data sources changed between these periods, so this may reflect the data, not the Hub."
        if c.sources_changed
        else ""
    )
    return (
        f"- **{win[0].upper() + win[1:]} passed {lose}** in the {describe_period(c.after)}: "
        f"{win} {pct(c.winner_shares[0])} → {pct(c.winner_shares[1])}, "
        f"{lose} {pct(c.loser_shares[0])} → {pct(c.loser_shares[1])} "
        f"(against the {describe_period(c.before)}).{after}{note}"
    )


def _holds_to_end(c: RankChange, trends: Trends) -> bool:
    after = [r for r in trends.judged if r.period.start >= c.after.start]
    return c.held == len(after)


# --- others' figures -------------------------------------------------------------------------


def _references(trends: Trends) -> str:
    out = [
        "## Published reference points\n",
        "What others published, beside our own series at the same date. Their metrics differ "
        "from ours (most count cumulative downloads, or a hand-picked list of models), so "
        "mostly only the *direction* can be compared; each point says how far, and how far "
        "its source can be trusted. " + _marked(trends) + "\n",
    ]
    for n, c in enumerate(trends.comparisons, start=1):
        p = c.point
        verdict = {True: " **Same direction.**", False: " **Opposite direction.**", None: ""}[
            c.agrees
        ]
        out.append(
            f"{n}. **{escape(p.published_as)} — {escape(p.figure)}** ({escape(p.scope)}; "
            f"[source]({p.source}), {describe_reliability(p.reliability)}). "
            f"Ours: {escape(c.ours)}.{verdict} "
            f"Comparable: {p.comparable} — {escape(p.difference)}"
        )
    return "\n".join(out) + "\n"


def _marked(trends: Trends) -> str:
    """Which points the share charts mark, so the text says only what the charts show."""
    where = []
    for by, chart in (("family", "family"), ("origin", "origin")):
        numbers = [n for ns in reference_marks(trends, by).values() for n in ns]
        if numbers:
            where.append(f"{', '.join(str(n) for n in numbers)} on the {chart} share chart")
    if not where:
        return "None of them falls within our data's span, so the share charts mark none."
    return f"Those within our data's span are marked [n] on the charts: {'; '.join(where)}."


# --- data quality ------------------------------------------------------------------------------


def _quality(trends: Trends) -> str:
    out = ["## Data quality\n"]
    for span in trends.spans:
        out.append(
            f"- **{span.kind}**: {span.snapshots:,} snapshots of watched models, "
            f"{span.first:%Y-%m-%d} to {span.last:%Y-%m-%d}."
        )
    kinds = {s.kind for s in trends.spans}
    backfill = [s for s in trends.spans if s.kind == "backfill"]
    live = [s for s in trends.spans if s.kind == "collect"]
    if backfill and live:
        out.append(
            f"- Backfilled history ends {max(s.last for s in backfill):%Y-%m-%d}; our own "
            f"collects begin {min(s.first for s in live):%Y-%m-%d}. Where both have a day, the "
            "collect wins."
        )
    elif not backfill:
        out.append(
            "- No backfilled history is stored (`hf-monitor backfill` adds daily history since "
            "July 2024)."
        )
    if "import" in kinds:
        out.append(
            "- Imported files come from other people's collectors, each with its own list of "
            "models: when the set of sources changes, so does the pool of models counted."
        )
    empty = [r.period for r in trends.results if r.empty]
    if empty:
        out.append(f"- {_unit(trends).capitalize()}s without any data: {_ranges(empty)}.")
    out.append("")
    numbers: dict[str, int] = {}
    for r in trends.judged:  # sources numbered in order of first use
        for source in r.sources:
            numbers.setdefault(source, len(numbers) + 1)
    rows = [
        [
            r.period.label,
            f"{r.data.as_of:%Y-%m-%d %H:%M}" if r.data.as_of else "–",
            f"{len(r.data.latest):,}",
            str(r.days_with_data),
            str(len(r.stale_days)),
            str(r.partial_runs),
            ", ".join(r.kinds),
            ", ".join(str(numbers[s]) for s in r.sources),
        ]
        for r in trends.judged
    ]
    out.append(
        "Per period: models in its cross-section, days with any snapshot, days on which the "
        "Hub had not refreshed its counts (stale), collects that failed for some authors "
        "(partial runs), and where the numbers came from.\n"
    )
    out.append("Sources:\n")
    out.extend(
        f"- **{n}** {escape(trends.sources.get(source, source))} — `{source}`"
        for source, n in numbers.items()
    )
    out.append("")
    out.append(
        table(
            [
                _unit(trends),
                "as of (UTC)",
                "models",
                "days with data",
                "stale days",
                "partial runs",
                "kind",
                "sources",
            ],
            rows,
            "llrrrrll",
        )
    )
    return "\n".join(out)


def _ranges(periods: Sequence[object]) -> str:
    """Consecutive periods as 'A to B', the rest one by one."""
    labels = [p.label for p in periods]  # type: ignore[attr-defined]
    starts = [p.start for p in periods]  # type: ignore[attr-defined]
    ends = [p.end for p in periods]  # type: ignore[attr-defined]
    groups: list[list[int]] = []
    for i in range(len(labels)):
        if groups and ends[groups[-1][-1]] == starts[i]:
            groups[-1].append(i)
        else:
            groups.append([i])
    return ", ".join(
        labels[g[0]] if len(g) == 1 else f"{labels[g[0]]} to {labels[g[-1]]} ({len(g)})"
        for g in groups
    )


def _method(trends: Trends) -> str:
    return (
        "## Method\n\n"
        f"- A period is an {'ISO week (Monday to Sunday, UTC)' if trends.every == 'week' else 'calendar month (UTC)'}; "
        "its numbers are each watched model's latest snapshot in it, and its shares are "
        "fractions of the watched families' total 30-day downloads.\n"
        "- Verdicts use the claims' own metric and threshold (`seeds/claims.yaml`), as in the "
        "weekly report; a change is counted between two periods with a verdict, skipping "
        "inconclusive ones. A claim *can't be tested* in a period that has no model of a "
        "group it compares (that is no evidence either way); it is *inconclusive* when the "
        "models are there but can't decide, e.g. fewer families than a top-3 rank needs.\n"
        f"- Shares need at least {MIN_FAMILIES} families observed: with fewer, the largest "
        "family's share says more about what was captured than about use, so those periods "
        "have no shares in the table or charts and take no part in who passed whom.\n"
        f'- "Passed" compares two consecutive periods with shares, among changes that leave the winner in the top {RANK_TOP} families '
        "(or the origins) with the largest shares after the change, and only when both "
        f"groups add up mostly the same models in both periods (at least {MIN_MODEL_OVERLAP:.0%} "
        "of the models seen in either are seen in both); other flips are listed apart.\n"
        "- A single model's published 30-day count agrees with ours when they are within a "
        "quarter of each other (the counter moves from day to day).\n"
        "- 30-day downloads count automated downloads too, and a family's use through "
        "third-party copies and quantizations is not in its official repositories' numbers.\n"
    )
