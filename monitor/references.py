"""Figures others published (`data/reference_points.csv`) set beside our own series.

Each row says what was measured and how it relates to our numbers: `compare` names the series
of ours it can be held against (`order:qwen>llama`, `order:CN>US`, `ratio:CN/US`,
`model:<id>`), `comparable` how far (`same metric`, `direction only`, `no`) and `difference`
why they differ. Our side is read from the period that holds the published date; no value of
ours is ever estimated for a date we have no data for.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ConfigError
from .formatting import missing
from .trends import PeriodResult, describe_period

REFERENCE_FILE = Path(__file__).parent / "data" / "reference_points.csv"
ORIGIN_NAMES = {"CN": "China", "US": "the US"}
COLUMNS = (
    "date",
    "published_as",
    "figure",
    "metric",
    "scope",
    "compare",
    "value",
    "comparable",
    "difference",
    "source",
    "reliability",
)


@dataclass(frozen=True)
class ReferencePoint:
    day: date  # where the figure is placed on our time axis (end of a published month)
    published_as: str
    figure: str
    metric: str
    scope: str
    compare: str  # empty: nothing of ours to compare with
    value: float | None
    comparable: str
    difference: str
    source: str
    reliability: str


def load_reference_points(path: Path = REFERENCE_FILE) -> list[ReferencePoint]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise ConfigError(f"{path}: reference points file not found") from None
    out = []
    for line, row in enumerate(rows, start=2):
        if tuple(row) != COLUMNS:
            raise ConfigError(f"{path}: line {line}: expected the columns {', '.join(COLUMNS)}")
        try:
            day = date.fromisoformat(row["date"])
            value = float(row["value"]) if row["value"] else None
        except ValueError as exc:
            raise ConfigError(f"{path}: line {line}: {exc}") from None
        out.append(
            ReferencePoint(
                day=day,
                published_as=row["published_as"],
                figure=row["figure"],
                metric=row["metric"],
                scope=row["scope"],
                compare=row["compare"],
                value=value,
                comparable=row["comparable"],
                difference=row["difference"],
                source=row["source"],
                reliability=row["reliability"],
            )
        )
    return out


RELIABILITY_WORDS = {
    "P": "primary source",
    "S": "secondary source (press or summary)",
    "T": "unclear provenance",
}


def describe_reliability(code: str) -> str:
    """'P/S' → 'primary source / secondary source (press or summary)'; unknown codes as given."""
    return " / ".join(RELIABILITY_WORDS.get(part.strip(), part.strip()) for part in code.split("/"))


@dataclass(frozen=True)
class Comparison:
    point: ReferencePoint
    ours: str  # our figure at that date in words, or why there is none
    agrees: bool | None  # same order / same side of 1; None when not comparable or no data


def compare_points(
    points: Sequence[ReferencePoint],
    results: Sequence[PeriodResult],
    labels: dict[str, str],
) -> list[Comparison]:
    return [_compare(p, results, labels) for p in points]


def _compare(
    point: ReferencePoint, results: Sequence[PeriodResult], labels: dict[str, str]
) -> Comparison:
    if not point.compare:
        return Comparison(point, "no series of ours measures this", None)
    result = next(
        (r for r in results if r.period.start.date() <= point.day < r.period.end.date()), None
    )
    if result is None or result.empty:
        return Comparison(point, "no data of ours for that date", None)
    where = describe_period(result.period)
    kind, _, spec = point.compare.partition(":")
    if kind in ("order", "ratio") and not result.has_shares:
        return Comparison(point, f"{where}: too few families observed to compare shares", None)
    if kind == "order":
        first, _, second = spec.partition(">")
        by = "family" if first in labels else "origin"
        a, b = result.share(by, first), result.share(by, second)
        names = {**ORIGIN_NAMES, **labels}
        name_a, name_b = names.get(first, first), names.get(second, second)
        if a is None or b is None:
            return Comparison(point, f"{where}: {name_a} or {name_b} not observed", None)
        text = f"{where}: {name_a} {a:.1%} vs {name_b} {b:.1%} of the watched 30-day downloads"
        return Comparison(point, text, a > b)
    if kind == "ratio":
        top, _, bottom = spec.partition("/")
        ours = _ratio(result, top, bottom)
        if ours is None:
            return Comparison(point, f"{where}: {top} or {bottom} not observed", None)
        agrees = None if point.value is None else (ours >= 1) == (point.value >= 1)
        text = f"{where}: {_name(top)} / {_name(bottom)} = {ours:.2f} (30-day downloads)"
        return Comparison(point, text, agrees)
    if kind == "model":
        latest = result.data.latest
        if spec not in latest.index or latest.at[spec, "downloads_30d"] is None:
            return Comparison(point, f"{where}: {spec} not observed", None)
        value = latest.at[spec, "downloads_30d"]
        if missing(value):
            return Comparison(point, f"{where}: no 30-day downloads for {spec}", None)
        text = f"{where}: {int(value):,} 30-day downloads"
        agrees = None
        if point.value:
            # the same counter read on another day: within a quarter counts as agreeing
            agrees = abs(int(value) - point.value) <= 0.25 * point.value
            text += f" ({int(value) / point.value - 1:+.0%} against the published figure)"
        return Comparison(point, text, agrees)
    raise ConfigError(f"reference point {point.published_as}: unknown comparison {point.compare!r}")


def _name(origin: str) -> str:
    return ORIGIN_NAMES.get(origin, origin)


def _ratio(result: PeriodResult, top: str, bottom: str) -> float | None:
    origins = result.origins
    if origins.empty or top not in origins.index or bottom not in origins.index:
        return None
    below = float(origins.at[bottom, "downloads_30d"])
    return float(origins.at[top, "downloads_30d"]) / below if below else None
