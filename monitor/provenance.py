"""Where a report's numbers come from: the Hub, or the offline demo's replayed recording.

A report says it in its header, in every chart's footnote and in `summary.json` (`source`), so
a demo's partly synthetic numbers are never passed off as live Hub data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Provenance:
    """The origin of a report's data, in words for readers and fields for scripts."""

    kind: str  # "hub" (collected by us), "fake" (from a local fake Hub), "import", "backfill", "mixed" or "demo"
    chart_source: str  # the first words of every chart footnote
    recorded: tuple[date, date] | None = None  # the real dates of a replayed recording
    synthetic: tuple[str, ...] = ()  # what is made up, in reader's words

    @property
    def is_demo(self) -> bool:
        return self.kind == "demo"

    def as_summary(self) -> dict[str, Any]:
        """The `source` field of summary.json."""
        out: dict[str, Any] = {"kind": self.kind, "description": self.chart_source}
        if self.recorded is not None:
            out["recorded_from"] = self.recorded[0].isoformat()
            out["recorded_to"] = self.recorded[1].isoformat()
        if self.is_demo:
            out["synthetic"] = list(self.synthetic)
        return out


HUB = Provenance(
    kind="hub", chart_source="Source: Hugging Face Hub API, collected by hf-popularity-monitor"
)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def data_provenance(runs: Iterable[tuple[str, str]]) -> Provenance:
    """Where the counted values came from, from the (kind, source) of the runs behind them.

    Collected numbers are the Hub's as we read them; imported files and backfilled data sets
    are other people's captures of the Hub, named so a reader can trace them (and knows that a
    file of top lists holds only the models that made the lists).
    """
    kinds: dict[str, set[str]] = {}
    for kind, source in runs:
        kinds.setdefault(kind, set()).add(source)
    parts = []
    fake = False
    for endpoint in sorted(kinds.get("collect", ())):
        host = urlsplit(endpoint).hostname or ""
        if host in LOOPBACK:
            fake = True
            parts.append(
                f"a local fake Hub at {endpoint}, collected by hf-popularity-monitor (NOT live "
                "Hub data: a replayed recording, its all-time counts, trending scores and "
                "derivatives synthetic)"
            )
        elif host.endswith("huggingface.co"):
            parts.append("Hugging Face Hub API, collected by hf-popularity-monitor")
        else:
            parts.append(f"the Hub mirror at {endpoint}, collected by hf-popularity-monitor")
    if "backfill" in kinds:
        parts.append("Hub counters as archived in " + ", ".join(sorted(kinds["backfill"])))
    if "import" in kinds:
        files = sorted(kinds["import"])
        named = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        parts.append(f"Hub numbers recorded by others, imported from {named}")
    if not parts:
        return HUB
    kind = next(iter(kinds)) if len(kinds) == 1 else "mixed"
    kind = "fake" if fake else "hub" if kind == "collect" else kind
    return Provenance(kind=kind, chart_source="Source: " + "; ".join(parts))


# Said first and last in a report from a store filled by a local fake Hub, weekly or trends.
FAKE_NOTICE = (
    "> **Not live data.** These numbers were collected from a local fake Hub (a replayed "
    "recording of the Hub, with synthetic all-time counts, trending scores and derivatives), "
    "not from huggingface.co.\n"
)


DEMO_SYNTHETIC = (
    "all-time downloads and the downloads this week computed from them",
    "trending scores",
    "third-party derivatives: model-tree counts and ecosystem downloads",
)


def demo_provenance(first: date, last: date) -> Provenance:
    """The demo: real 30-day downloads and likes recorded on the Hub, the rest made up."""
    span = f"{first:%d %b} – {last:%d %b %Y}"
    return Provenance(
        kind="demo",
        chart_source=f"DEMO, not live data: Hub numbers recorded {span}, replayed by a fake Hub; "
        "all-time downloads and derivatives are synthetic",
        recorded=(first, last),
        synthetic=DEMO_SYNTHETIC,
    )
