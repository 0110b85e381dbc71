#!/usr/bin/env python3
"""Measure what hf-popularity-monitor costs, each figure beside a baseline from the same run.

    python benchmarks/run.py                      # full sizes (a few minutes)
    python benchmarks/run.py --quick              # small sizes, to check the script

1. Collection cost: requests (counted by the fake Hub itself) and wall time to snapshot a
   watch list from the fake Hub with a 100 ms round trip, in process and as a whole
   `hf-monitor collect` process — this project vs the naive way (one `model_info` per model)
   vs the floor (Σ⌈models per author / 1000⌉: one listing page per 1000 models of an author).
3. Whole-Hub scale: listing and storing a simulated 100,000-model Hub, extrapolated to
   2.5 million models within the Hub's rate limits.
Timed figures are the min and median of several runs (`RUNS`).

Sections 2 and 4 (imports) are `benchmarks/imports.py` now.
Everything runs locally: the Hub is the project's fake Hub on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from huggingface_hub import HfApi  # noqa: E402

from monitor.collect import collect  # noqa: E402
from monitor.config import Config, load_config  # noqa: E402
from monitor.fakehub import FakeHub, as_of, recorded_days  # noqa: E402
from monitor.hub import EXPAND, build_hub  # noqa: E402
from monitor.store import open_store  # noqa: E402

LATENCY = 0.1  # seconds per request, a realistic round trip to the Hub
ORGS = ("Qwen", "deepseek-ai", "meta-llama", "google", "microsoft", "openai", "nvidia",
        "ibm-granite", "mistralai", "zai-org", "moonshotai", "MiniMaxAI")  # fmt: skip
NAME_HINT = {"google": "gemma", "microsoft": "phi", "openai": "gpt-oss", "nvidia": "Nemotron"}


@dataclass
class Row:
    what: str
    figure: str
    baseline: str
    ratio: str
    target: str = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--only", type=int, choices=(1, 3), action="append", help="a section")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    work = Path(tempfile.mkdtemp(prefix="hf-monitor-bench-"))
    try:
        print(machine())
        sections = set(args.only or (1, 3))
        rows = []
        if 1 in sections:
            rows += collection_cost(work, big_org=400 if args.quick else 2000,
                                    runs=2 if args.quick else RUNS)  # fmt: skip
        if 3 in sections:
            rows += whole_hub(work, models=10_000 if args.quick else 100_000,
                              runs=2 if args.quick else RUNS)  # fmt: skip
        print_table(rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"Machine: {os.cpu_count()} cores, {memory:.0f} GiB RAM, {platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"fake Hub round trip {LATENCY * 1000:.0f} ms"
    )


# --- 1. collection cost ---------------------------------------------------------------------


def config_file(work: Path, name: str, families: str | None = None, context: bool = False) -> Path:
    """The shipped config (or `families`), storing under `work/name`, context on or off."""
    text = (REPO / "config.yaml").read_text()
    text = text.replace("  enabled: true", f"  enabled: {'true' if context else 'false'}")
    text = text.replace("claims: seeds/claims.yaml", f"claims: {REPO / 'seeds' / 'claims.yaml'}")
    if families is not None:
        text = text[: text.index("\nfamilies:")] + "\nfamilies:\n" + families
    path = work / name / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


RUNS = 3  # each timed figure: the min and median of this many runs


def hub_requests(hub: FakeHub) -> int:
    """Requests the fake Hub has answered: its own log, not the client's counter."""
    with hub.state.lock:
        return len(hub.state.requests)


def listing_floor(config: Config, hub: FakeHub, page: int = 1000) -> int:
    """The fewest requests that can list the watch list: Σ⌈models per author / page⌉ (one page
    at least, to learn an author has none), one `model_info` per listed model id."""
    authors = {s.name.lower() for f in config.families for s in f.authors}
    pages = sum(max(1, math.ceil(len(hub.state.candidates(a, None)) / page)) for a in authors)
    return pages + sum(len(f.models) for f in config.families)


def spread(seconds: list[float]) -> str:
    """Min and median of several timed runs."""
    return f"{min(seconds):.1f} s (median {statistics.median(seconds):.1f} s of {len(seconds)})"


def timed_collect(config_path: Path, hub: FakeHub, runs: int) -> tuple[int, int, list[float]]:
    """Collect `runs` times in this process: (models, Hub requests of one run, seconds each)."""
    config = load_config(config_path)
    store = open_store(config.storage_url())
    models, requests, seconds = 0, set(), []
    for _ in range(runs):
        hub.state.window_used = 0  # each run in a fresh rate-limit window
        before = hub_requests(hub)
        started = time.perf_counter()
        result = collect(config, store, build_hub(hub.url, timeout=30, page_size=1000))
        seconds.append(time.perf_counter() - started)
        models = result.models
        requests.add(hub_requests(hub) - before)
    return models, max(requests), seconds


def timed_cli_collect(config_path: Path, hub: FakeHub, runs: int) -> tuple[int, list[float]]:
    """`hf-monitor collect` as a user runs it, a whole process each time, start-up included."""
    env = {**os.environ, "HF_ENDPOINT": hub.url}
    command = (sys.executable, "-m", "monitor", "--config", str(config_path), "collect")
    requests, seconds = set(), []
    for _ in range(runs):
        hub.state.window_used = 0
        before = hub_requests(hub)
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        requests.add(hub_requests(hub) - before)
    return max(requests), seconds


def naive(hub_url: str, model_ids: list[str], sample: int) -> tuple[float, int]:
    """Seconds per model for one `model_info` per model, measured on `sample` of them."""
    api = HfApi(endpoint=hub_url)
    picked = model_ids[:sample]
    started = time.perf_counter()
    for model_id in picked:
        api.model_info(model_id, expand=list(EXPAND))  # type: ignore[arg-type]
    return (time.perf_counter() - started) / len(picked), len(picked)


def collection_cost(work: Path, big_org: int, runs: int) -> list[Row]:
    print("1. collection cost …", flush=True)
    days = recorded_days()
    out = []
    with FakeHub([dict(m) for m in days[max(days)]]) as hub:
        hub.state.latency = LATENCY
        path = config_file(work, "watch")
        watch = load_config(path)
        models, requests, seconds = timed_collect(path, hub, runs)
        cli_requests, cli_seconds = timed_cli_collect(path, hub, runs)
        ids = [m for m in hub.state.models if watch.classify(m) is not None]
        per_model, _ = naive(hub.url, ids, sample=len(ids))
        floor = listing_floor(watch, hub)
        authors = len({s.name.lower() for f in watch.families for s in f.authors})
        out.append(Row(
            f"Collect the default watch list ({models} models, {authors} authors): requests the Hub answered",
            f"{requests}", f"naive {models}; floor Σ⌈models per author / 1000⌉ = {floor}",
            f"{models / requests:.0f}× fewer than naive; {requests / floor:.2f}× the floor",
            "within a few of the floor",
        ))  # fmt: skip
        out.append(Row(
            "  … wall time in process", spread(seconds), f"naive {per_model * models:.1f} s",
            f"{per_model * models / min(seconds):.1f}× faster",
        ))  # fmt: skip
        out.append(Row(
            "  … `hf-monitor collect`, whole process", spread(cli_seconds),
            f"in process {min(seconds):.1f} s", f"+{min(cli_seconds) - min(seconds):.1f} s start-up and exit",
            f"{cli_requests} requests, as in process" if cli_requests == requests else f"{cli_requests} requests",
        ))  # fmt: skip
        ctx_path = config_file(work, "ctx", context=True)
        _, requests_ctx, seconds_ctx = timed_collect(ctx_path, hub, runs)
        out.append(Row(
            "Full collect with Hub-wide context (default config): requests the Hub answered",
            f"{requests_ctx}", "anonymous rate limit 500 / 5 min", f"{requests_ctx / 500:.0%} of a window",
            "≤ 500",
        ))  # fmt: skip
        out.append(Row("  … wall time", spread(seconds_ctx), "", ""))
    synthetic = [
        {"id": f"bench-org/model-{i:05d}", "downloads": 10_000_000 // (i + 1), "likes": i % 97}
        for i in range(big_org)
    ]
    families = (
        "  - id: bench\n    label: Bench\n    organization: Bench\n    origin: US\n"
        "    authors: [bench-org]\n"
    )
    with FakeHub(synthetic) as hub:
        hub.state.latency = LATENCY
        path = config_file(work, "big", families)
        models, requests, seconds = timed_collect(path, hub, runs)
        floor = listing_floor(load_config(path), hub)
        per_model, sampled = naive(hub.url, [m["id"] for m in synthetic], sample=100)
    out.append(Row(
        f"Collect one org of {models:,} models: requests the Hub answered", f"{requests}",
        f"naive {models:,}; floor ⌈{models:,} / 1000⌉ = {floor}",
        f"{models / requests:,.0f}× fewer than naive; {requests / floor:.2f}× the floor",
        "≥ 50× fewer than naive",
    ))  # fmt: skip
    out.append(Row(
        "  … wall time", spread(seconds),
        f"naive {per_model * models:,.0f} s (timed on {sampled}, scaled)",
        f"{per_model * models / min(seconds):,.0f}× faster",
    ))  # fmt: skip
    return out


# --- 3. whole-Hub scale ------------------------------------------------------------------------


def whole_hub(work: Path, models: int, runs: int) -> list[Row]:
    print(f"3. whole Hub: {models:,} simulated models …", flush=True)
    from monitor.collect import Fetched, save_run

    hub_models = [
        {"id": f"user-{i % 5000}/model-{i}", "downloads": 50_000_000 // (i + 1), "likes": i % 101}
        for i in range(models)
    ]
    config = load_config(config_file(work, "whole"))
    family = config.families[0]
    db = work / "whole" / "whole.db"
    store = open_store(f"sqlite:///{db}")
    with FakeHub(hub_models) as hub:
        hub.state.latency = LATENCY
        hub.state.quota = 10**9  # measured here: our own time; the real Hub's limit is below
        times = []
        for _ in range(runs):
            before = hub_requests(hub)
            started = time.perf_counter()
            listed = build_hub(hub.url, timeout=60, page_size=1000).fetch_top(models)
            times.append(time.perf_counter() - started)
            requests = hub_requests(hub) - before
    sizes, store_seconds = [], 0.0
    for day in (21, 22):  # the first day also adds the models; the second only snapshots
        fetched = Fetched()
        moment = as_of(date(2026, 8, day))
        for model in listed:
            fetched.models[model.model_id] = (model, family, moment)
        run = store.begin_run("collect", "bench", datetime.now(UTC))
        started = time.perf_counter()
        save_run(store, run, fetched, status="ok", requests=requests, finished=datetime.now(UTC))
        store_seconds = time.perf_counter() - started
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes.append(db.stat().st_size)
    store.engine.dispose()
    bytes_per_row = (sizes[1] - sizes[0]) / len(listed)
    hub_size = 2_500_000
    scaled_requests = math.ceil(hub_size / 1000)
    per_request = min(times) / requests
    windows_anon = math.ceil(scaled_requests / 500)
    windows_token = math.ceil(scaled_requests / 1000)
    per_year_gib = bytes_per_row * hub_size * 365 / 2**30
    return [
        Row(
            f"List {len(listed):,} models (1000 a page): requests the Hub answered, wall time",
            f"{requests} requests, {spread(times)}",
            f"naive {len(listed):,} requests; floor ⌈{len(listed):,} / 1000⌉ = "
            f"{math.ceil(len(listed) / 1000)}",
            f"{len(listed) / requests:,.0f}× fewer than naive",
        ),
        Row(
            f"Store {len(listed):,} snapshots (SQLite)",
            f"{store_seconds:.1f} s, {bytes_per_row:.0f} bytes/row",
            "",
            "",
        ),
        Row(
            "Whole Hub (2.5 M models) daily, extrapolated",
            f"{scaled_requests:,} requests; {scaled_requests * per_request / 60:.0f} min of requests at this latency",
            f"rate limit: {windows_anon} windows of 5 min anonymous, {windows_token} with a token",
            f"≥ {max(windows_anon - 1, 0) * 5} min anonymous, ≥ {max(windows_token - 1, 0) * 5} min with a token",
        ),
        Row(
            "  … storage",
            f"{bytes_per_row * hub_size / 2**20:,.0f} MiB a day",
            f"{per_year_gib:,.1f} GiB a year",
            "",
        ),
    ]


def print_table(rows: list[Row]) -> None:
    headers = ("measure", "this project", "baseline", "ratio", "target")
    table = [headers] + [(r.what, r.figure, r.baseline, r.ratio, r.target) for r in rows]
    print()
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for line in table[1:]:
        print("| " + " | ".join(line) + " |")


if __name__ == "__main__":
    main()
