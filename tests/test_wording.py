"""The wording head (assistant.learning.wording): the letters of a situation, hashed the same way in every
process, weighted by tf-idf, and a softmax that learns them. Pure logic: no model, no index."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from assistant.learning.learned import Heads, Learned
from assistant.learning.situations import Situation
from assistant.learning.wording import columns, grams, inverse_frequencies, matrix, train_wording, weighted

from .conftest import ROOT

ORGS = ("org-a", "org-b", "org-c")


def test_grams_are_cut_inside_words_from_the_folded_text():
    assert grams("Vyras MUŠA") == grams("vyras musa")  # case and accents fold away
    assert grams("убьёт") == grams("убьет")
    cut = grams("ab cde")
    assert {" a", "ab", "b ", " ab", "ab "} <= set(cut) and " ab " in cut  # each word padded on both sides
    assert not any("b c" in g for g in cut)  # never across two words
    assert max(map(len, cut)) == 5 and min(map(len, cut)) == 2
    assert grams("") == [] and grams("   ") == []


def test_columns_are_the_same_in_every_process():
    text = "Mano vyras muša ir grasina"
    found, tf = columns(text)
    script = (f"import json; from assistant.learning.wording import columns; f, t = columns({text!r}); "
              "print(json.dumps([f.tolist(), t.tolist()]))")
    for seed in ("1", "2"):  # Python's own str hash changes with the seed; CRC-32 does not
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(done.stdout) == [found.tolist(), tf.tolist()]
    assert np.all(np.diff(found) > 0)  # each column once
    assert len(grams(text)) > len(found)  # "ra", "as", "a " are in two words each: one column, counted twice
    assert tf.min() == 1.0 and np.isclose(tf.max(), 1 + np.log(2))  # once: 1; twice: 1 + log 2


def test_rows_are_unit_length_and_rare_grams_weigh_more():
    raw = matrix(["vyras musa", "vyras geria", "vaikas dingo"])
    idf = inverse_frequencies(raw)
    rows = weighted(raw, idf)
    assert np.allclose(np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel()), 1, atol=1e-6)
    common, rare = columns("vyras")[0][0], columns("musa")[0][0]
    assert idf[common] < idf[rare]  # in two texts against one
    assert matrix([]).shape == (0, raw.shape[1])


def _situation(i: int, text: str, org: str | None, language: str = "lt") -> Situation:
    return Situation(f"s{i}", text, "test", language, "victim_short", "x" if org else "out_of_scope", (),
                     {org: 2} if org else {})


def test_the_head_reads_spellings_and_word_forms_it_never_saw():
    lines = [("vyras mane muša kas vakarą", "org-a"), ("sugyventinis muša ir grasina", "org-a"),
             ("vyras vėl mušė mane", "org-a"), ("dingo mano sūnus", "org-b"), ("dukra dingo prieš savaitę", "org-b"),
             ("nerandame dingusio brolio", "org-b"), ("noriu kompensacijos už žalą", "org-c"),
             ("kas atlygins žalą", "org-c"), ("kompensacija nukentėjusiems", "org-c"), ("kaimyno šuo loja", None)]
    situations = [_situation(i, text, org) for i, (text, org) in enumerate(lines)]
    head = train_wording([s.text for s in situations], situations, ORGS)
    p = head(["VYRAS MUSA", "sunus dingo", "kompensacijos", "vyras musa, sunus dingo"])
    assert np.allclose(p.sum(axis=1), 1)
    assert [ORGS[i] for i in p[:3].argmax(axis=1)] == ["org-a", "org-b", "org-c"]  # no accents, other forms
    assert p[3, 0] > p[3, 2] and p[3, 1] > p[3, 2]  # two needs: both above the third
    bias = np.exp(head.bias - head.bias.max())
    assert np.allclose(head([""])[0], bias / bias.sum())  # no letters: the bias alone


def test_the_stored_head_is_the_one_measured(tmp_path):
    situations = [_situation(i, f"{org} žodis {i % 3}", org, "en") for i, org in enumerate(ORGS * 4)]
    head = train_wording([s.text for s in situations], situations, ORGS)
    empty = np.zeros((0, 0), np.float32)
    from assistant.learning.learned import Head

    dummy = Head((), empty, np.zeros(0, np.float32), True)
    Learned({"primary": Heads("primary", dummy, dummy, dummy, dummy, dummy, dummy, None, head)},
            {"format_version": 5, "spaces": {"primary": {name: [] for name in
                                                         ("organisations", "needs", "out_of_scope", "danger",
                                                          "danger_kind", "language")}}}).save(tmp_path)
    info = json.loads((tmp_path / "learned.json").read_text())
    info["spaces"]["primary"]["organisations"] = list(ORGS)
    (tmp_path / "learned.json").write_text(json.dumps(info))
    loaded = Learned.load(tmp_path).heads["primary"].wording
    texts = ["org-b žodis", "ORG-C ZODIS 2", "nieko"]
    assert np.array_equal(loaded(texts), head(texts))  # int8 codes and half-precision idf: trained on what is kept


def test_danger_and_nothing_fits_blend_in_the_wording_heads_signals():
    """The served decisions read the vectors' heads and the wording head's sigmoids together (learned.blended,
    at WORDING_SHARE); the thresholds are chosen on the same blend (training.cross_validated)."""
    from assistant.learning.learned import WORDING_SHARE, train_heads
    from assistant.learning.training import cross_validated
    from assistant.taxonomy import DANGER_KINDS, NEED_KEYS

    lines = ([(f"jis mane muša dabar {i}", True) for i in range(8)] + [(f"prieš metus mušė {i}", False) for i in range(8)]
             + [(f"kur gauti kompensaciją {i}", False) for i in range(8)])
    situations = [Situation(f"s{i}", text, f"danger{i % 3}", "lt", "victim_short", "x", (), {"org-a": 2},
                            urgent=urgent, danger_kind="attack_now" if urgent else None)
                  for i, (text, urgent) in enumerate(lines)]
    vectors = np.random.default_rng(0).normal(size=(len(situations), 8)).astype(np.float32)  # say nothing
    heads = train_heads("multilingual", vectors, situations, ORGS, NEED_KEYS, DANGER_KINDS)
    signals = heads.wording.read(["jis vel musa mane dabar", "pries metus muse"])[1]
    assert signals[0, 0] > 0.5 > signals[1, 0]  # the letters tell danger now from the past, accents or not
    v = vectors[:2]
    assert np.allclose(heads.danger_now(v, signals),
                       (1 - WORDING_SHARE["urgent"]) * heads.danger(v)[:, 0] + WORDING_SHARE["urgent"] * signals[:, 0])
    assert np.allclose(heads.danger_now(v), heads.danger(v)[:, 0])  # without the wording head: the vectors' alone
    assert np.allclose(heads.nothing_fits(v, signals=signals),
                       (1 - WORDING_SHARE["out_of_scope"]) * heads.nothing_fits(v)
                       + WORDING_SHARE["out_of_scope"] * signals[:, 1])
    folds = np.array([i % 3 for i in range(len(situations))])
    blended = cross_validated("multilingual", vectors, situations, ORGS, folds)["danger"]
    alone = cross_validated("multilingual", vectors, situations, ORGS, folds, wording=False)["danger"]
    urgent = np.array([urgent for _, urgent in lines])
    assert blended[urgent].min() > blended[~urgent].max()  # out of fold, the blend separates them ...
    assert not alone[urgent].min() > alone[~urgent].max()  # ... which the vectors, saying nothing, cannot
