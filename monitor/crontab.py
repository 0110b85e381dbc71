"""Cron expressions with crontab's meaning, on APScheduler 3 triggers.

crontab counts weekdays from Sunday = 0 (7 is Sunday too); APScheduler 3 counts from
Monday = 0 and reads steps over its own numbering, so `1-5/2` would fire on the wrong days.
The weekday field is therefore expanded here, with crontab's rules, into the set of days it
names, and handed to APScheduler as a list of day names that cannot be misread.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

if TYPE_CHECKING:
    from .config import Config

# Index = crontab number; 7 is Sunday again.
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_TERM_RE = re.compile(r"^(?P<range>\*|(?P<first>\w+)(?:-(?P<last>\w+))?)(?:/(?P<step>\d+))?$")


def crontab_trigger(expression: str, timezone: str) -> CronTrigger:
    """A CronTrigger with crontab semantics; ValueError with a readable message if invalid."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"cron expression {expression!r} needs 5 fields (min hour day month weekday)"
        )
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone!r}") from None
    try:
        days = crontab_weekdays(fields[4])
        if days != set(range(7)):  # '*' stays '*' so APScheduler keeps its day-of-month rules
            fields[4] = ",".join(_DAY_NAMES[d] for d in sorted(days))
        else:
            fields[4] = "*"
        return CronTrigger.from_crontab(" ".join(fields), timezone=zone)
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None


def next_times(config: Config, now: datetime) -> dict[str, datetime | None]:
    """When each scheduled job would run next."""
    schedule = config.settings.schedule
    return {
        name: crontab_trigger(expr, schedule.timezone).get_next_fire_time(None, now)
        for name, expr in (("collect", schedule.collect), ("report", schedule.report))
    }


def crontab_weekdays(field: str) -> set[int]:
    """The days (0 = Sunday … 6 = Saturday) a crontab weekday field fires on.

    Lists, ranges, steps (`1-5/2`, `*/2`), names (`mon-fri`) and both Sundays (0 and 7).
    """
    days: set[int] = set()
    for term in field.lower().split(","):
        match = _TERM_RE.match(term)
        if not match:
            raise ValueError(f"weekday term {term!r} is not a number, name, range or step")
        if match["range"] == "*":
            first, last = 0, 7
        else:
            first = _weekday_number(match["first"])
            last = _weekday_number(match["last"]) if match["last"] else first
            if match["step"] and not match["last"]:
                last = 7  # crontab reads `2/3` as "from 2 to the end, every third"
        if last < first:
            raise ValueError(f"weekday range {term!r} runs backwards")
        step = int(match["step"] or 1)
        if step < 1:
            raise ValueError(f"weekday step in {term!r} must be at least 1")
        days.update(d % 7 for d in range(first, last + 1, step))
    return days


def _weekday_number(token: str) -> int:
    if token.isdigit():
        value = int(token)
        if value > 7:
            raise ValueError(f"weekday {value} is out of range (0-7, 0 and 7 are Sunday)")
        return value
    if token in _DAY_NAMES:
        return _DAY_NAMES.index(token)
    raise ValueError(f"unknown weekday {token!r} (0-7 or sun, mon, … sat)")
