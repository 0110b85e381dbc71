"""The trend report: `build_trends` computes, `write_trends` writes report.md, summary.json and
the PNGs into one folder (default `<reports dir>/trends/`) and links it from `index.md`.

`summary.json` is a documented contract for scripts (`schema_version` 2, `kind: trends`; see
README). The Markdown answers first — each claim at the article's date, now, and when it
changed — then the timeline, shares and ranks, others' figures and the data's quality.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .analysis import METRICS, classify_frame
from .claims import Claim, load_claims
from .config import Config
from .errors import NoDataError
from .formatting import when
from .provenance import Provenance, data_provenance
from .references import Comparison, compare_points, load_reference_points
from .report import _iso, _round  # the weekly summary's number and time formats
from .store import Store
from .trends import (
    MIN_FAMILIES,
    ClaimHistory,
    Every,
    Judged,
    KindSpan,
    PeriodResult,
    RankChange,
    claim_histories,
    judge_periods,
    kind_spans,
    period_of,
    periods_between,
    rank_changes,
)

SCHEMA_VERSION = 2  # 2: verdicts say untestable / no_data; shares null when too thin
TRENDS_DIR = "trends"
INDEX_START = "<!-- trends -->"
INDEX_END = "<!-- /trends -->"
TREND_COLUMNS = ("model_id", "author", "family", *METRICS, "run_id", "run_kind", "run_source",
                 "run_status")  # fmt: skip


@dataclass(frozen=True)
class Trends:
    every: Every
    results: list[PeriodResult]
    histories: list[ClaimHistory]
    family_changes: list[RankChange]
    origin_changes: list[RankChange]
    comparisons: list[Comparison]
    spans: list[KindSpan]
    labels: dict[str, str]
    origins: dict[str, str]  # family id → origin
    sources: dict[str, str]  # a source's short name (file, data set) → what it is, in words

    @property
    def judged(self) -> list[PeriodResult]:
        return [r for r in self.results if not r.empty]

    @property
    def provenance(self) -> Provenance:
        """Where the judged periods' values came from (see provenance)."""
        runs: set[tuple[str, str]] = set()
        for result in self.judged:
            latest = result.data.latest
            runs.update(zip(latest["run_kind"], latest["run_source"].fillna(""), strict=True))
        return data_provenance(sorted(runs))

    @property
    def source_line(self) -> str:
        """The chart footnote's source line."""
        return self.provenance.chart_source

    @property
    def as_of(self) -> datetime:
        latest = self.judged[-1].data.as_of
        assert latest is not None
        return latest


def load_frame(store: Store, config: Config, since: date | None) -> pd.DataFrame:
    """Every stored snapshot from `since`, classified, with its run's kind, source and status
    (and only the columns the trends use: a year of history is millions of rows)."""
    start = None if since is None else datetime(since.year, since.month, since.day, tzinfo=UTC)
    frame = classify_frame(store.snapshots_frame(since=start, columns=TREND_COLUMNS), config)
    short = {s: _short_source(s) for s in frame["run_source"].unique()}  # once a source
    frame["run_source"] = frame["run_source"].map(short)
    return frame


def _short_source(source: object) -> str | None:
    """A file's name without its folders; endpoints and data sets as they are."""
    if not isinstance(source, str):
        return None
    return source if "://" in source else Path(source).name


def build_trends(
    frame: pd.DataFrame, config: Config, claims: tuple[Claim, ...], every: Every
) -> Trends:
    watched = frame[frame["family"].notna()]
    if watched.empty:
        raise NoDataError(
            "no snapshots of watched models in that span: run `hf-monitor collect`, "
            "`hf-monitor import FILE` or `hf-monitor backfill` first"
        )
    first = watched["observed_at"].min().date()
    last = watched["observed_at"].max().date()
    periods = periods_between(first, last, every)
    labels = {f.id: f.label for f in config.families}
    results = judge_periods(frame, claims, labels, periods)
    return Trends(
        every=every,
        results=results,
        histories=claim_histories(results, claims),
        family_changes=rank_changes(results, "family"),
        origin_changes=rank_changes(results, "origin"),
        comparisons=compare_points(load_reference_points(), results, labels),
        spans=kind_spans(frame),
        labels=labels,
        origins={f.id: f.origin for f in config.families},
        sources=describe_sources(frame),
    )


def describe_sources(frame: pd.DataFrame) -> dict[str, str]:
    """Each source in plain words — what kind, how many watched models, how often read — so
    the report can name it without its file name."""
    if "run_source" not in frame or "run_kind" not in frame:
        return {}
    watched = frame[frame["family"].notna() & frame["run_source"].notna()]
    out = {}
    for source, rows in watched.groupby("run_source"):
        days = rows["observed_at"].dt.date
        first, last, count = days.min(), days.max(), days.nunique()
        models = rows["model_id"].nunique()
        kind = str(rows["run_kind"].iloc[0])
        out[str(source)] = _describe_source(str(source), kind, models, first, last, count)
    return out


def _describe_source(name: str, kind: str, models: int, first: date, last: date, days: int) -> str:
    if kind == "collect":
        return f"our own collects from the Hub ({models:,} watched models)"
    if kind == "backfill":
        where = "Model Pulse's public daily history" if "model-pulse" in name else "daily history"
        return f"{where}, backfilled ({models:,} watched models)"
    span = (last - first).days + 1
    if days == 1:
        cadence = f"read once, on {first:%-d %b %Y}"
    elif days >= 0.8 * span:
        cadence = f"read daily from {first:%-d %b} to {last:%-d %b %Y}"
    elif 5 <= span / days <= 9:
        cadence = f"read weekly from {first:%-d %b} to {last:%-d %b %Y}"
    else:
        cadence = f"read on {days} days from {first:%-d %b} to {last:%-d %b %Y}"
    # the file's own name says when a person copied the numbers off the Hub's pages
    how = "a hand-transcribed file" if "transcribed" in name.lower() else "another collector's file"
    return f"{how} ({models:,} watched models in all, {cadence})"


def reference_marks(trends: Trends, by: str) -> dict[datetime, list[int]]:
    """The published figures (numbered as in the report) that speak about families (`by`
    'family') or origins and fall inside the share charts' span, by date."""
    first, last = trends.results[0].period.start, trends.results[-1].period.start
    marks: dict[datetime, list[int]] = {}
    for n, comparison in enumerate(trends.comparisons, start=1):
        kind, _, spec = comparison.point.compare.partition(":")
        group = spec.replace(">", "/").partition("/")[0]
        day = comparison.point.day
        when = datetime(day.year, day.month, day.day, tzinfo=UTC)
        about = kind in ("order", "ratio") and (group in trends.labels) == (by == "family")
        if about and first <= when <= last:
            marks.setdefault(when, []).append(n)
    return dict(sorted(marks.items()))


def report_trends(
    store: Store, config: Config, since: date | None, every: Every, out_dir: Path
) -> tuple[Trends, Path]:
    """Build and write the trend report; returns it and its folder."""
    claims = load_claims(config.claims_path(), config)
    if since is not None:  # whole periods only: a week judged on its last days would mislead
        since = period_of(since, every).start.date()
    trends = build_trends(load_frame(store, config, since), config, claims, every)
    return trends, write_trends(trends, config, out_dir)


def write_trends(trends: Trends, config: Config, folder: Path) -> Path:
    from .trends_charts import render_trend_charts
    from .trends_markdown import render_trends_markdown

    folder.mkdir(parents=True, exist_ok=True)
    charts = render_trend_charts(trends, config, folder)
    (folder / "summary.json").write_text(
        json.dumps(trends_summary(trends), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (folder / "report.md").write_text(
        render_trends_markdown(trends, [p.name for p in charts]), encoding="utf-8"
    )
    return folder


# --- summary.json -----------------------------------------------------------------------------


def trends_summary(trends: Trends) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "trends",
        "every": trends.every,
        "first_period": trends.results[0].period.label,
        "last_period": trends.results[-1].period.label,
        "as_of": _iso(trends.as_of),
        "min_families": MIN_FAMILIES,
        "claims": [_history(h) for h in trends.histories],
        "periods": [_period(r) for r in trends.results],
        "rank_changes": [_rank_change(c) for c in trends.family_changes + trends.origin_changes],
        "reference_points": [_comparison(c) for c in trends.comparisons],
        "data_sources": [
            {"kind": s.kind, "first": _iso(s.first), "last": _iso(s.last), "snapshots": s.snapshots}
            for s in trends.spans
        ],
        "source_descriptions": dict(sorted(trends.sources.items())),
    }


def _history(h: ClaimHistory) -> dict[str, Any]:
    return {
        "id": h.claim.id,
        "statement": h.claim.statement,
        "metric": h.claim.metric,
        "threshold": h.claim.threshold,
        "article_date": str(h.claim.source.date),
        "at_article": {
            "verdict": h.article_verdict,
            "periods": [_judged(j) for j in h.at_article],
        },
        "earliest_judged": None if h.earliest is None else _judged(h.earliest),
        "now": None if h.now is None else _judged(h.now),
        "changes": [
            {
                "period": c.after.period.label,
                "previous_period": c.before.period.label,
                "from": c.before.outcome.verdict,
                "to": c.after.outcome.verdict,
                "value_before": _round(c.before.outcome.value),
                "value_after": _round(c.after.outcome.value),
                "sources_changed": c.sources_changed,
            }
            for c in h.changes
        ],
    }


def _judged(j: Judged) -> dict[str, Any]:
    return {
        "period": j.period.label,
        "verdict": j.verdict,
        "value": _round(j.outcome.value),
        "explanation": j.outcome.explanation,
    }


def _period(r: PeriodResult) -> dict[str, Any]:
    def groups(table: pd.DataFrame, key: str) -> list[dict[str, Any]]:
        if table.empty:
            return []
        ordered = table.sort_values(["rank_downloads_30d"])
        return [
            {
                key: str(index),
                "models": int(row["models"]),
                "downloads_30d": int(row["downloads_30d"]),
                "share_downloads_30d": _round(row["share_downloads_30d"]) if r.has_shares else None,
                "rank_downloads_30d": int(row["rank_downloads_30d"]),
            }
            for index, row in ordered.iterrows()
        ]

    return {
        "period": r.period.label,
        "start": r.period.start.date().isoformat(),
        "end": r.period.end.date().isoformat(),
        "as_of": None if r.data.as_of is None else _iso(r.data.as_of),
        "models": len(r.data.latest),
        "days_with_data": r.days_with_data,
        "missing_days": r.missing_days,
        "stale_days": [d.isoformat() for d in r.stale_days],
        "partial_runs": r.partial_runs,
        "families_observed": r.families_observed,
        "shares_shown": r.has_shares,
        "run_kinds": list(r.kinds),
        "sources": list(r.sources),
        "families": groups(r.families, "id"),
        "origins": groups(r.origins, "origin"),
        "claims": [
            {
                "id": cid,
                "verdict": r.states[cid],
                "value": _round(o.value),
                "explanation": "no snapshots in this period" if r.empty else o.explanation,
            }
            for cid, o in r.outcomes.items()
        ],
    }


def _rank_change(c: RankChange) -> dict[str, Any]:
    return {
        "by": c.by,
        "winner": c.winner,
        "loser": c.loser,
        "period": c.after.label,
        "previous_period": c.before.label,
        "winner_share": [_round(v) for v in c.winner_shares],
        "loser_share": [_round(v) for v in c.loser_shares],
        "sources_changed": c.sources_changed,
        "held": c.held,
        "reversed_in": None if c.reversed_in is None else c.reversed_in.label,
        "comparable": c.comparable,
        "model_overlap": [_round(v, 2) for v in c.overlap],
    }


def _comparison(c: Comparison) -> dict[str, Any]:
    p = c.point
    return {
        "date": p.day.isoformat(),
        "published_as": p.published_as,
        "figure": p.figure,
        "metric": p.metric,
        "scope": p.scope,
        "comparable": p.comparable,
        "ours": c.ours,
        "agrees": c.agrees,
        "source": p.source,
        "reliability": p.reliability,
    }


# --- index.md -------------------------------------------------------------------------------


def trends_index_section(reports_dir: Path) -> str:
    """The lines `index.md` should carry for the trend report in `reports_dir/trends/` ('' if
    there is none): for `report_files.write_index` to append, and for `link_trends` meanwhile."""
    path = reports_dir / TRENDS_DIR / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return ""
    as_of = datetime.strptime(data["as_of"], "%Y-%m-%dT%H:%M:%SZ")  # as the week rows show it
    return (
        f"{INDEX_START}\n## Long-range trends\n\n"
        f"[Every claim, share and rank from {data['first_period']} to {data['last_period']}]"
        f"({TRENDS_DIR}/report.md) — one row per {data['every']}, data as of "
        f"{when(as_of)}.\n{INDEX_END}\n"
    )


def link_trends(reports_dir: Path) -> Path:
    """Put (or refresh) the trend report's link at the end of `reports_dir/index.md`."""
    index = reports_dir / "index.md"
    text = index.read_text(encoding="utf-8") if index.exists() else "# Reports\n"
    if INDEX_START in text:
        head, _, rest = text.partition(INDEX_START)
        _, _, tail = rest.partition(INDEX_END + "\n")
        text = head + tail
    section = trends_index_section(reports_dir)
    index.write_text(text.rstrip("\n") + "\n\n" + section if section else text, encoding="utf-8")
    return index
