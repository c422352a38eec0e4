"""A lean JSON route beside the Gradio app: ``POST /api/search``, one request, one JSON answer.

Gradio's own API is two requests (``POST /gradio_api/call/search``, then an event stream) and its
queue; that costs several milliseconds per search by itself. This route answers in one round trip:

    curl -X POST http://127.0.0.1:7860/api/search -H 'content-type: application/json' \\
         -d '{"situation": "my daughter was abused", "top_k": 3}'

It returns the same JSON object as the ``search`` endpoint and ``assistant search --json``
(``render.answer_json``). Bad input gets a 4xx with ``{"error": "<plain message>"}``, never a
traceback. The situation travels in the POST body only, and nothing of it is logged or kept: errors
are logged by type alone. Searches run in worker threads (the model releases the GIL), at most
``concurrency`` at once with at most ``waiting`` more in line; past that the route answers 503 "busy".
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from assistant.retrieval.search import Searcher
from assistant.web.nesting import too_deep
from assistant.web.render import answer_json
from assistant.web.texts import SORRY_TEXT

try:
    import orjson

    def _dumps(data: Any) -> bytes:
        return orjson.dumps(data)
except ImportError:  # pragma: no cover - Gradio depends on orjson
    def _dumps(data: Any) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

log = logging.getLogger(__name__)
PATH = "/api/search"
MAX_BODY = 64 * 1024  # bytes of JSON; a situation is cut to ASSISTANT_MAX_CHARS anyway
MAX_TOP_K = 100
FIELDS = frozenset({"situation", "top_k"})
BUSY = "The service is busy. Please try again in a moment. If you are in danger now, call 112."


class BadRequest(ValueError):
    """Input the route refuses, with the HTTP status and a plain message for the caller."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def reply(data: Any, status: int = 200) -> Response:
    return Response(_dumps(data), status_code=status, media_type="application/json")


def parse(body: bytes) -> tuple[str, int | None]:
    """The situation and top_k from a request body, or BadRequest saying what is wrong."""
    deep = too_deep(body)
    if deep:  # measured first: parsing it would raise RecursionError
        raise BadRequest(f'The JSON is {deep}; send {{"situation": "what happened"}}.')
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest('The body must be JSON, for example {"situation": "what happened"}.') from None
    if not isinstance(data, dict):
        raise BadRequest('The body must be a JSON object, for example {"situation": "what happened"}.')
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)[:200]}. Send only situation and top_k.")
    situation = data.get("situation")
    if not isinstance(situation, str):
        raise BadRequest('"situation" is required and must be a string.')
    top_k = data.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K):
        raise BadRequest(f'"top_k" must be a whole number from 1 to {MAX_TOP_K}, or left out for all.')
    return situation, top_k


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The whole body, refusing (413) as soon as it passes ``limit`` bytes, whatever Content-Length says."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The body is larger than {limit // 1024} KiB.", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The body is larger than {limit // 1024} KiB.", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def api_routes(searcher: Searcher, concurrency: int = 4, waiting: int = 64) -> list[Route]:
    """The JSON search route over one loaded searcher, to pass as FastAPI/Starlette ``routes=``."""
    limiter = anyio.CapacityLimiter(concurrency)
    evidence = searcher.settings.evidence
    bound = 4 * searcher.settings.max_chars  # as the interface: the searcher cuts and says so; this bounds work
    in_line = 0

    def answer(situation: str, top_k: int | None) -> bytes:
        return _dumps(answer_json(searcher.search(situation[:bound], top_k=top_k), evidence=evidence))

    async def search(request: Request) -> Response:
        nonlocal in_line
        try:
            if request.url.query:
                raise BadRequest("Send the situation in the JSON body, never in the address.")
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise BadRequest("The body must be JSON: send the header content-type: application/json.", 415)
            situation, top_k = parse(await read_body(request))
        except BadRequest as error:
            return reply({"error": str(error)}, error.status)
        except ClientDisconnect:
            return reply({"error": "The request was not received whole."}, 400)
        if in_line >= concurrency + waiting:
            return reply({"error": BUSY}, 503)
        in_line += 1
        try:
            body = await anyio.to_thread.run_sync(answer, situation, top_k, limiter=limiter)
        except Exception as error:  # noqa: BLE001 - a caller gets a plain message, never a traceback
            log.error("api search failed: %s", type(error).__name__)  # the type only: messages can quote input
            return reply({"error": SORRY_TEXT}, 500)
        finally:
            in_line -= 1
        return Response(body, media_type="application/json")

    async def wrong_method(request: Request) -> Response:
        return reply({"error": f"Use POST {PATH} with a JSON body."}, 405)

    return [Route(PATH, search, methods=["POST"]),
            Route(PATH, wrong_method, methods=["GET", "PUT", "PATCH", "DELETE"])]
