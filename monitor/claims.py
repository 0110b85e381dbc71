"""The article's claims as testable propositions, and their weekly verdicts.

A claim is either a *rank* (the subject group's rank among the watched families must be at
most `threshold`) or a *ratio* (subject total / versus total must reach `threshold`). Groups
are families, origins, or model-id globs. A verdict is `inconclusive` — with the reason —
whenever the numbers needed are missing or incomplete, instead of guessing.

A rank claim is also tested at wider *scopes* when the week has Hub-wide context: its best
model's rank on the whole Hub (and per captured pipeline tag) against `hub_best_rank`, and its
rank among the watched families once third-party derivatives' downloads are added (ecosystem).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from .analysis import METRICS, WeekData, main_driver
from .config import Config, Family, Strict, describe_validation_error
from .context import HubContext
from .errors import ConfigError
from .formatting import missing

Metric = Literal["downloads_30d", "likes", "downloads_all_time"]
METRIC_LABELS = {
    "downloads_30d": "30-day downloads",
    "likes": "likes",
    "downloads_all_time": "all-time downloads",
}


class Group(Strict):
    label: str
    families: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    models: tuple[str, ...] = ()  # globs on the full model id

    @model_validator(mode="after")
    def _one_kind(self) -> Group:
        if sum(bool(x) for x in (self.families, self.origins, self.models)) != 1:
            raise ValueError("a group needs exactly one of families, origins or models")
        return self

    def mask(self, latest: pd.DataFrame) -> pd.Series:
        if self.families:
            return latest["family"].isin(self.families)
        if self.origins:
            return latest["origin"].isin(self.origins)
        return latest["model_id"].map(lambda m: any(fnmatchcase(m, g) for g in self.models))


class Source(Strict):
    outlet: str
    date: str  # YYYY-MM or YYYY-MM-DD: the trend report judges the claim at that date
    language: str
    phrase: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _yaml_date(cls, value: Any) -> Any:
        """An unquoted 2025-01-15 reaches us as a date object; it means the same text."""
        return value.isoformat() if isinstance(value, dt.date) else value

    @field_validator("date")
    @classmethod
    def _calendar_date(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
        if match is None:
            raise ValueError(f"source date {value!r} must look like 2025-01 or 2025-01-15")
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            raise ValueError(f"source date {value!r} is not a calendar date") from None
        if not 1990 <= day.year <= 2100:
            raise ValueError(f"source date {value!r} is out of range (1990 to 2100)")
        return value


class Claim(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    statement: str
    kind: Literal["rank", "ratio"]
    subject: Group
    versus: Group | None = None
    metric: Metric
    threshold: Annotated[float, Field(gt=0)]
    alternatives: tuple[Metric, ...] = ()
    hub_best_rank: Annotated[int | None, Field(ge=1)] = None  # Hub-wide scope (rank claims)
    source: Source
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Claim:
        if self.kind == "ratio" and self.versus is None:
            raise ValueError("a ratio claim needs 'versus'")
        if self.kind == "rank" and not self.subject.families:
            raise ValueError("a rank claim ranks one family: subject.families")
        return self


class ClaimsFile(Strict):
    claims: tuple[Claim, ...]


def load_claims(path: Path, config: Config) -> tuple[Claim, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: claims file not found (reports.claims in the config)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}".splitlines()[0]) from None
    try:
        claims = ClaimsFile.model_validate(data).claims
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None
    for claim in claims:
        problem = _unwatched(claim, config)
        if problem:
            raise ConfigError(
                f"{path}: claim {claim.id!r} {problem}; add it to the families in "
                f"{config.path.name} or change the claim"
            )
    return claims


def _unwatched(claim: Claim, config: Config) -> str | None:
    """What a claim names that no watched family can provide, in words (None: all covered)."""
    families = {f.id for f in config.families}
    origins = {f.origin for f in config.families}
    for group in (claim.subject, claim.versus):
        if group is None:
            continue
        for family in group.families:
            if family not in families:
                return f"names family {family!r}, which the config does not watch"
        for origin in group.origins:
            if origin not in origins:
                return f"names origin {origin!r}, but no watched family comes from there"
        for glob in group.models:
            if not any(_could_match(glob, f) for f in config.families):
                return f"names models {glob!r}, which no watched family's selectors can match"
    return None


def _could_match(glob: str, family: Family) -> bool:
    """Whether a model-id glob can match a model this family's selectors would collect."""
    owner = glob.partition("/")[0].lower()
    if any(fnmatchcase(m.lower(), glob.lower()) for m in family.models):
        return True
    return any(fnmatchcase(a.name.lower(), owner) for a in family.authors)


@dataclass(frozen=True)
class Outcome:
    """One claim under one metric (and scope) in one week."""

    metric: str
    verdict: str  # supported | not_supported | inconclusive
    value: float | None
    explanation: str
    scope: str = "watched families"

    @classmethod
    def inconclusive(cls, metric: str, why: str, scope: str = "watched families") -> Outcome:
        return cls(metric, "inconclusive", None, why, scope)


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    main: Outcome
    previous: Outcome | None
    alternatives: tuple[Outcome, ...]
    scopes: tuple[Outcome, ...] = ()
    trend: tuple[tuple[str, Outcome], ...] = ()  # (week, outcome) of the main metric, oldest first
    counted: pd.DataFrame = field(default_factory=pd.DataFrame)  # the models behind `main`


def judge(
    claim: Claim,
    cur: WeekData,
    prev: WeekData | None,
    labels: dict[str, str],
    context: HubContext | None = None,
    history: Sequence[WeekData] = (),
) -> Verdict:
    """The claim's verdict this week, last week, under its alternative metrics, for rank
    claims with Hub-wide context at the wider scopes, and its trend over `history` (earlier
    weeks, oldest first) and this week."""
    main = evaluate(claim, cur, claim.metric, labels)
    earlier = tuple(
        (w.week.label, evaluate(claim, w, claim.metric, labels)) for w in history if not w.empty
    )
    previous = None
    if prev is not None and not prev.empty:  # last week is usually the last of `history`
        known = dict(earlier)
        previous = known.get(prev.week.label) or evaluate(claim, prev, claim.metric, labels)
    others = tuple(evaluate(claim, cur, m, labels) for m in claim.alternatives)
    scopes: tuple[Outcome, ...] = ()
    if claim.kind == "rank" and context is not None and not context.empty:
        scopes = wider_scopes(claim, cur, context, labels)
    trend = (*earlier, (cur.week.label, main))
    return Verdict(claim, main, previous, others, scopes, trend, counted_models(claim, cur))


def counted_models(claim: Claim, data: WeekData) -> pd.DataFrame:
    """The models a claim's verdict adds up, with the side they count for, largest first.

    A rank claim counts every watched model (its families' totals are compared); a ratio
    claim the models of its two groups.
    """
    latest = data.latest
    if latest.empty:
        return pd.DataFrame(columns=["side", "model_id", "family", claim.metric])
    if claim.kind == "rank":
        rows = latest.assign(side=latest["family"])
    else:
        assert claim.versus is not None
        parts = [
            latest[group.mask(latest).astype(bool)].assign(side=group.label)
            for group in (claim.subject, claim.versus)
        ]
        rows = pd.concat(parts)
    columns = ["side", "model_id", "family", *dict.fromkeys([claim.metric, *claim.alternatives])]
    return rows.sort_values(
        ["side", claim.metric, "model_id"], ascending=[True, False, True], na_position="last"
    )[columns]


def wider_scopes(
    claim: Claim, cur: WeekData, context: HubContext, labels: dict[str, str]
) -> tuple[Outcome, ...]:
    family = claim.subject.families[0]
    name = labels.get(family, family)
    out = []
    if claim.hub_best_rank is not None:
        for scope, standing in context.ranks.items():
            out.append(_hub_rank(claim, name, scope, standing, context.top_n[scope]))
    eco = context.ecosystem
    if not eco.empty:
        official = cur.latest.groupby("family")["downloads_30d"].sum()
        if cur.latest["downloads_30d"].isna().any():
            text = "30-day downloads missing for some watched models"
            out.append(Outcome.inconclusive("downloads_30d", text, "ecosystem"))
        else:
            totals = official.astype(float).add(eco["ecosystem"].astype(float), fill_value=0)
            rank = 1 + int((totals > totals.get(family, 0)).sum())
            verdict = "supported" if rank <= int(claim.threshold) else "not_supported"
            text = (
                f"{name} ranks #{rank} of {len(totals)} watched families by official plus "
                f"third-party derivatives' 30-day downloads, {int(totals.get(family, 0)):,}; "
                f"the threshold is a top-{int(claim.threshold)} rank"
            )
            out.append(Outcome("downloads_30d", verdict, float(rank), text, "ecosystem"))
    return tuple(out)


def _hub_rank(claim: Claim, name: str, scope: str, standing: pd.DataFrame, n: int) -> Outcome:
    """The subject's best model's rank among the `n` captured ranks of one Hub-wide scope."""
    assert claim.hub_best_rank is not None
    family = claim.subject.families[0]
    where = "the whole Hub" if scope == "all" else f"{scope} models on the Hub"
    label = "whole Hub" if scope == "all" else f"Hub, {scope}"
    row = standing.loc[family] if family in standing.index else None
    if row is None or missing(row["best_rank"]):
        if n < claim.hub_best_rank:
            text = (
                f"no {name} model among the {n:,} captured ranks of {where}; fewer ranks than "
                f"the top {claim.hub_best_rank} the claim needs, so the data can't tell"
            )
            return Outcome.inconclusive("best_rank", text, label)
        text = f"no {name} model among the top {n:,} of {where}"
        return Outcome("best_rank", "not_supported", None, text, label)
    rank = int(row["best_rank"])
    verdict = "supported" if rank <= claim.hub_best_rank else "not_supported"
    count, within = models_in_top(row, n)
    among = f"the top {within:,}" + (f" of {n:,} captured" if n > within else " captured")
    text = (
        f"its best model, {row['best_model']}, is #{rank} of {where} by 30-day downloads, "
        f"with {count} {name} models among {among}; the threshold is a top-"
        f"{claim.hub_best_rank} rank"
    )
    return Outcome("best_rank", verdict, float(rank), text, label)


def models_in_top(standing: pd.Series, n: int) -> tuple[int, int]:
    """A family's models among the Hub's top 100 (or all `n` captured ranks, when fewer), and
    that cut-off: the count the answer and the verdict both quote."""
    within = min(100, n)
    return int(standing["top100"] if within == 100 else standing["top_n"]), within


def evaluate(claim: Claim, data: WeekData, metric: str, labels: dict[str, str]) -> Outcome:
    assert metric in METRICS
    latest = data.latest
    what = METRIC_LABELS[metric]
    if latest.empty:
        return Outcome.inconclusive(metric, "no snapshots in this week")
    if claim.kind == "rank":
        return _rank(claim, latest, metric, what, labels)
    return _ratio(claim, latest, metric, what)


def _missing(rows: pd.DataFrame, metric: str) -> int:
    return int(rows[metric].isna().sum())


def _rank(
    claim: Claim, latest: pd.DataFrame, metric: str, what: str, labels: dict[str, str]
) -> Outcome:
    family = claim.subject.families[0]
    name = labels.get(family, family)
    threshold = int(claim.threshold)
    if not (latest["family"] == family).any():
        return Outcome.inconclusive(metric, f"no {name} models in the week's latest captures")
    gaps = _missing(latest, metric)
    if gaps:
        return Outcome.inconclusive(
            metric, f"{what} missing for {gaps} of {len(latest)} models observed"
        )
    totals = latest.groupby("family")[metric].sum()
    if len(totals) <= threshold:
        return Outcome.inconclusive(
            metric, f"only {len(totals)} families observed; a top-{threshold} rank says nothing"
        )
    rank = 1 + int((totals > totals[family]).sum())
    verdict = "supported" if rank <= threshold else "not_supported"
    leader = totals.idxmax()
    lead = "" if rank == 1 else f"; {labels.get(leader, leader)} leads"
    text = (
        f"{name} ranks #{rank} of {len(totals)} watched families by {what}; the threshold is "
        f"a top-{threshold} rank{lead}"
    )
    return Outcome(metric, verdict, float(rank), text)


def _ratio(claim: Claim, latest: pd.DataFrame, metric: str, what: str) -> Outcome:
    assert claim.versus is not None
    sides: list[int] = []
    drivers: list[tuple[str, float] | None] = []
    for group in (claim.subject, claim.versus):
        rows = latest[group.mask(latest).astype(bool)]
        if rows.empty:
            return Outcome.inconclusive(
                metric, f"no {group.label} models in the week's latest captures"
            )
        gaps = _missing(rows, metric)
        if gaps:
            return Outcome.inconclusive(
                metric, f"{what} missing for {gaps} of the {len(rows)} models of {group.label}"
            )
        sides.append(int(rows[metric].sum()))
        drivers.append(main_driver(rows, metric, sides[-1]))
    subject, versus = sides
    if versus == 0:
        return Outcome.inconclusive(metric, f"{claim.versus.label} has no {what} to compare with")
    ratio = subject / versus
    verdict = "supported" if ratio >= claim.threshold else "not_supported"
    text = (
        f"{claim.subject.label}: {subject:,} vs {claim.versus.label}: {versus:,} {what} "
        f"= {ratio:.2f}×, against a threshold of {claim.threshold:g}×"
    )
    for group, total, driver in zip((claim.subject, claim.versus), sides, drivers, strict=True):
        if driver is not None and int(group.mask(latest).astype(bool).sum()) > 1:
            text += f"; {driver[0]} alone accounts for {driver[1] / total:.0%} of the {what} of {group.label}"
    return Outcome(metric, verdict, ratio, text)
