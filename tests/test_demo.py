"""`hf-monitor demo` runs the whole pipeline offline, marks its report as a demo, keeps its data."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from monitor.cli import main

from .conftest import REPO


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One `demo` run shared by the tests that read it (a run takes seconds):
    (its --out folder, stdout, stderr)."""
    out_dir = tmp_path_factory.mktemp("shared") / "demo"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["--config", str(REPO / "config.yaml"), "demo", "--out", str(out_dir)]) == 0
    return out_dir, out.getvalue(), err.getvalue()


@pytest.mark.slow
def test_demo_writes_a_full_report_marked_as_a_demo(demo_run: tuple[Path, str, str]) -> None:
    out_dir, out, err = demo_run
    assert out.splitlines()[0] == str(out_dir / "2026-W34" / "report.md")
    assert "2026-08-22: ok" in err
    summary = json.loads((out_dir / "2026-W34" / "summary.json").read_text())
    assert summary["as_of"] == "2026-08-22T12:40:00Z"
    assert {c["verdict"] for c in summary["claims"]} <= {
        "supported",
        "not_supported",
        "inconclusive",
    }
    assert len(summary["families"]) == 12
    # the fake Hub serves all-time counts, so weekly downloads are computed
    assert all(f["downloads_week"] is not None for f in summary["families"])
    # four charts of the watched families, two of the Hub-wide context
    assert len(list((out_dir / "2026-W34").glob("*.png"))) == 6
    assert summary["hub_context"]["ranks"]["all"]["top_n"] > 100
    assert not (REPO / "data" / "demo.db").exists()

    # a demo, with the recording's real dates and what is synthetic
    source = summary["source"]
    assert source["kind"] == "demo"
    assert (source["recorded_from"], source["recorded_to"]) == ("2026-08-07", "2026-08-22")
    assert any("all-time downloads" in part for part in source["synthetic"])
    markdown = (out_dir / "2026-W34" / "report.md").read_text()
    notice = "> **Demo report, not live data.** Made by `hf-monitor demo` from Hub numbers recorded 2026-08-07 … 2026-08-22"
    lines = markdown.splitlines()
    assert lines[4].startswith(notice)  # under the title line
    assert lines[-1].startswith(notice)  # and as the last line
    assert "Source: Hugging Face Hub API" not in markdown


@pytest.mark.slow
def test_demo_keeps_its_database_for_the_other_commands(
    demo_run: tuple[Path, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared, out, _err = demo_run
    assert f"  hf-monitor --storage sqlite:///{shared / 'demo.db'} models" in out.splitlines()
    out_dir = tmp_path / "demo"  # a copy: this test runs the demo again into its folder
    shutil.copytree(shared, out_dir)
    config = str(REPO / "config.yaml")
    storage = f"sqlite:///{out_dir / 'demo.db'}"
    assert main(["--config", config, "--storage", storage, "models", "--family", "qwen"]) == 0
    assert "Qwen/Qwen3-0.6B " in capsys.readouterr().out
    # the demo can run again into its own folder; it starts its database afresh
    assert main(["--config", config, "demo", "--out", str(out_dir)]) == 0
    capsys.readouterr()
    assert main(["--config", config, "--storage", storage, "status", "--runs", "100"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "  collect  " in line]
    assert len(rows) == 16  # one run per recorded day, not 32


def test_demo_never_overwrites_reports_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    (reports / "2026-W34").mkdir(parents=True)
    (reports / "2026-W34" / "report.md").write_text("real report\n")
    (reports / "index.md").write_text("real index\n")
    code = main(["--config", str(REPO / "config.yaml"), "demo", "--out", str(reports)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"hf-monitor: error: {reports}: holds files the demo did not write "
        "(2026-W34, index.md…); give --out a new or empty folder\n"
    )
    assert (reports / "2026-W34" / "report.md").read_text() == "real report\n"
    assert (reports / "index.md").read_text() == "real index\n"
    assert sorted(p.name for p in reports.rglob("*")) == ["2026-W34", "index.md", "report.md"]
