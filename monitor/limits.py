"""The range a stored number may take: one rule for the Hub, imports, SQLite and PostgreSQL.

A count outside it is not a fact about a model but a broken or hostile record: the Hub parser
stores it as unknown, the importer refuses the row (file and line), and reads treat a value
already stored out of range as unknown, so one bad number cannot break every later report.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

# Far above any model's downloads (the most downloaded have ~10^9), and below 2^53, so a count
# survives pandas' float step exactly and a sum over thousands of models fits a BIGINT.
MAX_DOWNLOADS = 10**15
MAX_LIKES = 2**31 - 1  # `likes` is an INTEGER column: 32 bits on PostgreSQL
MAX_SCORE = 1e9  # trending scores are in the hundreds

COUNT_LIMITS = {
    "downloads_30d": MAX_DOWNLOADS,
    "downloads_all_time": MAX_DOWNLOADS,
    "likes": MAX_LIKES,
}


def score_in_range(value: float) -> bool:
    return math.isfinite(value) and abs(value) <= MAX_SCORE


# Observation times: nothing before the Hub existed, nothing later than a day from now (a
# date is read as 00:00 UTC, which is already "tomorrow" east of UTC). A stored time outside
# what pandas can hold (years 1678–2261) would break every read that meets it.
EARLIEST_OBSERVATION = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_MARGIN = timedelta(days=1)
READABLE_UNTIL = datetime(2262, 1, 1, tzinfo=UTC)


def latest_allowed(now: datetime) -> datetime:
    """The latest observation time accepted at `now`."""
    return now + FUTURE_MARGIN
