"""Render a weekly `Report` as Markdown a reader understands in a minute.

Text that comes from the Hub (model ids, tags) is escaped: a crafted id cannot break a table or
inject HTML into the report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .analysis import MOVER_FLOOR
from .charts import human
from .claims import METRIC_LABELS, Outcome
from .config import Config
from .report import CHART_FILES, VERDICT_MARK, Report

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def escape(text: object) -> str:
    """Markdown-safe inline text: special characters escaped, line breaks flattened."""
    flat = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", flat)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def num(value: Any) -> str:
    return "–" if _missing(value) else human(float(value))


def pct(value: Any, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    text = f"{float(value) * 100:+.1f} %" if signed else f"{float(value) * 100:.1f} %"
    return text.replace("-", "−")


def signed(value: Any) -> str:
    if _missing(value):
        return "–"
    v = float(value)
    return ("+" if v > 0 else "−" if v < 0 else "±") + human(abs(v))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> str:
    """A Markdown table; `align` has one letter per column: l or r."""
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, config: Config) -> str:
    parts = [
        _title(report, config),
        _verdicts(report),
        _freshness(report),
        _families(report, config),
        _origins(report),
        _hub_wide(report),
        _adaptation(report),
        _models(report, config),
        _caveats(),
        _method(),
    ]
    return "\n".join(parts)


def _title(report: Report, config: Config) -> str:
    fresh = report.freshness
    watched = len(config.families)
    observed = report.cur.latest["family"].nunique()
    return (
        f"# Open-model popularity on Hugging Face — {report.week.label}\n\n"
        f"Week {report.week.describe()} · as of **{report.as_of:%Y-%m-%d %H:%M} UTC** · "
        f"{len(report.cur.latest)} models in {observed} of {watched} watched families · "
        f"{len(fresh.captures)} snapshot(s) this week\n"
    )


def _outcome_value(outcome: Outcome, kind: str) -> str:
    if outcome.value is None:
        return "–"
    return f"#{int(outcome.value)}" if kind == "rank" else f"{outcome.value:.2f}×"


def _verdicts(report: Report) -> str:
    lines = ["## Verdicts\n"]
    for v in report.verdicts:
        claim = v.claim
        lines.append(f"**{escape(claim.statement)}** — {VERDICT_MARK[v.main.verdict]}  ")
        lines.append(f"{escape(v.main.explanation)}.  ")
        if v.previous is None:
            lines.append("Last week: no data.  ")
        else:
            moved = "unchanged" if v.previous.verdict == v.main.verdict else "changed"
            lines.append(
                f"Last week: {VERDICT_MARK[v.previous.verdict]} ({_outcome_value(v.previous, claim.kind)}), verdict {moved}.  "
            )
        if v.alternatives:
            others = "; ".join(
                f"by {METRIC_LABELS[o.metric]}: {VERDICT_MARK[o.verdict]} ({escape(o.explanation)})"
                for o in v.alternatives
            )
            lines.append(f"Other metrics — {others}.  ")
        if v.scopes:
            wider = "; ".join(
                f"{escape(o.scope)}: {VERDICT_MARK[o.verdict]} ({escape(o.explanation)})"
                for o in v.scopes
            )
            lines.append(f"Wider scopes — {wider}.")
        elif claim.kind == "rank" and claim.hub_best_rank is not None:
            lines.append(
                "Wider scopes — no Hub-wide data this week (it comes with `hf-monitor collect`, "
                "or `hf-monitor import --hub-top N`)."
            )
        if claim.note:
            lines.append(
                f"\n<sub>How it is read: {escape(claim.note)} Source: {escape(claim.source.outlet)}, {escape(claim.source.date)}.</sub>"
            )
        lines.append("")
    return "\n".join(lines)


def _freshness(report: Report) -> str:
    fresh = report.freshness
    lines = ["## Data freshness\n"]
    lines.append(
        f"- Snapshots this week: {len(fresh.captures)}, on "
        + ", ".join(f"{d:%a %d %b}" for d in fresh.days_with_data)
        + "."
    )
    if fresh.missing_days:
        lines.append(
            "- Days without a snapshot: "
            + ", ".join(f"{d:%a %d %b}" for d in fresh.missing_days)
            + "."
        )
    else:
        lines.append("- No gaps: every day up to the as-of time has a snapshot.")
    if fresh.stale_days:
        when = ", ".join(f"{d:%a %d %b}" for d in fresh.stale_days)
        lines.append(
            f"- **Stale counters** on {when}: no watched model's 30-day count had changed since the day before — "
            "the Hub had not refreshed its numbers (no new data, not zero growth)."
        )
    else:
        lines.append("- The Hub refreshed its counters on every day with data.")
    if report.prev is None:
        lines.append(
            "- No snapshots in the previous week: week-over-week changes cannot be computed yet (shown as –)."
        )
    else:
        assert report.prev.as_of is not None
        lines.append(
            f"- Compared with the previous week as of {report.prev.as_of:%Y-%m-%d %H:%M} UTC."
        )
    return "\n".join(lines) + "\n"


def _families(report: Report, config: Config) -> str:
    labels = {f.id: f for f in config.families}
    frame = report.families.sort_values("rank_downloads_30d")
    rows = []
    for family_id, r in frame.iterrows():
        family = labels[str(family_id)]
        week = num(r["downloads_week"])
        if not _missing(r["downloads_week"]) and r["week_models"] < r["models"]:
            week += f" ({int(r['week_models'])} of {int(r['models'])})"
        rows.append(
            [
                str(int(r["rank_downloads_30d"])),
                escape(family.label),
                family.origin,
                str(int(r["models"])),
                num(r["downloads_30d"]),
                pct(r["share_downloads_30d"]),
                week,
                pct(r["change_downloads_30d"], signed=True),
                num(r["likes"]),
                signed(r["likes_change_week"]),
            ]
        )
    text = "## Families\n\n"
    text += table(
        [
            "#",
            "family",
            "origin",
            "models",
            "downloads 30 d",
            "share",
            "downloads this week",
            "change 30 d",
            "likes",
            "likes ±",
        ],
        rows,
        "rllrrrrrrr",
    )
    missing_all_time = frame["downloads_week"].isna().all()
    text += (
        "\n*downloads this week* is exact: the growth of the all-time counters since last week. "
        + (
            "It is – where all-time counts are missing (e.g. imported data without them). "
            if missing_all_time
            else ""
        )
        + "*change 30 d* compares the same models in both weeks.\n"
    )
    drops = int(frame["counter_drops"].sum())
    if drops:
        text += f"\n{drops} all-time counter(s) went down this week (Hub corrections); they count as 0, not negative.\n"
    text += f"\n![30-day downloads by family]({CHART_FILES['families']})\n\n![Likes by family]({CHART_FILES['likes']})\n"
    return text


def _origins(report: Report) -> str:
    frame = report.origins.sort_values("rank_downloads_30d")
    rows = [
        [
            str(origin),
            str(int(r["models"])),
            num(r["downloads_30d"]),
            pct(r["share_downloads_30d"]),
            num(r["downloads_week"]),
            pct(r["change_downloads_30d"], signed=True),
            num(r["likes"]),
            signed(r["likes_change_week"]),
        ]
        for origin, r in frame.iterrows()
    ]
    text = "## Origins\n\nCountry of the publishing organisation (CN China, US United States, FR France).\n\n"
    text += table(
        [
            "origin",
            "models",
            "downloads 30 d",
            "share",
            "downloads this week",
            "change 30 d",
            "likes",
            "likes ±",
        ],
        rows,
        "lrrrrrrr",
    )
    return text + f"\n![Share of 30-day downloads by origin]({CHART_FILES['origins']})\n"


def _hub_wide(report: Report) -> str:
    context = report.context
    if context is None or not context.ranks:
        return ""
    labels = report.labels
    lines = ["## On the whole Hub\n"]
    lines.append(
        "Where the watched families' own repositories stand in the Hub's ranking by 30-day "
        "downloads. Most of the Hub's downloads go to small embedding, encoder and vision models "
        "that no family here publishes, so a watched family can lead the watch list and still "
        "rank far down the whole Hub.\n"
    )
    for scope, standing in context.ranks.items():
        n = context.top_n[scope]
        title = "All models" if scope == "all" else f"Pipeline `{escape(scope)}`"
        rows = []
        for family, row in standing.iterrows():
            if not row["top_n"]:
                continue
            before = row["best_rank_prev"]
            moved = "–" if _missing(before) else _rank_move(int(before), int(row["best_rank"]))
            rows.append(
                [
                    escape(labels.get(str(family), family)),
                    f"#{int(row['best_rank'])}",
                    escape(row["best_model"]),
                    moved,
                    str(int(row["top10"])),
                    str(int(row["top100"])),
                    str(int(row["top_n"])),
                    pct(row["share"]),
                ]
            )
        absent = [labels.get(str(f), f) for f, r in standing.iterrows() if not r["top_n"]]
        lines.append(f"### {title}: top {n:,}\n")
        if rows:
            lines.append(
                table(
                    ["Family", "Best rank", "Best model", "Since last week", "Top 10",
                     "Top 100", f"Top {n:,}", f"Share of top-{n:,} downloads"],
                    rows,
                    "lrlrrrrr",
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
        return "±0"
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


def _model_rows(frame: pd.DataFrame, labels: dict[str, str], rank: bool) -> list[list[str]]:
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
        rows.append(row)
    return rows


def _models(report: Report, config: Config) -> str:
    labels = {f.id: f.label for f in config.families}
    head = ["model", "family", "origin", "downloads 30 d", "change", "change %", "likes"]
    text = f"## Top {len(report.top)} models\n\n"
    text += table(["#", *head], _model_rows(report.top, labels, rank=True), "rlllrrrr")
    text += f"\n![Top models]({CHART_FILES['top']})\n"
    floor = f"{MOVER_FLOOR:,}"
    if report.prev is None:
        return text + "\nMovers and new entrants need a previous week of data.\n"
    text += f"\n### Biggest movers\n\nChange of 30-day downloads since last week, among models with at least {floor} then.\n\n"
    if report.gainers.empty and report.losers.empty:
        text += "None.\n"
    else:
        movers = pd.concat([report.gainers, report.losers])
        text += table(head, _model_rows(movers, labels, rank=False), "lllrrrr")
    text += f"\n### New entrants\n\nNot observed last week, or below {floor} 30-day downloads then (percentages from such a base mean little).\n\n"
    if report.entrants.empty:
        text += "None.\n"
    else:
        text += table(head, _model_rows(report.entrants, labels, rank=False), "lllrrrr")
    return text


def _caveats() -> str:
    return """## What these numbers can't show

- **Downloads are not use.** The Hub counts HTTP requests for a model's files, so CI pipelines, bots and
  re-downloads count; hosted APIs and apps (DeepSeek's app, Qwen's API) don't appear at all.
- **30-day downloads are a rolling window** refreshed about once a day; a fall can mean an older peak left
  the window, not that use dropped. Some days the Hub doesn't refresh (see *stale counters* above).
- **Each GGUF file counts**, so repositories of quantized files can multiply one user's download.
- **Families here are the labs' own repositories.** Quantized re-uploads and fine-tunes by third parties carry
  much of a family's real use (for Qwen often more than a third) and are not in the family tables; the
  *Adaptation* section, when collected, counts those of each family's top base models apart — direct
  children only, the 1,000 most downloaded per base.
- **Size matters.** Small models are downloaded far more than 100-billion-parameter ones; R1 (671 B) against
  gpt-oss-20b is not a like-for-like comparison.
- **Likes can go down**, and measure attention rather than use.
- **Coverage:** the family tables count only the watched organisations, and imported histories may cover only
  the Hub's top lists on each day. *On the whole Hub* ranks within the captured top N only: a family absent
  from it may still have models further down.
"""


def _method() -> str:
    return """## Method

Weeks are ISO weeks in UTC. Each model counts with its latest snapshot of the week; *as of* is the latest
of those times. Shares are fractions of the watched families' total. Week-over-week changes compare the same
models in both weeks (a fixed cohort), so models appearing or disappearing don't move the numbers. Downloads
*this week* are differences of the cumulative all-time counters; a falling counter is a Hub correction and
counts as zero. A verdict is *inconclusive* when the numbers it needs are missing or incomplete.
"""
