"""`python -m monitor.fakehub`: serve one recorded day and the history dataset until Ctrl-C."""

from __future__ import annotations

import argparse
import time
from datetime import date

from .dataset import load_dataset_folder
from .recorded import recorded_days
from .server import FakeHub


def main() -> None:
    """Serve the last recorded day until interrupted (for trying the CLI offline)."""
    parser = argparse.ArgumentParser(
        prog="python -m monitor.fakehub",
        description="Serve a fake Hugging Face Hub on 127.0.0.1 with real recorded numbers.",
        epilog="Example:  python -m monitor.fakehub --port 8765 &  HF_ENDPOINT=http://127.0.0.1:8765 hf-monitor collect  (or backfill)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--day", help="recorded day to serve (YYYY-MM-DD); default: the last one")
    args = parser.parse_args()
    days = recorded_days()
    day = date.fromisoformat(args.day) if args.day else max(days)
    if day not in days:
        parser.error(f"no recorded data for {day}; available {min(days)} … {max(days)}")
    try:
        hub = FakeHub(days[day], port=args.port).start()
    except OSError as exc:  # most often the port is taken, e.g. by a fake Hub started earlier
        parser.exit(2, f"{parser.prog}: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}"
                    " (another process uses it? choose another with --port)\n")  # fmt: skip
    history = load_dataset_folder()
    hub.state.datasets[history.repo_id] = history
    print(f"fake Hub serving {len(days[day])} models as of {day} at {hub.url}  (Ctrl-C stops)")
    print(f"  and the dataset {history.repo_id}@{history.sha[:10]} (history for backfill)")
    print(f"  HF_ENDPOINT={hub.url} hf-monitor collect")
    print(f"  HF_ENDPOINT={hub.url} hf-monitor backfill")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hub.stop()


if __name__ == "__main__":
    main()
