"""`hf-monitor demo`: the whole pipeline offline, on real recorded numbers.

A fake Hub on 127.0.0.1 serves one recorded day at a time; the real collector polls it with the
clock set to that day, into a temporary SQLite store; then the latest week's report is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .claims import load_claims
from .collect import collect
from .config import Config
from .fakehub import FakeHub, as_of, recorded_days
from .hub import build_hub
from .report import report_week
from .store import open_store


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def run_demo(
    config: Config, out: Path | None, progress: Callable[[str], None] = lambda _: None
) -> Path:
    """Collect every recorded day from a fake Hub, report the latest week; return its folder."""
    load_claims(config.claims_path(), config)  # a bad claims file stops us before collecting
    days = recorded_days()
    with tempfile.TemporaryDirectory(prefix="hf-monitor-demo-") as tmp:
        demo_config = config.with_storage(f"sqlite:///{Path(tmp) / 'demo.db'}")
        store = open_store(demo_config.storage_url())
        with FakeHub() as hub_server:
            progress(
                f"fake Hub at {hub_server.url} with {len(days)} recorded days (all-time counts derived)"
            )
            hub = build_hub(hub_server.url, timeout=10, page_size=1000)
            for day, models in sorted(days.items()):
                hub_server.state.set_models(models)
                hub_server.state.window_used = 0  # a day apart: a fresh rate-limit window
                result = collect(demo_config, store, hub, clock=_fixed(as_of(day)))
                progress(
                    f"  {day}: {result.status}, {result.models} models, {hub.requests} requests so far"
                )
        target = out or Path(tempfile.mkdtemp(prefix="hf-monitor-demo-reports-"))
        _report, folder = report_week(store, config, None, target)
        store.engine.dispose()
    return folder
