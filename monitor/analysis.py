"""Pure functions over snapshot frames: weeks, families, shares, ranks, changes, freshness.

Nothing here reads the clock, the database or the network: every input is a parameter, so
every number in a report can be recomputed by hand from the same rows.

Definitions used throughout (they are repeated in the report's method section):

* A week is an ISO week in UTC. A model's value for a week is its latest snapshot in it; the
  week's `as_of` is the latest observation time among watched models.
* Shares are fractions of the watched families' total at `as_of`.
* Week-over-week changes compare a fixed cohort: the models observed in both weeks.
* Downloads *in* a week are differences of the cumulative `downloads_all_time` between the two
  weeks' latest snapshots — exact where both exist, never invented where they don't. A drop of
  the cumulative counter is a correction by the Hub: counted separately, never negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pandas as pd

from .config import Config
from .errors import UsageError

CHART_DAYS = 84  # daily series (charts) cover the twelve weeks up to a report's as-of time
MOVER_FLOOR = 10_000  # a relative change is only shown from this many 30-day downloads on
METRICS = ("downloads_30d", "likes", "downloads_all_time")


def classify_frame(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Attach `family` and `origin` as the config says today.

    A model the config no longer matches keeps the family it was stored with if that family
    still exists (e.g. an explicitly listed model that the Hub has since renamed).
    """
    out = frame.copy()
    origins = {f.id: f.origin for f in config.families}
    stored: dict[str, str | None] = {}
    if "family" in out:
        firsts = out.drop_duplicates("model_id")  # one row per model, not per snapshot
        stored = dict(zip(firsts["model_id"], firsts["family"], strict=True))
    mapping: dict[str, str | None] = {}
    for model_id in out["model_id"].unique():
        family = config.classify(model_id)
        if family is not None:
            mapping[model_id] = family.id
        else:
            previous = stored.get(model_id)
            mapping[model_id] = previous if previous in origins else None
    out["family"] = out["model_id"].map(mapping)
    out["origin"] = out["family"].map(origins)
    return out


# --- weeks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    label: str  # "2026-W34"
    start: datetime  # Monday 00:00 UTC
    end: datetime  # the next Monday 00:00 UTC (exclusive)

    @property
    def previous(self) -> Week:
        return week_of(self.start - timedelta(days=1))

    def describe(self) -> str:
        last = (self.end - timedelta(days=1)).date()
        return f"{self.start:%d %b} – {last:%d %b %Y}"


_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(label: str) -> Week:
    match = _WEEK_RE.match(label)
    if not match:
        raise UsageError(f"week {label!r} must look like 2026-W34 (ISO year and week)")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise UsageError(f"week {label!r} does not exist") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Week(label, start, start + timedelta(days=7))


def week_of(moment: datetime) -> Week:
    iso = moment.astimezone(UTC).isocalendar()
    return parse_week(f"{iso.year}-W{iso.week:02d}")


@dataclass(frozen=True)
class WeekData:
    """The watched snapshots of one week and each model's latest value in it."""

    week: Week
    snapshots: pd.DataFrame
    latest: pd.DataFrame

    @property
    def as_of(self) -> datetime | None:
        if self.snapshots.empty:
            return None
        return self.snapshots["observed_at"].max().to_pydatetime()

    @property
    def empty(self) -> bool:
        return self.latest.empty


def week_data(frame: pd.DataFrame, week: Week) -> WeekData:
    watched = frame[frame["family"].notna()]
    inside = watched[(watched["observed_at"] >= week.start) & (watched["observed_at"] < week.end)]
    latest = inside.sort_values("observed_at").groupby("model_id", as_index=False).tail(1)
    latest = latest.set_axis(pd.Index(latest["model_id"].to_numpy()), axis=0)  # unnamed: no clash
    return WeekData(week, inside, latest)


# --- group measures (families, origins) -------------------------------------------------------


def group_metrics(cur: WeekData, prev: WeekData | None, by: str) -> pd.DataFrame:
    """Per group (`family` or `origin`): sizes, totals, shares, ranks and weekly changes.

    Columns: models, downloads_30d, share_downloads_30d, rank_downloads_30d, downloads_week,
    week_models (models behind downloads_week), counter_drops, change_downloads_30d, likes,
    likes_change_week. Values that cannot be computed are None.
    """
    latest = cur.latest
    groups = sorted(latest[by].dropna().unique())
    total = _sum(latest["downloads_30d"])
    downloads = {g: _sum(latest.loc[latest[by] == g, "downloads_30d"]) for g in groups}
    ranks = _ranks(downloads)
    rows = []
    for group in groups:
        members = latest[latest[by] == group]
        previous = prev.latest[prev.latest[by] == group] if prev is not None else None
        week_sum, week_models, drops = _downloads_between(previous, members)
        rows.append(
            {
                by: group,
                "models": len(members),
                "downloads_30d": downloads[group],
                "share_downloads_30d": downloads[group] / total if total else None,
                "rank_downloads_30d": ranks[group],
                "downloads_week": week_sum,
                "week_models": week_models,
                "counter_drops": drops,
                "change_downloads_30d": _cohort_change(previous, members, "downloads_30d"),
                "likes": _sum(members["likes"]),
                "likes_change_week": _cohort_difference(previous, members, "likes"),
            }
        )
    return pd.DataFrame(rows).set_index(by) if rows else pd.DataFrame()


def _sum(values: pd.Series) -> int:
    return int(values.dropna().sum())


def _ranks(values: dict[str, int]) -> dict[str, int]:
    """1 for the largest; ties share the better rank."""
    return {k: 1 + sum(1 for other in values.values() if other > v) for k, v in values.items()}


def _cohort(previous: pd.DataFrame | None, current: pd.DataFrame, column: str) -> pd.DataFrame:
    """Models with `column` known in both weeks: columns `before` and `after`."""
    if previous is None or previous.empty:
        return pd.DataFrame(columns=["before", "after"])
    joined = pd.DataFrame({"before": previous[column], "after": current[column]}).dropna()
    return joined.astype("int64")


def _cohort_change(
    previous: pd.DataFrame | None, current: pd.DataFrame, column: str
) -> float | None:
    cohort = _cohort(previous, current, column)
    before = int(cohort["before"].sum())
    if cohort.empty or before == 0:
        return None
    return (int(cohort["after"].sum()) - before) / before


def _cohort_difference(
    previous: pd.DataFrame | None, current: pd.DataFrame, column: str
) -> int | None:
    cohort = _cohort(previous, current, column)
    if cohort.empty:
        return None
    return int(cohort["after"].sum() - cohort["before"].sum())


def _downloads_between(
    previous: pd.DataFrame | None, current: pd.DataFrame
) -> tuple[int | None, int, int]:
    """Exact downloads between two weeks from cumulative counts: (sum, models used, drops)."""
    cohort = _cohort(previous, current, "downloads_all_time")
    if cohort.empty:
        return None, 0, 0
    delta = cohort["after"] - cohort["before"]
    return int(delta.clip(lower=0).sum()), len(cohort), int((delta < 0).sum())


# --- models ---------------------------------------------------------------------------------


def model_changes(cur: WeekData, prev: WeekData | None) -> pd.DataFrame:
    """Each model of the week with its change since last week (None where not comparable)."""
    out = cur.latest[
        ["model_id", "family", "origin", "downloads_30d", "likes", "created_at"]
    ].copy()
    if prev is not None and not prev.empty:
        before = prev.latest["downloads_30d"].reindex(out.index)
        likes_before = prev.latest["likes"].reindex(out.index)
    else:
        before = pd.Series(pd.NA, index=out.index, dtype="Int64")
        likes_before = before
    out["downloads_30d_before"] = before
    out["change_abs"] = out["downloads_30d"] - before
    relative = out["change_abs"].astype("Float64") / before.astype("Float64")
    out["change_rel"] = relative.where(before >= MOVER_FLOOR)
    out["likes_change"] = out["likes"] - likes_before
    return out.sort_values(
        ["downloads_30d", "model_id"], ascending=[False, True], na_position="last"
    )


def top_models(changes: pd.DataFrame, n: int = 20) -> pd.DataFrame:
    top = changes[changes["downloads_30d"].notna()].head(n).copy()
    top.insert(0, "rank", range(1, len(top) + 1))
    return top


def movers(changes: pd.DataFrame, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Largest absolute gains and losses among models with a comparable base."""
    base = changes[changes["downloads_30d_before"].fillna(0) >= MOVER_FLOOR]
    base = base[base["change_abs"].notna()]
    up = base[base["change_abs"] > 0].sort_values("change_abs", ascending=False).head(n)
    down = base[base["change_abs"] < 0].sort_values("change_abs").head(n)
    return up, down


def new_entrants(changes: pd.DataFrame, prev: WeekData | None, n: int = 10) -> pd.DataFrame:
    """Models not observed last week, or below the mover floor then; most downloaded first."""
    if prev is None or prev.empty:
        return changes.iloc[0:0]
    fresh = changes["downloads_30d_before"].isna() | (changes["downloads_30d_before"] < MOVER_FLOOR)
    return changes[fresh & changes["downloads_30d"].notna()].head(n)


# --- freshness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None
    captures: list[datetime]  # distinct observation hours in the week
    days_with_data: list[date]
    missing_days: list[date]  # days of the week up to as_of without any snapshot
    stale_days: list[date]  # days on which no watched model's 30-day count had changed


def freshness(frame: pd.DataFrame, week: Week) -> Freshness:
    """Snapshots, gaps and stale days of a week.

    The Hub refreshes its counters about once a day, so staleness is judged per UTC day: a day
    is stale when every model observed on it and on the previous day with data has exactly the
    same 30-day count as then.
    """
    watched = frame[frame["family"].notna() & frame["downloads_30d"].notna()].copy()
    watched["day"] = watched["observed_at"].dt.date
    inside = watched[(watched["observed_at"] >= week.start) & (watched["observed_at"] < week.end)]
    if inside.empty:
        return Freshness(None, [], [], [], [])
    captures = sorted({t.floor("h").to_pydatetime() for t in inside["observed_at"]})
    as_of = inside["observed_at"].max().to_pydatetime()
    days = sorted(set(inside["day"]))
    span = [
        week.start.date() + timedelta(days=i)
        for i in range((as_of.date() - week.start.date()).days + 1)
    ]
    last_of_day = {
        day: rows.sort_values("observed_at")
        .drop_duplicates("model_id", keep="last")
        .set_index("model_id")["downloads_30d"]
        for day, rows in watched[watched["day"] <= as_of.date()].groupby("day")
    }
    ordered = sorted(last_of_day)
    stale = []
    for before, after in pairwise(ordered):
        if after not in days:
            continue
        common = pd.DataFrame({"a": last_of_day[before], "b": last_of_day[after]}).dropna()
        if len(common) > 0 and (common["a"] == common["b"]).all():
            stale.append(after)
    return Freshness(
        as_of=as_of,
        captures=captures,
        days_with_data=days,
        missing_days=[d for d in span if d not in days],
        stale_days=stale,
    )


# --- time series for charts -------------------------------------------------------------------


def daily_totals(
    frame: pd.DataFrame, metric: str, by: str, until: datetime, days: int = CHART_DAYS
) -> pd.DataFrame:
    """Per UTC day (rows) and group (columns): the sum of each model's last value that day."""
    watched = frame[frame["family"].notna() & frame[metric].notna()]
    since = until - timedelta(days=days)
    watched = watched[(watched["observed_at"] > since) & (watched["observed_at"] <= until)].copy()
    if watched.empty:
        return pd.DataFrame()
    watched["day"] = watched["observed_at"].dt.tz_convert("UTC").dt.normalize()
    last = watched.sort_values("observed_at").groupby(["day", "model_id"], as_index=False).tail(1)
    table = last.pivot_table(index="day", columns=by, values=metric, aggfunc="sum")
    return table.astype("float64")


def shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each row divided by its total (a row of shares that sums to 1)."""
    return table.div(table.sum(axis=1), axis=0)
