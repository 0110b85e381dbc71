"""The report on real recorded Hub numbers, checked against a computation done here by hand."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config

from .conftest import DATA, REPO

REAL = DATA / "hf_top_likes_downloads_2026-08-16_and_22.csv"


def test_qwen_share_on_real_data_matches_hand_computation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = REPO / "config.yaml"
    db = f"sqlite:///{tmp_path / 'real.db'}"
    assert main(["--config", str(config_path), "--storage", db, "import", str(REAL)]) == 0
    out = tmp_path / "reports"
    assert (
        main(
            [
                "--config",
                str(config_path),
                "--storage",
                db,
                "report",
                "--week",
                "2026-W34",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads((out / "2026-W34" / "summary.json").read_text())

    # By hand: the 22 August capture (10:15 KST = 01:15 UTC), watched models only.
    config = load_config(config_path)
    per_day: dict[str, dict[str, int]] = defaultdict(dict)
    for row in csv.DictReader(REAL.open()):
        family = config.classify(row["model_id"])
        if family is not None:
            per_day[row["snapshot_date"]][row["model_id"]] = int(row["downloads_30d"])
    latest = per_day["2026-08-22"]
    total = sum(latest.values())
    qwen = sum(v for m, v in latest.items() if m.startswith("Qwen/"))
    families = {f["id"]: f for f in summary["families"]}

    assert summary["as_of"] == datetime(2026, 8, 22, 1, 15, 24, tzinfo=UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert families["qwen"]["downloads_30d"] == qwen
    assert families["qwen"]["share_downloads_30d"] == round(qwen / total, 4)
    assert families["qwen"]["rank_downloads_30d"] == 1
    assert families["qwen"]["models"] == sum(1 for m in latest if m.startswith("Qwen/"))
    # the fixed cohort: Qwen models in both the 16 and the 22 August captures
    before = per_day["2026-08-16"]
    cohort = [m for m in latest if m.startswith("Qwen/") and m in before]
    expected_change = (sum(latest[m] for m in cohort) - sum(before[m] for m in cohort)) / sum(
        before[m] for m in cohort
    )
    assert families["qwen"]["change_downloads_30d"] == round(expected_change, 4)
    # these imported rows carry no all-time counts: the weekly downloads stay unknown
    assert all(f["downloads_week"] is None for f in summary["families"])
    assert sum(f["downloads_30d"] for f in summary["families"]) == total
