"""The only module that talks to the Hugging Face Hub.

Facts this module relies on (huggingface_hub 2.4, see ARCHITECTURE.md):

* `list_models(limit=N)` sends `limit=N` as the page size *and* stops after N items in total, so
  an author with more than N models would be cut short. We therefore page through `/api/models`
  with the library's own `paginate` helper (Link headers, retries on 429/5xx/timeouts/resets)
  and a page size of up to 1000, without a total cap.
* The library sets no timeout, and `model_info` never retries. A client factory installs a
  transport that forces a timeout on every request and hooks that count requests, pace them by
  the `RateLimit` headers and enforce the run's deadline; `fetch_model` retries by itself.
* `HF_ENDPOINT` is read by the library at import time only; the endpoint is always passed
  explicitly here. The token is left to the library (`HF_TOKEN` or the saved login), so it
  never passes through our code.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import httpx2
from huggingface_hub import constants, get_session, set_client_factory
from huggingface_hub.utils import (
    HfHubHTTPError,
    HFValidationError,
    RateLimitInfo,
    build_hf_headers,
    hf_raise_for_status,
    paginate,
    parse_ratelimit_headers,
    validate_repo_id,
)
from huggingface_hub.utils._http import hf_request_event_hook

from . import __version__

# Without this the library's first request is a hidden lookup on the public Hub (agent
# detection for telemetry), which a monitoring job neither needs nor wants to spend rate
# limit on — and which stalls for seconds on a machine without internet.
constants.HF_HUB_DISABLE_TELEMETRY = True

LIBRARY_NAME = "hf-popularity-monitor"
log = logging.getLogger(__name__)

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
# What a Hub-wide rank needs.
RANK_EXPAND = ("downloads", "likes", "pipeline_tag", "library_name")
RELATIONS = ("adapter", "finetune", "merge", "quantized")


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


@dataclass(frozen=True)
class DerivativeCounts:
    """Direct children of a model in the Hub's model tree, per relation (None: not reported)."""

    adapter: int | None
    finetune: int | None
    merge: int | None
    quantized: int | None

    @property
    def total(self) -> int | None:
        values = [self.adapter, self.finetune, self.merge, self.quantized]
        return None if any(v is None for v in values) else sum(v or 0 for v in values)


class DeadlineExceeded(Exception):
    """The run's time budget is spent; no further request is sent."""


@dataclass
class RequestLog:
    """Counts what a run sends and meets, and keeps the latest rate-limit reading."""

    requests: int = 0
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    paced_seconds: float = 0.0  # time we waited to stay inside the rate limit
    rate_limit: RateLimitInfo | None = None
    rate_limit_read_at: float = 0.0  # `clock` time of that reading
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_response(self, response: httpx2.Response) -> None:
        info = parse_ratelimit_headers(response.headers)
        with self._lock:
            if response.status_code == 429:
                self.rate_limited += 1
            elif response.status_code >= 500:
                self.server_errors += 1
            if info is not None:
                self.rate_limit = info
                self.rate_limit_read_at = self.clock()


class _TimeoutTransport(httpx2.HTTPTransport):
    """Applies one timeout to every request; the library passes `timeout=None` per call."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = httpx2.Timeout(timeout).as_dict()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.extensions["timeout"] = self._timeout
        return super().handle_request(request)


class Hub:
    """A counted, paced, time-limited view of the Hub API for popularity polling.

    * Every request has `timeout` seconds.
    * Before each request, if the last `RateLimit` reading shows `reserve` requests or fewer left
      in the window, we wait for the window to reset instead of running into 429s.
    * With a `deadline` (seconds for the whole run), no request starts after it has passed.
    * Listings are retried by the library (429, 5xx, timeouts, resets; 6 attempts); `model_info`
      is not, so `fetch_model` retries those itself with capped backoff.

    `clock` and `sleep` are the time this class sees and spends; tests pass a virtual pair.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 20.0,
        page_size: int = 1000,
        deadline: float | None = None,
        reserve: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.page_size = page_size
        self.log = RequestLog(clock=clock)
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._deadline_at = clock() + deadline if deadline else None
        set_client_factory(lambda: self._new_client(timeout))

    def _new_client(self, timeout: float) -> httpx2.Client:
        return httpx2.Client(
            transport=_TimeoutTransport(timeout),
            event_hooks={
                "request": [hf_request_event_hook, self._before_request],
                "response": [self.log.on_response],
            },
            follow_redirects=True,
        )

    @property
    def requests(self) -> int:
        return self.log.requests

    def seconds_left(self) -> float | None:
        return None if self._deadline_at is None else self._deadline_at - self._clock()

    def _before_request(self, request: httpx2.Request) -> None:
        left = self.seconds_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded("run deadline reached")
        self._pace(left)
        with self.log._lock:
            self.log.requests += 1

    def _pace(self, left: float | None) -> None:
        info = self.log.rate_limit
        if info is None or info.remaining > self.reserve:
            return
        wait = info.reset_in_seconds + 1 - (self._clock() - self.log.rate_limit_read_at)
        if wait <= 0:
            return
        if left is not None and wait >= left:
            raise DeadlineExceeded(f"rate limit resets in {wait:.0f} s, after the run deadline")
        log.info(
            "rate limit: %d requests left, waiting %.0f s for the window to reset",
            info.remaining,
            wait,
        )
        self._sleep(wait)
        self.log.paced_seconds += wait
        self.log.rate_limit = None  # a fresh reading comes with the next response

    def fetch_author_models(
        self, author: str, search: str | None = None
    ) -> tuple[list[HubModel], int]:
        """Every model of `author` (optionally narrowed by `search`), most downloaded first.

        Returns the models and how many listing items were unusable (skipped, not fatal).
        """
        params: dict[str, Any] = {"author": author, "sort": "downloads", "expand": list(EXPAND)}
        if search:
            params["search"] = search
        return self._list(params)

    def fetch_top(self, n: int, pipeline_tag: str | None = None) -> list[HubModel]:
        """The Hub's `n` most downloaded models (30-day count), optionally of one pipeline tag."""
        params: dict[str, Any] = {"sort": "downloads", "expand": list(RANK_EXPAND)}
        if pipeline_tag:
            params["pipeline_tag"] = pipeline_tag
        return self._list(params, limit=n)[0]

    def fetch_children(self, base_model: str, limit: int) -> list[HubModel]:
        """Direct derivatives of `base_model` (any relation), most downloaded first, at most `limit`."""
        params = {
            "filter": f"base_model:{base_model}",
            "sort": "downloads",
            "expand": ["downloads", "likes"],
        }
        return self._list(params, limit=limit)[0]

    def fetch_children_counts(self, model_id: str) -> DerivativeCounts:
        """The model tree's direct-children counts per relation (adapter, finetune, …)."""
        item = self._model_json(model_id, ["childrenModelCount"])
        return parse_children_counts(item.get("childrenModelCount"))

    def fetch_model(self, model_id: str) -> HubModel:
        """One model by id; follows renames (the returned id is then the new one)."""
        model = parse_model(self._model_json(model_id, list(EXPAND)))
        if model is None:
            raise ValueError("the Hub's answer has no usable model id")
        return model

    def _list(self, params: dict[str, Any], limit: int | None = None) -> tuple[list[HubModel], int]:
        """A paginated listing, read to the end or to `limit` items; (models, unusable items)."""
        page = min(limit or self.page_size, self.page_size)
        query = {**params, "limit": page}
        headers = build_hf_headers(library_name=LIBRARY_NAME, library_version=__version__)
        for attempt in range(1, JSON_ATTEMPTS + 1):
            try:
                pages = paginate(f"{self.endpoint}/api/models", params=query, headers=headers)
                # islice stops before asking for a page beyond `limit`
                items = list(islice(pages, limit) if limit else pages)
                break
            except json.JSONDecodeError:
                # A 200 whose body is not JSON (a proxy's error page): the library doesn't retry it.
                if attempt == JSON_ATTEMPTS:
                    raise
                self._backoff(attempt)
        parsed = [parse_model(item) for item in items]
        models = list(_unique(m for m in parsed if m is not None))
        return models, sum(1 for m in parsed if m is None)

    def _model_json(self, model_id: str, expand: list[str]) -> dict[str, Any]:
        """`/api/models/{id}` with our own retries (the library has none for it)."""
        validate_repo_id(model_id)
        url = f"{self.endpoint}/api/models/{model_id}"
        headers = build_hf_headers(library_name=LIBRARY_NAME, library_version=__version__)
        for attempt in range(1, MODEL_ATTEMPTS + 1):
            try:
                response = get_session().get(url, params={"expand": expand}, headers=headers)
                hf_raise_for_status(response)
                item = response.json()
                if not isinstance(item, dict):
                    raise ValueError("the Hub's answer is not a model object")
                return item
            except (HfHubHTTPError, httpx2.TransportError, json.JSONDecodeError) as exc:
                wait = _retry_wait(exc, attempt)
                if wait is None or attempt == MODEL_ATTEMPTS:
                    raise
                left = self.seconds_left()
                if left is not None and wait >= left:
                    raise
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> None:
        self._sleep(min(2 ** (attempt - 1), MAX_BACKOFF))


JSON_ATTEMPTS = 3
MODEL_ATTEMPTS = 5
MAX_BACKOFF = 8.0


def _retry_wait(exc: BaseException, attempt: int) -> float | None:
    """Seconds to wait before retrying `model_info`, or None when retrying can't help."""
    backoff = min(2.0 ** (attempt - 1), MAX_BACKOFF)
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        if response is None:
            return None
        if response.status_code == 429:
            info = parse_ratelimit_headers(response.headers)
            if info is not None and info.remaining == 0:
                return float(info.reset_in_seconds + 1)
            return _retry_after(response) or backoff
        if response.status_code in (408, 500, 502, 503, 504):
            return _retry_after(response) or backoff
        return None  # 4xx: asking again gets the same answer
    return backoff  # timeouts, resets, malformed bodies


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) + 1 if value.isdigit() else None


def build_hub(
    endpoint: str, *, timeout: float, page_size: int, deadline: float | None = None
) -> Hub:
    """The single factory for Hub access; tests point `endpoint` at the fake Hub."""
    return Hub(endpoint, timeout=timeout, page_size=page_size, deadline=deadline)


def parse_model(item: object) -> HubModel | None:
    """A model object from the Hub to a record; None when it has no usable id.

    Tolerant on purpose: a missing, null or oddly typed field (say `downloads` as a string, or
    `childrenModelCount` as a dict) becomes None for that field instead of failing the listing.
    """
    if not isinstance(item, dict):
        return None
    model_id = item.get("id") or item.get("modelId")
    if not isinstance(model_id, str) or not _usable_id(model_id.strip()):
        return None
    model_id = model_id.strip()
    tags = item.get("tags")
    gated = item.get("gated")
    return HubModel(
        model_id=model_id,
        author=model_id.partition("/")[0],  # the Hub's `author` is always this prefix
        downloads_30d=_count(item.get("downloads")),
        downloads_all_time=_count(item.get("downloadsAllTime")),
        likes=_count(item.get("likes"), below=2**31),  # an INTEGER column
        trending_score=_score(item.get("trendingScore")),
        created_at=_timestamp(item.get("createdAt")),
        last_modified=_timestamp(item.get("lastModified")),
        pipeline_tag=_short_text(item.get("pipeline_tag")),
        library_name=_short_text(item.get("library_name")),
        tags=tuple(str(t) for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
        gated=gated if isinstance(gated, str) else None,
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _usable_id(model_id: str) -> bool:
    """`owner/name`, of a length the store takes, without control characters.

    Deliberately looser than the Hub's own id rules: an id that is odd but printable is kept
    (and escaped wherever it is shown) rather than silently dropped.
    """
    owner, slash, name = model_id.partition("/")
    return (
        bool(slash and owner and name)
        and len(owner) <= 96
        and len(model_id) <= 200
        and not _CONTROL.search(model_id)
    )


def parse_children_counts(value: object) -> DerivativeCounts:
    """`childrenModelCount` to counts: a relation the Hub leaves out has 0 children; anything
    that is not an object (null, a number) means the Hub told us nothing."""
    if not isinstance(value, dict):
        return DerivativeCounts(None, None, None, None)
    counts = {r: _count(value.get(r, 0), below=2**31) for r in RELATIONS}
    return DerivativeCounts(**counts)


def _count(value: object, below: int = 2**63) -> int | None:
    """A non-negative integer count, or None when the Hub sent nothing usable."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value < below:
        return None
    return int(value)


def _score(value: object) -> float | None:
    """The trending score: a number, sometimes fractional; None when missing or malformed."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _short_text(value: object) -> str | None:
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return None
    return value[:100]


def _unique(models: Iterable[HubModel]) -> Iterator[HubModel]:
    """Drop repeated ids (a model can move between pages while they are being read)."""
    seen: set[str] = set()
    for model in models:
        if model.model_id not in seen:
            seen.add(model.model_id)
            yield model


def describe_hub_error(exc: BaseException) -> str:
    """A short, token-free description of a failed Hub call for the runs table."""
    if isinstance(exc, DeadlineExceeded):
        return str(exc)
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        status = exc.response.status_code
        reason = exc.response.reason_phrase or ""
        hint = {401: " (missing or private)", 404: " (missing or private)"}.get(status, "")
        if status == 429:
            hint = " (rate limited; retries exhausted)"
        return f"HTTP {status} {reason}{hint}".strip()
    if isinstance(exc, httpx2.TimeoutException):
        return "timed out (no answer within the timeout, after retries)"
    if isinstance(exc, httpx2.HTTPError):
        return f"network error: {type(exc).__name__}"
    if isinstance(exc, json.JSONDecodeError):
        return "malformed answer (not JSON)"
    if isinstance(exc, HFValidationError):
        return "invalid model id"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
