"""Charts read right with one snapshot, two, and a year of them; Hub strings stay plain text.

Checked through the figures' axes and artists (limits, labels, what was drawn), and each
chart is also written as a PNG so rendering itself runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from monitor import charts
from monitor.config import Config, load_config

from .conftest import REPO

AS_OF = datetime(2026, 8, 22, 12, 40, tzinfo=UTC)


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO / "config.yaml")


def daily(
    days: int, columns: dict[str, float], last: str = "2026-08-22", growth: float = 1.0
) -> pd.DataFrame:
    """`days` UTC days ending on `last`, each column growing by `growth` a day from its value."""
    index = pd.date_range(end=last, periods=days, freq="D", tz="UTC")
    return pd.DataFrame(
        {name: [value * growth**n for n in range(days)] for name, value in columns.items()},
        index=index,
    )


FAMILIES = {"qwen": 2.8e8, "llama": 3.0e7, "mistral": 9.0e6}
ORIGINS = {"CN": 0.74, "US": 0.24, "FR": 0.02}


def saved(fig: Figure, tmp_path: Path) -> Figure:
    path = charts.save_chart(fig, tmp_path / "chart.png")
    assert path.stat().st_size > 10_000
    return fig


def day(text: str) -> float:
    return float(date2num(datetime.fromisoformat(text)))


@pytest.mark.parametrize(
    ("days", "left", "right"),
    [
        # one day: a week centred on it, plus half a day either side
        (1, "2026-08-18", "2026-08-26"),
        # two days: a week centred between them
        (2, "2026-08-17T12:00", "2026-08-25T12:00"),
        # a year: the data, half a day either side
        (365, "2025-08-22T12:00", "2026-08-22T12:00"),
    ],
)
def test_family_charts_span_the_data_with_years_named(
    config: Config, tmp_path: Path, days: int, left: str, right: str
) -> None:
    table = daily(days, FAMILIES, growth=1.01)
    for draw in (charts.draw_family_downloads, charts.draw_likes):
        ax = saved(draw(table, config, AS_OF), tmp_path).axes[0]
        assert ax.get_xlim() == pytest.approx((day(left), day(right)))
        years = "2025–2026" if days == 365 else "2026"
        assert ax.get_xlabel() == f"date (UTC, {years})"
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(lines) == {"Qwen (Alibaba) · CN", "Llama (Meta) · US", "Mistral · FR"}
        for line in lines.values():
            assert len(line.get_xdata()) == days
            # one day is a point, not a line of zero length
            assert (line.get_linestyle() == "None") == (days == 1)
            assert line.get_marker() == ("o" if days < 12 else "None")
        assert 3 <= len(ax.get_xticks()) <= 10  # day ticks, not one per year
        footnote = ax.figure.texts[0].get_text()
        assert ("Solid lines: China" in footnote) == (days > 1)
        assert ("One day of data: a point per family" in footnote) == (days == 1)


@pytest.mark.parametrize("days", [1, 2, 365])
def test_origin_share_is_bars_for_a_day_or_two_and_areas_after(tmp_path: Path, days: int) -> None:
    ax = saved(charts.draw_origin_share(daily(days, ORIGINS), AS_OF), tmp_path).axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    areas = [c for c in ax.collections if isinstance(c, PolyCollection)]
    if days < 3:
        assert len(bars) == 3 * days and areas == []
        # stacked: each day's bars reach 100 %
        tops = sorted({round(b.get_y() + b.get_height(), 6) for b in bars})
        assert tops[-1] == pytest.approx(1.0)
    else:
        assert bars == [] and len(areas) == 3
    assert ax.get_xlabel().startswith("date (UTC, ")
    # the latest shares are labelled, and the labels lie inside the plot
    labels = {t.get_text().strip(): t for t in ax.texts}
    assert set(labels) == {"CN 74%", "US 24%"}
    low, high = ax.get_xlim()
    for text in labels.values():
        assert low < text.get_position()[0] < high


HOSTILE_IDS = ["evil/$\\frac{1}{$", "dollar/$x^2$-7B", "plain/Qwen3-8B"]


def test_model_ids_with_dollar_signs_are_drawn_as_plain_text(
    config: Config, tmp_path: Path
) -> None:
    top = pd.DataFrame(
        {
            "model_id": HOSTILE_IDS,
            "family": ["qwen", "llama", "qwen"],
            "downloads_30d": [3_000_000, 2_000_000, 1_000_000],
        }
    )
    fig = saved(charts.draw_top_models(top, config, AS_OF), tmp_path)
    labels = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert sorted(t.get_text() for t in labels) == sorted(HOSTILE_IDS)
    assert not any(t.get_parse_math() for t in labels)


def test_every_chart_footnote_carries_its_source(config: Config, tmp_path: Path) -> None:
    source = "DEMO data: recorded Hub numbers of 7–22 Aug 2026 served by a fake Hub"
    fig = saved(charts.draw_origin_share(daily(1, ORIGINS), AS_OF, source), tmp_path)
    footnotes = [t.get_text() for t in fig.texts]
    assert footnotes[0].startswith(f"{source} · as of 2026-08-22 12:40 UTC")


def _visible_tick_labels(fig: Figure) -> list[str]:
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = ax.get_ylim()
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    return [label.get_text() for value, label in ticks if low <= value <= high]


@pytest.mark.parametrize(
    ("families", "labels"),
    [
        # a few decades: 1-2-5 ticks
        (FAMILIES, ["10M", "20M", "50M", "100M", "200M"]),
        # an imported 10^15 beside hundreds: every other decade, still labelled
        ({"qwen": 1e15, "llama": 300.0}, ["100", "10k", "1M", "100M", "10B", "1T", "100T"]),
    ],
)
def test_log_axes_label_their_ticks_however_wide_the_range(
    config: Config, tmp_path: Path, families: dict[str, float], labels: list[str]
) -> None:
    for draw in (charts.draw_family_downloads, charts.draw_likes):
        assert _visible_tick_labels(saved(draw(daily(10, families), config, AS_OF), tmp_path)) == (
            labels
        )
