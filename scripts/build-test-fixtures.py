"""Cut the real-data test fixtures in tests/data/ from the recorded files in ../shared/real-data.

The files are copied row for row (no value changed), only fewer rows: the weeks and the
organisations a test needs. Run from the repository root: python scripts/build-test-fixtures.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL = REPO.parent / "shared" / "real-data"
OUT = REPO / "tests" / "data"
WATCHED = {
    "Qwen", "deepseek-ai", "meta-llama", "google", "microsoft", "openai", "nvidia",
    "ibm-granite", "mistralai", "zai-org", "THUDM", "moonshotai", "MiniMaxAI",
}  # fmt: skip

CUTS = [
    # the daily top-30 of the whole Hub (+ a trending list) for 2026-W21 and W22
    (
        "jonasneves_pulse/hf_top30_downloads_daily_2026-02-28_2026-08-22.csv",
        "top30_daily_2026-W21-W22.csv",
        lambda row: "2026-05-18" <= row["snapshot_date"] <= "2026-05-31",
    ),
    # the watched organisations' rows of the daily top-300 lists, 2026-W32 to W34
    (
        "namhyeokwoo_huggingface-trending/hf_top_likes_downloads_daily_2026-08-07_2026-08-22.csv",
        "watched_daily_2026-W32-W34.csv",
        lambda row: row["snapshot_date"] >= "2026-08-07" and row["author"] in WATCHED,
    ),
]


def main() -> int:
    if not REAL.is_dir():
        print(
            f"build-test-fixtures: {REAL} not found (the shared real-data folder)", file=sys.stderr
        )
        return 1
    for source, target, keep in CUTS:
        with (REAL / source).open(newline="", encoding="utf-8") as src:
            reader = csv.DictReader(src)
            rows = [row for row in reader if keep(row)]
            fields = reader.fieldnames or []
        with (OUT / target).open("w", newline="", encoding="utf-8") as dst:
            writer = csv.DictWriter(dst, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{target}: {len(rows)} rows from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
