"""Hub-wide context for a week: global ranks, derivatives and ecosystem downloads.

Pure functions over the frames of the `hub_ranks`, `derivatives` and `ecosystem` tables, like
`analysis`. A week's context is its latest capture (one collect run) of each table; last week's
latest capture is the comparison.

* Ranks are positions in the Hub's own ordering by 30-day downloads ("all" models, or one
  pipeline tag), top N only. A family's numbers count its official repositories among them.
* Derivatives are the model tree's direct children of each family's base models. Changes
  compare the bases measured in both weeks.
* Ecosystem downloads are the 30-day downloads of third-party direct derivatives of the bases
  (the most downloaded `ECOSYSTEM_LIMIT` per base), each counted once and never an official
  repository, so official + ecosystem never double counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .analysis import Week, classify_frame
from .config import Config

RELATIONS = ("adapter", "finetune", "merge", "quantized")
# What `hub_context` reads of each table: a report reads nothing else of them.
RANK_COLUMNS = ("observed_at", "scope", "rank", "model_id", "downloads_30d", "pipeline_tag")
DERIVATIVE_COLUMNS = ("observed_at", "base_model_id", "family", *RELATIONS)
ECOSYSTEM_COLUMNS = (
    *("observed_at", "base_model_id", "family", "downloads_30d", "children_counted", "truncated"),
)


@dataclass(frozen=True)
class ContextFrames:
    """The stored context tables, as read from the store (see `Store.context_frame`)."""

    ranks: pd.DataFrame
    derivatives: pd.DataFrame
    ecosystem: pd.DataFrame


@dataclass(frozen=True)
class HubContext:
    as_of: pd.Timestamp | None
    top_n: dict[str, int]  # scope → how many ranks were captured
    ranks: dict[str, pd.DataFrame]  # scope → per family standing (see `family_standing`)
    leaders: dict[str, pd.DataFrame]  # scope → the top models with their family, if watched
    pipelines: pd.DataFrame  # share of the "all" top-N downloads per pipeline tag
    derivatives: pd.DataFrame  # per family
    ecosystem: pd.DataFrame  # per family

    @property
    def empty(self) -> bool:
        return not self.ranks and self.derivatives.empty and self.ecosystem.empty


def latest_capture(frame: pd.DataFrame, week: Week) -> pd.DataFrame:
    """The rows of the latest capture inside `week` (empty when the week has none).

    A collect stamps all its context rows with one time; an import can hold many captures.
    """
    if frame.empty:
        return frame
    inside = frame[(frame["observed_at"] >= week.start) & (frame["observed_at"] < week.end)]
    if inside.empty:
        return inside
    return inside[inside["observed_at"] == inside["observed_at"].max()]


def hub_context(
    frames: ContextFrames, official: pd.Series, config: Config, week: Week
) -> HubContext:
    """Everything the report says about the Hub beyond the watch list, for `week`.

    `official` is each family's 30-day downloads of its own repositories this week.
    """
    ranks, derivatives, ecosystem = frames.ranks, frames.derivatives, frames.ecosystem
    cur_ranks = classify_frame(latest_capture(ranks, week), config)
    prev_ranks = classify_frame(latest_capture(ranks, week.previous), config)
    standing = {}
    leaders = {}
    top_n = {}
    for scope, rows in cur_ranks.groupby("scope", sort=False):
        before = prev_ranks[prev_ranks["scope"] == scope]
        standing[str(scope)] = family_standing(rows, before, config)
        leaders[str(scope)] = rows.sort_values("rank").head(10)[
            ["rank", "model_id", "family", "pipeline_tag", "downloads_30d"]
        ]
        top_n[str(scope)] = int(rows["rank"].max())
    everything = cur_ranks[cur_ranks["scope"] == "all"]
    cur_deriv = latest_capture(derivatives, week)
    cur_eco = latest_capture(ecosystem, week)
    moments = [f["observed_at"].max() for f in (cur_ranks, cur_deriv, cur_eco) if not f.empty]
    return HubContext(
        as_of=max(moments) if moments else None,
        top_n=top_n,
        ranks=standing,
        leaders=leaders,
        pipelines=pipeline_shares(everything),
        derivatives=derivative_totals(cur_deriv, latest_capture(derivatives, week.previous)),
        ecosystem=ecosystem_totals(cur_eco, official),
    )


def family_standing(rows: pd.DataFrame, before: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Per watched family: models in the top 10/100/N, best rank and model, share of the top-N
    downloads, and last week's best rank and top-100 count (None without a capture)."""
    total = rows["downloads_30d"].sum()
    out = []
    for family in config.families:
        mine = rows[rows["family"] == family.id].sort_values("rank")
        old = before[before["family"] == family.id]
        best = mine.iloc[0] if not mine.empty else None
        out.append(
            {
                "family": family.id,
                "top10": int((mine["rank"] <= 10).sum()),
                "top100": int((mine["rank"] <= 100).sum()),
                "top_n": len(mine),
                "best_rank": int(best["rank"]) if best is not None else None,
                "best_model": best["model_id"] if best is not None else None,
                "share": float(mine["downloads_30d"].sum() / total) if total else None,
                "best_rank_prev": int(old["rank"].min()) if not old.empty else None,
                "top100_prev": int((old["rank"] <= 100).sum()) if not before.empty else None,
            }
        )
    frame = pd.DataFrame(out).set_index("family")
    return frame.sort_values(["best_rank", "top_n"], ascending=[True, False], na_position="last")


def pipeline_shares(rows: pd.DataFrame, keep: int = 6) -> pd.DataFrame:
    """Share of the top-N's 30-day downloads per pipeline tag; the rest as "other"."""
    if rows.empty:
        return pd.DataFrame(columns=["models", "downloads_30d", "share"])
    tags = rows["pipeline_tag"].fillna("no task tag")
    grouped = rows.groupby(tags).agg(
        models=("model_id", "size"), downloads_30d=("downloads_30d", "sum")
    )
    grouped = grouped.sort_values("downloads_30d", ascending=False)
    if len(grouped) > keep:
        rest = grouped.iloc[keep:].sum()
        grouped = pd.concat([grouped.iloc[:keep], pd.DataFrame([rest], index=["other"])])
    grouped["share"] = grouped["downloads_30d"] / grouped["downloads_30d"].sum()
    return grouped


def derivative_totals(cur: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    """Per family: bases measured, children per relation, total, and the change in total
    since last week over the bases measured in both weeks (NaN without them)."""
    columns = ["bases", *RELATIONS, "total", "change"]
    if cur.empty:
        return pd.DataFrame(columns=columns)
    cur = cur.assign(total=cur[list(RELATIONS)].sum(axis=1, min_count=4))
    out = cur.groupby("family", sort=False).agg(
        bases=("base_model_id", "size"), **{r: (r, "sum") for r in (*RELATIONS, "total")}
    )
    change = pd.Series(dtype="float64")  # NaN where no base was measured in both weeks
    if not prev.empty:
        prev = prev.assign(total=prev[list(RELATIONS)].sum(axis=1, min_count=4))
        both = cur.merge(prev, on="base_model_id", suffixes=("", "_prev"))
        both = both.dropna(subset=["total", "total_prev"])
        change = (both["total"] - both["total_prev"]).groupby(both["family"]).sum()
    out["change"] = change.reindex(out.index)
    return out.sort_values("total", ascending=False)[columns]


def ecosystem_totals(cur: pd.DataFrame, official: pd.Series) -> pd.DataFrame:
    """Per family: official 30-day downloads, third-party derivatives' downloads, and the
    ecosystem's share of the two together."""
    columns = ["official", "ecosystem", "ecosystem_share", "bases", "children", "truncated"]
    if cur.empty:
        return pd.DataFrame(columns=columns)
    out = cur.groupby("family", sort=False).agg(
        ecosystem=("downloads_30d", "sum"),
        bases=("base_model_id", "size"),
        children=("children_counted", "sum"),
        truncated=("truncated", "sum"),
    )
    out["official"] = official.reindex(out.index)
    together = out["official"].astype("Float64") + out["ecosystem"]
    out["ecosystem_share"] = out["ecosystem"] / together
    return out.sort_values("ecosystem", ascending=False)[columns]
