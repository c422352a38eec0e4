"""A synthetic corpus of any size, with its passage index and learned heads, for timing the whole search.

Organisations and passages are made programmatically: the passages' words are the real corpus's (so the
needs a passage speaks of, and the "carries" that order the evidence, are as in life), each organisation
gets a description and a varying number of service passages. Passage vectors are random unit vectors
(dimension 384, as both packaged models) in the FAISS index ``store.choose_index`` picks for the size
(exact up to 20k passages, HNSW above). The learned heads are random, with the shapes trained heads have
for such a corpus: organisations over every organisation, needs over the taxonomy, and the primary space
reading both models' vectors side by side (768) as ``open_searcher`` sets it up.

Only what both this package and the commit before the vectorised ranking offer is used, so
``benchmarks/scaling.py`` can time either on the same data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.corpus.parse import Corpus, load_corpus
from assistant.index.store import Manifest, SearchIndex, choose_index
from assistant.learning.learned import Head, Heads, Learned
from assistant.retrieval.search import Searcher, Space
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS
from assistant.types import Organisation, Passage
from benchmarks.common import unit_rows

DIMENSION = 384  # all-MiniLM-L6-v2 and multilingual-e5-small alike
LANGUAGES = ("en", "lt", "pl", "ru", "uk")


def make_corpus(passages: int, organisations: int, seed: int = 0, corpus_dir: Path | None = None) -> Corpus:
    """``organisations`` organisations holding ``passages`` passages between them (at least one each, the
    description; the rest services, spread unevenly), worded with the real corpus's passages in turn."""
    if passages < organisations:
        raise ValueError("every organisation needs at least its description")
    rng = np.random.default_rng(seed)
    texts = [p.text for p in load_corpus(corpus_dir or Settings().corpus_dir).passages]
    services = rng.multinomial(passages - organisations, rng.dirichlet(np.full(organisations, 2.0)))
    orgs, rows = [], []
    for i, extra in enumerate(services):
        org_id = f"org-{i:05d}"
        words = [f"{texts[(i * 7 + j) % len(texts)]} ({i}.{j})" for j in range(1 + int(extra))]
        orgs.append(Organisation(id=org_id, name=f"Organisation {i}", description=words[0],
                                 services=tuple(words[1:]), website=None, phones=(), country="Lithuania",
                                 country_code="LT", source="synthetic", last_update=None))
        rows += [Passage(f"{org_id}-{j}", org_id, text, "description" if j == 0 else "service", j)
                 for j, text in enumerate(words)]
    return Corpus(tuple(orgs), tuple(rows), fingerprint=f"synthetic-{passages}-{organisations}-{seed}")


def passage_vectors(passages: int, seed: int = 0):
    """Random unit vectors for ``passages`` passages in the FAISS index the store would choose for as many."""
    vectors = unit_rows(np.random.default_rng(seed + 1), passages, DIMENSION)
    index = choose_index(passages, DIMENSION)
    index.add(vectors)
    return index


def make_index(corpus: Corpus, vectors=None, seed: int = 0) -> SearchIndex:
    """The corpus with its passages' vectors (``passage_vectors`` when none are given) as a loaded index."""
    vectors = vectors if vectors is not None else passage_vectors(len(corpus.passages), seed)
    manifest = Manifest(1, "synthetic/random-unit-vectors", DIMENSION, len(corpus.passages),
                        len(corpus.organisations), corpus.fingerprint, "", "", {}, "", 0.0)
    return SearchIndex(manifest, corpus, vectors)


def _head(rng, labels, dimension: int, softmax: bool, bias: float = 0.0, threshold: float | None = None) -> Head:
    # Scaled so that a situation's logit (its vector being one unit vector per model read) is about N(0, 1).
    weights = (rng.standard_normal((dimension, len(labels))) * np.sqrt(DIMENSION / dimension)).astype(np.float32)
    thresholds = None if threshold is None else np.full(len(labels), threshold)
    return Head(tuple(labels), weights, np.full(len(labels), bias, dtype=np.float32), softmax, thresholds)


def make_learned(organisation_ids: tuple[str, ...], seed: int = 0,
                 dimensions: dict[str, int] | None = None) -> Learned:
    """Random heads with a trained layer's shapes: per space, organisations (softmax over all of them),
    needs (a sigmoid each; about two of the 18 found in a situation, as in life), out of scope and danger
    (rarely above their thresholds), the kind of danger, and language."""
    rng = np.random.default_rng(seed + 2)
    heads = {}
    for space, dimension in (dimensions or {"primary": 2 * DIMENSION, "multilingual": DIMENSION}).items():
        heads[space] = Heads(space, _head(rng, organisation_ids, dimension, True),
                             _head(rng, NEED_KEYS, dimension, False, -1.2, 0.5),
                             _head(rng, ("out_of_scope",), dimension, False, 0.0, 0.99),
                             _head(rng, ("urgent",), dimension, False, 0.0, 0.99),
                             _head(rng, DANGER_KINDS, dimension, True),
                             _head(rng, LANGUAGES, dimension, True))
    return Learned(heads, {"synthetic": True})


def make_searcher(passages: int, organisations: int, primary, multilingual, seed: int = 0,
                  index: SearchIndex | None = None) -> Searcher:
    """A searcher in the default (learned) mode over a synthetic corpus: ``primary`` and ``multilingual`` are
    the two embedders (the real packaged models, or doubles with ``embed``/``fit``); both spaces share one
    passage index (random vectors mean nothing to either model, so a second one would add build time only)."""
    index = index or make_index(make_corpus(passages, organisations, seed), seed=seed)
    learned = make_learned(tuple(o.id for o in index.corpus.organisations), seed)
    return Searcher(index, primary, Settings(), multilingual=Space("multilingual", index, multilingual,
                                                                  (multilingual,)), learned=learned)
