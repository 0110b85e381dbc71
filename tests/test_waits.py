"""Every wait bounded: long rate-limit resets, trickled answers, stop requests, an unreachable
Hub, and two `Hub`s side by side.

All through the real `huggingface_hub` helpers to the fake Hub on loopback (or to a closed
port); waits run on virtual time except where a real answer is being waited for.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.collect import NO_ANSWER, collect
from monitor.config import Config, load_config
from monitor.hub import STOPPED, DeadlineExceeded, Hub, HubUnreachable
from monitor.jobs import run_once
from monitor.scheduler import scheduled_collect
from monitor.store import Store, open_store

from .conftest import CLOSED_PORT, DATA, REPO, SMALL_FAMILIES, VirtualTime, write_config
from .fakefaults import Fault, FaultyHub
from .test_collect import FIXED
from .test_faults import explicit_config, virtual_hub


def families_stored(store: Store) -> set[str]:
    return set(store.snapshots_frame().family)


# --- waits the Hub asks for, capped at the deadline -------------------------------------------


def test_a_rate_limit_reset_past_the_deadline_is_not_slept(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    """Fails on the old code: the library slept the reset (3,001 s) in full."""
    spent = Fault("author=google", status=429, headers={"RateLimit": '"api";r=0;t=3000'})
    fake_hub.state.faults.append(spent)
    hub = virtual_hub(fake_hub, vtime, deadline=900)
    result = collect(small_config, store, hub, clock=lambda: FIXED)

    assert vtime.slept == []  # nothing begun that would end after the deadline
    assert result.status == "partial"
    reason = "not fetched: the Hub asked to wait 3001 s, past the run deadline"
    assert result.errors == (("author:google", reason), ("author:openai", reason))
    assert spent.hits == 1 and result.requests == 3  # openai's request was never sent
    assert families_stored(store) == {"qwen", "deepseek"}


def test_a_huge_retry_after_is_not_slept_and_holds_back_the_next_selectors(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    """Fails on the old code: 100,001 s of sleep inside the library."""
    busy = Fault("author=deepseek-ai", status=503, headers={"Retry-After": "100000"})
    fake_hub.state.faults.append(busy)
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, deadline=900))

    assert vtime.slept == [] and busy.hits == 1 and result.requests == 2
    reason = "not fetched: the Hub asked to wait 100001 s, past the run deadline"
    assert result.errors == (
        ("author:deepseek-ai", reason),
        ("author:google", reason),
        ("author:openai", reason),
    )
    assert families_stored(store) == {"qwen"}


def test_waits_inside_the_deadline_are_still_waited_in_full(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults.append(
        Fault("author=google", status=503, headers={"Retry-After": "99"}, times=1)
    )
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, deadline=900))
    assert result.status == "ok" and vtime.slept == [100.0] and result.requests == 5


def test_backoff_stops_where_the_next_wait_would_pass_the_deadline(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    down = Fault("author=openai", status=503)
    fake_hub.state.faults.append(down)
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, deadline=10))
    assert vtime.slept == [1.0, 2.0, 4.0] and down.hits == 4  # 7 s waited, 8 more won't fit
    assert result.errors == (
        ("author:openai", "not fetched: the next attempt in 8 s, past the run deadline"),
    )


# --- a stop request wakes every wait ----------------------------------------------------------


def test_a_stop_during_backoff_sends_no_further_attempt(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    busy = Fault("author=deepseek-ai", status=503)  # down for good: 5 waits would follow
    fake_hub.state.faults.append(busy)
    stop = threading.Event()

    def signal_arrives(seconds: float) -> None:
        vtime.sleep(seconds)
        stop.set()  # SIGTERM during the first backoff

    hub = Hub(fake_hub.url, timeout=5, clock=vtime.monotonic, sleep=signal_arrives)
    result = collect(small_config, store, hub, clock=lambda: FIXED, stop=stop)

    assert vtime.slept == [1.0] and busy.hits == 1 and result.requests == 2
    assert result.errors == (
        ("author:deepseek-ai", STOPPED),
        ("author:google", STOPPED),
        ("author:openai", STOPPED),
    )
    assert result.status == "partial" and families_stored(store) == {"qwen"}


def test_a_real_wait_ends_as_soon_as_stop_is_set(
    fake_hub: FaultyHub, store: Store, small_config: Config
) -> None:
    """Real time: the wait is an Event, not time.sleep (the old code slept 61 s here)."""
    busy = Fault("author=deepseek-ai", status=503, headers={"Retry-After": "60"})
    fake_hub.state.faults.append(busy)
    stop = threading.Event()
    stopped_at: list[float] = []

    def signal_arrives() -> None:  # once the 503 is out, i.e. during (or just before) the wait
        while busy.hits == 0:
            time.sleep(0.005)
        time.sleep(0.05)
        stopped_at.append(time.monotonic())
        stop.set()

    threading.Thread(target=signal_arrives, daemon=True).start()
    result = collect(small_config, store, Hub(fake_hub.url, timeout=5), stop=stop)
    assert time.monotonic() - stopped_at[0] < 1  # not the 61 s asked for
    assert busy.hits == 1 and result.errors[0] == ("author:deepseek-ai", STOPPED)


# --- a whole request bounded ------------------------------------------------------------------


def test_an_answer_trickled_a_byte_at_a_time_times_out_as_a_whole(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    """Fails on the old code: every byte reset the read timeout, so the 62-byte answer took
    12 s and counted as a success."""
    slow = Fault("author=deepseek-ai", kind="trickle", status=200, body="[" + " " * 60 + "]")
    slow.seconds, slow.times = 0.2, 1
    fake_hub.state.faults.append(slow)
    started = time.monotonic()
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, timeout=1.0))
    elapsed = time.monotonic() - started

    assert 1.0 <= elapsed < 4
    assert result.status == "ok" and vtime.slept == [1.0]  # dropped, then asked again
    assert result.requests == 5 and families_stored(store) == {
        "qwen",
        "deepseek",
        "gemma",
        "gpt-oss",
    }


def test_a_trickled_answer_that_never_ends_is_reported_as_timed_out(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    slow = Fault("author=openai", kind="trickle", status=200, body="[" + " " * 600 + "]")
    slow.seconds = 0.05
    fake_hub.state.faults.append(slow)
    started = time.monotonic()
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, timeout=0.5))
    assert time.monotonic() - started < 6  # 6 attempts of 0.5 s, not 6 of 30 s
    assert slow.hits == 6 and vtime.slept == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert result.errors == (
        ("author:openai", "timed out (no answer within the timeout, after retries)"),
    )


# --- nothing answers at all -------------------------------------------------------------------


def test_an_unreachable_hub_stops_after_the_first_selectors_retries(
    store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    """Fails on the old code: every author was retried six times (about 350 s by default)."""
    hub = Hub(CLOSED_PORT, timeout=5, clock=vtime.monotonic, sleep=vtime.sleep)
    with pytest.raises(HubUnreachable) as raised:
        collect(small_config, store, hub, clock=lambda: FIXED)

    assert vtime.slept == [1.0, 2.0, 4.0, 8.0, 8.0]  # 23 s: well under a minute
    assert hub.requests == 6  # the first author's attempts only
    message = str(raised.value)
    assert message == (
        "run 1 failed: cannot reach the Hub at http://127.0.0.1:9 (Connection refused; "
        "6 attempt(s), no answer). Check the network, or set HF_ENDPOINT to a mirror; "
        "`hf-monitor demo` works offline"
    )
    [run] = store.recent_runs()
    assert run.status == "failed" and run.finished_at is not None
    assert run.errors == (
        ("author:Qwen", "network error: ConnectError: Connection refused"),
        ("author:deepseek-ai", NO_ANSWER),
        ("author:google", NO_ANSWER),
        ("author:openai", NO_ANSWER),
    )


def test_an_unreachable_hub_is_one_line_from_the_command_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vtime: VirtualTime,
) -> None:
    """The shipped watch list (15 selectors) against a closed port: one line, not 15."""
    path = tmp_path / "config.yaml"
    path.write_text((REPO / "config.yaml").read_text())
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_PORT)
    assert main(["--config", str(path), "collect"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("hf-monitor: error: run 1 failed: cannot reach the Hub at ")
    assert "Connection refused" in err and "hf-monitor demo" in err and "HF_ENDPOINT" in err
    assert sum(vtime.slept) < 60


def test_a_hub_that_answers_keeps_the_per_selector_behaviour(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults.append(Fault("author=Qwen", status=503))  # answers, but only 503s
    result = collect(small_config, store, virtual_hub(fake_hub, vtime))
    assert result.status == "partial"
    assert result.errors == (("author:Qwen", "HTTP 503 Service Unavailable"),)
    assert families_stored(store) == {"deepseek", "gemma", "gpt-oss"}


def test_a_bad_endpoint_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES)
    monkeypatch.setenv("HF_ENDPOINT", "not-a-url")
    assert main(["--config", str(path), "collect"]) == 2
    _out, err = capsys.readouterr()
    assert err == (
        "hf-monitor: error: the Hub endpoint 'not-a-url' (HF_ENDPOINT or hub.endpoint) is not "
        "an http(s) URL; for example https://huggingface.co or a mirror's address\n"
    )
    assert open_store(load_config(path).storage_url()).recent_runs() == []  # no run begun


def test_offline_mode_is_one_line_without_a_request(
    fake_hub: FaultyHub, store: Store, small_config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubUnreachable, match=r"HF_HUB_OFFLINE is set \(unset it to collect\)"):
        collect(small_config, store, Hub(fake_hub.url, timeout=5))
    assert fake_hub.state.requests == []


# --- the explicit-model path --------------------------------------------------------------------


def test_a_malformed_model_answer_is_asked_for_three_times_in_all(
    fake_hub: FaultyHub, tmp_path: Path, vtime: VirtualTime
) -> None:
    """Fails on the old code: five attempts (four retries), not the documented two retries."""
    config = explicit_config(tmp_path, "deepseek-ai/DeepSeek-R1")
    store = open_store(config.storage_url())
    garbage = Fault("/api/models/deepseek-ai/", kind="garbage")
    fake_hub.state.faults.append(garbage)
    result = collect(config, store, virtual_hub(fake_hub, vtime), clock=lambda: FIXED)
    assert garbage.hits == 3 and vtime.slept == [1.0, 2.0]
    assert result.errors == (("model:deepseek-ai/DeepSeek-R1", "malformed answer (not JSON)"),)


# --- no hidden global state ---------------------------------------------------------------------


def test_two_hubs_in_a_row_keep_their_own_counts_and_deadlines(fake_hub: FaultyHub) -> None:
    """Fails on the old code: the second Hub's hooks replaced the first one's process-wide,
    so the first counted nothing more and lost its deadline."""
    first_time, second_time = VirtualTime(), VirtualTime()
    with Hub(
        fake_hub.url, deadline=60, clock=first_time.monotonic, sleep=first_time.sleep
    ) as first:
        first.fetch_author_models("Qwen")
        with Hub(fake_hub.url, clock=second_time.monotonic, sleep=second_time.sleep) as second:
            second.fetch_author_models("deepseek-ai")
            first.fetch_author_models("openai")
            second.fetch_author_models("google", search="gemma")
            assert (first.requests, second.requests) == (2, 2)
            first_time.now += 61  # the first run's deadline passes; the second has none
            with pytest.raises(DeadlineExceeded):
                first.fetch_author_models("deepseek-ai")
            models, _ = second.fetch_author_models("openai")
            assert models and (first.requests, second.requests) == (2, 3)
    assert len(fake_hub.state.requests) == 5


def test_no_private_module_of_the_hub_client_is_imported() -> None:
    for path in (REPO / "monitor").glob("*.py"):
        assert "huggingface_hub.utils._" not in path.read_text(), path.name


def test_run_still_writes_last_weeks_report_when_the_hub_is_unreachable(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vtime: VirtualTime,
) -> None:
    path = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(path), "import", str(DATA / "two_weeks.csv")]) == 0
    capsys.readouterr()
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_PORT)
    monday = datetime(2026, 8, 24, 5, 0, tzinfo=UTC)  # W34 is complete
    with pytest.raises(HubUnreachable) as raised:
        run_once(load_config(path), monday)
    assert str(raised.value).endswith(
        f"`hf-monitor demo` works offline (report for 2026-W34 written to "
        f"{tmp_path / 'reports' / '2026-W34'})"
    )
    assert (tmp_path / "reports" / "2026-W34" / "summary.json").exists()


def test_the_daemon_logs_an_unreachable_hub_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    vtime: VirtualTime,
) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES)
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_PORT)
    with caplog.at_level(logging.INFO, logger="monitor.scheduler"):
        scheduled_collect(path)
    [line] = [r for r in caplog.records if r.name == "monitor.scheduler"]
    assert line.levelno == logging.ERROR
    assert line.getMessage().startswith(
        "collect run 1 failed: cannot reach the Hub at http://127.0.0.1:9 (Connection refused"
    )
