#!/usr/bin/env python3
"""Rebuild `monitor/data/model-pulse-data/`, the fake Hub's copy of `modelpulse/model-pulse-data`.

The files have the source's layout and schema (see ../shared/history/SOURCES.md):
`series/YYYY-MM.parquet` (`id` string, `day` date32, `dl30` int32, `dl_all` int64, `likes`
int32; sorted by (`id`, `day`), zstd, row groups with statistics), `renames.parquet` (`old`,
`new`, `gone`, `came`) and `meta.json`. Only `series`, `renames` and `meta` exist here: the
backfill reads nothing else.

Numbers are real Hub captures from ../shared/real-data/ (never invented), one row per model and
UTC day, the first source that has the pair winning:

1. jonasneves_pulse: the Hub's top 30 by 30-day downloads (plus its small-model list), daily
   2026-02-28 … 2026-08-22, captured about 21:05 UTC;
2. silverheart-seoultech_trendings: the top 30 trending, daily 2026-03-30 … 2026-08-22;
3. namhyeokwoo_huggingface-trending: ~530 models by likes and downloads, 2026-08-07 … 08-22
   (its KST date is the UTC date of the capture, taken about 01:15 UTC).

`dl_all` is null except on 2026-06-13 for the three models whose all-time counts were captured
that day (spot_points). Row groups hold ROW_GROUP rows (the source: 200,000) so that even these
small files have several groups and the backfill's pruning by `id` statistics can be tested.

Defects injected on purpose, as the source has them (tests check the cleaning against these):

* SKIP_DAY: rows kept, day listed in `skip_days` (a stall day, as on the source's Wednesdays);
* PARTIAL_DAY: only the first third of that day's rows (by id) kept, listed in `partial` and
  `skip_days` (as the source's 2025-11-24);
* GAP_DAYS: no rows at all and absent from `days` (the source's gaps);
* DUPLICATE: one (id, day) row written twice;
* RENAME: `zai-org/chatglm3-6b` written as its old id `THUDM/chatglm3-6b` before RENAME_DAY,
  both ids on RENAME_DAY (the source's two histories), recorded in `renames.parquet`.

    python scripts/build-history-fixture.py
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.fakehub import series_schema  # noqa: E402  (the layout the fake Hub serves)

REAL = REPO.parent / "shared/real-data"
TARGET = REPO / "monitor/data/model-pulse-data"
ROW_GROUP = 200

SKIP_DAY = date(2026, 5, 13)
PARTIAL_DAY = date(2026, 6, 24)
GAP_DAYS = (date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3))
DUPLICATE = ("Qwen/Qwen3-8B", date(2026, 7, 7))
RENAME = ("THUDM/chatglm3-6b", "zai-org/chatglm3-6b")
RENAME_DAY = date(2026, 8, 15)

SCHEMA = series_schema()
RENAMES_SCHEMA = pa.schema(
    [("old", pa.string()), ("new", pa.string()), ("gone", pa.date32()), ("came", pa.date32())]
)

Row = tuple[str, date, int, int | None, int]


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def utc_day(stamp: str) -> date:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC).date()


def collect_rows() -> dict[tuple[str, date], Row]:
    """Every real (model, UTC day) pair, the first source's numbers winning."""
    sources = [
        (
            REAL / "jonasneves_pulse/hf_top30_downloads_daily_2026-02-28_2026-08-22.csv",
            "updated_at",
        ),
        (
            REAL
            / "silverheart-seoultech_trendings/hf_trending_top30_daily_2026-03-30_2026-08-22.csv",
            "last_updated",
        ),
        (
            REAL / "namhyeokwoo_huggingface-trending/"
            "hf_top_likes_downloads_daily_2026-08-07_2026-08-22.csv",
            "fetched_at",
        ),
    ]
    rows: dict[tuple[str, date], Row] = {}
    for path, stamp in sources:
        for line in read_csv(path):
            day = utc_day(line[stamp])
            key = (line["model_id"], day)
            if key not in rows:
                rows[key] = (key[0], day, int(line["downloads_30d"]), None, int(line["likes"]))
    spots = REAL / "spot_points/hf_spot_points_TRANSCRIBED.csv"
    for line in read_csv(spots):
        if line["downloads_all_time"] and len(line["observed_at"]) == 10:
            key = (line["model_id"], date.fromisoformat(line["observed_at"]))
            if key in rows and rows[key][2] == int(line["downloads_30d"]):
                model, day, dl30, _, likes = rows[key]
                rows[key] = (model, day, dl30, int(line["downloads_all_time"]), likes)
    return rows


def inject_defects(rows: dict[tuple[str, date], Row]) -> list[Row]:
    out = [r for r in rows.values() if r[1] not in GAP_DAYS]
    partial = sorted(r for r in out if r[1] == PARTIAL_DAY)
    dropped = set(partial[len(partial) // 3 :])
    out = [r for r in out if r not in dropped]
    old, new = RENAME
    renamed = []
    for r in out:
        if r[0] == new and r[1] < RENAME_DAY:
            renamed.append((old, *r[1:]))
        else:
            renamed.append(r)
            if r[0] == new and r[1] == RENAME_DAY:
                renamed.append((old, *r[1:]))
    duplicate = rows[DUPLICATE]
    return [*renamed, duplicate]


def write_month(rows: list[Row], path: Path) -> None:
    rows = sorted(rows, key=lambda r: (r[0], r[1]))
    columns = list(zip(*rows, strict=True))
    table = pa.table([pa.array(c, t) for c, t in zip(columns, SCHEMA.types, strict=True)], SCHEMA)
    pq.write_table(table, path, row_group_size=ROW_GROUP, compression="zstd", write_statistics=True)


def main() -> None:
    rows = inject_defects(collect_rows())
    series = TARGET / "series"
    series.mkdir(parents=True, exist_ok=True)
    for old in series.glob("*.parquet"):
        old.unlink()
    months: dict[str, list[Row]] = {}
    for r in rows:
        months.setdefault(f"{r[1]:%Y-%m}", []).append(r)
    for month, month_rows in sorted(months.items()):
        write_month(month_rows, series / f"{month}.parquet")
    old, new = RENAME
    pq.write_table(
        pa.table(
            [[old], [new], [RENAME_DAY - timedelta(days=1)], [RENAME_DAY]], schema=RENAMES_SCHEMA
        ),
        TARGET / "renames.parquet",
    )
    days = sorted({r[1] for r in rows})
    meta = {
        "days": [d.isoformat() for d in days],
        "skip_days": [SKIP_DAY.isoformat(), PARTIAL_DAY.isoformat()],
        "partial": [PARTIAL_DAY.isoformat()],
        "low_days": [],
        "short_days": [],
        "frozen": {},
        "rollback": None,
        "snapshot_at": f"{days[-1].isoformat()}T21:05:00Z",
    }
    (TARGET / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"{TARGET}: {len(rows)} rows in {len(months)} months, {total:,} bytes")


if __name__ == "__main__":
    main()
