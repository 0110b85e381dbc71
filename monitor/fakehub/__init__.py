"""A fake Hugging Face Hub: a real HTTP server on 127.0.0.1 that answers like the real one.

Three parts, each readable alone: `server` (the HTTP side: model listings and model info,
pagination, the rate limit, the request log), `dataset` (dataset repositories served by range,
hooked into the server through `state.datasets`) and `recorded` (what is served: real recorded
numbers, one day at a time, with derived counts). Tests start it through a pytest fixture and
add their faults through a subclass of their own (`tests/fakefaults.py`), so the runtime path
that `hf-monitor demo` and `python -m monitor.fakehub` use has no fault switches.
"""

from .dataset import FakeDataset, load_dataset_folder, series_schema
from .recorded import as_of, recorded_days
from .server import RATE_LIMITED_MESSAGE, FakeHub, FakeHubState

__all__ = [
    "RATE_LIMITED_MESSAGE",
    "FakeDataset",
    "FakeHub",
    "FakeHubState",
    "as_of",
    "load_dataset_folder",
    "recorded_days",
    "series_schema",
]
