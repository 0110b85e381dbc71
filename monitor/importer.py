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
import itertools
import json
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
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
from .store import ContextRows, ModelRow, RankRow, Seen, SnapshotRow, Store

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
    rows: int
    new_snapshots: int
    models: int
    already_imported: bool = False
    run_id: int | None = None


@dataclass(slots=True)
class _Row:
    where: str  # "file:line" for messages
    values: dict[str, Any]


# Rows parsed and written per step: memory stays flat however big the file (a 200 MB CSV
# held whole took 2.3 GB), while each step is still one big executemany.
CHUNK_ROWS = 50_000

Chunk = tuple[list[ModelRow], Seen, list[tuple[Any, ...]]]
META_FIELDS = ("pipeline_tag", "library_name")
NUMBERS = (*COUNT_FIELDS, "trending_score")
SNAPSHOT_FIELDS = ("model_id", "observed_at", *NUMBERS)  # a SnapshotRow's, in its order
COLUMNS = (*SNAPSHOT_FIELDS, *META_FIELDS, "author", "created_at")  # a chunk frame's
RANKED = ["observed_at", "model_id", "downloads_30d", "likes", *META_FIELDS]


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
        return ImportResult(rows=0, new_snapshots=0, models=0, already_imported=True)
    reader = _FileReader(path, config, now, hub_top)

    def finish(conn: Connection, run_id: int) -> datetime:
        if reader.rows == 0:
            raise ImportRowError(f"{path}: no rows to import")
        store.record_import(conn, digest, path.name, run_id, reader.rows)
        for capture in reader.ranks.captures():
            capture.write(conn, run_id)
        return now + timedelta(seconds=time.monotonic() - started)

    run_id, added = store.save_chunked_run("import", path.name, now, reader.chunks(), finish)
    return ImportResult(reader.rows, added, len(reader.models), run_id=run_id)


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
    """Per capture time, the `top` most downloaded rows so far (a model's first row at a time
    counts), and how many rows the capture had.

    Right only when the file holds at least the Hub's `top` most downloaded models at each
    capture; a capture with fewer rows than `top` is skipped rather than ranked wrongly.
    """

    def __init__(self, top: int | None) -> None:
        self.top = top
        self.best: pd.DataFrame | None = None
        self.counts = pd.Series(dtype="float64")
        # Every (time, model) met so far: a pair's later row, in any chunk, is not ranked (the
        # snapshot kept its first row); the top rows alone can't tell, they drop the rest.
        self.seen: set[tuple[int, str]] = set()

    def add(self, frame: pd.DataFrame) -> None:
        if self.top is None:
            return
        first = []
        for pair in zip(frame.observed_at.array.asi8, frame.model_id, strict=True):
            first.append(pair not in self.seen)
            self.seen.add(pair)
        rows = frame.loc[first, RANKED]
        rows = rows[rows.downloads_30d.notna()]
        self.counts = self.counts.add(rows.observed_at.value_counts(), fill_value=0)
        rows = pd.concat([self.best, rows])
        ranked = rows.sort_values(["downloads_30d", "model_id"], ascending=[False, True])
        self.best = ranked.groupby("observed_at").head(self.top)  # memory bounded by `top`

    def captures(self) -> list[ContextRows]:
        if self.best is None:
            return []
        out = []
        for moment, rows in self.best.groupby("observed_at"):
            if self.counts[moment] < (self.top or 0):
                continue
            # As Python values, a missing one None: RankRow's fields are RANKED's after the time.
            values = rows[RANKED[1:]].astype(object)
            values = values.where(values.notna(), None)
            ranks = [
                RankRow("all", n, *row)
                for n, row in enumerate(values.itertuples(index=False), start=1)
            ]
            out.append(ContextRows(observed_at=moment.to_pydatetime(), ranks=ranks))
        return out


class _FileReader:
    """A file's rows as chunks of (models, their first and last times, snapshot tuples)."""

    def __init__(self, path: Path, config: Config, now: datetime, hub_top: int | None) -> None:
        self.path = path
        self.parser = _Parser(config, now)
        self.ranks = _Ranks(hub_top)
        self.models: dict[str, ModelRow] = {}
        self.newest: dict[str, pd.Timestamp] = {}  # the time each model's metadata comes from
        self.rows = 0

    def chunks(self) -> Iterator[Chunk]:
        path = self.path
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                head = handle.read(4096)
                handle.seek(0)
                # a CSV by its name, or anything that does not open like JSON
                if path.suffix.lower() == ".csv" or head.lstrip()[:1] not in ("[", "{"):
                    frames = _csv_frames(path, self.parser)
                else:
                    frames = _json_frames(path, handle, head, self.parser)
                for frame in frames:
                    yield self._chunk(frame)
        except UnicodeDecodeError:
            raise ImportRowError(f"{path}: not UTF-8 text (after row {self.rows})") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror}") from None

    def _chunk(self, frame: pd.DataFrame) -> Chunk:
        self.rows += len(frame)
        # The same model at the same moment twice in one file (e.g. in two lists): keep the
        # first (within a chunk here, across chunks by the insert's ON CONFLICT DO NOTHING).
        frame = frame.drop_duplicates(["model_id", "observed_at"])
        self._note_models(frame)
        ids = frame.model_id
        times = frame.observed_at.groupby(ids, sort=False).agg(["min", "max"])
        firsts, lasts = (list(times[c].dt.to_pydatetime()) for c in ("min", "max"))
        seen = dict(zip(times.index, zip(firsts, lasts, strict=True), strict=True))
        # Each distinct time becomes one datetime object, shared by its rows.
        codes, moments = pd.factorize(frame.observed_at)
        stamps = np.array(moments.to_pydatetime(), dtype=object)[codes]
        numbers = (frame[c].to_numpy(dtype=object, na_value=None).tolist() for c in NUMBERS)
        rows = list(zip(ids.tolist(), stamps.tolist(), *numbers, strict=True))
        self.ranks.add(frame)
        return [self.models[i] for i in seen], seen, rows

    def _note_models(self, frame: pd.DataFrame) -> None:
        """New models from their first row; a later row's task and library replace the earlier
        ones (the Hub re-tags models), a later row without them keeps what was known."""
        ids, times = frame.model_id, frame.observed_at
        firsts = frame.drop_duplicates("model_id")
        for row in firsts[~firsts.model_id.isin(self.models.keys())].itertuples(index=False):
            self.models[row.model_id] = self.parser.model_row(row)
        # A row re-tags its model only when it is later than every row of the model before it.
        before = times.groupby(ids, sort=False).cummax().groupby(ids, sort=False).shift()
        carried = pd.to_datetime(ids.map(self.newest), utc=True)
        prior = pd.concat([before, carried], axis=1).max(axis=1)
        latest = frame[prior.isna() | (times > prior)]
        for field in META_FIELDS:
            tagged = latest[latest[field].notna()]
            for model_id, value in tagged.groupby("model_id", sort=False)[field].last().items():
                if getattr(self.models[model_id], field) != value:
                    self.models[model_id] = replace(self.models[model_id], **{field: value})
        for model_id, moment in times.groupby(ids, sort=False).max().items():
            self.newest[model_id] = max(moment, self.newest.get(model_id, moment))


def _csv_frames(path: Path, parser: _Parser) -> Iterator[pd.DataFrame]:
    """A CSV, read by pandas in chunks and checked column by column; a row the columns'
    checks do not pass whole is read again by the row-by-row path, which words the error (or
    reads an unusual but valid row: `1_000` likes, an id with blanks)."""
    records = _Records(path)
    repeated = sorted({c for c in records.header if records.header.count(c) > 1})
    if repeated:
        records.close()
        raise ImportRowError(f"{path.name}:1: the header names {repeated[0]!r} twice")
    numeric = {alias for field in NUMBERS for alias in ALIASES[field]}
    try:
        texts = {column: str for column in records.header if column not in numeric}
        reader = pd.read_csv(
            path, dtype=texts, keep_default_na=False, na_values=[""], index_col=False,
            chunksize=CHUNK_ROWS, encoding="utf-8-sig",
        )  # fmt: skip
        with warnings.catch_warnings():
            # pandas drops one field past the header with only this warning: a bad row too
            warnings.simplefilter("error", pd.errors.ParserWarning)
            for raw in reader:
                yield _csv_frame(raw, records, parser)
    except pd.errors.EmptyDataError:
        return
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        raise _where_csv_breaks(path, len(records.header)) from None
    finally:
        records.close()


def _where_csv_breaks(path: Path, width: int) -> ImportRowError:
    """The first record pandas could not read, in words with its line: one wider than the
    header, or a quote never closed (pandas names the one by line and the other not at all)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        start = 1  # the line the record being read begins on
        try:
            for record in reader:
                if len(record) > width:
                    line = reader.line_num
                    return ImportRowError(
                        f"{path.name}:{line}: {len(record)} fields, the header has {width}"
                    )
                start = reader.line_num + 1
        except csv.Error as exc:
            what = "a quote opened here is never closed" if "end of data" in str(exc) else exc
            return ImportRowError(f"{path.name}:{start}: {what}")
    return ImportRowError(f"{path.name}: not a readable CSV file")


class _Records:
    """The CSV's records as the csv module reads them, by number, moving forward only: the
    row-by-row path gets a row's own text and line (pandas keeps neither) in one pass."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.handle = path.open(encoding="utf-8-sig", newline="")
        self.reader = csv.reader(self.handle)
        self.header = tuple(next(self.reader, ()))
        self.records = (record for record in self.reader if record)  # as pandas, skip blanks
        self.next = 0  # the number of the record `records` gives next

    def row(self, number: int) -> _Row:
        try:
            record = next(itertools.islice(self.records, number - self.next, None))
        except csv.Error as exc:  # e.g. a field past the csv module's size limit
            raise ImportRowError(f"{self.name}:{self.reader.line_num}: {exc}") from None
        self.next = number + 1
        values = dict(zip(self.header, record, strict=False))
        return _Row(f"{self.name}:{self.reader.line_num}", values)

    def close(self) -> None:
        self.handle.close()


def _csv_frame(raw: pd.DataFrame, records: _Records, parser: _Parser) -> pd.DataFrame:
    present = set(raw.columns)
    aliases = {k: tuple(n for n in names if n in present) for k, names in ALIASES.items()}
    time_keys = tuple(k for k in TIME_KEYS if k in present)

    def pick(field: str) -> pd.Series:
        return _pick_column(raw, aliases[field])

    model_ids = _per_value(pick("model_id"), parser.clean_id)
    times = _per_value_times(raw, time_keys, partial(parser.plain_time, time_keys))
    plain = model_ids.notna() & times.notna()
    columns: dict[str, Any] = {"model_id": model_ids, "observed_at": times}
    given = pd.Series(False, index=raw.index)
    for field in NUMBERS:
        values = pick(field)
        number = _numbers(values)
        if field == "trending_score":
            ok = np.isfinite(number) & (number.abs() <= MAX_SCORE)
            columns[field] = number.where(ok)
        else:
            ok = (number % 1 == 0) & (number >= 0) & (number <= COUNT_LIMITS[field])
            columns[field] = number.where(ok).astype("Int64")
        plain &= values.isna() | ok
        given |= values.notna()
    plain &= given
    for field in (*META_FIELDS, "author"):
        text = pick(field)
        columns[field] = text.astype(object).where(text.notna(), None)
    columns["created_at"] = _per_value(pick("created_at"), _timestamp_or_none)
    odd = raw.index[~plain.to_numpy()]
    if len(odd):
        # one assignment per column: a `.loc` write per row cost 1.8 ms a row
        snapshots = [parser.snapshot(records.row(int(index))) for index in odd]
        for n, field in enumerate(SNAPSHOT_FIELDS):
            column = columns[field].astype(object)
            column[odd] = [snapshot[n] for snapshot in snapshots]
            columns[field] = column
    frame = pd.DataFrame(columns)
    return frame.astype(_CHUNK_TYPES) if len(odd) else frame


_CHUNK_TYPES = {"observed_at": "datetime64[us, UTC]", "trending_score": "float64"} | dict.fromkeys(
    COUNT_FIELDS, "Int64"
)


def _pick_column(raw: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """Per row, the first given value of the columns `names` (NaN when none is)."""
    if not names:
        return pd.Series(np.nan, index=raw.index, dtype=object)
    column = raw[names[0]]
    for name in names[1:]:
        column = column.where(column.notna(), raw[name])
    return column


def _numbers(column: pd.Series) -> pd.Series:
    """A column as floats (exact for every count below the limits); NaN where not a number.
    True/False, which pandas reads as booleans, are left to the row-by-row path to refuse."""
    if pd.api.types.is_bool_dtype(column):
        return pd.Series(np.nan, index=column.index)
    return pd.to_numeric(column, errors="coerce").astype("float64")


def _per_value(column: pd.Series, convert: Callable[[str], Any]) -> pd.Series:
    """`convert` applied once per distinct value (a history repeats its ids and times)."""
    codes, values = pd.factorize(column)
    converted = np.array([None, *(convert(v) for v in values)], dtype=object)
    return pd.Series(converted[codes + 1], index=column.index, dtype=object)


def _per_value_times(
    raw: pd.DataFrame, keys: tuple[str, ...], convert: Callable[[tuple[str, ...]], datetime | None]
) -> pd.Series:
    """Each row's time from its time columns, worked out once per distinct combination."""
    if not keys:
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us, UTC]")
    # one code per distinct combination, numbered in order of first appearance
    codes = raw.groupby(list(keys), dropna=False, sort=False).ngroup().to_numpy()
    _, firsts = np.unique(codes, return_index=True)
    sample = raw[list(keys)].iloc[firsts].fillna("")
    moments = pd.to_datetime([convert(tuple(r)) for r in sample.itertuples(index=False)], utc=True)
    return pd.Series(moments.take(codes), index=raw.index)


def _json_frames(path: Path, handle: TextIO, head: str, parser: _Parser) -> Iterator[pd.DataFrame]:
    """JSON rows, typed by JSON, through the row-by-row path; gathered into frames."""
    rows = _json_rows(path, handle, head)
    while batch := list(itertools.islice(rows, CHUNK_ROWS)):
        records = [(*parser.snapshot(row), *_described(row.values)) for row in batch]
        frame = pd.DataFrame(records, columns=list(COLUMNS), dtype=object)
        yield frame.astype(_CHUNK_TYPES)


def _described(values: dict[str, Any]) -> tuple[Any, ...]:
    """A JSON row's task, library, author and creation time (None where absent)."""
    picked = (_pick(values, ALIASES[field]) for field in (*META_FIELDS, "author"))
    texts = (None if value is None else str(value) for value in picked)  # _pick skips ""
    return (*texts, _timestamp_or_none(_pick(values, ALIASES["created_at"])))


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
    except RecursionError:  # e.g. [[[[…]]]] thousands deep: no row of ours nests at all
        raise ImportRowError(f"{name}: JSON nested too deeply to be rows of models") from None


def _object(name: str, where: str, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ImportRowError(f"{name}: {where}: expected an object, got {type(item).__name__}")
    return item


class _Parser:
    """The row-by-row path: row → snapshot, or the error worded with the row's place. Ids are
    validated and matched to a family once each (a history repeats them many times)."""

    def __init__(self, config: Config, now: datetime) -> None:
        self.config = config
        self.latest = latest_allowed(now)
        self._families: dict[str, Family | None] = {}

    def snapshot(self, row: _Row) -> SnapshotRow:
        values = row.values
        model_id = _pick(values, ALIASES["model_id"])
        if not model_id:
            raise ImportRowError(f"{row.where}: missing model_id (or id, modelId)")
        model_id = str(model_id).strip()
        self.check_model(row, model_id)
        observed_at = _observed_at(row)
        if not self.time_allowed(observed_at):
            raise ImportRowError(
                f"{row.where}: observed at {observed_at.year:04d}-{observed_at:%m-%d %H:%M} UTC, "
                f"{'in the future' if observed_at > self.latest else 'before 2000'}: "
                "only times from 2000 to now (plus a day) are imported"
            )
        downloads_30d, downloads_all_time, likes = [
            _count(row.where, field, _pick(values, ALIASES[field])) for field in COUNT_FIELDS
        ]
        score = _score(row.where, _pick(values, ALIASES["trending_score"]))
        if downloads_30d is None and downloads_all_time is None and likes is None and score is None:
            raise ImportRowError(
                f"{row.where}: no counts (downloads_30d, downloads_all_time or likes)"
            )
        return SnapshotRow(model_id, observed_at, downloads_30d, downloads_all_time, likes, score)

    def time_allowed(self, moment: datetime) -> bool:
        return EARLIEST_OBSERVATION <= moment <= self.latest

    def clean_id(self, text: str) -> str | None:
        """The id without surrounding blanks when valid, else None (the row path words it)."""
        model_id = text.strip()
        try:
            self.check_model(_Row("", {}), model_id)
        except ImportRowError:
            return None
        return model_id or None

    def plain_time(self, keys: tuple[str, ...], texts: tuple[str, ...]) -> datetime | None:
        """A row's time from its time columns, None when the row path must word an error."""
        try:
            moment = _observed_at(_Row("", dict(zip(keys, texts, strict=True))))
        except ImportRowError:
            return None
        return moment if self.time_allowed(moment) else None

    def check_model(self, row: _Row, model_id: str) -> None:
        """Validate an id and find its family, once per model; raises on an invalid id."""
        if model_id in self._families:
            return
        try:
            validate_repo_id(model_id)
        except HFValidationError:
            raise ImportRowError(f"{row.where}: invalid model id {model_id!r}") from None
        self._families[model_id] = self.config.classify(model_id)

    def model_row(self, row: Any) -> ModelRow:
        """The model row, from the first row (of a chunk frame) that mentions the model."""
        model_id = row.model_id
        family = self._families[model_id]
        return ModelRow(
            model_id=model_id,
            author=row.author or model_id.partition("/")[0],
            family=family.id if family else None,
            origin=family.origin if family else None,
            pipeline_tag=row.pipeline_tag,
            library_name=row.library_name,
            created_at=row.created_at,
        )


def _pick(values: dict[str, Any], names: tuple[str, ...]) -> Any:
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
