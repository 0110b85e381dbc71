"""The weekly report: every number checked against values computed by hand from small data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_store

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """tests/data/two_weeks.csv imported, the W34 report written; returns summary.json.
    Made once for the module: the tests only read it."""
    tmp_path = tmp_path_factory.mktemp("two_weeks")
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "import", str(DATA / "two_weeks.csv")]) == 0
    assert main(["--config", str(config), "report", "--week", "2026-W34"]) == 0
    folder = tmp_path / "reports" / "2026-W34"
    return {
        "folder": folder,
        "summary": json.loads((folder / "summary.json").read_text()),
        "config": config,
    }


def by(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items}


def test_family_numbers_match_hand_computation(two_weeks: dict) -> None:
    summary = two_weeks["summary"]
    assert summary["schema_version"] == 1
    assert summary["week"] == "2026-W34"
    assert summary["as_of"] == "2026-08-21T01:00:00Z"  # latest snapshot in the ISO week
    assert summary["previous_as_of"] == "2026-08-14T01:00:00Z"
    families = by(summary["families"], "id")
    # 30-day downloads at as_of: qwen 1.2M + 2.7M, deepseek 0.6M + 0.4M, gemma 2.4M, gpt-oss 1.4M
    total = 3_900_000 + 1_000_000 + 2_400_000 + 1_400_000  # google/vit-base is not watched
    assert {k: v["downloads_30d"] for k, v in families.items()} == {
        "qwen": 3_900_000, "deepseek": 1_000_000, "gemma": 2_400_000, "gpt-oss": 1_400_000,
    }  # fmt: skip
    assert families["qwen"]["share_downloads_30d"] == round(3_900_000 / total, 4) == 0.4483
    assert families["deepseek"]["share_downloads_30d"] == round(1_000_000 / total, 4)
    assert [f["id"] for f in summary["families"]] == ["qwen", "gemma", "gpt-oss", "deepseek"]
    assert [f["rank_downloads_30d"] for f in summary["families"]] == [1, 2, 3, 4]
    assert [f["models"] for f in summary["families"]] == [2, 1, 1, 2]
    # downloads this week: all-time differences on models present in both weeks
    assert families["qwen"]["downloads_week"] == (10_500_000 - 10_000_000) + (
        20_800_000 - 20_000_000
    )
    assert (
        families["deepseek"]["downloads_week"] == 8_200_000 - 8_000_000
    )  # the new distill has no base
    assert families["gemma"]["downloads_week"] is None  # no all-time counts: not invented
    assert families["gpt-oss"]["downloads_week"] == 0  # 5.0M → 4.9M is a correction, not -100k
    # fixed-cohort change of 30-day downloads
    assert families["qwen"]["change_downloads_30d"] == round((3_900_000 - 4_000_000) / 4_000_000, 4)
    assert families["deepseek"]["change_downloads_30d"] == round((600_000 - 500_000) / 500_000, 4)
    assert families["gpt-oss"]["change_downloads_30d"] == round(-100_000 / 1_500_000, 4)
    assert families["qwen"]["likes"] == 165 and families["qwen"]["likes_change_week"] == 15
    assert families["deepseek"]["likes"] == 330 and families["deepseek"]["likes_change_week"] == 10


def test_origins_and_top_models(two_weeks: dict) -> None:
    summary = two_weeks["summary"]
    origins = by(summary["origins"], "origin")
    assert origins["CN"]["downloads_30d"] == 4_900_000
    assert origins["CN"]["share_downloads_30d"] == round(4_900_000 / 8_700_000, 4)
    assert origins["US"]["share_downloads_30d"] == round(3_800_000 / 8_700_000, 4)
    assert origins["CN"]["change_downloads_30d"] == 0.0  # 4.5M in both weeks for the cohort
    assert origins["US"]["change_downloads_30d"] == round(3_800_000 / 3_500_000 - 1, 4)
    top = summary["top_models"]
    assert [(t["rank"], t["model_id"]) for t in top] == [
        (1, "Qwen/Qwen3-0.6B"), (2, "google/gemma-3-4b-it"), (3, "openai/gpt-oss-20b"),
        (4, "Qwen/Qwen3-8B"), (5, "deepseek-ai/DeepSeek-R1"), (6, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"),
    ]  # fmt: skip
    assert top[0]["change_downloads_30d"] == -0.1
    assert top[5]["change_downloads_30d"] is None  # new this week: no base to compare with
    assert top[1]["origin"] == "US" and top[1]["family"] == "gemma"


def test_claims_verdicts_previous_week_and_sensitivity(two_weeks: dict) -> None:
    claims = by(two_weeks["summary"]["claims"], "id")
    qwen = claims["qwen-most-used"]
    assert (qwen["verdict"], qwen["value"], qwen["threshold"]) == ("supported", 1.0, 3)
    assert qwen["previous"] == {"verdict": "supported", "value": 1.0}
    sens = by(qwen["sensitivity"], "metric")
    assert (
        sens["likes"]["verdict"] == "supported" and sens["likes"]["value"] == 2.0
    )  # deepseek 330 > qwen 165
    assert sens["downloads_all_time"]["verdict"] == "inconclusive"
    assert "missing for 1 of 6 models" in sens["downloads_all_time"]["explanation"]

    r1 = claims["r1-competes-with-openai"]
    assert r1["verdict"] == "supported" and r1["value"] == round(1_000_000 / 1_400_000, 4)
    assert r1["previous"] == {"verdict": "not_supported", "value": round(500_000 / 1_500_000, 4)}
    sens = by(r1["sensitivity"], "metric")
    assert sens["likes"]["value"] == round(330 / 92, 4)
    assert sens["downloads_all_time"]["value"] == round(8_600_000 / 4_900_000, 4)

    china = claims["china-keeps-pace"]
    assert china["verdict"] == "supported" and china["value"] == round(4_900_000 / 3_800_000, 4)


def test_freshness_gaps_and_stale_day(two_weeks: dict) -> None:
    fresh = two_weeks["summary"]["freshness"]
    assert fresh["snapshots"] == 2
    assert fresh["days_with_data"] == ["2026-08-20", "2026-08-21"]
    assert fresh["missing_days"] == ["2026-08-17", "2026-08-18", "2026-08-19"]
    # 08-21 repeats every count of 08-20, but 6 models are too few to judge staleness on
    assert fresh["stale_days"] == [] and fresh["partly_stale_days"] == []
    assert fresh["days"] == [
        {"day": "2026-08-20", "models_compared": 5, "unchanged": 0, "judged": False},
        {"day": "2026-08-21", "models_compared": 6, "unchanged": 6, "judged": False},
    ]


def test_markdown_reads_well_and_embeds_existing_charts(two_weeks: dict) -> None:
    folder: Path = two_weeks["folder"]
    text = (folder / "report.md").read_text()
    assert text.startswith("# Open-model popularity on Hugging Face — 2026-W34\n")
    assert text.index("## Verdicts") < text.index("## Data freshness") < text.index("## Families")
    assert "### Qwen is among the most used model families on Hugging Face. — ✅ supported" in text
    assert "- Week by week: W33 0.33× → W34 0.71× (✅ supported)." in text
    assert "Thu 20 Aug, Fri 21 Aug: too few models seen on two days in a row" in text
    assert "| 1 | Qwen (Alibaba) | CN | 2 | 3.9M | 44.8 % | 1.3M | −2.5 % | 165 | +15 |" in text
    assert "| 2 | Gemma (Google) | US | 1 | 2.4M | 27.6 % | – | +20.0 % | 85 | +5 |" in text
    assert "1 all-time counter(s) went down this week" in text
    # no creation date in the file: first seen, but not known to be new
    assert "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" in text.split("### Entered the data")[1]
    for name in ("family_downloads.png", "origin_share.png", "top_models.png", "family_likes.png"):
        assert f"]({name})" in text
        png = folder / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    index = (folder.parent / "index.md").read_text()
    assert "| [2026-W34](2026-W34/report.md) | 2026-08-21 01:00 UTC |" in index
    assert "✅ supported: Qwen is among the most used model families on Hugging Face." in index


def test_first_week_has_nulls_not_made_up_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "import", str(DATA / "two_weeks.csv")]) == 0
    assert main(["--config", str(config), "report", "--week", "2026-W33"]) == 0
    summary = json.loads((tmp_path / "reports" / "2026-W33" / "summary.json").read_text())
    qwen = by(summary["families"], "id")["qwen"]
    assert qwen["downloads_week"] is None and qwen["change_downloads_30d"] is None
    assert qwen["likes_change_week"] is None
    assert summary["previous_as_of"] is None
    assert all(c["previous"] is None for c in summary["claims"])
    assert by(summary["claims"], "id")["r1-competes-with-openai"]["verdict"] == "not_supported"


def test_report_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "report"]) == 2
    assert "no database at" in capsys.readouterr().err
    open_store(load_config(config).storage_url())  # an empty database, as after a failed collect
    assert main(["--config", str(config), "report"]) == 1
    assert "no snapshots of watched models yet" in capsys.readouterr().err
    main(["--config", str(config), "import", str(DATA / "two_weeks.csv")])
    capsys.readouterr()
    assert main(["--config", str(config), "report", "--week", "2026-W30"]) == 1
    assert "no snapshots of watched models in 2026-W30" in capsys.readouterr().err
    assert main(["--config", str(config), "report", "--week", "../../etc"]) == 2
    assert "must look like 2026-W34" in capsys.readouterr().err
    assert main(["--config", str(config), "report", "--week", "2026-W54"]) == 2
