"""Per client address: the edge's limits, and what each address has running and has started this minute.

A client is its address as uvicorn reports it (behind a proxy on the same machine, the address in
``X-Forwarded-For``). Several people behind one address share its limits, which are set for one
person's use of the page: a search at a time, now and then.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

from assistant.web.nesting import MAX_DEPTH

BUSY = "Too many searches from your connection. Please wait a minute. If you are in danger now, call 112."


@dataclass(frozen=True)
class Limits:
    """The server's limits. Environment: ASSISTANT_BODY_SECONDS, ASSISTANT_HEADER_SECONDS,
    ASSISTANT_CLIENT_AT_ONCE, ASSISTANT_CLIENT_PER_MINUTE, ASSISTANT_CLIENT_CONNECTIONS (0: that limit is off),
    ASSISTANT_STATE_SESSIONS."""

    body_bytes: int = 64 * 1024  # as POST /api/search and nginx: a situation is a few thousand characters
    body_seconds: float = 10.0
    header_seconds: float = 10.0
    client_at_once: int = 4
    client_per_minute: int = 120
    client_connections: int = 32
    json_depth: int = MAX_DEPTH
    # Gradio keeps a copy of the page state (~90 KiB) for every session, each API call included, up to
    # 10 000 by default (about 1 GB). The oldest go first; a lost one only drops the referral's evidence.
    state_sessions: int = 256

    @classmethod
    def from_env(cls, env=os.environ) -> "Limits":
        names = {"body_seconds": "ASSISTANT_BODY_SECONDS", "header_seconds": "ASSISTANT_HEADER_SECONDS",
                 "client_at_once": "ASSISTANT_CLIENT_AT_ONCE", "client_per_minute": "ASSISTANT_CLIENT_PER_MINUTE",
                 "client_connections": "ASSISTANT_CLIENT_CONNECTIONS", "state_sessions": "ASSISTANT_STATE_SESSIONS"}
        given = {field: type(getattr(cls, field))(env[name]) for field, name in names.items() if env.get(name)}
        if given.get("state_sessions", 1) < 1:
            raise ValueError("ASSISTANT_STATE_SESSIONS must be at least 1 (the page states Gradio keeps).")
        return cls(**given)


class Refused(Exception):
    """A request the edge answers itself: the HTTP status and a plain message (``close``: end the connection)."""

    def __init__(self, status: int, message: str, close: bool = False):
        super().__init__(message)
        self.status, self.close = status, close


class Clients:
    """Per address: searches in the app now, and a bucket of ``per_minute`` starts that refills evenly."""

    def __init__(self, limits: Limits, queued: Callable[[str], int]):
        self.at_once, self.per_minute, self.queued = limits.client_at_once, limits.client_per_minute, queued
        self.running: dict[str, int] = {}
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when counted)

    def start(self, host: str) -> None:
        """Count one search for ``host``, or Refused (429) when it has too many."""
        if self.at_once and self.running.get(host, 0) + self.queued(host) >= self.at_once:
            raise Refused(429, BUSY)
        if self.per_minute:
            now = time.monotonic()
            tokens, then = self.buckets.get(host, (self.per_minute, now))
            tokens = min(self.per_minute, tokens + (now - then) * self.per_minute / 60)
            if tokens < 1:
                raise Refused(429, BUSY)
            if len(self.buckets) > 10_000:  # forget addresses whose buckets have refilled
                refill = self.per_minute / 60
                for old in [h for h, (t, w) in self.buckets.items() if t + (now - w) * refill >= self.per_minute]:
                    del self.buckets[old]
            self.buckets[host] = (tokens - 1, now)
        self.running[host] = self.running.get(host, 0) + 1

    def done(self, host: str) -> None:
        self.running[host] -= 1
        if not self.running[host]:
            del self.running[host]
