"""Backfill from the fake Hub's copy of modelpulse/model-pulse-data, through the real client.

Expected values come from the real captures the fixture was built from
(../shared/real-data/, see scripts/build-history-fixture.py), looked up by hand:

* deepseek-ai/DeepSeek-R1: 32 days in jonasneves_pulse and 16 (2026-08-07 … 22) in namhyeokwoo,
  3 of them in both (08-12, 08-14, 08-18) → 45 days, none on a gap, skip or partial day.
  2026-06-13: 4,349,631 / 13,389 likes (pulse) and 27,738,105 all-time (spot_points).
  2026-08-12: 8,523,653 / 13,569 (pulse wins over namhyeokwoo's 8,523,653 / 13,561).
* Qwen/Qwen3-8B: pulse every day 2026-05-09 … 08-22 (106 days), less the skip day 05-13 and
  the partial day 06-24 → 104; 2026-07-07 (the duplicated row): 16,914,139 / 1,188 likes.
* zai-org/chatglm3-6b: 16 days in namhyeokwoo, stored as THUDM/… before 08-15 (the rename).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from monitor import store as tables
from monitor.backfill import DATASET, READ_AHEAD, observed_at
from monitor.cli import main
from monitor.config import load_config
from monitor.fakehub import FakeDataset, FakeHub, load_dataset_folder, series_schema
from monitor.store import ModelRow, SnapshotRow, open_store, utc

from .conftest import CLOSED_PORT, SMALL_FAMILIES, write_config
from .fakefaults import Fault, FaultyHub

FAMILIES = (
    SMALL_FAMILIES
    + """\
- id: glm
  label: GLM (Zhipu / Z.ai)
  organization: Zhipu AI
  origin: CN
  authors: [zai-org, THUDM]
"""
)
R1 = "deepseek-ai/DeepSeek-R1"
QWEN = "Qwen/Qwen3-8B"
GLM = "zai-org/chatglm3-6b"
SKIP_DAY, PARTIAL_DAY = date(2026, 5, 13), date(2026, 6, 24)


@pytest.fixture
def dataset() -> FakeDataset:
    return load_dataset_folder()


@pytest.fixture
def hub(dataset: FakeDataset, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyHub]:
    with FaultyHub([]) as fake:
        fake.state.datasets[DATASET] = dataset
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        yield fake


@pytest.fixture
def config_path(tmp_path: Path, storage_url: str) -> Path:
    return write_config(tmp_path, FAMILIES, storage=storage_url)


def backfill(config_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "backfill", *args])


def stored(config_path: Path) -> dict[tuple[str, date], tuple[Any, ...]]:
    """(model, UTC day) → (observed_at, downloads_30d, downloads_all_time, likes)."""
    store = open_store(load_config(config_path).storage_url())
    s = tables.snapshots.c
    query = select(s.model_id, s.observed_at, s.downloads_30d, s.downloads_all_time, s.likes)
    out: dict[tuple[str, date], tuple[Any, ...]] = {}
    with store.engine.connect() as conn:
        for model_id, at, dl30, dl_all, likes in conn.execute(query):
            key = (model_id, utc(at).date())
            assert key not in out, f"two snapshots for {key}"
            out[key] = (utc(at), dl30, dl_all, likes)
    return out


def days_of(rows: dict, model: str) -> list[date]:
    return sorted(day for m, day in rows if m == model)


# --- what is stored ---------------------------------------------------------------------------


def test_rows_match_the_real_captures(
    hub: FakeHub, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill(config_path) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar when stderr is not a terminal
    assert out.startswith("backfill run 1: ok — 7 months (0 already stored), ")
    assert f"hf://datasets/{DATASET}@{hub.state.datasets[DATASET].sha})" in out
    rows = stored(config_path)
    assert len(days_of(rows, R1)) == 45
    at = datetime(2026, 6, 13, 13, 30, tzinfo=UTC)
    assert rows[(R1, date(2026, 6, 13))] == (at, 4_349_631, 27_738_105, 13_389)
    assert rows[(R1, date(2026, 8, 12))][1:] == (8_523_653, None, 13_569)
    assert rows[(R1, date(2026, 8, 10))][1:] == (8_848_933, None, 13_555)  # namhyeokwoo only
    # Only watched models: the fixture's top-30 lists hold sentence-transformers, BAAI, …
    assert {m.split("/")[0] for m, _ in rows} <= {
        "Qwen",
        "deepseek-ai",
        "google",
        "openai",
        "zai-org",
    }
    assert all(m.startswith("google/") is False or "gemma" in m for m, _ in rows)


def test_skip_and_partial_days_are_dropped(
    hub: FakeHub, config_path: Path, dataset: FakeDataset
) -> None:
    raw = pq.read_table(io.BytesIO(dataset.files["series/2026-05.parquet"]))
    assert SKIP_DAY in raw["day"].to_pylist()  # the rows are in the file …
    assert backfill(config_path) == 0
    rows = stored(config_path)
    assert not [k for k in rows if k[1] in (SKIP_DAY, PARTIAL_DAY)]  # … and not stored
    qwen = days_of(rows, QWEN)
    assert len(qwen) == 104 and qwen[0] == date(2026, 5, 9) and qwen[-1] == date(2026, 8, 22)


def test_duplicate_rows_are_stored_once(
    hub: FakeHub, config_path: Path, dataset: FakeDataset
) -> None:
    raw = pq.read_table(io.BytesIO(dataset.files["series/2026-07.parquet"])).to_pylist()
    assert sum(r["id"] == QWEN and r["day"] == date(2026, 7, 7) for r in raw) == 2
    assert backfill(config_path) == 0
    assert stored(config_path)[(QWEN, date(2026, 7, 7))][1:] == (16_914_139, None, 1_188)


def test_a_renamed_model_has_one_history(
    hub: FakeHub, config_path: Path, dataset: FakeDataset
) -> None:
    raw = pq.read_table(io.BytesIO(dataset.files["series/2026-08.parquet"])).to_pylist()
    assert sum(r["id"] == "THUDM/chatglm3-6b" for r in raw) == 9  # 08-07 … 08-15
    assert backfill(config_path) == 0
    rows = stored(config_path)
    assert days_of(rows, "THUDM/chatglm3-6b") == []
    glm = days_of(rows, GLM)
    assert len(glm) == 16 and glm[0] == date(2026, 8, 7) and glm[-1] == date(2026, 8, 22)
    assert rows[(GLM, date(2026, 8, 9))][1:] == (85_868, None, 1_166)
    store = open_store(load_config(config_path).storage_url())
    with store.engine.connect() as conn:
        ids = set(conn.execute(select(tables.models.c.model_id)).scalars())
    assert "THUDM/chatglm3-6b" not in ids and GLM in ids


def test_all_time_counts_before_2025_02_27_are_unknown(
    hub: FakeHub, config_path: Path, dataset: FakeDataset
) -> None:
    """An older build's file: 0 (and one real-looking count) where the Hub had no all-time field.

    Test-only rows, moved to February 2025 from the fixture's DeepSeek-R1 row of 2026-06-13.
    """
    rows = [
        (R1, date(2025, 2, 25), 4_349_631, 0, 13_389),
        (R1, date(2025, 2, 26), 4_349_631, 27_738_105, 13_389),
        (R1, date(2025, 2, 27), 4_349_631, 27_738_105, 13_389),
        (R1, date(2025, 2, 28), 4_349_631, None, 13_389),
    ]
    dataset.files["series/2025-02.parquet"] = _parquet(rows)
    assert backfill(config_path, "--since", "2025-02") == 0
    got = stored(config_path)
    assert [got[(R1, d)][2] for d in (date(2025, 2, d) for d in (25, 26, 27, 28))] == [
        None,
        None,
        27_738_105,
        None,
    ]
    # Before 2025-07-09 the source captured each day at about 23:40 UTC.
    assert got[(R1, date(2025, 2, 25))][0] == datetime(2025, 2, 25, 23, 40, tzinfo=UTC)


def test_ids_the_importer_refuses_are_skipped_and_counted(
    hub: FaultyHub, config_path: Path, dataset: FakeDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same id rule as `import`: a watched author's odd ids are not stored, but counted."""
    odd = ["Qwen/<script>", "Qwen/a b", "Qwen/x--y"]  # markup, a space, a double dash
    rows = [(m, date(2025, 3, d), 10, 100, 1) for m in [R1, *odd] for d in (3, 4)]
    dataset.files["series/2025-03.parquet"] = _parquet(rows)
    assert backfill(config_path, "--since", "2025-03") == 0
    out = capsys.readouterr().out
    assert ", 3 invalid ids skipped (as import would refuse them), " in out
    got = stored(config_path)
    assert {m for m, day in got if day.year == 2025} == {R1}
    store = open_store(load_config(config_path).storage_url())
    with store.engine.connect() as conn:
        models = set(conn.scalars(select(tables.models.c.model_id)))
    assert R1 in models and not models & set(odd)


def test_live_snapshots_win(hub: FakeHub, config_path: Path) -> None:
    store = open_store(load_config(config_path).storage_url())
    live_at = datetime(2026, 7, 7, 3, 30, tzinfo=UTC)
    run = store.begin_run("collect", "http://hub", live_at)
    store.finish_run(
        run,
        finished_at=live_at,
        status="ok",
        model_rows=[ModelRow(QWEN, "Qwen", "qwen", "CN")],
        snapshot_rows=[SnapshotRow(QWEN, live_at, 16_900_000, 90_000_000, 1_187, 5.0)],
    )
    assert backfill(config_path) == 0
    rows = stored(config_path)
    assert rows[(QWEN, date(2026, 7, 7))] == (live_at, 16_900_000, 90_000_000, 1_187)
    assert (QWEN, date(2026, 7, 8)) in rows and len(days_of(rows, QWEN)) == 104


def test_rerun_adds_nothing_and_a_new_revision_only_what_is_new(
    hub: FakeHub, config_path: Path, dataset: FakeDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill(config_path) == 0
    first = stored(config_path)
    capsys.readouterr()
    assert backfill(config_path) == 0
    assert capsys.readouterr().out.startswith("nothing to do: 7 months already stored")
    assert stored(config_path) == first
    # The source adds a day: a new commit; only the changed file is read, one snapshot is new.
    table = pq.read_table(io.BytesIO(dataset.files["series/2026-08.parquet"])).to_pylist()
    extra = (R1, date(2026, 8, 23), 5_800_000, None, 13_590)
    rows = [tuple(r.values()) for r in table] + [extra]
    changed = FakeDataset(DATASET, {**dataset.files, "series/2026-08.parquet": _parquet(rows)})
    hub.state.datasets[DATASET] = changed
    assert changed.sha != dataset.sha
    assert backfill(config_path) == 0
    out = capsys.readouterr().out
    assert " — 1 months (6 already stored), 1 new snapshots, " in out
    assert changed.sha in out
    assert {path for path, _ in changed.served if path.startswith("series/")} == {
        "series/2026-08.parquet"
    }
    assert set(stored(config_path)) - set(first) == {(R1, date(2026, 8, 23))}


def test_since_limits_and_a_later_run_completes(hub: FakeHub, config_path: Path) -> None:
    assert backfill(config_path, "--since", "2026-07-15") == 0
    rows = stored(config_path)
    assert min(day for _, day in rows) == date(2026, 7, 15)
    store = open_store(load_config(config_path).storage_url())
    assert {path for path, _, _ in store.backfilled_files()} == {"series/2026-08.parquet"}
    assert backfill(config_path, "--since", "2026-07") == 0  # July was not recorded: read whole
    assert min(day for _, day in stored(config_path)) == date(2026, 7, 1)
    assert backfill(config_path) == 0
    assert len(days_of(stored(config_path), QWEN)) == 104


def test_bad_since_is_a_usage_error(
    hub: FakeHub, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill(config_path, "--since", "July") == 2
    assert (
        capsys.readouterr().err
        == "hf-monitor: error: --since 'July': expected YYYY-MM-DD or YYYY-MM\n"
    )


# --- failures ---------------------------------------------------------------------------------


def test_a_file_with_other_columns_stores_nothing_of_it(
    hub: FakeHub, config_path: Path, dataset: FakeDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pq.read_table(io.BytesIO(dataset.files["series/2026-05.parquet"]))
    renamed = table.rename_columns(["id", "day", "downloads", "dl_all", "likes"])
    sink = io.BytesIO()
    pq.write_table(renamed, sink)
    dataset.files["series/2026-05.parquet"] = sink.getvalue()
    assert backfill(config_path) == 1
    err = capsys.readouterr().err
    assert err == (
        f"hf-monitor: error: {DATASET}: series/2026-05.parquet: columns differ from the expected "
        "schema: no column 'dl30'\n"
    )
    months = {day.strftime("%Y-%m") for _, day in stored(config_path)}
    assert months == {"2026-02", "2026-03", "2026-04"}  # whole months before it, nothing after
    [run] = open_store(load_config(config_path).storage_url()).recent_runs()
    assert run.kind == "backfill" and run.status == "failed"
    assert run.errors == (
        ("series/2026-05.parquet", err.removeprefix("hf-monitor: error: ").strip()),
    )


def test_a_corrupt_file_is_called_corrupt_not_unreachable(
    hub: FakeHub, config_path: Path, dataset: FakeDataset, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = dataset.files["series/2026-05.parquet"]
    # the footer's metadata block garbled, its length and the magic bytes kept
    length = int.from_bytes(whole[-8:-4], "little")
    start = len(whole) - 8 - length
    dataset.files["series/2026-05.parquet"] = whole[:start] + b"\x07" * length + whole[-8:]
    assert backfill(config_path) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"hf-monitor: error: {DATASET}: series/2026-05.parquet: not a readable Parquet file ("
    )
    assert "cannot reach" not in err and err.count("\n") == 1
    months = {day.strftime("%Y-%m") for _, day in stored(config_path)}
    assert months == {"2026-02", "2026-03", "2026-04"}  # whole months before it, nothing after


def test_dataset_missing(
    config_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHub([]) as empty:
        monkeypatch.setenv("HF_ENDPOINT", empty.url)
        assert backfill(config_path) == 1
    assert capsys.readouterr().err == (
        f"hf-monitor: error: dataset {DATASET}: not found at {empty.url} (missing or private)\n"
    )
    assert stored(config_path) == {}


def test_unknown_revision(
    hub: FakeHub, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill(config_path, "--revision", "0" * 40) == 1
    assert capsys.readouterr().err == (
        f"hf-monitor: error: dataset {DATASET}: no such revision at {hub.url}\n"
    )


def test_hub_unreachable(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert os.environ["HF_ENDPOINT"] == CLOSED_PORT
    assert backfill(config_path) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hf-monitor: error: dataset {DATASET}: cannot reach {CLOSED_PORT} (")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("path", "what"),
    [
        (f"/api/datasets/{DATASET}", f"dataset {DATASET}"),  # the first request: its sha
        (f"/api/datasets/{DATASET}/tree/", f"{DATASET}: series/"),
    ],
)
def test_an_answer_that_is_not_json_is_named(
    hub: FaultyHub, config_path: Path, path: str, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    hub.state.faults.append(Fault(path, kind="garbage", times=1))  # a 200, an HTML body
    assert backfill(config_path) == 1
    assert capsys.readouterr().err == (
        f"hf-monitor: error: {what}: {hub.url} answered with something that is not JSON\n"
    )
    assert stored(config_path) == {}


def test_a_file_read_is_bounded_as_a_whole(
    hub: FaultyHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file sent a byte at a time never trips the per-read timeout; the whole read is bounded
    (5 requests' timeouts: 2.5 s here) and the months before it are kept whole."""
    config = write_config(tmp_path, FAMILIES, "hub:\n  timeout: 0.5\n")
    hub.state.faults.append(Fault("series/2026-05.parquet", kind="drip", seconds=0.05))
    try:
        assert backfill(config) == 1
    finally:
        for fault in hub.state.faults:
            fault.release.set()  # stop dripping into a reader that was given up on
        hub.state.faults.clear()
        wait_for_abandoned_reads()
    assert capsys.readouterr().err == (
        f"hf-monitor: error: {DATASET}: series/2026-05.parquet: no complete answer from "
        f"{hub.url} within 2.5 s\n"
    )
    months = {day.strftime("%Y-%m") for _, day in stored(config)}
    assert months == {"2026-02", "2026-03", "2026-04"}  # whole months before it, nothing after
    [run] = open_store(load_config(config).storage_url()).recent_runs()
    assert run.status == "failed"


def wait_for_abandoned_reads(seconds: float = 30) -> None:
    """Let the reads a backfill gave up on end while this test's fake Hub still answers: the
    library retries them, and a retry that finds the Hub gone closes its shared client, under
    whatever the next test is doing with it."""
    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread.name == "bounded-call":
            thread.join(max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), "a read given up on is still running"


# --- reading only what is needed --------------------------------------------------------------


def test_only_watched_row_groups_are_read(
    hub: FakeHub, tmp_path: Path, dataset: FakeDataset
) -> None:
    deepseek = """\
- id: deepseek
  label: DeepSeek
  organization: DeepSeek
  origin: CN
  authors: [deepseek-ai]
"""
    config_path = write_config(tmp_path, deepseek)
    assert backfill(config_path) == 0
    series = {p for p in dataset.files if p.startswith("series/")}
    served = {p: 0 for p in series}
    for path, n in dataset.served:
        if path in served:
            served[path] += n
    for path in series:
        metadata = pq.ParquetFile(io.BytesIO(dataset.files[path])).metadata
        footer = int.from_bytes(dataset.files[path][-8:-4], "little")
        wanted = [
            i
            for i in range(metadata.num_row_groups)
            if (s := metadata.row_group(i).column(0).statistics).min < "deepseek-ai0"
            and s.max >= "deepseek-ai/"
        ]
        groups = sum(
            metadata.row_group(i).column(j).total_compressed_size
            for i in wanted
            for j in range(metadata.num_columns)
        )
        # The tail (8 bytes), the footer plus the tail again, the groups, one read-ahead each.
        assert served[path] <= footer + 16 + groups + READ_AHEAD * max(len(wanted), 1), path
        assert served[path] >= footer + 16 + groups  # the wanted groups were read
        if metadata.num_row_groups >= 5:
            assert len(wanted) < metadata.num_row_groups / 3
    assert served["series/2026-08.parquet"] < len(dataset.files["series/2026-08.parquet"]) / 3
    assert len(days_of(stored(config_path), R1)) == 45


def test_nothing_watched_reads_footers_only(
    hub: FakeHub, tmp_path: Path, dataset: FakeDataset
) -> None:
    nobody = """\
- id: nobody
  label: Nobody
  organization: Nobody
  origin: US
  authors: [0-nobody]  # sorts before every id in the fixture: no row group can hold it
"""
    config_path = write_config(tmp_path, nobody)
    assert backfill(config_path) == 0
    series = sorted(p for p in dataset.files if p.startswith("series/"))
    for path in series:
        footer = int.from_bytes(dataset.files[path][-8:-4], "little")
        assert sum(n for p, n in dataset.served if p == path) == footer + 16  # exactly, by hand


# --- provenance -------------------------------------------------------------------------------


def test_status_and_export_tell_backfilled_rows_apart(
    hub: FakeHub, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backfill(config_path) == 0
    capsys.readouterr()
    assert main(["--config", str(config_path), "status"]) == 0
    out = capsys.readouterr().out
    sha = hub.state.datasets[DATASET].sha
    assert f"Latest backfill: run 1 (ok) from hf://datasets/{DATASET}@{sha}" in out
    assert main(["--config", str(config_path), "export"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(",source")
    assert {line.rsplit(",", 1)[1] for line in lines[1:]} == {"backfill"}
    assert f"{observed_at(date(2026, 6, 13)):%Y-%m-%dT%H:%M:%SZ},{R1}," in "\n".join(lines)


# --- killed half-way --------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_leaves_whole_months_and_the_next_run_finishes(
    hub: FakeHub, config_path: Path, tmp_path: Path
) -> None:
    (tmp_path / "ref").mkdir()
    reference = write_config(tmp_path / "ref", FAMILIES, storage="sqlite:///ref.db")
    assert backfill(reference) == 0
    expected = _per_month(stored(reference))
    config = load_config(config_path)
    store = open_store(config.storage_url())
    hub.state.latency = 0.15  # every request: a slow Hub, so the kill lands mid-run
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "backfill"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while store.count(tables.backfill_files) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the backfill ended before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    hub.state.latency = 0.0
    done = store.count(tables.backfill_files)
    assert 2 <= done < 7
    half = _per_month(stored(config_path))
    assert all(half[m] == expected[m] for m in half)  # whole months only
    assert len(half) == done
    assert store.recent_runs()[0].status == "running"  # visibly unfinished
    assert backfill(config_path) == 0
    assert _per_month(stored(config_path)) == expected
    assert store.count(tables.backfill_files) == 7


@pytest.mark.slow
def test_sigterm_stops_with_one_line_and_the_run_marked_failed(
    hub: FakeHub, config_path: Path
) -> None:
    store = open_store(load_config(config_path).storage_url())
    hub.state.latency = 0.15  # a slow Hub, so the signal lands mid-run
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config_path), "backfill"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while store.count(tables.backfill_files) < 1 and time.monotonic() < deadline:
        assert process.poll() is None, "the backfill ended before it could be stopped"
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    hub.state.latency = 0.0
    assert process.returncode == 130
    assert err == (
        "hf-monitor: SIGTERM: stopping; the months already stored are kept\nhf-monitor: interrupted\n"
    )
    [run] = store.recent_runs()
    assert run.status == "failed" and run.errors[0][1].startswith("KeyboardInterrupt")
    assert backfill(config_path) == 0  # and the next run finishes the job
    assert store.count(tables.backfill_files) == 7


def _per_month(rows: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, day in rows:
        out[f"{day:%Y-%m}"] = out.get(f"{day:%Y-%m}", 0) + 1
    return out


def _parquet(rows: list[tuple]) -> bytes:
    schema = series_schema()
    columns = list(zip(*sorted(rows, key=lambda r: (r[0], r[1])), strict=True))
    table = pa.table([pa.array(c, t) for c, t in zip(columns, schema.types, strict=True)], schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=200)
    return sink.getvalue()


# --- the fake Hub's dataset endpoints, through the library's own calls -----------------------


def test_fake_dataset_answers_the_library(
    hub: FakeHub, dataset: FakeDataset, tmp_path: Path
) -> None:
    from huggingface_hub import HfApi, hf_hub_download

    api = HfApi(endpoint=hub.url)
    assert api.dataset_info(DATASET).sha == dataset.sha
    tree = {e.path for e in api.list_repo_tree(DATASET, repo_type="dataset", revision=dataset.sha)}
    assert tree == {"series", "meta.json", "renames.parquet"}
    [info] = api.get_paths_info(DATASET, ["meta.json"], repo_type="dataset", revision=dataset.sha)
    assert info.size == len(dataset.files["meta.json"])
    path = hf_hub_download(
        DATASET,
        "renames.parquet",
        repo_type="dataset",
        revision=dataset.sha,
        cache_dir=tmp_path,
        endpoint=hub.url,
    )
    assert Path(path).read_bytes() == dataset.files["renames.parquet"]
    assert pq.read_table(path).to_pylist()[0]["old"] == "THUDM/chatglm3-6b"


def test_the_librarys_close_after_a_connection_error_leaves_the_runs_client_open(
    hub: FaultyHub,
) -> None:
    """The library closes its shared client after any connection error, also one met by a read
    a run gave up on and that still retries in its own thread; the run's client stays usable
    until its block ends (a later backfill in the same process failed with 'Bad file
    descriptor' when that close landed mid-read)."""
    from huggingface_hub import close_session, get_session  # what the library's retry calls

    from monitor.hub import Hub

    run = Hub(hub.url, timeout=5)
    with run.library_calls():
        client = get_session()
        close_session()  # as a retry in an abandoned read's thread would
        assert get_session() is client
        assert client.get(f"{hub.url}/api/models", params={"limit": 1}).status_code == 200
    assert client.is_closed
    assert get_session() is not client
