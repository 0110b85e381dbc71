"""A week's report lands whole or not at all, and `run` repairs a week cut short (issue 13 §4)."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import Config, load_config
from monitor.errors import OutputError
from monitor.files import MARKER, is_complete
from monitor.jobs import report_completed_week

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config

NOW = datetime(2026, 8, 26, 6, tzinfo=UTC)  # Wednesday of 2026-W35: W34 is the completed week


@pytest.fixture
def config(tmp_path: Path) -> Config:
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    path = write_config(tmp_path, SMALL_FAMILIES, claims)
    assert main(["--config", str(path), "import", str(DATA / "two_weeks.csv")]) == 0
    return load_config(path)


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


class FullDisk:
    """`os.write` that fills the disk on its `at`-th call: half the bytes, then ENOSPC."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.calls = 0
        self.real = os.write

    def __call__(self, fd: int, data: bytes) -> int:
        self.calls += 1
        if self.calls >= self.at:
            self.real(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real(fd, data)


def test_a_week_cut_short_in_place_is_rewritten_by_run(config: Config) -> None:
    first = report_completed_week(config, NOW)
    assert first.state == "written" and first.folder is not None
    report = first.folder / "report.md"
    whole = report.read_text(encoding="utf-8")
    # What an in-place writer leaves on a full disk: summary.json whole, report.md cut mid-line.
    report.write_text(whole[: len(whole) // 2], encoding="utf-8")
    assert not is_complete(first.folder)

    again = report_completed_week(config, NOW)
    assert again.state == "written"
    assert report.read_text(encoding="utf-8") == whole
    assert report_completed_week(config, NOW).state == "exists"


@pytest.mark.parametrize("at", [1, 2, 3])  # report.md, summary.json, the marker
def test_a_full_disk_mid_write_keeps_the_last_whole_report(
    config: Config, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    first = report_completed_week(config, NOW)
    assert first.folder is not None
    before = folder_bytes(first.folder)
    index = (config.reports_dir() / "index.md").read_bytes()

    monkeypatch.setattr(os, "write", FullDisk(at))
    with pytest.raises(OutputError, match="cannot write the report: No space left on device"):
        report_completed_week(config, NOW, force=True)
    monkeypatch.undo()

    after = folder_bytes(first.folder)
    if at < 3:  # failed before anything was moved in: the previous week stands, byte for byte
        assert after == before and is_complete(first.folder)
    else:  # the new files were in place, only the marker failed: incomplete, so run repairs it
        assert after.keys() == before.keys() - {MARKER}
        assert not is_complete(first.folder)
        assert report_completed_week(config, NOW).state == "written"
    assert [
        p.name for p in first.folder.iterdir() if p.name.startswith(".") and p.name != MARKER
    ] == []
    assert (config.reports_dir() / "index.md").read_bytes() == index


def test_a_first_write_on_a_full_disk_is_one_line_and_the_next_run_writes_it(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "write", FullDisk(2))
    assert main(["--config", str(config.path), "report", "--week", "2026-W34"]) == 1
    monkeypatch.undo()
    folder = config.reports_dir() / "2026-W34"
    assert capsys.readouterr().err == (
        f"hf-monitor: error: {folder}: cannot write the report: No space left on device\n"
    )
    assert not (folder / "summary.json").exists() and not is_complete(folder)
    assert report_completed_week(config, NOW).state == "written"
    assert is_complete(folder) and (folder / "report.md").read_text().endswith("\n")
