"""Write stored snapshots as CSV, JSON Lines or Parquet — the simplest way into pandas."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from .analysis import classify_frame
from .config import Config
from .errors import UsageError
from .store import Store

FORMATS = ("csv", "jsonl", "parquet")
COLUMNS = [
    "observed_at",
    "model_id",
    "author",
    "family",
    "origin",
    "downloads_30d",
    "downloads_all_time",
    "likes",
    "trending_score",
]


def export_frame(store: Store, config: Config) -> pd.DataFrame:
    """Every snapshot, one row per model and observation, families as the config says today."""
    frame = classify_frame(store.snapshots_frame(), config)
    return frame[COLUMNS].reset_index(drop=True)


def write_export(
    frame: pd.DataFrame, fmt: str, out: Path | None, stdout: TextIO = sys.stdout
) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    frame = frame.copy()
    frame["observed_at"] = frame["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "parquet":
        if out is None:
            raise UsageError("parquet is binary: give --out FILE")
        try:
            frame.to_parquet(out, index=False)
        except ImportError:
            raise UsageError("parquet export needs pyarrow: pip install pyarrow") from None
        return
    buffer = io.StringIO()
    if fmt == "csv":
        frame.to_csv(buffer, index=False, lineterminator="\n")
    else:
        frame.to_json(buffer, orient="records", lines=True, force_ascii=False)
    text = buffer.getvalue()
    if out is None:
        stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
