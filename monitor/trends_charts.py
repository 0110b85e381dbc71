"""PNG charts of the trend report: the verdict timeline, family shares and origin shares.

Same conventions as the weekly charts (`charts`): a family keeps its colour, China solid and
the US dashed, source and as-of time in the footnote. Date axes name their years, and the
article's date is marked — or, when it lies before the data, an arrow says how far before.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from .charts import DPI, LINESTYLES, SOURCE, family_colors, origin_color
from .config import Config
from .trends import describe_span, share_table
from .trends_report import Trends

VERDICT_COLORS = {"supported": "#2ca02c", "not_supported": "#d62728", "inconclusive": "#bbbbbb"}
VERDICT_WORDS = {
    "supported": "supported",
    "not_supported": "not supported",
    "inconclusive": "inconclusive",
}
FAMILY_LINES = 8  # families drawn in the share chart: those with the largest peak share
CHART_FILES = ("verdict_timeline.png", "family_shares.png", "origin_shares.png")


def render_trend_charts(trends: Trends, config: Config, folder: Path) -> list[Path]:
    return [
        plot_verdict_timeline(trends, folder / CHART_FILES[0]),
        plot_family_shares(trends, config, folder / CHART_FILES[1]),
        plot_origin_shares(trends, folder / CHART_FILES[2]),
    ]


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _finish(fig: Figure, path: Path, as_of: datetime, note: str) -> Path:
    fig.text(
        0.01,
        0.01,
        f"{SOURCE} · as of {as_of:%Y-%m-%d %H:%M} UTC\n{note}",
        fontsize=8,
        color="#555555",
        va="bottom",
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return path


def _date_axis(ax: Axes, first: datetime, last: datetime) -> None:
    """Dates with their years; a little room either side so one period is still a shape."""
    pad = max((last - first) * 0.03, pd.Timedelta(days=4))
    ax.set_xlim(first - pad, last + pad)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    short = (last - first).days < 62  # day ticks on short spans, month ticks on long ones
    ax.xaxis.set_major_formatter(
        mdates.DateFormatter("%-d %b\n%Y" if short else "%b\n%Y", tz=mdates.UTC)
    )


def _mark_article(ax: Axes, trends: Trends, first: datetime, last: datetime) -> None:
    """Shade the article's date, or point left to it when it lies before the data."""
    spans = {h.article for h in trends.histories}
    for start, end in spans:
        label = f"article: {describe_span((start, end))}"
        if _utc(end) <= first:
            weeks = (first.date() - end).days // 7
            ax.annotate(
                f"◀ {label}, {weeks} weeks before the first data",
                xy=(0.0, 1.0),
                xycoords="axes fraction",
                xytext=(2, 4),
                textcoords="offset points",
                fontsize=9,
                color="#444444",
                va="bottom",
            )
        elif _utc(start) <= last:
            # behind the data, and outlined so it shows on top of solid blocks too
            ax.axvspan(_utc(start), _utc(end), color="#f2c14e", alpha=0.35, lw=0, zorder=0)  # type: ignore[arg-type]
            ax.axvspan(_utc(start), _utc(end), fill=False, edgecolor="#8a6d00", lw=1.5,  # type: ignore[arg-type]
                       zorder=3)  # fmt: skip
            ax.text(mdates.date2num(_utc(start)), 1.0, f" {label}", transform=ax.get_xaxis_transform(),
                    fontsize=9, va="bottom", color="#444444")  # fmt: skip


def _mark_references(ax: Axes, trends: Trends, by: str, first: datetime, last: datetime) -> int:
    """Number the published figures that speak about these groups where they fall on the
    axis (the numbers of the report's list; one label per date); returns how many."""
    numbers: dict[datetime, list[str]] = {}
    for n, comparison in enumerate(trends.comparisons, start=1):
        kind, _, spec = comparison.point.compare.partition(":")
        group = spec.replace(">", "/").partition("/")[0]
        when = _utc(comparison.point.day)
        about = kind in ("order", "ratio") and (group in trends.labels) == (by == "family")
        if about and first <= when <= last:
            numbers.setdefault(when, []).append(str(n))
    for i, (when, labels) in enumerate(sorted(numbers.items())):
        ax.axvline(when, color="#777777", linestyle=":", linewidth=1)  # type: ignore[arg-type]
        height = 0.98 - 0.05 * (i % 2)  # neighbours a fortnight apart stay legible
        ax.text(mdates.date2num(when), height, f" [{', '.join(labels)}]",
                transform=ax.get_xaxis_transform(), fontsize=8, color="#555555", va="top")  # fmt: skip
    return sum(len(labels) for labels in numbers.values())


def _utc(day: date) -> datetime:
    return pd.Timestamp(day, tz="UTC").to_pydatetime()


def _span(trends: Trends) -> tuple[datetime, datetime]:
    judged = trends.judged
    return judged[0].period.start, judged[-1].period.end


def _points_span(table: pd.DataFrame) -> tuple[datetime, datetime]:
    """Share charts plot each period at its start: the axis ends at the last one."""
    return table.index.min().to_pydatetime(), table.index.max().to_pydatetime()


def plot_verdict_timeline(trends: Trends, path: Path) -> Path:
    """One row per claim, one coloured block per period: the whole story in one picture."""
    histories = trends.histories
    fig, ax = _figure(11, 1.1 * len(histories) + 2.4)
    first, last = _span(trends)
    for row, h in enumerate(histories):
        y = len(histories) - 1 - row
        blocks: dict[str, list[tuple[float, float]]] = {v: [] for v in VERDICT_COLORS}
        for r in trends.judged:  # one call per colour: hundreds of weeks stay fast
            start, end = mdates.date2num(r.period.start), mdates.date2num(r.period.end)
            blocks[r.outcomes[h.claim.id].verdict].append((start, end - start))
        for verdict, spans in blocks.items():
            ax.broken_barh(spans, (y - 0.38, 0.76), facecolors=VERDICT_COLORS[verdict],
                           edgecolor="white", linewidth=0.5)  # fmt: skip
        if h.now is not None:
            value = h.now.outcome.value
            shown = (
                ""
                if value is None
                else (f"#{int(value)}" if h.claim.kind == "rank" else f"{value:.2f}×")
            )
            shown = f" ({shown})" if shown else ""
            ax.text(mdates.date2num(last), y, f"  now: {VERDICT_WORDS[h.now.outcome.verdict]}{shown}",
                    va="center", fontsize=9, clip_on=False)  # fmt: skip
    ax.set_yticks(range(len(histories)))
    ax.set_yticklabels(
        [textwrap.fill(h.claim.statement, 30) for h in reversed(histories)], fontsize=9
    )
    ax.set_ylim(-0.6, len(histories) - 0.4)
    _date_axis(ax, first, last)
    _mark_article(ax, trends, first, last)
    ax.tick_params(axis="y", length=0)
    ax.spines[["left"]].set_visible(False)
    ax.grid(True, axis="x", alpha=0.3)
    unit = "week" if trends.every == "week" else "month"
    ax.set_title(f"Is each claim supported? One block per {unit}", loc="left", pad=18)
    ax.set_xlabel("date (UTC)")
    handles = [Patch(color=c, label=VERDICT_WORDS[v]) for v, c in VERDICT_COLORS.items()]
    handles.append(Patch(facecolor="white", edgecolor="#999999", label="no data"))
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=4, frameon=False)  # fmt: skip
    return _finish(
        fig,
        path,
        trends.as_of,
        "Verdicts use each claim's own metric and threshold (seeds/claims.yaml); 'now' is the latest period with data.",
    )


def plot_family_shares(trends: Trends, config: Config, path: Path) -> Path:
    table = share_table(trends.results, "family")
    peaks = table.max().sort_values(ascending=False)
    families = list(peaks.index[:FAMILY_LINES])
    colors = family_colors(config)
    fig, ax = _figure(11, 5.8)
    for family in families:
        series = table[family]  # NaN in periods without data: the line breaks there
        ax.plot(
            series.index,
            series.values,
            color=colors.get(family, "#333333"),
            linestyle=LINESTYLES.get(trends.origins.get(family, ""), ":"),
            linewidth=2,
            marker="o",
            markersize=3.5,
            label=f"{trends.labels.get(family, family)} · {trends.origins.get(family, '')}",
        )
    first, last = _points_span(table)
    _shares_axes(ax, first, last)
    _mark_article(ax, trends, first, last)
    refs = _mark_references(ax, trends, "family", first, last)
    ax.set_title("Share of the watched families' 30-day downloads", loc="left", pad=18)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _finish(
        fig,
        path,
        trends.as_of,
        f"Solid: China · dashed: US · dotted: elsewhere. The {len(families)} families with the largest peak share; each point is one period's cross-section."
        + (" [n]: a published figure, numbered as in the report." if refs else ""),
    )


def plot_origin_shares(trends: Trends, path: Path) -> Path:
    table = share_table(trends.results, "origin")
    fig, ax = _figure(11, 5.2)
    order = [o for o in ("CN", "US") if o in table] + sorted(
        o for o in table if o not in ("CN", "US")
    )
    names = {"CN": "China", "US": "United States"}
    for origin in order:
        series = table[origin]
        ax.plot(
            series.index,
            series.values,
            color=origin_color(origin),
            linestyle=LINESTYLES.get(origin, ":"),
            linewidth=2.4 if origin in names else 1.5,
            marker="o",
            markersize=3.5,
            label=names.get(origin, origin),
        )
    first, last = _points_span(table)
    _shares_axes(ax, first, last)
    _mark_article(ax, trends, first, last)
    refs = _mark_references(ax, trends, "origin", first, last)
    ax.set_title("Share of the watched 30-day downloads by origin", loc="left", pad=18)
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _finish(
        fig,
        path,
        trends.as_of,
        "Origin: the country of the organisation that publishes the model."
        + (" [n]: a published figure, numbered as in the report." if refs else ""),
    )


def _shares_axes(ax: Axes, first: datetime, last: datetime) -> None:
    _date_axis(ax, first, last)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("start of the period (UTC)")
    ax.set_ylabel("share of the watched total")
