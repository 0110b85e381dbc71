"""The Hub misbehaving: rate limits, 5xx, hangs, resets, malformed bodies, odd data, deadlines.

Every test goes through the real `huggingface_hub` client to the fake Hub on loopback, with a
fault switched on for chosen requests, and checks what was stored, the run's status and the
recorded message. Waits run on virtual time (see `VirtualTime`), so they are checked exactly.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from monitor.cli import main
from monitor.collect import OUT_OF_TIME, collect
from monitor.config import Config, load_config
from monitor.fakehub import RATE_LIMITED_MESSAGE
from monitor.hub import Hub
from monitor.store import Store, open_store

from .conftest import REPO, SMALL_FAMILIES, VirtualTime, write_config
from .fakefaults import Fault, FaultyHub
from .test_collect import FIXED, expected_watch

RATE_LIMITED_BODY = json.dumps({"error": RATE_LIMITED_MESSAGE})


def virtual_hub(fake: FaultyHub, vtime: VirtualTime, **settings: float) -> Hub:
    timeout = settings.pop("timeout", 5.0)
    page_size = int(settings.pop("page_size", 1000))
    return Hub(
        fake.url,
        timeout=timeout,
        page_size=page_size,
        clock=vtime.monotonic,
        sleep=vtime.sleep,
        **settings,  # type: ignore[arg-type]
    )


def watched_ids(fake: FaultyHub) -> set[str]:
    return set(expected_watch(list(fake.state.models.values())))


def stored_ids(store: Store) -> list[str]:
    return list(store.snapshots_frame().model_id)


def explicit_config(tmp_path: Path, *model_ids: str) -> Config:
    families = (
        "- id: picked\n  label: Picked\n  organization: Various\n  origin: CN\n"
        f"  models: [{', '.join(model_ids)}]\n"
    )
    return load_config(write_config(tmp_path, families))


# --- rate limits ------------------------------------------------------------------------------


def test_a_429_burst_on_a_listing_waits_exactly_the_reset_the_header_gives(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults.append(
        Fault(
            "author=Qwen",
            status=429,
            headers={"RateLimit": '"api";r=0;t=7'},
            body=RATE_LIMITED_BODY,
            times=2,
        )
    )
    hub = virtual_hub(fake_hub, vtime)
    result = collect(small_config, store, hub, clock=lambda: FIXED)

    assert result.status == "ok" and result.errors == ()
    assert vtime.slept == [8.0, 8.0]  # t + 1, twice, and no extra pause of our own on top
    assert hub.log.rate_limited == 2 and result.requests == 4 + 2
    assert sorted(stored_ids(store)) == sorted(watched_ids(fake_hub))


def test_model_info_429s_are_retried_like_listings_and_give_up_after_six_attempts(
    fake_hub: FaultyHub, tmp_path: Path, vtime: VirtualTime
) -> None:
    config = explicit_config(tmp_path, "deepseek-ai/DeepSeek-R1", "openai/gpt-oss-20b")
    store = open_store(config.storage_url())
    limited = {"RateLimit": '"api";r=0;t=3'}
    fake_hub.state.faults += [
        Fault("/api/models/deepseek-ai/", status=429, headers=limited, body=RATE_LIMITED_BODY),
    ]
    result = collect(config, store, virtual_hub(fake_hub, vtime), clock=lambda: FIXED)

    # R1: 6 attempts, 5 waits of t + 1; then gpt-oss waits once more for the spent window.
    assert vtime.slept == [4.0] * 6
    assert result.status == "partial" and result.exit_code == 1
    assert result.errors == (
        (
            "model:deepseek-ai/DeepSeek-R1",
            "HTTP 429 Too Many Requests (rate limited; retries exhausted)",
        ),
    )
    assert stored_ids(store) == ["openai/gpt-oss-20b"] and result.requests == 7


def test_a_short_burst_on_model_info_is_absorbed(
    fake_hub: FaultyHub, tmp_path: Path, vtime: VirtualTime
) -> None:
    config = explicit_config(tmp_path, "deepseek-ai/DeepSeek-R1")
    store = open_store(config.storage_url())
    fake_hub.state.faults.append(
        Fault("/api/models/deepseek-ai/", status=429, body=RATE_LIMITED_BODY, times=2)
    )  # the fake Hub's own RateLimit header says r>0: no reset to wait for, so back off 1, 2 s
    result = collect(config, store, virtual_hub(fake_hub, vtime), clock=lambda: FIXED)
    assert result.status == "ok" and vtime.slept == [1.0, 2.0] and result.requests == 3
    r1 = fake_hub.state.models["deepseek-ai/DeepSeek-R1"]
    [row] = store.snapshots_frame().itertuples()
    assert (row.downloads_30d, row.likes) == (r1["downloads"], r1["likes"])


def virtual_waits_that_let_real_time_pass(vtime: VirtualTime, seconds: float) -> None:
    """The Hub's waits on virtual time (recorded, as long as asked), each spending `seconds`
    of real time: the fake Hub's rate-limit window runs on real time and must roll over."""
    real_sleep = time.sleep

    def sleep_for_real(wait: float) -> None:
        vtime.slept.append(wait)
        vtime.now += wait
        real_sleep(seconds)

    vtime.sleep = sleep_for_real  # type: ignore[method-assign]


def test_pacing_keeps_a_run_inside_the_rate_limit(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    # A window of 4 requests; the run needs about 8 (Qwen alone is 4 pages of 20). The window
    # is a quarter second of real time; the Hub's waits (whole seconds) are virtual.
    fake_hub.state.quota, fake_hub.state.window_seconds = 4, 0.25
    virtual_waits_that_let_real_time_pass(vtime, 0.25)
    hub = Hub(fake_hub.url, timeout=5, page_size=20, reserve=1)
    result = collect(small_config, store, hub, clock=lambda: FIXED)

    assert result.status == "ok" and result.requests > 4
    assert fake_hub.state.rate_limited == 0  # never ran into a 429
    assert hub.log.rate_limited == 0 and hub.log.paced_seconds > 0
    assert hub.log.paced_seconds == sum(vtime.slept)  # every wait was pacing, none a retry
    assert sorted(stored_ids(store)) == sorted(watched_ids(fake_hub))


def test_without_pacing_the_same_run_meets_429s_and_still_completes(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.quota, fake_hub.state.window_seconds = 4, 0.25
    # reserve=-1 turns pacing off; the Hub then waits out each 429 (t + 1 s, virtual here,
    # while the fake Hub's quarter-second window really passes between attempts).
    virtual_waits_that_let_real_time_pass(vtime, 0.25)
    hub = Hub(fake_hub.url, timeout=5, page_size=20, reserve=-1)
    result = collect(small_config, store, hub, clock=lambda: FIXED)
    assert result.status == "ok"
    assert fake_hub.state.rate_limited > 0 and hub.log.rate_limited == fake_hub.state.rate_limited
    assert sorted(stored_ids(store)) == sorted(watched_ids(fake_hub))


# --- server errors, hangs, resets, malformed bodies -------------------------------------------


def test_5xx_are_retried_with_and_without_retry_after(
    fake_hub: FaultyHub, tmp_path: Path, vtime: VirtualTime
) -> None:
    families = SMALL_FAMILIES + (
        "- id: kimi\n  label: Kimi\n  organization: Moonshot AI\n  origin: CN\n"
        "  models: [moonshotai/Kimi-K2-Instruct]\n"
    )
    config = load_config(write_config(tmp_path, families))
    store = open_store(config.storage_url())
    fake_hub.state.faults += [
        Fault("author=Qwen", status=503, headers={"Retry-After": "2"}, times=1),
        Fault("author=google", status=502, body="<html>Bad Gateway</html>", times=2),
        Fault("/api/models/moonshotai/", status=500, headers={"Retry-After": "0"}, times=1),
    ]
    result = collect(config, store, virtual_hub(fake_hub, vtime), clock=lambda: FIXED)

    assert result.status == "ok" and result.errors == ()
    # Qwen: Retry-After + 1; google: 1, 2 (exponential); the model: Retry-After + 1 (by us)
    assert vtime.slept == [3.0, 1.0, 2.0, 1.0]
    assert result.requests == 4 + 1 + 2 + 2
    assert set(stored_ids(store)) == watched_ids(fake_hub) | {"moonshotai/Kimi-K2-Instruct"}


def test_a_request_hanging_past_the_timeout_is_retried_and_a_dead_author_is_reported(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults += [
        Fault("author=deepseek-ai", kind="hang", seconds=2, times=1),
        Fault("author=openai", kind="hang", seconds=2),
    ]
    started = time.monotonic()
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, timeout=0.4))
    elapsed = time.monotonic() - started

    assert result.status == "partial"
    assert result.errors == (
        ("author:openai", "timed out (no answer within the timeout, after retries)"),
    )
    assert vtime.slept == [1.0, 1.0, 2.0, 4.0, 8.0, 8.0]  # deepseek once; openai 5 times
    assert elapsed < 6  # 7 timeouts of 0.4 s, not 7 hangs of 2 s
    families = set(store.snapshots_frame().family)
    assert families == {"qwen", "deepseek", "gemma"}


def test_a_malformed_body_is_retried_then_reported(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults += [
        Fault("author=Qwen", kind="garbage", times=1),
        Fault("author=google", kind="garbage"),
    ]
    result = collect(small_config, store, virtual_hub(fake_hub, vtime))
    assert result.status == "partial"
    assert result.errors == (("author:google", "malformed answer (not JSON)"),)
    assert vtime.slept == [1.0, 1.0, 2.0]
    assert set(store.snapshots_frame().family) == {"qwen", "deepseek", "gpt-oss"}


def test_a_connection_reset_before_or_in_the_middle_of_a_page_is_retried(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    fake_hub.state.faults += [
        Fault("author=deepseek-ai", kind="reset", times=1),
        Fault("cursor=", kind="truncate", times=1),  # Qwen's second page, cut off mid-body
    ]
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, page_size=20))
    assert result.status == "ok" and vtime.slept == [1.0, 1.0]
    ids = stored_ids(store)
    assert len(ids) == len(set(ids)) and set(ids) == watched_ids(fake_hub)


# --- odd Hub data -----------------------------------------------------------------------------


def test_odd_fields_are_stored_as_unknown_not_a_crash(
    store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    models = [
        {"id": "Qwen/ok", "downloads": 10, "downloadsAllTime": 50, "likes": 3, "trendingScore": 1},
        {"id": "Qwen/strings", "downloads": "12", "likes": "many", "trendingScore": "hot"},
        {"id": "Qwen/nulls", "downloads": None, "downloadsAllTime": None, "likes": None},
        {"id": "Qwen/negative", "downloads": -5, "likes": True, "createdAt": "yesterday"},
        {"id": "Qwen/fraction", "downloads": 7.0, "trendingScore": 93.5, "tags": "not-a-list"},
        {"id": "Qwen/tree", "downloads": 4, "childrenModelCount": {"finetune": 3}, "gated": 1},
    ]
    with FaultyHub(models) as hub:  # deepseek-ai, google and openai: empty authors
        result = collect(small_config, store, virtual_hub(hub, vtime))
    assert result.status == "ok" and result.models == 6
    frame = store.snapshots_frame().set_index("model_id")
    values = frame[["downloads_30d", "downloads_all_time", "likes", "trending_score"]]
    rows = {k: [None if pd.isna(v) else v for v in row] for k, row in values.iterrows()}
    assert rows == {
        "Qwen/ok": [10, 50, 3, 1.0],
        "Qwen/strings": [None, None, None, None],
        "Qwen/nulls": [None, None, None, None],
        "Qwen/negative": [None, None, None, None],
        "Qwen/fraction": [7, None, None, 93.5],
        "Qwen/tree": [4, None, None, None],
    }


def test_a_model_moving_between_pages_is_stored_once(
    fake_hub: FaultyHub, store: Store, small_config: Config, vtime: VirtualTime
) -> None:
    """Offset pages shift when a model climbs while we read: one id comes twice, one never."""
    qwen = sorted(
        (m for m in fake_hub.state.models.values() if m["id"].startswith("Qwen/")),
        key=lambda m: -m["downloads"],
    )
    climber = qwen[-1]["id"]
    fake_hub.state.faults.append(Fault("cursor=", kind="hang", seconds=0.5, times=1))

    def climb() -> None:  # while page 2 is held back, the last model jumps to the top
        while not any("cursor=" in p for p in fake_hub.state.requests):
            time.sleep(0.01)
        with fake_hub.state.lock:
            fake_hub.state.models[climber]["downloads"] = 10**12

    thread = threading.Thread(target=climb)
    thread.start()
    result = collect(small_config, store, virtual_hub(fake_hub, vtime, page_size=20))
    thread.join()
    ids = stored_ids(store)
    assert result.status == "ok"
    assert len(ids) == len(set(ids))  # the repeated id is kept once
    assert set(ids) == watched_ids(fake_hub) - {climber}  # and the climber is seen next run


# --- deadline ---------------------------------------------------------------------------------


def test_the_run_deadline_interrupts_a_request_in_flight_and_keeps_what_was_read(
    fake_hub: FaultyHub, store: Store, small_config: Config
) -> None:
    """Fails on the old code: the deadline only bounded request starts, so a hanging answer
    held the run for the whole timeout and then for the library's retries."""
    fake_hub.state.faults.append(Fault("author=deepseek-ai", kind="hang", seconds=30))
    hub = Hub(fake_hub.url, timeout=10, page_size=1000, deadline=1.0)
    started = time.monotonic()
    result = collect(small_config, store, hub, clock=lambda: datetime.now(UTC))
    assert time.monotonic() - started < 3
    assert result.status == "partial"
    assert result.errors == (
        ("author:deepseek-ai", f"{OUT_OF_TIME} during a request"),
        ("author:google", OUT_OF_TIME),
        ("author:openai", OUT_OF_TIME),
    )
    assert set(store.snapshots_frame().family) == {"qwen"}
    assert result.requests == 2


# --- everything at once -----------------------------------------------------------------------

DRILL_FAMILY = """
  - id: falcon
    label: Falcon (TII)
    organization: Technology Innovation Institute
    origin: AE
    models: [tiiuae/falcon3-old-name, tiiuae/deleted-model]
"""


def test_everything_at_once_then_a_clean_run_completes_the_history(
    fake_hub: FaultyHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    vtime: VirtualTime,
) -> None:
    """The shipped watch list against a Hub that throws every fault in one run."""
    shipped = (REPO / "config.yaml").read_text()
    text = shipped.replace("timeout: 20", "timeout: 1").replace("page_size: 1000", "page_size: 50")
    path = tmp_path / "config.yaml"
    path.write_text(text.replace("deadline: 900", "deadline: 60") + DRILL_FAMILY)
    config = load_config(path)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)

    state = fake_hub.state
    with state.lock:
        state.models["tiiuae/Falcon3-7B-Instruct"] = {"id": "tiiuae/Falcon3-7B-Instruct", "downloads": 90_000, "likes": 70}  # fmt: skip
        state.renames["tiiuae/falcon3-old-name"] = "tiiuae/Falcon3-7B-Instruct"
        state.models["Qwen/odd|<b>id</b>"] = {"id": "Qwen/odd|<b>id</b>", "downloads": "n/a"}
        state.models["Qwen/Qwen3-8B"]["likes"] = None
    limited = {"RateLimit": '"api";r=0;t=0'}
    state.faults += [
        Fault("author=Qwen", status=429, headers=limited, body=RATE_LIMITED_BODY, times=2),
        Fault("cursor=", kind="truncate", times=1),  # Qwen's page 2 of 2, cut mid-body
        Fault("author=deepseek-ai", status=503, headers={"Retry-After": "0"}, times=2),
        Fault("author=zai-org", kind="hang", seconds=2, times=1),
        Fault("author=moonshotai", kind="garbage", times=1),
        Fault("author=MiniMaxAI", kind="reset", times=1),
        Fault("author=google", status=502, body="<html>Bad Gateway</html>", times=3),
        Fault("author=meta-llama", status=500),  # down for the whole run
    ]
    watched = {m for m in state.models if config.classify(m) is not None}
    llama = {m for m in watched if m.startswith("meta-llama/")}

    started = time.monotonic()
    assert main(["--config", str(path), "collect"]) == 1
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()

    store = open_store(config.storage_url())
    [run] = store.recent_runs()
    assert run.status == "partial" and elapsed < 60
    assert run.errors == (
        ("author:meta-llama", "HTTP 500 Internal Server Error"),
        ("model:tiiuae/deleted-model", "HTTP 401 Unauthorized (missing or private)"),
    )
    assert "hf-monitor: author:meta-llama: HTTP 500 Internal Server Error\n" in err
    stored = set(store.snapshots_frame().model_id)
    assert stored == (watched - llama) | {"tiiuae/Falcon3-7B-Instruct"}
    assert sum(f.hits for f in state.faults) == 2 + 1 + 2 + 1 + 1 + 1 + 3 + 6
    assert run.requests == len(state.requests)  # every attempt and redirect hop is counted
    assert f"{len(stored)} models" in out

    # The Hub recovers; the user drops the deleted model the run reported. Nothing else to do.
    state.faults.clear()
    path.write_text(path.read_text().replace(", tiiuae/deleted-model", ""))
    assert main(["--config", str(path), "collect"]) == 0
    runs = store.recent_runs()
    assert [r.status for r in runs] == ["ok", "partial"]
    latest = store.snapshots_frame()
    latest = latest[latest.run_id == runs[0].id]
    assert llama <= set(latest.model_id)
