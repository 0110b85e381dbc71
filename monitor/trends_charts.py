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

from .charts import DPI, LINESTYLES, family_colors, footnote_text, origin_color
from .config import Config
from .formatting import when
from .trends import MIN_FAMILIES, describe_span, share_table
from .trends_report import Trends, reference_marks

# Each state has a colour *and* a pattern, so the timeline reads without colour vision too:
# (face colour, edge/hatch colour, hatch); "no data" is left blank.
STATE_STYLES = {
    "supported": ("#2ca02c", "white", ""),
    "not_supported": ("#d62728", "#7a1010", "xx"),
    "inconclusive": ("#bbbbbb", "#666666", ".."),
    "untestable": ("white", "#888888", "///"),
}
STATE_WORDS = {
    "supported": "supported",
    "not_supported": "not supported",
    "inconclusive": "inconclusive",
    "untestable": "can't be tested (a group not in the data)",
    "no_data": "no data",
}
# Country names, not codes, in the origin chart's legend; an unknown code is shown as is.
COUNTRY_NAMES = {
    "CN": "China",
    "US": "United States",
    "FR": "France",
    "DE": "Germany",
    "GB": "United Kingdom",
    "CA": "Canada",
    "AE": "United Arab Emirates",
    "KR": "South Korea",
    "JP": "Japan",
    "IL": "Israel",
}
SMALL_PEAK = 0.10  # families whose share never reaches this get a zoomed second panel
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


def _finish(fig: Figure, path: Path, trends: Trends, note: str) -> Path:
    text = footnote_text(f"{trends.source_line} · as of {when(trends.as_of)}", note)
    fig.text(0.01, 0.01, text, fontsize=8, color="#555555", va="bottom")
    height = fig.get_figheight()  # leave room for every footnote line (0.15 inch each)
    fig.tight_layout(rect=(0, min(0.3, 0.04 + 0.15 * (text.count("\n") + 1) / height), 1, 1))
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


def _mark_references(ax: Axes, trends: Trends, by: str, label: bool = True) -> int:
    """Number the published figures about these groups where they fall on the axis (the
    numbers of the report's list; one label per date); returns how many."""
    marks = reference_marks(trends, by)
    for i, (moment, numbers) in enumerate(marks.items()):
        ax.axvline(moment, color="#777777", linestyle=":", linewidth=1)  # type: ignore[arg-type]
        if not label:
            continue
        height = 0.98 - 0.05 * (i % 2)  # neighbours a fortnight apart stay legible
        text = " [" + ", ".join(str(n) for n in numbers) + "]"
        ax.text(mdates.date2num(moment), height, text, transform=ax.get_xaxis_transform(),
                fontsize=8, color="#555555", va="top")  # fmt: skip
    return sum(len(numbers) for numbers in marks.values())


def _mark_thin(ax: Axes, trends: Trends, label: bool = True) -> int:
    """Shade the periods whose shares are not shown (too few families); returns how many."""
    thin = [r for r in trends.results if not r.empty and not r.has_shares]
    for r in thin:  # points sit at period starts: shade half a period either side
        half = (r.period.end - r.period.start) / 2
        ax.axvspan(r.period.start - half, r.period.start + half, color="#eeeeee", lw=0, zorder=0)  # type: ignore[arg-type]
    if thin and label:
        ax.text(mdates.date2num(thin[0].period.start), 0.5, " too few\n families",
                transform=ax.get_xaxis_transform(), fontsize=8, color="#777777",
                ha="center", va="center", rotation=90)  # fmt: skip
    return len(thin)


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
        blocks: dict[str, list[tuple[float, float]]] = {v: [] for v in STATE_STYLES}
        for r in trends.judged:  # one call per state: hundreds of weeks stay fast
            start, end = mdates.date2num(r.period.start), mdates.date2num(r.period.end)
            blocks[r.states[h.claim.id]].append((start, end - start))
        for state, spans in blocks.items():
            face, edge, hatch = STATE_STYLES[state]
            ax.broken_barh(spans, (y - 0.38, 0.76), facecolors=face, edgecolor=edge,
                           hatch=hatch, linewidth=0.5)  # fmt: skip
        if h.now is not None:
            value = h.now.outcome.value
            shown = (
                ""
                if value is None
                else (f"#{int(value)}" if h.claim.kind == "rank" else f"{value:.2f}×")
            )
            shown = f" ({shown})" if shown else ""
            word = STATE_WORDS[h.now.verdict].split(" (")[0]
            ax.text(mdates.date2num(last), y, f"  now: {word}{shown}",
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
    handles = [
        Patch(
            facecolor=face,
            edgecolor="#666666" if face == "white" else edge,
            hatch=hatch,
            label=STATE_WORDS[state],
        )
        for state, (face, edge, hatch) in STATE_STYLES.items()
    ]
    handles.append(Patch(facecolor="white", edgecolor="#cccccc", label="no data"))
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=5, frameon=False)  # fmt: skip
    return _finish(
        fig,
        path,
        trends,
        "Verdicts use each claim's own metric and threshold (seeds/claims.yaml); 'now' is the latest period with data.",
    )


def plot_family_shares(trends: Trends, config: Config, path: Path) -> Path:
    """All leading families on a 0–100 % axis; below, the small ones on a zoomed axis, where
    their lines can be told apart."""
    table = share_table(trends.results, "family").dropna(axis=1, how="all")
    peaks = table.max().sort_values(ascending=False)
    families = list(peaks.index[:FAMILY_LINES])
    small = [f for f in families if peaks[f] < SMALL_PEAK]
    colors = family_colors(config)
    fig, axes = plt.subplots(
        2 if small else 1, 1, figsize=(11, 8.6 if small else 5.8), dpi=DPI, sharex=True,
        squeeze=False, gridspec_kw={"height_ratios": [3, 2]} if small else None,
    )  # fmt: skip
    top = axes[0][0]
    panels = [(top, families)] + ([(axes[1][0], small)] if small else [])
    first, last = _points_span(table)
    refs = 0
    for ax, shown in panels:
        ax.spines[["top", "right"]].set_visible(False)
        for family in shown:
            series = table[family]  # NaN in periods without shares: the line breaks there
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
        _shares_axes(ax, first, last)
        _mark_thin(ax, trends, label=ax is top)
        refs = _mark_references(ax, trends, "family", label=ax is top)
    _mark_article(top, trends, first, last)
    top.set_title("Share of the watched families' 30-day downloads", loc="left", pad=18)
    top.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    if small:
        zoom = axes[1][0]
        zoom.set_ylim(0, float(peaks[small].max()) * 1.15)
        zoom.set_title(f"Zoomed: the families below {SMALL_PEAK:.0%} throughout", loc="left",
                       fontsize=10)  # fmt: skip
        top.set_xlabel("")
    return _finish(
        fig,
        path,
        trends,
        f"Solid: China · dashed: US · dotted: elsewhere. The {len(families)} families with the "
        f"largest peak share; each point is one period's cross-section; grey: fewer than "
        f"{MIN_FAMILIES} families observed, no shares."
        + (" [n]: a published figure, numbered as in the report." if refs else ""),
    )


def plot_origin_shares(trends: Trends, path: Path) -> Path:
    table = share_table(trends.results, "origin")
    fig, ax = _figure(11, 5.2)
    order = [o for o in ("CN", "US") if o in table] + sorted(
        o for o in table if o not in ("CN", "US")
    )
    for origin in order:
        series = table[origin]
        ax.plot(
            series.index,
            series.values,
            color=origin_color(origin),
            linestyle=LINESTYLES.get(origin, ":"),
            linewidth=2.4 if origin in ("CN", "US") else 1.5,
            marker="o",
            markersize=3.5,
            label=COUNTRY_NAMES.get(origin, origin),
        )
    first, last = _points_span(table)
    _shares_axes(ax, first, last)
    _mark_article(ax, trends, first, last)
    _mark_thin(ax, trends)
    refs = _mark_references(ax, trends, "origin")
    ax.set_title("Share of the watched 30-day downloads by origin", loc="left", pad=18)
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return _finish(
        fig,
        path,
        trends,
        "Origin: the country of the organisation that publishes the model. Grey: fewer than "
        f"{MIN_FAMILIES} families observed, no shares."
        + (" [n]: a published figure, numbered as in the report." if refs else ""),
    )


def _shares_axes(ax: Axes, first: datetime, last: datetime) -> None:
    _date_axis(ax, first, last)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("start of the period (UTC)")
    ax.set_ylabel("share of the watched total")
