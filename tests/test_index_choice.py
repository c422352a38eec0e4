"""The index type follows the corpus size, and an approximate index loads and searches like the exact one."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from assistant.corpus.parse import load_corpus
from assistant.index import store as index_module
from assistant.index.store import EXACT_LIMIT, build, choose_index, load


def test_small_corpora_get_exact_search():
    assert isinstance(choose_index(40, 384), faiss.IndexFlatIP)
    assert isinstance(choose_index(EXACT_LIMIT, 384), faiss.IndexFlatIP)


def test_large_corpora_get_an_inner_product_graph():
    graph = choose_index(EXACT_LIMIT + 1, 384)
    assert isinstance(graph, faiss.IndexHNSWFlat)
    assert graph.metric_type == faiss.METRIC_INNER_PRODUCT and graph.d == 384


def test_a_graph_index_round_trips_and_finds_what_exact_search_finds(tmp_path: Path, corpus_dir: Path,
                                                                        fake_embedder, monkeypatch):
    monkeypatch.setattr(index_module, "EXACT_LIMIT", 10)  # the 40-passage seed corpus now gets a graph
    corpus = load_corpus(corpus_dir)
    build(corpus, fake_embedder, tmp_path)
    loaded = load(tmp_path, corpus_dir, fake_embedder.name)
    assert isinstance(loaded.vectors, faiss.IndexHNSWFlat) and loaded.vectors.hnsw.efSearch == 128
    vectors = fake_embedder.embed([p.text for p in corpus.passages])
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    queries = vectors[:10]
    _, want = exact.search(queries, 1)
    _, got = loaded.vectors.search(queries, 1)
    assert np.array_equal(want, got)
