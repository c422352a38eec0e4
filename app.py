"""The Gradio interface: a situation in, organisations that can help out, with the evidence.

Run ``python app.py`` (host and port from ASSISTANT_HOST / ASSISTANT_PORT or --host / --port; it binds
to 127.0.0.1 unless told otherwise). Importing this module starts nothing; ``build_demo`` makes the
interface for a loaded searcher and ``serve`` launches it with the hardened defaults, behind the app's
edge (``assistant/web/edge.py``: only the page's routes, capped bodies, per-client limits, security
headers) and, given the searcher, with the lean JSON route ``POST /api/search`` (``assistant/web/api.py``).
``python app.py --evaluator`` serves the Evaluator alone, on localhost only.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys

# Before Gradio is imported: it reads these once. Only the exact string "True" turns analytics on.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
from assistant.config import SERVING_THREADS  # noqa: E402 - light: before numpy and faiss are loaded

for _name, _value in SERVING_THREADS.items():
    os.environ.setdefault(_name, _value)

from typing import TYPE_CHECKING  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.retrieval.search import Searcher, open_searcher  # noqa: E402
from assistant.web import logfilter  # noqa: E402
from assistant.web.clients import Limits  # noqa: E402

if TYPE_CHECKING:
    import gradio as gr
# Gradio and the page (seconds of imports) load where the interface is built and served, after main() has
# checked the settings and loaded the searcher: a wrong setting, model or corpus is named at once.

QUEUE_SIZE = 64  # waiting searches; beyond this a person sees "This application is currently busy. Please try again."
CONCURRENCY = 4  # searches at once: two cores, and the model is the bottleneck


def build_demo(searcher: Searcher) -> gr.Blocks:
    """The interface over one loaded searcher."""
    from assistant.web.ui import build_blocks

    return build_blocks(searcher)


def serve(demo: gr.Blocks, host: str = "127.0.0.1", port: int | None = None, searcher: Searcher | None = None,
          limits: Limits | None = None, **launch):
    """Launch with the hardened defaults: bounded queue, no caching, no monitoring, no uploads, no error details.

    The whole app sits behind the edge with ``limits`` (from the environment when None), and no log
    record or printed traceback carries what a person typed (``assistant/web/logfilter.py``). With
    ``searcher``, ``POST /api/search`` (one request, one JSON answer) is served beside Gradio's routes,
    with the same bounds: CONCURRENCY searches at once, QUEUE_SIZE waiting.
    """
    from assistant.web.api import api_routes
    from assistant.web.connections import hardened_uvicorn
    from assistant.web.edge import Edge, events_of, queued_in
    from assistant.web.page import CSS, HEAD
    from assistant.web.ui import I18N

    limits = limits or Limits.from_env()
    routes = api_routes(searcher, CONCURRENCY, QUEUE_SIZE) if searcher is not None else []
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    logfilter.install()
    events = events_of(demo)

    def behind_the_edge(gradio_app):
        return Edge(gradio_app, limits, events, queued_in(demo), files=demo.GRADIO_CACHE)

    with hardened_uvicorn(behind_the_edge, limits.header_seconds, limits.client_connections):
        return demo.launch(server_name=host, server_port=port, show_error=False, enable_monitoring=False,
                           max_file_size=1, footer_links=[], ssr_mode=False, css=CSS, head=HEAD, i18n=I18N,
                           state_session_capacity=limits.state_sessions, app_kwargs={"routes": routes}, **launch)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the help finder.")
    parser.add_argument("--host", default=None, help="address to bind (ASSISTANT_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (ASSISTANT_PORT, default 7860)")
    parser.add_argument("--evaluator", action="store_true",
                        help="serve the Evaluator alone, on localhost only (default port: ASSISTANT_PORT + 1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(host=args.host, port=args.port)
        limits = Limits.from_env()
    except ValueError as error:
        sys.exit(f"error: a setting is not valid ({error}); check ASSISTANT_PORT, ASSISTANT_EVIDENCE, "
                 "ASSISTANT_MAX_CHARS and the limits in assistant/web/clients.py (ASSISTANT_CLIENT_..., "
                 "ASSISTANT_STATE_SESSIONS).")
    if args.evaluator and not _loopback(settings.host):
        sys.exit("error: the Evaluator runs on localhost only (a run costs seconds of CPU); "
                 "leave ASSISTANT_HOST and --host unset, or use `assistant evaluate`.")
    from assistant.corpus.parse import CorpusError
    from assistant.index.embedders import ModelError
    from assistant.index.store import IndexProblem

    try:
        searcher = open_searcher(settings, say=logging.getLogger("assistant").info)
    except (CorpusError, ModelError, IndexProblem) as error:
        sys.exit(f"error: {error}")
    if args.evaluator:
        from assistant.web.ui import build_evaluator

        serve(build_evaluator(searcher), settings.host, args.port or settings.port + 1, limits=limits)
    else:
        serve(build_demo(searcher), settings.host, settings.port, searcher=searcher, limits=limits)


if __name__ == "__main__":
    main()
