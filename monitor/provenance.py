"""Where a report's numbers come from: the Hub, or the offline demo's replayed recording.

A report says it in its header, in every chart's footnote and in `summary.json` (`source`), so
a demo's partly synthetic numbers are never passed off as live Hub data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """The origin of a report's data, in words for readers and fields for scripts."""

    kind: str  # "hub" (collected or imported Hub numbers) or "demo"
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
