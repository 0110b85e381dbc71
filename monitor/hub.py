"""The only module that talks to the Hugging Face Hub, and the only place an `HfApi` is built.

Facts this module relies on (huggingface_hub 2.4, see ARCHITECTURE.md):

* `list_models(limit=N)` sends `limit=N` as the page size *and* stops after N items in total, so
  an author with more than N models would be cut short. We therefore page through `/api/models`
  with the library's own `paginate` helper (Link headers, retries on 429/5xx) and a page size
  of up to 1000, without a total cap.
* The library sets no timeout on `list_models` or `model_info`. A client factory installs a
  transport that forces one on every request, keeps the library's request hook (offline mode,
  trace id) and counts requests, including retries and redirect hops.
* `HF_ENDPOINT` is read by the library at import time only; the endpoint is always passed
  explicitly here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx2
from huggingface_hub import HfApi, constants, set_client_factory
from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import (
    HfHubHTTPError,
    RateLimitInfo,
    build_hf_headers,
    paginate,
    parse_ratelimit_headers,
)
from huggingface_hub.utils._http import hf_request_event_hook

from . import __version__

# Without this the library's first request is a hidden lookup on the public Hub (agent
# detection for telemetry), which a monitoring job neither needs nor wants to spend rate
# limit on — and which stalls for seconds on a machine without internet.
constants.HF_HUB_DISABLE_TELEMETRY = True

LIBRARY_NAME = "hf-popularity-monitor"

# Everything a snapshot and the models table need, in one listing request per page.
EXPAND = (
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "createdAt",
    "lastModified",
    "pipeline_tag",
    "library_name",
    "tags",
    "gated",
)


@dataclass(frozen=True)
class HubModel:
    """One model as the Hub reported it at one moment."""

    model_id: str
    author: str
    downloads_30d: int | None
    downloads_all_time: int | None
    likes: int | None
    trending_score: float | None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: tuple[str, ...] = ()
    gated: str | None = None


@dataclass
class RequestLog:
    """Counts the HTTP requests a run sends and keeps the latest rate-limit reading."""

    requests: int = 0
    rate_limit: RateLimitInfo | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_request(self, request: httpx2.Request) -> None:
        with self._lock:
            self.requests += 1

    def on_response(self, response: httpx2.Response) -> None:
        info = parse_ratelimit_headers(response.headers)
        if info is not None:
            with self._lock:
                self.rate_limit = info


class _TimeoutTransport(httpx2.HTTPTransport):
    """Applies one timeout to every request; the library passes `timeout=None` per call."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = httpx2.Timeout(timeout).as_dict()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.extensions["timeout"] = self._timeout
        return super().handle_request(request)


class Hub:
    """A thin, counted, time-limited view of the Hub API for popularity polling."""

    def __init__(self, endpoint: str, *, timeout: float = 20.0, page_size: int = 1000) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.page_size = page_size
        self.log = RequestLog()
        # token=None: the library resolves HF_TOKEN or the saved `hf auth login` at call time,
        # so the secret never passes through our config or our objects.
        self._api = HfApi(
            endpoint=self.endpoint, library_name=LIBRARY_NAME, library_version=__version__
        )
        set_client_factory(lambda: self._new_client(timeout))

    def _new_client(self, timeout: float) -> httpx2.Client:
        return httpx2.Client(
            transport=_TimeoutTransport(timeout),
            event_hooks={
                "request": [hf_request_event_hook, self.log.on_request],
                "response": [self.log.on_response],
            },
            follow_redirects=True,
        )

    @property
    def requests(self) -> int:
        return self.log.requests

    def fetch_author_models(self, author: str, search: str | None = None) -> list[HubModel]:
        """Every model of `author` (optionally narrowed by the Hub's `search`), most downloaded first."""
        params: dict[str, Any] = {
            "author": author,
            "sort": "downloads",
            "limit": self.page_size,
            "expand": list(EXPAND),
        }
        if search:
            params["search"] = search
        headers = build_hf_headers(library_name=LIBRARY_NAME, library_version=__version__)
        items = paginate(f"{self.endpoint}/api/models", params=params, headers=headers)
        return list(_unique(parse_model(item) for item in items))

    def fetch_model(self, model_id: str) -> HubModel:
        """One model by id; follows renames (the returned id is then the new one)."""
        info = self._api.model_info(model_id, expand=list(EXPAND))  # type: ignore[arg-type]
        return model_from_info(info)


def build_hub(endpoint: str, *, timeout: float, page_size: int) -> Hub:
    """The single factory for Hub access; tests point `endpoint` at the fake Hub."""
    return Hub(endpoint, timeout=timeout, page_size=page_size)


def parse_model(item: dict[str, Any]) -> HubModel:
    """A listing item (JSON object) to a record, through the library's own `ModelInfo`."""
    item.setdefault("siblings", None)
    return model_from_info(ModelInfo(**item))


def model_from_info(info: ModelInfo) -> HubModel:
    model_id = str(info.id)
    tags = info.tags if isinstance(info.tags, list) else []
    gated = info.gated
    return HubModel(
        model_id=model_id,
        author=str(info.author or model_id.partition("/")[0]),
        downloads_30d=_count(info.downloads),
        downloads_all_time=_count(info.downloads_all_time),
        likes=_count(info.likes),
        trending_score=_score(info.trending_score),
        created_at=info.created_at if isinstance(info.created_at, datetime) else None,
        last_modified=info.last_modified if isinstance(info.last_modified, datetime) else None,
        pipeline_tag=info.pipeline_tag if isinstance(info.pipeline_tag, str) else None,
        library_name=info.library_name if isinstance(info.library_name, str) else None,
        tags=tuple(str(t) for t in tags),
        gated=str(gated) if gated not in (None, False) else None,
    )


def _count(value: object) -> int | None:
    """A non-negative integer count, or None when the Hub sent nothing usable."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 else None


def _score(value: object) -> float | None:
    """The trending score: a number, sometimes fractional; None when missing or malformed."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _unique(models: Iterable[HubModel]) -> Iterator[HubModel]:
    """Drop repeated ids (a model can move between pages while they are being read)."""
    seen: set[str] = set()
    for model in models:
        if model.model_id not in seen:
            seen.add(model.model_id)
            yield model


def describe_hub_error(exc: BaseException) -> str:
    """A short, token-free description of a failed Hub call for the runs table."""
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        reason = exc.response.reason_phrase or ""
        return f"HTTP {status} {reason}".strip()
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx2.HTTPError):
        return f"network error ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"
