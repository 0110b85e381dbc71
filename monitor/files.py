"""Files written whole or not at all: a week's report folder and `index.md`.

Each file is written under a temporary name in its own folder, flushed to disk and renamed
over the old one (`os.replace` is atomic on one filesystem), so a reader or a full disk never
sees half a file. A week counts as written only when its marker, written last, lists every
file with its SHA-256 and they all match: a write cut short — even by an older version that
wrote in place — is found and rewritten by the next `run`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MARKER = ".complete.json"  # hidden: not part of what a reader browses
LAST = "summary.json"  # scripts watch for it, so it lands after the files it describes


def write_file(path: Path, data: str | bytes) -> None:
    """Write `path` atomically: a temporary file beside it, fsync, rename."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(temporary, path)


@contextmanager
def staging(folder: Path) -> Iterator[Path]:
    """A scratch folder inside `folder` (same filesystem, so renames out of it are atomic)."""
    scratch = Path(tempfile.mkdtemp(prefix=".writing-", dir=folder))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def publish(scratch: Path, folder: Path, owned: set[str]) -> None:
    """Move every file of `scratch` into `folder` (summary.json last), drop files of `owned`
    that this write no longer produces (say, a chart without data now), then mark complete."""
    (folder / MARKER).unlink(missing_ok=True)  # incomplete from here until the end
    names = sorted(p.name for p in scratch.iterdir() if p.is_file())
    names.sort(key=lambda name: name == LAST)
    digests = {name: _sha256(scratch / name) for name in names}
    for name in names:
        os.replace(scratch / name, folder / name)
    for name in owned - set(names):
        (folder / name).unlink(missing_ok=True)
    write_file(folder / MARKER, json.dumps({"files": digests}, indent=2) + "\n")


def is_complete(folder: Path) -> bool:
    """True when the marker exists and every file it lists is there, byte for byte."""
    try:
        listed = json.loads((folder / MARKER).read_text(encoding="utf-8"))["files"]
        return bool(listed) and all(
            _sha256(folder / name) == digest for name, digest in listed.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
