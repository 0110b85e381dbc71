"""Shared fixtures: an isolated environment, a fake Hub on loopback, configs in tmp folders."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from monitor.config import Config, load_config
from monitor.fakehub import recorded_days
from monitor.store import Store, open_store

from .fakefaults import FaultyHub

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens there


TMPFS = Path("/dev/shm")
TMPFS_MIN_FREE = 2 * 1024**3  # the suite's scratch files stay well under this


def pytest_configure(config: pytest.Config) -> None:
    """Scratch folders on tmpfs where there is room: SQLite syncs every commit to disk, and on
    a busy disk those syncs were most of a storage test's time (8x slower on a shared VM).

    `--basetemp` or `HF_MONITOR_TEST_ON_DISK=1` keep them on disk."""
    if config.option.basetemp or os.environ.get("HF_MONITOR_TEST_ON_DISK"):
        return
    if os.access(TMPFS, os.W_OK) and shutil.disk_usage(TMPFS).free >= TMPFS_MIN_FREE:
        tempfile.tempdir = str(TMPFS)  # read by tmp_path and tempfile alike


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's token, endpoint, config or Hub cache, or reaches the internet.

    HF_ENDPOINT points at a closed loopback port: a test that forgets to point at the fake
    Hub fails at once with a connection error instead of asking the public Hub.
    """
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_MONITOR_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", CLOSED_PORT)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))


class VirtualTime:
    """A clock that only moves when something sleeps; every sleep is recorded.

    Passed to a `Hub` (`clock=vtime.monotonic, sleep=vtime.sleep`), or made the default of
    every `Hub` by the `vtime` fixture, so waits are checked exactly and cost no real time.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def vtime(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    """Virtual time for every `Hub` built in the test, the command line's included."""
    import monitor.hub

    virtual = VirtualTime()
    monkeypatch.setattr(monitor.hub, "default_time", lambda: (virtual.monotonic, virtual.sleep))
    return virtual


@pytest.fixture(scope="session")
def days() -> dict[date, list[dict[str, Any]]]:
    """The bundled real recording, one list of Hub model objects per day."""
    return recorded_days()


@pytest.fixture
def fake_hub(days: dict[date, list[dict[str, Any]]]) -> Iterator[FaultyHub]:
    """A fake Hub serving the last recorded day, faults at hand (`state.faults`)."""
    with FaultyHub([dict(m) for m in days[max(days)]]) as hub:
        yield hub


def write_config(
    folder: Path, families: str, extra: str = "", storage: str = "sqlite:///data/monitor.db"
) -> Path:
    """A config file in `folder` with the given `families:` block (YAML, dedented)."""
    path = folder / "config.yaml"
    text = f"storage:\n  url: '{storage}'\n" + textwrap.dedent(extra)
    if "context:" not in extra:  # Hub-wide context has tests of its own
        text += "context:\n  enabled: false\n"
    text += "families:\n" + textwrap.indent(textwrap.dedent(families), "  ")
    path.write_text(text, encoding="utf-8")
    return path


SMALL_FAMILIES = """\
- id: qwen
  label: Qwen (Alibaba)
  organization: Alibaba Cloud
  origin: CN
  authors: [Qwen]
- id: deepseek
  label: DeepSeek
  organization: DeepSeek
  origin: CN
  authors: [deepseek-ai]
- id: gemma
  label: Gemma (Google)
  organization: Google
  origin: US
  authors:
    - name: google
      include: ["*gemma*"]
- id: gpt-oss
  label: gpt-oss (OpenAI)
  organization: OpenAI
  origin: US
  authors:
    - name: openai
      include: ["gpt-oss*"]
"""


# --- storage: every test that asks for `storage_url` runs on SQLite and on PostgreSQL ---------

PG_ENV = "HF_MONITOR_TEST_PG"  # e.g. the URL printed by .ci/postgres.sh
REQUIRE_PG_ENV = "HF_MONITOR_REQUIRE_PG"  # CI sets it: a missing server fails instead of skipping


@pytest.fixture(scope="session")
def pg_server() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_ENV} is not")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (export {PG_ENV}=$(.ci/postgres.sh))")
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose tables live in a fresh schema of the test server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg_server else "?"
    yield f"{pg_server}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return "sqlite:///data/monitor.db"  # relative: next to the test's config file
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def small_config(tmp_path: Path, storage_url: str) -> Config:
    return load_config(write_config(tmp_path, SMALL_FAMILIES, storage=storage_url))


@pytest.fixture
def store(small_config: Config) -> Store:
    return open_store(small_config.storage_url())
