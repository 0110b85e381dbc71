"""The dataset half of the fake Hub: a dataset repository at one revision, served by range.

It answers what `HfApi.dataset_info`, `HfFileSystem` (`ls`, `info`, `open` + range reads) and
`hf_hub_download` call in huggingface_hub 2.4:

* `GET /api/datasets/{repo}` and `…/revision/{rev}`: the repository with its commit `sha`;
* `GET /api/datasets/{repo}/tree/{rev}[/{path}]`: one page of entries (`type`, `oid`, `size`,
  `path`), folders first, no `Link` header (the listing is complete);
* `POST /api/datasets/{repo}/paths-info/{rev}`: entries for the form field `paths`;
* `GET`/`HEAD /datasets/{repo}/resolve/{rev}/{path}`: the file, `206` with `Content-Range` for a
  `Range: bytes=a-b` request, `ETag` and `X-Repo-Commit` as the Hub sends them.

A revision is `main` or the repository's sha; anything else is `404 RevisionNotFound`. A missing
repository is `401` without a token (the Hub hides private repositories) or `404 RepoNotFound`
with one; a missing file is `404 EntryNotFound`. Every byte of file content sent is counted
(`served`), so tests and benchmarks can check that a reader fetched ranges, not whole files.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

if TYPE_CHECKING:
    from .server import Handler

BUNDLED_REPO = "modelpulse/model-pulse-data"
# The published layout of `series/YYYY-MM.parquet` (name, Arrow type), which the fixture
# builder, the benchmark and the tests write and `backfill` expects.
SERIES_COLUMNS = (
    ("id", "string"),
    ("day", "date32"),
    ("dl30", "int32"),
    ("dl_all", "int64"),
    ("likes", "int32"),
)
BUNDLED_FOLDER = "model-pulse-data"
ANONYMOUS_MISSING = "Invalid username or password."
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass
class FakeDataset:
    """One dataset repository at one commit: path → file content."""

    repo_id: str
    files: dict[str, bytes]
    sha: str = ""
    served: list[tuple[str, int]] = field(default_factory=list)  # (path, bytes) per answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.sha:
            digest = hashlib.sha1()
            for name in sorted(self.files):
                digest.update(name.encode() + b"\0" + self.files[name])
            self.sha = digest.hexdigest()

    def entries(self, folder: str) -> list[dict[str, Any]]:
        """The direct children of `folder` ("" = root), folders first, as the tree API lists them."""
        prefix = f"{folder}/" if folder else ""
        folders: set[str] = set()
        files = []
        for name in sorted(self.files):
            if not name.startswith(prefix):
                continue
            head, slash, _ = name[len(prefix) :].partition("/")
            if slash:
                folders.add(prefix + head)
            else:
                files.append(self.entry(name))
        return [self.entry(f) for f in sorted(folders)] + files

    def entry(self, path: str) -> dict[str, Any]:
        if path in self.files:
            data = self.files[path]
            return {"type": "file", "oid": _git_oid(data), "size": len(data), "path": path}
        return {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "path": path}

    def exists(self, path: str) -> bool:
        return path in self.files or any(name.startswith(f"{path}/") for name in self.files)


def load_dataset_folder(folder: Path | None = None, repo_id: str = BUNDLED_REPO) -> FakeDataset:
    """A dataset from a folder on disk; by default the bundled copy of model-pulse-data."""
    if folder is None:
        root = resources.files("monitor").joinpath("data", BUNDLED_FOLDER)
        with resources.as_file(root) as path:
            return load_dataset_folder(Path(path), repo_id)
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    return FakeDataset(repo_id, files)


def answer_dataset(handler: Handler, path: str) -> bool:
    """Answer a dataset request; False when `path` is not one (the caller sends its 404)."""
    api = re.match(
        r"/api/datasets/([^/]+/[^/]+)(?:/(revision|tree|paths-info)/([^/]+)(/.*)?)?$", path
    )
    resolve = re.match(r"/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
    match = api or resolve
    if match is None:
        return False
    with handler.state.lock:
        dataset = handler.state.datasets.get(match.group(1))
    if dataset is None:
        _missing_repo(handler)
        return True
    if api is not None:
        kind, revision, rest = api.group(2), api.group(3), api.group(4)
        if revision is not None and unquote(revision) not in ("main", dataset.sha):
            _error(handler, 404, "RevisionNotFound", f"Invalid rev id: {unquote(revision)}")
        elif kind in (None, "revision"):
            handler._send_json(200, _repo_json(dataset))
        elif kind == "tree":
            folder = unquote(rest or "").strip("/")
            if folder and not dataset.exists(folder):
                _error(handler, 404, "EntryNotFound", f"{folder} does not exist")
            else:
                handler._send_json(200, dataset.entries(folder))
        else:
            form = parse_qs(handler.read_body().decode(), keep_blank_values=True)
            wanted = [p for p in form.get("paths", []) if dataset.exists(p)]
            handler._send_json(200, [dataset.entry(p) for p in wanted])
        return True
    revision, file_path = unquote(resolve.group(2)), unquote(resolve.group(3))  # type: ignore[union-attr]
    if revision not in ("main", dataset.sha):
        _error(handler, 404, "RevisionNotFound", f"Invalid rev id: {revision}")
    elif file_path not in dataset.files:
        _error(handler, 404, "EntryNotFound", f"{file_path} does not exist")
    else:
        _send_file(handler, dataset, file_path)
    return True


def _send_file(handler: Handler, dataset: FakeDataset, path: str) -> None:
    data = dataset.files[path]
    headers = {
        "ETag": f'"{_git_oid(data)}"',
        "X-Repo-Commit": dataset.sha,
        "Accept-Ranges": "bytes",
    }
    status, body = 200, data
    wanted = _RANGE.match(handler.headers.get("Range", "").strip())
    if wanted is not None:
        start = int(wanted.group(1))
        end = min(int(wanted.group(2)) if wanted.group(2) else len(data) - 1, len(data) - 1)
        if start >= len(data):
            headers["Content-Range"] = f"bytes */{len(data)}"
            handler._send(416, b"", "text/plain", headers)
            return
        status, body = 206, data[start : end + 1]
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    if handler.command != "HEAD":
        with dataset.lock:
            dataset.served.append((path, len(body)))
    handler._send(status, body, "application/octet-stream", headers)


def _repo_json(dataset: FakeDataset) -> dict[str, Any]:
    return {
        "_id": dataset.sha[:24],
        "id": dataset.repo_id,
        "author": dataset.repo_id.split("/")[0],
        "sha": dataset.sha,
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": ["license:apache-2.0"],
        "siblings": [{"rfilename": name} for name in sorted(dataset.files)],
    }


def _missing_repo(handler: Handler) -> None:
    if handler.headers.get("authorization"):
        _error(handler, 404, "RepoNotFound", "Repository not found")
    else:
        handler._send_json(
            401, {"error": ANONYMOUS_MISSING}, {"X-Error-Message": ANONYMOUS_MISSING}
        )


def _error(handler: Handler, status: int, code: str, message: str) -> None:
    headers = {"X-Error-Code": code, "X-Error-Message": message}
    handler._send_json(status, {"error": message}, headers)


def _git_oid(data: bytes) -> str:
    """The git blob id of a file, as the tree API reports it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def series_schema() -> Any:
    """`SERIES_COLUMNS` as a pyarrow schema (pyarrow imported only when a file is written)."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in SERIES_COLUMNS])
