"""Before a request exists: how long a connection may take over its headers, and how many one client may hold.

uvicorn (which Gradio starts) has no deadline for a request's headers: a client that opens connections
and sends a byte now and then keeps each one forever. ``GuardedH11`` is uvicorn's own HTTP/1.1 protocol
with a deadline from the moment a connection opens, or a response ends, until the next request's headers
are complete, and a cap on the connections open from one address. ``hardened_uvicorn`` makes Gradio's
``launch`` start uvicorn with it, its settings, and the app wrapped in the edge (``assistant/web/edge.py``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Callable, Iterator

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

KEEP_ALIVE_SECONDS = 5  # an idle connection between requests
MAX_HEADER_BYTES = 16 * 1024  # request line and headers together


class GuardedH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a header deadline and a per-address connection cap."""

    header_seconds: float = 10.0
    per_client: int = 32
    open_by_client: collections.Counter = collections.Counter()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._host = self.client[0] if self.client else ""
        self._counted = not self.per_client or self.open_by_client[self._host] < self.per_client
        if not self._counted:
            transport.close()  # past the cap: closed before a byte is read
            return
        self.open_by_client[self._host] += 1
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_counted", False):
            self._counted = False
            self.open_by_client[self._host] -= 1
            if self.open_by_client[self._host] <= 0:
                del self.open_by_client[self._host]
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        waiting_for = self.cycle
        super().data_received(data)
        if self._deadline is not None and self.cycle is not waiting_for:
            self._cancel_deadline()  # a new request's headers are complete

    def on_response_complete(self) -> None:
        finished = self.cycle
        super().on_response_complete()
        if self.cycle is finished and not self.transport.is_closing():
            self._await_headers()  # the next request on this connection gets its own deadline

    def _await_headers(self) -> None:
        self._cancel_deadline()
        if self.header_seconds > 0:
            self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def guarded_protocol(header_seconds: float, per_client: int) -> type[GuardedH11]:
    """A ``GuardedH11`` with these limits and its own count of open connections."""
    return type("GuardedH11", (GuardedH11,), {"header_seconds": header_seconds, "per_client": per_client,
                                              "open_by_client": collections.Counter()})


@contextlib.contextmanager
def hardened_uvicorn(wrap: Callable, header_seconds: float, per_client: int) -> Iterator[None]:
    """While inside, a uvicorn server that Gradio starts serves ``wrap(app)`` with the guarded protocol.

    Gradio builds ``uvicorn.Config`` itself and offers no way to pass settings, so ``uvicorn.Config`` is
    replaced for the length of ``launch`` only.
    """
    original = uvicorn.Config

    def config(app, **settings):
        settings.update(http=guarded_protocol(header_seconds, per_client), timeout_keep_alive=KEEP_ALIVE_SECONDS,
                        h11_max_incomplete_event_size=MAX_HEADER_BYTES, server_header=False)
        return original(wrap(app), **settings)

    uvicorn.Config = config
    try:
        yield
    finally:
        uvicorn.Config = original
