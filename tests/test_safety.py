"""Crash safety, random Hub records, secrets, hostile ids and bad storage paths."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import main
from monitor.collect import Fetched, save_run
from monitor.config import load_config
from monitor.hub import EXPAND, parse_model
from monitor.store import open_store

from .conftest import REPO, SMALL_FAMILIES, VirtualTime, write_config
from .fakefaults import Fault, FaultyHub

# --- kill -9 at any moment --------------------------------------------------------------------


def check_store_consistent(db: Path) -> tuple[int, int]:
    """Every run is either finished with all its rows, or unfinished with none; (done, killed)."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        runs = conn.execute("SELECT id, status, finished_at, models FROM runs").fetchall()
        done = killed = 0
        for run_id, status, finished_at, models in runs:
            snapshots = conn.execute(
                "SELECT count(*) FROM snapshots WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            errors = conn.execute(
                "SELECT count(*) FROM run_errors WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            if status == "running":
                assert (finished_at, snapshots, errors) == (None, 0, 0)
                killed += 1
            else:
                assert finished_at is not None and snapshots == models
                done += 1
    return done, killed


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_a_consistent_store(
    fake_hub: FaultyHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    db = tmp_path / "data" / "monitor.db"
    env = dict(os.environ)
    # Each listing takes 0.3 s, so a collect spans about 1.2 s of Hub traffic.
    fake_hub.state.faults.append(Fault("/api/models", kind="hang", seconds=0.3))
    command = [sys.executable, "-m", "monitor", "--config", str(config), "collect"]
    # Kill after the 1st, 2nd and 4th listing request was seen, and 0.35 s after the 4th
    # (while the run's transaction is being written, or just after).
    for requests_seen, extra_delay in ((1, 0.0), (2, 0.0), (4, 0.0), (4, 0.35)):
        start = len(fake_hub.state.requests)
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while len(fake_hub.state.requests) - start < requests_seen and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(extra_delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        check_store_consistent(db)

    done_before, killed = check_store_consistent(db)
    assert killed >= 3  # the first three kills certainly hit a run in progress
    fake_hub.state.faults.clear()
    assert main(["--config", str(config), "collect"]) == 0  # no manual step, no stale lock
    assert check_store_consistent(db) == (done_before + 1, killed)
    assert main(["--config", str(config), "status"]) == 0
    assert capsys.readouterr().out.count(" interrupted ") == killed


# --- random records through parsing and storage ---------------------------------------------

FIELDS = (*EXPAND, "author", "childrenModelCount")  # what we ask for, and two we don't
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.lists(st.one_of(st.text(max_size=8), st.integers()), max_size=4),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
)
model_ids = st.one_of(
    st.from_regex(r"[A-Za-z0-9][\w.-]{0,20}/[\w.|<>-]{1,40}", fullmatch=True),
    st.text(max_size=40),
    st.none(),
    st.integers(),
)
records = st.fixed_dictionaries({"id": model_ids}, optional=dict.fromkeys(FIELDS, anything))


@settings(max_examples=150, deadline=None)
@given(listing=st.lists(st.one_of(records, anything), max_size=12))
def test_random_hub_records_are_parsed_and_stored_or_skipped_never_a_crash(
    tmp_path_factory: pytest.TempPathFactory, listing: list[object]
) -> None:
    # a fresh database per example, under the test run's scratch folder (tmpfs when there is one)
    with tempfile.TemporaryDirectory(dir=tmp_path_factory.getbasetemp()) as folder:
        config = load_config(write_config(Path(folder), SMALL_FAMILIES))
        store = open_store(config.storage_url())
        family = config.families[0]
        seen = datetime(2026, 8, 22, tzinfo=UTC)
        fetched = Fetched()
        for item in listing:
            model = parse_model(item)
            if model is not None:
                fetched.models.setdefault(model.model_id, (model, family, seen))
        run_id = store.begin_run("collect", "http://hub", seen)
        new = save_run(store, run_id, fetched, status="ok", requests=1, finished=seen)
        assert new == len(fetched.models)
        frame = store.snapshots_frame()
        assert sorted(frame.model_id) == sorted(fetched.models)
        for row in frame.itertuples():
            model = fetched.models[row.model_id][0]
            for column in ("downloads_30d", "downloads_all_time", "likes", "trending_score"):
                stored, parsed = getattr(row, column), getattr(model, column)
                assert pd.isna(stored) if parsed is None else stored == parsed
        store.engine.dispose()


# --- secrets ----------------------------------------------------------------------------------

TOKEN = "hf_TESTsecretTOKEN0123456789abcdefXYZ"


def test_the_token_is_sent_to_the_hub_but_appears_nowhere_else(
    fake_hub: FaultyHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    vtime: VirtualTime,
) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_IMPLICIT_TOKEN", False)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    families = SMALL_FAMILIES + (
        "- id: other\n  label: Other\n  organization: Nobody\n  origin: US\n"
        "  models: [nobody/private-model]\n"
    )
    config = write_config(
        tmp_path, families, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    fake_hub.state.faults.append(Fault("author=google", status=500, headers={"Retry-After": "0"}))
    caplog.set_level("DEBUG")

    assert main(["--config", str(config), "-v", "collect"]) == 1  # partial: google, the 404
    assert main(["--config", str(config), "status"]) == 0
    assert main(["--config", str(config), "export", "--out", str(tmp_path / "out.csv")]) == 0
    assert main(["--config", str(config), "report"]) == 0
    captured = capsys.readouterr()

    assert fake_hub.state.authorized_requests == len(fake_hub.state.requests) > 0
    assert "HTTP 404 Not Found (missing or private)" in captured.out + captured.err
    texts = [captured.out, captured.err, caplog.text]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any(p.name == "report.md" for p in files)
    for path in files:
        data = path.read_bytes()
        assert TOKEN.encode() not in data, path
    for text in texts:
        assert TOKEN not in text


# --- text from the Hub in reports -------------------------------------------------------------


def test_a_crafted_model_id_cannot_break_or_inject_into_the_report(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crafted = "Qwen/x|y<img src=x onerror=alert(1)>*[link](http://evil)"
    with fake_hub.state.lock:
        fake_hub.state.models[crafted] = {"id": crafted, "downloads": 10**12, "likes": 5}
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "collect"]) == 0
    assert main(["--config", str(config), "report"]) == 0
    [report] = (tmp_path / "reports").glob("*/report.md")
    text = report.read_text()

    assert not re.search(r"(?<!\\)<img", text)  # only as `\<img`, which renders as text
    assert not re.search(r"(?<!\\)\]\(http://evil\)", text)
    assert r"Qwen/x\|y\<img src=x onerror=alert(1)\>\*\[link\](http://evil)" in text
    for table in re.findall(r"(?:^\|.*\|\n)+", text, flags=re.MULTILINE):
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in table.splitlines()}
        assert len(widths) == 1, table  # every row has the columns of its header


# --- bad storage paths ------------------------------------------------------------------------


def test_an_unusable_storage_path_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    config = write_config(tmp_path, SMALL_FAMILIES)
    url = f"sqlite:///{blocker}/monitor.db"
    data = tmp_path / "x.csv"  # a real file: an import of nothing stops before the storage
    data.write_text("model_id,observed_at,downloads_30d\nQwen/a,2026-08-20T01:00:00Z,1\n")
    assert main(["--config", str(config), "--storage", url, "import", str(data)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err == (
        f"hf-monitor: error: {blocker}/monitor.db: cannot create the storage folder: "
        f"{blocker} is a file\n"
    )
    assert blocker.read_text() == "a file where a folder should be"


def test_a_corrupt_database_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    db = tmp_path / "data" / "monitor.db"
    db.parent.mkdir()
    garbage = os.urandom(8192)
    db.write_bytes(garbage)
    assert main(["--config", str(config), "collect"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot use database" in err
    assert db.read_bytes() == garbage
