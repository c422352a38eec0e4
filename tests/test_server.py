"""The real server with its hardened defaults, checked over HTTP and with gradio_client."""

from __future__ import annotations

import json
import logging
import os
import threading
import time

import httpx
import pytest

import app
from assistant.config import Settings
from assistant.web.clients import Limits

from .conftest import free_port

pytestmark = pytest.mark.slow
SECRET = "quokkaberry"



@pytest.fixture(scope="module")
def server(served):
    return served


def call(url: str, name: str, data: list) -> tuple[httpx.Response, str, object]:
    """Gradio's two-step call: POST the input, then read the event stream until the result."""
    with httpx.Client(base_url=url.rstrip("/") + "/gradio_api", timeout=60) as http:
        posted = http.post(f"/call/{name}", json={"data": data})
        posted.raise_for_status()
        event = None
        with http.stream("GET", f"/call/{name}/{posted.json()['event_id']}") as stream:
            assert stream.headers["cache-control"] == "no-store"
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return posted, event, json.loads(line.split(":", 1)[1])
    raise AssertionError("no result")


def test_search_endpoint_contract_through_gradio_client(server):
    from gradio_client import Client

    _, url = server
    client = Client(url, verbose=False)
    data = client.predict("he is hitting me right now", api_name="/search")
    assert data["urgent"] is True and data["urgent_reason"]
    assert data["results"][0]["name"] and data["results"][0]["passages"]
    calm = client.predict(situation="Who pays my hospital bills after I was assaulted?", api_name="/search")
    assert calm["urgent"] is False and calm["results"]
    assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == ["/search"]


def test_only_search_is_in_the_api_info(server):
    _, url = server
    info = httpx.get(url + "gradio_api/info").json()
    assert list(info["named_endpoints"]) == ["/search"] and not info["unnamed_endpoints"]
    everything = httpx.get(url + "gradio_api/info", params={"all_endpoints": "true"}).json()
    assert list(everything["named_endpoints"]) == ["/search"]


def test_every_response_says_no_store(server):
    _, url = server
    for path in ("", "config", "gradio_api/info", "theme.css", "favicon.ico"):
        response = httpx.get(url + path)
        assert response.headers.get("cache-control") == "no-store", path
        assert response.headers.get("referrer-policy") == "no-referrer", path
    posted, event, data = call(url, "search", ["my son was abused"])
    assert posted.headers["cache-control"] == "no-store"
    assert event == "complete" and data[0]["results"]


def test_hardened_defaults(server, monkeypatch):
    demo, url = server
    assert url.startswith("http://127.0.0.1:")
    for name in ("ASSISTANT_HOST", "ASSISTANT_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env().host == "127.0.0.1"
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False" and demo.analytics_enabled is False
    assert demo._queue.max_size == app.QUEUE_SIZE and demo._queue.default_concurrency_limit == app.CONCURRENCY
    assert demo.state_session_capacity == Limits().state_sessions == 256  # per-session copies of the page are bounded
    assert httpx.get(url + "monitoring").status_code in (401, 403, 404)
    upload = httpx.post(url + "gradio_api/upload", files={"files": ("a.txt", b"x" * 4096)})
    assert upload.status_code >= 400
    config = httpx.get(url + "config").json()
    boxes = [c["props"] for c in config["components"] if c.get("props", {}).get("elem_id") == "situation"]
    # Pasted text is never cut silently in the browser: no maxlength on the box; a live count warns near
    # the limit (data-max), and the server cuts to max_chars and says so.
    assert boxes and not boxes[0].get("max_length")
    assert f'data-max="{Settings().max_chars}"' in json.dumps(config).replace('\\"', '"')
    assert "flagging" not in json.dumps(config).lower() or "flag" not in [c["type"] for c in config["components"]]


def test_long_input_is_cut_on_the_server_too(server):
    _, url = server
    # 44 KB: past ASSISTANT_MAX_CHARS (4000) ten times, within the edge's 64 KiB body cap (tests/test_edge.py).
    _, event, data = call(url, "search", ["help after an assault " * 2000])
    assert event == "complete" and data[0]["truncated"] is True


def test_no_query_text_in_logs_during_real_requests(server, caplog):
    from gradio_client import Client

    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    _, url = server
    Client(url, verbose=False).predict(f"{SECRET} he threatens to kill me", api_name="/search")
    call(url, "search", [f"{SECRET} my daughter was trafficked"])
    logging.getLogger("assistant").debug("capture works")
    assert "capture works" in caplog.text and SECRET not in caplog.text


class _SlowSearcher:
    """Stands in for the searcher to fill the queue: each search takes a second."""

    def __init__(self, real):
        self.index, self.settings = real.index, real.settings

    def search(self, text, top_k=None):
        from assistant.types import Answer

        time.sleep(1.0)
        return Answer(query=str(text))


def test_a_full_queue_answers_busy_not_a_crash(real_searcher, monkeypatch):
    monkeypatch.setattr(app, "QUEUE_SIZE", 1)
    monkeypatch.setattr(app, "CONCURRENCY", 1)
    demo = app.build_demo(_SlowSearcher(real_searcher))
    _, url, _ = app.serve(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        statuses, threads = [], []
        for _ in range(4):
            def post():
                response = httpx.post(url + "gradio_api/call/search", json={"data": ["x"]}, timeout=30)
                statuses.append((response.status_code, response.text))
            threads.append(threading.Thread(target=post))
            threads[-1].start()
        for thread in threads:
            thread.join()
        busy = [text for code, text in statuses if code == 503]
        assert busy and "Queue is full" in busy[0]
        assert any(code == 200 for code, _ in statuses)
    finally:
        demo.close()
