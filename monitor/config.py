"""Load `config.yaml` into a typed, validated model.

Validation is strict on purpose: the file is edited by hand and read by an unattended job, so
a typo must fail loudly at load time (one line naming the file and the key path) rather than
silently watching nothing. Relative paths resolve against the config file's folder, so the
tool behaves the same from any working directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from huggingface_hub.utils import HFValidationError, validate_repo_id
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from .crontab import crontab_trigger
from .dbtext import database_file, parse_url
from .errors import ConfigError, StoreError

DEFAULT_CONFIG_NAME = "config.yaml"
DEFAULT_CLAIMS = "seeds/claims.yaml"
# The starter config and claims shipped in the package (copies of the repository's own).
PACKAGED_DEFAULTS = Path(__file__).resolve().parent / "defaults"
CONFIG_ENV = "HF_MONITOR_CONFIG"
PUBLIC_HUB = "https://huggingface.co"

# Hub names use letters, digits, "-", "_" and "."; a glob may add "*", "?" and "[...]" classes.
_GLOB_RE = re.compile(r"^(?:[\w.\-*?]|\[!?[\w.\-]+\])+$")
_AUTHOR_RE = re.compile(r"^[\w.\-]{1,96}$")


class Strict(BaseModel):
    """Frozen, and an unknown key is an error that names it (config and claims files alike)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_glob(value: str) -> str:
    if not _GLOB_RE.match(value):
        raise ValueError(f"invalid name glob {value!r} (letters, digits, - _ . * ? and [..] only)")
    return value


Glob = Annotated[str, Field(min_length=1)]


def _check_model_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    """Listed ids (a family's `models`, `context.base_models`) must be Hub ids `author/name`."""
    for value in values:
        try:
            validate_repo_id(value)
        except HFValidationError as exc:
            raise ValueError(f"invalid model id {value!r}") from exc
        if "/" not in value:
            raise ValueError(f"model id {value!r} must be 'author/name'")
    return values


ModelIds = Annotated[tuple[str, ...], AfterValidator(_check_model_ids)]


class AuthorSelector(Strict):
    """All models of one Hub author, optionally narrowed by globs on the model name."""

    name: str
    include: tuple[Glob, ...] = ()

    @field_validator("name")
    @classmethod
    def _valid_author(cls, value: str) -> str:
        if not _AUTHOR_RE.match(value):
            raise ValueError(f"invalid Hub author {value!r}")
        return value

    @field_validator("include")
    @classmethod
    def _valid_globs(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_glob(v) for v in values)

    def matches(self, model_id: str) -> bool:
        author, _, name = model_id.partition("/")
        if author.lower() != self.name.lower():
            return False
        return not self.include or any(fnmatchcase(name, g) for g in self.include)

    def search_hint(self) -> str | None:
        """A substring every included name contains, for the Hub's server-side `search`.

        The Hub matches `search` case-insensitively, so `phi*` and `Phi*` share the hint "phi".
        Globs are still applied on our side afterwards; the hint only trims the listing.
        """
        if not self.include:
            return None
        pieces = [_longest_literal(g).lower() for g in self.include]
        first = pieces[0]
        if len(first) >= 3 and all(first in p for p in pieces):
            return first
        return None


def _longest_literal(glob: str) -> str:
    parts = re.split(r"[*?]|\[[^\]]*\]", glob)
    return max(parts, key=len)


class Family(Strict):
    """A model family: one lab's line of models, with where they come from."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    label: str
    organization: str
    origin: Annotated[str, Field(description="ISO 3166 country code")]
    authors: tuple[AuthorSelector, ...] = ()
    models: ModelIds = ()
    exclude: tuple[Glob, ...] = ()

    @field_validator("origin")
    @classmethod
    def _country_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError(
                f"origin {value!r} must be a two-letter country code in capitals, e.g. CN, US, FR"
            )
        return value

    @field_validator("authors", mode="before")
    @classmethod
    def _authors_shorthand(cls, values: Any) -> Any:
        """`authors: [Qwen]` is short for `authors: [{name: Qwen}]`."""
        if isinstance(values, list):
            return [{"name": v} if isinstance(v, str) else v for v in values]
        return values

    @field_validator("exclude")
    @classmethod
    def _valid_excludes(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            author, slash, name = value.partition("/")
            if not slash or not _AUTHOR_RE.match(author):
                raise ValueError(f"exclude {value!r} must look like 'author/name-glob'")
            _check_glob(name)
        return values

    @model_validator(mode="after")
    def _has_selector(self) -> Family:
        if not self.authors and not self.models:
            raise ValueError("a family needs at least one of 'authors' or 'models'")
        return self

    def is_excluded(self, model_id: str) -> bool:
        return any(fnmatchcase(model_id, pattern) for pattern in self.exclude)

    def matches(self, model_id: str) -> bool:
        if self.is_excluded(model_id):
            return False
        if model_id in self.models:
            return True
        return any(selector.matches(model_id) for selector in self.authors)


class HubSettings(Strict):
    endpoint: str = PUBLIC_HUB
    timeout: Annotated[float, Field(gt=0, le=600, description="seconds per HTTP request")] = 20.0
    page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    deadline: Annotated[float, Field(gt=0, le=86400, description="seconds for a whole run")] = 900.0

    @field_validator("endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"endpoint {value!r} must be an http(s) URL")
        return value.rstrip("/")


class StorageSettings(Strict):
    url: str = "sqlite:///data/monitor.db"

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        try:
            backend = parse_url(value).get_backend_name()
        except StoreError as exc:  # said with the key or option it came from
            raise ValueError(str(exc)) from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError("url must start with sqlite:/// or postgresql://")
        return value


class ReportSettings(Strict):
    dir: str = "reports"
    claims: str = DEFAULT_CLAIMS


class ScheduleSettings(Strict):
    timezone: str = "UTC"
    # The Hub refreshes its counters around midnight UTC; collect well after that.
    collect: str = "30 3 * * *"
    report: str = "0 6 * * mon"

    @field_validator("collect", "report")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        crontab_trigger(value, "UTC")  # raises ValueError with a readable message
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. UTC, Europe/Berlin)") from None
        return value


class ContextSettings(Strict):
    """Hub-wide context: global ranks, derivative counts, third-party (ecosystem) downloads."""

    enabled: bool = True
    top_n: Annotated[int, Field(ge=1, le=10_000, description="models in a Hub-wide ranking")] = 1000
    pipelines: tuple[Annotated[str, Field(pattern=r"^[a-z0-9-]+$")], ...] = ("text-generation",)
    base_models_per_family: Annotated[int, Field(ge=0, le=50)] = 3
    base_models: ModelIds = ()
    ecosystem_budget: Annotated[int, Field(ge=0, le=5000, description="requests")] = 40


class Settings(Strict):
    hub: HubSettings = HubSettings()
    storage: StorageSettings = StorageSettings()
    reports: ReportSettings = ReportSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    context: ContextSettings = ContextSettings()
    families: tuple[Family, ...]

    @model_validator(mode="after")
    def _watched_bases(self) -> Settings:
        for model_id in self.context.base_models:
            if not any(f.matches(model_id) for f in self.families):
                raise ValueError(
                    f"context.base_models: {model_id!r} is in no watched family; "
                    "derivatives are counted per family"
                )
        return self

    @field_validator("families")
    @classmethod
    def _disjoint(cls, families: tuple[Family, ...]) -> tuple[Family, ...]:
        if not families:
            raise ValueError("watch at least one family")
        seen: dict[str, str] = {}
        for family in families:
            if family.id in seen:
                raise ValueError(f"family id {family.id!r} appears twice")
            seen[family.id] = family.id
        owner: dict[str, str] = {}
        for family in families:
            for model_id in family.models:
                other = owner.setdefault(model_id.lower(), family.id)
                if other != family.id:
                    raise ValueError(
                        f"model {model_id!r} is listed in families {other!r} and {family.id!r}"
                    )
        whole_authors: dict[str, str] = {}
        for family in families:
            for sel in family.authors:
                if not sel.include:
                    other = whole_authors.setdefault(sel.name.lower(), family.id)
                    if other != family.id:
                        raise ValueError(
                            f"author {sel.name!r} is taken whole by families {other!r} and {family.id!r}"
                        )
        return families


@dataclass(frozen=True)
class Config:
    """A validated configuration plus where it came from."""

    settings: Settings
    path: Path

    @property
    def families(self) -> tuple[Family, ...]:
        return self.settings.families

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def with_storage(self, url: str) -> Config:
        """The same config with another storage URL (validated like the file's)."""
        try:
            storage = StorageSettings(url=url)
        except ValidationError as exc:
            raise ConfigError(
                f"--storage: {describe_validation_error(exc).partition(': ')[2]}"
            ) from None
        return replace(self, settings=self.settings.model_copy(update={"storage": storage}))

    def classify(self, model_id: str) -> Family | None:
        """The family a model belongs to, or None when it is not watched (first match wins)."""
        for family in self.families:
            if family.matches(model_id):
                return family
        return None

    def family_id(self, model_id: str, stored: str | None = None) -> str | None:
        """The id of a model's family today; a model the config no longer matches keeps the
        family it was `stored` with while that family exists (e.g. a listed model since renamed)."""
        family = self.classify(model_id)
        if family is not None:
            return family.id
        return stored if any(f.id == stored for f in self.families) else None

    def hub_endpoint(self, environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
        """`HF_ENDPOINT` wins over the config, which defaults to the public Hub."""
        return (environ.get("HF_ENDPOINT") or self.settings.hub.endpoint).rstrip("/")

    def storage_url(self) -> str:
        """The storage URL with a relative SQLite path resolved against the config folder."""
        url = self.settings.storage.url
        database = database_file(url)
        if database is None or database.is_absolute():
            return url
        resolved = parse_url(url).set(database=str(self.base_dir / database))
        return resolved.render_as_string(hide_password=False)

    def reports_dir(self) -> Path:
        return self._relative(self.settings.reports.dir)

    def claims_path(self) -> Path:
        """The claims file; a config copied away from its default one uses the packaged copy."""
        setting = self.settings.reports.claims
        path = self._relative(setting)
        if path.is_file():
            return path
        if setting == DEFAULT_CLAIMS:
            return PACKAGED_DEFAULTS / DEFAULT_CLAIMS
        raise ConfigError(
            f"{self.path}: reports.claims: {path} not found (put the claims file there, point "
            f"reports.claims at it, or run `hf-monitor init DIR` for a starter copy)"
        )

    def _relative(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path


def default_config_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    return Path(environ.get(CONFIG_ENV) or DEFAULT_CONFIG_NAME)


def load_config(path: Path | str) -> Config:
    """Read and validate a config file; raise ConfigError with one readable line on failure."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (pass --config PATH or set {CONFIG_ENV})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save the config as UTF-8"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None
    return Config(settings=settings, path=path.resolve())


def describe_validation_error(exc: ValidationError) -> str:
    """One line: the first problem with its key path, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    where = _key_path(first["loc"])
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    else:
        message = str(first["msg"]).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


def _key_path(loc: Iterable[int | str]) -> str:
    """`('families', 2, 'authors')` → `families[2].authors`."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).removeprefix(".")
