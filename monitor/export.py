"""Write stored tables as CSV, JSON Lines or Parquet — the simplest way into pandas or DuckDB.

`snapshots` carry family and origin as the config says today; the Hub-wide context tables
(`ranks`, `derivatives`, `ecosystem`) carry the family of their model where it is watched.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TextIO

import pandas as pd

from .analysis import classify_frame
from .config import Config
from .errors import UsageError
from .store import Store, derivatives, ecosystem, hub_ranks

FORMATS = ("csv", "jsonl", "parquet")
TABLES = ("snapshots", "ranks", "derivatives", "ecosystem")
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
    "source",  # the kind of run that stored the snapshot: collect, import or backfill
]


def export_frame(store: Store, config: Config, table: str = "snapshots") -> pd.DataFrame:
    """One stored table, oldest first; snapshots one row per model and observation."""
    if table == "snapshots":
        frame = classify_frame(store.snapshots_frame(), config)
        frame["source"] = frame["run_kind"]
        return frame[COLUMNS].reset_index(drop=True)
    if table not in TABLES:
        raise UsageError(f"unknown table {table!r} (choose {', '.join(TABLES)})")
    source = {"ranks": hub_ranks, "derivatives": derivatives, "ecosystem": ecosystem}[table]
    frame = store.context_frame(source)
    if table == "ranks":  # ranked models carry no stored family: the config's, as for snapshots
        frame = classify_frame(frame, config)
    return frame.reset_index(drop=True)


def write_export(
    frame: pd.DataFrame, fmt: str, out: Path | None, stdout: TextIO | None = None
) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (choose {', '.join(FORMATS)})")
    frame = frame.copy()
    if fmt == "parquet":  # a typed format: times stay timestamps (UTC), not text
        if out is None:
            raise UsageError("parquet is binary: give --out FILE")
        frame["observed_at"] = frame["observed_at"].dt.tz_convert("UTC")
        frame.to_parquet(out, index=False)
        return
    frame["observed_at"] = frame["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    buffer = io.StringIO()
    if fmt == "csv":
        neutralise_formulas(frame).to_csv(buffer, index=False, lineterminator="\n")
    else:
        frame.to_json(buffer, orient="records", lines=True, force_ascii=False)
    text = buffer.getvalue()
    if out is None:
        # sys.stdout looked up now, not at import: it may have been replaced since (tests)
        (stdout or sys.stdout).write(text)
    else:
        out.write_text(text, encoding="utf-8")


# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with `'` (CSV only).

    Hub strings (ids, authors, tags) are chosen by strangers; numbers are left alone, so a
    negative count stays a number.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype != object and not pd.api.types.is_string_dtype(out[column]):
            continue
        out[column] = out[column].map(_quote_formula)
    return out


def _quote_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
