import numpy as np
import pytest

from assistant.config import Settings
from assistant.corpus.parse import load_corpus
from assistant.index.store import build
from assistant.retrieval.query import EMPTY_MESSAGE, EmptyQuery, check_query
from assistant.retrieval.ranking import organisation_scores, soft_maximum
from assistant.retrieval.search import Searcher
from assistant.taxonomy import BY_KEY


@pytest.fixture
def fake_searcher(tmp_path, corpus_dir, fake_embedder):
    index = build(load_corpus(corpus_dir), fake_embedder, tmp_path / "index")
    return Searcher(index, fake_embedder, Settings(max_chars=4000))


def test_dense_ranking_matches_brute_force_on_random_vectors(fake_searcher):
    index = fake_searcher.index
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(len(index.corpus.passages), 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index.vectors.reset()
    index.vectors.add(vectors)
    for _ in range(20):
        query = rng.normal(size=64).astype(np.float32)
        query /= np.linalg.norm(query)
        fake_searcher.embedder = type("Fixed", (), {"embed": lambda self, texts, q=query: q.reshape(1, -1),
                                                    "fit": lambda self, text: (text, False), "name": "fixed"})()
        scores = vectors @ query
        expected = {}
        for passage, score in zip(index.corpus.passages, scores):
            expected[passage.organisation_id] = max(expected.get(passage.organisation_id, -9), float(score))
        ranked = fake_searcher.search("anything", mode="dense").results
        assert [r.organisation.id for r in ranked] == sorted(expected, key=lambda o: -expected[o])
        for result in ranked:
            assert result.score == pytest.approx(expected[result.organisation.id], abs=1e-5)
            assert [h.score for h in result.evidence] == sorted((h.score for h in result.evidence), reverse=True)
            assert all(h.passage.organisation_id == result.organisation.id for h in result.evidence)


def test_soft_maximum_lies_between_mean_and_max_and_rewards_more_evidence():
    rng = np.random.default_rng(3)
    for _ in range(50):
        scores = rng.uniform(-1, 1, size=rng.integers(1, 9))
        assert scores.mean() - 1e-9 <= soft_maximum(scores) <= scores.max() + 1e-9
    one_match = np.array([0.6, 0.1, 0.1, 0.1])
    two_matches = np.array([0.6, 0.55, 0.1, 0.1])
    assert soft_maximum(two_matches) > soft_maximum(one_match)


def test_organisation_scores_group_by_owner():
    scores = organisation_scores(np.array([0.1, 0.9, 0.3, 0.2]), np.array([0, 0, 1, 2]), 4, soft=False)
    assert scores[:3].tolist() == [0.9, 0.3, 0.2] and scores[3] == -np.inf


def test_unknown_mode_is_refused(fake_searcher):
    with pytest.raises(ValueError, match="unknown mode"):
        Searcher(fake_searcher.index, fake_searcher.embedder, mode="magic")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!...", None, 42])
def test_empty_input_gives_a_message_and_no_search(fake_searcher, text):
    answer = fake_searcher.search(text)
    assert answer.results == () and answer.message == EMPTY_MESSAGE


def test_long_text_is_cut_and_says_so(fake_searcher, fake_embedder):
    checked = check_query("child " * 80, fake_embedder, max_chars=4000)
    assert checked.truncated and len(checked.text.split()) == 50
    answer = fake_searcher.search("child abuse " * 40)
    assert answer.truncated and "only its beginning" in answer.message and answer.results


def test_over_max_chars_is_cut(fake_embedder):
    checked = check_query("a" * 10_000, fake_embedder, max_chars=100)
    assert checked.truncated and len(checked.text) == 100


def test_every_organisation_with_a_passage_is_returned(fake_searcher):
    answer = fake_searcher.search("children abuse")
    assert len(answer.results) == 8
    assert len(fake_searcher.search("children abuse", top_k=3).results) == 3


def test_empty_query_exception_type():
    with pytest.raises(EmptyQuery):
        check_query("   ", None, 10)


def test_thoughts_of_suicide_read_by_the_safety_check_are_a_need_for_suicide_prevention(fake_searcher):
    # No word of the crisis vocabulary, but the danger detector reads thoughts of suicide.
    suicide = BY_KEY["suicide"].label()  # "thoughts of suicide or self-harm", from the one taxonomy
    answer = fake_searcher.search("i keep thinking everyone would be better off if i was dead")
    assert answer.urgent and suicide in answer.understood and answer.needs == ("suicide",)
    assert suicide not in fake_searcher.search("he hit me").understood


def learned_reading(searcher: Searcher, monkeypatch, danger_kind: str, crisis_share: float) -> Searcher:
    """The searcher on the learned road with its heads' reading of any situation fixed: danger now (0.9 against a
    cut-off of 0.5), ``danger_kind`` most likely and P(suicide) + P(self-harm) ``crisis_share``; no need found."""
    from types import SimpleNamespace

    from assistant.taxonomy import NEED_KEYS

    n, needs = len(searcher.index.corpus.organisations), len(NEED_KEYS)
    heads = SimpleNamespace(organisations=SimpleNamespace(labels=()), needs=SimpleNamespace(labels=NEED_KEYS))
    learned = Searcher(searcher.index, searcher.embedder, searcher.settings, learned=SimpleNamespace(
        heads={"primary": heads}))
    read = {"organisations": np.zeros(n), "neighbours": np.zeros(n), "wording": np.zeros(n), "needs": np.zeros(needs),
            "need_thresholds": np.full(needs, 0.5), "out_of_scope": 0.0, "out_of_scope_threshold": 0.5,
            "danger": 0.9, "danger_threshold": 0.5, "danger_kind": danger_kind, "crisis_share": crisis_share,
            "language": "en"}
    monkeypatch.setattr(learned, "understand", lambda text, space: (space.embedder.embed([text])[0], read))
    return learned


def test_the_learned_road_offers_the_crisis_line_without_naming_suicide(fake_searcher, monkeypatch):
    """Suicide likely but a threat to kill read first: the answer offers the crisis line (and says so in JSON),
    while its kind and "We understood" stay what the detector named."""
    from assistant.web.render import answer_json

    answer = learned_reading(fake_searcher, monkeypatch, "threat_to_kill", 0.45).search("I need someone to talk to")
    assert answer.urgent and answer.urgent_kind == "threat_to_kill" and answer.urgent_crisis_line
    assert BY_KEY["suicide"].label() not in answer.understood and "suicide" not in answer.needs
    assert answer_json(answer)["urgent_crisis_line"] is True
    unlikely = learned_reading(fake_searcher, monkeypatch, "threat_to_kill", 0.1).search("I need someone to talk to")
    assert unlikely.urgent and unlikely.urgent_kind == "threat_to_kill" and not unlikely.urgent_crisis_line
    assert answer_json(unlikely)["urgent_crisis_line"] is False


def test_bm25_leaves_out_organisations_that_share_no_word(fake_searcher):
    """The lexical baseline returns only organisations with a passage sharing a word with the situation,
    best first, each one's evidence best match first."""
    passages = fake_searcher.index.corpus.passages
    word = "prostitution"  # in the corpus, but not in every organisation's passages
    holders = {p.organisation_id for p in passages if word in p.text.lower()}
    assert 0 < len(holders) < len(fake_searcher.index.corpus.organisations)
    results = fake_searcher.search(word, mode="bm25").results
    assert {r.organisation.id for r in results} == holders
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    for result in results:
        assert [h.score for h in result.evidence] == sorted((h.score for h in result.evidence), reverse=True)
