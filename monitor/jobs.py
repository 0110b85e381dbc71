"""What `collect`, `run`, `report` and the scheduler's jobs do, shared by the CLI and the daemon.

Each function opens what it needs from a `Config`, takes the writer lock where it writes, and
returns plain results; turning them into output lines is the caller's business.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .collect import CollectResult, Progress, collect, utc_now
from .config import Config
from .files import is_complete
from .hub import HubUnreachable, build_hub
from .lock import writer_lock
from .store import open_store

if TYPE_CHECKING:
    from .analysis import Week


def collect_now(
    config: Config,
    *,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> CollectResult:
    """One collect run under the writer lock (BusyError if another run holds it)."""
    with writer_lock(config.storage_url(), "collect"):
        return _collect(config, now=now, stop=stop, progress=progress)


def run_once(
    config: Config,
    now: datetime | None = None,
    *,
    force: bool = False,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> tuple[CollectResult, WeeklyReport]:
    """What cron calls: collect, then the report of the week that just completed (once).

    `now` fixes the clock (tests); by default the real time is used.
    """
    with writer_lock(config.storage_url(), "run"):
        try:
            result = _collect(config, now=now, stop=stop, progress=progress)
        except HubUnreachable as exc:
            # Last week's data is already stored: a Hub down today shouldn't cost its report.
            weekly = report_completed_week(config, now or utc_now(), force=force)
            if weekly.state == "written":
                raise HubUnreachable(f"{exc} ({weekly.describe()})") from exc
            raise
        return result, report_completed_week(config, now or utc_now(), force=force)


def _collect(
    config: Config,
    *,
    now: datetime | None,
    stop: threading.Event | None,
    progress: Progress | None,
) -> CollectResult:
    store = open_store(config.storage_url())
    store.verify()  # a corrupt file is refused before any Hub request is spent
    settings = config.settings.hub
    clock = utc_now if now is None else (lambda: now)
    with build_hub(
        config.hub_endpoint(),
        timeout=settings.timeout,
        page_size=settings.page_size,
        deadline=settings.deadline,
        stop=stop,
    ) as hub:
        return collect(config, store, hub, clock, progress=progress)


@dataclass(frozen=True)
class WeeklyReport:
    week: Week
    state: str  # written | exists | no-data
    folder: Path | None

    def describe(self) -> str:
        if self.state == "written":
            return f"report for {self.week.label} written to {self.folder}"
        if self.state == "exists":
            return (
                f"report for {self.week.label} already written ({self.folder}); --force rewrites it"
            )
        return f"no report for {self.week.label}: no snapshots of watched models in that week"


def report_completed_week(config: Config, now: datetime, *, force: bool = False) -> WeeklyReport:
    """Write the report of the last complete ISO week, once (unless forced)."""
    # Imported here: `collect` alone never needs pandas or the charts' matplotlib.
    from .analysis import week_data, week_of
    from .report import read_week
    from .report_files import report_week, week_folder

    week = week_of(now).previous
    out_dir = config.reports_dir()
    folder = week_folder(out_dir, week.label)
    if is_complete(folder) and not force:  # a week cut short (full disk) is written again
        return WeeklyReport(week, "exists", folder)
    store = open_store(config.storage_url())
    frame = read_week(store, config, week)  # read and classified once, for the check and the report
    if week_data(frame, week).empty:
        return WeeklyReport(week, "no-data", None)
    _report, written = report_week(store, config, week, out_dir, frame=frame)
    return WeeklyReport(week, "written", written)
