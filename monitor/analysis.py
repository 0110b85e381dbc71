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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median

import numpy as np
import pandas as pd

from .config import Config
from .errors import UsageError
from .formatting import human

CHART_DAYS = 84  # daily series (charts) cover the twelve weeks up to a report's as-of time
MOVER_FLOOR = 10_000  # a relative change is only shown from this many 30-day downloads on
METRICS = ("downloads_30d", "likes", "downloads_all_time")
NEW_DAYS = 28  # a model first seen and created this many days before the week's end is "new"
SPIKE_FACTOR = 3.0  # a week at this multiple of a model's usual 30-day count is a spike
DRIVER_SHARE = 0.5  # one model making this share of a figure "drives" it
STALE_MIN_MODELS = 10  # fewer models seen on two days in a row: staleness is not judged
STALE_SHARE = 0.5  # at least this share unchanged since the day before: the Hub did not refresh
PARTLY_STALE_SHARE = 0.2  # at least this share unchanged: part of the counters not refreshed
CARRY_AFTER = timedelta(hours=12)  # a current value older than this before as_of is "carried"


def classify_frame(frame: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Attach `family` and `origin` as the config says today.

    A model the config no longer matches keeps the family it was stored with if that family
    still exists (e.g. an explicitly listed model that the Hub has since renamed).
    """
    origins = {f.id: f.origin for f in config.families}
    stored: dict[str, str | None] = {}
    if "family" in frame:
        firsts = frame[["model_id", "family"]].drop_duplicates("model_id")  # one row a model
        stored = dict(zip(firsts["model_id"], firsts["family"], strict=True))
    mapping = {m: config.family_id(m, stored.get(m)) for m in frame["model_id"].unique()}
    families = frame["model_id"].map(mapping)
    # assigned, not copied whole: the frame can be months of snapshots
    return frame.assign(family=families, origin=families.map(origins))


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
    match = _WEEK_RE.match(label.strip().upper())
    if not match:
        raise UsageError(f"week {label!r} must look like 2026-W34 (ISO year and week)")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise UsageError(f"week {label!r} does not exist") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return Week(f"{year}-W{number:02d}", start, start + timedelta(days=7))


def week_of(moment: datetime) -> Week:
    iso = moment.astimezone(UTC).isocalendar()
    return parse_week(f"{iso.year}-W{iso.week:02d}")


@dataclass(frozen=True)
class WeekData:
    """One week's cross-section of the watched models.

    `latest` holds each current model's value from the latest capture that covers its author
    (see `cross_section`); `dropped` the models seen earlier in the week that the latest
    capture no longer lists; `carried` the current models whose value is older than
    `CARRY_AFTER` before `as_of` (their source had nothing newer for them).
    """

    week: Week
    snapshots: pd.DataFrame
    latest: pd.DataFrame
    dropped: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def as_of(self) -> datetime | None:
        if self.latest.empty:
            return None
        return self.latest["observed_at"].max().to_pydatetime()

    @property
    def carried(self) -> pd.DataFrame:
        if self.latest.empty:
            return self.latest
        limit = self.latest["observed_at"].max() - CARRY_AFTER
        return self.latest[self.latest["observed_at"] < limit]

    @property
    def empty(self) -> bool:
        return self.latest.empty


def week_data(frame: pd.DataFrame, week: Week) -> WeekData:
    at = frame["observed_at"]
    inside = frame[frame["family"].notna() & (at >= week.start) & (at < week.end)]
    latest, dropped = cross_section(inside)
    return WeekData(week, inside, latest, dropped)


def cross_section(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The week's consistent captures: (current models indexed by id, dropped models).

    A *source* is where snapshots come from: the live Hub for every collect run, or one
    imported file / backfilled data set (the run's kind and source). A *capture* is what a
    source saw at one time: for a collect run, one author's listing (the collector lists author
    by author, and one listing can fail while the others work); for an import or backfill, all
    of the run's rows from one hour (a file is a series of whole lists). For each source and
    author the latest capture covering that author counts — a listing of the author, or any
    capture of a list in which the author appears this week — so a model that left a top-N
    list, or was deleted, stops counting on the day it went instead of keeping an older value
    under a newer "as of". Sources add up: a model counts when any source's latest capture
    holds it, with the newest such value.
    """
    if rows.empty:
        return _by_model(rows), rows
    rows = rows.copy()
    if "author" not in rows or rows["author"].isna().any():
        rows["author"] = rows["model_id"].str.partition("/")[0]
    kind = rows["run_kind"] if "run_kind" in rows else pd.Series("collect", index=rows.index)
    run = rows["run_id"] if "run_id" in rows else pd.Series(0, index=rows.index)
    named = rows["run_source"] if "run_source" in rows else run.astype(str)
    listing = (kind == "collect").to_numpy()
    rows["_source"] = kind.astype(str) + ":" + named.astype(str).where(~listing, "hub")
    hour = rows["observed_at"].dt.floor("h").astype("int64").astype(str)
    part = rows["author"].where(listing, hour)
    rows["_capture"] = run.astype(str) + ":" + part
    times = rows.groupby("_capture")["observed_at"].max()
    keys = ["_source", "author"]
    # Which captures cover which author: a listing covers its own author; a list-type capture
    # covers every author its source shows this week.
    own = rows.loc[listing, [*keys, "_capture"]].drop_duplicates()
    lists = rows.loc[~listing, ["_source", "_capture"]].drop_duplicates()
    shown = rows.loc[~listing, keys].drop_duplicates()
    candidates = pd.concat([own, shown.merge(lists, on="_source")], ignore_index=True)
    candidates["time"] = candidates["_capture"].map(times)
    chosen = candidates.sort_values(["time", "_capture"]).groupby(keys).tail(1)
    current = rows.merge(chosen[[*keys, "_capture"]], on=[*keys, "_capture"])
    latest = _by_model(current)
    seen = _by_model(rows)
    dropped = seen[~seen.index.isin(latest.index)]
    helpers = ["_source", "_capture"]
    return latest.drop(columns=helpers), dropped.drop(columns=helpers)


def _by_model(rows: pd.DataFrame) -> pd.DataFrame:
    """Each model's latest row, indexed by model id (the index is unnamed: no column clash)."""
    latest = rows.sort_values("observed_at").groupby("model_id", as_index=False).tail(1)
    return latest.set_axis(pd.Index(latest["model_id"].to_numpy()), axis=0)


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


def new_entrants(
    changes: pd.DataFrame, history: Sequence[WeekData], week: Week, n: int = 10
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(new releases, models that entered the data): models with downloads that no earlier week
    read shows; new when created within `NEW_DAYS` before the end of `week`; otherwise — an
    older model, or one whose creation date is unknown — they merely entered the captured
    lists. Most downloaded first. Needs at least one earlier week with data."""
    earlier = [w for w in history if not w.empty]
    if not earlier:
        empty = changes.iloc[0:0]
        return empty, empty
    known = set().union(*(set(w.latest.index) | set(w.dropped.index) for w in earlier))
    unseen = changes[~changes.index.isin(known) & (changes["downloads_30d"].fillna(0) > 0)]
    cutoff = pd.Timestamp(week.end)
    created = pd.to_datetime(unseen["created_at"], utc=True)
    recent = created >= cutoff - pd.Timedelta(days=NEW_DAYS)
    return unseen[recent].head(n), unseen[~recent].head(n)


def leaders(latest: pd.DataFrame, column: str, n: int = 5) -> pd.DataFrame:
    """The `n` watched models with the highest `column` (likes, trending score) this week."""
    known = latest[latest[column].notna()]
    return known.sort_values([column, "model_id"], ascending=[False, True]).head(n)


# --- spikes, dips and drivers -----------------------------------------------------------------


def weekly_values(weeks: Sequence[WeekData], column: str = "downloads_30d") -> pd.DataFrame:
    """Models (rows) × weeks (columns, oldest first): each week's cross-section value."""
    series = {w.week.label: w.latest[column].astype("Float64") for w in weeks if not w.empty}
    return pd.DataFrame(series)


def unusual_moves(weeks: Sequence[WeekData]) -> dict[str, str]:
    """Model id → a plain-words note for 30-day counts that spiked or dipped.

    `weeks` ends with the report's week. A spike is a week at `SPIKE_FACTOR` times or more the
    median of the weeks before it; a dip a week at half or less of both neighbours. Such moves
    are often CI runs, mirrors or a counter glitch, so they are flagged rather than read as
    growth or decline. Models under `MOVER_FLOOR`, and models created in the last
    `2 × NEW_DAYS` days (a launch ramps up), are left alone.
    """
    table = weekly_values(weeks)
    if table.shape[1] < 2:
        return {}
    labels = list(table.columns)
    # a release ramping up is not a spike: leave models created in the last weeks alone
    created = pd.to_datetime(weeks[-1].latest["created_at"], utc=True).reindex(table.index)
    launch = pd.Timestamp(weeks[-1].week.end) - pd.Timedelta(days=2 * NEW_DAYS)
    notes: dict[str, str] = {}
    for model_id, row in table[~(created >= launch)].iterrows():
        values = [None if pd.isna(v) else float(v) for v in row]
        note = _spike_or_dip(values, labels)
        if note:
            notes[str(model_id)] = note
    return notes


def _spike_or_dip(values: list[float | None], labels: list[str]) -> str | None:
    now = values[-1]
    if now is None:
        return None
    earlier = [v for v in values[:-1] if v is not None]
    if earlier and now >= MOVER_FLOOR:
        base = float(median(earlier))
        if base > 0 and now >= SPIKE_FACTOR * base:
            return (
                f"spike: {now / base:.1f}× its earlier weekly level of {human(base)}; may not last"
            )
    # a spike in an earlier week that has since fallen back by half or more
    for i in range(1, len(values) - 1):
        peak, before = values[i], [v for v in values[:i] if v is not None]
        if peak is None or not before or peak < MOVER_FLOOR:
            continue
        base = float(median(before))
        if base > 0 and peak >= SPIKE_FACTOR * base and now <= peak / 2:
            return (
                f"spike in {labels[i]} ({human(base)} → {human(peak)}, {peak / base:.1f}×), "
                f"back to {human(now)}: not a decline of normal use"
            )
    last, before_last = values[-2], values[-3] if len(values) >= 3 else None
    if (
        last is not None
        and before_last is not None
        and max(before_last, now) >= MOVER_FLOOR
        and last <= before_last / 2
        and last <= now / 2
    ):
        return (
            f"dip in {labels[-2]} ({human(before_last)} → {human(last)} → {human(now)}), "
            "recovered: not growth"
        )
    if earlier and now <= max(earlier[-1], 0) / 2 and earlier[-1] >= MOVER_FLOOR:
        return (
            f"fell to {now / earlier[-1]:.0%} of last week's count in one week: unusual for a "
            "30-day count (often an earlier burst leaving the window, or a counter glitch)"
        )
    return None


def main_driver(rows: pd.DataFrame, column: str, total: float) -> tuple[str, float] | None:
    """(model, its part) when one model makes at least `DRIVER_SHARE` of `total` (same sign)."""
    values = rows[column].dropna()
    if values.empty or not total:
        return None
    top = values.abs().idxmax()
    part = float(values[top])
    if part * total > 0 and abs(part) >= DRIVER_SHARE * abs(total):
        return str(rows.loc[top, "model_id"]), part
    return None


# --- freshness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCheck:
    """How many models seen on a day and on the previous day with data kept the same count."""

    day: date
    compared: int
    unchanged: int

    @property
    def share(self) -> float | None:
        return self.unchanged / self.compared if self.compared else None

    @property
    def judged(self) -> bool:
        return self.compared >= STALE_MIN_MODELS

    @property
    def stale(self) -> bool:
        return self.judged and self.unchanged >= STALE_SHARE * self.compared

    @property
    def partly_stale(self) -> bool:
        return (
            self.judged and not self.stale and self.unchanged >= PARTLY_STALE_SHARE * self.compared
        )


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None
    captures: list[datetime]  # distinct observation hours in the week
    days_with_data: list[date]
    missing_days: list[date]  # days of the week up to as_of without any snapshot
    checks: list[DayCheck] = field(default_factory=list)  # one per day with data and a day before

    @property
    def stale_days(self) -> list[date]:
        return [c.day for c in self.checks if c.stale]

    @property
    def partly_stale_days(self) -> list[date]:
        return [c.day for c in self.checks if c.partly_stale]

    @property
    def unjudged_days(self) -> list[date]:
        return [c.day for c in self.checks if not c.judged]


def freshness(frame: pd.DataFrame, week: Week) -> Freshness:
    """Captures, gaps and stale days of a week.

    The Hub refreshes its counters about once a day, and on some days only part of them (or
    none). A day is judged by the share of models whose 30-day count is exactly what it was on
    the previous day with data, among the models seen on both days; on a normal day well under
    1 % are unchanged. With fewer than `STALE_MIN_MODELS` such models the day is not judged.
    """
    known = frame["family"].notna() & frame["downloads_30d"].notna()
    watched = frame.loc[known, ["observed_at", "model_id", "downloads_30d"]]
    inside = watched[(watched["observed_at"] >= week.start) & (watched["observed_at"] < week.end)]
    if inside.empty:
        return Freshness(None, [], [], [])
    hours = inside["observed_at"].dt.floor("h").drop_duplicates().sort_values()
    as_of = inside["observed_at"].max().to_pydatetime()
    days = [d.date() for d in inside["observed_at"].dt.normalize().drop_duplicates().sort_values()]
    span = [
        week.start.date() + timedelta(days=i)
        for i in range((as_of.date() - week.start.date()).days + 1)
    ]
    # the week's days and the last day with data before it: all the comparisons need
    earlier = watched.loc[watched["observed_at"] < week.start, "observed_at"]
    since = earlier.max().normalize() if not earlier.empty else week.start
    used = watched[(watched["observed_at"] >= since) & (watched["observed_at"] <= as_of)]
    last = last_per_day(used, "downloads_30d", [])
    daily = last.pivot(index="model_id", columns="day", values="downloads_30d").astype("float64")
    # each day with data against the one before it with data, all models at once
    values = daily.to_numpy()
    before, after = values[:, :-1], values[:, 1:]
    compared = (~np.isnan(before) & ~np.isnan(after)).sum(axis=0)
    unchanged = (before == after).sum(axis=0)
    checks = [
        DayCheck(day.date(), int(compared[i]), int(unchanged[i]))
        for i, day in enumerate(daily.columns[1:])
        if day.date() in days
    ]
    captures = [t.to_pydatetime() for t in hours]
    return Freshness(as_of, captures, days, [d for d in span if d not in days], checks)


def last_per_day(rows: pd.DataFrame, metric: str, keep: Sequence[str]) -> pd.DataFrame:
    """Each model's last known `metric` on each UTC day (column `day`), with the columns in
    `keep` (only those: a frame of months sorts faster narrow)."""
    known = rows.loc[rows[metric].notna(), ["observed_at", "model_id", metric, *keep]]
    day = known["observed_at"].dt.tz_convert("UTC").dt.normalize()
    ordered = known.assign(day=day).sort_values("observed_at")
    return ordered.drop_duplicates(["day", "model_id"], keep="last")


# --- time series for charts -------------------------------------------------------------------


def daily_totals(
    frame: pd.DataFrame,
    metric: str,
    until: datetime,
    by: Sequence[str] = ("family",),
    days: int = CHART_DAYS,
) -> dict[str, pd.DataFrame]:
    """For each grouping in `by`: UTC days (rows) × groups (columns), the sum of each model's
    last value that day (an empty frame without data)."""
    at = frame["observed_at"]
    since = until - timedelta(days=days)
    inside = frame["family"].notna() & (at > since) & (at <= until)
    last = last_per_day(frame.loc[inside, ["observed_at", "model_id", metric, *by]], metric, by)
    if last.empty:
        return {group: pd.DataFrame() for group in by}
    return {
        group: last.pivot_table(index="day", columns=group, values=metric, aggfunc="sum").astype(
            "float64"
        )
        for group in by
    }


def shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each row divided by its total (a row of shares that sums to 1)."""
    return table.div(table.sum(axis=1), axis=0)
