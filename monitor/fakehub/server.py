"""The fake Hub's HTTP server: what the monitor asks of the Hub API, answered as the Hub does.

`/api/models` (author, search, filter, pipeline_tag, gated, sort, limit, expand, cursor
pagination with absolute `Link` headers), `/api/models/{id}` (expand, 307 for renamed ids,
401/404 for missing ones), `RateLimit`/`RateLimit-Policy` headers on every response, and the
default projections versus `{_id, id}` plus expanded keys. Dataset repositories are answered
by `dataset`. Every request path is logged in `state.requests`, the Hub's own count.

`Handler.answer_early` is the one seam for tests: their subclass breaks answers on purpose.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .dataset import FakeDataset, answer_dataset

MAX_PAGE_SIZE = 1000
WINDOW_SECONDS = 300
ANONYMOUS_QUOTA = 500
TOKEN_QUOTA = 1000

KNOWN_EXPAND = frozenset(
    [
        "author",
        "baseModels",
        "cardData",
        "childrenModelCount",
        "config",
        "createdAt",
        "disabled",
        "downloads",
        "downloadsAllTime",
        "evalResults",
        "gated",
        "gguf",
        "inference",
        "inferenceProviderMapping",
        "lastModified",
        "library_name",
        "likes",
        "mask_token",
        "model-index",
        "pipeline_tag",
        "private",
        "resourceGroup",
        "safetensors",
        "sha",
        "siblings",
        "spaces",
        "tags",
        "transformersInfo",
        "trendingScore",
        "usedStorage",
        "widgetData",
        "xetEnabled",
    ]
)
LIST_DEFAULT_KEYS = (
    "_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
    "library_name", "createdAt", "modelId",
)  # fmt: skip
LIST_FULL_KEYS = ("author", "sha", "lastModified", "siblings", "gated")
INFO_DEFAULT_KEYS = (
    "_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes",
    "modelId", "author", "sha", "lastModified", "gated", "disabled", "siblings", "createdAt",
)  # fmt: skip
RELATIONS = ("adapter", "finetune", "merge", "quantized")
SORT_KEYS = {"downloads", "likes", "trendingScore", "createdAt", "lastModified"}
NOT_FOUND_MESSAGE = "Invalid username or password."
RATE_LIMITED_MESSAGE = (
    "We had to rate limit your IP (127.0.0.1). To continue using our service, create a HF account "
    "or login to your existing account, and make sure you pass a HF_TOKEN if you're using the API."
)


@dataclass
class FakeHubState:
    """What the fake Hub knows. Tests mutate it between requests (under `lock`)."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)
    max_page_size: int = MAX_PAGE_SIZE
    latency: float = 0.0  # seconds added to every answer (benchmarks: a realistic round trip)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The API rate limit: a fixed window, counted per request as on the Hub. `quota` None means
    # the Hub's own (500 anonymous, 1,000 with a token). Requests beyond it get 429s.
    quota: int | None = None
    window_seconds: float = WINDOW_SECONDS
    window_start: float = field(default_factory=time.monotonic)
    window_used: int = 0
    rate_limited: int = 0  # 429s served because the quota was spent
    _index_key: tuple[int, int] = (0, -1)
    _by_author: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _by_tag: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    authorized_requests: int = 0  # requests that carried a token
    # repo id → dataset, answered by `dataset.answer_dataset`
    datasets: dict[str, FakeDataset] = field(default_factory=dict)

    def set_models(self, models: list[dict[str, Any]]) -> None:
        with self.lock:
            self.models = {m["id"]: m for m in models}

    def candidates(self, author: str, tag: str | None) -> list[dict[str, Any]]:
        """The models a listing has to look at: those of `author`, or carrying `tag`, or all.

        Indexes are rebuilt when the set of models changed (tests edit `models` directly;
        edits of a model's counts need no rebuild, the index holds the same dicts).
        """
        with self.lock:
            key = (id(self.models), len(self.models))
            if key != self._index_key:
                self._by_author, self._by_tag = {}, {}
                for model in self.models.values():
                    owner = model["id"].split("/")[0].lower()
                    self._by_author.setdefault(owner, []).append(model)
                    for t in model.get("tags") or ():
                        if isinstance(t, str):
                            self._by_tag.setdefault(t, []).append(model)
                self._index_key = key
            if tag is not None:
                return list(self._by_tag.get(tag, ()))
            if author:
                return list(self._by_author.get(author.lower(), ()))
            return list(self.models.values())


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a hanging request is expected here, not worth a traceback."""


class Handler(BaseHTTPRequestHandler):
    state: FakeHubState
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle's algorithm and the client's
    # delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    _limit: tuple[int, int, int] = (0, 0, ANONYMOUS_QUOTA)  # this request's rate-limit reading

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `state.requests`
        return

    def do_GET(self) -> None:
        self._answer()

    do_HEAD = do_POST = do_GET  # `self.command` tells them apart

    def _answer(self) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        with self.state.lock:
            self.state.requests.append(self.path)
            self.state.authorized_requests += bool(self.headers.get("authorization"))
        path = split.path
        if self.state.latency:
            time.sleep(self.state.latency)
        self._limit = self._count_request()
        if self._limit[0] < 0:
            with self.state.lock:
                self.state.rate_limited += 1
            self._send_json(429, {"error": RATE_LIMITED_MESSAGE})
            return
        if self.answer_early():
            return
        if "/datasets/" in path and answer_dataset(self, path):
            return
        if self.command == "POST":
            self.read_body()
        if path == "/api/models":
            self._list_models(query)
        elif path.startswith("/api/models/"):
            self._model_info(path.removeprefix("/api/models/"), query, split.query)
        else:
            self._send_json(404, {"error": "Not Found"})

    def answer_early(self) -> bool:
        """True when this request has been answered (or dropped) before the endpoints see it."""
        return False

    # --- endpoints ------------------------------------------------------------------------

    def _list_models(self, query: dict[str, list[str]]) -> None:
        expand = query.get("expand", []) + query.get("expand[]", [])
        unknown = [e for e in expand if e not in KNOWN_EXPAND]
        if unknown:
            self._send_json(400, {"error": f'"expand" must be one of {sorted(KNOWN_EXPAND)}'})
            return
        filters = query.get("filter", [])
        models = self.state.candidates(
            query.get("author", [""])[0], filters[0] if filters else None
        )
        with self.state.lock:
            page_cap = self.state.max_page_size
        selected = _select(models, query)
        page_size = min(_int(query.get("limit", [""])[0], page_cap), page_cap)
        offset = _decode_cursor(query.get("cursor", [""])[0])
        page = selected[offset : offset + page_size]
        headers = {}
        if offset + page_size < len(selected):
            params = [(k, v) for k, values in query.items() if k != "cursor" for v in values]
            params.append(("cursor", _encode_cursor(offset + page_size)))
            host = self.headers.get("Host", "127.0.0.1")
            headers["Link"] = f'<http://{host}/api/models?{urlencode(params)}>; rel="next"'
        full = query.get("full", [""])[0] == "true"
        keys = LIST_DEFAULT_KEYS + (LIST_FULL_KEYS if full else ())
        body = [_project(m, expand, keys) for m in page]
        self._send_json(200, body, headers)

    def _model_info(self, rest: str, query: dict[str, list[str]], raw_query: str) -> None:
        model_id = rest.split("/revision/")[0]
        with self.state.lock:
            target = self.state.renames.get(model_id)
            model = self.state.models.get(model_id)
        if target is not None:
            location = f"/api/models/{target}" + (f"?{raw_query}" if raw_query else "")
            self._send_text(
                307, f"Temporary Redirect. Redirecting to {location}", {"Location": location}
            )
            return
        if model is None:
            if self.headers.get("authorization"):
                self._send_json(
                    404,
                    {"error": "Repository not found"},
                    {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
                )
            else:
                self._send_json(
                    401, {"error": NOT_FOUND_MESSAGE}, {"X-Error-Message": NOT_FOUND_MESSAGE}
                )
            return
        expand = query.get("expand", []) + query.get("expand[]", [])
        unknown = [e for e in expand if e not in KNOWN_EXPAND]
        if unknown:
            self._send_json(400, {"error": f'"expand" must be one of {sorted(KNOWN_EXPAND)}'})
            return
        if "childrenModelCount" in expand:
            model = {**model, "childrenModelCount": self._children_counts(model_id)}
        self._send_json(200, _project(model, expand, INFO_DEFAULT_KEYS))

    def _children_counts(self, model_id: str) -> dict[str, int]:
        """The model tree, as the Hub derives it: children tagged `base_model:<relation>:<id>`."""
        return {
            relation: len(self.state.candidates("", f"base_model:{relation}:{model_id}"))
            for relation in RELATIONS
        }

    # --- responses ------------------------------------------------------------------------

    def _count_request(self) -> tuple[int, int, int]:
        """Count this request in the window: (remaining, seconds to reset, quota).

        Remaining is -1 when the request is over the quota (and gets a 429).
        """
        state = self.state
        quota = state.quota or (
            TOKEN_QUOTA if self.headers.get("authorization") else ANONYMOUS_QUOTA
        )
        with state.lock:
            elapsed = time.monotonic() - state.window_start
            if elapsed >= state.window_seconds:
                state.window_start, state.window_used, elapsed = time.monotonic(), 0, 0.0
            state.window_used += 1
            remaining = quota - state.window_used
        reset = math.ceil(max(state.window_seconds - elapsed, 0))
        return max(remaining, -1), reset, quota

    def _rate_limit_headers(self) -> dict[str, str]:
        remaining, reset, quota = self._limit
        return {
            "RateLimit": f'"api";r={max(remaining, 0)};t={reset}',
            "RateLimit-Policy": f'"fixed window";"api";q={quota};w={self.state.window_seconds:g}',
        }

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body, separators=(",", ":")).encode()
        self._send(status, payload, "application/json; charset=utf-8", headers or {})

    def _send_text(self, status: int, text: str, headers: dict[str, str]) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8", headers)

    def _send(
        self, status: int, payload: bytes, content_type: str, headers: dict[str, str]
    ) -> None:
        """Headers, and the body unless the request was a HEAD."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Powered-By", "huggingface-moon")
        for name, value in {**self._rate_limit_headers(), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.write_body(payload)

    def write_body(self, payload: bytes) -> None:
        self.wfile.write(payload)


class FakeHub:
    """Runs the server in a daemon thread; use as a context manager.

    A subclass may serve with its own `state_type` and `handler_type` (the tests' faults)."""

    state_type: type[FakeHubState] = FakeHubState
    handler_type: type[Handler] = Handler

    def __init__(self, models: list[dict[str, Any]] | None = None, port: int = 0) -> None:
        self.state = self.state_type()
        if models:
            self.state.set_models(models)
        handler = type("BoundHandler", (self.handler_type,), {"state": self.state})
        self._server = _QuietServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        # `stop` waits for the serving loop's next poll: 0.5 s by default, for every fake Hub.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- query semantics --------------------------------------------------------------------------


def _select(models: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    author = query.get("author", [""])[0]
    search = query.get("search", [""])[0].lower()
    filters = query.get("filter", [])
    pipeline = query.get("pipeline_tag", [""])[0]
    gated = query.get("gated", [""])[0]
    out = []
    for model in models:
        if model.get("private"):
            continue
        if author and model["id"].split("/")[0].lower() != author.lower():
            continue
        if search and search not in model["id"].lower():
            continue
        if filters and not set(filters) <= set(model.get("tags") or []):
            continue
        if pipeline and model.get("pipeline_tag") != pipeline:
            continue
        if gated and (gated == "true") != bool(model.get("gated")):
            continue
        out.append(model)
    sort = query.get("sort", ["trendingScore"])[0]
    key = sort if sort in SORT_KEYS else "trendingScore"
    # Descending only, as on the Hub; the id breaks ties so pages are stable.
    out.sort(key=lambda m: m["id"])
    out.sort(key=lambda m: _sort_value(m.get(key)), reverse=True)
    return out


def _sort_value(value: Any) -> tuple[bool, Any]:
    """Missing or non-numeric values sort last (tests feed odd values on purpose)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (True, value)
    return (False, 0)


def _project(
    model: dict[str, Any], expand: list[str], default_keys: tuple[str, ...]
) -> dict[str, Any]:
    base = _with_derived(model)
    if expand:
        return {
            "_id": base["_id"],
            "id": base["id"],
            **{k: base.get(k) for k in expand if k in base},
        }
    return {k: base[k] for k in default_keys if k in base}


def _with_derived(model: dict[str, Any]) -> dict[str, Any]:
    out = {
        "private": False,
        "gated": False,
        "disabled": False,
        "tags": [],
        "siblings": [],
        "sha": _sha(model["id"]),
        **model,
    }
    out.setdefault("author", model["id"].split("/")[0])
    out.setdefault("modelId", model["id"])
    out.setdefault("_id", _object_id(model["id"], str(model.get("createdAt"))))
    return out


@functools.lru_cache(maxsize=100_000)
def _sha(model_id: str) -> str:
    return hashlib.sha1(model_id.encode()).hexdigest()


@functools.lru_cache(maxsize=100_000)
def _object_id(model_id: str, created_at: str) -> str:
    """A Mongo-style id whose first 4 bytes are the creation time, like the Hub's."""
    seconds = 0  # missing or malformed: a zero timestamp, as for very old repos
    with contextlib.suppress(ValueError):
        seconds = int(datetime.fromisoformat(str(created_at).replace("Z", "+00:00")).timestamp())
    return f"{seconds:08x}" + hashlib.md5(model_id.encode()).hexdigest()[:16]


def _int(text: str, default: int) -> int:
    try:
        return max(int(text), 1)
    except ValueError:
        return default


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        return 0
