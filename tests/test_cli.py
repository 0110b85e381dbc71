"""Every command has help with an example; errors are one line with a fixed exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor.cli import build_parser, main


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", subcommands())
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"hf-monitor {command}" in out
    assert "Example" in out


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "collect" in done.stdout and "export" in done.stdout


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["fly"])
    assert info.value.code == 2


def test_the_hub_clients_retry_lines_stay_quiet_without_verbose(tmp_path) -> None:
    """The library re-adds its handler and level on import; the CLI must override both."""
    import logging

    from .conftest import SMALL_FAMILIES, write_config

    config = write_config(tmp_path, SMALL_FAMILIES)
    main(["--config", str(config), "status"])
    hub_logger = logging.getLogger("huggingface_hub")
    assert hub_logger.handlers == [] and hub_logger.level == logging.ERROR
    main(["--config", str(config), "-v", "status"])
    assert hub_logger.handlers == [] and hub_logger.level == logging.WARNING
