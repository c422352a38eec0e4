"""The Gradio interface: a situation in, organisations that can help out, with the evidence.

Run ``python app.py`` (host and port from ASSISTANT_HOST / ASSISTANT_PORT or --host / --port; it binds
to 127.0.0.1 unless told otherwise). Importing this module starts nothing; ``build_demo`` makes the
interface for a loaded searcher and ``serve`` launches it with the hardened defaults and, given the
searcher, the lean JSON route ``POST /api/search`` on the same server (``assistant/api.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

# Before Gradio is imported: it reads these once. Only the exact string "True" turns analytics on.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from assistant.api import api_routes  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.page import CSS, HEAD  # noqa: E402
from assistant.search import Searcher, open_searcher  # noqa: E402
from assistant.ui import build_blocks  # noqa: E402

QUEUE_SIZE = 64  # waiting searches; beyond this a person sees "This application is currently busy. Please try again."
CONCURRENCY = 4  # searches at once: two cores, and the model is the bottleneck
# Gradio keeps a copy of the page state (~90 KiB) for every session, each API call included, up to
# 10 000 by default (about 1 GB). The oldest go first; a lost one only drops the referral's evidence.
STATE_SESSIONS = 256
_HEADERS = [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer")]


class NoStore:
    """ASGI middleware: no browser or proxy keeps a copy of any response, and no address leaks onwards.

    Pure ASGI rather than BaseHTTPMiddleware, so streamed (SSE) responses pass through unbuffered.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in _HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def build_demo(searcher: Searcher) -> gr.Blocks:
    """The interface over one loaded searcher."""
    return build_blocks(searcher)


def serve(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = None, searcher: Searcher | None = None,
          **launch):
    """Launch with the hardened defaults: bounded queue, no caching, no monitoring, no uploads, no error details.

    With ``searcher``, ``POST /api/search`` (one request, one JSON answer) is served beside Gradio's routes,
    with the same bounds: CONCURRENCY searches at once, QUEUE_SIZE waiting.
    """
    routes = api_routes(searcher, CONCURRENCY, QUEUE_SIZE) if searcher is not None else []
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    return demo.launch(server_name=host, server_port=port, show_error=False, enable_monitoring=False,
                       max_file_size=1, footer_links=[], ssr_mode=False, css=CSS, head=HEAD,
                       state_session_capacity=STATE_SESSIONS,
                       app_kwargs={"middleware": [Middleware(NoStore)], "routes": routes}, **launch)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the help finder.")
    parser.add_argument("--host", default=None, help="address to bind (ASSISTANT_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (ASSISTANT_PORT, default 7860)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(host=args.host, port=args.port)
    except ValueError as error:
        sys.exit(f"error: a setting that must be a whole number is not ({error}); "
                 "check ASSISTANT_PORT, ASSISTANT_EVIDENCE and ASSISTANT_MAX_CHARS.")
    from assistant.corpus import CorpusError
    from assistant.embedder import ModelError
    from assistant.index import IndexProblem

    try:
        searcher = open_searcher(settings, say=logging.getLogger("assistant").info)
    except (CorpusError, ModelError, IndexProblem) as error:
        sys.exit(f"error: {error}")
    serve(build_demo(searcher), settings.host, settings.port, searcher=searcher)


if __name__ == "__main__":
    main()
