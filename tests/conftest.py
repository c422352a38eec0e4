"""Shared fixtures: the real packaged model (loaded once), a fast fake for pure logic, a copy of the corpus,
the project's index (built once), and the one way tests start ``python app.py``."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "lt-help-and-support-for-victims-of-crime.txt"


# The longest files first (seconds on two workers, measured), then the rest in their own order: pytest-xdist
# hands out whole files in this order (``make test``: --dist loadfile --no-loadscope-reorder), so the two
# workers end together instead of one running a long file while the other has nothing left.
LONGEST_FIRST = ("test_load.py", "test_browser.py", "test_languages_browser.py", "test_faults.py",
                 "test_robustness.py", "test_edge.py", "test_bench.py", "test_fastpath.py", "test_cli.py",
                 "test_e5fast.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: within a file, the file's order


@pytest.fixture(autouse=True)
def _turns(request):
    """With pytest-xdist (``make test`` runs two workers), a test marked ``alone`` runs while no other test
    does: its figures are latencies or CPU shares that another worker's test would skew, or it takes both
    cores itself. Two file locks: ``alone`` closes the gate, then waits for the tests running elsewhere
    to end; every other test passes the gate and holds the shared lock while it runs."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        yield
        return
    folder = Path(tempfile.gettempdir()) / f"pytest-turns-{run}"
    folder.mkdir(exist_ok=True)
    with open(folder / "gate", "a") as gate, open(folder / "running", "a") as running:
        if request.node.get_closest_marker("alone"):
            fcntl.flock(gate, fcntl.LOCK_EX)
            fcntl.flock(running, fcntl.LOCK_EX)
        else:
            fcntl.flock(gate, fcntl.LOCK_SH)
            fcntl.flock(running, fcntl.LOCK_SH)
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(running, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_UN)


def free_port() -> int:
    """A loopback port nothing listens on, for a real server in a test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HashingEmbedder:
    """A deterministic bag-of-words embedder: same words, same vector. For logic tests only."""

    def __init__(self, dimension: int = 64, max_words: int = 50, name: str = "test/hashing"):
        self.name, self.dimension, self.max_words = name, dimension, max_words

    def embed(self, texts, show_progress: bool = False) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                rows[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1, norms)

    def fit(self, text: str) -> tuple[str, bool]:
        words = text.split(" ")
        return (" ".join(words[: self.max_words]), len(words) > self.max_words)


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.index.embedders import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A corpus folder in tmp_path holding the seed page."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def real_searcher():
    """The searcher the app serves: the packaged models, the project's index (built or rebuilt here when
    missing or stale, as ``make run`` does), the multilingual index and the learned layer."""
    from assistant.config import Settings
    from assistant.retrieval.search import open_searcher

    return open_searcher(Settings(corpus_dir=SEED.parent))


@pytest.fixture(scope="session")
def plain_searcher(real_embedder, tmp_path_factory):
    """The real English model over a real FAISS index of the seed corpus, built once in a temporary folder,
    without the learned layer: the passages alone ("evidence")."""
    from assistant.config import Settings
    from assistant.index.store import load_or_build
    from assistant.retrieval.search import Searcher

    index_dir = tmp_path_factory.mktemp("index")
    index = load_or_build(SEED.parent, index_dir, real_embedder, say=lambda _: None)
    return Searcher(index, real_embedder, Settings(corpus_dir=SEED.parent, index_dir=index_dir))


@pytest.fixture(scope="session")
def served(real_searcher):
    """(demo, url): the app over the real searcher, served in this process with its hardened defaults and
    the JSON route, as ``python app.py`` serves it; one server for the tests that only ask it things."""
    import app

    demo = app.build_demo(real_searcher)
    _, url, _ = app.serve(demo, port=free_port(), searcher=real_searcher, prevent_thread_lock=True, quiet=True)
    yield demo, url
    demo.close()


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium (Debian's, driven by Playwright) for a test module; each test opens its own
    context or page in it. Skipped when missing, except in CI (tests/test_browser.py). One per module, not
    per session: Playwright's sync API keeps an event loop running in this thread while it is open, and
    asyncio.run (tests/test_load.py) cannot start beside it."""
    from .test_browser import CHROMIUM, FLAGS, _missing

    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"Chromium ({CHROMIUM})")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def project_index(real_searcher) -> Path:
    """The project's index folder, current for the seed corpus, with the model's ONNX export beside it:
    what a copy for a test's own app or CLI process starts from, so that process builds nothing."""
    return real_searcher.settings.index_dir


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of an index folder (its model cache included), without locks or half-written files."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock", ".*.tmp*"))
    return target


@dataclass
class App:
    """A ``python app.py`` process on a loopback port, everything it prints in ``log``."""

    url: str
    port: int
    process: subprocess.Popen
    log: Path
    env: dict
    answered: bool = False  # the page answered before the deadline

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_app(folder: Path, env: dict | None = None, port_flag: bool = True, deadline_s: float = 300) -> App:
    """``python app.py`` with ``folder`` as its working directory and ``env`` over this process's environment
    (a variable given as None is removed), on a free loopback port (``--port``, or ASSISTANT_PORT as ``make
    run`` reads it when ``port_flag`` is False). Returns once the page answers or the process has exited
    (the caller asserts which it expects)."""
    import httpx

    port = free_port()
    env = {k: v for k, v in {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}.items() if v is not None}
    flags = ["--port", str(port)] if port_flag else []
    if not port_flag:
        env["ASSISTANT_PORT"] = str(port)
    log = folder / "app.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), *flags], cwd=folder, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    app = App(f"http://127.0.0.1:{port}", port, process, log, env)
    deadline = time.monotonic() + deadline_s
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(app.url + "/", timeout=5).status_code == 200:
                app.answered = True
                break
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return app


def stop_app(app: App) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


@contextmanager
def running_app(folder: Path, env: dict | None = None, port_flag: bool = True):
    """``start_app``, which must be up and answering; stopped on the way out."""
    app = start_app(folder, env, port_flag)
    try:
        assert app.process.poll() is None, f"the app exited: {app.output()[-3000:]}"
        assert app.answered, f"the app did not start: {app.output()[-3000:]}"
        yield app
    finally:
        stop_app(app)
