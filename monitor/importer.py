"""Load historical snapshots from CSV, JSON Lines or JSON files.

A file is read and checked completely before anything is written: a bad row stops the import
with the file name and line, and nothing of that file is stored. A file whose content was
imported before adds nothing (its SHA-256 is recorded), and rows already stored — the same
model at the same moment — are skipped, so overlapping files are safe too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from huggingface_hub.utils import HFValidationError, validate_repo_id
from sqlalchemy.engine import Connection

from .config import Config, Family
from .errors import ImportRowError, UsageError
from .store import ContextRows, ModelRow, RankRow, SnapshotRow, Store

# Accepted column names, first match wins. A full timestamp wins over a date.
ALIASES: dict[str, tuple[str, ...]] = {
    "model_id": ("model_id", "id", "modelId"),
    "downloads_30d": ("downloads_30d", "downloads"),
    "downloads_all_time": ("downloads_all_time", "downloadsAllTime"),
    "likes": ("likes",),
    "trending_score": ("trending_score", "trendingScore"),
    "pipeline_tag": ("pipeline_tag",),
    "library_name": ("library_name",),
    "created_at": ("created_at", "createdAt"),
    "author": ("author",),
}
TIMESTAMP_KEYS = ("observed_at", "fetched_at", "snapshot_time", "updated_at", "last_updated")
DATE_KEYS = ("snapshot_date", "date")
TIME_KEYS = TIMESTAMP_KEYS + DATE_KEYS
COUNT_FIELDS = ("downloads_30d", "downloads_all_time", "likes")


@dataclass(frozen=True)
class ImportResult:
    file: Path
    rows: int
    new_snapshots: int
    models: int
    already_imported: bool = False
    run_id: int | None = None


@dataclass(slots=True)
class _Row:
    where: str  # "file:line" for messages
    values: dict[str, Any]
    columns: tuple[str, ...] | None = None  # a CSV header, shared by all rows of the file


def import_file(
    path: Path, store: Store, config: Config, now: datetime, hub_top: int | None = None
) -> ImportResult:
    """Import one file in one transaction (or not at all).

    With `hub_top`, the file is known to hold the Hub's `hub_top` most downloaded models at each
    capture (e.g. a daily "top 300 by downloads" list): their Hub-wide ranks are stored too.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if store.imported_file(digest) is not None:
        return ImportResult(path, rows=0, new_snapshots=0, models=0, already_imported=True)
    snapshots, model_rows = parse_file(path, raw, config)
    captures = hub_ranks(snapshots, model_rows, hub_top) if hub_top else []
    run_id = store.begin_run("import", path.name, now)

    def also(conn: Connection) -> None:
        store.record_import(conn, digest, path.name, run_id, len(snapshots))
        for capture in captures:
            capture.write(conn, run_id)

    added = store.finish_run(
        run_id,
        finished_at=now,
        status="ok",
        model_rows=model_rows,
        snapshot_rows=snapshots,
        extra=also,
    )
    return ImportResult(path, len(snapshots), added, len(model_rows), run_id=run_id)


def hub_ranks(
    snapshots: list[SnapshotRow], model_rows: list[ModelRow], top: int
) -> list[ContextRows]:
    """Per capture time, the `top` most downloaded models of the file as Hub-wide ranks.

    Right only when the file holds at least the Hub's `top` most downloaded models at each
    capture; a capture with fewer rows than `top` is skipped rather than ranked wrongly.
    """
    info = {m.model_id: m for m in model_rows}
    by_time: dict[datetime, list[SnapshotRow]] = {}
    for snapshot in snapshots:
        if snapshot.downloads_30d is not None:
            by_time.setdefault(snapshot.observed_at, []).append(snapshot)
    out = []
    for moment, rows in sorted(by_time.items()):
        if len(rows) < top:
            continue
        rows.sort(key=lambda r: (-(r.downloads_30d or 0), r.model_id))
        ranks = [
            RankRow(
                scope="all",
                rank=n,
                model_id=r.model_id,
                downloads_30d=r.downloads_30d,
                likes=r.likes,
                pipeline_tag=info[r.model_id].pipeline_tag,
                library_name=info[r.model_id].library_name,
            )
            for n, r in enumerate(rows[:top], start=1)
        ]
        out.append(ContextRows(observed_at=moment, ranks=ranks))
    return out


def parse_file(path: Path, raw: bytes, config: Config) -> tuple[list[SnapshotRow], list[ModelRow]]:
    """Every row of a file as snapshots plus the models they mention; raises on the first bad row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRowError(f"{path}: not UTF-8 text") from None
    if _is_csv(path, text):
        fast = _plain_csv(path, text, config)
        if fast is not None:
            return fast
    snapshots: dict[tuple[str, datetime], SnapshotRow] = {}
    models: dict[str, ModelRow] = {}
    parser = _Parser(config)
    for row in _rows(path, text):  # one row at a time: a year of history is millions
        snapshot = parser.snapshot(row)
        # The same model at the same moment twice in one file (e.g. in two lists): keep the first.
        snapshots.setdefault((snapshot.model_id, snapshot.observed_at), snapshot)
        if snapshot.model_id not in models:
            models[snapshot.model_id] = parser.model(row, snapshot.model_id)
    if not snapshots:
        raise ImportRowError(f"{path}: no rows to import")
    return list(snapshots.values()), list(models.values())


class _NotPlain(Exception):
    """The fast CSV path met something it leaves to the general one (which words the error)."""


def _is_csv(path: Path, text: str) -> bool:
    return path.suffix.lower() == ".csv" or text.lstrip()[:1] not in ("[", "{")


def _plain_csv(
    path: Path, text: str, config: Config
) -> tuple[list[SnapshotRow], list[ModelRow]] | None:
    """The common big file — a CSV with one column per field, whole-number counts — read with
    a tight loop (several times faster than the general path). Anything unusual (a bad value,
    two time columns, a ragged row) returns None and the general path reads the file again,
    with its exact messages."""
    reader = csv.reader(io.StringIO(text))
    header = tuple(next(reader, ()))
    parser = _Parser(config)
    aliases, time_keys = parser.names_for(_Row("", {}, header))
    if len(time_keys) != 1 or any(len(names) > 1 for names in aliases.values()):
        return None
    index = {name: i for i, name in enumerate(header)}
    if not aliases["model_id"]:
        return None
    i_id = index[aliases["model_id"][0]]
    i_time = index[time_keys[0]]
    i_counts = [index[aliases[f][0]] if aliases[f] else None for f in COUNT_FIELDS]
    i_score = index[aliases["trending_score"][0]] if aliases["trending_score"] else None
    times: dict[str, datetime] = {}
    snapshots: dict[tuple[str, datetime], SnapshotRow] = {}
    models: dict[str, ModelRow] = {}
    try:
        for record in reader:
            if len(record) != len(header):
                raise _NotPlain
            model_id = record[i_id]
            if model_id not in models:
                if model_id != model_id.strip():
                    raise _NotPlain
                row = _Row(
                    f"{path.name}:{reader.line_num}", dict(zip(header, record, strict=True)), header
                )
                parser.check_model(row, model_id)
                models[model_id] = parser.model(row, model_id)
            stamp = record[i_time]
            observed_at = times.get(stamp)
            if observed_at is None:
                observed_at = _timestamp_or_none(stamp)
                if observed_at is None:
                    raise _NotPlain
                times[stamp] = observed_at
            d30, d_all, likes = [_whole(record[i]) if i is not None else None for i in i_counts]
            score = float(record[i_score]) if i_score is not None and record[i_score] else None
            if d30 is None and d_all is None and likes is None and score is None:
                raise _NotPlain
            key = (model_id, observed_at)
            if key not in snapshots:
                snapshots[key] = SnapshotRow(model_id, observed_at, d30, d_all, likes, score)
    except (_NotPlain, ImportRowError, ValueError):
        return None
    if not snapshots:
        return None
    return list(snapshots.values()), list(models.values())


def _whole(text: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise _NotPlain
    return int(text)


def _rows(path: Path, text: str) -> Iterator[_Row]:
    stripped = text.lstrip()
    name = path.name
    if _is_csv(path, text):
        reader = csv.reader(io.StringIO(text))
        header = tuple(next(reader, ()))
        for record in reader:
            if record:
                yield _Row(
                    f"{name}:{reader.line_num}", dict(zip(header, record, strict=False)), header
                )
        return
    if stripped.startswith("["):
        items = _load_json(name, text)
        for n, item in enumerate(items, start=1):
            yield _Row(f"{name}: item {n}", _object(name, f"item {n}", item))
        return
    if path.suffix.lower() == ".json":
        document = _load_json(name, text)
        if isinstance(document, dict) and isinstance(document.get("models"), list):
            # A snapshot document: one capture time for a list of Hub model objects.
            shared = {k: v for k, v in document.items() if k in TIMESTAMP_KEYS + DATE_KEYS}
            for n, item in enumerate(document["models"], start=1):
                yield _Row(
                    f"{name}: models[{n - 1}]",
                    {**shared, **_object(name, f"models[{n - 1}]", item)},
                )
            return
        yield _Row(f"{name}: object", _object(name, "object", document))
        return
    for line_no, line in enumerate(text.splitlines(), start=1):  # JSON Lines
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportRowError(f"{name}:{line_no}: not valid JSON ({exc.msg})") from None
        yield _Row(f"{name}:{line_no}", _object(name, str(line_no), item))


def _load_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRowError(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def _object(name: str, where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ImportRowError(f"{name}: {where}: expected an object, got {type(item).__name__}")
    return item


class _Parser:
    """Row → snapshot, with what repeats across rows (model ids, capture times) worked out once.

    A history file mentions each model and each capture time many times: validating the id,
    finding its family and parsing the time once each is what makes big imports fast.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self._families: dict[str, Family | None] = {}
        self._times: dict[tuple[Any, ...], datetime] = {}
        self._header: tuple[str, ...] | None = None
        self._aliases = ALIASES
        self._time_keys: tuple[str, ...] = TIME_KEYS

    def names_for(self, row: _Row) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """The aliases and time columns worth looking at: for a CSV, those in its header."""
        if row.columns is None:
            return ALIASES, TIME_KEYS
        if row.columns is not self._header:
            present = set(row.columns)
            self._header = row.columns
            self._aliases = {k: tuple(n for n in v if n in present) for k, v in ALIASES.items()}
            self._time_keys = tuple(k for k in TIME_KEYS if k in present)
        return self._aliases, self._time_keys

    def snapshot(self, row: _Row) -> SnapshotRow:
        values = row.values
        aliases, time_keys = self.names_for(row)
        model_id = _pick(values, aliases["model_id"])
        if not model_id:
            raise ImportRowError(f"{row.where}: missing model_id (or id, modelId)")
        model_id = str(model_id).strip()
        self.check_model(row, model_id)
        time_key = tuple([values.get(k) for k in time_keys])
        observed_at = self._times.get(time_key)
        if observed_at is None:
            observed_at = self._times[time_key] = _observed_at(row)
        downloads_30d, downloads_all_time, likes = [
            _count(row.where, field, _pick(values, aliases[field])) for field in COUNT_FIELDS
        ]
        score = _score(row.where, _pick(values, aliases["trending_score"]))
        if downloads_30d is None and downloads_all_time is None and likes is None and score is None:
            raise ImportRowError(
                f"{row.where}: no counts (downloads_30d, downloads_all_time or likes)"
            )
        return SnapshotRow(model_id, observed_at, downloads_30d, downloads_all_time, likes, score)

    def check_model(self, row: _Row, model_id: str) -> None:
        """Validate an id and find its family, once per model; raises on an invalid id."""
        if model_id in self._families:
            return
        try:
            validate_repo_id(model_id)
        except HFValidationError:
            raise ImportRowError(f"{row.where}: invalid model id {model_id!r}") from None
        self._families[model_id] = self.config.classify(model_id)

    def model(self, row: _Row, model_id: str) -> ModelRow:
        """The model row, from the first row that mentions the model."""
        values = row.values
        family = self._families[model_id]
        return ModelRow(
            model_id=model_id,
            author=_text(_pick(values, ALIASES["author"])) or model_id.partition("/")[0],
            family=family.id if family else None,
            origin=family.origin if family else None,
            pipeline_tag=_text(_pick(values, ALIASES["pipeline_tag"])),
            library_name=_text(_pick(values, ALIASES["library_name"])),
            created_at=_timestamp_or_none(_pick(values, ALIASES["created_at"])),
        )


def _pick(values: dict[str, Any], names: tuple[str, ...]) -> Any:
    if len(names) == 1:  # the usual case for a CSV: one column per field
        value = values.get(names[0])
        return None if value == "" else value
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return value
    return None


def _observed_at(row: _Row) -> datetime:
    """The first full timestamp among the time columns, else the first date (00:00 UTC)."""
    first_date: datetime | None = None
    for key in TIMESTAMP_KEYS + DATE_KEYS:
        value = row.values.get(key)
        if value in (None, ""):
            continue
        parsed = _timestamp_or_none(value)
        if parsed is None:
            raise ImportRowError(f"{row.where}: {key}: {value!r} is not an ISO date or timestamp")
        if len(str(value).strip()) > len("YYYY-MM-DD"):
            return parsed
        first_date = first_date or parsed
    if first_date is not None:
        return first_date
    keys = ", ".join(TIMESTAMP_KEYS + DATE_KEYS)
    raise ImportRowError(f"{row.where}: no observation time (one of {keys})")


def _timestamp_or_none(value: Any) -> datetime | None:
    """ISO 8601 timestamp or date → aware UTC datetime (a date means 00:00 UTC)."""
    if value in (None, ""):
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _count(where: str, field: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if type(value) is str and value.isascii() and value.isdigit():  # the usual, fast case
        return int(value)
    if isinstance(value, bool):
        raise ImportRowError(f"{where}: {field}: {value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text)
            except ValueError:
                raise ImportRowError(f"{where}: {field}: {value!r} is not a whole number") from None
            if not as_float.is_integer():
                raise ImportRowError(f"{where}: {field}: {value!r} is not a whole number") from None
            number = int(as_float)
    if number < 0:
        raise ImportRowError(f"{where}: {field}: {number} is negative")
    return number


def _score(where: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ImportRowError(f"{where}: trending_score: {value!r} is not a number") from None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
