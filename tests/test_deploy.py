"""deploy/nginx.conf.template: the same limits as the app's edge, and nginx really enforces them.

Debian's nginx runs the template on loopback in front of a stub upstream that answers 200 to anything
(and sends a CORS header and its own X-Frame-Options, as an app might), so each refusal can be told
apart from an answer, and the stub shows what nginx let through. The header and body timeouts are
shortened to 1 s in this copy (the template's 10 s are checked against the edge's). Skipped when nginx
is missing, except in CI (``make test`` installs it).
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time

import httpx
import pytest

from assistant.web import edge
from assistant.web.clients import Limits

from .conftest import ROOT, free_port

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HEX = "5d7b37a72abff0748d1fe15b3b694ea6271f079bb70d224c700d8f360d0556c1"
SERVED = [("GET", "/"), ("HEAD", "/"), ("GET", "/assets/Index-lnVPVsWk.js"), ("GET", "/static/fonts/a/b.woff2"),
          ("GET", "/theme.css"), ("GET", "/favicon.ico"), ("GET", "/config"), ("GET", "/gradio_api/info"),
          ("GET", "/gradio_api/queue/data"), ("GET", "/gradio_api/heartbeat/ab12cd"),
          ("GET", "/gradio_api/call/search/4f0c9e"), ("GET", f"/gradio_api/file=/tmp/gradio/{HEX}/referral-list.md"),
          ("POST", "/gradio_api/queue/join"), ("POST", "/gradio_api/run/predict"), ("POST", "/gradio_api/call/search"),
          ("POST", "/gradio_api/cancel"), ("POST", "/api/search")]
BODIES = {"/gradio_api/queue/join": {"fn_index": 2, "data": ["x", [], []], "session_hash": "ab12"},
          "/gradio_api/run/predict": {"fn_index": 1, "data": [0], "session_hash": "ab12"},
          "/gradio_api/call/search": {"data": ["x"]}, "/api/search": {"situation": "x"},
          "/gradio_api/cancel": {"session_hash": "ab12", "fn_index": 2, "event_id": "e"}}
REFUSED = [("POST", "/gradio_api/run/evaluate"), ("POST", "/gradio_api/run/find_help"), ("POST", "/gradio_api/upload"),
           ("POST", "/gradio_api/call/find_help"), ("POST", "/gradio_api/call/v2/search"),
           ("POST", "/gradio_api/api/search"),
           ("GET", "/gradio_api/deep_link"), ("GET", "/gradio_api/openapi.json"), ("GET", "/openapi.json"),
           ("GET", "/gradio_api/queue/status"), ("GET", "/monitoring"), ("GET", "/gradio_api/file=/etc/passwd"),
           ("GET", f"/gradio_api/file=/tmp/gradio/{HEX}/other.txt"), ("GET", "/manifest.json"), ("GET", "/docs"),
           ("POST", "/"), ("GET", "/gradio_api/queue/join"), ("DELETE", "/config"), ("GET", "/gradio_api/call/search")]


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str]] = []

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        Stub.seen.append((self.command, self.path))
        body = b"" if self.command == "HEAD" else b"ok"
        # One write: headers and body in separate packets would wait on delayed ACKs (40 ms a request).
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n"
                         b"Access-Control-Allow-Credentials: true\r\nX-Frame-Options: SAMEORIGIN\r\n\r\n" + body)

    do_GET = do_POST = do_HEAD = do_DELETE = do_PUT = do_OPTIONS = answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    if not os.path.exists(NGINX):
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("nginx is missing in CI; `make test` installs it (apt-get install nginx)")
        pytest.skip("nginx is not installed (make test installs it)")
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    prefix = tmp_path_factory.mktemp("nginx")
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / folder).mkdir()
    port = free_port()
    text = TEMPLATE.read_text().replace("{{PREFIX}}", str(prefix)).replace("{{LISTEN}}", f"127.0.0.1:{port}")
    text = text.replace("{{SERVERS}}", f"        server 127.0.0.1:{upstream.server_address[1]};")
    text = text.replace("client_header_timeout 10s", "client_header_timeout 1s")
    text = text.replace("client_body_timeout 10s", "client_body_timeout 1s")
    (prefix / "nginx.conf").write_text(text)
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not start"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", port
    finally:
        process.terminate()
        process.wait(timeout=20)
        upstream.shutdown()


def client(url: str, n: int) -> httpx.Client:
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"), timeout=10)


def assert_headers(response: httpx.Response) -> None:
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"], response.url
    assert response.headers.get_list("x-frame-options") == ["DENY"], response.headers
    assert response.headers["cache-control"] == "no-store" and response.headers["referrer-policy"] == "no-referrer"
    assert not [k for k in response.headers if k.lower().startswith("access-control-")], response.headers


def test_the_template_carries_the_edges_limits():
    text = TEMPLATE.read_text()
    limits = Limits()

    def setting(pattern: str) -> str:
        found = re.findall(pattern, text, re.M)
        assert len(found) == 1, pattern
        return found[0]

    assert int(setting(r"^\s*client_max_body_size (\d+)k;")) * 1024 == limits.body_bytes
    assert int(setting(r"^\s*client_body_buffer_size (\d+)k;")) * 1024 == limits.body_bytes
    assert int(setting(r"^\s*client_header_timeout (\d+)s;")) == limits.header_seconds
    assert int(setting(r"^\s*client_body_timeout (\d+)s;")) == limits.body_seconds
    assert int(setting(r"rate=(\d+)r/m;")) == limits.client_per_minute
    assert int(setting(r"limit_req zone=searches burst=(\d+) nodelay;")) == limits.client_per_minute
    assert int(setting(r"^\s*limit_conn per_client (\d+);")) == limits.client_connections
    assert setting(r'add_header Content-Security-Policy "([^"]+)" always;') == edge.CSP
    for name, value in edge.HEADERS:
        assert re.search(rf'add_header {name.decode()} "{re.escape(value.decode())}" always;', text, re.I), name


@pytest.mark.slow  # a real nginx
def test_only_the_pages_routes_reach_the_app(proxy):
    url, _ = proxy
    with client(url, 50) as http:
        for method, path in SERVED:
            Stub.seen.clear()
            response = http.request(method, path, json=BODIES.get(path, {"data": ["x"]}) if method == "POST" else None)
            assert response.status_code == 200 and Stub.seen == [(method, path)], (method, path, response.status_code)
            assert_headers(response)
        for method, path in REFUSED:
            Stub.seen.clear()
            response = http.request(method, path, json=BODIES.get(path, {"data": ["x"]}) if method == "POST" else None)
            assert response.status_code in (403, 404) and Stub.seen == [], (method, path, response.status_code)
            assert_headers(response)
        Stub.seen.clear()
        assert http.get("/", params={"deep_link": "abc", "x": "1"}).status_code == 200
        assert Stub.seen == [("GET", "/")]  # the query never reaches the app


def test_nginx_and_the_edge_serve_the_same_routes():
    """The app's edge (over an app that answers 200 to anything) takes the same requests as nginx does above."""
    from starlette.responses import PlainTextResponse
    from starlette.testclient import TestClient

    async def anything(scope, receive, send):
        await PlainTextResponse("ok")(scope, receive, send)

    events = {"join": {2: 3}, "predict": {1: 1}, "call": {"search": 1}}
    app = edge.Edge(anything, Limits(), events, files="/tmp/gradio")
    http = TestClient(app)  # no lifespan: the stand-in app has none
    for method, path in SERVED + REFUSED:
        response = http.request(method, path, json=BODIES.get(path, {"data": ["x"]}) if method == "POST" else None)
        assert (response.status_code == 200) == ((method, path) in SERVED), (method, path, response.status_code)


@pytest.mark.slow  # a real nginx
def test_bodies_origins_and_rates(proxy):
    url, _ = proxy
    with client(url, 51) as http:
        Stub.seen.clear()
        large = http.post("/api/search", content=b"x" * (Limits().body_bytes + 1),
                          headers={"content-type": "application/json"})
        assert large.status_code == 413 and Stub.seen == []
        assert_headers(large)
        assert http.post("/api/search", content=b"x" * Limits().body_bytes).status_code == 200
        own = http.post("/api/search", json={}, headers={"origin": url})
        assert own.status_code == 200
        for origin in ("http://localhost:1234", "null", "https://evil.example"):
            foreign = http.post("/api/search", json={}, headers={"origin": origin})
            assert foreign.status_code == 403
            assert_headers(foreign)
    per_minute = Limits().client_per_minute
    with client(url, 52) as http:
        codes = [http.post("/api/search", json={}).status_code for _ in range(per_minute + 10)]
        assert codes[:per_minute] == [200] * per_minute and codes[-1] == 429, codes
        assert http.get("/").status_code == 200  # the page itself is not a search
    with client(url, 53) as http:
        assert http.post("/api/search", json={}).status_code == 200  # another address is not held back


@pytest.mark.slow  # a real nginx
def test_slow_headers_and_bodies_are_cut_off(proxy):
    _, port = proxy
    for request in (b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a",
                    b"POST /api/search HTTP/1.1\r\nHost: x\r\ncontent-length: 100\r\n\r\n{\"situation\""):
        with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=("127.0.0.54", 0)) as sock:
            started = time.monotonic()
            sock.sendall(request)
            try:
                answer = sock.recv(4096)
                while answer.startswith(b"HTTP/1.1 408") and (more := sock.recv(4096)):
                    answer += more
            except ConnectionResetError:
                answer = b""
            took = time.monotonic() - started
        assert took < 3 and (answer == b"" or answer.startswith(b"HTTP/1.1 408")), (answer[:60], took)
