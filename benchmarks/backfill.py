#!/usr/bin/env python3
"""What `hf-monitor backfill` transfers: bytes served by the fake Hub vs the files' size.

    python benchmarks/backfill.py            # scales 1/20 and 1/10 of a full month (~2 min)
    python benchmarks/backfill.py --quick    # scale 1/100, to check the script

A month of `modelpulse/model-pulse-data` `series` holds about 45 M rows: 1.15 B rows over the
~790 days the source has, i.e. ~1.46 M tracked models a day, times 30 days. Generating that is
too much for this machine, so each generated month keeps the watched organisations' models at
full size (WATCHED below: rough 2026 counts of their public repositories, on the high side, as
the source only tracks models with some use) and scales everyone else down by 1/SCALE. Files are
built like the source's: sorted by (id, day), zstd, 200,000-row row groups with statistics.

How the full size is extrapolated: the backfill reads the footer plus the row groups whose `id`
range can hold a watched author. At a small scale several watched authors share a group, so
fewer groups are read than at full size (the two scales show it). So the full-size figure
counts the groups a full month would have read from the ids alone (1.46 M ids laid out with
the same generator, the backfill's own selection rule, checked against the real selection at
the measured scales) and prices each at what a read group cost at the largest scale measured
(200,000 rows each, footer included). The full file size is the scaled file's non-watched part
times SCALE. Every month is taken as large as late 2026, so the 2024–2025 months (fewer
models) are over-counted: the total is an upper bound.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import string
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.backfill import (  # noqa: E402
    DATASET,
    run_backfill,
    select_row_groups,
    watched_ranges,
)
from monitor.config import load_config  # noqa: E402
from monitor.fakehub import FakeDataset, FakeHub, series_schema  # noqa: E402
from monitor.hub import build_hub  # noqa: E402
from monitor.store import open_store  # noqa: E402

MONTH = date(2026, 10, 1)
DAYS = 31
MODELS_PER_DAY = 1_460_000  # 1.15 B rows / ~790 days
ROW_GROUP = 200_000
MONTHS_TO_NOW = 29  # 2024-07 … 2026-11
WATCHED = {  # public models per watched organisation (rough, 2026)
    "Qwen": 450, "deepseek-ai": 90, "zai-org": 110, "THUDM": 80, "moonshotai": 35,
    "MiniMaxAI": 30, "meta-llama": 80, "google": 1_100, "microsoft": 500, "openai": 40,
    "nvidia": 900, "ibm-granite": 190, "mistralai": 60,
}  # fmt: skip
SCHEMA = series_schema()


def model_ids(scale: int, seed: int = 7) -> list[str]:
    """Sorted ids of one day: the watched organisations' at full size, others scaled down."""
    rng = random.Random(seed)
    letters = string.ascii_letters + string.digits
    others = (MODELS_PER_DAY - sum(WATCHED.values())) // scale
    authors = [
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 14))) for _ in range(others // 4)
    ]
    ids = {f"{rng.choice(authors)}/{_name(rng)}" for _ in range(others)}
    for author, count in WATCHED.items():
        ids.update(f"{author}/{_name(rng)}" for _ in range(count))
    return sorted(ids)


def selected_groups(models: list[str], ranges: list[tuple[str, str]]) -> tuple[int, int]:
    """(groups the backfill reads, all groups) for a month of `models` × DAYS rows sorted by id,
    worked out from the ids alone with the backfill's own rule (min < high and max >= low)."""
    rows = len(models) * DAYS
    groups = -(-rows // ROW_GROUP)
    chosen = 0
    for g in range(groups):
        first = models[g * ROW_GROUP // DAYS]
        last = models[(min((g + 1) * ROW_GROUP, rows) - 1) // DAYS]
        chosen += any(first < high and last >= low for low, high in ranges)
    return chosen, groups


def generate_month(scale: int, seed: int = 7) -> tuple[bytes, int]:
    """One month's `series` file with watched organisations at full size; (file, watched rows)."""
    models = model_ids(scale, seed)
    n = len(models)
    np_rng = np.random.default_rng(seed)
    base = np.minimum(np_rng.lognormal(4.0, 2.5, n), 2e9 / 1.5).astype(np.int64)
    noise = np_rng.normal(1.0, 0.03, (n, DAYS)).clip(0.5, 1.5)
    dl30 = (base[:, None] * noise).astype(np.int32).ravel()
    daily = np.maximum(base // 30, 0)[:, None] * np.arange(1, DAYS + 1)[None, :]
    dl_all = (base[:, None] * 8 + daily).ravel()
    likes = np.repeat((base // 2_000).astype(np.int32), DAYS)
    day0 = (MONTH - date(1970, 1, 1)).days
    table = pa.table(
        [
            pa.array(np.repeat(np.array(models, dtype=object), DAYS), pa.string()),
            pa.array(np.tile(np.arange(day0, day0 + DAYS, dtype=np.int32), n), pa.date32()),
            pa.array(dl30, pa.int32()),
            pa.array(dl_all, pa.int64()),
            pa.array(likes, pa.int32()),
        ],
        schema=SCHEMA,
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=ROW_GROUP, compression="zstd")
    watched = sum(WATCHED.values()) * DAYS
    return sink.getvalue(), watched


def _name(rng: random.Random) -> str:
    stem = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 18)))
    return f"{stem}-{rng.randint(1, 999)}B-{rng.choice(['Instruct', 'GGUF', 'base', 'chat'])}"


def measure(scale: int) -> dict[str, float]:
    started = time.perf_counter()
    data, watched_rows = generate_month(scale)
    generated = time.perf_counter() - started
    files = {
        f"series/{MONTH:%Y-%m}.parquet": data,
        "meta.json": json.dumps({"days": [], "skip_days": [], "partial": []}).encode(),
        "renames.parquet": _empty_renames(),
    }
    dataset = FakeDataset(DATASET, files)
    config = load_config(REPO / "config.yaml")
    with tempfile.TemporaryDirectory() as folder, FakeHub([]) as hub:
        hub.state.datasets[DATASET] = dataset
        store = open_store(f"sqlite:///{folder}/bench.db")
        client = build_hub(hub.url, timeout=60, page_size=1000)
        started = time.perf_counter()
        result = run_backfill(config, store, client, now=lambda: datetime.now(UTC))
        seconds = time.perf_counter() - started
        ranged = sum("/resolve/" in path and "/series/" in path for path in hub.state.requests)
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    served = sum(n for path, n in dataset.served if path.startswith("series/"))
    ranges = watched_ranges(config, {})
    chosen = len(select_row_groups(metadata, ranges))
    assert (chosen, metadata.num_row_groups) == selected_groups(model_ids(scale), ranges)
    rows = metadata.num_rows
    watched_bytes = len(data) * watched_rows / rows  # the watched share of the file, roughly
    return {
        "scale": scale,
        "rows": rows,
        "groups": metadata.num_row_groups,
        "size": len(data),
        "full_size": watched_bytes + (len(data) - watched_bytes) * scale,
        "served": served,
        "chosen": chosen,
        "requests": ranged,
        "stored": result.new_snapshots,
        "seconds": seconds,
        "generated": generated,
    }


def _empty_renames() -> bytes:
    schema = pa.schema([("old", pa.string()), ("new", pa.string())])
    sink = io.BytesIO()
    pq.write_table(pa.table([pa.array([], pa.string())] * 2, schema=schema), sink)
    return sink.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="scale 1/100 only")
    args = parser.parse_args()
    scales = [100] if args.quick else [20, 10]
    mb = 1e6
    print(f"{'scale':>6} {'rows':>11} {'groups':>6} {'read':>5} {'file MB':>8} {'full MB':>8} "
          f"{'served MB':>9} {'share':>7} {'ranges':>6} {'stored':>8} {'backfill s':>10}")  # fmt: skip
    last: dict[str, float] = {}
    for scale in scales:
        last = measure(scale)
        print(
            f"1/{last['scale']:<4} {last['rows']:>11,} {last['groups']:>6} {last['chosen']:>5} "
            f"{last['size'] / mb:>8.1f} {last['full_size'] / mb:>8.0f} {last['served'] / mb:>9.2f} "
            f"{last['served'] / last['size']:>7.2%} {last['requests']:>6} {last['stored']:>8,} "
            f"{last['seconds']:>10.2f}"
        )
    # Full size: which groups a full month's id layout makes the backfill read, each costing
    # what a read group cost at the largest scale measured (footer included: an upper bound).
    ranges = watched_ranges(load_config(REPO / "config.yaml"), {})
    started = time.perf_counter()
    chosen, groups = selected_groups(model_ids(1), ranges)
    per_group = last["served"] / last["chosen"]
    month = chosen * per_group
    full = last["full_size"]
    print(
        f"\nFull size (ids laid out in {time.perf_counter() - started:.0f} s): {groups} row groups, "
        f"{chosen} read, {per_group / mb:.2f} MB per group read → {month / mb:.1f} MB of "
        f"{full / mb:.0f} MB a month ({month / full:.2%})"
    )
    print(
        f"Default watch list, {MONTHS_TO_NOW} months (2024-07 … 2026-11), each as large as late "
        f"2026: {month * MONTHS_TO_NOW / 1e9:.2f} GB served of {full * MONTHS_TO_NOW / 1e9:.1f} GB "
        f"(goal < 1.5 GB)"
    )


if __name__ == "__main__":
    main()
