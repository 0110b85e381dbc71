"""The weekly report: `build_report` computes a `Report`, `summary` turns it into `summary.json`
(writing the week's folder is `report_files`).

`summary.json` is a documented contract for scripts (schema_version 1, see README). The
Markdown puts the verdicts first, then freshness, families, origins, models, charts, caveats
and the method, so a reader gets the answer in the first screen and the fine print after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from .analysis import (
    CHART_DAYS,
    MOVER_FLOOR,
    Freshness,
    Week,
    WeekData,
    classify_frame,
    freshness,
    group_metrics,
    leaders,
    main_driver,
    model_changes,
    movers,
    new_entrants,
    top_models,
    unusual_moves,
    week_data,
)
from .claims import METRIC_LABELS, Claim, Outcome, Verdict, judge
from .config import Config
from .context import (
    DERIVATIVE_COLUMNS,
    ECOSYSTEM_COLUMNS,
    RANK_COLUMNS,
    ContextFrames,
    HubContext,
    hub_context,
)
from .errors import NoDataError, UsageError
from .formatting import missing, short_label
from .limits import EARLIEST_OBSERVATION, latest_allowed
from .provenance import HUB, Provenance, data_provenance
from .store import Store, derivatives, ecosystem, hub_ranks

SCHEMA_VERSION = 1
WEEK_FOLDER = re.compile(
    r"\d{4}-W\d{2}"
)  # a week's folder name; anything else in reports/ is not a week
TREND_WEEKS = 6  # earlier weeks read for each claim's trend and for spikes and dips
DRIVER_MIN_CHANGE = 0.05  # a family's 30-day change from which its main driver is named
VERDICT_MARK = {
    "supported": "✅ supported",
    "not_supported": "❌ not supported",
    "inconclusive": "❔ inconclusive",
}
CHART_FILES = {
    "families": "family_downloads.png",
    "origins": "origin_share.png",
    "top": "top_models.png",
    "likes": "family_likes.png",
    "hub": "hub_share.png",
    "ecosystem": "ecosystem.png",
}


@dataclass(frozen=True)
class Report:
    week: Week
    cur: WeekData
    prev: WeekData | None
    families: pd.DataFrame
    origins: pd.DataFrame
    changes: pd.DataFrame
    top: pd.DataFrame
    gainers: pd.DataFrame
    losers: pd.DataFrame
    entrants: pd.DataFrame  # new releases: first seen and created recently
    entered: pd.DataFrame  # older models that entered the captured data this week
    freshness: Freshness
    verdicts: tuple[Verdict, ...]
    labels: dict[str, str]
    context: HubContext | None = None
    notes: dict[str, str] = field(default_factory=dict)  # model id → spike/dip note
    # family → (model, its change, the family's change)
    drivers: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    likes_leaders: pd.DataFrame = field(default_factory=pd.DataFrame)
    trending_leaders: pd.DataFrame = field(default_factory=pd.DataFrame)
    source: Provenance = HUB

    @property
    def as_of(self) -> datetime:
        assert self.cur.as_of is not None
        return self.cur.as_of


def pick_week(store: Store, label: str | None, now: datetime | None = None) -> Week:
    """The requested week, or the latest week with watched data; never one in the future."""
    from .analysis import parse_week, week_of

    now = now or datetime.now(UTC)
    if label is not None:
        try:
            week = parse_week(label)
        except OverflowError:  # the last week of year 9999 ends after the calendar does
            raise UsageError(f"week {label} has not begun yet") from None
        if week.start < EARLIEST_OBSERVATION:
            raise UsageError(f"week {label} is before 2000: there is no Hub data that old")
        if week.start > now:
            raise UsageError(f"week {label} has not begun yet")
        return week
    latest = store.latest_watched_time(until=latest_allowed(now))
    if latest is None:
        raise NoDataError(
            "no snapshots of watched models yet: run `hf-monitor collect`, `hf-monitor backfill` "
            "or `hf-monitor import FILE` (offline: `hf-monitor demo`)"
        )
    return week_of(latest)


def read_week(store: Store, config: Config, week: Week) -> pd.DataFrame:
    """What a week's report reads — that week, the one before and the charts' span — classified
    (`classify_frame`) once for everything the report computes and draws."""
    since = week.end - timedelta(days=CHART_DAYS + 7)
    return classify_frame(store.snapshots_frame(since=since, until=week.end), config)


def read_context(store: Store, week: Week) -> ContextFrames:
    """What a week's report reads of the context tables: the latest capture of each in the week
    and in the week before, only the columns `hub_context` uses (a year of captures stays stored)."""
    spans = [(w.start, w.end) for w in (week.previous, week)]
    return ContextFrames(
        ranks=store.context_frame(hub_ranks, RANK_COLUMNS, spans),
        derivatives=store.context_frame(derivatives, DERIVATIVE_COLUMNS, spans),
        ecosystem=store.context_frame(ecosystem, ECOSYSTEM_COLUMNS, spans),
    )


def build_report(
    frame: pd.DataFrame,
    config: Config,
    claims: tuple[Claim, ...],
    week: Week,
    context_frames: ContextFrames | None = None,
) -> Report:
    """The week's report from classified snapshots (`read_week`) and the context captures."""
    cur = week_data(frame, week)
    if cur.empty:
        raise NoDataError(f"no snapshots of watched models in {week.label}")
    history = tuple(w for w in earlier_weeks(frame, week) if not w.empty)
    prev = history[-1] if history and history[-1].week == week.previous else None
    labels = {f.id: f.label for f in config.families}
    names = {f.id: short_label(f.label) for f in config.families}  # for sentences
    context = None
    if context_frames is not None:
        official = cur.latest.groupby("family")["downloads_30d"].sum()
        context = hub_context(context_frames, official, config, week)
        context = None if context.empty else context
    changes = model_changes(cur, prev)
    gainers, losers = movers(changes)
    entrants, entered = new_entrants(changes, history, week)
    return Report(
        week=week,
        cur=cur,
        prev=prev,
        families=group_metrics(cur, prev, "family"),
        origins=group_metrics(cur, prev, "origin"),
        changes=changes,
        top=top_models(changes),
        gainers=gainers,
        losers=losers,
        entrants=entrants,
        entered=entered,
        freshness=freshness(frame, week),
        verdicts=tuple(judge(c, cur, prev, names, context, history) for c in claims),
        labels=labels,
        context=context,
        notes=unusual_moves([*history, cur]),
        drivers=family_drivers(changes),
        source=data_provenance(_runs_behind(cur)),
        likes_leaders=leaders(cur.latest, "likes"),
        trending_leaders=leaders(cur.latest, "trending_score"),
    )


def _runs_behind(data: WeekData) -> list[tuple[str, str]]:
    """(kind, source) of the runs whose snapshots a week counts."""
    return list(zip(data.latest["run_kind"], data.latest["run_source"], strict=True))


def earlier_weeks(frame: pd.DataFrame, week: Week, n: int = TREND_WEEKS) -> list[WeekData]:
    """The cross-sections of the `n` weeks before `week`, oldest first (some may be empty)."""
    weeks = [week.previous]
    while len(weeks) < n:
        weeks.append(weeks[-1].previous)
    return [week_data(frame, w) for w in reversed(weeks)]


def family_drivers(changes: pd.DataFrame) -> dict[str, tuple[str, float, float]]:
    """Family → (model, its change, the family's) when one model makes most of the family's
    30-day change."""
    out = {}
    comparable = changes[changes["change_abs"].notna()]
    for family, rows in comparable.groupby("family"):
        total = float(rows["change_abs"].sum())
        before = float(rows["downloads_30d_before"].sum())
        if len(rows) < 2 or not before or abs(total) < DRIVER_MIN_CHANGE * before:
            continue
        driver = main_driver(rows, "change_abs", total)
        if driver is not None:
            out[str(family)] = (*driver, total)
    return out


# --- summary.json -----------------------------------------------------------------------------


def summary(report: Report, config: Config) -> dict[str, Any]:
    fam = {f.id: f for f in config.families}
    families = [
        {
            "id": family_id,
            "label": fam[family_id].label,
            "origin": fam[family_id].origin,
            **_group_fields(row),
            "driver": _driver(report.drivers.get(str(family_id))),
        }
        for family_id, row in report.families.sort_values("rank_downloads_30d").iterrows()
    ]
    origins = [
        {"origin": origin, **_group_fields(row)}
        for origin, row in report.origins.sort_values("rank_downloads_30d").iterrows()
    ]
    top = [
        {
            "rank": int(row.rank),
            "model_id": row.model_id,
            "family": row.family,
            "origin": row.origin,
            "downloads_30d": _int(row.downloads_30d),
            "change_downloads_30d": _round(row.change_rel),
            "likes": _int(row.likes),
            "note": report.notes.get(row.model_id),
        }
        for row in report.top.itertuples()
    ]
    claims = [
        {
            "id": v.claim.id,
            "statement": v.claim.statement,
            "verdict": v.main.verdict,
            "metric": v.main.metric,
            "value": _round(v.main.value),
            "threshold": v.claim.threshold,
            "explanation": v.main.explanation,
            "previous": None
            if v.previous is None
            else {"verdict": v.previous.verdict, "value": _round(v.previous.value)},
            "sensitivity": [_outcome(o) for o in v.alternatives],
            "scopes": [{"scope": o.scope, **_outcome(o)} for o in v.scopes],
            "trend": [
                {"week": label, "verdict": o.verdict, "value": _round(o.value)}
                for label, o in v.trend
            ],
            "counted": [
                {
                    "side": r.side,
                    "model_id": r.model_id,
                    v.claim.metric: _int(getattr(r, v.claim.metric)),
                }
                for r in v.counted.itertuples()
            ],
        }
        for v in report.verdicts
    ]
    fresh = report.freshness
    return {
        "schema_version": SCHEMA_VERSION,
        "source": report.source.as_summary(),
        "week": report.week.label,
        "as_of": _iso(report.as_of),
        "previous_as_of": _iso(report.prev.as_of) if report.prev and report.prev.as_of else None,
        "freshness": {
            "snapshots": len(fresh.captures),
            "days_with_data": [d.isoformat() for d in fresh.days_with_data],
            "missing_days": [d.isoformat() for d in fresh.missing_days],
            "stale_days": [d.isoformat() for d in fresh.stale_days],
            "partly_stale_days": [d.isoformat() for d in fresh.partly_stale_days],
            "days": [
                {
                    "day": c.day.isoformat(),
                    "models_compared": c.compared,
                    "unchanged": c.unchanged,
                    "judged": c.judged,
                }
                for c in fresh.checks
            ],
        },
        "cross_section": {
            "carried": [
                {"model_id": r.model_id, "observed_at": _iso(r.observed_at.to_pydatetime())}
                for r in report.cur.carried.itertuples()
            ],
            "dropped": [
                {
                    "model_id": r.model_id,
                    "last_seen": _iso(r.observed_at.to_pydatetime()),
                    "downloads_30d": _int(r.downloads_30d),
                }
                for r in _by_downloads(report.cur.dropped).itertuples()
            ],
        },
        "families": families,
        "origins": origins,
        "top_models": top,
        "new_models": _model_list(report.entrants),
        "entered_list": _model_list(report.entered),
        "leaders": {
            "likes": _model_list(report.likes_leaders),
            "trending_score": _model_list(report.trending_leaders),
        },
        "claims": claims,
        "hub_context": None if report.context is None else context_summary(report.context),
    }


def _driver(driver: tuple[str, float, float] | None) -> dict[str, Any] | None:
    return (
        None if driver is None else {"model_id": driver[0], "change_downloads_30d": int(driver[1])}
    )


def _by_downloads(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.sort_values(["downloads_30d", "model_id"], ascending=[False, True])


def _model_list(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "model_id": r.model_id,
            "family": r.family,
            "downloads_30d": _int(r.downloads_30d),
            "likes": _int(r.likes),
            "trending_score": _round(getattr(r, "trending_score", None)),
        }
        for r in frame.itertuples()
    ]


def _outcome(o: Outcome) -> dict[str, Any]:
    return {
        "metric": o.metric,
        "verdict": o.verdict,
        "value": _round(o.value),
        "explanation": o.explanation,
    }


def context_summary(context: HubContext) -> dict[str, Any]:
    """The Hub-wide numbers of `summary.json` (`hub_context`)."""

    def records(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
        out = []
        for index, row in frame.iterrows():
            item: dict[str, Any] = {key: index}
            for column, value in row.items():
                item[str(column)] = _plain(value)
            out.append(item)
        return out

    return {
        "as_of": _iso(context.as_of.to_pydatetime()) if context.as_of is not None else None,
        "ranks": {
            scope: {"top_n": context.top_n[scope], "families": records(frame, "family")}
            for scope, frame in context.ranks.items()
        },
        "leaders": {
            scope: [
                {key: _plain(value) for key, value in row.items()}
                for row in frame.to_dict("records")
            ]
            for scope, frame in context.leaders.items()
        },
        "pipelines": records(context.pipelines, "pipeline_tag"),
        "derivatives": records(context.derivatives, "family"),
        "ecosystem": records(context.ecosystem, "family"),
    }


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: ints stay ints, fractions are rounded, missing is None."""
    if missing(value):
        return None
    if isinstance(value, bool | str):
        return value
    number = float(value)
    return int(number) if number.is_integer() else round(number, 4)


def _group_fields(row: pd.Series) -> dict[str, Any]:
    return {
        "models": int(row["models"]),
        "downloads_30d": _int(row["downloads_30d"]),
        "share_downloads_30d": _round(row["share_downloads_30d"]),
        "rank_downloads_30d": _int(row["rank_downloads_30d"]),
        "downloads_week": _int(row["downloads_week"]),
        "change_downloads_30d": _round(row["change_downloads_30d"]),
        "likes": _int(row["likes"]),
        "likes_change_week": _int(row["likes_change_week"]),
    }


def _int(value: Any) -> int | None:
    return None if missing(value) else int(value)


def _round(value: Any, digits: int = 4) -> float | None:
    return None if missing(value) else round(float(value), digits)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = [
    "METRIC_LABELS",
    "MOVER_FLOOR",
    "Report",
    "build_report",
    "pick_week",
    "summary",
]
