"""What a new user meets in the first hour: read-only commands, day-one status, one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_store
from monitor.views import render_status

from .conftest import SMALL_FAMILIES, write_config


@pytest.mark.parametrize("command", [["status"], ["models"], ["export"], ["report", "--out", "r"]])
def test_read_only_commands_on_a_mistyped_storage_path_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    missing = tmp_path / "dta" / "monitr.db"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code = main(["--config", str(config), "--storage", f"sqlite:///{missing}", *command])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"no database at {missing}" in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_read_only_command_on_a_postgresql_schema_without_tables_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    from monitor.store import driver_url

    config = write_config(tmp_path, SMALL_FAMILIES, storage=pg_url)
    assert main(["--config", str(config), "status"]) == 2
    assert "no database at postgresql" in capsys.readouterr().err
    engine = create_engine(driver_url(pg_url), poolclass=NullPool)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


def _run(store, started: datetime, status: str = "ok") -> None:
    run_id = store.begin_run("collect", "http://hub", started)
    store.finish_run(run_id, finished_at=started + timedelta(seconds=5), status=status)


def test_status_on_day_one_lists_no_missing_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], storage_url: str
) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)
    store = open_store(load_config(path).storage_url())
    _run(store, datetime.now(UTC) - timedelta(minutes=5))
    assert main(["--config", str(path), "status"]) == 0
    out = capsys.readouterr().out
    assert "Days without a successful collect" not in out
    assert "First collect today" in out


def test_status_counts_gaps_from_the_first_collect() -> None:
    """First collect 4 days ago (Wed 25 Nov), ok on 25 and 27 Nov: 26 and 28 Nov are gaps."""
    from monitor.store import RunRecord

    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    first = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    run = RunRecord(
        id=1, kind="collect", source="x", started_at=first,
        finished_at=first + timedelta(seconds=3), status="ok", models=1, requests=1, errors=(),
    )  # fmt: skip
    good = {first.date(), datetime(2026, 11, 27, tzinfo=UTC).date()}
    text = render_status([run], now, good_days=good, first_collect=first)
    assert (
        "Days without a successful collect in the 4 days since 25 Nov: 2 — 26 Nov, 28 Nov" in text
    )
    # two weeks in, the window is the full 14 days again
    text = render_status([run], now + timedelta(days=30), good_days=set(), first_collect=first)
    assert "Days without a successful collect in the last 14: 14" in text
