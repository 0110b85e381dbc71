#!/usr/bin/env python3
"""Rebuild `monitor/data/recorded_hub_2026-08.csv.gz`, the fake Hub's recorded numbers.

Source: the daily captures in ../shared/real-data/namhyeokwoo_huggingface-trending (the Hub's
top 300 models by likes and by downloads, 2026-08-07 … 2026-08-22). Kept per day: every model
of a watched organisation, plus the 100 most downloaded models of the whole capture, so the
fake Hub's global ranking looks like the real one at the top (embedding and encoder models).

    python scripts/build-recorded-data.py [SOURCE_CSV]
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared/real-data/namhyeokwoo_huggingface-trending"
SOURCE_CSV = SOURCE / "hf_top_likes_downloads_daily_2026-08-07_2026-08-22.csv"
TARGET = REPO / "monitor/data/recorded_hub_2026-08.csv.gz"
WATCHED_ORGS = {
    "Qwen", "deepseek-ai", "zai-org", "THUDM", "moonshotai", "MiniMaxAI", "meta-llama",
    "google", "microsoft", "openai", "nvidia", "ibm-granite", "mistralai",
}  # fmt: skip
GLOBAL_TOP = 100
COLUMNS = [
    "snapshot_date", "fetched_at", "model_id", "downloads_30d", "likes", "pipeline_tag",
    "library_name", "created_at",
]  # fmt: skip


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE_CSV
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_day: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_day.setdefault(row["snapshot_date"], []).append(row)
    kept = []
    for day in sorted(by_day):
        ranked = sorted(by_day[day], key=lambda r: -int(r["downloads_30d"]))
        top = {r["model_id"] for r in ranked[:GLOBAL_TOP]}
        kept += [r for r in by_day[day] if r["author"] in WATCHED_ORGS or r["model_id"] in top]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    TARGET.write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))
    print(f"{TARGET.relative_to(REPO)}: {len(kept)} rows, {len(by_day)} days")


if __name__ == "__main__":
    main()
