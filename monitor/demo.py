"""`hf-monitor demo`: the whole pipeline offline, on real recorded numbers.

A fake Hub on 127.0.0.1 serves one recorded day at a time; the real collector polls it with the
clock set to that day, into the demo's own SQLite file; then the latest week's report is
written, marked as a demo (partly synthetic numbers, the recording's real dates).

Everything goes into one folder the demo owns (a marker file says so): the reports and
`demo.db`, which the other commands can read with `--storage`. A folder holding anything the
demo did not write is refused, so a demo can never overwrite real reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .claims import load_claims
from .collect import collect
from .config import Config
from .errors import UsageError
from .fakehub import FakeHub, as_of, recorded_days
from .hub import build_hub
from .provenance import demo_provenance
from .report_files import report_week
from .store import open_store

MARKER = ".hf-monitor-demo"
DATABASE = "demo.db"
MARKER_TEXT = "Written by `hf-monitor demo`: partly synthetic numbers, not live Hub data.\n"


@dataclass(frozen=True)
class DemoResult:
    report: Path  # the week's folder
    database: Path


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def claim_demo_folder(out: Path) -> None:
    """Make `out` the demo's folder: new, empty, or one an earlier demo wrote (then reset)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: is a file; give the demo a folder with --out")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        held = ", ".join(sorted(p.name for p in out.iterdir())[:3])
        raise UsageError(
            f"{out}: holds files the demo did not write ({held}…); give --out a new or empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    for suffix in ("", "-wal", "-shm"):  # an earlier demo's database: start afresh
        (out / f"{DATABASE}{suffix}").unlink(missing_ok=True)


def run_demo(
    config: Config, out: Path, progress: Callable[[str], None] = lambda _: None
) -> DemoResult:
    """Collect every recorded day from a fake Hub into `out/demo.db`; report the latest week."""
    load_claims(config.claims_path(), config)  # a bad claims file stops us before collecting
    out = out.resolve()
    claim_demo_folder(out)
    days = recorded_days()
    database = out / DATABASE
    demo_config = config.with_storage(f"sqlite:///{database}")
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
    source = demo_provenance(min(days), max(days))
    _report, folder = report_week(store, config, None, out, source)
    store.engine.dispose()
    return DemoResult(report=folder, database=database)
