"""PNG charts for the weekly report (matplotlib, Agg backend, no display needed).

Every chart has a title, axis labels and a footnote with source and as-of time. A family keeps
the same colour in every chart; the colour's hue tells its origin (warm: China, cool: US,
grey-violet: elsewhere) and lines of Chinese families are solid, US ones dashed.

Charts must read right from the first snapshot on: a date axis always spans at least a week
around the data and names the year; one day of data is drawn as points or bars, never as a
line or area of zero width. Model ids and other Hub strings are drawn as plain text
(`text.parse_math` off): an id like `a/$x^2$` would otherwise be parsed as mathtext.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from .analysis import daily_totals, shares
from .config import Config
from .formatting import human, when
from .report import CHART_FILES, Report

PALETTES = {
    "CN": ["#d62728", "#ff7f0e", "#8c564b", "#e377c2", "#bcbd22", "#f4a582", "#b2182b"],
    "US": ["#1f77b4", "#2ca02c", "#17becf", "#393b79", "#637939", "#6b6ecf", "#9ecae1"],
}
OTHER_PALETTE = ["#9467bd", "#7f7f7f", "#c5b0d5", "#525252"]
ORIGIN_COLORS = {"CN": "#d62728", "US": "#1f77b4"}
LINESTYLES = {"CN": "-", "US": "--"}
SOURCE = "Source: Hugging Face Hub API, collected by hf-popularity-monitor"
DPI = 110
FOOTNOTE_WIDTH = 170  # characters of a footnote line at the charts' size
MIN_DATE_SPAN = timedelta(days=7)  # narrower, and one day of data spans "years" of axis

P = ParamSpec("P")
R = TypeVar("R")


def plain_text(draw: Callable[P, R]) -> Callable[P, R]:
    """Run a drawing function with mathtext off, so `$` in Hub strings stays a dollar sign."""

    @wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context({"text.parse_math": False}):
            return draw(*args, **kwargs)

    return wrapper


def family_colors(config: Config) -> dict[str, str]:
    """One stable colour per family, by origin and config order."""
    used: dict[str, int] = {}
    colors = {}
    for family in config.families:
        palette = PALETTES.get(family.origin, OTHER_PALETTE)
        key = family.origin if family.origin in PALETTES else "other"
        n = used.get(key, 0)
        used[key] = n + 1
        colors[family.id] = palette[n % len(palette)]
    return colors


def origin_color(origin: str) -> str:
    return ORIGIN_COLORS.get(origin, OTHER_PALETTE[0])


def _figure(width: float = 10, height: float = 5.6) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.grid(True, which="major", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def footnote_text(source: str, note: str = "", width: int = FOOTNOTE_WIDTH) -> str:
    """The source line (wrapped: a list of imported files can be long) and the chart's note."""
    lines = textwrap.wrap(source, width) or [""]
    return "\n".join(lines + ([note] if note else []))


def _finish(fig: Figure, as_of: datetime, note: str = "", source: str = SOURCE) -> Figure:
    footnote = footnote_text(f"{source} · as of {when(as_of)}", note)
    lines = footnote.count("\n") + 1
    fig.text(0.01, 0.01, footnote, fontsize=7.5, color="#555555", va="bottom")
    fig.tight_layout(rect=(0, 0.02 + 0.02 * lines, 1, 1))
    return fig


@plain_text
def save_chart(fig: Figure, path: Path) -> Path:
    """Write the PNG and free the figure (tick labels are made here, so also plain text)."""
    fig.savefig(path)
    plt.close(fig)
    return path


def _date_axis(ax: Axes, days: pd.DatetimeIndex, pad: float = 0.5) -> None:
    """Day ticks over at least a week, and the year(s) in the axis label."""
    first, last = days.min().to_pydatetime(), days.max().to_pydatetime()
    span = max(last - first, MIN_DATE_SPAN)
    middle = first + (last - first) / 2
    left, right = middle - span / 2, middle + span / 2
    ax.set_xlim(date2num(left) - pad, date2num(right) + pad)
    step = max(1, math.ceil((span.days + 1) / 8))
    ax.xaxis.set_major_locator(DayLocator(interval=step))
    ax.xaxis.set_major_formatter(DateFormatter("%d %b"))
    years = sorted({left.year, right.year})
    ax.set_xlabel(f"date (UTC, {'–'.join(str(y) for y in years)})")


def _labels(config: Config) -> dict[str, str]:
    return {f.id: f"{f.label} · {f.origin}" for f in config.families}


def _family_lines(table: pd.DataFrame, config: Config, ax: Axes) -> None:
    colors = family_colors(config)
    origins = {f.id: f.origin for f in config.families}
    labels = _labels(config)
    last = table.ffill().iloc[-1].sort_values(ascending=False)
    for family in last.index:  # legend in order of the latest value
        series = table[family].dropna()
        if series.empty:
            continue
        single = len(series) == 1  # one day: a point; a line needs two
        ax.plot(
            series.index,
            series.values,
            color=colors.get(family, "#333333"),
            linestyle="none" if single else LINESTYLES.get(origins.get(family, ""), ":"),
            linewidth=2,
            marker="o" if len(series) < 12 else None,
            markersize=7 if single else 3,
            label=labels.get(family, family),
        )
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    _date_axis(ax, pd.DatetimeIndex(table.index))


class _LogTicks(LogLocator):
    """1-2-5 ticks, so short ranges still get labels; whole decades when the range is too wide
    for them (matplotlib's LogLocator then thins decades and, with `subs`, places no tick)."""

    def __init__(self) -> None:
        super().__init__(base=10, subs=(1.0, 2.0, 5.0))

    def tick_values(self, vmin: float, vmax: float) -> Any:
        ticks = super().tick_values(vmin, vmax)
        if len(ticks):
            return ticks
        decades = LogLocator(base=10, numticks=self.numticks)
        decades.set_axis(self.axis)
        return decades.tick_values(vmin, vmax)


def _log_axis(ax: Axes) -> None:
    """Log scale with ticks labelled like 20M (see `_LogTicks`)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(_LogTicks())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: human(v)))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _family_series(
    table: pd.DataFrame,
    config: Config,
    as_of: datetime,
    source: str,
    labels: tuple[str, str],
    note: str,
) -> Figure:
    """One line per family over days, on a log axis (families span orders of magnitude);
    `labels` are the measure's name in the title and on the axis."""
    fig, ax = _figure()
    _family_lines(table, config, ax)
    _log_axis(ax)
    title, axis = labels
    ax.set_title(f"{title} by family (sum of each family's observed models)", loc="left")
    ax.set_ylabel(f"{axis} (log scale)")
    styles = (
        "Solid lines: China · dashed: US · dotted: elsewhere."
        if len(table.index) > 1
        else "One day of data: a point per family (lines from the second day)."
    )
    return _finish(fig, as_of, f"{styles} {note}", source)


@plain_text
def draw_family_downloads(
    table: pd.DataFrame, config: Config, as_of: datetime, source: str = SOURCE
) -> Figure:
    return _family_series(
        table, config, as_of, source, ("30-day downloads", "downloads in the last 30 days"),
        "Only the models observed each day are summed.",
    )  # fmt: skip


@plain_text
def draw_likes(
    table: pd.DataFrame, config: Config, as_of: datetime, source: str = SOURCE
) -> Figure:
    return _family_series(table, config, as_of, source, ("Likes", "likes"), "Likes can go down.")


@plain_text
def draw_origin_share(table: pd.DataFrame, as_of: datetime, source: str = SOURCE) -> Figure:
    """Stacked shares of 30-day downloads by origin country, per day.

    Areas from three days on; with one or two days of data, one stacked bar per day.
    """
    fig, ax = _figure(10, 5)
    order = [o for o in ("CN", "US") if o in table.columns] + sorted(
        c for c in table.columns if c not in ("CN", "US")
    )
    shares = table[order].fillna(0)
    colors = [
        origin_color(o) if i < 2 or o in ORIGIN_COLORS else OTHER_PALETTE[i % 4]
        for i, o in enumerate(order)
    ]
    days = pd.DatetimeIndex(shares.index)
    bars = len(days) < 3
    if bars:
        bottom = pd.Series(0.0, index=shares.index)
        for origin, color in zip(order, colors, strict=True):
            ax.bar(days, shares[origin], width=0.6, bottom=bottom, color=color, alpha=0.85,
                   label=origin)  # fmt: skip
            bottom = bottom + shares[origin]
    else:
        ax.stackplot(days, [shares[o].values for o in order], labels=order, colors=colors,
                     alpha=0.85)  # fmt: skip
    _date_axis(ax, days, pad=0.5 if bars else 0.0)
    # Latest shares written just right of the last day, inside the axes.
    label_x = date2num(days[-1].to_pydatetime()) + (0.35 if bars else 0.0)
    last = shares.iloc[-1]
    bottom_share = 0.0
    for origin in order:
        if last[origin] > 0.04:
            ax.text(label_x, bottom_share + last[origin] / 2, f" {origin} {last[origin]:.0%}",
                    va="center", fontsize=9)  # fmt: skip
        bottom_share += last[origin]
    if not bars:  # room for the labels right of the area
        left, right = ax.get_xlim()
        ax.set_xlim(left, right + (right - left) * 0.08)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Share of the watched families' 30-day downloads, by origin", loc="left")
    ax.set_ylabel("share of watched total")
    ax.legend(
        fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False
    )  # beside, not over the areas
    return _finish(
        fig, as_of, "Origin is the country of the organisation that publishes the model.", source
    )


@plain_text
def draw_top_models(
    top: pd.DataFrame, config: Config, as_of: datetime, source: str = SOURCE
) -> Figure:
    colors = family_colors(config)
    labels = _labels(config)
    rows = top.iloc[::-1]
    fig, ax = _figure(10, max(4.0, 0.34 * len(rows) + 1.6))
    ax.barh(
        rows["model_id"],
        rows["downloads_30d"].astype(float),
        color=[colors.get(f, "#999999") for f in rows["family"]],
    )
    for y, value in enumerate(rows["downloads_30d"].astype(float)):
        ax.text(value, y, f" {human(value)}", va="center", fontsize=8)
    ax.set_xlim(0, float(rows["downloads_30d"].max()) * 1.12)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: human(v)))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"Top {len(rows)} watched models by 30-day downloads", loc="left")
    ax.set_xlabel("downloads in the last 30 days")
    ax.set_ylabel("model")
    present = list(dict.fromkeys(top["family"]))
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors.get(f, "#999999")) for f in present]
    ax.legend(
        handles, [labels.get(f, f) for f in present], fontsize=8, loc="lower right", frameon=True
    )
    return _finish(fig, as_of, source=source)


@plain_text
def draw_hub_share(
    standing: pd.DataFrame, top_n: int, config: Config, as_of: datetime, source: str = SOURCE
) -> Figure:
    """Each watched family's share of the Hub's top-N 30-day downloads, and everyone else's."""
    colors = family_colors(config)
    labels = _labels(config)
    present = standing[standing["top_n"] > 0].sort_values("share")
    others = 1.0 - float(present["share"].sum())
    names = ["not watched (all other models)"] + [labels.get(str(f), str(f)) for f in present.index]
    values = [others, *present["share"].astype(float)]
    fig, ax = _figure(10, max(3.5, 0.38 * len(values) + 1.6))
    bars = ax.barh(
        names, values, color=["#bbbbbb"] + [colors.get(str(f), "#999999") for f in present.index]
    )
    notes = [""] + [f"  best #{int(r)}" for r in present["best_rank"]]
    for bar, value, note in zip(bars, values, notes, strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.1%}{note}",
                va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(0, max(values) * 1.25)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(f"Share of the Hub's top-{top_n:,} 30-day downloads", loc="left")
    ax.set_xlabel(f"share of the downloads of the Hub's {top_n:,} most downloaded models")
    ax.set_ylabel("watched family")
    return _finish(
        fig,
        as_of,
        "Official repositories only. 'best #' is the family's best-ranked model on the whole Hub.",
        source,
    )


@plain_text
def draw_ecosystem(
    eco: pd.DataFrame, config: Config, as_of: datetime, source: str = SOURCE
) -> Figure:
    """Official vs third-party-derivative 30-day downloads per family (stacked bars)."""
    labels = _labels(config)
    rows = eco.assign(official=eco["official"].astype(float).fillna(0.0))
    rows = rows.assign(total=rows["official"] + rows["ecosystem"].astype(float)).sort_values(
        "total"
    )
    names = [labels.get(str(f), str(f)) for f in rows.index]
    fig, ax = _figure(10, max(3.5, 0.38 * len(rows) + 1.6))
    ax.barh(names, rows["official"], color="#4c72b0", label="official repositories")
    ax.barh(names, rows["ecosystem"].astype(float), left=rows["official"],
            color="#dd8452", label="third-party derivatives of the base models")  # fmt: skip
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: human(v)))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("30-day downloads: official repositories and their ecosystem", loc="left")
    ax.set_xlabel("downloads in the last 30 days")
    ax.set_ylabel("family")
    ax.legend(fontsize=8, loc="lower right", frameon=True)
    return _finish(
        fig,
        as_of,
        "Derivatives: direct children of each family's top base models, each counted once.",
        source,
    )


def render_week_charts(
    report: Report, frame: pd.DataFrame, config: Config, folder: Path
) -> list[Path]:
    """A week's PNGs in `folder`, each under its `CHART_FILES` name, those with data to show;
    `frame` is the week's classified snapshots (`report.read_week`)."""
    until = report.as_of
    source = report.source.chart_source
    paths = []

    def save(name: str, figure: Figure) -> None:
        paths.append(save_chart(figure, folder / CHART_FILES[name]))

    downloads = daily_totals(frame, "downloads_30d", until, by=("family", "origin"))
    if not downloads["family"].empty:
        save("families", draw_family_downloads(downloads["family"], config, until, source))
        save("origins", draw_origin_share(shares(downloads["origin"]), until, source))
    if not report.top.empty:
        save("top", draw_top_models(report.top, config, until, source))
    likes = daily_totals(frame, "likes", until)["family"]
    if not likes.empty:
        save("likes", draw_likes(likes, config, until, source))
    context = report.context
    if context is not None and "all" in context.ranks:
        standing, top_n = context.ranks["all"], context.top_n["all"]
        save("hub", draw_hub_share(standing, top_n, config, until, source))
    if context is not None and not context.ecosystem.empty:
        save("ecosystem", draw_ecosystem(context.ecosystem, config, until, source))
    return paths
