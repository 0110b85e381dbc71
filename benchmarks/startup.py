#!/usr/bin/env python3
"""Time how long `hf-monitor` takes to start, as whole processes, against bare Python.

    python benchmarks/startup.py                         # this checkout, 15 runs of each
    python benchmarks/startup.py --before /tmp/old       # also an older checkout, same run
    git worktree add /tmp/old origin/main && python benchmarks/startup.py --before /tmp/old

Each command is started `--repeat` times in turn (interleaved, so a busy moment on a shared
machine hits every command alike); the table shows the fastest and the median wall time and
both as a ratio of a bare Python script that builds an argparse parser of the same shape and
prints its help. The project's commands run as `python -m monitor` with the checkout on
PYTHONPATH (so two checkouts can be compared); the installed console script is timed too.
`status` reads a small SQLite database made by importing tests/data/two_weeks.csv first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL_HISTORY = REPO / "tests" / "data" / "two_weeks.csv"

# A parser like ours (eleven subcommands with a few options), and nothing else.
BARE_ARGPARSE = """\
import argparse
parser = argparse.ArgumentParser(prog="bare", description="a parser of the same shape")
parser.add_argument("--config")
parser.add_argument("--storage")
sub = parser.add_subparsers(dest="command", required=True)
for name in ("collect", "run", "schedule", "models", "status", "export", "report",
             "trends", "import", "backfill", "demo", "init"):
    command = sub.add_parser(name, help=f"the {name} command")
    command.add_argument("--out")
parser.parse_args(["--help"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command")
    parser.add_argument(
        "--before", type=Path, help="another checkout of the project to time beside this one"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hf-startup-") as tmp:
        work = Path(tmp)
        commands = build_commands(work, args.before)
        times = time_commands(commands, args.repeat)
    print_table(times, args.repeat)


def build_commands(work: Path, before: Path | None) -> dict[str, tuple[list[str], Path]]:
    """Label → (argv, checkout on PYTHONPATH) for every process to time."""
    script = work / "bare_argparse.py"
    script.write_text(BARE_ARGPARSE)
    python = sys.executable
    commands: dict[str, tuple[list[str], Path]] = {
        "python -c pass": ([python, "-c", "pass"], REPO),
        "bare argparse --help": ([python, str(script)], REPO),
    }
    script_path = Path(sys.executable).parent / "hf-monitor"
    if script_path.exists():  # the installed console script, as users start it
        commands["hf-monitor --help (console script)"] = ([str(script_path), "--help"], REPO)
    checkouts = [("", REPO)] + ([("before: ", before.resolve())] if before else [])
    for prefix, checkout in checkouts:
        storage = f"sqlite:///{work / (prefix.strip(': ') or 'after')}.db"
        monitor = [python, "-m", "monitor", "--config", str(REPO / "config.yaml")]
        _run([*monitor, "--storage", storage, "import", str(SMALL_HISTORY)], checkout)
        commands[f"{prefix}hf-monitor --help"] = ([*monitor, "--help"], checkout)
        commands[f"{prefix}hf-monitor status"] = (
            [*monitor, "--storage", storage, "status"],
            checkout,
        )
    return commands


def time_commands(
    commands: dict[str, tuple[list[str], Path]], repeat: int
) -> dict[str, list[float]]:
    """Wall seconds of each run of each command, started round-robin."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for argv, checkout in commands.values():  # one untimed run: warm the file cache
        _run(argv, checkout)
    for _ in range(repeat):
        for label, (argv, checkout) in commands.items():
            start = time.perf_counter()
            _run(argv, checkout)
            times[label].append(time.perf_counter() - start)
    return times


def _run(argv: list[str], checkout: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout)}  # this checkout's `monitor`, not another's
    subprocess.run(argv, env=env, cwd=checkout, stdout=subprocess.DEVNULL, check=True)


def print_table(times: dict[str, list[float]], repeat: int) -> None:
    base = times["bare argparse --help"]
    floor = times["python -c pass"]
    print(f"Whole processes, {repeat} runs each; ratios of min and of median.\n")
    print(
        "| command | min s | median s | × bare argparse (min / median) | × python -c pass (min) |"
    )
    print("|---|---|---|---|---|")
    for label, runs in times.items():
        low, mid = min(runs), statistics.median(runs)
        print(
            f"| {label} | {low:.3f} | {mid:.3f} | {low / min(base):.1f} / "
            f"{mid / statistics.median(base):.1f} | {low / min(floor):.1f} |"
        )
    for label, runs in times.items():
        old = times.get(f"before: {label}")
        if old:
            print(
                f"\n{label}: {min(runs) / min(old):.2f}× the older checkout's time (min), "
                f"{statistics.median(runs) / statistics.median(old):.2f}× (median)",
                end="",
            )
    print()


if __name__ == "__main__":
    main()
