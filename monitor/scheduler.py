"""`hf-monitor schedule`: a thin APScheduler 3 shell over the functions the CLI calls.

Jobs re-read the config file each time they run, so edits to the watch list take effect without
a restart (the schedule itself is read at start). Each job start, end and failure is one log
line. SIGTERM or SIGINT stop the scheduler within seconds: a running collect drops its request
in flight and any wait, stores what it fetched (a `partial` run) and returns.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler

from .collect import utc_now
from .config import Config, load_config
from .crontab import crontab_trigger
from .errors import ConfigError, MonitorError
from .hub import HubUnreachable
from .jobs import collect_now, report_completed_week

log = logging.getLogger("monitor.scheduler")

MISFIRE_GRACE_SECONDS = 3600


class MonitorScheduler(BlockingScheduler):
    """The scheduler, with the event that asks a running collect to stop."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.stop = threading.Event()


def scheduled_collect(
    config_path: Path, storage: str | None = None, stop: threading.Event | None = None
) -> None:
    """The collect job: reload the config, collect under the lock, log one line."""
    try:
        config = _reload(config_path, storage)
        result = collect_now(config, stop=stop)
    except HubUnreachable as exc:
        log.error("collect %s", exc)
        return
    except MonitorError as exc:
        log.error("collect skipped: %s", exc)
        return
    errors = (
        f"; {len(result.errors)} failed: " + ", ".join(s for s, _ in result.errors)
        if result.errors
        else ""
    )
    log.info(
        "collect run %d %s: %d models, %d requests, %.1f s%s",
        result.run_id, result.status, result.models, result.requests, result.seconds, errors,
    )  # fmt: skip


def scheduled_report(config_path: Path, storage: str | None = None) -> None:
    """The report job: write the last completed week's report if it isn't there yet."""
    try:
        config = _reload(config_path, storage)
        outcome = report_completed_week(config, utc_now())
    except MonitorError as exc:
        log.error("report skipped: %s", exc)
        return
    log.info("%s", outcome.describe())


def _reload(config_path: Path, storage: str | None) -> Config:
    config = load_config(config_path)
    return config.with_storage(storage) if storage else config


def build_scheduler(
    config: Config,
    *,
    storage: str | None = None,
    collect_job: Callable[..., None] = scheduled_collect,
    report_job: Callable[..., None] = scheduled_report,
) -> MonitorScheduler:
    """The scheduler with its two jobs, not started (tests inspect it without waiting)."""
    schedule = config.settings.schedule
    try:
        triggers = {
            "collect": crontab_trigger(schedule.collect, schedule.timezone),
            "report": crontab_trigger(schedule.report, schedule.timezone),
        }
    except ValueError as exc:
        raise ConfigError(f"{config.path}: schedule: {exc}") from None
    scheduler = MonitorScheduler(
        timezone=ZoneInfo(schedule.timezone),
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    args = (config.path, storage)
    scheduler.add_job(
        collect_job,
        triggers["collect"],
        args=args,
        kwargs={"stop": scheduler.stop},
        id="collect",
        name="collect",
    )
    scheduler.add_job(report_job, triggers["report"], args=args, id="report", name="report")
    return scheduler


def run_scheduler(scheduler: MonitorScheduler) -> int:
    """Run until SIGTERM/SIGINT; a running collect stops within seconds, keeping what it
    fetched. Returns the exit code (0)."""

    def _stop(signum: int, _frame: FrameType | None) -> None:
        if scheduler.stop.is_set():
            return
        scheduler.stop.set()  # wakes the running collect's request or wait at once
        log.info(
            "%s received: stopping; a running collect keeps what it fetched",
            signal.Signals(signum).name,
        )
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    def _started(event: object) -> None:
        job = scheduler.get_job(getattr(event, "job_id", ""))
        log.info("job %s starting", getattr(job, "name", getattr(event, "job_id", "?")))

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED

    def _trouble(event: object) -> None:
        job_id = getattr(event, "job_id", "?")
        if getattr(event, "exception", None) is not None:
            log.error("job %s failed: %s", job_id, event.exception)  # type: ignore[attr-defined]
        else:
            log.warning("job %s missed its time (the process was busy or down)", job_id)

    scheduler.add_listener(_started, EVENT_JOB_SUBMITTED)
    scheduler.add_listener(_trouble, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for job in scheduler.get_jobs():
        log.info("scheduled %s: %s", job.name, job.trigger)
    scheduler.start()
    log.info("scheduler stopped")
    return 0
