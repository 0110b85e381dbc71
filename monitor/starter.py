"""`hf-monitor init`: a starter config and claims file from the copies shipped in the package."""

from __future__ import annotations

from pathlib import Path

from .config import DEFAULT_CLAIMS, DEFAULT_CONFIG_NAME, PACKAGED_DEFAULTS
from .errors import UsageError

STARTER_FILES = (DEFAULT_CONFIG_NAME, DEFAULT_CLAIMS)


def write_starter(folder: Path) -> list[Path]:
    """Copy the packaged config.yaml and seeds/claims.yaml into `folder`; never overwrite."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file, not a folder")
    targets = [folder / name for name in STARTER_FILES]
    present = [str(t) for t in targets if t.exists()]
    if present:
        verb = "exists" if len(present) == 1 else "exist"
        raise UsageError(f"{' and '.join(present)} already {verb}; nothing written")
    try:
        for name, target in zip(STARTER_FILES, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((PACKAGED_DEFAULTS / name).read_bytes())
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write the starter files: {exc.strerror}") from None
    return targets
