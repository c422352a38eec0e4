"""The learned road's answer is built for the organisations returned only, in one vectorised pass: checked
against the per-organisation loop it replaced (every organisation, every passage, sorted in Python), on a
synthetic corpus of thousands of passages (fast) and on the real corpus with the served searcher (slow)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.normalise import clean
from assistant.retrieval.language import language_and_confidence
from assistant.retrieval.ranking import EVIDENCE_WEIGHT, NEIGHBOUR_WEIGHT, WORDING_WEIGHT, best_first, organisation_scores
from assistant.retrieval.search import Searcher
from assistant.taxonomy import BY_KEY
from assistant.types import OrganisationResult, PassageHit
from benchmarks.synthetic import make_searcher

from .conftest import ROOT, HashingEmbedder

EVALDATA = ROOT / "assistant" / "evaldata"
SITUATIONS = [json.loads(line)["text"] for line in (EVALDATA / "queries.jsonl").read_text().splitlines()[:40]]
OTHER_LANGUAGES = [json.loads(line)["text"] for line in (EVALDATA / "other_language.jsonl").read_text().splitlines()]


def loop_results(searcher: Searcher, text: str, found_keys: set[str], language: str = "en") -> list[OrganisationResult]:
    """The results as the per-organisation loop made them, with the passage scores from FAISS's search of
    every passage (as it was): every organisation, every one of its passages, sorted in Python."""
    space = searcher.space_for(language)
    vector, read = searcher.understand(text, space)
    index = space.index
    found, rows = index.vectors.search(vector.reshape(1, -1).astype(np.float32), index.vectors.ntotal)
    passage_scores = np.full(len(index.corpus.passages), -1.0)
    passage_scores[rows[0]] = found[0]
    owners = np.array([[o.id for o in searcher._organisations].index(p.organisation_id)
                       for p in index.corpus.passages])
    scores = read["organisations"] + NEIGHBOUR_WEIGHT * read["neighbours"] + WORDING_WEIGHT * read["wording"] + \
        EVIDENCE_WEIGHT * organisation_scores(passage_scores, owners, len(searcher._organisations), soft=True)
    results = []
    for org in np.argsort(-scores, kind="stable"):
        if not np.isfinite(scores[org]):
            continue
        hits = [PassageHit(index.corpus.passages[r], float(passage_scores[r]),
                           tuple(BY_KEY[k].label() for k in searcher._passage_needs[r] if k in found_keys))
                for r in np.flatnonzero(owners == org)]
        hits.sort(key=lambda h: (-len(h.carries), -h.score))
        results.append(OrganisationResult(searcher._organisations[org], float(scores[org]), tuple(hits)))
    return results


def test_best_first_is_a_stable_sort_of_the_finite_scores_cut_to_top_k():
    rng = np.random.default_rng(5)
    for _ in range(200):
        scores = rng.integers(0, 6, size=rng.integers(1, 60)).astype(float)  # many ties
        scores[rng.random(scores.size) < 0.1] = -np.inf  # organisations without passages
        scores[rng.random(scores.size) < 0.05] = np.nan
        expected = [i for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
        for top_k in (None, 0, 1, 2, 5, scores.size, scores.size + 3):
            wanted = expected[:top_k] if top_k else expected
            assert best_first(scores, top_k).tolist() == wanted, (scores, top_k)


@pytest.fixture(scope="module")
def synthetic_searcher() -> Searcher:
    """A learned-mode searcher over 3,000 synthetic passages of 400 organisations (random vectors and
    heads), situations read by a hashing double of the models."""
    return make_searcher(3000, 400, HashingEmbedder(dimension=384), HashingEmbedder(dimension=384, name="e5"))


def test_the_vectorised_answer_is_the_per_organisation_loop_on_a_synthetic_corpus(synthetic_searcher):
    found_some = 0
    for text in SITUATIONS[:12]:
        whole = synthetic_searcher.search(text)
        expected = loop_results(synthetic_searcher, whole.query, set(whole.needs))
        assert list(whole.results) == expected
        found_some += any(h.carries for r in whole.results for h in r.evidence)
        for top_k in (1, 10, 399):
            assert synthetic_searcher.search(text, top_k=top_k).results == tuple(expected[:top_k])
    assert found_some, "the evidence order by needs carried was exercised"


def test_passage_scores_are_faiss_search_scores(synthetic_searcher):
    index = synthetic_searcher.index
    rng = np.random.default_rng(11)
    for _ in range(5):
        query = rng.standard_normal(384).astype(np.float32)
        query /= np.linalg.norm(query)
        found, rows = index.vectors.search(query.reshape(1, -1), index.vectors.ntotal)
        scores = Searcher._scores_for(index, query)
        assert scores[rows[0]] == pytest.approx(found[0].astype(np.float64), abs=1e-6)
        assert scores.dtype == np.float64 and scores.shape == (len(index.corpus.passages),)


@pytest.mark.slow
def test_the_served_answers_are_the_per_organisation_loop_on_the_real_corpus(real_searcher):
    """Same organisations in the same order, the same scores to the last bit, the same evidence in the same
    order, for situations in English and in other languages, and for what top_k cuts."""
    compared = 0
    for text in SITUATIONS + OTHER_LANGUAGES:
        whole = real_searcher.search(text)
        if not whole.ranked:
            continue
        read_as = language_and_confidence(clean(text[:2000]))[0]  # the space the search chose, before the heads' say
        expected = loop_results(real_searcher, whole.query, set(whole.needs), read_as)
        assert list(whole.results) == expected, text
        for top_k in (1, 3):
            assert real_searcher.search(text, top_k=top_k).results == tuple(expected[:top_k])
        compared += 1
    assert compared >= 45
