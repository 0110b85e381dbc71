"""Start-up cost: the CLI imports heavy libraries only in the commands that use them.

Each check runs in a fresh interpreter, since this test process has long since imported
everything. How fast that makes `--help` and `status` is measured in benchmarks/startup.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.store import open_store

from .conftest import SMALL_FAMILIES, write_config

# Libraries that `--help` never needs; `status` needs only SQLAlchemy, pydantic and cron triggers.
HEAVY = ("pandas", "numpy", "matplotlib", "pyarrow", "sqlalchemy", "pydantic", "apscheduler")
REPORT_ONLY = ("pandas", "numpy", "matplotlib", "pyarrow")


def loaded_after(code: str, cwd: Path) -> dict[str, object]:
    """Run `code` in a new interpreter; which of HEAVY it left in sys.modules, and `result`."""
    probe = (
        "import json, sys\nresult = None\n"
        + code
        + f"\nprint(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules],"
        " 'result': result}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library(tmp_path: Path) -> None:
    assert loaded_after("import monitor.cli", tmp_path)["loaded"] == []


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "from monitor.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as exc:\n    result = exc.code"
    )
    probe = loaded_after(code, tmp_path)
    assert probe == {"loaded": [], "result": 0}


@pytest.mark.parametrize("module", ["monitor.jobs", "monitor.scheduler", "monitor.crontab"])
def test_collect_and_schedule_modules_do_not_load_pandas_or_matplotlib(
    module: str, tmp_path: Path
) -> None:
    loaded = loaded_after(f"import {module}", tmp_path)["loaded"]
    assert isinstance(loaded, list)
    assert [m for m in REPORT_ONLY if m in loaded] == []


def test_status_reads_the_database_without_pandas_or_matplotlib(tmp_path: Path) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    open_store(f"sqlite:///{tmp_path / 'data' / 'monitor.db'}")  # an empty, migrated database
    code = f"from monitor.cli import main\nresult = main(['--config', {str(config)!r}, 'status'])"
    probe = loaded_after(code, cwd=tmp_path)
    assert probe["result"] == 0
    loaded = probe["loaded"]
    assert isinstance(loaded, list)
    # It did open the database and read the config, and nothing meant for reports.
    assert "sqlalchemy" in loaded and "pydantic" in loaded
    assert [m for m in REPORT_ONLY if m in loaded] == []
