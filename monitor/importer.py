"""Load historical snapshots from CSV, JSON Lines or JSON files.

A file is read, checked and written in chunks inside one transaction that also holds its run
row, so memory does not grow with the file: a bad row anywhere stops the import with the file
name and line, the transaction is rolled back, and nothing of that file is stored — not even a
run. Numbers and times outside `limits` are bad rows. A file whose content was
imported before adds nothing (its SHA-256 is recorded), and rows already stored — the same
model at the same moment — are skipped, so overlapping files are safe too.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from huggingface_hub.utils import HFValidationError, validate_repo_id
from sqlalchemy.engine import Connection

from .config import Config, Family
from .errors import ImportRowError, UsageError
from .limits import (
    COUNT_LIMITS,
    EARLIEST_OBSERVATION,
    MAX_SCORE,
    latest_allowed,
    score_in_range,
)
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


# Rows parsed and written per step: memory stays flat however big the file (a 200 MB CSV
# held whole took 2.3 GB), while each step is still one big executemany.
CHUNK_ROWS = 50_000

Chunk = tuple[list[ModelRow], list[SnapshotRow]]
Meta = tuple[str | None, str | None]  # a row's pipeline tag and library name
META_FIELDS = ("pipeline_tag", "library_name")


def import_file(
    path: Path, store: Store, config: Config, now: datetime, hub_top: int | None = None
) -> ImportResult:
    """Import one file in one transaction (or not at all).

    With `hub_top`, the file is known to hold the Hub's `hub_top` most downloaded models at each
    capture (e.g. a daily "top 300 by downloads" list): their Hub-wide ranks are stored too.
    """
    started = time.monotonic()
    digest = file_sha256(path)
    if store.imported_file(digest) is not None:
        return ImportResult(path, rows=0, new_snapshots=0, models=0, already_imported=True)
    reader = _FileReader(path, config, now, hub_top)

    def finish(conn: Connection, run_id: int) -> datetime:
        if reader.rows == 0:
            raise ImportRowError(f"{path}: no rows to import")
        store.record_import(conn, digest, path.name, run_id, reader.rows)
        for capture in reader.ranks.captures():
            capture.write(conn, run_id)
        return now + timedelta(seconds=time.monotonic() - started)

    run_id, added = store.save_chunked_run("import", path.name, now, reader.chunks(), finish)
    return ImportResult(path, reader.rows, added, len(reader.models), run_id=run_id)


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    return digest.hexdigest()


class _Ranks:
    """Per capture time, the `top` most downloaded rows seen so far, and how many there were.

    Right only when the file holds at least the Hub's `top` most downloaded models at each
    capture; a capture with fewer rows than `top` is skipped rather than ranked wrongly.
    """

    def __init__(self, top: int | None) -> None:
        self.top = top
        self.best: dict[datetime, dict[str, SnapshotRow]] = {}
        self.tags: dict[tuple[datetime, str], Meta] = {}  # the capture's own task and library
        self.counts: dict[datetime, int] = {}

    def add(self, row: SnapshotRow, meta: Meta) -> None:
        if self.top is None or row.downloads_30d is None:
            return
        rows = self.best.setdefault(row.observed_at, {})
        if row.model_id in rows:  # the same model twice at one time: the first wins
            return
        self.counts[row.observed_at] = self.counts.get(row.observed_at, 0) + 1
        rows[row.model_id] = row
        self.tags[(row.observed_at, row.model_id)] = meta
        if len(rows) > 2 * self.top:  # keep memory bounded by `top`, not by the file
            kept = sorted(rows.values(), key=_rank_key)[: self.top]
            self.best[row.observed_at] = {r.model_id: r for r in kept}
            for dropped in rows.keys() - self.best[row.observed_at].keys():
                del self.tags[(row.observed_at, dropped)]

    def captures(self) -> list[ContextRows]:
        out = []
        for moment, by_id in sorted(self.best.items()):
            assert self.top is not None
            if self.counts[moment] < self.top:
                continue
            rows = sorted(by_id.values(), key=_rank_key)
            ranks = [
                RankRow(
                    scope="all",
                    rank=n,
                    model_id=r.model_id,
                    downloads_30d=r.downloads_30d,
                    likes=r.likes,
                    pipeline_tag=self.tags[(moment, r.model_id)][0],
                    library_name=self.tags[(moment, r.model_id)][1],
                )
                for n, r in enumerate(rows[: self.top], start=1)
            ]
            out.append(ContextRows(observed_at=moment, ranks=ranks))
        return out


def _rank_key(row: SnapshotRow) -> tuple[int, str]:
    return (-(row.downloads_30d or 0), row.model_id)


class _FileReader:
    """A file's rows as chunks of (models, snapshots), checked row by row as they are read."""

    def __init__(self, path: Path, config: Config, now: datetime, hub_top: int | None) -> None:
        self.path = path
        self.parser = _Parser(config, now)
        self.ranks = _Ranks(hub_top)
        self.models: dict[str, ModelRow] = {}
        self.newest: dict[str, datetime] = {}  # the time each model's metadata comes from
        self.rows = 0

    def chunks(self) -> Iterator[Chunk]:
        snapshots: dict[tuple[str, datetime], SnapshotRow] = {}
        for snapshot, row, meta in self._snapshots():
            self.rows += 1
            model_id = snapshot.model_id
            if model_id not in self.models:
                # `row` is only None for a model the fast CSV loop has already seen
                assert row is not None
                self.models[model_id] = self.parser.model(row, model_id)
                self.newest[model_id] = snapshot.observed_at
            elif snapshot.observed_at > self.newest[model_id]:
                self._retag(model_id, snapshot.observed_at, meta)
            # The same model at the same moment twice in one file (e.g. in two lists): keep the
            # first (within a chunk here, across chunks by the insert's ON CONFLICT DO NOTHING).
            if (
                snapshots.setdefault((snapshot.model_id, snapshot.observed_at), snapshot)
                is snapshot
            ):
                self.ranks.add(snapshot, meta)
            if len(snapshots) >= CHUNK_ROWS:
                yield self._chunk(snapshots)
                snapshots = {}
        if snapshots:
            yield self._chunk(snapshots)

    def _retag(self, model_id: str, moment: datetime, meta: Meta) -> None:
        """A later row's task and library replace the earlier ones (the Hub re-tags models);
        a later row without them keeps what was known."""
        self.newest[model_id] = moment
        model = self.models[model_id]
        tag, library = meta[0] or model.pipeline_tag, meta[1] or model.library_name
        if (tag, library) != (model.pipeline_tag, model.library_name):
            self.models[model_id] = replace(model, pipeline_tag=tag, library_name=library)

    def _chunk(self, snapshots: dict[tuple[str, datetime], SnapshotRow]) -> Chunk:
        ids = dict.fromkeys(model_id for model_id, _ in snapshots)  # in file order
        return [self.models[i] for i in ids], list(snapshots.values())

    def _snapshots(self) -> Iterator[tuple[SnapshotRow, _Row | None, Meta]]:
        path = self.path
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                head = handle.read(4096)
                handle.seek(0)
                if _is_csv(path, head):
                    yield from _csv_snapshots(path, handle, self.parser)
                else:
                    yield from _json_snapshots(path, handle, head, self.parser)
        except UnicodeDecodeError:
            raise ImportRowError(f"{path}: not UTF-8 text (after row {self.rows})") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from None


class _NotPlain(Exception):
    """The fast CSV path met something it leaves to the general one (which words the error)."""


def _is_csv(path: Path, head: str) -> bool:
    return path.suffix.lower() == ".csv" or head.lstrip()[:1] not in ("[", "{")


def _csv_snapshots(
    path: Path, handle: TextIO, parser: _Parser
) -> Iterator[tuple[SnapshotRow, _Row | None, Meta]]:
    """A CSV, row by row. A plain row — one column per field, whole-number counts, one time
    column — goes through a tight loop (several times faster); anything unusual is read by the
    general path, which words the errors."""
    reader = csv.reader(handle)
    header = tuple(next(reader, ()))
    name = path.name
    fast = _FastCsv(name, header, parser)
    for record in reader:
        if not record:
            continue
        if fast.usable:
            try:
                yield fast.snapshot(record, reader.line_num)
                continue
            except (_NotPlain, ValueError):
                pass
        row = _Row(f"{name}:{reader.line_num}", dict(zip(header, record, strict=False)), header)
        yield parser.snapshot(row), row, _meta(row)


class _FastCsv:
    """The tight loop for plain CSV rows; `usable` is False when the header is not plain."""

    def __init__(self, name: str, header: tuple[str, ...], parser: _Parser) -> None:
        self.name = name
        self.header = header
        self.parser = parser
        aliases, time_keys = parser.names_for(_Row("", {}, header))
        self.usable = (
            len(time_keys) == 1
            and all(len(names) <= 1 for names in aliases.values())
            and bool(aliases["model_id"])
        )
        if not self.usable:
            return
        index = {name: i for i, name in enumerate(header)}
        self.i_id = index[aliases["model_id"][0]]
        self.i_time = index[time_keys[0]]
        self.i_counts = [index[aliases[f][0]] if aliases[f] else None for f in COUNT_FIELDS]
        self.i_score = index[aliases["trending_score"][0]] if aliases["trending_score"] else None
        self.i_meta = [index[aliases[f][0]] if aliases[f] else None for f in META_FIELDS]
        self.limits = [COUNT_LIMITS[f] for f in COUNT_FIELDS]
        self.times: dict[str, datetime] = {}
        self.checked: set[str] = set()

    def snapshot(self, record: list[str], line: int) -> tuple[SnapshotRow, _Row | None, Meta]:
        """The row's snapshot, and the row itself on a model's first mention (its model row
        comes from there; building a dict per row would cost more than the rest)."""
        if len(record) != len(self.header):
            raise _NotPlain
        model_id = record[self.i_id]
        row = None
        if model_id not in self.checked:
            if not model_id or model_id != model_id.strip():
                raise _NotPlain
            row = _Row(
                f"{self.name}:{line}", dict(zip(self.header, record, strict=True)), self.header
            )
            self.parser.check_model(row, model_id)
            self.checked.add(model_id)
        stamp = record[self.i_time]
        observed_at = self.times.get(stamp)
        if observed_at is None:
            observed_at = _timestamp_or_none(stamp)
            if observed_at is None or not self.parser.time_allowed(observed_at):
                raise _NotPlain
            self.times[stamp] = observed_at
        d30, d_all, likes = [
            _whole(record[i], limit) if i is not None else None
            for i, limit in zip(self.i_counts, self.limits, strict=True)
        ]
        i_score = self.i_score
        score = float(record[i_score]) if i_score is not None and record[i_score] else None
        if score is not None and not score_in_range(score):
            raise _NotPlain
        if d30 is None and d_all is None and likes is None and score is None:
            raise _NotPlain
        tag, library = (record[i] or None if i is not None else None for i in self.i_meta)
        return SnapshotRow(model_id, observed_at, d30, d_all, likes, score), row, (tag, library)


def _whole(text: str, limit: int) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise _NotPlain
    number = int(text)
    if number > limit:
        raise _NotPlain  # the general path words the error
    return number


def _json_snapshots(
    path: Path, handle: TextIO, head: str, parser: _Parser
) -> Iterator[tuple[SnapshotRow, _Row, Meta]]:
    for row in _json_rows(path, handle, head):
        yield parser.snapshot(row), row, _meta(row)


def _meta(row: _Row) -> Meta:
    """A row's pipeline tag and library name (None where absent)."""
    values = row.values
    tag, library = (_text(_pick(values, ALIASES[f])) for f in META_FIELDS)
    return tag, library


def _json_rows(path: Path, handle: TextIO, head: str) -> Iterator[_Row]:
    name = path.name
    stripped = head.lstrip()
    # A JSON document is read whole (the standard library has no streaming parser); JSON Lines,
    # like CSV, one line at a time.
    if stripped.startswith("["):
        items = _load_json(name, handle.read())
        for n, item in enumerate(items, start=1):
            yield _Row(f"{name}: item {n}", _object(name, f"item {n}", item))
        return
    if path.suffix.lower() == ".json":
        document = _load_json(name, handle.read())
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
    for line_no, line in enumerate(handle, start=1):  # JSON Lines
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

    def __init__(self, config: Config, now: datetime) -> None:
        self.config = config
        self.latest = latest_allowed(now)
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
            observed_at = _observed_at(row)
            if not self.time_allowed(observed_at):
                raise ImportRowError(
                    f"{row.where}: observed at {observed_at.year:04d}-{observed_at:%m-%d %H:%M} UTC, "
                    f"{'in the future' if observed_at > self.latest else 'before 2000'}: "
                    "only times from 2000 to now (plus a day) are imported"
                )
            self._times[time_key] = observed_at
        downloads_30d, downloads_all_time, likes = [
            _count(row.where, field, _pick(values, aliases[field])) for field in COUNT_FIELDS
        ]
        score = _score(row.where, _pick(values, aliases["trending_score"]))
        if downloads_30d is None and downloads_all_time is None and likes is None and score is None:
            raise ImportRowError(
                f"{row.where}: no counts (downloads_30d, downloads_all_time or likes)"
            )
        return SnapshotRow(model_id, observed_at, downloads_30d, downloads_all_time, likes, score)

    def time_allowed(self, moment: datetime) -> bool:
        return EARLIEST_OBSERVATION <= moment <= self.latest

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
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)  # the usual, fast case: below every limit
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
    if number > COUNT_LIMITS[field]:
        raise ImportRowError(
            f"{where}: {field}: {value!r} is out of range (at most {COUNT_LIMITS[field]:,})"
        )
    return number


def _score(where: str, value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise ImportRowError(f"{where}: trending_score: {value!r} is not a number") from None
    if not score_in_range(score):
        raise ImportRowError(
            f"{where}: trending_score: {value!r} is out of range (at most ±{MAX_SCORE:g})"
        )
    return score


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
