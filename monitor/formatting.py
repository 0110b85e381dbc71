"""Numbers in words and digits, shared by the Markdown and the charts (no plotting imports)."""

from __future__ import annotations

import math
from datetime import datetime


def human(value: float) -> str:
    """3 significant digits with k/M/B/T: 1234 → 1.23k, 2.5e9 → 2.5B."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:,.0f}{suffix}" if abs(scaled) >= 1000 else f"{scaled:.3g}{suffix}"
    return f"{value:.0f}"


def short_label(label: str) -> str:
    """A family's name for prose, without the bracketed organisation: 'Qwen (Alibaba)' → 'Qwen'."""
    return label.split(" (")[0]


def when(moment: datetime) -> str:
    """The one time format of every report, chart and index: 2026-08-22 01:15 UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def missing(value: object) -> bool:
    """None, NaN or pandas' NA: a figure the data does not have (shown as "–", stored as null)."""
    import pandas as pd  # every caller already holds pandas values; --help never comes here

    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
