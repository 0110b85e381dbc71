"""`--since` means the same to `trends` and `backfill`: one parser, one wording, exit 2."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.cli import main, parse_since
from monitor.errors import UsageError

from .conftest import SMALL_FAMILIES, write_config

TODAY = datetime.now(UTC).date()
BAD = {
    "July": "--since 'July': expected YYYY-MM-DD or YYYY-MM",
    "2026": "--since '2026': expected YYYY-MM-DD or YYYY-MM",
    "2026-13": "--since '2026-13': expected YYYY-MM-DD or YYYY-MM",
    "2026-02-30": "--since '2026-02-30': expected YYYY-MM-DD or YYYY-MM",
    "": "--since '': expected YYYY-MM-DD or YYYY-MM",
    "0001-01": "--since '0001-01': before 2000, nothing is stored then",
    "1999-12-31": "--since '1999-12-31': before 2000, nothing is stored then",
    "9999-01": f"--since '9999-01': in the future (today is {TODAY})",
}


@pytest.mark.parametrize("command", ["trends", "backfill"])
@pytest.mark.parametrize("value", list(BAD))
def test_a_bad_since_is_one_line_and_exit_2(
    command: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), command, "--since", value]) == 2
    assert capsys.readouterr().err == f"hf-monitor: error: {BAD[value]}\n"
    assert not (tmp_path / "data").exists()  # refused before any database is opened


def test_a_month_is_its_first_day_and_today_is_allowed() -> None:
    today = date(2026, 3, 17)
    assert parse_since("2026-03", today) == date(2026, 3, 1)
    assert parse_since("2026-03-17", today) == today
    assert parse_since("2000-01", today) == date(2000, 1, 1)
    assert parse_since(None, today) is None
    with pytest.raises(UsageError, match="in the future"):
        parse_since("2026-03-18", today)
