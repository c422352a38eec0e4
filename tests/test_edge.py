"""The app's edge, attacked over loopback the way an anonymous client would (issue 16).

One real ``python app.py`` process for the module (the app as ``make run`` starts it, on the project's
index), its output in a file, its CPU time, memory and threads read from /proc. Each test speaks raw
HTTP from a loopback address of its own (127.0.0.x), so the per-client limits of one test never meet
another's. Every attack loop is bounded in count and in time. Figures go to
test-output/edge-figures.json.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from assistant.web.clients import Clients, Limits, Refused
from assistant.web.edge import Edge

from .conftest import ROOT, App, running_app

PROBE = "zqxprobe"  # typed by the "victim" and the attacker; must never reach the server's output
SECONDS = 1  # header and body deadlines for this server (the defaults are 10 s; the mechanism is the same)
FIGURES = ROOT / "test-output" / "edge-figures.json"
FIND_HELP_TEXT = "my husband hits me and I am afraid to go home " * 80  # ~3,700 characters, as long as the box takes


@dataclass
class Server:
    app: App
    temp: Path
    events: dict[str, int] = field(default_factory=dict)  # the page's api names -> fn_index

    url = property(lambda self: self.app.url)
    port = property(lambda self: self.app.port)
    pid = property(lambda self: self.app.pid)

    def output(self) -> str:
        return self.app.output()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mib(pid: int) -> float:
    return status(pid, "VmRSS") / 1024


def record(name: str, **figures) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    known[name] = figures
    FIGURES.write_text(json.dumps(known, indent=1))
    print(f"\n{name}: {figures}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    env = {"ASSISTANT_HOST": "127.0.0.1", "GRADIO_TEMP_DIR": str(folder / "gradio-tmp"),
           "ASSISTANT_HEADER_SECONDS": str(SECONDS), "ASSISTANT_BODY_SECONDS": str(SECONDS)}
    for name in ("ASSISTANT_CLIENT_AT_ONCE", "ASSISTANT_CLIENT_PER_MINUTE", "ASSISTANT_CLIENT_CONNECTIONS",
                 "ASSISTANT_INDEX", "ASSISTANT_CORPUS"):
        env[name] = None  # the defaults, on the project's own index
    with running_app(folder, env, port_flag=False) as app:
        config = httpx.get(app.url + "/config", timeout=10).json()
        events = {d["api_name"]: d["id"] for d in config["dependencies"] if d.get("backend_fn")}
        yield Server(app, folder / "gradio-tmp", events)


def client(server: Server, n: int, **kwargs) -> httpx.Client:
    """An HTTP client sending from 127.0.0.<n>: one person, as the server sees it."""
    return httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"),
                        timeout=kwargs.pop("timeout", 30), **kwargs)


def connect(server: Server, n: int, timeout: float = 10) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout, source_address=(f"127.0.0.{n}", 0))


def raw(server: Server, n: int, request: bytes, timeout: float = 10) -> bytes:
    """Send ``request`` as is and read until the server closes or stops answering."""
    with connect(server, n, timeout) as sock:
        sock.sendall(request)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    return answer


def join(http: httpx.Client, server: Server, name: str, data: list, session: str) -> httpx.Response:
    return http.post("/gradio_api/queue/join", json={"data": data, "fn_index": server.events[name],
                                                     "trigger_id": 1, "session_hash": session})


def wait_for_answers(http: httpx.Client, session: str, count: int, seconds: float = 30) -> list[dict]:
    """The messages that close ``count`` events of a session (the page's own event stream)."""
    done, deadline = [], time.monotonic() + seconds
    try:
        with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session},
                         timeout=seconds) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        done.append(message)
                if len(done) >= count or time.monotonic() > deadline:
                    break
    except httpx.ReadTimeout:
        pass
    return done


def assert_refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.request.url, response.status_code, response.text[:200])
    assert list(response.json()) == ["error"], response.text[:200]
    assert response.headers["x-frame-options"] == "DENY"


# --- private handlers, deep links, uploads, Gradio's other routes ------------------------------------------------

CLOSED = [  # (method, path): every one ran, stored or answered for anyone before the edge
    ("POST", "/gradio_api/run/evaluate"), ("POST", "/gradio_api/run/find_help"), ("POST", "/gradio_api/run/referral"),
    ("POST", "/gradio_api/run/detail"), ("POST", "/gradio_api/run/search"), ("POST", "/gradio_api/api/search"),
    ("POST", "/gradio_api/call/find_help"), ("POST", "/gradio_api/call/evaluate"),
    ("POST", "/gradio_api/call/v2/search"),
    ("GET", "/gradio_api/deep_link"), ("GET", "/gradio_api/openapi.json"), ("GET", "/openapi.json"), ("GET", "/docs"),
    ("GET", "/gradio_api/queue/status"), ("GET", "/monitoring"), ("GET", "/gradio_api/upload_progress"),
    ("GET", "/gradio_api/file=/etc/passwd"), ("GET", "/gradio_api/file=../../etc/passwd"), ("GET", "/manifest.json"),
    ("POST", "/gradio_api/reset"), ("GET", "/gradio_api/user"), ("POST", "/gradio_api/stream/x"),
    ("GET", "/gradio_api/file=/tmp/x/../../etc/referral-list.md"),
    ("GET", "/gradio_api/file=/tmp/gradio/" + "0" * 64 + "/referral-list.md"),  # not this server's cache folder
]


@pytest.mark.slow
def test_private_handlers_and_gradios_other_routes_are_refused(server):
    with client(server, 11) as http:
        for method, path in CLOSED:
            body = {"data": [PROBE, [], [], "en"], "fn_index": 2, "session_hash": "a1"} if method == "POST" else None
            assert_refused(http.request(method, path, json=body), 404)
        # The page's own transport, with an event the page does not have, or not its inputs:
        session = uuid.uuid4().hex[:11]
        for body, code in [({"fn_index": 999, "data": [PROBE], "session_hash": session}, 404),
                           ({"fn_index": "2", "data": [PROBE, [], [], "en"], "session_hash": session}, 404),
                           ({"fn_index": server.events["find_help"], "data": [PROBE], "session_hash": session}, 400),
                           ({"fn_index": server.events["find_help"], "data": [PROBE, [], [], "en"]}, 400),
                           ({"fn_index": server.events["find_help"], "data": [PROBE, [], [], "en"],
                             "session_hash": "../" + PROBE}, 400)]:
            assert_refused(http.post("/gradio_api/queue/join", json=body), code)
        predict = {"fn_index": server.events["find_help"], "data": [PROBE, [], [], "en"], "session_hash": session}
        assert_refused(http.post("/gradio_api/run/predict", json=predict), 404)
        assert "evaluate" not in server.events and "evaluate" not in json.dumps(http.get("/config").json())
        # Files: only a referral list in this server's cache folder (Gradio answers for whether it exists).
        assert_refused(http.get(f"/gradio_api/file={server.temp}/{'0' * 64}/other.md"), 404)
        assert http.get(f"/gradio_api/file={server.temp}/{'0' * 64}/referral-list.md").status_code != 200
        # Uploads: 300 one-byte files in one request are refused before a byte is stored.
        files = [("files", (f"{PROBE}{i}.txt", b"x")) for i in range(300)]
        assert_refused(http.post("/gradio_api/upload", files=files), 404)
        # What the page uses still works: the page, its assets, its events, the public search.
        assert http.get("/").status_code == 200 and http.get("/theme.css").status_code == 200
        assert join(http, server, "find_help", ["my husband hits me", [], [], "en"], session).status_code == 200
        assert wait_for_answers(http, session, 1)[0]["success"] is True
    stored = [p for p in server.temp.rglob("*") if p.is_file()] if server.temp.exists() else []
    assert not [p for p in stored if PROBE in p.name], stored


@pytest.mark.slow
def test_deep_links_neither_store_nor_return_what_was_typed(server):
    session = uuid.uuid4().hex[:11]
    with client(server, 12) as http:
        assert join(http, server, "find_help", [f"{PROBE} my husband hits me", [], [], "en"], session).status_code == 200
        wait_for_answers(http, session, 1)
        assert_refused(http.get("/gradio_api/deep_link", params={"session_hash": session}), 404)
        page = http.get("/", params={"deep_link": session})  # any query on the page is dropped, never read
        assert page.status_code == 200 and PROBE not in page.text
    stored = [p for p in server.temp.rglob("*") if p.is_file()] if server.temp.exists() else []
    assert not (server.temp / "deep_links").exists()
    assert not [p for p in stored if PROBE.encode() in p.read_bytes()], stored


# --- the queue: one client cannot take it, cancelled and abandoned work stops --------------------------------------

@pytest.mark.slow
@pytest.mark.alone  # the victim's latency is measured
def test_one_client_cannot_fill_the_queue_or_slow_everyone(server):
    """70 long page events from one address, in bursts of 10 at once (the issue filled the queue with 70 joins)."""
    base_cpu, base_rss, base_threads = cpu_seconds(server.pid), rss_mib(server.pid), status(server.pid, "Threads")
    statuses: list[int] = []
    victim_ms: list[int] = []

    def attacker(burst: int, worker: int, start: threading.Barrier) -> None:
        with client(server, 13) as http:
            start.wait(timeout=10)
            body = [f"{PROBE} {burst} {worker} {FIND_HELP_TEXT}", [], [], "en"]  # new at the start: kept by the cut
            statuses.append(join(http, server, "find_help", body, f"a{burst}x{worker}").status_code)

    def victim() -> None:
        with client(server, 14) as http:  # someone else, meanwhile, through the page and the API
            for i in range(3):
                t0 = time.monotonic()
                session = f"v{i}{uuid.uuid4().hex[:8]}"
                joined = join(http, server, "find_help", [f"my daughter was abused {i}", [], [], "en"], session)
                assert joined.status_code == 200
                assert wait_for_answers(http, session, 1)[0]["success"] is True
                assert http.post("/api/search", json={"situation": f"someone stole my bag {i}"}).status_code == 200
                victim_ms.append(round((time.monotonic() - t0) * 1000))

    started = time.monotonic()
    someone = threading.Thread(target=victim)
    someone.start()
    for burst in range(7):
        start = threading.Barrier(10)
        threads = [threading.Thread(target=attacker, args=(burst, w, start)) for w in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    someone.join(timeout=60)
    flood_s = time.monotonic() - started
    time.sleep(1.0)  # the attacker's last accepted events finish
    used = cpu_seconds(server.pid) - base_cpu
    grown = rss_mib(server.pid) - base_rss
    busy = status(server.pid, "Threads") - base_threads
    record("queue_flood", joins_sent=len(statuses), accepted=statuses.count(200), refused_429=statuses.count(429),
           seconds=round(flood_s, 2), server_cpu_s=round(used, 2), rss_before_mib=round(base_rss),
           rss_growth_mib=round(grown, 1), extra_threads=busy, victim_ms=victim_ms)
    assert len(statuses) == 70 and set(statuses) <= {200, 429}, statuses
    # Ten at once from one address: at most its 4 get in, the rest are told to wait; never "Queue is full".
    assert statuses.count(200) <= 7 * Limits().client_at_once + 2 and statuses.count(429) >= 35, statuses
    # Someone else is served between the bursts, not queued behind 70 long searches (which would take a minute):
    # 0.1-2.7 s on an idle machine; 10 s leaves room for a loaded one (CI saw 5.6 s with other work running).
    assert len(victim_ms) == 3 and max(victim_ms) < 10_000, victim_ms
    # Threads are bounded by what runs at once, not by how many asked: the page's and the API's workers
    # (4 each, app.CONCURRENCY) and a few Gradio starts on first use; 70 joins must not mean 70 threads.
    # (CI saw 9 once, an idle API worker kept from the victim's call; 8 was too tight a bound.)
    assert used < 10 and grown < 150 and busy <= 2 * 4 + 4, (used, grown, busy)


@pytest.mark.slow
def test_abandoned_searches_stop(server):
    """64 long searches from 16 addresses whose clients leave after 0.1 s cost, per search, less than half of
    what an answered one does (measured on 16 from 4 addresses: a search's CPU does not depend on how many
    are sent, and 64 answered would hold the suite for half a minute on two cores)."""
    def searches(first: int, addresses: int, abandon: bool) -> float:
        before = cpu_seconds(server.pid)
        socks = []
        for n in range(addresses):
            for _ in range(Limits().client_at_once):
                # New text where the cut to the model's length keeps it: the query cache cannot answer it.
                text = f"{uuid.uuid4().hex} {FIND_HELP_TEXT}"
                body = json.dumps({"situation": text}).encode()
                sock = connect(server, first + n)
                sock.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))
                socks.append(sock)
        time.sleep(0.1)
        answered = 0
        for sock in socks:
            if not abandon:
                sock.settimeout(30)
                answered += sock.recv(200).startswith(b"HTTP/1.1 200 ")
            sock.close()
        assert abandon or answered == len(socks)
        time.sleep(1.0 if abandon else 0.1)  # what still ran for the abandoned ones has ended (or shows) by now
        return (cpu_seconds(server.pid) - before) / len(socks)

    answered = searches(50, 4, abandon=False)
    abandoned = searches(70, 16, abandon=True)
    record("abandoned_searches", answered=16, abandoned=64, cpu_s_per_answered=round(answered, 3),
           cpu_s_per_abandoned=round(abandoned, 3))
    assert abandoned < 0.5 * answered, (abandoned, answered)


@pytest.mark.slow
def test_per_minute_limit_per_address(server):
    per_minute = Limits().client_per_minute
    with client(server, 24) as http:
        started = time.monotonic()
        codes = [http.post("/api/search", json={"situation": "legal aid"}).status_code for _ in range(per_minute + 30)]
        took = time.monotonic() - started
        assert codes[:per_minute - 5] == [200] * (per_minute - 5) and set(codes) == {200, 429}
        assert codes.count(200) <= per_minute + 1 + took * per_minute / 60, (codes.count(200), took)
        assert "112" in http.post("/api/search", json={"situation": "x"}).json()["error"]
    with client(server, 25) as http:  # another address is not held back
        assert http.post("/api/search", json={"situation": "legal aid"}).status_code == 200


# --- bodies, JSON depth, slow clients -------------------------------------------------------------------------------

@pytest.mark.slow
def test_large_bodies_are_refused_on_every_route_without_growing_memory(server):
    """Sixteen 50 MB bodies (the issue took the app from 578 MB to 2.21 GB): declared, and chunked without a length."""
    base_cpu, base_rss = cpu_seconds(server.pid), rss_mib(server.pid)
    chunk = b"x" * (1 << 20)
    answers: list[bytes] = []

    def send(n: int, path: str, chunked: bool) -> None:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n".encode()
        head += b"transfer-encoding: chunked\r\n\r\n" if chunked else b"content-length: %d\r\n\r\n" % (50 << 20)
        answer = b""
        with connect(server, n, timeout=10) as sock:
            try:
                sock.sendall(head)
                deadline = time.monotonic() + 10
                for _ in range(50):  # at most 50 MB
                    sock.sendall(b"100000\r\n" + chunk + b"\r\n" if chunked else chunk)
                    if time.monotonic() > deadline:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                while part := sock.recv(65536):
                    answer += part
            except (socket.timeout, ConnectionResetError):
                pass
        answers.append(answer)

    paths = ["/gradio_api/run/search", "/gradio_api/call/search", "/gradio_api/queue/join", "/api/search"]
    threads = [threading.Thread(target=send, args=(30 + i % 4, paths[i % 4], i >= 8)) for i in range(16)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    took = time.monotonic() - started
    used, grown = cpu_seconds(server.pid) - base_cpu, rss_mib(server.pid) - base_rss
    record("large_bodies", bodies=16, mb_each=50, seconds=round(took, 2), server_cpu_s=round(used, 2),
           rss_before_mib=round(base_rss), rss_growth_mib=round(grown, 1))
    lines = sorted(a.split(b"\r\n", 1)[0].decode() for a in answers)
    assert len(lines) == 16 and all(line.endswith((" 404 Not Found", " 413 Request Entity Too Large",
                                                   " 413 Content Too Large")) for line in lines), lines
    assert grown < 30 and used < 5, (grown, used)
    with client(server, 34) as http:  # a small body on a GET is refused too
        assert_refused(http.request("GET", "/config", content=b"x" * 10), 413)


@pytest.mark.slow
def test_bad_json_of_any_depth_gets_a_400(server):
    with client(server, 35) as http:
        for depth in (33, 1000, 30000):  # 30000: 60 KB, under the body cap
            deep = b"[" * depth + b"]" * depth
            assert_refused(http.post("/api/search", content=b'{"situation": ' + deep + b"}",
                                     headers={"content-type": "application/json"}), 400)
            for path in ("/gradio_api/call/search", "/gradio_api/queue/join", "/gradio_api/run/predict"):
                assert_refused(http.post(path, content=deep, headers={"content-type": "application/json"}), 400)
        assert_refused(http.post("/gradio_api/call/search", content=f"{PROBE} not json",
                                 headers={"content-type": "application/json"}), 400)
        echoed = http.post("/gradio_api/call/search", content=f"{PROBE}=1", headers={"content-type": "text/plain"})
        assert echoed.status_code == 415 and PROBE not in echoed.text  # Gradio's 422 echoed the body
        assert http.post("/api/search", json={"situation": "my daughter was abused"}).status_code == 200


@pytest.mark.slow
@pytest.mark.alone  # deadlines of a second are measured
def test_slow_clients_are_cut_off(server):
    # Headers a byte at a time: closed at the header deadline, the page still answers others.
    with connect(server, 40) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\n")
        closed = None
        for byte in b"Host: 127.0.0.1\r\nX-Slow: " + b"a" * 40:
            try:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.25)
                if sock.recv(1) == b"":
                    closed = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = time.monotonic() - started
                break
    assert closed is not None and closed < SECONDS + 1.5, closed
    # Headers at once, then the body a byte at a time: 408 at the body deadline.
    with connect(server, 41) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
                     b"content-length: 100\r\n\r\n")
        answer = b""
        for byte in b'{"situation": "' + b"a" * 40:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
            sock.settimeout(0.25)
            try:
                answer += sock.recv(4096)
            except socket.timeout:
                continue
            if answer:
                break
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408") and took < SECONDS + 1.5, (answer[:80], took)
    # Connections that say nothing are closed too, and one address cannot hold more than its share.
    held = [connect(server, 42) for _ in range(Limits().client_connections + 4)]
    try:
        time.sleep(0.3)
        refused = 0
        for sock in held:
            sock.settimeout(0.05)
            try:
                refused += sock.recv(1) == b""
            except socket.timeout:
                pass
            except ConnectionResetError:
                refused += 1
        assert refused >= 4, refused
        time.sleep(SECONDS + 0.5)
        for sock in held:
            sock.settimeout(1)
            try:
                assert sock.recv(1) == b""
            except ConnectionResetError:
                pass
    finally:
        for sock in held:
            sock.close()
    with client(server, 43) as http:
        assert http.get("/").status_code == 200


# --- headers, CORS, the log -------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_answer_carries_the_security_headers_and_no_cors(server):
    with client(server, 44) as http:
        own = f"http://127.0.0.1:{server.port}"
        answers = [http.get("/"), http.get("/theme.css"), http.get("/gradio_api/info"), http.get("/nope"),
                   http.post("/api/search", json={"situation": "legal aid"}),
                   http.post("/api/search", json={"situation": "legal aid"}, headers={"origin": own}),
                   http.post("/gradio_api/call/search", json={"data": ["legal aid"]}, headers={"origin": own})]
        for answer in answers:
            csp = answer.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and answer.headers["x-frame-options"] == "DENY", answer.url
            assert answer.headers["cache-control"] == "no-store" and answer.headers["referrer-policy"] == "no-referrer"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert not [k for k in answer.headers if k.lower().startswith("access-control-")], answer.headers
        assert [a.status_code for a in answers[-2:]] == [200, 200]  # the page's own origin is served
        for origin in ("http://localhost:1234", "http://127.0.0.1:9", "null", "https://evil.example"):
            for method, path in (("GET", "/"), ("POST", "/api/search"), ("OPTIONS", "/gradio_api/queue/join")):
                answer = http.request(method, path, headers={"origin": origin, "access-control-request-method": "POST"},
                                      json={"situation": "x"} if method == "POST" else None)
                assert_refused(answer, 403)
                assert "access-control-allow-origin" not in answer.headers
                assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.slow
def test_nothing_typed_reaches_the_log_through_any_route(server):
    """The probe through every route, well-formed and not, including the ones Gradio rejects before a handler."""
    session = f"s{uuid.uuid4().hex[:10]}"
    e = server.events
    bad = [  # (method, path, body or None, headers)
        ("POST", "/gradio_api/queue/join", {"data": [PROBE, [PROBE], [PROBE], "en"], "fn_index": e["find_help"],
                                            "trigger_id": 1, "session_hash": session}, {}),  # choices refused
        ("POST", "/gradio_api/queue/join", {"data": [PROBE], "fn_index": e["detail"], "session_hash": session}, {}),
        ("POST", "/gradio_api/queue/join", {"data": [[PROBE], {PROBE: [PROBE]}], "fn_index": e["referral"],
                                            "session_hash": session}, {}),
        ("POST", "/gradio_api/queue/join", {"data": [[PROBE], [PROBE]], "fn_index": e["browse"],
                                            "session_hash": session}, {}),
        ("POST", "/gradio_api/queue/join", {"data": [f"{PROBE} he hits me", [], [], "en"], "fn_index": e["find_help"],
                                            "session_hash": session}, {}),  # well-formed
        ("POST", "/gradio_api/queue/join", {"data": [PROBE, [], [], "en"], "fn_index": e["find_help"],
                                            "session_hash": session, "event_data": {PROBE: PROBE}}, {}),
        ("POST", "/gradio_api/queue/join", {"data": [PROBE, [], [], PROBE], "fn_index": e["example"],
                                            "session_hash": session}, {}),
        ("POST", "/gradio_api/queue/join", {"data": [PROBE, PROBE], "fn_index": e["find_help"],
                                            "session_hash": session}, {}),  # wrong number of inputs
        ("POST", "/gradio_api/call/search", {"data": [PROBE, PROBE]}, {}),
        ("POST", "/gradio_api/call/search", {"data": [{PROBE: [PROBE]}]}, {}),
        ("POST", "/gradio_api/call/search", {"data": [PROBE], PROBE: 1}, {}),
        ("POST", "/gradio_api/call/search", {"data": [f"{PROBE} my son was abused"]}, {}),
        ("POST", "/gradio_api/call/search", f"{PROBE} not json", {"content-type": "application/json"}),
        ("POST", "/gradio_api/call/search", f'{{"data": ["{PROBE}"' + "[" * 900, {"content-type": "application/json"}),
        ("POST", "/gradio_api/cancel", {"session_hash": PROBE, "fn_index": PROBE, "event_id": PROBE}, {}),
        ("POST", "/gradio_api/run/find_help", {"data": [PROBE, [], [], "en"]}, {}),
        ("POST", "/api/search", {"situation": f"{PROBE} he threatens me", PROBE: 1}, {}),
        ("POST", "/api/search", {"situation": f"{PROBE} he threatens me"}, {}),
        ("POST", f"/api/search?situation={PROBE}", {"situation": PROBE}, {}),
        ("POST", "/api/search", "[" * 1000 + f'"{PROBE}"' + "]" * 1000, {"content-type": "application/json"}),
        ("POST", "/api/search", {"situation": PROBE}, {"content-type": f"text/{PROBE}"}),
        ("GET", f"/gradio_api/deep_link?session_hash={session}&{PROBE}=1", None, {}),
        ("GET", f"/?{PROBE}=1&deep_link={PROBE}", None, {}),
        ("GET", f"/{PROBE}", None, {"x-probe": PROBE, "cookie": f"{PROBE}=1", "user-agent": PROBE}),
        ("GET", f"/gradio_api/file=/tmp/{PROBE}/referral-list.md", None, {}),
        ("GET", f"/gradio_api/call/search/{PROBE}", None, {}),
        ("GET", f"/gradio_api/heartbeat/{PROBE}", None, {}),
        ("GET", f"/gradio_api/queue/data?session_hash={PROBE}", None, {}),
        ("POST", "/gradio_api/upload", None, {"content-type": f"multipart/form-data; boundary={PROBE}"}),
    ]
    before = len(server.output())
    with client(server, 45, timeout=5) as http:
        for method, path, body, headers in bad:
            kwargs = {"json": body} if isinstance(body, (dict, list)) else {"content": body}
            try:
                if "queue/data" in path or "heartbeat" in path or "call/search/" in path:
                    with http.stream(method, path, headers=headers, timeout=1, **kwargs) as stream:
                        next(stream.iter_bytes(), None)
                else:
                    http.request(method, path, headers=headers, **kwargs)
            except httpx.ReadTimeout:
                pass
        raw(server, 45, f"GET /{PROBE} HTTP/1.1\r\nHost: {PROBE}\r\n{PROBE}\r\n\r\n".encode(), timeout=3)  # not HTTP
        wait_for_answers(http, session, 4, seconds=10)
    time.sleep(1.0)
    written = server.output()[before:]
    assert PROBE not in written.lower()
    # Not a quiet pass: the malformed calls did reach Gradio's error path, and what it wrote was redacted.
    assert "message withheld" in written or "(message withheld)" in written, written[-2000:]


# --- the edge's parts, without a server ---------------------------------------------------------------------------

def test_limits_from_the_environment():
    assert Limits.from_env({}) == Limits()
    limits = Limits.from_env({"ASSISTANT_CLIENT_PER_MINUTE": "0", "ASSISTANT_BODY_SECONDS": "2.5",
                              "ASSISTANT_CLIENT_AT_ONCE": "6", "ASSISTANT_HEADER_SECONDS": "",
                              "ASSISTANT_STATE_SESSIONS": "64"})
    assert (limits.client_per_minute, limits.body_seconds, limits.client_at_once) == (0, 2.5, 6)
    assert limits.state_sessions == 64 and Limits().state_sessions == 256  # tests/test_load.py serves 64
    assert limits.header_seconds == Limits().header_seconds
    for wrong in ({"ASSISTANT_CLIENT_AT_ONCE": "four"}, {"ASSISTANT_STATE_SESSIONS": "0"}):
        with pytest.raises(ValueError):
            Limits.from_env(wrong)


def test_clients_at_once_and_per_minute(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    queued = {"a": 0}
    clients = Clients(Limits(client_at_once=2, client_per_minute=3), lambda host: queued.get(host, 0))
    clients.start("a")
    clients.start("a")
    with pytest.raises(Refused) as refused:
        clients.start("a")  # two in the app already
    assert refused.value.status == 429
    clients.done("a")
    queued["a"] = 1  # one waiting in Gradio's queue counts too
    with pytest.raises(Refused):
        clients.start("a")
    queued["a"] = 0
    clients.start("a")  # the third start of the minute
    clients.done("a")
    clients.done("a")
    with pytest.raises(Refused):
        clients.start("a")  # the bucket is empty
    clients.start("b")  # another address has its own
    now[0] += 20  # a third of a minute: one start back
    clients.start("a")
    assert clients.running == {"a": 1, "b": 1}
    off = Clients(Limits(client_at_once=0, client_per_minute=0), lambda host: 99)
    for _ in range(500):
        off.start("a")


def test_the_edge_replaces_422s_drops_cors_and_page_queries():
    from starlette.responses import JSONResponse
    from starlette.testclient import TestClient

    seen = []

    async def app(scope, receive, send):
        seen.append(scope.get("query_string"))
        body = (await receive())["body"] if scope["method"] == "POST" else b""
        answer = JSONResponse({"detail": [{"input": body.decode()}]}, status_code=422 if body else 200,
                              headers={"access-control-allow-origin": "http://localhost:1",
                                       "access-control-allow-credentials": "true"})
        await answer(scope, receive, send)

    http = TestClient(Edge(app, Limits(), {"join": {}, "predict": {}, "call": {"search": 1}}))
    page = http.get("/", params={"deep_link": PROBE})
    assert page.status_code == 200 and seen == [b""]
    assert not [k for k in page.headers if k.startswith("access-control-")]
    echoed = http.post("/gradio_api/call/search", json={"data": [PROBE]})
    assert echoed.status_code == 422 and PROBE not in echoed.text and list(echoed.json()) == ["error"]
    assert echoed.headers["x-frame-options"] == "DENY"


def test_the_evaluator_app_refuses_to_serve_beyond_localhost():
    """``python app.py --evaluator`` stops before it loads anything when asked to listen beyond this machine."""
    import app

    assert [app._loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.9")] == [True] * 5
    assert [app._loopback(h) for h in ("0.0.0.0", "192.0.2.7", "example.org", "::")] == [False] * 4
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["app.py", "--evaluator", "--host", "0.0.0.0"])
        patch.setattr(app, "open_searcher", lambda *a, **k: pytest.fail("the model was loaded"))
        with pytest.raises(SystemExit) as stopped:
            app.main()
    assert "localhost only" in str(stopped.value.code)
