"""`hf-monitor trends`: numbers checked by hand against a real recorded file, imported unchanged.

tests/data/tracked16_weekly_2026-03-22_2026-07-19.csv is a copy of the akasxh_llm-pulse file in
../shared/real-data: 16 fixed models read from the Hub every Sunday from 22 March to 19 July
2026, one capture per ISO week, so each week's cross-section is exactly one Sunday's rows.
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

from monitor.analysis import classify_frame, group_metrics, week_data
from monitor.cli import main
from monitor.collect import collect
from monitor.config import load_config
from monitor.hub import build_hub
from monitor.references import describe_reliability
from monitor.store import ModelRow, SnapshotRow, open_store
from monitor.trends import group_shares, periods_between

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config
from .fakefaults import Fault, FaultyHub

TRACKED = DATA / "tracked16_weekly_2026-03-22_2026-07-19.csv"

# the shared small watch list plus Llama and Phi, whose models the tracked file holds
FAMILIES = (
    SMALL_FAMILIES
    + """\
- id: llama
  label: Llama (Meta)
  organization: Meta
  origin: US
  authors: [meta-llama]
- id: phi
  label: Phi (Microsoft)
  organization: Microsoft
  origin: US
  authors:
    - name: microsoft
      include: ["phi*", "Phi*"]
"""
)
AUTHOR_FAMILY = {
    "Qwen": "qwen",
    "deepseek-ai": "deepseek",
    "meta-llama": "llama",
    "google": "gemma",
    "microsoft": "phi",
}

# Qwen's 30-day downloads over Llama's, at least 1.2×: true in April 2026, then it flips.
CLAIMS = """\
claims:
  - id: qwen-over-llama
    statement: Qwen is downloaded at least 1.2 times as much as Llama.
    kind: ratio
    subject: {label: Qwen, families: [qwen]}
    versus: {label: Llama, families: [llama]}
    metric: downloads_30d
    threshold: 1.2
    source: {outlet: test, date: 2026-04, language: en}
  - id: qwen-top
    statement: Qwen is the most downloaded family.
    kind: rank
    subject: {label: Qwen, families: [qwen]}
    metric: downloads_30d
    threshold: 1
    source: {outlet: test, date: 2025-01, language: en}
"""


def family_totals() -> dict[str, dict[str, int]]:
    """Per snapshot day, each watched family's 30-day downloads, straight from the CSV."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with TRACKED.open(newline="") as handle:
        for row in csv.DictReader(handle):
            family = AUTHOR_FAMILY.get(row["author"])
            if family is not None:
                totals[row["snapshot_date"]][family] += int(row["downloads_30d"])
    return totals


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A config in tmp_path with the tracked file imported; returns the config path."""
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS, encoding="utf-8")
    config = write_config(tmp_path, FAMILIES, f"reports:\n  claims: {claims}\n")
    assert main(["--config", str(config), "import", str(TRACKED)]) == 0
    capsys.readouterr()
    return config


@pytest.fixture(scope="module")
def trended(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The tracked file imported and `trends` run with its defaults, once for the tests here
    that only read the result: (the config's path, summary.json)."""
    folder = tmp_path_factory.mktemp("trended")
    claims = folder / "claims.yaml"
    claims.write_text(CLAIMS, encoding="utf-8")
    config = write_config(folder, FAMILIES, f"reports:\n  claims: {claims}\n")
    assert main(["--config", str(config), "import", str(TRACKED)]) == 0
    return config, run_trends(config)


def run_trends(config: Path, *extra: str) -> dict:
    assert main(["--config", str(config), "trends", *extra]) == 0
    folder = config.parent / "reports" / "trends"
    if "--out" in extra:
        folder = Path(extra[extra.index("--out") + 1])
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def period(summary: dict, label: str) -> dict:
    return next(p for p in summary["periods"] if p["period"] == label)


def shares(p: dict) -> dict[str, float]:
    return {f["id"]: f["share_downloads_30d"] for f in p["families"]}


def test_family_shares_on_chosen_dates_match_hand_computation(trended: tuple[Path, dict]) -> None:
    summary = trended[1]
    # Sunday 22 March 2026 (2026-W12), the file's rows for the watched models:
    qwen = 767_084 + 20_879_098
    llama = 558_884 + 7_619_708 + 1_021_530
    gemma = 392_610 + 270_711
    deepseek = 942_057 + 100_894
    phi = 982_950 + 713_808
    total = qwen + llama + gemma + deepseek + phi
    w12 = period(summary, "2026-W12")
    assert w12["models"] == 11  # 16 tracked, 5 of them outside the watched families
    assert shares(w12) == {
        "qwen": round(qwen / total, 4),
        "llama": round(llama / total, 4),
        "phi": round(phi / total, 4),
        "deepseek": round(deepseek / total, 4),
        "gemma": round(gemma / total, 4),
    }
    origins = {o["origin"]: o["share_downloads_30d"] for o in w12["origins"]}
    assert origins == {
        "CN": round((qwen + deepseek) / total, 4),
        "US": round((llama + gemma + phi) / total, 4),
    }
    # every other week against the same sums computed from the CSV
    for day, families in family_totals().items():
        week = next(p for p in summary["periods"] if p["start"] <= day < p["end"])
        whole = sum(families.values())
        assert shares(week) == {f: round(v / whole, 4) for f, v in families.items()}


def test_deepseek_passes_phi_in_the_week_of_6_july(trended: tuple[Path, dict]) -> None:
    imported, summary = trended
    # 5 July (W27): DeepSeek 1,060,456 + 571,006 < Phi 874,477 + 1,028,650;
    # 12 July (W28): DeepSeek 1,010,162 + 845,297 > Phi 873,795 + 902,135.
    total_w27 = 631_503 + 12_809_009 + 745_246 + 9_024_304 + 1_125_479 + 43_779 + 247_024
    total_w27 += 1_060_456 + 571_006 + 874_477 + 1_028_650
    total_w28 = 671_052 + 12_637_804 + 762_120 + 8_491_169 + 1_215_294 + 56_609 + 267_582
    total_w28 += 1_010_162 + 845_297 + 873_795 + 902_135
    passing = [
        c for c in summary["rank_changes"] if c["winner"] == "deepseek" and c["loser"] == "phi"
    ]
    assert passing == [
        {
            "by": "family",
            "winner": "deepseek",
            "loser": "phi",
            "period": "2026-W28",
            "previous_period": "2026-W27",
            "winner_share": [
                round((1_060_456 + 571_006) / total_w27, 4),
                round((1_010_162 + 845_297) / total_w28, 4),
            ],
            "loser_share": [
                round((874_477 + 1_028_650) / total_w27, 4),
                round((873_795 + 902_135) / total_w28, 4),
            ],
            "sources_changed": False,
            "held": 2,  # W28 and W29 (19 July: 2,037,949 vs 1,522,547), the file's last week
            "reversed_in": None,
            "comparable": True,  # the same 2 DeepSeek and 2 Phi models both Sundays
            "model_overlap": [1.0, 1.0],
        }
    ]
    # Qwen leads every week: nobody passes it, and it passes nobody
    assert not [c for c in summary["rank_changes"] if "qwen" in (c["winner"], c["loser"])]
    report = (imported.parent / "reports" / "trends" / "report.md").read_text()
    assert "**DeepSeek passed Phi (Microsoft)** in the week of 6 Jul 2026" in report


def test_verdicts_at_the_article_date_and_the_weeks_they_changed(
    trended: tuple[Path, dict],
) -> None:
    summary = trended[1]
    claim = next(c for c in summary["claims"] if c["id"] == "qwen-over-llama")
    totals = family_totals()

    def ratio(day: str) -> float:
        return round(totals[day]["qwen"] / totals[day]["llama"], 4)

    # April 2026 touches W14 (30 Mar – 5 Apr) to W18 (27 Apr – 3 May): all at or above 1.2
    assert claim["at_article"]["verdict"] == "supported"
    assert [(p["period"], p["value"]) for p in claim["at_article"]["periods"]] == [
        ("2026-W14", ratio("2026-04-05")),
        ("2026-W15", ratio("2026-04-12")),
        ("2026-W16", ratio("2026-04-19")),
        ("2026-W17", ratio("2026-04-26")),
        ("2026-W18", ratio("2026-05-03")),
    ]
    # 17 May: 13,496,607 / 11,748,685 = 1.149 < 1.2; 21 June 1.215; 28 June 1.167; 5 July 1.234
    assert ratio("2026-05-17") == round(13_496_607 / 11_748_685, 4)
    assert [(c["period"], c["from"], c["to"], c["value_after"]) for c in claim["changes"]] == [
        ("2026-W20", "supported", "not_supported", ratio("2026-05-17")),
        ("2026-W25", "not_supported", "supported", ratio("2026-06-21")),
        ("2026-W26", "supported", "not_supported", ratio("2026-06-28")),
        ("2026-W27", "not_supported", "supported", ratio("2026-07-05")),
    ]
    assert claim["changes"][0]["previous_period"] == "2026-W19"
    assert claim["changes"][0]["value_before"] == ratio("2026-05-10")
    assert claim["now"] == {
        "period": "2026-W29",
        "verdict": "supported",
        "value": ratio("2026-07-19"),
        "explanation": claim["now"]["explanation"],
    }


def test_no_data_at_the_article_date_is_said_plainly(trended: tuple[Path, dict]) -> None:
    imported, summary = trended
    claim = next(c for c in summary["claims"] if c["id"] == "qwen-top")
    assert claim["article_date"] == "2025-01"
    assert claim["at_article"] == {"verdict": None, "periods": []}
    assert claim["earliest_judged"]["period"] == "2026-W12"
    assert claim["earliest_judged"]["verdict"] == "supported"
    assert claim["changes"] == []
    report = (imported.parent / "reports" / "trends" / "report.md").read_text()
    assert (
        "**At the article's date (January 2025):** no stored data reaches back to January 2025. "
        "The earliest period judged is the week of 16 Mar 2026: ✅ supported" in report
    )


def test_months_take_each_models_last_value_in_the_month(imported: Path, tmp_path: Path) -> None:
    summary = run_trends(imported, "--every", "month", "--out", str(tmp_path / "monthly"))
    assert summary["every"] == "month"
    assert [p["period"] for p in summary["periods"]] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
    ]
    totals = family_totals()
    # March's last capture is Sunday 29 March, May's is 31 May
    for label, day in (("2026-03", "2026-03-29"), ("2026-05", "2026-05-31")):
        whole = sum(totals[day].values())
        assert shares(period(summary, label)) == {
            f: round(v / whole, 4) for f, v in totals[day].items()
        }
    claim = next(c for c in summary["claims"] if c["id"] == "qwen-over-llama")
    # months: April (last: 26 Apr, 1.206) supported, May (31 May, 1.128) not, June (28 Jun) not,
    # July (19 Jul, 1.233) supported
    assert claim["at_article"]["periods"][0]["period"] == "2026-04"
    assert [(c["period"], c["to"]) for c in claim["changes"]] == [
        ("2026-05", "not_supported"),
        ("2026-07", "supported"),
    ]
    # the weekly trend's May and the monthly one agree on the last Sunday
    assert period(summary, "2026-05")["claims"][0]["value"] == round(
        totals["2026-05-31"]["qwen"] / totals["2026-05-31"]["llama"], 4
    )


def test_since_limits_the_span_to_whole_periods(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "since"
    summary = run_trends(imported, "--since", "2026-07-08", "--out", str(out))
    # 8 July is a Wednesday: the report starts with its whole ISO week (6–12 July)
    assert [p["period"] for p in summary["periods"]] == ["2026-W28", "2026-W29"]
    assert summary["data_sources"][0]["kind"] == "import"
    assert summary["data_sources"][0]["first"] == "2026-07-12T13:16:04Z"  # the file's last_updated


def test_cli_end_to_end_writes_report_charts_and_index_link(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(imported), "trends"]) == 0
    out = capsys.readouterr().out
    folder = imported.parent / "reports" / "trends"
    assert out.splitlines()[0] == str(folder / "report.md")
    assert "  qwen-over-llama: now supported (2026-W29), 4 change(s)" in out
    for name in ("verdict_timeline.png", "family_shares.png", "origin_shares.png"):
        height, width, _ = mpimg.imread(folder / name).shape
        assert width >= 1000 and height >= 400, name  # readable on a slide
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["schema_version"] == 2 and summary["kind"] == "trends"
    assert (summary["first_period"], summary["last_period"]) == ("2026-W12", "2026-W29")
    assert summary["as_of"] == "2026-07-19T13:14:16Z"
    index = (imported.parent / "reports" / "index.md").read_text()
    assert "[Every claim, share and rank from 2026-W12 to 2026-W29](trends/report.md)" in index
    # a second run refreshes the link instead of adding another
    assert main(["--config", str(imported), "trends"]) == 0
    assert (imported.parent / "reports" / "index.md").read_text().count("trends/report.md") == 1
    report = (folder / "report.md").read_text()
    assert report.index("## The answer in short") < report.index("## Verdict timeline")
    assert "No backfilled history is stored" in report


def test_no_data_exits_1_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(
        tmp_path, FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "trends"]) == 2  # no database yet: created by nothing
    assert "no database at" in capsys.readouterr().err
    open_store(load_config(config).storage_url())  # a database without snapshots
    assert main(["--config", str(config), "trends"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("hf-monitor: error: no snapshots of watched models in that span")
    assert not (tmp_path / "reports" / "trends").exists()


@pytest.mark.parametrize("since", ["2026", "2026-13", "2026-02-30", "last week"])
def test_bad_since_exits_2_with_one_line(
    imported: Path, since: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(imported), "trends", "--since", since]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--since" in err


def test_shared_real_data_in_all_its_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every recorded CSV together (the example's input): gaps and source changes are named."""
    shared = REPO.parent / "shared" / "real-data"
    files = sorted(shared.glob("*/*.csv"))
    if not files:
        pytest.skip("shared/real-data is not next to this checkout")
    config = write_config(
        tmp_path,
        textwrap.dedent(FAMILIES),
        f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n",
    )
    assert main(["--config", str(config), "import", *map(str, files)]) == 0
    summary = run_trends(config, "--since", "2026-02")
    empty = [p["period"] for p in summary["periods"] if p["models"] == 0]
    assert empty == ["2026-W35", "2026-W37", "2026-W38", "2026-W39", "2026-W40"]
    qwen = next(c for c in summary["claims"] if c["id"] == "qwen-most-used")
    # the last week holds only the hand-transcribed top-62-by-likes file: another pool
    assert qwen["changes"][-1]["period"] == "2026-W41"
    assert qwen["changes"][-1]["sources_changed"] is True


def test_weekly_report_after_trends_in_the_same_folder(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(imported), "trends"]) == 0
    assert main(["--config", str(imported), "report", "--week", "2026-W29"]) == 0
    index = (imported.parent / "reports" / "index.md").read_text()
    assert "| [2026-W29](2026-W29/report.md) |" in index
    assert index.count("## Long-range trends") == 1 and "(trends/report.md)" in index


def test_backfilled_history_then_live_collects_are_told_apart(
    tmp_path: Path,
    fake_hub: FaultyHub,
    storage_url: str,
    vtime: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run of kind `backfill` (as `hf-monitor backfill` stores it) up to 19 July, then a
    real collect from the fake Hub on 22 August that fails for one author: the report says
    where one ends and the other begins, which kind of run is behind each week, and counts
    the partial run."""
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS, encoding="utf-8")
    path = write_config(tmp_path, FAMILIES, f"reports:\n  claims: {claims}\n", storage=storage_url)
    config = load_config(path)
    store = open_store(config.storage_url())
    models: dict[str, ModelRow] = {}
    snapshots = []
    with TRACKED.open(newline="") as handle:
        for row in csv.DictReader(handle):
            family = config.classify(row["model_id"])
            if family is None:
                continue
            models[row["model_id"]] = ModelRow(
                row["model_id"], row["author"], family.id, family.origin
            )
            when = datetime.fromisoformat(row["last_updated"].replace("Z", "+00:00"))
            counts = int(row["downloads_30d"]), None, int(row["likes"]), None
            snapshots.append(SnapshotRow(row["model_id"], when, *counts))
    started = datetime(2026, 11, 1, tzinfo=UTC)
    run = store.begin_run("backfill", "modelpulse/model-pulse-data@0123abc", started)
    rows = list(models.values())
    store.finish_run(
        run, finished_at=started, status="ok", model_rows=rows, snapshot_rows=snapshots
    )
    live = datetime(2026, 8, 22, 12, 40, tzinfo=UTC)
    fake_hub.state.faults.append(Fault("author=microsoft", status=503))
    hub = build_hub(fake_hub.url, timeout=10, page_size=1000)
    assert collect(config, store, hub, clock=lambda: live).status == "partial"

    summary = run_trends(path, "--since", "2026-07")
    kinds = {p["period"]: p["run_kinds"] for p in summary["periods"] if p["models"]}
    assert kinds == {"2026-W27": ["backfill"], "2026-W28": ["backfill"],
                     "2026-W29": ["backfill"], "2026-W34": ["collect"]}  # fmt: skip
    assert [(s["kind"], s["first"], s["last"]) for s in summary["data_sources"]] == [
        ("backfill", "2026-07-05T13:27:47Z", "2026-07-19T13:14:16Z"),
        ("collect", "2026-08-22T12:40:00Z", "2026-08-22T12:40:00Z"),
    ]
    partial = {p["period"]: p["partial_runs"] for p in summary["periods"] if p["models"]}
    assert partial == {"2026-W27": 0, "2026-W28": 0, "2026-W29": 0, "2026-W34": 1}
    report = (tmp_path / "reports" / "trends" / "report.md").read_text()
    assert "Backfilled history ends 2026-07-19; our own collects begin 2026-08-22." in report
    assert "| 2026-W34 | 2026-08-22 12:40 |" in report


def test_published_figures_beside_ours_at_their_date(trended: tuple[Path, dict]) -> None:
    summary = trended[1]
    points = {p["published_as"]: p for p in summary["reference_points"]}
    totals = family_totals()
    # ≈17 Mar 2026, "China ahead of the US in monthly downloads": our week of 16 March
    day = totals["2026-03-22"]
    whole = sum(day.values())
    china, us = day["qwen"] + day["deepseek"], day["llama"] + day["gemma"] + day["phi"]
    spring = points["≈17 Mar 2026"]
    assert spring["ours"] == (
        f"week of 16 Mar 2026: China {china / whole:.1%} vs the US {us / whole:.1%} "
        "of the watched 30-day downloads"
    )
    assert spring["agrees"] is True and spring["comparable"] == "direction only"
    # Mar 2026, ATOM's China / US = 1.59 (cumulative): ours on 31 March is the week of 30 March
    day = totals["2026-04-05"]
    ratio = (day["qwen"] + day["deepseek"]) / (day["llama"] + day["gemma"] + day["phi"])
    atom = points["Mar 2026"]
    assert atom["ours"] == f"week of 30 Mar 2026: China / the US = {ratio:.2f} (30-day downloads)"
    assert atom["agrees"] is True
    # the file does not track deepseek-ai/DeepSeek-R1 itself, only V3 and a distill
    assert (
        points["31 Mar 2026"]["ours"] == "week of 30 Mar 2026: deepseek-ai/DeepSeek-R1 not observed"
    )
    assert points["31 Mar 2026"]["agrees"] is None
    # nothing of ours in 2025: said, not estimated
    assert points["Sep 2025"]["ours"] == "no data of ours for that date"


def test_trend_shares_are_the_weekly_reports_shares(imported: Path) -> None:
    """`group_shares` (fast) against `analysis.group_metrics` (the weekly report's), every
    week of two real files: the fixed 16 and a top-300 list with models that come and go."""
    config = load_config(imported)
    store = open_store(config.storage_url())
    assert (
        main(
            [
                "--config",
                str(imported),
                "import",
                str(DATA / "hf_top_likes_downloads_2026-08-16_and_22.csv"),
            ]
        )
        == 0
    )
    frame = classify_frame(store.snapshots_frame(), config)
    columns = ["models", "downloads_30d", "share_downloads_30d", "rank_downloads_30d"]
    weeks = periods_between(date(2026, 3, 16), date(2026, 8, 23), "week")
    for week in weeks:
        data = week_data(frame, week)
        for by in ("family", "origin"):
            ours = group_shares(data.latest, by)
            theirs = group_metrics(data, None, by)
            if theirs.empty:
                assert ours.empty
                continue
            expected = theirs[columns].astype({"share_downloads_30d": "float64"})
            expected.index = expected.index.astype(str)
            pd.testing.assert_frame_equal(
                ours[columns].astype({"models": "int64"}),
                expected.astype(
                    {"models": "int64", "downloads_30d": "int64", "rank_downloads_30d": "int64"}
                ),
                check_names=False,
            )


# --- thin periods, changed model sets, claims that can't be tested --------------------------

# One capture each Sunday, numbers chosen so every share below is a hand-made fraction:
# W10 holds two families only; from W11 on, four. DeepSeek's second model leaves the capture
# in W12 (as a model leaves a top-30 list), W14 has no capture at all.
POOL_ROWS = """\
snapshot_date,model_id,author,downloads_30d
2026-03-08,Qwen/Qwen-A,Qwen,900
2026-03-08,meta-llama/Llama-1,meta-llama,100
2026-03-15,Qwen/Qwen-A,Qwen,600
2026-03-15,meta-llama/Llama-1,meta-llama,200
2026-03-15,deepseek-ai/DeepSeek-1,deepseek-ai,100
2026-03-15,deepseek-ai/DeepSeek-2,deepseek-ai,80
2026-03-15,microsoft/phi-1,microsoft,50
2026-03-22,Qwen/Qwen-A,Qwen,600
2026-03-22,meta-llama/Llama-1,meta-llama,200
2026-03-22,deepseek-ai/DeepSeek-1,deepseek-ai,40
2026-03-22,microsoft/phi-1,microsoft,60
2026-03-29,Qwen/Qwen-A,Qwen,600
2026-03-29,meta-llama/Llama-1,meta-llama,200
2026-03-29,deepseek-ai/DeepSeek-1,deepseek-ai,80
2026-03-29,microsoft/phi-1,microsoft,70
2026-04-12,Qwen/Qwen-A,Qwen,600
2026-04-12,meta-llama/Llama-1,meta-llama,200
2026-04-12,deepseek-ai/DeepSeek-1,deepseek-ai,90
2026-04-12,microsoft/phi-1,microsoft,70
"""
POOL_CLAIMS = """\
claims:
  - id: qwen-top3
    statement: Qwen is among the three most downloaded families.
    kind: rank
    subject: {label: Qwen, families: [qwen]}
    metric: downloads_30d
    threshold: 3
    source: {outlet: test, date: 2026-03, language: en}
  - id: r1-vs-gptoss
    statement: DeepSeek keeps up with gpt-oss.
    kind: ratio
    subject: {label: DeepSeek, families: [deepseek]}
    versus: {label: gpt-oss, families: [gpt-oss]}
    metric: downloads_30d
    threshold: 0.5
    source: {outlet: test, date: 2026-03, language: en}
"""


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """The trend report (summary.json, report.md) over POOL_ROWS, made once: tests read it."""
    tmp_path = tmp_path_factory.mktemp("pool")
    data = tmp_path / "pool.csv"
    data.write_text(POOL_ROWS, encoding="utf-8")
    claims = tmp_path / "claims.yaml"
    claims.write_text(POOL_CLAIMS, encoding="utf-8")
    config = write_config(tmp_path, FAMILIES, f"reports:\n  claims: {claims}\n")
    assert main(["--config", str(config), "import", str(data)]) == 0
    summary = run_trends(config)
    report = (tmp_path / "reports" / "trends" / "report.md").read_text(encoding="utf-8")
    return summary, report


def test_a_period_with_too_few_families_has_no_shares(pool: tuple[dict, str]) -> None:
    """Fails before MIN_FAMILIES: W10 showed Qwen 90 % of a two-family capture."""
    summary, report = pool
    assert summary["min_families"] == 4
    w10 = period(summary, "2026-W10")
    assert (w10["families_observed"], w10["shares_shown"]) == (2, False)
    assert [f["share_downloads_30d"] for f in w10["families"]] == [None, None]
    assert [f["downloads_30d"] for f in w10["families"]] == [900, 100]  # counts stay
    assert [o["share_downloads_30d"] for o in w10["origins"]] == [None, None]
    # four families from W11: 600 + 200 + (100 + 80) + 50 = 1,030
    w11 = period(summary, "2026-W11")
    assert w11["shares_shown"] is True
    assert shares(w11) == {
        "qwen": round(600 / 1030, 4),
        "llama": round(200 / 1030, 4),
        "deepseek": round(180 / 1030, 4),
        "phi": round(50 / 1030, 4),
    }
    assert "| 2026-W10 | too few families (2 observed) |" in report
    assert "| 2026-W11 | 58.3 % |" in report  # 600 / 1,030
    assert "Largest share (weeks with shares): Qwen (Alibaba) in 4 weeks" in report
    # the file is named in words: 5 models, on 5 Sundays over 36 days
    assert summary["source_descriptions"] == {
        "pool.csv": "another collector's file (5 watched models in all, read weekly from "
        "8 Mar to 12 Apr 2026)"
    }


def test_an_overtaking_on_a_changed_model_set_is_listed_apart(pool: tuple[dict, str]) -> None:
    """Fails before: Phi "passed" DeepSeek in W12 only because DeepSeek-2 left the capture."""
    summary, report = pool
    changes = [c for c in summary["rank_changes"] if c["by"] == "family"]
    assert changes == [
        {
            "by": "family",
            "winner": "phi",
            "loser": "deepseek",
            "period": "2026-W12",
            "previous_period": "2026-W11",
            "winner_share": [round(50 / 1030, 4), round(60 / 900, 4)],
            "loser_share": [round(180 / 1030, 4), round(40 / 900, 4)],
            "sources_changed": False,
            "held": 1,  # W13: DeepSeek 80 > Phi 70, the old order is back
            "reversed_in": "2026-W13",
            "comparable": False,  # DeepSeek: 1 model of the 2 seen in either week
            "model_overlap": [1.0, 0.5],
        },
        {
            "by": "family",
            "winner": "deepseek",
            "loser": "phi",
            "period": "2026-W13",
            "previous_period": "2026-W12",
            "winner_share": [round(40 / 900, 4), round(80 / 950, 4)],
            "loser_share": [round(60 / 900, 4), round(70 / 950, 4)],
            "sources_changed": False,
            "held": 2,  # W13 and W15 (90 > 70); W14 has no data and is skipped
            "reversed_in": None,
            "comparable": True,
            "model_overlap": [1.0, 1.0],
        },
    ]
    assert "**Phi (Microsoft) passed DeepSeek**" not in report
    assert "**DeepSeek passed Phi (Microsoft)** in the week of 23 Mar 2026" in report
    assert "**Order changed because the captured models changed** (1, " in report
    assert "Phi (Microsoft) over DeepSeek (2026-W12)" in report


def test_no_verdict_says_why_and_no_data_is_not_inconclusive(pool: tuple[dict, str]) -> None:
    """Fails before: W14 read "inconclusive" in summary.json, and no period gave a reason."""
    summary, report = pool
    claims = {p["period"]: {c["id"]: c for c in p["claims"]} for p in summary["periods"]}
    assert claims["2026-W10"]["qwen-top3"] == {
        "id": "qwen-top3",
        "verdict": "inconclusive",
        "value": None,
        "explanation": "only 2 families observed; a top-3 rank says nothing",
    }
    assert claims["2026-W11"]["qwen-top3"]["verdict"] == "supported"  # #1 of 4
    assert claims["2026-W10"]["r1-vs-gptoss"]["verdict"] == "untestable"  # no DeepSeek yet
    assert claims["2026-W11"]["r1-vs-gptoss"] == {
        "id": "r1-vs-gptoss",
        "verdict": "untestable",
        "value": None,
        "explanation": "no gpt-oss models in the week's latest captures",
    }
    assert {c["verdict"] for c in claims["2026-W14"].values()} == {"no_data"}
    # at the article's date (March 2026: W10 to W14): W10 inconclusive, then supported;
    # the claim no week can test is "untestable" there, not mixed evidence
    by_id = {c["id"]: c for c in summary["claims"]}
    assert by_id["qwen-top3"]["at_article"]["verdict"] == "mixed"
    assert by_id["r1-vs-gptoss"]["at_article"]["verdict"] == "untestable"
    assert by_id["r1-vs-gptoss"]["now"]["verdict"] == "untestable"
    # the report: the answer first, the reasons lettered under the timeline
    assert report.index("## The answer in short") < report.index("## Each claim in detail")
    assert "- ⊘ **DeepSeek keeps up with gpt-oss.** · now can't be tested (week of 6 Apr" in report
    assert "| 2026-W10 | 2 | ❔ (a) | ⊘ (b) |" in report
    assert "| 2026-W11 | 5 | ✅ #1 | ⊘ (c) |" in report  # 5 models, 4 families
    assert "| 2026-W14 | 0 | – no data | – no data |" in report
    assert "- (a) only 2 families observed; a top-3 rank says nothing" in report
    assert "- (b) no DeepSeek models in the week's latest captures" in report
    assert "- (c) no gpt-oss models in the week's latest captures" in report


def test_reliability_codes_read_as_words() -> None:
    assert describe_reliability("P/S") == "primary source / secondary source (press or summary)"
    assert describe_reliability("T") == "unclear provenance"
    assert describe_reliability("X") == "X"  # an unknown code is shown, not hidden


def test_a_reference_model_without_30_day_downloads_is_said_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A nullable count is pandas' NA, which `value != value` cannot test (it raised)."""
    from monitor.references import ReferencePoint, compare_points
    from monitor.trends import judge_periods

    data = tmp_path / "gap.csv"
    data.write_text(
        "model_id,observed_at,downloads_30d,likes\n"
        "Qwen/Qwen3-8B,2026-08-20T01:00:00Z,,5\n"
        "Qwen/other,2026-08-20T01:00:00Z,10,1\n",
        encoding="utf-8",
    )
    config_path = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config_path), "import", str(data)]) == 0
    config = load_config(config_path)
    frame = classify_frame(open_store(config.storage_url()).snapshots_frame(), config)
    weeks = periods_between(date(2026, 8, 17), date(2026, 8, 23), "week")
    point = ReferencePoint(
        day=date(2026, 8, 20), published_as="Aug 2026", figure="1,000", metric="downloads",
        scope="one model", compare="model:Qwen/Qwen3-8B", value=1000.0, comparable="same metric",
        difference="", source="", reliability="S",
    )  # fmt: skip
    [comparison] = compare_points([point], judge_periods(frame, (), {}, weeks), {})
    assert comparison.ours == "week of 17 Aug 2026: no 30-day downloads for Qwen/Qwen3-8B"
    assert comparison.agrees is None
