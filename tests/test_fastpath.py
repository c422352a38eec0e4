"""The fast path (ONNX Runtime) must give the same vectors and rankings as sentence-transformers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import DEFAULT_MODEL
from assistant.index import fastpath
from assistant.index.fastpath import CachedEmbedder, OnnxEmbedder, open_embedder
from assistant.retrieval.search import Searcher

from .conftest import ROOT, HashingEmbedder

EVALDATA = ROOT / "assistant" / "evaldata"
QUERIES = [json.loads(line)["text"] for line in (EVALDATA / "queries.jsonl").open()]
EVERY_QUERY = [json.loads(line)["text"] for path in sorted(EVALDATA.glob("*.jsonl")) for line in path.open()
               if line.strip()]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def onnx_embedder(onnx_cache):
    embedder = open_embedder(DEFAULT_MODEL, onnx_cache, say=lambda _: None)
    assert isinstance(embedder.inner, OnnxEmbedder), "the fast path did not open"
    return embedder.inner


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def embed(self, texts, show_progress=False):
        self.calls += 1
        return super().embed(texts, show_progress)


def test_repeated_query_skips_the_model():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=2)
    first = cached.embed(["my phone was stolen"])
    again = cached.embed(["my phone was stolen"])
    assert inner.calls == 1 and np.array_equal(first, again)
    cached.embed(["b"]), cached.embed(["c"])  # pushes the first one out
    cached.embed(["my phone was stolen"])
    assert inner.calls == 4
    assert all(isinstance(key, bytes) for key in cached._vectors), "the cache must not keep the text"


def test_batches_are_not_cached():
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)
    cached.embed(["a", "b"]), cached.embed(["a", "b"])
    assert inner.calls == 2 and not cached._vectors


def test_other_models_take_the_sentence_transformers_path(monkeypatch, tmp_path):
    made = []
    monkeypatch.setattr(fastpath, "SentenceTransformerEmbedder", lambda name: made.append(name) or HashingEmbedder())
    embedder = open_embedder("some/other-model", tmp_path, say=lambda _: None)
    assert made == ["some/other-model"] and isinstance(embedder.inner, HashingEmbedder)
    assert not list(tmp_path.iterdir()), "no export for a model the fast path does not serve"


def test_a_failed_export_falls_back(monkeypatch, tmp_path):
    def broken(model_dir, target):
        raise RuntimeError("no exporter here")

    said = []
    monkeypatch.setattr(fastpath, "export_onnx", broken)
    monkeypatch.setattr(fastpath, "SentenceTransformerEmbedder", lambda name: HashingEmbedder())
    embedder = open_embedder(DEFAULT_MODEL, tmp_path, say=said.append)
    assert isinstance(embedder.inner, HashingEmbedder)
    assert any("not available" in line for line in said)


@pytest.mark.slow
def test_same_vectors_as_sentence_transformers(onnx_embedder, real_embedder):
    fast = onnx_embedder.embed(QUERIES)
    slow = real_embedder.embed(QUERIES)
    assert fast.shape == slow.shape and fast.dtype == np.float32
    assert float((fast * slow).sum(axis=1).min()) >= 0.9999
    one_by_one = np.vstack([onnx_embedder.embed([q]) for q in QUERIES[:10]])
    assert float((one_by_one * slow[:10]).sum(axis=1).min()) >= 0.9999, "padding changed a vector"


@pytest.mark.slow
def test_same_cut_for_long_text(onnx_embedder, real_embedder):
    long_text = " ".join(QUERIES) * 3
    assert onnx_embedder.fit(long_text) == real_embedder.fit(long_text)
    assert onnx_embedder.fit(QUERIES[0]) == real_embedder.fit(QUERIES[0]) == (QUERIES[0], False)


@pytest.mark.slow
def test_same_rankings_on_the_bundled_queries(onnx_embedder, plain_searcher):
    # The expected rankings from sentence-transformers' vectors, made in one call as it embeds a list (by
    # length, in batches; test_same_vectors_as_sentence_transformers holds them to the one-by-one ones) and
    # remembered; the fast path searches one query at a time, as the app serves them. Every third bundled
    # query (each file, language and style): all 292 agreed when checked, and a third takes a third of the time.
    sample = EVERY_QUERY[::3]
    assert len(sample) > 90
    reference = Searcher(plain_searcher.index, CachedEmbedder(plain_searcher.embedder, size=2 * len(sample)),
                         plain_searcher.settings)
    reference.warm(sample)
    fast = Searcher(plain_searcher.index, onnx_embedder, plain_searcher.settings)
    for query in sample:
        expected = [r.organisation.id for r in reference.search(query).results]
        assert [r.organisation.id for r in fast.search(query).results] == expected


@pytest.mark.slow
def test_the_app_starts_without_torch(onnx_embedder, onnx_cache, project_index, tmp_path):
    """With the export cached and the index built, opening the searcher imports no torch at all."""
    script = (
        "import sys; from pathlib import Path; from assistant.config import Settings;"
        "from assistant.retrieval.search import open_searcher;"
        f"s = open_searcher(Settings(index_dir=Path({str(tmp_path / 'index')!r})), say=lambda _: None);"
        "s.search('someone stole my bag');"
        "print(type(s.embedder.inner).__name__, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    # The project's index, built (an ordinary start finds it so), with this session's fresh export as its cache.
    shutil.copytree(project_index, tmp_path / "index", ignore=shutil.ignore_patterns(".lock", ".*.tmp*", "onnx"))
    shutil.copytree(onnx_cache, tmp_path / "index" / "onnx")
    done = subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["OnnxEmbedder", "False", "False"]
