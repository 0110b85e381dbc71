"""The only module that talks to the Hugging Face Hub.

Facts this module relies on (huggingface_hub 2.4, see ARCHITECTURE.md):

* `list_models(limit=N)` sends `limit=N` as the page size *and* stops after N items in total,
  and the library's `paginate`/`http_backoff` sleep a 429 reset or a `Retry-After` in full with
  `time.sleep` (3,000 s if the Hub says so), past the run's deadline and deaf to SIGTERM. So we
  follow the `Link` headers of `/api/models` ourselves, and every request, retry and wait of a
  run goes through one `Hub`, which bounds them all (see `Hub`).
* The library's shared HTTP client is process-wide (`set_client_factory`), so hooks installed
  there would be shared by every `Hub` in the process. Each `Hub` owns its client instead.
* From the library we use public helpers only: request headers (token, user agent), the
  mapping of error answers to exceptions, `RateLimit` parsing and repo id validation. Nothing
  private of it is imported.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx2
from huggingface_hub import constants, is_offline_mode, set_client_factory
from huggingface_hub.utils import (
    HfHubHTTPError,
    HFValidationError,
    OfflineModeIsEnabled,
    RateLimitInfo,
    build_hf_headers,
    hf_raise_for_status,
    parse_ratelimit_headers,
    validate_repo_id,
)

from . import __version__
from .bounded import Abandoned, call_bounded, new_client
from .errors import ConfigError, MonitorError
from .limits import MAX_DOWNLOADS, score_in_range

if TYPE_CHECKING:
    from huggingface_hub import HfFileSystem

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
    "pipeline_tag",
    "library_name",
)
# What a Hub-wide rank needs.
RANK_EXPAND = ("downloads", "likes", "pipeline_tag", "library_name")
RELATIONS = ("adapter", "finetune", "merge", "quantized")

# The retry schedule (the library's own, kept so runs behave as before): 6 attempts, waits of
# 1, 2, 4, 8, 8 s unless the Hub names one; a 200 that is not JSON is asked for 3 times.
ATTEMPTS = 6
MALFORMED_ATTEMPTS = 3
MAX_BACKOFF = 8.0

# Failures that mean nothing at the endpoint could be reached (as opposed to a slow one).
UNREACHABLE = (httpx2.ConnectError, httpx2.ConnectTimeout, OfflineModeIsEnabled)
STOPPED = "not fetched: stop requested (SIGTERM/SIGINT)"
OUT_OF_TIME = "not fetched: run deadline reached"


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
    pipeline_tag: str | None = None
    library_name: str | None = None


@dataclass(frozen=True)
class DerivativeCounts:
    """Direct children of a model in the Hub's model tree, per relation (None: not reported)."""

    adapter: int | None
    finetune: int | None
    merge: int | None
    quantized: int | None


class DeadlineExceeded(Exception):
    """The run's time budget is spent (or a wait would outlast it); nothing more is sent."""


class StopRequested(Exception):
    """A stop was asked for (SIGTERM/SIGINT); nothing more is sent."""

    def __init__(self) -> None:
        super().__init__(STOPPED)


class MalformedAnswer(ValueError):
    """A 200 whose JSON is not the shape asked for (a list of models, a model object)."""


class HubUnreachable(MonitorError):
    """Nothing at the endpoint answered at all (no network, wrong address, offline mode)."""


class BadEndpoint(ConfigError):
    """The Hub endpoint is not an http(s) URL."""


@dataclass
class RequestLog:
    """Counts what a run sends and meets, and keeps the latest rate-limit reading."""

    requests: int = 0
    answers: int = 0  # HTTP answers of any status: something is there
    rate_limited: int = 0  # 429 answers
    paced_seconds: float = 0.0  # time we waited to stay inside the rate limit
    rate_limit: RateLimitInfo | None = None
    rate_limit_read_at: float = 0.0  # `clock` time of that reading
    unreachable: BaseException | None = None  # the last failure to reach the endpoint at all
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def on_request(self, request: httpx2.Request) -> None:
        with self._lock:
            self.requests += 1

    def on_response(self, response: httpx2.Response) -> None:
        info = parse_ratelimit_headers(response.headers)
        with self._lock:
            self.answers += 1
            if response.status_code == 429:
                self.rate_limited += 1
            if info is not None:
                self.rate_limit = info
                self.rate_limit_read_at = self.clock()


def default_time() -> tuple[Callable[[], float], Callable[[float], None] | None]:
    """The clock and sleep a `Hub` uses when given none: real time, waits woken by a stop
    request (sleep None). Tests replace this to run the command line on virtual time."""
    return time.monotonic, None


class Hub:
    """A counted, paced, time-limited view of the Hub API for popularity polling.

    Every wait of a run is bounded here, in one place:

    * a request (redirects and body included) gets `timeout` seconds in all, however slowly
      the answer trickles in, and is abandoned at once on a stop request or at the deadline;
    * retries (429, 5xx, timeouts, resets: 6 attempts; a body that is not JSON: 3) wait the
      reset time the Hub gives (`RateLimit` on a 429, `Retry-After`) or 1, 2, 4, 8, 8 s;
    * before each request, if the last `RateLimit` reading shows `reserve` requests or fewer
      left, we wait for the window to reset instead of running into 429s;
    * a wait that would end after the `deadline` (seconds for the whole run) is not begun
      (`DeadlineExceeded`), and every wait ends early when `stop` is set (`StopRequested`).

    The Hub owns its HTTP client; use it as a context manager (or call `close`) to release it.
    `clock` and `sleep` are the time this class sees and spends; tests pass a virtual pair
    (a virtual `sleep` is followed by a look at `stop`, as a real wait would be woken by it).
    """

    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 20.0,
        page_size: int = 1000,
        deadline: float | None = None,
        reserve: int = 5,
        stop: threading.Event | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.endpoint = check_endpoint(endpoint)
        self.timeout = timeout
        self.page_size = page_size
        self.reserve = reserve
        self.stop = stop if stop is not None else threading.Event()
        if clock is None and sleep is None:
            clock, sleep = default_time()
        self._clock = clock or time.monotonic
        self._sleep = sleep
        self.log = RequestLog(clock=self._clock)
        self._deadline_at = self._clock() + deadline if deadline else None
        self._hold_until = 0.0  # `clock` time before which the Hub asked us not to ask again
        self._headers = build_hf_headers(library_name=LIBRARY_NAME, library_version=__version__)
        self._client: httpx2.Client | None = None

    def __enter__(self) -> Hub:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> httpx2.Client:
        if self._client is None:
            self._client = new_client(self.timeout, self.log.on_request, self.log.on_response)
        return self._client

    @property
    def requests(self) -> int:
        return self.log.requests

    def seconds_left(self) -> float | None:
        return None if self._deadline_at is None else self._deadline_at - self._clock()

    # --- waiting ------------------------------------------------------------------------------

    def _wait(self, seconds: float, why: str) -> None:
        """The one place a run waits: never past the deadline, and woken by a stop request."""
        left = self.seconds_left()
        if left is not None and seconds >= left:
            raise DeadlineExceeded(f"not fetched: {why} {seconds:.0f} s, past the run deadline")
        if self.stop.is_set():
            raise StopRequested
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self.stop.wait(seconds)
        if self.stop.is_set():
            raise StopRequested

    def _before_request(self) -> None:
        """No request after a stop request or the deadline; honour the rate limit first."""
        if self.stop.is_set():
            raise StopRequested
        if is_offline_mode():
            raise OfflineModeIsEnabled("HF_HUB_OFFLINE is set")
        left = self.seconds_left()
        if left is not None and left <= 0:
            raise DeadlineExceeded(OUT_OF_TIME)
        held = self._hold_until - self._clock()
        if held > 0:  # another selector's retry was told to wait this long: so are we
            self._wait(held, "the Hub asked to wait")
        self._pace()

    def _pace(self) -> None:
        info = self.log.rate_limit
        if info is None or info.remaining > self.reserve:
            return
        wait = info.reset_in_seconds + 1 - (self._clock() - self.log.rate_limit_read_at)
        if wait <= 0:
            return
        log.info(
            "rate limit: %d requests left, waiting %.0f s for the window to reset",
            info.remaining,
            wait,
        )
        self._wait(wait, "the rate limit resets in")
        self.log.paced_seconds += wait
        self.log.rate_limit = None  # a fresh reading comes with the next response

    # --- requests -----------------------------------------------------------------------------

    def _send(self, url: str, params: Any) -> httpx2.Response:
        """One GET, bounded as a whole by `timeout` and the deadline, dropped on a stop request."""
        self._before_request()
        budget = self.timeout
        left = self.seconds_left()
        by_deadline = left is not None and left < budget
        if left is not None:
            budget = min(budget, left)
        client = self._http()

        def get(cancel: threading.Event) -> httpx2.Response:
            return client.get(
                url, params=params, headers=self._headers, extensions={"cancel": cancel}
            )

        try:
            return call_bounded(get, seconds=budget, stop=self.stop)
        except Abandoned:
            pass
        if self.stop.is_set():
            raise StopRequested
        if by_deadline:
            raise DeadlineExceeded(f"{OUT_OF_TIME} during a request")
        raise httpx2.ReadTimeout(f"no complete answer within {self.timeout:g} s")

    def _get_json(self, url: str, params: Any = None) -> tuple[Any, httpx2.Response]:
        """GET `url` and parse its JSON, retrying what asking again can fix."""
        malformed = 0
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = self._send(url, params)
                hf_raise_for_status(response)
                try:
                    return response.json(), response
                except json.JSONDecodeError:
                    malformed += 1
                    raise
            except (HfHubHTTPError, httpx2.TransportError, ValueError, OfflineModeIsEnabled) as exc:
                if isinstance(exc, UNREACHABLE):
                    self.log.unreachable = exc
                wait = _retry_wait(exc, attempt)
                if wait is None or attempt == ATTEMPTS or malformed == MALFORMED_ATTEMPTS:
                    raise
                asked = _asked_wait(exc)
                if asked is not None:
                    self._hold_until = max(self._hold_until, self._clock() + asked)
                log.info("%s; retrying in %.0f s", describe_hub_error(exc), wait)
                self._wait(
                    wait, "the Hub asked to wait" if asked is not None else "the next attempt in"
                )
        raise AssertionError("unreachable")  # pragma: no cover

    # --- what the collector asks ------------------------------------------------------------

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

    def resolve_dataset(self, repo_id: str, revision: str | None = None) -> str:
        """The commit sha that a dataset repository's `revision` (default: main) points at.

        Call inside `library_calls()`."""
        from huggingface_hub import HfApi  # a backfill's only: collects start faster without

        api = HfApi(endpoint=self.endpoint, library_name=LIBRARY_NAME, library_version=__version__)
        sha = api.dataset_info(repo_id, revision=revision, timeout=self.timeout).sha
        if not sha:
            raise MalformedAnswer(f"the Hub gave no commit sha for {repo_id}")
        return sha

    def dataset_files(self) -> HfFileSystem:
        """Files of dataset repositories as `datasets/<repo>@<sha>/<path>`, read by range.

        A fresh instance each time: the library caches instances and their folder listings,
        which would outlive a run (and a test's fake Hub). Use it inside `library_calls()`.
        """
        from huggingface_hub import HfFileSystem  # imports fsspec: a backfill's only

        return HfFileSystem(endpoint=self.endpoint, skip_instance_cache=True)

    @contextmanager
    def library_calls(self) -> Iterator[None]:
        """For the block, the library's own calls (`HfApi`, `HfFileSystem`) go through a client
        with this Hub's read timeout and request counters.

        The library's client is process-wide, so this is for one-shot commands (backfill), not
        for the daemon; afterwards a plain client like the library's default is put back.
        """
        client = new_client(self.timeout, self.log.on_request, self.log.on_response)
        close = client.close
        # The library closes its shared client after any connection error, also one met by a
        # read given up on earlier (still retrying in its own thread, `bounded`): that must not
        # cut this run's reads short, so the client closes when the block ends, not before.
        client.close = lambda: None  # type: ignore[method-assign]
        set_client_factory(lambda: client)
        try:
            yield
        finally:
            set_client_factory(lambda: httpx2.Client(follow_redirects=True, timeout=None))
            close()

    def _list(self, params: dict[str, Any], limit: int | None = None) -> tuple[list[HubModel], int]:
        """A listing read page by page along its `Link` headers, to the end or to `limit` items.

        Returns (models, unusable items). The next page's URL already holds every parameter.
        """
        url: str | None = f"{self.endpoint}/api/models"
        query: dict[str, Any] | None = {
            **params,
            "limit": min(limit or self.page_size, self.page_size),
        }
        items: list[Any] = []
        while url is not None and (limit is None or len(items) < limit):
            page, response = self._get_json(url, query)
            if not isinstance(page, list):
                raise MalformedAnswer("the Hub's answer is not a list of models")
            items += page
            url, query = response.links.get("next", {}).get("url"), None
        parsed = [parse_model(item) for item in items[:limit]]
        models = list(_unique(m for m in parsed if m is not None))
        return models, sum(1 for m in parsed if m is None)

    def _model_json(self, model_id: str, expand: list[str]) -> dict[str, Any]:
        """`/api/models/{id}`, retried like every other request."""
        validate_repo_id(model_id)
        item, _response = self._get_json(
            f"{self.endpoint}/api/models/{model_id}", {"expand": expand}
        )
        if not isinstance(item, dict):
            raise MalformedAnswer("the Hub's answer is not a model object")
        return item


def _retry_wait(exc: BaseException, attempt: int) -> float | None:
    """Seconds to wait before asking again, or None when asking again can't help."""
    backoff = min(2.0 ** (attempt - 1), MAX_BACKOFF)
    if isinstance(exc, HfHubHTTPError):
        response = exc.response
        if response is None or response.status_code not in (408, 429, 500, 502, 503, 504):
            return None  # other 4xx: asking again gets the same answer
        asked = _asked_wait(exc)
        return backoff if asked is None else asked
    if isinstance(exc, httpx2.TimeoutException | httpx2.NetworkError | httpx2.RemoteProtocolError):
        return backoff
    if isinstance(exc, json.JSONDecodeError):
        return backoff  # a proxy's error page in a 200
    return None  # offline mode, an unsupported URL, a wrongly shaped answer


def _asked_wait(exc: BaseException) -> float | None:
    """The wait the Hub asked for: a 429's rate-limit reset, or `Retry-After` (+ 1 s margin)."""
    response = getattr(exc, "response", None)
    if not isinstance(exc, HfHubHTTPError) or response is None:
        return None
    if response.status_code == 429:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            return float(info.reset_in_seconds + 1)
    value = response.headers.get("Retry-After", "")
    return float(value) + 1 if value.isdigit() else None


def check_endpoint(endpoint: str) -> str:
    """The endpoint without a trailing slash; BadEndpoint unless it is an http(s) URL."""
    if not re.match(r"^https?://[^\s/]+", endpoint):
        raise BadEndpoint(
            f"the Hub endpoint {endpoint!r} (HF_ENDPOINT or hub.endpoint) is not an http(s) "
            "URL; for example https://huggingface.co or a mirror's address"
        )
    return endpoint.rstrip("/")


def describe_unreachable(endpoint: str, exc: BaseException, attempts: int) -> str:
    """One line for a Hub that never answered: where, why, and what to do instead."""
    if isinstance(exc, OfflineModeIsEnabled):
        return (
            f"not asking the Hub at {endpoint}: HF_HUB_OFFLINE is set (unset it to collect); "
            "`hf-monitor demo` works offline"
        )
    cause = "connecting timed out" if isinstance(exc, httpx2.ConnectTimeout) else _cause(exc)
    return (
        f"cannot reach the Hub at {endpoint} ({cause}; {attempts} attempt(s), no answer). "
        "Check the network, or set HF_ENDPOINT to a mirror; `hf-monitor demo` works offline"
    )


def _cause(exc: BaseException) -> str:
    """The innermost readable reason, e.g. 'Name or service not known' from a DNS failure."""
    text = str(exc) or type(exc).__name__
    match = re.search(r"\[Errno [-\d]+\] (.+)$", text)
    return match.group(1) if match else text[:200]


def build_hub(
    endpoint: str,
    *,
    timeout: float,
    page_size: int,
    deadline: float | None = None,
    stop: threading.Event | None = None,
) -> Hub:
    """The single factory for Hub access; tests point `endpoint` at the fake Hub."""
    return Hub(endpoint, timeout=timeout, page_size=page_size, deadline=deadline, stop=stop)


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
    return HubModel(
        model_id=model_id,
        author=model_id.partition("/")[0],  # the Hub's `author` is always this prefix
        downloads_30d=_count(item.get("downloads")),
        downloads_all_time=_count(item.get("downloadsAllTime")),
        likes=_count(item.get("likes"), below=2**31),  # an INTEGER column
        trending_score=_score(item.get("trendingScore")),
        created_at=_timestamp(item.get("createdAt")),
        pipeline_tag=_short_text(item.get("pipeline_tag")),
        library_name=_short_text(item.get("library_name")),
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


def _count(value: object, below: int = MAX_DOWNLOADS + 1) -> int | None:
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
    return number if score_in_range(number) else None


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
    if isinstance(exc, DeadlineExceeded | StopRequested):
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
    if isinstance(exc, OfflineModeIsEnabled):
        return "not fetched: offline mode (HF_HUB_OFFLINE is set)"
    if isinstance(exc, httpx2.HTTPError):
        return f"network error: {type(exc).__name__}: {_cause(exc)}"
    if isinstance(exc, json.JSONDecodeError):
        return "malformed answer (not JSON)"
    if isinstance(exc, MalformedAnswer):
        return f"malformed answer ({exc})"
    if isinstance(exc, HFValidationError):
        return "invalid model id"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
