"""The long-range view: every claim, family share and rank, period by period, over all history.

Pure functions over a classified snapshot frame (`analysis.classify_frame`); the periods to
judge are a parameter, so nothing here reads the clock or the database. Each period's
cross-section is built by `analysis.week_data` and judged by `claims.evaluate`, exactly as a
weekly report does, so a trend line and the weekly report of the same week agree.

A period is an ISO week or a calendar month; both are `analysis.Week` values (a label, a start
and an exclusive end), which is all `week_data` needs.

Data sources change over time (a backfill, imports of other people's files, our own collects),
and a verdict or a rank that flips when the set of sources changes may say more about the data
than about the Hub. Every change found here therefore records whether the sources changed too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal

import pandas as pd

from .analysis import Week, WeekData, freshness, parse_week, week_data, week_of
from .claims import Claim, Outcome, evaluate
from .formatting import missing

Every = Literal["week", "month"]
RANK_TOP = 3  # overtakings are listed among the leading groups only; below, it is noise
CONCLUSIVE = ("supported", "not_supported")
# A share is a fraction of what was captured: with one or two families in the data, the
# largest one is "100 %" of nothing in particular. Below this many families observed, a
# period's shares (family and origin) are neither tabulated nor drawn.
MIN_FAMILIES = 4
# Two periods' shares of a group are comparable when they add up (mostly) the same models:
# models seen in both / models seen in either, per group. Below it, an order that flips says
# that the captured list changed (a model entered or left a top-30 list), not that use did.
MIN_MODEL_OVERLAP = 0.75
# A period's state for one claim: the claim's verdict, or why there is none. "untestable":
# a group the claim speaks about has no model in the data that period (no gpt-oss model
# captured, say), which is no evidence either way; "no_data": nothing at all was captured.
STATES = ("supported", "not_supported", "inconclusive", "untestable", "no_data")

_SINCE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


# --- periods ----------------------------------------------------------------------------------


def month_of(day: date) -> Week:
    start = datetime(day.year, day.month, 1, tzinfo=UTC)
    following = datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=UTC)
    return Week(f"{day.year}-{day.month:02d}", start, following)


def period_of(day: date, every: Every) -> Week:
    if every == "month":
        return month_of(day)
    return week_of(datetime(day.year, day.month, day.day, tzinfo=UTC))


def periods_between(first: date, last: date, every: Every) -> list[Week]:
    """Every period from the one holding `first` to the one holding `last`, in order."""
    out = [period_of(first, every)]
    while out[-1].end.date() <= last:
        out.append(period_of(out[-1].end.date(), every))
    return out


def describe_period(period: Week) -> str:
    """'March 2026' for a month, 'week of 16 Mar 2026' for an ISO week."""
    if re.fullmatch(r"\d{4}-\d{2}", period.label):
        return f"{period.start:%B %Y}"
    return f"week of {period.start:%-d %b %Y}"


def article_span(claim: Claim) -> tuple[date, date]:
    """The days the claim's source date covers: [first, last + 1) of a month or one day."""
    match = _SINCE_RE.match(claim.source.date)
    assert match is not None  # claims.Source refuses any other shape when the claims load
    first = date(int(match[1]), int(match[2]), int(match[3] or 1))
    if match[3]:
        return first, first + timedelta(days=1)
    return first, month_of(first).end.date()


def describe_span(span: tuple[date, date]) -> str:
    first, end = span
    if (end - first).days == 1:
        return f"{first:%-d %B %Y}"
    return f"{first:%B %Y}"


# --- per period ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodResult:
    """One period's cross-section, group measures and verdicts (empty frames without data)."""

    period: Week
    data: WeekData
    families: pd.DataFrame
    origins: pd.DataFrame
    outcomes: dict[str, Outcome]  # claim id → outcome under the claim's own metric
    states: dict[str, str]  # claim id → one of STATES
    kinds: tuple[str, ...]  # run kinds behind the cross-section (collect, import, backfill)
    sources: tuple[str, ...]  # where those runs read from (endpoint, file, data set)
    days_with_data: int
    missing_days: int
    stale_days: tuple[date, ...]
    partial_runs: int = 0  # runs behind the period's snapshots that ended partial or failed

    @property
    def empty(self) -> bool:
        return self.data.empty

    @property
    def families_observed(self) -> int:
        return len(self.families)

    @property
    def has_shares(self) -> bool:
        """Enough families observed for a share to mean something (`MIN_FAMILIES`)."""
        return self.families_observed >= MIN_FAMILIES

    def share(self, by: str, group: str) -> float | None:
        """The group's share, or None when it is not observed or the period is too thin."""
        table = self.families if by == "family" else self.origins
        if not self.has_shares or group not in table.index:
            return None
        value = table.at[group, "share_downloads_30d"]
        return None if missing(value) else float(value)


def group_shares(latest: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: models, 30-day downloads, share of the total and rank — the figures of
    `analysis.group_metrics` that a trend needs, without its week-over-week cohorts, which
    cost 50 ms a call (12 s over two years of weeks) and are not shown here."""
    groups = latest[latest[by].notna()]
    if groups.empty:
        return pd.DataFrame()
    downloads = groups.groupby(by)["downloads_30d"].sum(min_count=0).astype("int64")
    total = int(downloads.sum())
    table = pd.DataFrame(
        {
            "models": groups.groupby(by).size(),
            "downloads_30d": downloads,
            "share_downloads_30d": downloads / total if total else None,
            # 1 for the largest; ties share the better rank (as group_metrics ranks)
            "rank_downloads_30d": downloads.rank(method="min", ascending=False).astype("int64"),
        }
    )
    table.index = table.index.astype(str)
    return table.sort_index()


def judge_periods(
    frame: pd.DataFrame,
    claims: Sequence[Claim],
    labels: dict[str, str],
    periods: Sequence[Week],
) -> list[PeriodResult]:
    """Each period's cross-section, family and origin measures and every claim's verdict.

    `frame` is classified (family, origin) and may carry `run_kind`, `run_source` and
    `run_status` columns.
    """
    days = _day_quality(frame, periods)
    out = []
    for period in periods:
        data = week_data(frame, period)
        if data.empty:
            families = origins = pd.DataFrame()
            kinds: tuple[str, ...] = ()
            sources: tuple[str, ...] = ()
        else:
            families = group_shares(data.latest, "family")
            origins = group_shares(data.latest, "origin")
            kinds = _distinct(data.latest, "run_kind")
            sources = _distinct(data.latest, "run_source")
        with_data, missing, stale = days.get(period.label, (0, 0, ()))
        outcomes = {c.id: evaluate(c, data, c.metric, labels) for c in claims}
        out.append(
            PeriodResult(
                period=period,
                data=data,
                families=families,
                origins=origins,
                outcomes=outcomes,
                states={c.id: claim_state(c, data, outcomes[c.id]) for c in claims},
                kinds=kinds,
                sources=sources,
                days_with_data=with_data,
                missing_days=missing,
                stale_days=stale,
                partial_runs=_partial_runs(data.snapshots),
            )
        )
    return out


def claim_state(claim: Claim, data: WeekData, outcome: Outcome) -> str:
    """The claim's verdict, `untestable` when one of its groups has no model in the data, or
    `no_data` when the period has none at all (see `STATES`)."""
    if data.empty:
        return "no_data"
    if outcome.verdict in CONCLUSIVE:
        return outcome.verdict
    groups = [claim.subject] if claim.versus is None else [claim.subject, claim.versus]
    if any(not bool(g.mask(data.latest).any()) for g in groups):
        return "untestable"
    return "inconclusive"


def _partial_runs(rows: pd.DataFrame) -> int:
    if "run_status" not in rows:
        return 0
    return int(rows.loc[rows["run_status"].isin(("partial", "failed")), "run_id"].nunique())


def _distinct(rows: pd.DataFrame, column: str) -> tuple[str, ...]:
    if column not in rows:
        return ()
    return tuple(sorted({str(v) for v in rows[column].dropna()}))


def _day_quality(
    frame: pd.DataFrame, periods: Sequence[Week]
) -> dict[str, tuple[int, int, tuple[date, ...]]]:
    """Per period: days with data, days without, stale days — judged once over the whole span
    (the weekly report's rule, `analysis.freshness`), not once per period."""
    if not periods:
        return {}
    span = Week("all", periods[0].start, periods[-1].end)
    fresh = freshness(frame, span)
    out = {}
    for period in periods:
        first, end = period.start.date(), period.end.date()
        inside = [d for d in fresh.days_with_data if first <= d < end]
        missing = [d for d in fresh.missing_days if first <= d < end]
        stale = tuple(d for d in fresh.stale_days if first <= d < end)
        out[period.label] = (len(inside), len(missing), stale)
    return out


# --- claims over time ------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    period: Week
    outcome: Outcome
    state: str = ""  # one of STATES; "" means the outcome's verdict

    @property
    def verdict(self) -> str:
        return self.state or self.outcome.verdict


@dataclass(frozen=True)
class VerdictChange:
    before: Judged
    after: Judged
    sources_changed: bool


@dataclass(frozen=True)
class ClaimHistory:
    claim: Claim
    article: tuple[date, date]  # the days the article's date covers
    at_article: tuple[Judged, ...]  # periods overlapping the article's date that have data
    earliest: Judged | None  # the first period with a conclusive verdict
    now: Judged | None  # the latest period with data
    changes: tuple[VerdictChange, ...]

    @property
    def article_verdict(self) -> str | None:
        """One verdict for the article's date: the periods' common one, `mixed`, or None.

        Periods in which the claim can't be tested are left out unless all are such: they are
        no evidence, so they make nothing "mixed"."""
        verdicts = {j.verdict for j in self.at_article}
        if len(verdicts) > 1:
            verdicts.discard("untestable")
        if not verdicts:
            return None
        return verdicts.pop() if len(verdicts) == 1 else "mixed"


def claim_histories(results: Sequence[PeriodResult], claims: Sequence[Claim]) -> list[ClaimHistory]:
    """Each claim at the article's date, now, and every change between conclusive verdicts."""
    with_data = [r for r in results if not r.empty]
    out = []
    for claim in claims:
        span = article_span(claim)
        at_article = tuple(
            Judged(r.period, r.outcomes[claim.id], r.states[claim.id])
            for r in with_data
            if r.period.start.date() < span[1] and r.period.end.date() > span[0]
        )
        conclusive = [r for r in with_data if r.outcomes[claim.id].verdict in CONCLUSIVE]
        changes = tuple(
            VerdictChange(
                Judged(a.period, a.outcomes[claim.id]),
                Judged(b.period, b.outcomes[claim.id]),
                sources_changed=a.sources != b.sources,
            )
            for a, b in pairwise(conclusive)
            if a.outcomes[claim.id].verdict != b.outcomes[claim.id].verdict
        )
        out.append(
            ClaimHistory(
                claim=claim,
                article=span,
                at_article=at_article,
                earliest=Judged(
                    conclusive[0].period,
                    conclusive[0].outcomes[claim.id],
                    conclusive[0].states[claim.id],
                )
                if conclusive
                else None,
                now=Judged(
                    with_data[-1].period,
                    with_data[-1].outcomes[claim.id],
                    with_data[-1].states[claim.id],
                )
                if with_data
                else None,
                changes=changes,
            )
        )
    return out


# --- shares and ranks ------------------------------------------------------------------------


@dataclass(frozen=True)
class RankChange:
    """`winner` had a smaller share than `loser` in `before` and a larger one in `after`."""

    by: str  # family | origin
    winner: str
    loser: str
    before: Week
    after: Week
    winner_shares: tuple[float, float]
    loser_shares: tuple[float, float]
    sources_changed: bool
    held: int  # periods with shares, from `after` on, in which the new order held
    reversed_in: Week | None  # the period in which the old order came back, if it did
    # both groups add up (mostly) the same models in both periods (`MIN_MODEL_OVERLAP`);
    # when not, the order changed because the captured models changed
    comparable: bool = True
    overlap: tuple[float, float] = (1.0, 1.0)  # winner's, loser's model overlap


def rank_changes(results: Sequence[PeriodResult], by: str, top: int = RANK_TOP) -> list[RankChange]:
    """Groups that overtook another between two consecutive periods with shares.

    Only changes that move a group into or within the `top` groups by share are listed (the
    winner is among them afterwards), and only between groups present in both periods: a group
    that merely appears in the data is not "passing" anyone. Periods with too few families
    (`MIN_FAMILIES`) are skipped. Each change says whether both groups were observed through
    comparable model sets, and how long the new order held, so a one-week flicker reads as one.
    """
    with_shares = [r for r in results if r.has_shares]
    out = []
    for i, (a, b) in enumerate(pairwise(with_shares)):
        table = b.families if by == "family" else b.origins
        leaders = table.sort_values("share_downloads_30d", ascending=False).index[:top]
        for winner in leaders:
            for loser in table.index:
                w = (a.share(by, winner), b.share(by, winner))
                lo = (a.share(by, loser), b.share(by, loser))
                if w[0] is None or w[1] is None or lo[0] is None or lo[1] is None:
                    continue
                if w[0] < lo[0] and w[1] > lo[1]:
                    held, reversed_in = _held(with_shares[i + 1 :], by, str(winner), str(loser))
                    overlap = (
                        model_overlap(a, b, by, str(winner)),
                        model_overlap(a, b, by, str(loser)),
                    )
                    out.append(
                        RankChange(
                            by=by,
                            winner=str(winner),
                            loser=str(loser),
                            before=a.period,
                            after=b.period,
                            winner_shares=(w[0], w[1]),
                            loser_shares=(lo[0], lo[1]),
                            sources_changed=a.sources != b.sources,
                            held=held,
                            reversed_in=reversed_in,
                            comparable=min(overlap) >= MIN_MODEL_OVERLAP,
                            overlap=overlap,
                        )
                    )
    return out


def group_models(result: PeriodResult, by: str, group: str) -> frozenset[str]:
    """The model ids a group's share adds up in one period."""
    latest = result.data.latest
    if latest.empty:
        return frozenset()
    return frozenset(latest.loc[latest[by] == group, "model_id"].astype(str))


def model_overlap(a: PeriodResult, b: PeriodResult, by: str, group: str) -> float:
    """Models of `group` seen in both periods over those seen in either (1.0: the same)."""
    before, after = group_models(a, by, group), group_models(b, by, group)
    either = before | after
    return len(before & after) / len(either) if either else 0.0


def _held(
    following: Sequence[PeriodResult], by: str, winner: str, loser: str
) -> tuple[int, Week | None]:
    """How many of `following` periods keep `winner` ahead, and where the order flips back.

    Counting stops, without a reversal, at the first period that lacks one of the two."""
    held = 0
    for r in following:
        w, lo = r.share(by, winner), r.share(by, loser)
        if w is None or lo is None:
            return held, None
        if w < lo:
            return held, r.period
        held += 1
    return held, None


def share_table(results: Sequence[PeriodResult], by: str) -> pd.DataFrame:
    """Periods (rows, by start) × groups (columns): share of the watched 30-day downloads."""
    rows = {}
    for r in results:  # periods without data or shares stay rows of NaN: lines break there
        table = r.families if by == "family" else r.origins
        shares = table["share_downloads_30d"] if r.has_shares else pd.Series(dtype="float64")
        rows[r.period.start] = shares.astype("float64")
    return pd.DataFrame(rows).T.sort_index() if rows else pd.DataFrame()


# --- provenance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpan:
    kind: str
    first: datetime
    last: datetime
    snapshots: int


def kind_spans(frame: pd.DataFrame) -> list[KindSpan]:
    """When each kind of run (backfill, import, collect) has watched snapshots, oldest first."""
    if "run_kind" not in frame or frame.empty:
        return []
    watched = frame[frame["family"].notna()]
    out = []
    for kind, rows in watched.groupby("run_kind"):
        times = rows["observed_at"]
        out.append(
            KindSpan(str(kind), times.min().to_pydatetime(), times.max().to_pydatetime(), len(rows))
        )
    return sorted(out, key=lambda s: s.first)


__all__ = [
    "ClaimHistory",
    "PeriodResult",
    "RankChange",
    "claim_histories",
    "judge_periods",
    "parse_week",
    "periods_between",
    "rank_changes",
]
