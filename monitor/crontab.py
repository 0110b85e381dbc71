"""Cron expressions with crontab's meaning, on APScheduler 3 triggers."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

# crontab counts weekdays from Sunday = 0 (7 also Sunday); APScheduler 3 from Monday = 0.
# Numbers are translated to names so config.yaml keeps crontab's meaning.
_CRONTAB_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def crontab_trigger(expression: str, timezone: str) -> CronTrigger:
    """A CronTrigger with crontab semantics; ValueError with a readable message if invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expression!r} needs 5 fields (min hour day month weekday)"
        )
    fields[4] = (
        re.sub(r"\d+", lambda m: _weekday_name(m.group()), fields[4])
        if "/" not in fields[4]
        else fields[4]
    )
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=zone)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None


def _weekday_name(number: str) -> str:
    value = int(number)
    if value > 7:
        raise ValueError(f"weekday {value} is out of range (0-7, 0 and 7 are Sunday)")
    return _CRONTAB_DAYS[value]
