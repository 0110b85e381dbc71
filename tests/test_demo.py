"""`hf-monitor demo` runs the whole pipeline offline and writes a full report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main

from .conftest import REPO


def test_demo_writes_a_full_report_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(REPO / "config.yaml"), "demo", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "2026-W34" / "report.md")
    assert "2026-08-22: ok" in err
    summary = json.loads((tmp_path / "2026-W34" / "summary.json").read_text())
    assert summary["as_of"] == "2026-08-22T12:40:00Z"
    assert {c["verdict"] for c in summary["claims"]} <= {
        "supported",
        "not_supported",
        "inconclusive",
    }
    assert len(summary["families"]) == 12
    # the fake Hub serves all-time counts, so weekly downloads are computed
    assert all(f["downloads_week"] is not None for f in summary["families"])
    # four charts of the watched families, two of the Hub-wide context
    assert len(list((tmp_path / "2026-W34").glob("*.png"))) == 6
    assert summary["hub_context"]["ranks"]["all"]["top_n"] > 100
    assert not (REPO / "data" / "demo.db").exists()
