"""The app's own edge: what an anonymous client can reach, what it may send, how often, and what every answer says.

A pure ASGI layer around Gradio's whole app (``connections.hardened_uvicorn`` puts it there, inside
uvicorn and outside Gradio's own middleware), so streamed answers pass through unbuffered and nothing
Gradio adds can slip past it.

- Only the routes the victim page and the search API use are served (``ROUTES``: checked in a real
  browser); every other route Gradio adds (uploads, deep links, ``run/``, other ``call/``, openapi,
  queue status, monitoring, files other than the referral list) gets 404 before Gradio sees it.
- ``queue/join`` (and ``run/predict``, which the page's examples use) run only the page's own events,
  each with as many inputs as it takes; ``call/<name>`` only the public API (``search``).
- Bodies: at most ``body_bytes``, all of it within ``body_seconds``, JSON no deeper than ``json_depth``.
- One client address: at most ``client_at_once`` searches waiting or running, ``client_per_minute``
  started a minute; past either, 429. A client that goes away cancels its request.
- Every answer: no-store, nosniff, no referrer, CSP ``frame-ancestors 'none'`` and X-Frame-Options
  DENY; requests from another site's pages are refused and no CORS header is ever sent.
- Gradio's 422 answers (which echo the body) are replaced by a plain message.
"""

from __future__ import annotations

import json
import os
import re
from typing import Callable

import anyio

from assistant.web.clients import Clients, Limits, Refused  # noqa: F401 - Limits is part of the edge's interface
from assistant.web.nesting import too_deep

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
           (b"content-security-policy", CSP.encode()), (b"cross-origin-opener-policy", b"same-origin"),
           (b"cross-origin-resource-policy", b"same-origin"),
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
_REPLACED = {name for name, _ in HEADERS}
_ANY = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_ID = r"[\w-]{1,64}"
# (methods, path, kind). Kinds: page and static (no body); read and stream (no body, no work); join, predict,
# call, cancel (a JSON body, checked here); api (POST /api/search: a body it checks itself); file (the referral
# list the page offers for download).
ROUTES = [(re.compile(path), methods, kind) for methods, path, kind in [
    (("GET", "HEAD"), r"/", "page"),
    (("GET", "HEAD"), r"/(?:assets|static)/[\w./@-]+|/theme\.css|/favicon\.ico|/robots\.txt", "static"),
    (("GET",), r"/config|/gradio_api/info|/gradio_api/startup-events", "read"),
    (("GET",), rf"/gradio_api/queue/data|/gradio_api/heartbeat/{_ID}|/gradio_api/call/\w+/{_ID}", "stream"),
    (("POST",), r"/gradio_api/queue/join", "join"),
    (("POST",), r"/gradio_api/run/predict", "predict"),
    (("POST",), r"/gradio_api/call/\w+", "call"),
    (("POST",), r"/gradio_api/cancel", "cancel"),
    (("GET", "HEAD"), r"/gradio_api/file=(/[\w/.-]+)/[0-9a-f]{16,128}/referral-list\.md", "file"),
    (_ANY, r"/api/search", "api"),
]]
_BODY = {"join", "predict", "call", "cancel", "api"}
_WORK = {"join", "predict", "call", "api"}


def queued_in(demo) -> Callable[[str], int]:
    """Counts a client address's events waiting or running in a Gradio app's queue."""
    def count(host: str) -> int:
        queue = getattr(demo, "_queue", None)
        if queue is None:
            return 0
        events = [e for q in list(queue.event_queue_per_concurrency_id.values()) for e in list(q.queue)]
        events += [e for job in list(queue.active_jobs) if job for e in job]
        return sum(1 for e in events if getattr(getattr(e.request, "client", None), "host", None) == host)
    return count


def events_of(demo) -> dict[str, dict]:
    """What each checked route may run in a Gradio app, with the number of inputs each takes.

    ``join``: queued events by fn_index; ``predict``: events that skip the queue (the examples' loader)
    by fn_index; ``call``: the public API by name.
    """
    served = {index: fn for index, fn in demo.fns.items() if fn.fn is not None}
    return {"join": {i: len(fn.inputs) for i, fn in served.items() if fn.queue},
            "predict": {i: len(fn.inputs) for i, fn in served.items() if not fn.queue},
            "call": {fn.api_name: len(fn.inputs) for fn in served.values()
                     if fn.api_visibility == "public" and isinstance(fn.api_name, str)}}


class Edge:
    """ASGI middleware: the routes, bodies, rates and headers above. ``events``: see ``events_of``."""

    def __init__(self, app, limits: Limits, events: dict[str, dict], queued: Callable[[str], int] = lambda host: 0,
                 files: str | None = None):
        self.app, self.limits, self.events = app, limits, events
        # Gradio's cache folder, where the referral list waits to be downloaded (as named and as resolved)
        self.files = {files.rstrip("/"), os.path.realpath(files)} if files else set()
        self.clients = Clients(limits, queued)

    def __getattr__(self, name):  # Gradio reads attributes of the app it started (config.app)
        if name == "app":
            raise AttributeError(name)
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # the page uses none
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = {"replaced": False, "done": False}

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                if message["status"] == 422:
                    state["replaced"] = state["done"] = True  # Gradio's 422 quotes the body back: a plain message
                    await _refuse(send, Refused(422, "The request does not have the expected fields."))
                    return
                message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                      if k.lower() not in _REPLACED and not k.lower().startswith(b"access-control-")]
                message["headers"] += HEADERS
            elif state["replaced"]:
                return
            elif not message.get("more_body"):
                state["done"] = True
            await send(message)

        try:
            kind = self._route(scope)
            if kind not in _BODY:
                if kind == "page":
                    scope = {**scope, "query_string": b""}  # ?deep_link=... and the like are never read
                return await self.app(scope, receive, guarded_send)
            body = await self._body(scope, receive)
            if kind in ("join", "predict", "call", "cancel"):
                self._check(scope, kind, body)
            host = (scope.get("client") or ("",))[0]
            if kind in _WORK and scope["method"] == "POST":
                self.clients.start(host)
            else:
                host = None
        except Refused as refusal:
            return await _refuse(send, refusal)
        try:
            await _until_gone(self.app, scope, body, receive, guarded_send, state)
        finally:
            if host is not None:
                self.clients.done(host)

    def _route(self, scope) -> str:
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        if origin is not None and origin.split(b"://", 1)[-1] != headers.get(b"host"):
            raise Refused(403, "Requests from other sites are refused.")
        path, method = scope["path"], scope["method"]
        for pattern, methods, kind in ROUTES:
            match = pattern.fullmatch(path)
            if match and method in methods and ".." not in path and (kind != "file" or match[1] in self.files):
                if kind not in _BODY and (headers.get(b"content-length", b"0") != b"0"
                                          or b"transfer-encoding" in headers):
                    raise Refused(413, "This address takes no body.", close=True)
                return kind
        raise Refused(404, "Not found.", close=scope["method"] not in ("GET", "HEAD"))

    async def _body(self, scope, receive) -> bytes:
        limit = self.limits.body_bytes
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            raise Refused(413, f"The body is larger than {limit // 1024} KiB.", close=True)
        chunks, size = [], 0
        try:
            with anyio.fail_after(self.limits.body_seconds or None):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise Refused(400, "The request was not received whole.", close=True)
                    size += len(message.get("body", b""))
                    if size > limit:
                        raise Refused(413, f"The body is larger than {limit // 1024} KiB.", close=True)
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body"):
                        return b"".join(chunks)
        except TimeoutError:
            raise Refused(408, "The body came too slowly.", close=True) from None

    def _check(self, scope, kind: str, body: bytes) -> None:
        """A JSON object for queue/join, run/predict, call/<name> and cancel; the page's events with their inputs."""
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            raise Refused(415, "The body must be JSON: send the header content-type: application/json.")
        deep = too_deep(body, self.limits.json_depth)
        if deep:
            raise Refused(400, f"The JSON is {deep}.")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise Refused(400, "The body must be JSON.") from None
        if not isinstance(data, dict):
            raise Refused(400, "The body must be a JSON object.")
        if kind == "cancel":
            return
        if kind == "call":
            inputs = self.events["call"].get(scope["path"].rsplit("/", 1)[-1])
        else:
            index = data.get("fn_index")
            inputs = self.events[kind].get(index) if type(index) is int else None
            session = data.get("session_hash")
            if not isinstance(session, str) or not re.fullmatch(_ID, session):
                raise Refused(400, "A session_hash of letters and digits is needed.")
        if inputs is None:
            raise Refused(404, "Not found.")
        if not isinstance(data.get("data"), list) or len(data["data"]) != inputs:
            raise Refused(400, f'"data" must be a list of {inputs} value(s).')


async def _until_gone(app, scope, body: bytes, receive, send, state) -> None:
    """Run the app on the body read, and cancel it if the client goes away before its answer is sent."""
    gone = anyio.Event()
    delivered = False

    async def replay():
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async with anyio.create_task_group() as group:
        async def watch():
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            if not state["done"]:
                group.cancel_scope.cancel()  # nobody is waiting for the answer: stop the work

        group.start_soon(watch)
        await app(scope, replay, send)
        group.cancel_scope.cancel()


async def _refuse(send, refusal: Refused) -> None:
    body = json.dumps({"error": str(refusal)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *HEADERS]
    if refusal.close:
        headers.append((b"connection", b"close"))  # an unread body must not be taken for the next request
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
