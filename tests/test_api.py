"""The lean JSON route, POST /api/search: on the real server beside Gradio, and its logic with fakes."""

from __future__ import annotations

import json
import logging
import threading
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from assistant.config import Settings
from assistant.types import Answer
from assistant.web import api
from assistant.web.texts import SORRY_TEXT

SECRET = "quokkaberry"
JSON = {"content-type": "application/json"}
BAD = [  # (body, headers, status): each must get a plain {"error": ...}
    (b"not json", JSON, 400),
    (b"[1, 2]", JSON, 400),
    (b"{}", JSON, 400),
    (b'{"situation": 3}', JSON, 400),
    (b'{"situation": null}', JSON, 400),
    (b'{"situation": "x", "top_k": 0}', JSON, 400),
    (b'{"situation": "x", "top_k": "3"}', JSON, 400),
    (b'{"situation": "x", "top_k": true}', JSON, 400),
    (b'{"situation": "x", "top_k": 2.5}', JSON, 400),
    (b'{"situation": "x", "top-k": 2}', JSON, 400),
    (b"\xff\xfe{", JSON, 400),
    (b'{"situation": "x"}', {"content-type": "text/plain"}, 415),
    (b'{"situation": "x"}', {}, 415),
    (json.dumps({"situation": "help " * 20000}).encode(), JSON, 413),
    (b"[" * 1000 + b"]" * 1000, JSON, 400),  # 2 KB nested 1000 deep: was a RecursionError and a 500
    (b'{"situation": "x", "top_k": ' + b"[" * 30000 + b"]" * 30000 + b"}", JSON, 400),
]


def assert_plain_error(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text and "File \"" not in response.text


# --- the real app: real model, real index, real server ------------------------------------------------

@pytest.fixture(scope="module")
def server(served):
    return served[1].rstrip("/")


def two_step(url: str, text: str) -> dict:
    """The same search through Gradio's two-step protocol."""
    with httpx.Client(base_url=url + "/gradio_api", timeout=60) as http:
        event_id = http.post("/call/search", json={"data": [text]}).json()["event_id"]
        event = None
        with http.stream("GET", f"/call/search/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "complete":
                    return json.loads(line.split(":", 1)[1])[0]
    raise AssertionError(f"no complete event (last event {event})")


@pytest.mark.slow
def test_child_house_first_and_same_as_the_two_step_protocol(server):
    response = httpx.post(server + "/api/search", json={"situation": "my daughter was abused"}, timeout=60)
    assert response.status_code == 200
    answer = response.json()
    assert answer["results"][0]["id"] == "lt-child-house"
    assert answer["results"][0]["name"] == "Child House" and answer["results"][0]["passages"]
    assert answer == two_step(server, "my daughter was abused")


@pytest.mark.slow
def test_top_k_urgent_and_empty(server):
    with httpx.Client(base_url=server, timeout=60) as http:
        three = http.post("/api/search", json={"situation": "my daughter was abused", "top_k": 3}).json()
        assert three["results"][0]["id"] == "lt-child-house" and len(three["results"]) == 3
        urgent = http.post("/api/search", json={"situation": "he is hitting me right now"}).json()
        assert urgent["urgent"] is True and urgent["urgent_reason"]
        empty = http.post("/api/search", json={"situation": "   "})
        assert empty.status_code == 200 and empty.json()["message"] and empty.json()["results"] == []
        long = http.post("/api/search", json={"situation": "help after an assault " * 2000}).json()
        assert long["truncated"] is True


@pytest.mark.slow
@pytest.mark.parametrize("body, headers, status", BAD)
def test_bad_input_gets_a_plain_4xx(server, body, headers, status):
    response = httpx.post(server + "/api/search", content=body, headers=headers, timeout=60)
    assert_plain_error(response, status)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.slow
def test_situation_never_in_the_address_and_post_only(server):
    assert_plain_error(httpx.post(server + "/api/search?situation=abuse", json={"situation": "abuse"}), 400)
    assert_plain_error(httpx.get(server + "/api/search"), 405)


@pytest.mark.slow
def test_no_store_headers_and_gradio_still_whole(server):
    response = httpx.post(server + "/api/search", json={"situation": "my son was abused"}, timeout=60)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    page = httpx.get(server + "/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    info = httpx.get(server + "/gradio_api/info").json()
    assert list(info["named_endpoints"]) == ["/search"]  # the route is beside Gradio's API, not in it
    assert httpx.get(server + "/config").json()["components"]


@pytest.mark.slow
def test_concurrent_requests_all_answer(server):
    """Twelve people at once, each from an address of their own (one address may run 4: tests/test_edge.py)."""
    results: list[int] = []

    def one(i: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{20 + i}")
        with httpx.Client(transport=transport, timeout=60) as http:
            r = http.post(server + "/api/search", json={"situation": f"someone stole my wallet {i}"})
        results.append(r.status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 12


@pytest.mark.slow
def test_no_query_text_in_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    httpx.post(server + "/api/search", json={"situation": f"{SECRET} he threatens to kill me"}, timeout=60)
    httpx.post(server + "/api/search", content=f'{{"situation": "{SECRET}", "{SECRET}": 1}}',
               headers=JSON, timeout=60)
    logging.getLogger("assistant").debug("capture works")
    assert "capture works" in caplog.text and SECRET not in caplog.text


# --- the route's logic, with fakes ---------------------------------------------------------------------

class FakeSearcher:
    """Answers at once (or after ``delay``), or raises when told to; remembers its calls."""

    def __init__(self, delay: float = 0.0, fail: bool = False):
        self.settings = Settings(max_chars=10)
        self.delay, self.fail, self.calls = delay, fail, []

    def search(self, text, top_k=None, mode=None):
        self.calls.append((text, top_k))
        if self.fail:
            raise RuntimeError(f"boom: {text}")
        time.sleep(self.delay)
        return Answer(query=text)


def client(searcher, **kwargs) -> TestClient:
    return TestClient(Starlette(routes=api.api_routes(searcher, **kwargs)), raise_server_exceptions=False)


@pytest.mark.parametrize("body", [b"{", b"3", b'"x"', b'{"situation": []}', b'{"situation": "x", "top_k": 101}',
                                  b"[" * 1000 + b"]" * 1000, b'{"situation": "x", "top_k": ' + b"[" * 999,
                                  b'{"situation": "x", "top_k": -1}', b'{"situation": "x", "extra": 1}'])
def test_parse_refuses(body):
    with pytest.raises(api.BadRequest) as refused:
        api.parse(body)
    assert refused.value.status == 400 and str(refused.value)


def test_parse_accepts():
    assert api.parse(b'{"situation": "help"}') == ("help", None)
    assert api.parse(b'{"situation": "help", "top_k": 5}') == ("help", 5)
    assert api.parse(b'{"situation": "help", "top_k": null}') == ("help", None)


def test_passes_situation_and_top_k_and_bounds_the_text():
    fake = FakeSearcher()
    response = client(fake).post("/api/search", json={"situation": "y" * 1000, "top_k": 2})
    assert response.status_code == 200 and response.json()["query"] == "y" * 40
    assert fake.calls == [("y" * 40, 2)]  # 4 x max_chars, as the interface bounds it


def test_a_failing_search_is_a_plain_500_without_the_text(caplog):
    caplog.set_level(logging.DEBUG)
    response = client(FakeSearcher(fail=True)).post("/api/search", json={"situation": SECRET})
    assert response.status_code == 500 and response.json() == {"error": SORRY_TEXT}
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text and SECRET not in response.text


def test_a_body_over_the_limit_is_refused_even_without_content_length():
    def chunks():
        for _ in range(80):
            yield b"x" * 1024

    response = client(FakeSearcher()).post("/api/search", content=chunks(), headers=JSON)
    assert_plain_error(response, 413)


def test_busy_past_the_line():
    fake = FakeSearcher(delay=0.5)
    statuses: list[int] = []
    with client(fake, concurrency=1, waiting=0) as http:  # one event loop for every thread's requests
        def one():
            statuses.append(http.post("/api/search", json={"situation": "x"}).status_code)

        threads = [threading.Thread(target=one) for _ in range(3)]
        for t in threads:
            t.start()
            time.sleep(0.05)
        for t in threads:
            t.join()
    assert sorted(statuses) == [200, 503, 503]
