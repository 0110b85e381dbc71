"""Render a weekly `Report` as Markdown a reader understands in a minute.

Text that comes from the Hub (model ids, tags) is escaped: a crafted id cannot break a table or
inject HTML into the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from .analysis import MOVER_FLOOR, NEW_DAYS, STALE_MIN_MODELS
from .claims import METRIC_LABELS, Outcome, Verdict, models_in_top
from .config import Config
from .formatting import human, missing, short_label, when
from .provenance import FAKE_NOTICE
from .report import CHART_FILES, VERDICT_MARK, Report, _by_downloads

WEEKLY_COLUMN = "downloads this week"  # left out of tables when the data has no all-time counts
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape(text: object) -> str:
    """Markdown-safe inline text: special characters escaped, line breaks flattened."""
    flat = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", flat)


def num(value: Any) -> str:
    return "–" if missing(value) else human(float(value))


def pct(value: Any, signed: bool = False) -> str:
    if missing(value):
        return "–"
    text = f"{float(value) * 100:+.1f} %" if signed else f"{float(value) * 100:.1f} %"
    return text.replace("-", "−")


def signed(value: Any) -> str:
    if missing(value):
        return "–"
    v = float(value)
    return ("+" if v > 0 else "−" if v < 0 else "") + human(abs(v))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column: l or r."""
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, config: Config) -> str:
    parts = [
        _title(report, config),
        _answer(report),
        _verdicts(report),
        _freshness(report),
        _families(report, config),
        _origins(report),
        _hub_wide(report),
        _adaptation(report),
        _models(report, config),
        _leaders(report),
        _caveats(report),
        _method(),
        _appendix(report),
    ]
    parts = [p for p in parts if p]
    if report.source.kind in ("demo", "fake"):  # said first and last, so no excerpt loses it
        parts.insert(1, _demo_notice(report))
        parts.append(_demo_notice(report))
    return "\n".join(parts)


def _demo_notice(report: Report) -> str:
    source = report.source
    if source.recorded is None:  # a store filled from a fake Hub, reported on later
        return FAKE_NOTICE
    first, last = source.recorded
    return (
        f"> **Demo report, not live data.** Made by `hf-monitor demo` from Hub numbers recorded "
        f"{first:%Y-%m-%d} … {last:%Y-%m-%d} and replayed by a local fake Hub: the 30-day "
        f"downloads and likes are real; synthetic: {'; '.join(source.synthetic)}.\n"
    )


def _title(report: Report, config: Config) -> str:
    fresh = report.freshness
    watched = len(config.families)
    observed = report.cur.latest["family"].nunique()
    captures = len(fresh.captures)
    return (
        f"# Open-model popularity on Hugging Face — {report.week.label}\n\n"
        f"Week {report.week.describe()} · data as of **{when(report.as_of)}** · "
        f"{len(report.cur.latest)} models in {observed} of {watched} watched families · "
        f"{captures} {'capture' if captures == 1 else 'captures'} of the Hub's counts this week\n"
    )


# --- the answer first -------------------------------------------------------------------------

_ANSWER = {"supported": "Yes", "not_supported": "No", "inconclusive": "Can't tell"}


def _answer(report: Report) -> str:
    """A few plain sentences that answer each claim, before any table."""
    lines = ["## In short\n"]
    for v in report.verdicts:
        mark = VERDICT_MARK[v.main.verdict].split()[0]
        lines.append(
            f"- {mark} **{escape(v.claim.statement)}** {_ANSWER[v.main.verdict]}: "
            f"{_plain_answer(report, v)}"
        )
        hub = _hub_answer(report, v)
        if hub:
            lines.append(f"  {hub}")
    gap = _article_gap(report)
    if gap:
        lines.append(f"\n{gap}")
    lines.append(f"\n<sub>{_source_note(report)}</sub>")
    return "\n".join(lines) + "\n"


def _source_note(report: Report) -> str:
    note = escape(report.source.chart_source)
    if report.source.kind in ("import", "mixed"):
        note += (
            ". Imported lists hold only the models that made them on each day, not every model "
            "of a family."
        )
    return note


def _article_gap(report: Report) -> str:
    """Say how far the data is from the date of the statements it tests."""
    dates = sorted({v.claim.source.date for v in report.verdicts})
    if not dates:
        return ""
    year, month = (int(x) for x in dates[0].split("-")[:2])  # checked when the claims load
    months = (report.as_of.year - year) * 12 + report.as_of.month - month
    if months < 2:
        return ""
    stated = datetime(year, month, 1)
    return (
        f"*The statements date from {stated:%B %Y}; these are the Hub's numbers of "
        f"{report.as_of:%B %Y}, {months} months later. They say whether the statements hold now; "
        "what held then is for the trend report (`hf-monitor trends`), as far back as its "
        "history reaches.*"
    )


def _plain_answer(report: Report, v: Verdict) -> str:
    claim, main = v.claim, v.main
    if main.verdict == "inconclusive" or main.value is None:
        return escape(main.explanation) + "."
    what = METRIC_LABELS[main.metric]
    if claim.kind == "rank":
        family = claim.subject.families[0]
        name = short_label(report.labels.get(family, family))
        ranked = report.families.sort_values("rank_downloads_30d")
        text = f"{escape(name)} is #{int(main.value)} of {len(ranked)} watched families by {what}"
        if main.metric == "downloads_30d" and family in ranked.index:
            share = ranked.loc[family, "share_downloads_30d"]
            others = [
                f"{escape(short_label(report.labels.get(str(f), f)))} {pct(r['share_downloads_30d'])}"
                for f, r in ranked.head(4).iterrows()
                if f != family
            ][:2]
            text += f", with {pct(share)} of their downloads"
            text += f" (next: {', '.join(others)})" if int(main.value) == 1 else ""
        return text + f"; the threshold is a top-{int(claim.threshold)} rank."
    assert claim.versus is not None
    sides = v.counted.groupby("side", sort=False)[main.metric].sum()
    text = (
        f"{escape(claim.subject.label)} have {main.value:.2f}× the {what} of "
        f"{escape(claim.versus.label)}, {num(sides.get(claim.subject.label))} against "
        f"{num(sides.get(claim.versus.label))}"
    )
    earlier = [(label, o.value) for label, o in v.trend[:-1] if o.value is not None]
    if earlier:
        label, value = earlier[0]
        text += f", {_direction(value, main.value)} {value:.2f}× in {label}"
    return text + f"; the threshold is {claim.threshold:g}×."


def _direction(before: float, now: float) -> str:
    if abs(now - before) < 0.005 * max(abs(before), 1e-9):
        return "the same as"
    return "up from" if now > before else "down from"


def _hub_answer(report: Report, v: Verdict) -> str:
    """For a rank claim with Hub-wide ranks: the best model's place and what leads the Hub."""
    context = report.context
    if v.claim.kind != "rank" or context is None or "all" not in context.ranks:
        return ""
    family = v.claim.subject.families[0]
    name = escape(short_label(report.labels.get(family, family)))
    standing, n = context.ranks["all"], context.top_n["all"]
    row = standing.loc[family] if family in standing.index else None
    if row is None or missing(row["best_rank"]):
        text = f"On the whole Hub, no {name} model is among the {n:,} most downloaded captured."
    else:
        count, within = models_in_top(row, n)
        text = (
            f"On the whole Hub, {name}'s best model, {escape(row['best_model'])}, is "
            f"#{int(row['best_rank'])} by 30-day downloads, and {count} {name} models are in the "
            f"top {within}" + (f" of the {n:,} captured." if n > within else " captured.")
        )
    leaders = context.leaders["all"]
    if not leaders.empty:
        first = leaders.iloc[0]
        tag = first["pipeline_tag"]
        kind = f", a {escape(tag)} model" if isinstance(tag, str) else ""
        text += f" The Hub's most downloaded model is {escape(first['model_id'])}{kind}."
    return text


# --- verdicts in detail -----------------------------------------------------------------------


def _outcome_value(outcome: Outcome, kind: str) -> str:
    if outcome.value is None:
        return "–"
    return f"#{int(outcome.value)}" if kind == "rank" else f"{outcome.value:.2f}×"


def _verdicts(report: Report) -> str:
    lines = ["## Verdicts\n"]
    for v in report.verdicts:
        claim = v.claim
        lines.append(f"### {escape(claim.statement)} — {VERDICT_MARK[v.main.verdict]}\n")
        lines.append(f"{escape(_sentence(v.main.explanation))}\n")
        lines.append(f"- Week by week: {_trend(v)}.")
        for o in v.alternatives:
            lines.append(
                f"- By {METRIC_LABELS[o.metric]}: {VERDICT_MARK[o.verdict]} — {escape(o.explanation)}."
            )
        for o in v.scopes:
            lines.append(
                f"- {escape(o.scope[:1].upper() + o.scope[1:])}: {VERDICT_MARK[o.verdict]} — {escape(o.explanation)}."
            )
        if not v.scopes and claim.kind == "rank" and claim.hub_best_rank is not None:
            lines.append(
                "- Whole Hub: no Hub-wide ranks this week; they come with `hf-monitor collect` "
                "or `hf-monitor import --hub-top N`."
            )
        lines.append(f"- The models counted are listed in the [appendix](#{_anchor(claim.id)}).")
        if claim.note:
            lines.append(
                f"\n<sub>How it is read: {escape(claim.note)} Source: "
                f"{escape(claim.source.outlet)}, {escape(claim.source.date)}.</sub>"
            )
        lines.append("")
    return "\n".join(lines)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _trend(v: Verdict) -> str:
    """W30 0.99× → W31 0.84× → W32 0.70×, with a mark where the verdict changed."""
    steps = []
    previous = None
    for label, o in v.trend:
        value = "❔" if o.value is None else _outcome_value(o, v.claim.kind)
        changed = previous is not None and o.verdict != previous
        steps.append(
            f"{label.split('-')[1]} {value}" + (f" ({VERDICT_MARK[o.verdict]})" if changed else "")
        )
        previous = o.verdict
    if len(steps) == 1:
        return f"{steps[0]}; no earlier week with data yet"
    return " → ".join(steps)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _anchor(claim_id: str) -> str:
    return f"models-behind-{claim_id}"


def _days(days: Sequence[date]) -> str:
    return ", ".join(f"{d:%a %d %b}" for d in days)


def _freshness(report: Report) -> str:
    fresh = report.freshness
    lines = ["## Data freshness\n"]
    lines.append(f"- Captures this week: {len(fresh.captures)}, on {_days(fresh.days_with_data)}.")
    if fresh.missing_days:
        lines.append(f"- Days without a capture: {_days(fresh.missing_days)}.")
    else:
        lines.append("- No gaps: every day up to the as-of time has a capture.")
    for check in fresh.checks:
        if check.stale or check.partly_stale:
            how = (
                "the Hub had not refreshed its counters: no new data, not zero growth"
                if check.stale
                else "part of the Hub's counters had not been refreshed"
            )
            lines.append(
                f"- **{check.day:%a %d %b}: {check.share:.0%} of the {check.compared} models seen "
                f"on this and the previous day kept the same 30-day count** — {how}."
            )
    judged = [c for c in fresh.checks if c.judged and not (c.stale or c.partly_stale)]
    if judged:
        worst = max(c.share or 0 for c in judged)
        kept = f"at most {worst:.1%} of the models compared" if worst else "none of the models"
        lines.append(
            f"- On {_days([c.day for c in judged])} the Hub refreshed its counters: {kept} "
            "kept the same count as the day before."
        )
    if fresh.unjudged_days:
        lines.append(
            f"- {_days(fresh.unjudged_days)}: too few models seen on two days in a row "
            f"(under {STALE_MIN_MODELS}) to tell whether the Hub refreshed."
        )
    lines += _cross_section(report)
    if report.prev is None:
        lines.append(
            "- No data in the previous week: week-over-week changes cannot be computed yet (shown as –)."
        )
    else:
        assert report.prev.as_of is not None
        lines.append(f"- Compared with the previous week as of {when(report.prev.as_of)}.")
    return "\n".join(lines) + "\n"


def _cross_section(report: Report) -> list[str]:
    """What the week's one consistent capture per source left out or carried over."""
    lines = []
    dropped = report.cur.dropped
    if not dropped.empty:
        ordered = _by_downloads(dropped)
        named = ", ".join(
            f"{escape(r.model_id)} ({num(r.downloads_30d)} on {r.observed_at:%a %d %b})"
            for r in ordered.head(5).itertuples()
        )
        more = f" and {len(ordered) - 5} more" if len(ordered) > 5 else ""
        lines.append(
            f"- {len(ordered)} {'model' if len(ordered) == 1 else 'models'} seen earlier this week "
            f"{'is' if len(ordered) == 1 else 'are'} not in the latest capture of their source "
            f"(they left the captured list, or the Hub) and do not count: {named}{more}."
        )
    carried = report.cur.carried
    if not carried.empty:
        by_author = carried.groupby("author")["observed_at"].max().sort_index()
        named = ", ".join(f"{escape(a)} from {t:%a %d %b %H:%M}" for a, t in by_author.items())
        lines.append(
            f"- {len(carried)} models count with an older value because nothing newer was "
            f"captured for their organisation this week: {named}."
        )
    return lines


def _families(report: Report, config: Config) -> str:
    labels = {f.id: f for f in config.families}
    frame = report.families.sort_values("rank_downloads_30d")
    rows = []
    for family_id, r in frame.iterrows():
        family = labels[str(family_id)]
        week = num(r["downloads_week"])
        if not missing(r["downloads_week"]) and r["week_models"] < r["models"]:
            week += f" ({int(r['week_models'])} of {int(r['models'])})"
        rank = str(int(r["rank_downloads_30d"]))
        rows.append([rank, escape(family.label), family.origin, *_group_cells(r, week)])
    weekly = not frame["downloads_week"].isna().all()
    text = "## Families\n\n" + _group_table(["#", "family", "origin"], rows, "rll", weekly)
    if weekly:
        why = "*downloads this week* is exact: the growth of the all-time counters since last week."
    elif report.cur.latest["downloads_all_time"].notna().any():
        why = "No *downloads this week* yet: they are the growth of the all-time counters since last week, and there is no earlier week to compare with."
    else:
        why = "No downloads this week: the data has no all-time counts to take them from."
    text += f"\n{why} The changes compare the same models in both weeks.\n"
    for family_id, (model_id, change, family_change) in report.drivers.items():
        share = frame.loc[family_id, "change_downloads_30d"] if family_id in frame.index else None
        text += (
            f"\n{escape(short_label(labels[family_id].label))}'s change "
            f"({signed(family_change)}, {pct(share, signed=True)}) is driven by one model: "
            f"{escape(model_id)} moved {signed(change)}.\n"
        )
    drops = int(frame["counter_drops"].sum())
    if drops:
        text += f"\n{drops} all-time counter(s) went down this week (Hub corrections); they count as 0, not negative.\n"
    text += f"\n![30-day downloads by family]({CHART_FILES['families']})\n\n![Likes by family]({CHART_FILES['likes']})\n"
    return text


GROUP_HEADERS = ["models", "30-day downloads", "share", WEEKLY_COLUMN,
                 "change in 30-day downloads", "likes", "change in likes"]  # fmt: skip


def _group_cells(r: pd.Series, week: str) -> list[str]:
    """The measures a family's row and an origin's row share (`week`: this week's downloads)."""
    return [
        str(int(r["models"])),
        num(r["downloads_30d"]),
        pct(r["share_downloads_30d"]),
        week,
        pct(r["change_downloads_30d"], signed=True),
        num(r["likes"]),
        signed(r["likes_change_week"]),
    ]


def _group_table(first: list[str], rows: list[list[str]], align: str, weekly: bool) -> str:
    """`first` columns, then GROUP_HEADERS without the downloads-this-week column unless
    `weekly` (no all-dash column where the data has no all-time counts)."""
    headers, align = [*first, *GROUP_HEADERS], align + "r" * len(GROUP_HEADERS)
    if not weekly:
        i = headers.index(WEEKLY_COLUMN)
        drop = lambda seq: [*seq[:i], *seq[i + 1 :]]  # noqa: E731
        headers, rows, align = drop(headers), [drop(r) for r in rows], "".join(drop(list(align)))
    return table(headers, rows, align)


def _origins(report: Report) -> str:
    frame = report.origins.sort_values("rank_downloads_30d")
    rows = [[str(o), *_group_cells(r, num(r["downloads_week"]))] for o, r in frame.iterrows()]
    text = "## Origins\n\nCountry of the publishing organisation (CN China, US United States, FR France).\n\n"
    text += _group_table(["origin"], rows, "l", not frame["downloads_week"].isna().all())
    return text + f"\n![Share of 30-day downloads by origin]({CHART_FILES['origins']})\n"


def _hub_wide(report: Report) -> str:
    context = report.context
    if context is None or not context.ranks:
        return ""
    labels = report.labels
    lines = ["## On the whole Hub\n"]
    lines.append(
        "Where the watched families' own repositories stand in the Hub's ranking by 30-day "
        "downloads, within the captured top N. Most of those downloads go to small embedding, "
        "encoder and vision models that no family here publishes, so a watched family can lead "
        "the watch list and still rank far down the whole Hub.\n"
    )
    for scope, standing in context.ranks.items():
        n = context.top_n[scope]
        title = "All models" if scope == "all" else f"Pipeline `{escape(scope)}`"
        # count columns only for cut-offs the capture can see: never "top 100" from a top 30
        cutoffs = [c for c in (10, 100) if c < n]
        rows = []
        for family, row in standing.iterrows():
            if not row["top_n"]:
                continue
            before = row["best_rank_prev"]
            moved = "–" if missing(before) else _rank_move(int(before), int(row["best_rank"]))
            counts = [str(int(row[f"top{c}"])) for c in cutoffs] + [str(int(row["top_n"]))]
            rows.append(
                [
                    escape(labels.get(str(family), family)),
                    f"#{int(row['best_rank'])}",
                    escape(row["best_model"]),
                    moved,
                    *counts,
                    pct(row["share"]),
                ]
            )
        absent = [labels.get(str(f), f) for f, r in standing.iterrows() if not r["top_n"]]
        lines.append(f"### {title}: the top {n:,} captured\n")
        if rows:
            headers = [f"Top {c}" for c in cutoffs] + [f"Top {n:,}"]
            lines.append(
                table(
                    ["Family", "Best rank", "Best model", "Since last week", *headers,
                     f"Share of top-{n:,} downloads"],
                    rows,
                    "lrlr" + "r" * (len(headers) + 1),
                )
            )  # fmt: skip
        if absent:
            lines.append(f"Not in the top {n:,}: {', '.join(escape(a) for a in absent)}.\n")
        leaders = context.leaders[scope]
        top = ", ".join(
            f"#{int(r.rank)} {escape(r.model_id)}"
            + (f" ({escape(labels.get(r.family, r.family))})" if isinstance(r.family, str) else "")
            for r in leaders.head(5).itertuples()
        )
        lines.append(f"Leading: {top}.\n")
    if not context.pipelines.empty:
        shares = ", ".join(
            f"{escape(tag)} {pct(row['share'])}" for tag, row in context.pipelines.iterrows()
        )
        n = context.top_n.get("all", 0)
        lines.append(f"Share of the top-{n:,} downloads by task: {shares}.\n")
    if "all" in context.ranks:
        lines.append(f"![Share of the Hub's top downloads by family]({CHART_FILES['hub']})\n")
    return "\n".join(lines)


def _rank_move(before: int, now: int) -> str:
    if before == now:
        return "same"
    return f"↑{before - now}" if now < before else f"↓{now - before}"


def _adaptation(report: Report) -> str:
    context = report.context
    if context is None or (context.derivatives.empty and context.ecosystem.empty):
        return ""
    labels = report.labels
    lines = ["## Adaptation: derivatives and ecosystem\n"]
    deriv = context.derivatives
    if not deriv.empty:
        lines.append(
            "Direct children in the Hub's model tree of each family's most downloaded models "
            "(fine-tunes, adapters, quantizations, merges; grandchildren not counted). The change "
            "compares the same base models a week apart.\n"
        )
        rows = [
            [
                escape(labels.get(str(family), family)),
                str(int(row["bases"])),
                num(row["finetune"]),
                num(row["adapter"]),
                num(row["quantized"]),
                num(row["merge"]),
                num(row["total"]),
                signed(row["change"]),
            ]
            for family, row in deriv.iterrows()
        ]
        lines.append(
            table(
                ["Family", "Base models", "Fine-tunes", "Adapters", "Quantized", "Merges",
                 "Total", "Change"],
                rows,
                "lrrrrrrr",
            )
        )  # fmt: skip
    eco = context.ecosystem
    if not eco.empty:
        lines.append(
            "30-day downloads of the families' official repositories beside those of third-party "
            "derivatives of their base models (the most downloaded 1,000 per base; a derivative "
            "of several bases counted once; official repositories never counted as ecosystem).\n"
        )
        rows = [
            [
                escape(labels.get(str(family), family)),
                num(row["official"]),
                num(row["ecosystem"]),
                pct(row["ecosystem_share"]),
                f"{int(row['children']):,}" + (" (capped)" if row["truncated"] else ""),
            ]
            for family, row in eco.iterrows()
        ]
        lines.append(
            table(
                ["Family", "Official", "Ecosystem", "Ecosystem share", "Derivatives counted"],
                rows,
                "lrrrr",
            )
        )
        lines.append(
            f"\n![Official and ecosystem downloads by family]({CHART_FILES['ecosystem']})\n"
        )
    return "\n".join(lines)


def _model_rows(
    frame: pd.DataFrame, labels: dict[str, str], rank: bool, notes: dict[str, str]
) -> list[list[str]]:
    rows = []
    for r in frame.itertuples():
        row = [str(r.rank)] if rank else []
        row += [
            escape(r.model_id),
            escape(labels.get(r.family, r.family)),
            str(r.origin),
            num(r.downloads_30d),
            signed(r.change_abs),
            pct(r.change_rel, signed=True),
            num(r.likes),
        ]
        if notes:
            row.append(escape(notes.get(r.model_id, "")))
        rows.append(row)
    return rows


def _model_table(report: Report, frame: pd.DataFrame, rank: bool = False) -> str:
    shown = set(frame["model_id"])
    notes = {m: n for m, n in report.notes.items() if m in shown}
    head = ["model", "family", "origin", "30-day downloads", "change", "change %", "likes"]
    head = (["#"] if rank else []) + head + (["note"] if notes else [])
    align = ("r" if rank else "") + "lllrrrr" + ("l" if notes else "")
    return table(head, _model_rows(frame, report.labels, rank, notes), align)


def _models(report: Report, config: Config) -> str:
    text = f"## Top {len(report.top)} models\n\n"
    text += _model_table(report, report.top, rank=True)
    text += f"\n![Top models]({CHART_FILES['top']})\n"
    floor = f"{MOVER_FLOOR:,}"
    if report.prev is None:
        return text + "\nMovers and new models need a previous week of data.\n"
    text += (
        "\n### Biggest movers\n\nChange of 30-day downloads since last week, among models with "
        f"at least {floor} then. A note marks a spike or a dip: a move that is likely to reverse "
        "(CI runs, mirrors, a counter glitch) rather than a change in use.\n\n"
    )
    if report.gainers.empty and report.losers.empty:
        text += "None.\n"
    else:
        text += _model_table(report, pd.concat([report.gainers, report.losers]))
    text += (
        f"\n### New models\n\nFirst seen this week and created in the {NEW_DAYS} days before "
        "its end; models without downloads are left out.\n\n"
    )
    text += _model_table(report, report.entrants) if not report.entrants.empty else "None.\n"
    if not report.entered.empty:
        text += (
            "\n### Entered the data\n\nOlder models seen this week for the first time — they "
            "entered the captured lists (or the watch list) rather than being released.\n\n"
        )
        text += _model_table(report, report.entered)
    return text


def _leaders(report: Report) -> str:
    likes, trending = report.likes_leaders, report.trending_leaders
    if likes.empty and trending.empty:
        return ""
    text = "## Most liked and trending\n\n"

    def rows(frame: pd.DataFrame, column: str, fmt: Callable[[Any], str]) -> list[list[str]]:
        return [
            [
                str(i),
                escape(r.model_id),
                escape(report.labels.get(r.family, r.family)),
                fmt(getattr(r, column)),
            ]
            for i, r in enumerate(frame.itertuples(), start=1)
        ]

    if not likes.empty:
        text += "The watched models with the most likes:\n\n"
        text += table(["#", "model", "family", "likes"], rows(likes, "likes", num), "rllr")
    if not trending.empty:
        text += (
            "\nThe watched models with the highest trending score (the Hub's measure of recent "
            "likes). Trending scores jump from day to day, so no verdict uses them.\n\n"
        )
        text += table(
            ["#", "model", "family", "trending score"],
            rows(trending, "trending_score", lambda v: f"{float(v):,.0f}"),
            "rllr",
        )
    return text


def _caveats(report: Report) -> str:
    context = report.context
    stale = (
        " (this week's are listed under *Data freshness*)" if report.freshness.stale_days else ""
    )
    adaptation = (
        "the *Adaptation* section counts those of each family's top base models apart — direct "
        "children only, the 1,000 most downloaded per base."
        if context is not None and not (context.derivatives.empty and context.ecosystem.empty)
        else "this week has no data on them (`hf-monitor collect` gathers it)."
    )
    whole_hub = (
        " *On the whole Hub* ranks within the captured top N only: a family absent from it may "
        "still have models further down."
        if context is not None and context.ranks
        else ""
    )
    return f"""## What these numbers can't show

- **Downloads are not use.** The Hub counts HTTP requests for a model's files, so CI pipelines, bots and
  re-downloads count; hosted APIs and apps (DeepSeek's app, Qwen's API) don't appear at all.
- **30-day downloads are a rolling window** refreshed about once a day; a fall can mean an older peak left
  the window, not that use dropped. Some days the Hub doesn't refresh{stale}.
- **Each GGUF file counts**, so repositories of quantized files can multiply one user's download.
- **Families here are the labs' own repositories.** Quantized re-uploads and fine-tunes by third parties carry
  much of a family's real use (Model Pulse found 37 % of Qwen3-8B's monthly downloads going to its
  derivatives in 2026) and are not in the family tables;
  {adaptation}
- **Size matters.** Small models are downloaded far more than 100-billion-parameter ones; R1 (671 B) against
  gpt-oss-20b is not a like-for-like comparison.
- **Likes can go down**, and measure attention rather than use.
- **Coverage:** the family tables count only the watched organisations, and imported histories may cover only
  the Hub's top lists on each day.{whole_hub}
"""


def _method() -> str:
    return """## Method

Weeks are ISO weeks in UTC. Each organisation's models count with the latest capture of the week that covers
it — one listing of the organisation by the collector, or one day of an imported list — so every figure of
the week comes from one consistent moment per source; a model missing from that capture does not count, and
*Data freshness* lists what was left out or carried over. *As of* is the latest of those times. Shares are
fractions of the watched families' total. Week-over-week changes compare the same models in both weeks (a
fixed cohort), so models appearing or disappearing don't move the numbers. Downloads *this week* are
differences of the cumulative all-time counters; a falling counter is a Hub correction and counts as zero.
A day counts as stale when at least half of the models seen on it and on the day before kept exactly the
same 30-day count (on a normal day only a few percent do). A verdict is *inconclusive* when the numbers it needs are
missing or incomplete.
"""


APPENDIX_ROWS = 30  # per side; the rest is in summary.json


def _appendix(report: Report) -> str:
    """Every verdict's models, so a reader can add the numbers up."""
    lines = ["## Appendix: the models behind each verdict\n"]
    for v in report.verdicts:
        metric = v.claim.metric
        lines.append(f'<a id="{_anchor(v.claim.id)}"></a>\n')
        lines.append(f"### {escape(v.claim.statement)}\n")
        if v.counted.empty:
            lines.append("No models this week.\n")
            continue
        if v.claim.kind == "rank":
            lines.append(
                f"Every watched model counts for its family; the family totals of "
                f"{METRIC_LABELS[metric]} are in *Families*. The models of "
                f"{escape(report.labels.get(v.claim.subject.families[0], ''))}:\n"
            )
            sides = v.counted[v.counted["side"] == v.claim.subject.families[0]]
        else:
            sides = v.counted
        for side, rows in sides.groupby("side", sort=False):
            name = report.labels.get(str(side), str(side))
            total = rows[metric].dropna().sum()
            lines.append(
                f"**{escape(name)}**: {_count(len(rows), 'model')}, {int(total):,} "
                f"{METRIC_LABELS[metric]}\n"
            )
            body = [
                [
                    escape(r.model_id),
                    "–" if missing(getattr(r, metric)) else f"{int(getattr(r, metric)):,}",
                ]
                for r in rows.head(APPENDIX_ROWS).itertuples()
            ]
            lines.append(table(["model", METRIC_LABELS[metric]], body, "lr"))
            if len(rows) > APPENDIX_ROWS:
                lines.append(
                    f"… and {len(rows) - APPENDIX_ROWS} more, all in `summary.json` "
                    "(`claims[].counted`).\n"
                )
    return "\n".join(lines)
