"""Faults for the fake Hub, test-only: a Hub that fails on purpose, switched per request path.

`FaultyHub` serves like `monitor.fakehub.FakeHub` until a test appends a `Fault` to
`state.faults`; the runtime package (the demo, `python -m monitor.fakehub`) never sees them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from monitor.fakehub import FakeHub, FakeHubState
from monitor.fakehub.server import Handler


@dataclass
class Fault:
    """A switchable failure: requests whose path contains `path_contains` get it.

    kind "status" answers `status` with `headers`/`body`; "hang" waits `seconds` (or until
    `release` is set) before answering normally; "reset" closes the connection without an
    answer; "truncate" sends the headers and half of the body, then closes (a reset mid-page);
    "garbage" sends a 200 whose body is not JSON; "trickle" answers `status` with `body` one
    byte every `seconds` (an answer that never quite stalls); "drip" sends the real answer's
    body one byte every `seconds` until `release` is set. `times` limits how many requests are
    hit (None: all).
    """

    path_contains: str
    kind: str = "status"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"error":"Service Unavailable"}'
    seconds: float = 0.0
    times: int | None = None
    hits: int = 0
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class FaultyState(FakeHubState):
    faults: list[Fault] = field(default_factory=list)

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path_contains in path and (
                    fault.times is None or fault.hits < fault.times
                ):
                    fault.hits += 1
                    return fault
        return None


class FaultyHandler(Handler):
    state: FaultyState
    drip: Fault | None = None

    def answer_early(self) -> bool:
        """Carry out this request's fault; True when it has been fully answered (or dropped)."""
        fault = self.state.take_fault(self.path)
        self.drip = None
        if fault is None:
            return False
        if fault.kind == "hang":
            fault.release.wait(fault.seconds)
            return False
        if fault.kind == "drip":
            self.drip = fault
            return False
        if fault.kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if fault.kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", "4096")
            self.end_headers()
            self.wfile.write(b'[{"_id":"0","id":"')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if fault.kind == "trickle":
            payload = fault.body.encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.flush()
            for byte in payload:
                time.sleep(fault.seconds)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            return True
        if fault.kind == "garbage":
            self._send(200, b"<html>upstream error</html>", "application/json; charset=utf-8", {})
            return True
        self._send(
            fault.status, fault.body.encode(), "application/json; charset=utf-8", fault.headers
        )
        return True

    def write_body(self, payload: bytes) -> None:
        if self.drip is None:
            super().write_body(payload)
            return
        self.wfile.flush()  # the headers go out whole: only the body is slow
        for byte in payload:
            if self.drip.release.wait(self.drip.seconds):
                self.close_connection = True  # the test is over: stop holding the reader
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()


class FaultyHub(FakeHub):
    """The fake Hub with `state.faults` switched on."""

    state_type = FaultyState
    handler_type = FaultyHandler
    state: FaultyState
