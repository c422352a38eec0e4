"""The learned layer's pure logic (fits, thresholds, storage, training) and its data (no overlap between
training and held-out sets). The served heads' quality is tested in test_relevance.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation.metrics import EVALDATA, load_queries
from assistant.learning import situations as situations_module
from assistant.learning.learned import (
    Learned,
    fit_sigmoids,
    fit_softmax,
    precision_threshold,
    recall_threshold,
    sigmoid_targets,
    train_neighbours,
)
from assistant.learning.situations import (
    HELD_OUT,
    Situation,
    as_typed,
    fingerprint,
    held_out_texts,
    text_key,
    training_situations,
    typed_copies,
)
from assistant.learning.training import (
    choose_thresholds,
    folds_of,
    is_current,
    served_by,
    situation_vectors,
    train,
    with_copies,
)
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS

ORGS = ("org-a", "org-b", "org-c")


def test_sigmoid_fit_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    y = (x @ np.array([1.5, -2, 0.5, 0, 1]) + rng.normal(scale=0.5, size=300) > 0).astype(float)
    w, b = fit_sigmoids(x, y[:, None], c=2.0)
    reference = LogisticRegression(C=2.0, tol=1e-8, max_iter=5000).fit(x, y)
    assert np.allclose(w[:, 0], reference.coef_[0], atol=0.05) and abs(b[0] - reference.intercept_[0]) < 0.05


def test_masked_columns_learn_only_from_their_rows():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    targets = np.stack([x[:, 0] > 0, x[:, 1] > 0], axis=1).astype(float)
    mask = np.ones_like(targets, dtype=bool)
    mask[:100, 1] = False
    targets[:100, 1] = 1 - targets[:100, 1]  # wrong labels where the column is masked: they must not count
    w, _ = fit_sigmoids(x, targets, mask, c=10.0)
    assert w[1, 1] > 1.0 and abs(w[0, 1]) < abs(w[1, 1])


def test_softmax_gives_probabilities_and_never_an_unseen_class():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(int)  # classes 0 and 1 only; class 2 never seen
    w, b = fit_softmax(x, labels, None, 3)
    z = x @ w + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert np.allclose(p.sum(axis=1), 1) and p[:, 2].max() < 1e-6
    assert (p.argmax(axis=1) == labels).mean() > 0.9


def test_thresholds_keep_what_they_promise():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])
    positive = np.array([1, 1, 0, 1, 1, 0, 0, 0], dtype=bool)
    assert (p[positive] >= recall_threshold(p, positive, 1.0)).all()
    t = precision_threshold(p, positive, 0.75)
    chosen = p >= t
    assert positive[chosen].mean() >= 0.75 and chosen.sum() == 5  # the deepest cut that keeps 0.75


def _situations(n: int = 60) -> list[Situation]:
    out = []
    for i in range(n):
        org = ORGS[i % 3]
        out.append(Situation(f"s{i}", f"{org} situation number {i % 3} words", "src" + str(i % 4), "en", "-",
                             "out_of_scope" if i % 10 == 9 else "cat", ("child",) if i % 3 == 0 else (),
                             {} if i % 10 == 9 else {org: 2}, urgent=i % 5 == 0,
                             danger_kind="suicide" if i % 5 == 0 else None))
    return out


def test_training_is_deterministic_and_retrains_when_a_label_changes(tmp_path, fake_embedder):
    situations = _situations()
    spaces = {"primary": (fake_embedder,)}
    first = train(spaces, ORGS, tmp_path / "a", situations, say=lambda _: None)
    second = train(spaces, ORGS, tmp_path / "b", situations, say=lambda _: None)
    for name, array in first.heads["primary"].arrays().items():
        assert np.array_equal(array, second.heads["primary"].arrays()[name]), name
    again = train(spaces, ORGS, tmp_path / "b", situations, say=lambda _: None)  # vectors from the cache now
    assert list((tmp_path / "b").glob("vectors-*.npz"))
    for name, array in first.heads["primary"].arrays().items():
        assert np.array_equal(array, again.heads["primary"].arrays()[name]), name
    loaded = Learned.load(tmp_path / "a")
    vector = fake_embedder.embed(["org-b situation number 1 words"])
    assert ORGS[int(np.argmax(loaded.heads["primary"].organisations(vector)))] == "org-b"
    stored = loaded.heads["primary"].neighbours  # saved in int8, read back with its settings
    assert stored is not None and ORGS[int(np.argmax(stored(vector)))] == "org-b"
    assert is_current(tmp_path / "a", spaces, ORGS, situations)
    changed = [situations[0].__class__(**{**situations[0].__dict__, "grades": {"org-c": 2}})] + situations[1:]
    assert fingerprint(changed) != fingerprint(situations)
    assert not is_current(tmp_path / "a", spaces, ORGS, changed)
    assert not is_current(tmp_path / "a", spaces, ("org-a",), situations)


def test_the_vector_cache_keeps_what_another_caller_put_in_it(tmp_path, fake_embedder):
    """Both spaces read the multilingual model's cache, one without the typed copies: asking for some texts
    must not throw away the vectors of the others (else every retrain embeds the 5,284 copies again)."""
    embedded = []

    class Counting:
        name = fake_embedder.name

        def embed(self, texts, show_progress=False):
            embedded.extend(texts)
            return fake_embedder.embed(texts)

    cache = tmp_path / "vectors.npz"
    situation_vectors(Counting(), ["written one", "its copy"], cache)
    situation_vectors(Counting(), ["written one", "a new line"], cache)  # the other space, one new line
    assert embedded == ["written one", "its copy", "a new line"]
    situation_vectors(Counting(), ["written one", "its copy", "a new line"], cache)
    assert len(embedded) == 3, "a vector the cache had was embedded again"


def test_neighbours_follow_the_nearest_labelled_situations():
    """Where the nearest judged situations were sent, by cosine: grade 1 counts a little, unjudged lines not
    at all, out-of-scope ones only for how much of the neighbourhood is out of scope; the nearest few decide."""
    def situation(i, grades, in_scope=True):
        return Situation(f"s{i}", f"text {i}", "test", "en", "victim_short",
                         "x" if in_scope else "out_of_scope", (), grades)

    vectors = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1], [0, 0.9, 0.1]], dtype=np.float32)
    situations = [situation(0, {"org-a": 2}), situation(1, {"org-a": 2, "org-b": 1}), situation(2, {"org-b": 2}),
                  situation(3, {}, in_scope=False), situation(4, None)]
    near = train_neighbours(vectors, situations, ORGS)
    assert len(near.vectors) == 4 and near.outside.tolist() == [False, False, False, True]  # the unjudged line is not
    assert np.allclose(near.targets[:3].sum(axis=1), 1) and np.allclose(near.targets[1], [1 / 1.3, 0.3 / 1.3, 0])
    p, share = near.read(np.array([[2.0, 0.1, 0], [0, 3.0, 0], [0, 0.3, 1.0]]))  # any length: by cosine
    assert np.allclose(p.sum(axis=1), 1)
    assert p[0, 0] > 0.8 and p[1, 1] > 0.99  # the nearest decide; a far one barely counts
    assert p[2, 1] > 0.99  # an out-of-scope neighbour sends nowhere: the nearest in scope decide
    assert share[0] < 0.01 and share[1] < 0.01 and share[2] > 0.99  # ... and says how much is out of scope


def test_the_danger_threshold_keeps_each_served_languages_recall():
    """English danger is read with high probabilities, Lithuanian with low ones: a threshold read on all of
    them together would keep the pooled recall and lose most Lithuanian urgent lines; each served language
    with enough urgent lines keeps its own. Only the served languages count for the other thresholds."""
    situations, danger = [], []
    for language, high, low in (("en", 0.9, 0.1), ("lt", 0.4, 0.05)):
        for i in range(100):
            urgent = i < 40
            situations.append(Situation(f"{language}{i}", "x", "danger_set", language, category="cat",
                                        needs=(), grades={"org-a": 2}, urgent=urgent))
            danger.append((high if urgent else low) + (i % 40) * 0.001)
    probabilities = {"danger": np.array(danger), "needs": np.zeros((200, len(NEED_KEYS))),
                     "out_of_scope": np.zeros(200)}
    lithuanian = choose_thresholds(probabilities, situations, served_by("multilingual", ["primary", "multilingual"],
                                                                          situations))
    urgent_lt = np.array([s.urgent and s.language == "lt" for s in situations])
    assert (probabilities["danger"][urgent_lt] >= lithuanian["danger"]).mean() >= 0.96
    pooled = choose_thresholds(probabilities, situations, served_by("primary", ["primary"], situations))
    assert pooled["danger"] <= lithuanian["danger"]  # every language served: the lowest of all still counts
    assert served_by("primary", ["primary", "multilingual"], situations).sum() == 100  # English only


def test_other_languages_are_also_learned_as_people_type_them_in_latin_letters():
    assert as_typed("Vyras mane muša, padėkit", "lt") == "Vyras mane musa, padekit"
    assert as_typed("Mąż zabrał mi paszport, Łódź", "pl") == "Maz zabral mi paszport, Lodz"
    assert as_typed("Муж меня бьёт, ПОМОГИТЕ", "ru") == "Muzh menya bet, POMOGITE"
    assert as_typed("Чоловік погрожує, я боюся", "uk") == "Cholovik pogrozhuye, ya boyusya"
    assert as_typed("my husband hits me, café", "en") == "my husband hits me, café"  # a language not listed
    written = [Situation("a", "Vyras mane muša", "w1", "lt", "victim_short", "domestic_violence", ("woman",),
                         {"org-a": 2}, True, "attack_now"),
               Situation("b", "vyras mane musa", "w1", "lt", grades={"org-a": 2}),  # already typed so: no copy
               Situation("c", "my husband hits me", "w2", "en", grades={"org-a": 2})]
    [copy] = typed_copies(written)
    assert copy.text == "Vyras mane musa" and copy.variant == "latin" and copy.id == "a~latin"
    assert (copy.source, copy.language, copy.needs, copy.grades, copy.urgent, copy.danger_kind) == \
        ("w1", "lt", ("woman",), {"org-a": 2}, True, "attack_now")
    assert with_copies("multilingual", written) == written + [copy] and with_copies("primary", written) == written
    # A copy stays in its original's cross-validation fold, by source and by id alike.
    by_source = [Situation(f"{src}{i}", "Muša", src, "lt") for src in "pqrs" for i in range(3)]
    for lines in (by_source, [Situation(f"x{i}", "Muša", "one", "lt") for i in range(30)]):
        both = lines + typed_copies(lines)
        folds = folds_of(both)
        assert (folds[:len(lines)] == folds[len(lines):]).all() and len(set(folds)) > 1


def test_thresholds_are_read_on_the_lines_as_written_not_on_their_copies():
    """Copies typed in Latin letters read lower danger probabilities; they must not pull the threshold down."""
    situations, danger = [], []
    for i in range(100):
        urgent = i < 40
        original = Situation(f"lt{i}", "Muša", "danger_set", "lt", category="cat", needs=(), grades={"org-a": 2},
                             urgent=urgent)
        situations.append(original)
        danger.append((0.6 if urgent else 0.1) + (i % 40) * 0.001)
    copies = typed_copies(situations)
    probabilities = {"danger": np.array(danger + [p / 10 for p in danger]), "needs": np.zeros((200, len(NEED_KEYS))),
                     "out_of_scope": np.zeros(200)}
    served = served_by("multilingual", ["primary", "multilingual"], situations + copies)
    alone = choose_thresholds({k: v[:100] for k, v in probabilities.items()}, situations, served[:100])
    with_them = choose_thresholds(probabilities, situations + copies, served)
    assert with_them["danger"] == alone["danger"] > 0.5


def test_sigmoid_targets_mask_what_was_not_labelled():
    s = [Situation("a", "x", "s", needs=None, category="-", urgent=None),
         Situation("b", "y", "s", needs=("child",), category="out_of_scope", urgent=True)]
    targets, mask = sigmoid_targets(s, NEED_KEYS)
    assert not mask[0].any()
    assert mask[1].all() and targets[1, NEED_KEYS.index("child")] == 1 and targets[1, -2] == 1 and targets[1, -1] == 1


def test_training_data_is_well_formed():
    situations = training_situations()
    assert len(situations) >= 2000
    assert len({s.id for s in situations}) == len(situations)
    for s in situations:
        assert s.text.strip() and s.language in {"en", "lt", "ru", "pl", "uk"}
        assert s.needs is None or set(s.needs) <= set(NEED_KEYS)
        assert not s.urgent or s.danger_kind in DANGER_KINDS
        if s.grades is not None and s.in_scope:
            assert 2 in s.grades.values(), s.id


def test_held_out_sets_never_meet_the_training_data():
    """Neither the lines as written nor their typed copies (what the multilingual heads also learn)."""
    written = training_situations()
    trained = {text_key(s.text) for s in written + typed_copies(written)}
    held = []
    for name in HELD_OUT:
        folder = EVALDATA / name
        if (folder / "queries.jsonl").exists():
            held += [q.text for q in load_queries(folder / "queries.jsonl")]
        if (folder / "danger.jsonl").exists():
            held += [json.loads(line)["text"] for line in (folder / "danger.jsonl").read_text().splitlines() if line]
    assert len(held) >= 600
    assert not [t for t in held if text_key(t) in trained]
    # The lines latin.json leaves uncopied are there because their copy is a held-out text (and only those).
    by_id = {s.id: s for s in written}
    skipped = json.loads((Path(situations_module.__file__).with_name("latin.json")).read_text())["not_copied"]
    held_keys = held_out_texts()
    assert skipped and all(text_key(as_typed(by_id[i].text, by_id[i].language)) in held_keys for i in skipped)


def test_a_held_out_file_in_the_training_folder_is_refused(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "heldout_en.jsonl").write_text('{"id": "x", "text": "y"}\n')
    with pytest.raises(ValueError, match="held-out"):
        training_situations(tmp_path)


def _write_situations(root: Path, situations: list[Situation], indent: str = "") -> Path:
    """``situations`` as a writer's file under ``root/train`` (``indent``: the same lines, other bytes)."""
    (root / "train").mkdir(exist_ok=True)
    path = root / "train" / "writer.jsonl"
    path.write_text("".join(indent + json.dumps({"id": s.id, "text": s.text, "lang": s.language,
                                                 "category": s.category, "needs": list(s.needs or ()),
                                                 "grades": s.grades, "urgent": s.urgent,
                                                 "danger_kind": s.danger_kind}) + "\n" for s in situations))
    return path


def test_situations_are_read_again_when_their_bytes_change(tmp_path):
    """Read once per process (each opening of a searcher asks), but never stale: a file whose bytes changed is
    read again, even at the same size and within the same tick of the clock."""
    from assistant.learning.situations import stored_fingerprint

    path = _write_situations(tmp_path, _situations(3))
    first, fingerprint = training_situations(tmp_path), stored_fingerprint(tmp_path)
    assert [s.id for s in first] == ["s0", "s1", "s2"] and training_situations(tmp_path) == first
    size = path.stat().st_size
    path.write_bytes(path.read_bytes().replace(b'"org-b": 2', b'"org-b": 1'))  # one label, the same size
    assert path.stat().st_size == size
    assert training_situations(tmp_path)[1].grades == {"org-b": 1} and stored_fingerprint(tmp_path) != fingerprint


def test_a_start_knows_its_heads_by_the_files_bytes_and_the_situations_decide(tmp_path, fake_embedder):
    """is_current's quick check (the training files' bytes, recorded by train) says current for the same files;
    a changed label is not current; other bytes with the same situations are current by the full fingerprint."""
    from assistant.learning.situations import files_fingerprint

    spaces = {"primary": (fake_embedder,)}
    path = _write_situations(tmp_path, _situations())
    train(spaces, ORGS, tmp_path / "heads", say=lambda _: None, root=tmp_path)
    recorded = json.loads((tmp_path / "heads" / "learned.json").read_text())["training_files"]
    assert recorded == files_fingerprint(tmp_path) and is_current(tmp_path / "heads", spaces, ORGS, root=tmp_path)
    written = path.read_bytes()
    path.write_bytes(written.replace(b'"org-b": 2', b'"org-c": 2', 1))
    assert not is_current(tmp_path / "heads", spaces, ORGS, root=tmp_path)
    _write_situations(tmp_path, _situations(), indent=" ")  # other bytes, the same situations
    assert files_fingerprint(tmp_path) != recorded and is_current(tmp_path / "heads", spaces, ORGS, root=tmp_path)
    (tmp_path / "heads" / "heads-primary.npz").unlink()  # learned.json alone is read: a missing file is seen too
    assert not is_current(tmp_path / "heads", spaces, ORGS, root=tmp_path)


def test_the_shipped_heads_record_their_training_files():
    """So that every start takes the quick check (7 ms, not 0.9 s)."""
    from assistant.config import Settings
    from assistant.learning.situations import files_fingerprint

    info = json.loads((Settings().index_dir / "learned" / "learned.json").read_text())
    assert info["training_files"] == files_fingerprint(), \
        "the shipped heads do not record these training files: assistant build (--force if no label changed)"


def test_every_held_out_folder_is_refused_for_training():
    """A new held-out set is covered the day it is added: every evaldata folder named heldout* is in HELD_OUT."""
    folders = {p.name for p in EVALDATA.iterdir() if p.is_dir() and p.name.startswith("heldout")}
    assert folders and folders <= set(HELD_OUT), folders - set(HELD_OUT)


def test_two_writers_adopting_heads_into_one_folder_never_collide(tmp_path):
    """Two builds (or an app start and a build) may copy the shipped heads into one folder at once: each
    writes under a temporary name of its own, so neither renames the other's file away (with one fixed
    name, 2 x 200 copies failed about 70 times with FileNotFoundError)."""
    import threading

    from assistant.learning.training import adopt

    source, target = tmp_path / "shipped", tmp_path / "index"
    source.mkdir()
    for name in ("heads-primary.npz", "heads-multilingual.npz", "learned.json"):
        (source / name).write_bytes(name.encode() * 2000)
    errors: list[BaseException] = []

    def copy_many() -> None:
        try:
            for _ in range(200):
                adopt(source, target)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    writers = [threading.Thread(target=copy_many) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert sorted(p.name for p in target.iterdir()) == ["heads-multilingual.npz", "heads-primary.npz", "learned.json"]
    assert (target / "learned.json").read_bytes() == (source / "learned.json").read_bytes()
