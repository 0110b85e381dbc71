"""Config validation: every mistake is one line naming the file and the key path, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.errors import ConfigError

from .conftest import REPO, SMALL_FAMILIES, write_config


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_shipped_config_is_valid_and_covers_the_article() -> None:
    config = load_config(REPO / "config.yaml")
    ids = {f.id for f in config.families}
    assert {"qwen", "deepseek", "llama", "gemma", "phi", "gpt-oss", "nemotron", "granite"} <= ids
    assert {f.origin for f in config.families} >= {"CN", "US", "FR"}
    assert config.classify("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B").id == "deepseek"
    assert config.classify("google/gemma-3-27b-it").id == "gemma"
    assert config.classify("google/vit-base-patch16-224") is None
    assert config.classify("microsoft/Phi-3.5-mini-instruct").id == "phi"
    assert config.classify("microsoft/phi-2").id == "phi"
    assert config.classify("microsoft/deberta-v3-base") is None
    assert config.classify("openai/gpt-oss-20b").id == "gpt-oss"
    assert config.classify("openai/whisper-large-v3") is None
    assert config.classify("nvidia/Llama-3.1-Nemotron-70B-Instruct-HF").id == "nemotron"
    assert config.classify("nvidia/parakeet-tdt-0.6b-v2") is None


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, SMALL_FAMILIES))
    assert config.storage_url() == f"sqlite:///{tmp_path.resolve()}/data/monitor.db"
    assert config.reports_dir() == tmp_path.resolve() / "reports"


def test_hf_endpoint_overrides_config(tmp_path: Path) -> None:
    config = load_config(
        write_config(tmp_path, SMALL_FAMILIES, "hub:\n  endpoint: http://example.test/\n")
    )
    assert config.hub_endpoint({}) == "http://example.test"
    assert config.hub_endpoint({"HF_ENDPOINT": "http://127.0.0.1:9/"}) == "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("families", "extra", "expected"),
    [
        (SMALL_FAMILIES, "hub:\n  timout: 5\n", "hub.timout: unknown key"),
        (SMALL_FAMILIES, "hub:\n  timeout: soon\n", "hub.timeout: Input should be a valid number"),
        (
            SMALL_FAMILIES,
            "schedule:\n  collect: '0 3 * *'\n",
            "schedule.collect: cron expression '0 3 * *' needs 5 fields",
        ),
        (
            SMALL_FAMILIES.replace('["*gemma*"]', '["gem ma"]'),
            "",
            "families[2].authors[0].include: invalid name glob 'gem ma'",
        ),
        (
            SMALL_FAMILIES.replace("authors: [Qwen]", "models: [Qwen/a..b]"),
            "",
            "families[0].models: invalid model id 'Qwen/a..b'",
        ),
        (
            SMALL_FAMILIES.replace(
                "origin: CN\n  authors: [Qwen]", "origin: China\n  authors: [Qwen]"
            ),
            "",
            "families[0].origin: origin 'China' must be a two-letter country code in capitals, e.g. CN, US, FR",
        ),
        (
            SMALL_FAMILIES.replace("authors: [deepseek-ai]", "authors: [Qwen]"),
            "",
            "families: author 'Qwen' is taken whole by families 'qwen' and 'deepseek'",
        ),
        (
            SMALL_FAMILIES.replace("  label: DeepSeek\n", ""),
            "",
            "families[1].label: required key is missing",
        ),
    ],
)
def test_mistakes_name_file_and_key(
    tmp_path: Path, families: str, extra: str, expected: str
) -> None:
    path = write_config(tmp_path, families, extra)
    message = error_of(path)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    assert "config file not found" in error_of(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("families:\n  - id: [unclosed\n", encoding="utf-8")
    message = error_of(bad)
    assert message.startswith(f"{bad}: invalid YAML (line ")


def test_cli_exit_code_2_and_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, SMALL_FAMILIES, "storage:\n  path: x.db\n")
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "storage" in err and "unknown key" in err
