import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from assistant.evaluation.metrics import (
    EVALDATA,
    answer_scores,
    load_qrels,
    load_queries,
    mean_metrics,
    per_query_metrics,
    randomization_test,
    split_of,
    write_trec_run,
)
from assistant.types import Answer, Organisation, OrganisationResult


def test_metrics_on_a_hand_checked_fixture():
    qrels = {"q1": {"a": 2, "b": 1, "c": 0}, "q2": {"a": 0, "b": 0, "c": 2}, "q3": {"a": 2}}
    run = {"q1": {"a": 0.9, "b": 0.5, "c": 0.1}, "q2": {"a": 0.9, "b": 0.5, "c": 0.1}, "q3": {}}
    per_query = per_query_metrics(qrels, run)
    assert per_query["q1"]["nDCG@3"] == pytest.approx(1.0)
    assert per_query["q1"]["Success@1"] == 1 and per_query["q1"]["MRR"] == 1
    # q2: the one judged 2 comes third: gain 2 / log2(4) against an ideal 2 / log2(2).
    assert per_query["q2"]["nDCG@3"] == pytest.approx(0.5)
    assert per_query["q2"]["MRR"] == pytest.approx(1 / 3) and per_query["q2"]["Success@1"] == 0
    assert per_query["q2"]["Recall@3"] == 1
    # q3: nothing returned counts as zero on every metric.
    assert all(value == 0 for value in per_query["q3"].values())
    assert mean_metrics(per_query)["Success@1"] == pytest.approx(1 / 3)


def test_randomization_test_agrees_with_scipy():
    rng = np.random.default_rng(1)
    a = rng.uniform(size=40)
    b = a - rng.normal(0.05, 0.1, size=40)
    ours = randomization_test(a, b, trials=20_000)
    reference = stats.permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
                                       n_resamples=20_000, random_state=2).pvalue
    assert ours == pytest.approx(reference, abs=0.02)
    assert randomization_test(a, a) == 1.0


def _org(org_id):
    return Organisation(org_id, org_id, "", (), None, (), "", "", "", None)


def test_answer_scores_keep_the_rank_order_on_ties():
    answer = Answer("q", (OrganisationResult(_org("z"), 0.5, ()), OrganisationResult(_org("a"), 0.5, ())))
    scores = answer_scores(answer)
    assert scores["z"] > scores["a"]


def test_trec_run_format(tmp_path: Path):
    path = tmp_path / "run.trec"
    write_trec_run({"q1": {"a": 0.2, "b": 0.9}}, path, tag="full")
    assert path.read_text().splitlines() == ["q1 Q0 b 1 0.900000 full", "q1 Q0 a 2 0.200000 full"]


def test_trec_run_round_trip(tmp_path: Path):
    from assistant.evaluation.metrics import load_trec_run

    run = {"q1": {"a": 0.9, "b": 0.2}, "q2": {"c": 0.5}}
    write_trec_run(run, tmp_path / "r.trec", tag="x")
    assert load_trec_run(tmp_path / "r.trec") == run


def test_bundled_set_is_complete_and_split_in_halves():
    queries, qrels = load_queries(), load_qrels()
    assert len(queries) >= 150 and {q.id for q in queries} == set(qrels)
    assert all(len(judged) == 8 and 2 in judged.values() for judged in qrels.values())
    dev = sum(split_of(q.id) == "dev" for q in queries)
    assert 0.4 < dev / len(queries) < 0.6
    assert len(load_queries(EVALDATA / "out_of_scope.jsonl")) >= 20
    for line in (EVALDATA / "danger.jsonl").read_text().splitlines():
        assert isinstance(json.loads(line)["urgent"], bool)


class ReadingSearcher:
    """A searcher whose learned heads read each labelled line as the test says: P(danger now) against a cut-off
    of 0.5, the most likely kind and P(suicide) + P(self-harm). Pure logic, no model."""

    spaces = {"primary": None}

    def __init__(self, reads: dict[str, tuple[float, str, float]]):
        self.reads = reads

    def space_for(self, language: str):
        return None

    def understand(self, text: str, space) -> tuple[None, dict]:
        danger, kind, share = self.reads[text]
        return None, {"danger": danger, "danger_threshold": 0.5, "danger_kind": kind, "crisis_share": share}


def test_the_danger_report_says_how_often_the_crisis_line_is_offered(tmp_path: Path):
    from assistant.evaluation.metrics import danger_comparison, danger_markdown

    lines = [  # (text, labelled urgent, labelled kind, the heads' reading)
        ("the first line", True, "suicide", (0.9, "threat_to_kill", 0.45)),  # offered on the share
        ("the second line", True, "suicide", (0.9, "attack_now", 0.1)),  # missed
        ("i cut my arms again tonight", True, "self_harm", (0.2, "attack_now", 0.0)),  # the rules name it
        ("the third line", True, "attack_now", (0.9, "attack_now", 0.05)),
        ("the fourth line", True, "threat_to_kill", (0.9, "threat_to_kill", 0.3)),  # offered beside 112
        ("the fifth line", False, None, (0.1, "suicide", 0.9)),  # not urgent: counted in neither
    ]
    path = tmp_path / "danger.jsonl"
    path.write_text("\n".join(json.dumps({"_id": f"d{i}", "text": t, "urgent": u, "kind": k})
                              for i, (t, u, k, _) in enumerate(lines)), encoding="utf-8")
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    comparison = danger_comparison(ReadingSearcher({t: read for t, _, _, read in lines}), items)
    reach = comparison["crisis_line"]
    assert reach["suicide_or_self_harm"] == {"n": 3, "offered": 2, "share": pytest.approx(2 / 3)}
    assert reach["other_urgent"] == {"n": 2, "offered": 1, "share": pytest.approx(1 / 2)}
    table = danger_markdown(comparison)
    assert ("Crisis line offered (combined): 0.667 (2 of 3) of the urgent lines labelled suicide or self-harm; "
            "0.500 (1 of 2) of the other urgent lines.") in table
    assert table.startswith("| system | all |") and comparison["systems"]["combined"]["tp"] == 5  # the rest as before
