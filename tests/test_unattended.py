"""Running unattended: scheduler job table, one run at a time, SIGTERM, idempotent `run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED

from monitor import store as tables
from monitor.cli import main
from monitor.config import load_config
from monitor.hub import STOPPED
from monitor.jobs import run_once
from monitor.scheduler import build_scheduler
from monitor.store import open_store

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config
from .fakefaults import Fault, FaultyHub

SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_scheduler_job_table_comes_from_the_config(tmp_path: Path) -> None:
    extra = 'schedule:\n  timezone: Europe/Berlin\n  collect: "15 4 * * *"\n  report: "0 7 * * 1"\n'
    config = load_config(write_config(tmp_path, SMALL_FAMILIES, extra))
    scheduler = build_scheduler(config)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"collect", "report"}
    collect_next = jobs["collect"].trigger.get_next_fire_time(None, SUNDAY_NOON)
    report_next = jobs["report"].trigger.get_next_fire_time(None, SUNDAY_NOON)
    # crontab's weekday 1 is Monday (APScheduler alone would read it as Tuesday)
    assert report_next.isoformat() == "2026-11-30T07:00:00+01:00"
    assert collect_next.isoformat() == "2026-11-30T04:15:00+01:00"
    assert scheduler._job_defaults == {
        "misfire_grace_time": 3600,
        "coalesce": True,
        "max_instances": 1,
    }
    assert jobs["collect"].args == (config.path, None)


def test_invalid_cron_or_zone_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES, 'schedule:\n  collect: "61 4 * * *"\n')
    assert main(["--config", str(path), "status"]) == 2
    assert "schedule.collect: invalid cron expression '61 4 * * *'" in capsys.readouterr().err
    path = write_config(tmp_path, SMALL_FAMILIES, "schedule:\n  timezone: Mars/Olympus\n")
    assert main(["--config", str(path), "status"]) == 2
    assert "schedule.timezone: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err


def test_a_scheduled_job_runs_the_same_collect_as_the_cli(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = load_config(write_config(tmp_path, SMALL_FAMILIES))
    scheduler = build_scheduler(config)
    done = threading.Event()
    scheduler.add_listener(lambda event: done.set(), EVENT_JOB_EXECUTED)
    scheduler.get_job("collect").modify(next_run_time=datetime.now(UTC))
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        assert done.wait(30)
    finally:
        scheduler.shutdown(wait=True)
        thread.join(10)
    [run] = open_store(config.storage_url()).recent_runs()
    assert (run.kind, run.status, run.requests) == ("collect", "ok", 4)


def _cli(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def _wait_for(predicate, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.slow
def test_second_collect_exits_at_once_while_one_is_running(
    fake_hub: FaultyHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    storage_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)
    held = Fault("author=Qwen", kind="hang", seconds=60)
    fake_hub.state.faults.append(held)
    first = subprocess.Popen(
        _cli(config, "collect"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # The first run holds the lock from before its first request until after its last.
    _wait_for(lambda: any("author=Qwen" in p for p in fake_hub.state.requests))
    started = time.monotonic()
    second = main(["--config", str(config), "collect"])  # here: the first is another process
    _out, err = capsys.readouterr()
    assert time.monotonic() - started < 10  # did not wait for the first
    assert second == 75
    assert f"another run is busy with this database (pid {first.pid} since" in err
    assert err.count("\n") == 1
    held.release.set()  # the first run's answer comes now
    out, _err = first.communicate(timeout=60)
    assert first.returncode == 0 and out.startswith("run 1: ok")
    store = open_store(load_config(config).storage_url())
    assert [r.status for r in store.recent_runs()] == ["ok"]  # one run, nothing written twice
    if storage_url.startswith("sqlite"):
        assert (tmp_path / "data" / "monitor.db.lock").read_text() == ""  # released
    assert main(["--config", str(config), "status"]) == 0
    assert " ok " in capsys.readouterr().out  # the lock is free again


def _start_collect(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _cli(config, "collect"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.slow
def test_sigterm_during_a_request_stops_at_once_and_keeps_what_was_fetched(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails on the old code: the request in flight was waited for (up to hub.timeout and
    its retries) before the run stopped."""
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    fake_hub.state.faults.append(Fault("author=deepseek-ai", kind="hang", seconds=60))
    proc = _start_collect(config)
    _wait_for(lambda: any("author=deepseek-ai" in p for p in fake_hub.state.requests))
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 8  # a loaded 2-core machine; the old code took 20+ s
    assert proc.returncode == 1
    assert "SIGTERM: stopping now, keeping what was fetched" in err
    assert out.startswith("run 1: partial")
    store = open_store(load_config(config).storage_url())
    [run] = store.recent_runs()
    assert run.status == "partial" and run.finished_at is not None
    assert run.errors == tuple(
        (s, STOPPED) for s in ("author:deepseek-ai", "author:google", "author:openai")
    )
    assert set(store.snapshots_frame().family) == {"qwen"}
    assert not any("author=google" in p for p in fake_hub.state.requests)


@pytest.mark.slow
def test_sigterm_during_a_long_backoff_stops_without_another_attempt(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails on the old code: the library slept the Retry-After (61 s) in full, then retried."""
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    busy = Fault("author=deepseek-ai", status=503, headers={"Retry-After": "60"})
    fake_hub.state.faults.append(busy)
    proc = _start_collect(config)
    _wait_for(lambda: busy.hits == 1)
    time.sleep(0.2)  # now inside the wait
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=90)
    assert time.monotonic() - signalled < 8  # a loaded 2-core machine; the old code took 20+ s
    assert proc.returncode == 1 and out.startswith("run 1: partial")
    assert busy.hits == 1  # no remaining retry was sent
    [run] = open_store(load_config(config).storage_url()).recent_runs()
    assert run.errors[0] == ("author:deepseek-ai", STOPPED)


def test_run_writes_the_completed_weeks_report_once(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(path), "import", str(DATA / "two_weeks.csv")]) == 0
    config = load_config(path)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    monday = datetime(2026, 8, 24, 5, 0, tzinfo=UTC)  # W35 has begun: W34 is complete
    result, weekly = run_once(config, monday)
    assert result.status == "ok" and weekly.state == "written" and weekly.week.label == "2026-W34"
    summary = tmp_path / "reports" / "2026-W34" / "summary.json"
    first = summary.stat().st_mtime_ns
    assert json.loads(summary.read_text())["as_of"] == "2026-08-21T01:00:00Z"
    _result, weekly = run_once(config, monday.replace(hour=6))
    assert weekly.state == "exists" and summary.stat().st_mtime_ns == first
    _result, weekly = run_once(config, monday.replace(hour=7), force=True)
    assert weekly.state == "written" and summary.stat().st_mtime_ns != first
    runs = open_store(config.storage_url()).recent_runs()
    assert [r.kind for r in runs] == ["collect", "collect", "collect", "import"]


def test_status_flags_interrupted_runs_gaps_and_next_times(
    tmp_path: Path, capsys, storage_url: str
) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)
    store = open_store(load_config(path).storage_url())
    # the first collect, 20 days ago, was never finished: killed
    store.begin_run("collect", "http://hub", datetime.now(UTC) - timedelta(days=20))
    assert main(["--config", str(path), "status"]) == 0
    out = capsys.readouterr().out
    assert " interrupted " in out
    assert "Days without a successful collect in the last 14: 14" in out
    assert "Next scheduled (hf-monitor schedule): collect " in out and ", report " in out
    assert store.count(tables.runs) == 1


@pytest.mark.slow
def test_schedule_exits_0_on_sigterm(tmp_path: Path) -> None:
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"  # checked at start-up
    config = write_config(tmp_path, SMALL_FAMILIES, claims)
    proc = subprocess.Popen(
        _cli(config, "schedule"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    buffer: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            buffer.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _wait_for(lambda: any("scheduled report" in line for line in buffer))
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    reader.join(5)
    text = "".join(buffer)
    assert "SIGTERM received" in text and "scheduler stopped" in text


DAEMON = """
import logging, sys
from datetime import UTC, datetime
from pathlib import Path
from monitor.config import load_config
from monitor.scheduler import build_scheduler, run_scheduler

logging.basicConfig(level=logging.INFO, stream=sys.stderr)
scheduler = build_scheduler(load_config(Path(sys.argv[1])))
scheduler.get_job("collect").modify(next_run_time=datetime.now(UTC))  # collect at once
sys.exit(run_scheduler(scheduler))
"""


@pytest.mark.slow
def test_the_daemon_stops_within_seconds_of_sigterm_mid_collect(
    fake_hub: FaultyHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails on the old code: the daemon waited for the whole collect (here a 60 s hang and
    its retries; 338 s were seen in the wild, and systemd kills at 90 s)."""
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    fake_hub.state.faults.append(Fault("author=deepseek-ai", kind="hang", seconds=60))
    proc = subprocess.Popen(
        [sys.executable, "-c", DAEMON, str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for(lambda: any("author=deepseek-ai" in p for p in fake_hub.state.requests))
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 8  # a loaded 2-core machine; the old code took 20+ s
    assert proc.returncode == 0
    assert "SIGTERM received" in err and "scheduler stopped" in err
    assert "collect run 1 partial" in err
    store = open_store(load_config(config).storage_url())
    [run] = store.recent_runs()
    assert run.status == "partial" and run.finished_at is not None
    assert [s for s, e in run.errors if e == STOPPED] == [
        "author:deepseek-ai",
        "author:google",
        "author:openai",
    ]
    assert set(store.snapshots_frame().family) == {"qwen"}  # what was fetched is kept


def test_a_busy_postgresql_schema_names_its_own_writer_not_another_schemas(
    pg_server: str, pg_url: str
) -> None:
    """Two monitors in two schemas of one database: the refusal names the holder of this
    schema's lock, even when the other schema's writer connected earlier."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.pool import NullPool

    from monitor.lock import BusyError, writer_lock

    def holder(url: str, name: str) -> tuple[Engine, Connection]:
        engine = create_engine(
            url, poolclass=NullPool, connect_args={"application_name": f"hf-monitor writer {name}"}
        )
        conn = engine.connect()
        conn.execute(
            text("SELECT pg_advisory_lock(hashtext(current_schema() || '/hf-monitor-writer'))")
        )
        return engine, conn

    other_schema = pg_server  # the server's default schema: another monitor's tables
    others = holder(other_schema, "pid 111")  # connected first
    time.sleep(0.05)
    ours = holder(pg_url, "pid 222")
    try:
        with pytest.raises(BusyError, match=r"\(pid 222 since "), writer_lock(pg_url):
            pass
    finally:
        for engine, conn in (ours, others):
            conn.close()
            engine.dispose()


def test_a_stop_before_the_first_request_is_one_line_not_one_per_selector(
    fake_hub: FaultyHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.cli import _print_collect
    from monitor.collect import collect
    from monitor.hub import Hub

    config = load_config(write_config(tmp_path, SMALL_FAMILIES))
    stop = threading.Event()
    stop.set()
    result = collect(config, open_store(config.storage_url()), Hub(fake_hub.url), stop=stop)
    selectors = [s for s, _ in result.errors]
    assert len(selectors) > 2 and all(e == STOPPED for _, e in result.errors)
    _print_collect(result, config)
    err = capsys.readouterr().err
    assert err == (
        f"hf-monitor: {len(selectors)} selectors ({selectors[0]} … {selectors[-1]}): {STOPPED}\n"
    )
