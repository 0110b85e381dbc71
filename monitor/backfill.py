"""History since mid-2024 from the public dataset `modelpulse/model-pulse-data`.

Design decisions (the facts behind them are in ../shared/history/SOURCES.md):

* **Pinned revision.** The dataset is rewritten daily, so a run resolves the revision (default
  `main`) to its commit sha once and reads every file at that sha; the run's `source` is
  `hf://datasets/modelpulse/model-pulse-data@<sha>`.
* **Read only what is needed.** Per monthly file: the 8-byte tail, the footer, then only the
  row groups whose `id` statistics can hold a watched id (per author `id >= "Qwen/"` and
  `< "Qwen0"`, `0` being the character after `/`), five columns, with an 8 KiB read-ahead.
* **Clean as the source's metadata says.** Days in `skip_days`, `partial` and `rollback` of
  `meta.json` are dropped; old ids in `renames.parquet` become their new id; (id, day) is kept
  once (the row under the model's current id first, else the first in the file); `dl_all`
  before 2025-02-27 is unknown (the Hub had no all-time count then; older builds wrote 0).
* **Observation time of a day** is the source's capture time of that era: 23:40 UTC before
  2025-07-09, 13:30 UTC from then on (13:07 drifting to 13:50). Snapshot intervals then come out
  about right next to live collects of other days.
* **Live data wins.** A (model, UTC day) that already has a snapshot from a collect or an
  import is left alone.
* **Whole months.** Each monthly file is stored in one transaction together with a record of
  (file, revision, blob id); a re-run skips recorded files — at a new revision too when the
  file's content is unchanged — and a killed run leaves whole months only.
  A file read from `--since` in its middle is not recorded, so a later, longer run completes it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from huggingface_hub.utils import HFValidationError, validate_repo_id
from tqdm.auto import tqdm

from .bounded import Abandoned, call_bounded
from .config import Config
from .errors import SourceError
from .hub import Hub
from .store import ModelRow, SnapshotRow, Store

DATASET = "modelpulse/model-pulse-data"
ALL_TIME_SINCE = date(2025, 2, 27)  # the Hub's `downloadsAllTime` exists from this day
LATE_CAPTURES_SINCE = date(2025, 7, 9)
EARLY_CAPTURE = time(23, 40)
LATE_CAPTURE = time(13, 30)
# Small: pyarrow already merges a row group's column chunks into one request (pre_buffer), so
# read-ahead only pads each request; fsspec's default would fetch 5 MB blocks.
READ_AHEAD = 8 * 1024
READ_REQUESTS = 5  # a file read is bounded by this many requests' timeouts
SERIES = re.compile(r"series/(\d{4})-(\d{2})\.parquet$")
# Expected columns of series/*.parquet: name → accepted Arrow type names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("string", "large_string"),
    "day": ("date32[day]",),
    "dl30": ("int32", "int64", "uint32", "uint64"),
    "dl_all": ("int64", "uint64", "int32"),
    "likes": ("int32", "int64", "uint32", "uint64"),
}


@dataclass(frozen=True)
class SourceMeta:
    """What the dataset itself says about its days and ids."""

    dropped_days: frozenset[date]
    renames: dict[str, str]  # old id → current id (chains followed)


@dataclass(frozen=True)
class MonthFile:
    path: str  # series/YYYY-MM.parquet
    month: date  # its first day
    size: int
    blob_id: str | None = None  # git blob id from the tree listing


@dataclass
class BackfillResult:
    source: str
    run_id: int | None = None
    status: str = "ok"
    months: list[str] = field(default_factory=list)  # files stored in this run
    already_done: int = 0
    new_snapshots: int = 0
    models: set[str] = field(default_factory=set)
    bytes_read: int = 0
    bytes_total: int = 0  # size of the files this run read
    skipped_ids: set[str] = field(default_factory=set)  # watched, but not valid Hub ids


def observed_at(day: date) -> datetime:
    """When the source captured a day's counters (see the module docstring)."""
    clock = EARLY_CAPTURE if day < LATE_CAPTURES_SINCE else LATE_CAPTURE
    return datetime.combine(day, clock, tzinfo=UTC)


def run_backfill(
    config: Config,
    store: Store,
    hub: Hub,
    *,
    now: Callable[[], datetime],
    since: date | None = None,
    revision: str | None = None,
    progress: bool = False,
) -> BackfillResult:
    """Store the watched models' daily history, one whole month per transaction."""
    with hub.library_calls():
        return _run(config, store, hub, now, since, revision, progress)


def _run(
    config: Config,
    store: Store,
    hub: Hub,
    now: Callable[[], datetime],
    since: date | None,
    revision: str | None,
    progress: bool,
) -> BackfillResult:
    sha = _call(hub, lambda: hub.resolve_dataset(DATASET, revision), f"dataset {DATASET}")
    root = f"datasets/{DATASET}@{sha}"
    result = BackfillResult(f"hf://{root}")  # the run's source: the data set at its commit
    fs = hub.dataset_files()
    files = fetch_month_files(hub, fs, root)
    wanted = [f for f in files if since is None or f.month >= since.replace(day=1)]
    done = store.backfilled_files()
    # A file stored at this revision, or the same content (blob id) at another one, is done:
    # a daily new revision then costs only the files that changed.
    done_here = {path for path, rev, _ in done if rev == sha}
    same_content = {(path, blob) for path, _, blob in done if blob}
    pending = [
        f for f in wanted if f.path not in done_here and (f.path, f.blob_id) not in same_content
    ]
    result.already_done = len(wanted) - len(pending)
    if not pending:
        return result
    meta = fetch_source_meta(hub, fs, root)
    job = _Job(hub, fs, store, config, root, sha, meta, watched_ranges(config, meta.renames), since)
    result.run_id = store.begin_run("backfill", result.source, now())
    bar = tqdm(total=len(pending), unit="month", disable=not progress, file=sys.stderr)
    try:
        for month in pending:
            job.save_month(month, result, now)
            bar.update(1)
    except BaseException as exc:
        result.status = "failed"
        reason = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {_line(exc)}"
        _close(store, result, hub, now(), [(month.path, reason)])
        raise
    finally:
        bar.close()
    _close(store, result, hub, now(), [])
    return result


@dataclass(frozen=True)
class _Job:
    """What every month of one run shares."""

    hub: Hub
    fs: Any  # HfFileSystem
    store: Store
    config: Config
    root: str  # datasets/<repo>@<sha>
    sha: str
    meta: SourceMeta
    ranges: list[tuple[str, str]]
    since: date | None

    def save_month(
        self, month: MonthFile, result: BackfillResult, now: Callable[[], datetime]
    ) -> None:
        """Read, clean and store one monthly file in one transaction; tally it in `result`."""
        assert result.run_id is not None
        table, read = fetch_month(self.hub, self.fs, self.root, month, self.ranges)
        start = datetime.combine(month.month, time(), tzinfo=UTC)
        end = datetime.combine(_next_month(month.month), time(), tzinfo=UTC)
        live = self.store.observed_days(start, end)
        rows, models, skipped = compute_snapshots(table, self.meta, self.config, live, self.since)
        result.new_snapshots += self.store.save_backfill_file(
            result.run_id,
            path=month.path,
            revision=self.sha,
            blob_id=month.blob_id,
            model_rows=models,
            snapshot_rows=rows,
            # recorded as done only when this run reads every day of the file
            done_at=now() if self.since is None or self.since <= month.month else None,
        )
        result.bytes_read += read
        result.bytes_total += month.size
        result.models.update(r.model_id for r in rows)
        result.skipped_ids |= skipped
        result.months.append(month.path)


def _close(
    store: Store, result: BackfillResult, hub: Hub, at: datetime, errors: list[tuple[str, str]]
) -> None:
    assert result.run_id is not None
    store.close_run(
        result.run_id,
        finished_at=at,
        status=result.status,
        models=len(result.models),
        requests=hub.requests,
        errors=errors,
    )


# --- reading the source -----------------------------------------------------------------------


def fetch_month_files(hub: Hub, fs: Any, root: str) -> list[MonthFile]:
    """The monthly `series` files at the pinned revision, oldest first."""
    entries = _call(hub, lambda: fs.ls(f"{root}/series", detail=True), f"{DATASET}: series/")
    files = []
    for entry in entries:
        path = entry["name"].removeprefix(f"{root}/")
        match = SERIES.fullmatch(path)
        if match and entry.get("type") == "file":
            month = date(int(match.group(1)), int(match.group(2)), 1)
            size = int(entry.get("size") or 0)
            files.append(MonthFile(path, month, size, entry.get("blob_id")))
    if not files:
        raise SourceError(f"{DATASET}: no series/YYYY-MM.parquet files at this revision")
    return sorted(files, key=lambda f: f.month)


def fetch_source_meta(hub: Hub, fs: Any, root: str) -> SourceMeta:
    """Days to drop (`meta.json`) and renames (`renames.parquet`)."""
    import pyarrow.parquet as pq

    raw = _call(hub, lambda: fs.cat_file(f"{root}/meta.json"), f"{DATASET}: meta.json")
    try:
        meta = json.loads(raw)
        dropped = {
            date.fromisoformat(d) for key in ("skip_days", "partial") for d in meta.get(key) or ()
        }
        rollback = meta.get("rollback") or ()
        dropped |= {date.fromisoformat(d) for d in rollback if isinstance(d, str)}
    except (ValueError, TypeError, AttributeError) as exc:
        raise SourceError(f"{DATASET}: meta.json is not as expected ({_line(exc)})") from None

    def read_renames() -> Any:
        with fs.open(f"{root}/renames.parquet", "rb", block_size=READ_AHEAD) as handle:
            return pq.read_table(handle, columns=["old", "new"])

    try:
        table = _call(hub, read_renames, f"{DATASET}: renames.parquet")
    except (ValueError, KeyError) as exc:  # pyarrow: a missing column or a broken file
        raise SourceError(f"{DATASET}: renames.parquet is not as expected ({_line(exc)})") from None
    pairs = dict(zip(table["old"].to_pylist(), table["new"].to_pylist(), strict=True))
    return SourceMeta(frozenset(dropped), follow_renames(pairs))


def follow_renames(pairs: dict[str, str]) -> dict[str, str]:
    """Old id → the id at the end of its rename chain (a cycle stops where it would repeat)."""
    out = {}
    for old in pairs:
        seen, current = {old}, pairs[old]
        while current in pairs and pairs[current] not in seen:
            seen.add(current)
            current = pairs[current]
        out[old] = current
    return out


def watched_ranges(config: Config, renames: dict[str, str]) -> list[tuple[str, str]]:
    """[low, high) ranges of ids that can be watched: per author, per listed id, per old id."""
    ranges = set()
    for family in config.families:
        for selector in family.authors:
            for name in {selector.name, selector.name.lower()}:
                ranges.add((f"{name}/", f"{name}0"))
        for model_id in family.models:
            ranges.add((model_id, model_id + "\0"))
    for old, new in renames.items():
        if config.classify(new) is not None:
            ranges.add((old, old + "\0"))
    return sorted(ranges)


def select_row_groups(metadata: Any, ranges: list[tuple[str, str]]) -> list[int]:
    """Row groups whose `id` min/max can hold an id of `ranges` (all when statistics lack)."""
    column = metadata.schema.names.index("id")
    keep = []
    for i in range(metadata.num_row_groups):
        stats = metadata.row_group(i).column(column).statistics
        if (
            stats is None
            or not stats.has_min_max
            or any(stats.min < high and stats.max >= low for low, high in ranges)
        ):
            keep.append(i)
    return keep


def fetch_month(
    hub: Hub, fs: Any, root: str, month: MonthFile, ranges: list[tuple[str, str]]
) -> tuple[Any, int]:
    """The file's watched row groups as an Arrow table, and the bytes fetched for it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def read() -> tuple[Any, int]:
        with fs.open(
            f"{root}/{month.path}", "rb", block_size=READ_AHEAD, cache_type="readahead"
        ) as handle:
            metadata = _read_footer(handle, month.path)
            check_columns(metadata.schema.to_arrow_schema(), month.path)
            groups = select_row_groups(metadata, ranges)
            if groups:
                try:
                    parquet = pq.ParquetFile(handle, metadata=metadata, pre_buffer=True)
                    table = parquet.read_row_groups(groups, columns=list(COLUMNS))
                    table = table.filter(_in_ranges(table["id"], ranges))
                except pa.ArrowInvalid as exc:
                    raise SourceError(
                        f"{DATASET}: {month.path}: not a readable Parquet file ({_line(exc)})"
                    ) from None
            else:
                schema = metadata.schema.to_arrow_schema()
                table = pa.table({c: pa.array([], schema.field(c).type) for c in COLUMNS})
            return table, handle.cache.total_requested_bytes

    result: tuple[Any, int] = _call(hub, read, f"{DATASET}: {month.path}")
    return result


def _in_ranges(ids: Any, ranges: list[tuple[str, str]]) -> Any:
    """Arrow mask of ids inside any range: a read row group holds mostly other authors' rows,
    and Arrow drops them far faster than the Python loop that cleans the rest."""
    import pyarrow.compute as pc

    mask = pc.is_null(ids)  # ids are never null: all False to start from
    for low, high in ranges:
        mask = pc.or_(mask, pc.and_(pc.greater_equal(ids, low), pc.less(ids, high)))
    return mask


def _read_footer(handle: Any, path: str) -> Any:
    """Parquet metadata from the tail and footer alone (two small ranges, not 64 KiB)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle.seek(handle.size - 8)
    tail = handle.read(8)
    if len(tail) != 8 or tail[4:] != b"PAR1":
        raise SourceError(f"{DATASET}: {path}: not a Parquet file")
    length = int.from_bytes(tail[:4], "little")
    if length > handle.size - 12:
        raise SourceError(f"{DATASET}: {path}: not a Parquet file (footer longer than the file)")
    handle.seek(handle.size - 8 - length)
    footer = handle.read(length)
    try:
        return pq.read_metadata(pa.BufferReader(b"PAR1" + footer + tail))
    except pa.ArrowInvalid as exc:
        raise SourceError(
            f"{DATASET}: {path}: not a readable Parquet file ({_line(exc)})"
        ) from None


def check_columns(schema: Any, path: str) -> None:
    """Refuse a file whose columns are not the expected ones (extra columns are ignored)."""
    problems = []
    for name, types in COLUMNS.items():
        if name not in schema.names:
            problems.append(f"no column {name!r}")
        elif str(schema.field(name).type) not in types:
            problems.append(f"{name!r} is {schema.field(name).type}, expected {types[0]}")
    if problems:
        raise SourceError(
            f"{DATASET}: {path}: columns differ from the expected schema: {'; '.join(problems)}"
        )


# --- cleaning ---------------------------------------------------------------------------------


def compute_snapshots(
    table: Any,
    meta: SourceMeta,
    config: Config,
    live: set[tuple[str, date]],
    since: date | None = None,
) -> tuple[list[SnapshotRow], list[ModelRow], set[str]]:
    """Watched, cleaned snapshots of one month (one per model and day), their models, and the
    watched ids skipped because `import` would refuse them (the Hub's own id rule)."""
    families: dict[str, Any] = {}
    skipped: set[str] = set()
    chosen: dict[tuple[str, date], tuple[bool, SnapshotRow]] = {}
    columns = [table[c].to_pylist() for c in COLUMNS]
    for model_id, day, dl30, dl_all, likes in zip(*columns, strict=True):
        if day in meta.dropped_days or (since is not None and day < since):
            continue
        current = meta.renames.get(model_id, model_id)
        if current not in families:
            families[current] = config.classify(current)
            if families[current] is not None and not _valid_id(current):
                families[current] = None
                skipped.add(current)
        if families[current] is None:
            continue
        key = (current, day)
        if key in live:
            continue
        own = current == model_id
        held = chosen.get(key)
        if held is not None and (held[0] or not own):
            continue  # keep the first row, but a row under the current id beats a renamed one
        row = SnapshotRow(
            model_id=current,
            observed_at=observed_at(day),
            downloads_30d=dl30,
            downloads_all_time=dl_all if day >= ALL_TIME_SINCE else None,
            likes=likes,
            trending_score=None,  # the source has none
        )
        chosen[key] = (own, row)
    rows = [row for _, row in chosen.values()]
    models = [
        ModelRow(m, m.split("/")[0], families[m].id, families[m].origin)
        for m in sorted({r.model_id for r in rows})
    ]
    return rows, models, skipped


def _valid_id(model_id: str) -> bool:
    """The importer's rule for a model id, so backfill stores nothing `import` would refuse."""
    try:
        validate_repo_id(model_id)
    except HFValidationError:
        return False
    return True


# --- errors -----------------------------------------------------------------------------------


def _call(hub: Hub, read: Callable[[], Any], what: str) -> Any:
    """Run a read against the Hub, bounded as a whole; its failures become one `SourceError` line.

    `HfFileSystem`'s timeout bounds each socket read, so a file sent a byte at a time held a run
    for minutes; a read gets `READ_REQUESTS` requests' timeouts in all (a month: tail, footer,
    row groups) and is abandoned after that.
    """
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from .hub import describe_hub_error

    seconds = hub.timeout * READ_REQUESTS
    try:
        return call_bounded(lambda _cancel: read(), seconds=seconds, stop=hub.stop)
    except Abandoned:  # backfill stops on SIGTERM by KeyboardInterrupt, so only time ends here
        raise SourceError(
            f"{what}: no complete answer from {hub.endpoint} within {seconds:g} s"
        ) from None
    except RevisionNotFoundError:
        raise SourceError(f"{what}: no such revision at {hub.endpoint}") from None
    except RepositoryNotFoundError:
        raise SourceError(f"{what}: not found at {hub.endpoint} (missing or private)") from None
    except (EntryNotFoundError, FileNotFoundError):
        raise SourceError(f"{what}: no such file at this revision") from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 404):  # the Hub answers 401 for a missing repository without a token
            raise SourceError(f"{what}: not found at {hub.endpoint} (missing or private)") from None
        raise SourceError(f"{what}: {describe_hub_error(exc)} from {hub.endpoint}") from None
    except json.JSONDecodeError:  # a 200 from a proxy or an error page, not the Hub's API
        raise SourceError(
            f"{what}: {hub.endpoint} answered with something that is not JSON"
        ) from None
    except OSError as exc:  # connection failures fsspec wraps, and pyarrow's decode errors
        if _from_network(exc):
            raise SourceError(f"{what}: cannot reach {hub.endpoint} ({_line(exc)})") from None
        raise SourceError(f"{what}: not a readable Parquet file ({_line(exc)})") from None
    except Exception as exc:
        import httpx2

        if isinstance(exc, httpx2.HTTPError):
            reason = describe_hub_error(exc)
            raise SourceError(f"{what}: cannot reach {hub.endpoint} ({reason})") from None
        raise


def _from_network(exc: BaseException) -> bool:
    """Whether an OSError came from the connection rather than from the bytes read: pyarrow
    reports a corrupt file as a bare OSError (no errno, no network error behind it)."""
    import httpx2

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx2.HTTPError | ConnectionError | TimeoutError):
            return True
        if isinstance(seen, OSError) and seen.errno is not None:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
