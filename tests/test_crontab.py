"""Weekday fields fire on the days crontab(5) says, checked against a table written by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.crontab import crontab_trigger

# Sunday 29 November 2026, 00:00 UTC: the first day of the week we look at.
SUNDAY = datetime(2026, 11, 29, tzinfo=UTC)

# Expected days, read off crontab(5) by hand: Sun Mon Tue Wed Thu Fri Sat.
REFERENCE = {
    "*": "Sun Mon Tue Wed Thu Fri Sat",
    "0": "Sun",
    "7": "Sun",
    "1": "Mon",
    "6": "Sat",
    "1-5": "Mon Tue Wed Thu Fri",
    "0-5": "Sun Mon Tue Wed Thu Fri",
    "1-7": "Sun Mon Tue Wed Thu Fri Sat",
    "6-7": "Sun Sat",
    "1-5/2": "Mon Wed Fri",
    "0-6/3": "Sun Wed Sat",
    "*/2": "Sun Tue Thu Sat",
    "*/3": "Sun Wed Sat",
    "2/3": "Tue Fri",
    "1,3,5": "Mon Wed Fri",
    "0,7": "Sun",
    "1-2,4-5": "Mon Tue Thu Fri",
    "mon": "Mon",
    "SUN": "Sun",
    "mon-fri": "Mon Tue Wed Thu Fri",
    "mon-fri/2": "Mon Wed Fri",
    "sat,sun": "Sun Sat",
    "sun,3": "Sun Wed",
}


def fire_days(weekdays: str) -> str:
    """The weekdays `0 6 * * <weekdays>` fires on in the week starting SUNDAY."""
    trigger = crontab_trigger(f"0 6 * * {weekdays}", "UTC")
    fired = []
    moment = SUNDAY
    while True:
        moment = trigger.get_next_fire_time(None, moment)
        if moment >= SUNDAY + timedelta(days=7):
            break
        assert (moment.hour, moment.minute) == (6, 0)
        fired.append(moment.strftime("%a"))
        moment += timedelta(minutes=1)
    return " ".join(fired)


@pytest.mark.parametrize(("weekdays", "expected"), sorted(REFERENCE.items()))
def test_weekday_field_fires_on_crontab_days(weekdays: str, expected: str) -> None:
    assert fire_days(weekdays) == expected


@pytest.mark.parametrize(
    ("weekdays", "problem"),
    [
        ("8", "weekday 8 is out of range"),
        ("5-1", "runs backwards"),
        ("funday", "unknown weekday 'funday'"),
        ("1-5/0", "step"),
        ("1--2", "is not a number, name, range or step"),
    ],
)
def test_invalid_weekday_fields_say_why(weekdays: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        crontab_trigger(f"0 6 * * {weekdays}", "UTC")
