"""Numbers a reader can trust: each figure of the weekly report means what its label says.

Most checks run on real recorded Hub lists (cut by `scripts/build-test-fixtures.py`, values
unchanged) and compare with sums taken here from the raw rows, not from the code under test.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor import store as tables
from monitor.analysis import parse_week, unusual_moves, week_data
from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_store

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config

TOP30 = DATA / "top30_daily_2026-W21-W22.csv"
DAILY = DATA / "watched_daily_2026-W32-W34.csv"
CONFIG = REPO / "config.yaml"


def _report(tmp_path: Path, week: str, *files: Path, hub_top: int | None = None) -> dict[str, Any]:
    """Import `files` with the shipped config into a scratch database, report `week`."""
    db = ["--config", str(CONFIG), "--storage", f"sqlite:///{tmp_path / 'trust.db'}"]
    top = ["--hub-top", str(hub_top)] if hub_top else []
    assert main([*db, "import", *top, *map(str, files)]) == 0
    assert main([*db, "report", "--week", week, "--out", str(tmp_path / "reports")]) == 0
    folder = tmp_path / "reports" / week
    return {
        "summary": json.loads((folder / "summary.json").read_text()),
        "text": (folder / "report.md").read_text(),
        "folder": folder,
        "db": tmp_path / "trust.db",
    }


@pytest.fixture(scope="module")
def report_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict[str, Any]]:
    """`_report`, made once per (week, files, hub_top) in this module: the tests only read it."""
    made: dict[tuple[Any, ...], dict[str, Any]] = {}

    def get(week: str, *files: Path, hub_top: int | None = None) -> dict[str, Any]:
        key = (week, files, hub_top)
        if key not in made:
            made[key] = _report(tmp_path_factory.mktemp("trust"), week, *files, hub_top=hub_top)
        return made[key]

    return get


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- 1. one consistent capture per week -------------------------------------------------------


def test_a_model_that_left_the_list_does_not_count_with_an_old_value(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    report = report_of("2026-W22", TOP30)
    summary = report["summary"]
    assert summary["as_of"] == "2026-05-31T21:24:00Z"
    # Qwen3-VL-2B-Instruct was #7 of the Hub on 05-25 with 48.2M and last listed on 05-27
    # (22.5M); on 05-31 it was below #30, so it is not this week's #1 any more.
    top_ids = [t["model_id"] for t in summary["top_models"]]
    assert "Qwen/Qwen3-VL-2B-Instruct" not in top_ids
    dropped = {d["model_id"]: d for d in summary["cross_section"]["dropped"]}
    assert dropped["Qwen/Qwen3-VL-2B-Instruct"] == {
        "model_id": "Qwen/Qwen3-VL-2B-Instruct",
        "last_seen": "2026-05-27T21:37:07Z",
        "downloads_30d": 22_519_064,
    }
    # Qwen on 05-31, both lists of that capture: the six Qwen rows of the file that day
    on_31 = {
        r["model_id"]: int(r["downloads_30d"])
        for r in _rows(TOP30)
        if r["snapshot_date"] == "2026-05-31" and r["author"] == "Qwen"
    }
    assert len(on_31) == 6
    qwen = next(f for f in summary["families"] if f["id"] == "qwen")
    assert qwen["downloads_30d"] == sum(on_31.values()) == 80_705_133
    assert qwen["models"] == 6
    assert (
        top_ids[0] == "Qwen/Qwen3-0.6B" and summary["top_models"][0]["downloads_30d"] == 20_336_717
    )
    assert "Qwen/Qwen3-VL-2B-Instruct (22.5M on Wed 27 May)" in report["text"]


def _frame(rows: list[tuple[str, int, str, datetime, int | None]]) -> pd.DataFrame:
    """Snapshot rows (model, run, run kind, time, 30-day downloads) as the store returns them."""
    frame = pd.DataFrame(
        rows, columns=["model_id", "run_id", "run_kind", "observed_at", "downloads_30d"]
    )
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    frame["author"] = frame["model_id"].str.partition("/")[0]
    frame["family"] = frame["author"].str.lower()
    frame["downloads_30d"] = frame["downloads_30d"].astype("Int64")
    for column in ("likes", "downloads_all_time"):
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["created_at"] = pd.NaT
    return frame


def test_a_failed_listing_carries_the_older_capture_and_says_so() -> None:
    mon, wed = datetime(2026, 8, 17, 3, tzinfo=UTC), datetime(2026, 8, 19, 3, tzinfo=UTC)
    frame = _frame(
        [
            ("Qwen/a", 1, "collect", mon, 100),
            ("Qwen/b", 1, "collect", mon, 50),
            ("meta/l", 1, "collect", mon, 70),
            ("Qwen/a", 2, "collect", wed, 120),  # run 2: Qwen/b is gone, meta's listing failed
        ]
    )
    data = week_data(frame, parse_week("2026-W34"))
    assert dict(data.latest["downloads_30d"]) == {"Qwen/a": 120, "meta/l": 70}
    assert list(data.dropped.index) == ["Qwen/b"]
    assert list(data.carried.index) == ["meta/l"]  # two days older than as_of, and said so
    assert data.as_of == wed


def test_an_imported_list_covers_every_author_it_ever_showed() -> None:
    day1, day2 = datetime(2026, 8, 17, 1, tzinfo=UTC), datetime(2026, 8, 18, 1, tzinfo=UTC)
    frame = _frame(
        [
            ("Qwen/a", 7, "import", day1, 100),
            ("meta/l", 7, "import", day1, 90),  # fell out of the top list on day 2
            ("Qwen/a", 7, "import", day2, 110),
        ]
    )
    data = week_data(frame, parse_week("2026-W34"))
    assert list(data.latest.index) == ["Qwen/a"] and list(data.dropped.index) == ["meta/l"]
    assert data.carried.empty


def test_sources_add_up_and_a_narrow_late_list_does_not_hide_a_broad_one() -> None:
    early, late = datetime(2026, 8, 22, 1, tzinfo=UTC), datetime(2026, 8, 22, 21, tzinfo=UTC)
    frame = _frame(
        [
            ("Qwen/a", 7, "import", early, 100),  # a top-300 list at 01:00
            ("Qwen/b", 7, "import", early, 50),
            ("Qwen/a", 8, "import", late, 120),  # another file's top-30 at 21:00
        ]
    )
    data = week_data(frame, parse_week("2026-W34"))
    assert dict(data.latest["downloads_30d"]) == {"Qwen/a": 120, "Qwen/b": 50}
    assert data.dropped.empty


# --- 2. labels match what was captured --------------------------------------------------------


def test_a_top_30_capture_never_speaks_of_a_top_100(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    report = report_of("2026-W22", TOP30, hub_top=30)
    text = report["text"]
    assert "### All models: the top 30 captured" in text
    assert "| Top 10 | Top 30 | Share of top-30 downloads |" in text
    assert "top 100" not in text.lower() and "Top 100" not in text
    qwen = next(c for c in report["summary"]["claims"] if c["id"] == "qwen-most-used")
    hub = next(s for s in qwen["scopes"] if s["scope"] == "whole Hub")
    # Qwen's best on 05-31 is Qwen3-0.6B at #13 of the top 30 (the file's own rank column)
    assert hub["value"] == 13 and hub["verdict"] == "not_supported"
    assert "among the top 30 captured" in hub["explanation"]


# --- 3. stale days by share -------------------------------------------------------------------


def test_a_mostly_unchanged_day_is_stale_and_the_share_is_shown(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    report = report_of("2026-W33", DAILY)
    fresh = report["summary"]["freshness"]
    assert fresh["stale_days"] == ["2026-08-13"]
    config = load_config(CONFIG)
    by_day: dict[str, dict[str, str]] = {}
    for row in _rows(DAILY):
        if config.classify(row["model_id"]):
            by_day.setdefault(row["snapshot_date"], {})[row["model_id"]] = row["downloads_30d"]
    both = by_day["2026-08-12"].keys() & by_day["2026-08-13"].keys()
    same = sum(by_day["2026-08-12"][m] == by_day["2026-08-13"][m] for m in both)
    day = next(d for d in fresh["days"] if d["day"] == "2026-08-13")
    assert (day["models_compared"], day["unchanged"]) == (len(both), same)
    assert same / len(both) > 0.9  # the Hub did not refresh that day
    others = [d for d in fresh["days"] if d["day"] != "2026-08-13"]
    assert all(d["judged"] and d["unchanged"] / d["models_compared"] < 0.02 for d in others)
    share = f"{same / len(both):.0%}"
    assert (
        f"**Thu 13 Aug: {share} of the {len(both)} models seen on this and the previous day"
        in (report["text"])
    )


# --- 4. metadata as of each capture ---------------------------------------------------------


def test_task_tags_are_taken_per_capture_and_the_latest_is_kept(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    full = DATA / "hf_top_likes_downloads_2026-08-16_and_22.csv"
    report = report_of("2026-W34", full, hub_top=300)
    model = "Comfy-Org/Wan_2.2_ComfyUI_Repackaged"  # untagged on 08-16, image-to-video on 08-22
    store = open_store(f"sqlite:///{report['db']}")
    ranks = store.context_frame(tables.hub_ranks)
    tags = dict(
        zip(
            ranks[ranks.model_id == model].observed_at.dt.day,
            ranks[ranks.model_id == model].pipeline_tag,
            strict=True,
        )
    )
    assert pd.isna(tags[16]) and tags[22] == "image-to-video"
    # the model's stored task is the later day's (snapshots come oldest first)
    latest = store.snapshots_frame().drop_duplicates("model_id", keep="last").set_index("model_id")
    assert latest.loc[model, "pipeline_tag"] == "image-to-video"
    # the week's task shares follow the 08-22 tags: hand sums over that day's top 300
    day = [r for r in _rows(full) if r["snapshot_date"] == "2026-08-22"]
    top = sorted(day, key=lambda r: (-int(r["downloads_30d"]), r["model_id"]))[:300]
    total = sum(int(r["downloads_30d"]) for r in top)
    untagged = sum(int(r["downloads_30d"]) for r in top if not r["pipeline_tag"])
    shares = {p["pipeline_tag"]: p["share"] for p in report["summary"]["hub_context"]["pipelines"]}
    assert shares["no task tag"] == round(untagged / total, 4)


# --- 5. new models vs models that entered the data; 6. spikes, dips, drivers ------------------


def test_new_models_are_recent_releases_and_older_ones_only_entered(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    summary = report_of("2026-W34", DAILY)["summary"]
    # first listed on 08-22; created 08-07, 08-08 and 08-13 (new) or January/April (older)
    assert [m["model_id"] for m in summary["new_models"]] == [
        "Qwen/Qwen3.8-27B-FP8", "Qwen/Qwen3.8-2.4T-A95B", "MiniMaxAI/MiniMax-Music3",
    ]  # fmt: skip
    assert [m["model_id"] for m in summary["entered_list"]] == [
        "Qwen/Qwen3-VL-Reranker-2B",
        "nvidia/Nemotron-3-Nano-Omni-30B-A3B-Reasoning-NVFP4",
    ]


def test_zero_download_models_are_not_news(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_text = (
        "observed_at,model_id,downloads_30d,likes,created_at\n"
        "2026-08-14T01:00:00Z,Qwen/Qwen3-8B,1000,1,2025-04-01\n"
        "2026-08-20T01:00:00Z,Qwen/Qwen3-8B,1100,1,2025-04-01\n"
        "2026-08-20T01:00:00Z,Qwen/Qwen9-fresh,500,1,2026-08-15\n"
        "2026-08-20T01:00:00Z,Qwen/Qwen9-empty,0,1,2026-08-15\n"
    )
    data = tmp_path / "small.csv"
    data.write_text(csv_text)
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "import", str(data)]) == 0
    assert main(["--config", str(config), "report", "--week", "2026-W34"]) == 0
    summary = json.loads((tmp_path / "reports" / "2026-W34" / "summary.json").read_text())
    assert [m["model_id"] for m in summary["new_models"]] == ["Qwen/Qwen9-fresh"]
    assert summary["entered_list"] == []


def _weeks(series: dict[str, list[int | None]], created: dict[str, str] | None = None) -> list:
    """One snapshot per model and week (Mondays of W30..), as week cross-sections."""
    rows = []
    for model, values in series.items():
        for i, value in enumerate(values):
            if value is not None:
                rows.append(
                    (
                        model,
                        i + 1,
                        "collect",
                        datetime(2026, 7, 20, 3, tzinfo=UTC) + timedelta(weeks=i),
                        value,
                    )
                )
    frame = _frame(rows)
    frame["created_at"] = pd.to_datetime(frame["model_id"].map(created or {}), utc=True)
    n = max(len(v) for v in series.values())
    return [week_data(frame, parse_week(f"2026-W{30 + i}")) for i in range(n)]


def test_spikes_and_dips_are_flagged_with_their_size() -> None:
    notes = unusual_moves(
        _weeks(
            {
                "a/steady": [1_000_000, 1_050_000, 1_100_000, 1_150_000],
                "a/spike": [1_000_000, 1_000_000, 1_200_000, 5_000_000],  # median 1.0M → 5.0×
                "a/back": [1_000_000, 1_000_000, 6_000_000, 1_500_000],  # spike in W32, back
                "a/dip": [2_000_000, 2_000_000, 400_000, 2_100_000],  # one week at a fifth
                "a/drop": [2_000_000, 2_000_000, 2_000_000, 800_000],  # 40 % of last week
                "a/small": [1_000, 1_000, 1_000, 9_000],  # under the 10,000 floor
                "a/launch": [20_000, 200_000, 900_000, 2_000_000],  # created recently
            },
            created={"a/launch": "2026-07-15"},
        )
    )
    assert set(notes) == {"a/spike", "a/back", "a/dip", "a/drop"}
    assert notes["a/spike"].startswith("spike: 5.0× its earlier weekly level of 1M")
    assert notes["a/back"].startswith("spike in 2026-W32 (1M → 6M, 6.0×), back to 1.5M")
    assert notes["a/dip"].startswith("dip in 2026-W32 (2M → 400k → 2.1M), recovered")
    assert notes["a/drop"].startswith("fell to 40% of last week's count in one week")


def test_a_family_change_driven_by_one_model_names_it(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    report = report_of("2026-W34", DAILY)
    rows = _rows(DAILY)

    def value(model: str, day: str) -> int:
        return next(
            int(r["downloads_30d"])
            for r in rows
            if r["model_id"] == model and r["snapshot_date"] == day
        )

    r1 = value("deepseek-ai/DeepSeek-R1", "2026-08-22") - value(
        "deepseek-ai/DeepSeek-R1", "2026-08-16"
    )
    deepseek = next(f for f in report["summary"]["families"] if f["id"] == "deepseek")
    assert deepseek["driver"] == {"model_id": "deepseek-ai/DeepSeek-R1", "change_downloads_30d": r1}
    assert "is driven by one model: deepseek-ai/DeepSeek-R1 moved" in report["text"]


# --- 7. each claim's trend and the models it counted; 8. the first screen ---------------------


def _r1_ratio(rows: list[dict[str, str]], day: str) -> float:
    on_day = [r for r in rows if r["snapshot_date"] == day]
    r1 = sum(
        int(r["downloads_30d"])
        for r in on_day
        if r["model_id"].startswith("deepseek-ai/DeepSeek-R1")
    )
    oss = sum(int(r["downloads_30d"]) for r in on_day if r["model_id"].startswith("openai/gpt-oss"))
    return r1 / oss


def test_each_verdict_shows_its_trend_and_the_models_it_counted(
    report_of: Callable[..., dict[str, Any]],
) -> None:
    report = report_of("2026-W34", DAILY)
    rows = _rows(DAILY)
    claim = next(c for c in report["summary"]["claims"] if c["id"] == "r1-competes-with-openai")
    # the last capture of each week: Sun 09 Aug, Sun 16 Aug, Sat 22 Aug
    expected = [round(_r1_ratio(rows, d), 4) for d in ("2026-08-09", "2026-08-16", "2026-08-22")]
    assert [(t["week"], t["value"]) for t in claim["trend"]] == list(
        zip(["2026-W32", "2026-W33", "2026-W34"], expected, strict=True)
    )
    assert [round(v, 2) for v in expected] == [0.99, 0.84, 0.70]
    assert "- Week by week: W32 0.99× → W33 0.84× → W34 0.70×." in report["text"]
    counted = claim["counted"]
    on_22 = {
        r["model_id"]: int(r["downloads_30d"]) for r in rows if r["snapshot_date"] == "2026-08-22"
    }
    subject = {c["model_id"] for c in counted if c["side"] == "DeepSeek-R1 and its distills"}
    assert subject == {m for m in on_22 if m.startswith("deepseek-ai/DeepSeek-R1")}
    assert sum(c["downloads_30d"] for c in counted if c["side"] == "OpenAI gpt-oss") == sum(
        v for m, v in on_22.items() if m.startswith("openai/gpt-oss")
    )
    assert '<a id="models-behind-r1-competes-with-openai"></a>' in report["text"]


def test_the_first_ten_lines_answer_the_question(report_of: Callable[..., dict[str, Any]]) -> None:
    full = DATA / "hf_top_likes_downloads_2026-08-16_and_22.csv"  # the Hub's top 300 each day
    report = report_of("2026-W34", full, hub_top=300)
    first = "\n".join(report["text"].splitlines()[:10])
    assert "Qwen is #1 of 12 watched families by 30-day downloads" in first
    assert "Qwen's best model, Qwen/Qwen3-0.6B, is #10 by 30-day downloads" in first
    assert "The Hub's most downloaded model is sentence-transformers/all-MiniLM-L6-v2" in first
    assert "DeepSeek-R1 and its distills have 0.70× the 30-day downloads of OpenAI gpt-oss" in first
    text = report["text"]
    source = report["summary"]["source"]  # named in the report too, and on every chart
    assert (
        source["kind"] == "import"
        and "hf_top_likes_downloads_2026-08-16_and_22.csv" in (source["description"])
    )
    assert (
        "imported from hf\\_top\\_likes\\_downloads\\_2026-08-16\\_and\\_22.csv" in report["text"]
    )
    assert "19 months later" in report["text"]  # the distance from the article's date
    for jargon in ("snapshot(s)", " 30 d ", "±", "(threshold:", "the line is"):
        assert jargon not in text, jargon
    # caveats refer only to sections this report has
    assert "*Adaptation* section" not in text  # no ecosystem data in this file
    assert "*On the whole Hub* ranks within the captured top N only" in text


def test_leaders_by_likes_and_trending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.csv"
    data.write_text(
        "observed_at,model_id,downloads_30d,likes,trending_score\n"
        "2026-08-20T01:00:00Z,Qwen/a,100,50,3\n"
        "2026-08-20T01:00:00Z,Qwen/b,900,5,120\n"
        "2026-08-20T01:00:00Z,deepseek-ai/c,10,700,40.5\n"
    )
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "import", str(data)]) == 0
    assert main(["--config", str(config), "report", "--week", "2026-W34"]) == 0
    folder = tmp_path / "reports" / "2026-W34"
    leaders = json.loads((folder / "summary.json").read_text())["leaders"]
    assert [m["model_id"] for m in leaders["likes"]] == ["deepseek-ai/c", "Qwen/a", "Qwen/b"]
    assert [m["trending_score"] for m in leaders["trending_score"]] == [120, 40.5, 3]
    text = (folder / "report.md").read_text()
    assert "## Most liked and trending" in text and "no verdict uses them" in text


# --- 10. claims that survive config edits -----------------------------------------------------


@pytest.mark.parametrize(
    ("claim_group", "message"),
    [
        (
            "{label: X, families: [mistral]}",
            "names family 'mistral', which the config does not watch",
        ),
        ("{label: X, origins: [FR]}", "names origin 'FR', but no watched family comes from there"),
        (
            "{label: X, models: ['someone/Model*']}",
            "names models 'someone/Model*', which no watched",
        ),
    ],
)
def test_a_claim_the_config_cannot_serve_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], claim_group: str, message: str
) -> None:
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        "claims:\n  - id: odd\n    statement: s\n    kind: ratio\n"
        f"    subject: {claim_group}\n    versus: {{label: Y, origins: [US]}}\n"
        "    metric: downloads_30d\n    threshold: 1\n    source: {outlet: o, date: '2025-01', language: de}\n"
    )
    config = write_config(tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {claims}\n")
    for command in ("run", "schedule", "report"):
        assert main(["--config", str(config), command]) == 2
        err = capsys.readouterr().err
        assert f"claim 'odd' {message}" in err and err.count("\n") == 1


def test_a_family_that_finds_nothing_is_named(
    fake_hub: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    families = SMALL_FAMILIES + (
        "- id: typo\n  label: Typo\n  organization: Nobody\n  origin: US\n  authors: [no-such-org-xyz]\n"
    )
    config = write_config(tmp_path, families)
    assert main(["--config", str(config), "collect"]) == 0
    err = capsys.readouterr().err
    assert "found no models for family 'typo' in run 1 — check its author names" in err
    assert err.count("found no models") == 1
    assert main(["--config", str(config), "status"]) == 0
    assert "found no models for family 'typo'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("'2025-13'", "source date '2025-13' is not a calendar date"),
        ("'2025-00'", "source date '2025-00' is not a calendar date"),
        ("'0000-01'", "source date '0000-01' is not a calendar date"),
        ("'9999-12'", "source date '9999-12' is out of range (1990 to 2100)"),
        ("Jan 2025", "source date 'Jan 2025' must look like 2025-01 or 2025-01-15"),
    ],
)
def test_a_claims_date_the_reports_cannot_place_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, message: str
) -> None:
    claims = tmp_path / "claims.yaml"
    text = (REPO / "seeds" / "claims.yaml").read_text()
    claims.write_text(
        text.replace(
            "date: 2025-01, language: de, phrase", f"date: {written}, language: de, phrase", 1
        )
    )
    config = write_config(tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {claims}\n")
    for command in ("report", "trends"):
        assert main(["--config", str(config), command]) == 2
        err = capsys.readouterr().err
        assert err == f"hf-monitor: error: {claims}: claims[0].source.date: {message}\n"


def test_an_unquoted_full_date_is_read_as_that_date(tmp_path: Path) -> None:
    from monitor.claims import load_claims

    claims = tmp_path / "claims.yaml"
    text = (REPO / "seeds" / "claims.yaml").read_text()
    claims.write_text(
        text.replace(
            "date: 2025-01, language: de, phrase", "date: 2025-01-27, language: de, phrase", 1
        )
    )
    config = load_config(write_config(tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {claims}\n"))
    assert load_claims(claims, config)[0].source.date == "2025-01-27"
