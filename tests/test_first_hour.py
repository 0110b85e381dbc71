"""What a new user meets in the first hour: read-only commands, day-one status, one-line errors."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor.cli import main
from monitor.config import PACKAGED_DEFAULTS, load_config
from monitor.store import open_store
from monitor.views import render_status

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config


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

    from monitor.dbtext import parse_url

    config = write_config(tmp_path, SMALL_FAMILIES, storage=pg_url)
    assert main(["--config", str(config), "status"]) == 2
    assert "no database at postgresql" in capsys.readouterr().err
    engine = create_engine(parse_url(pg_url), poolclass=NullPool)
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
    now = datetime.now(UTC)  # status reads the real clock; stay on today's date at midnight
    _run(store, max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0)))
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


# --- outside the repository: init, the packaged defaults, a config copied elsewhere ----------

SCRIPT = str(Path(sys.executable).parent / "hf-monitor")  # the installed console script


def run_script(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args], cwd=folder, capture_output=True, text=True, check=False, timeout=300
    )


def test_packaged_defaults_are_the_repositorys_own_files() -> None:
    assert (PACKAGED_DEFAULTS / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()
    packaged = PACKAGED_DEFAULTS / "seeds" / "claims.yaml"
    assert packaged.read_bytes() == (REPO / "seeds" / "claims.yaml").read_bytes()


@pytest.mark.slow
def test_init_then_demo_in_an_empty_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)

    def cli(*args: str) -> tuple[int, str, str]:  # in-process; the console script is run below
        code = main(list(args))
        return code, *capsys.readouterr()

    # the demo needs no config: it uses the packaged defaults
    code, out, err = cli("demo")
    assert code == 0, err
    assert out.splitlines()[0] == str(empty / "hf-monitor-demo" / "2026-W34" / "report.md")
    assert "  hf-monitor init ." in out
    # nothing else appears here, and nothing next to the packaged files
    assert sorted(p.name for p in empty.iterdir()) == ["hf-monitor-demo"]
    assert not (PACKAGED_DEFAULTS / "data").exists()

    done = run_script(empty, "init", ".")  # the installed command, outside the repository
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["wrote config.yaml", "wrote seeds/claims.yaml"]
    assert (empty / "config.yaml").read_text().startswith("# hf-popularity-monitor")
    assert load_config(empty / "config.yaml").claims_path() == empty / "seeds" / "claims.yaml"
    # with a config of its own, the printed next command works
    storage = f"sqlite:///{empty / 'hf-monitor-demo' / 'demo.db'}"
    code, out, _err = cli("--storage", storage, "models", "--family", "deepseek")
    assert code == 0 and "deepseek-ai/DeepSeek-R1 " in out

    code, _out, err = cli("init")
    assert code == 2
    assert err == (
        "hf-monitor: error: config.yaml and seeds/claims.yaml already exist; nothing written\n"
    )
    (empty / "config.yaml").unlink()  # one of the two present is enough to refuse
    assert cli("init")[0] == 2
    assert not (empty / "config.yaml").exists()

    code, out, _err = cli("init", "sub/dir")
    assert code == 0
    assert "Next: cd sub/dir && hf-monitor collect" in out
    assert (empty / "sub" / "dir" / "seeds" / "claims.yaml").is_file()


def test_a_config_copied_elsewhere_finds_its_claims_or_says_how(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(REPO / "config.yaml", alone / "config.yaml")
    # the default setting falls back to the packaged claims
    config = load_config(alone / "config.yaml")
    assert config.claims_path() == PACKAGED_DEFAULTS / "seeds" / "claims.yaml"
    # a setting of the user's own that points nowhere: one line that says how to fix it
    text = (
        (alone / "config.yaml")
        .read_text()
        .replace("claims: seeds/claims.yaml", "claims: my-claims.yaml")
    )
    (alone / "config.yaml").write_text(text)
    code = main(["--config", str(alone / "config.yaml"), "demo", "--out", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"hf-monitor: error: {alone / 'config.yaml'}: reports.claims: {alone / 'my-claims.yaml'} "
        "not found (put the claims file there, point reports.claims at it, or run "
        "`hf-monitor init DIR` for a starter copy)\n"
    )


# --- one line, not a traceback or "unexpected error" -------------------------------------------


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A config whose database holds the two-week test history."""
    config = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(config), "import", str(DATA / "two_weeks.csv")]) == 0
    capsys.readouterr()
    return config


def test_report_and_export_to_impossible_places_are_one_line_exit_2(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    assert main(["--config", str(imported), "report", "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == (
        f"hf-monitor: error: --out {a_file}: {a_file} is a file; give a folder for the reports\n"
    )
    assert a_file.read_text() == "mine\n"
    missing = tmp_path / "missing" / "dir" / "x.csv"
    assert main(["--config", str(imported), "export", "--out", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"hf-monitor: error: --out {missing}: the folder {missing.parent} does not exist\n"
    )
    assert not (tmp_path / "missing").exists()


def test_parquet_export_keeps_times_as_utc_timestamps(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "snap.parquet"
    assert (
        main(["--config", str(imported), "export", "--format", "parquet", "--out", str(out)]) == 0
    )
    frame = pd.read_parquet(out)
    assert isinstance(frame["observed_at"].dtype, pd.DatetimeTZDtype)
    assert str(frame["observed_at"].dt.tz) == "UTC"
    csv = pd.read_csv(DATA / "two_weeks.csv")
    first = csv.sort_values("observed_at").iloc[0]
    expected = pd.Timestamp(first["observed_at"]).tz_convert("UTC")
    assert frame["observed_at"].min() == expected


def test_fake_hub_on_a_busy_port_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.fakehub.__main__ import main as serve

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setattr(sys, "argv", ["fakehub", "--port", str(port)])
        with pytest.raises(SystemExit) as exited:  # in-process: what `python -m` runs
            serve()
    stderr = capsys.readouterr().err
    assert exited.value.code == 2
    assert stderr.startswith(f"python -m monitor.fakehub: cannot listen on 127.0.0.1:{port}: ")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr


def test_example_script_outside_the_shared_layout_says_what_is_missing(tmp_path: Path) -> None:
    scripts = tmp_path / "clone" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "example-report.sh", scripts)
    done = subprocess.run(
        ["bash", str(scripts / "example-report.sh")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("example-report.sh: no recorded data at ../shared/real-data/")
    assert done.stderr.count("\n") == 1


def test_readme_cron_line_and_run_help_log_to_the_same_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def log_path(text: str) -> str:
        match = re.search(r"hf-monitor run >> (\S+) 2>&1", text)
        assert match, text
        return match.group(1)

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    readme = (REPO / "README.md").read_text()
    assert log_path(capsys.readouterr().out) == log_path(readme) == "data/monitor.log"


def test_a_report_from_a_fake_hub_says_it_is_not_live_data(
    fake_hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's fake-Hub walk-through: the report must not pass the replay off as the Hub."""
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    config = write_config(tmp_path, SMALL_FAMILIES, claims)
    assert main(["--config", str(config), "collect"]) == 0
    assert main(["--config", str(config), "report"]) == 0
    [folder] = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    text = (folder / "report.md").read_text()
    assert "> **Not live data.** These numbers were collected from a local fake Hub" in text
    # one capture: all-time counts, but no earlier week to take this week's downloads from
    assert "there is no earlier week to compare with" in text
    assert "the data has no all-time counts" not in text
    source = __import__("json").loads((folder / "summary.json").read_text())["source"]
    assert source["kind"] == "fake"
    assert f"a local fake Hub at {fake_hub.url}" in source["description"]
    assert "Hugging Face Hub API" not in source["description"]
    # and the long-range report over the same store, first and last
    assert main(["--config", str(config), "trends"]) == 0
    trends = (tmp_path / "reports" / "trends" / "report.md").read_text()
    notice = "> **Not live data.** These numbers were collected from a local fake Hub"
    assert trends.count(notice) == 2 and trends.split("\n\n")[1].startswith(notice)


def test_each_run_counts_only_its_own_requests(fake_hub, tmp_path: Path) -> None:
    from monitor.collect import collect
    from monitor.hub import Hub

    config = load_config(write_config(tmp_path, SMALL_FAMILIES))
    store = open_store(config.storage_url())
    with Hub(fake_hub.url, timeout=5) as hub:  # one Hub for two runs, as the demo's days
        first = collect(config, store, hub)
        second = collect(config, store, hub)
    assert first.requests == second.requests == len(fake_hub.state.requests) // 2
    assert [r.requests for r in store.recent_runs()] == [second.requests, first.requests]


def test_small_slips_create_nothing_and_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "import", str(tmp_path / "nofile.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["--config", str(config), "trends"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # neither made a database


def test_a_week_in_lower_case_is_the_same_week() -> None:
    from monitor.analysis import parse_week

    assert parse_week("2026-w34") == parse_week("2026-W34")
    assert parse_week("2026-w34").label == "2026-W34"
