"""Shared fixtures: the real packaged model (loaded once), a fast fake for pure logic, a copy of the corpus."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "lt-help-and-support-for-victims-of-crime.txt"


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
