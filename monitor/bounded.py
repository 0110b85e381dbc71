"""Work bounded as a whole: by a number of seconds, and by a stop request.

httpx's timeouts bound each read, so an answer trickled a byte at a time never times out, and a
blocking call can't be woken by a signal. Here the work (one GET of the collector, one file
read of a backfill) runs in a thread of its own; the caller waits for it at most the seconds it
has and looks at the stop event meanwhile. Work given up on is abandoned: a GET of `new_client`'s
stops reading at the next chunk (or at the read timeout) and the connection is dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx2

POLL_SECONDS = 0.05  # how often a request in flight looks for a stop request
Hook = Callable[[Any], None]
T = TypeVar("T")


class Abandoned(Exception):
    """The caller stopped waiting: the stop event was set, or the seconds ran out."""


def new_client(read_timeout: float, on_request: Hook, on_response: Hook) -> httpx2.Client:
    """A client whose GETs `call_bounded` can give up on: `read_timeout` on every read,
    redirects followed, hooks; pass the call's `cancel` event as the request's `cancel`
    extension."""
    return httpx2.Client(
        transport=_BoundedTransport(read_timeout),
        event_hooks={"request": [on_request], "response": [on_response]},
        follow_redirects=True,  # renamed models answer 307
    )


def call_bounded(
    work: Callable[[threading.Event], T], *, seconds: float, stop: threading.Event
) -> T:
    """`work(cancel)`'s result; `Abandoned` (and `cancel` set) when `stop` was set or `seconds`
    passed first. Errors of the work itself are raised here."""
    call = _Call(work)
    started = time.monotonic()
    call.start()
    while not call.done.wait(POLL_SECONDS):
        if stop.is_set() or time.monotonic() - started >= seconds:
            call.cancel.set()
            raise Abandoned
    if call.error is not None:
        raise call.error
    return call.value


class _BoundedTransport(httpx2.HTTPTransport):
    """Applies one timeout to every read (the Hub client's habit is `timeout=None`) and lets a
    request that was given up on stop reading its body at the next chunk."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = httpx2.Timeout(timeout).as_dict()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.extensions["timeout"] = self._timeout
        response = super().handle_request(request)
        cancel = request.extensions.get("cancel")
        if isinstance(cancel, threading.Event):
            response.stream = _CancellableStream(response.stream, cancel)
        return response


class _CancellableStream(httpx2.SyncByteStream):
    def __init__(self, stream: Any, cancel: threading.Event) -> None:
        self._stream = stream
        self._cancel = cancel

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if self._cancel.is_set():
                raise httpx2.ReadError("given up on by the caller")
            yield chunk

    def close(self) -> None:
        self._stream.close()


class _Call(threading.Thread):
    """One piece of work in a thread of its own, so the caller can stop waiting at any moment."""

    def __init__(self, work: Callable[[threading.Event], Any]) -> None:
        super().__init__(daemon=True, name="bounded-call")
        self.cancel = threading.Event()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self._work = work

    def run(self) -> None:
        try:
            self.value = self._work(self.cancel)
        except BaseException as exc:  # handed to the caller, who re-raises it
            self.error = exc
        finally:
            self.done.set()
