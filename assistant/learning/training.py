"""Train the learned layer (``assistant.learning.learned``) from the labelled situations, for each sentence model.

``train`` embeds every training situation (vectors are cached in ``<index>/learned/`` by text, so a
retrain after a few new lines embeds only those), picks each threshold from cross-validated
probabilities (folds by source file: a fold's situations come from writers the heads did not see), then
fits the heads on everything. Deterministic: fixed folds, no sampling.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from assistant.evaluation.metrics import EVALDATA
from assistant.index.embedders import embed_situations
from assistant.learning import wording
from assistant.learning.learned import (
    DANGER_RECALL,
    FORMAT_VERSION,
    NEED_PRECISION,
    NEIGHBOUR_SHARPNESS,
    NEIGHBOURS,
    OUT_OF_SCOPE_SLIP,
    C,
    Heads,
    Learned,
    heads_info,
    precision_threshold,
    recall_threshold,
    train_heads,
)
from assistant.learning.situations import (
    Situation,
    files_fingerprint,
    fingerprint,
    stored_fingerprint,
    training_situations,
    typed_copies,
)
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS

FOLDS = 3


def _vector_cache(directory: Path, model: str) -> Path:
    return directory / f"vectors-{hashlib.sha256(model.encode()).hexdigest()[:12]}.npz"


def situation_vectors(embedder, texts: Sequence[str], cache: Path | None = None) -> np.ndarray:
    """The query-side vectors of texts, from the cache where a text was embedded before."""
    keys = [hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest()[:24] for t in texts]
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.exists():
        with np.load(cache) as stored:
            known = dict(zip(stored["keys"].tolist(), stored["vectors"].astype(np.float32)))
    missing = [i for i, k in enumerate(keys) if k not in known]
    if missing:
        for start in range(0, len(missing), 256):
            chunk = missing[start:start + 256]
            for i, row in zip(chunk, embed_situations(embedder, [texts[i] for i in chunk])):
                known[keys[i]] = row.astype(np.float16).astype(np.float32)  # as the cache gives it back:
                # the heads are the same whether a vector was just embedded or read from the cache
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            ordered = sorted(known)  # every vector known, not only these texts': two spaces share a model's cache
            tmp = _temporary(cache)
            np.savez(tmp, keys=np.array(ordered), vectors=np.stack([known[k] for k in ordered]).astype(np.float16))
            tmp.replace(cache)
    return np.stack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)


def folds_of(situations: list[Situation], folds: int = FOLDS) -> np.ndarray:
    """A fold per situation: whole source files stay together where there are enough of them, so that
    thresholds are chosen on writers the heads have not read; otherwise a fixed hash of the id."""
    sources = sorted({s.source for s in situations})
    if len(sources) >= folds:
        by_source = {src: i % folds for i, src in enumerate(sorted(sources, key=lambda s: hashlib.sha256(
            s.encode()).hexdigest()))}
        return np.array([by_source[s.source] for s in situations])
    # a typed copy ("<id>~latin") in its original's fold
    return np.array([int(hashlib.sha256((s.id.rsplit("~", 1)[0] if s.variant else s.id).encode()).hexdigest(), 16)
                     % folds for s in situations])


def cross_validated(space: str, vectors: np.ndarray, situations: list[Situation], organisations: tuple[str, ...],
                    folds: np.ndarray, start: Heads | None = None, neighbours_from: np.ndarray | None = None,
                    wording_from: np.ndarray | None = None, wording: bool = True) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of the decisions that have thresholds, for every situation, as the search
    makes them (the wording head's signals blended in; each fold's fit of the heads over the vectors starts
    from ``start``, a fit on all of them, when given: the same optimum, reached sooner). ``wording=False``: the
    heads over the vectors alone (benchmarks/detectors.py --no-wording)."""
    out = {"needs": np.zeros((len(situations), len(NEED_KEYS))), "out_of_scope": np.zeros(len(situations)),
           "danger": np.zeros(len(situations))}
    for fold in np.unique(folds):
        test, train = np.flatnonzero(folds == fold), np.flatnonzero(folds != fold)
        heads = train_heads(space, vectors[train], [situations[i] for i in train], organisations, NEED_KEYS,
                            DANGER_KINDS, only_sigmoids=True, start=start,
                            neighbours_from=None if neighbours_from is None else neighbours_from[train],
                            wording_from=None if wording_from is None else wording_from[train])  # signals: all
        signals = heads.wording.read([situations[i].text for i in test])[1] if wording else None
        out["needs"][test] = heads.needs(vectors[test])
        out["out_of_scope"][test] = heads.nothing_fits(vectors[test], signals=signals)
        out["danger"][test] = heads.danger_now(vectors[test], signals)
    return out


MIN_URGENT = 20  # a language gets its own say in the danger threshold from this many urgent lines


def served_by(space: str, spaces: Sequence[str], situations: list[Situation]) -> np.ndarray:
    """Which situations a space's heads answer for: beside a multilingual space the primary one reads English
    and the multilingual one every other language; a space alone reads them all."""
    english = np.array([s.language == "en" for s in situations])
    if space == "multilingual":
        return ~english
    return english if "multilingual" in spaces else np.ones(len(situations), dtype=bool)


def neighbours_from(space: str, served: np.ndarray) -> np.ndarray | None:
    """The labelled situations a space's heads take as neighbours: the multilingual heads every language (its
    vectors put a sentence and its translation close: grouped cross-validation, other languages' Success@1
    0.759 against 0.755 with their own languages only); the others the ones they serve (the English model
    reads English only: English Success@1 0.827 either way, at half the size; benchmarks/heads.py)."""
    return None if space == "multilingual" else served


def with_copies(space: str, situations: list[Situation], copies: list[Situation] | None = None) -> list[Situation]:
    """What a space's heads learn from: the multilingual heads the situations and their typed copies
    (``situations.typed_copies``: the other languages as people also type them, in Latin letters or without
    accents; each copy in its original's fold), the others the situations as written."""
    if space != "multilingual":
        return situations
    return situations + (typed_copies(situations) if copies is None else copies)


def training_fingerprint(situations: list[Situation], copies: list[Situation] | None = None) -> str:
    """The fingerprint of everything trained on: the situations and their typed copies."""
    return fingerprint(situations + (typed_copies(situations) if copies is None else copies))


def choose_thresholds(probabilities: dict[str, np.ndarray], situations: list[Situation],
                      served: np.ndarray | None = None) -> dict:
    """Thresholds from out-of-fold probabilities. Danger keeps DANGER_RECALL of the urgent situations of every
    language together, and of each language the heads serve (``served``) that has MIN_URGENT of them: the
    lowest of those thresholds, so no language pays for another's (benchmarks/detectors.py). A need is shown
    where it is right NEED_PRECISION of the time, and nothing-fits is said to at most OUT_OF_SCOPE_SLIP of
    the in-scope situations, both on the situations the heads serve. Every threshold is read on the lines as
    written: a typed copy is learned from, not measured on (nested grouped cross-validation, other languages:
    danger recall 0.965 -> 0.971 at precision 0.685 -> 0.679, nothing fits 0.629 -> 0.656 of the out-of-scope
    lines at the same 2.2% of in-scope ones; read on the copies too, precision fell to 0.660)."""
    written = np.array([s.variant is None for s in situations])
    served = written & (True if served is None else np.asarray(served, dtype=bool))
    # The danger threshold is read on the sets written for danger (hard negatives beside every kind of
    # danger, labelled with care), not on the urgent flags writers set in passing on other situations.
    focused = np.array([s.source.startswith("danger") for s in situations])
    flagged = np.array([s.urgent is not None for s in situations]) & (focused if focused.any() else True) & written
    urgent = np.array([bool(s.urgent) for s in situations])
    languages = np.array([s.language for s in situations])
    own = [flagged & served & (languages == language) for language in sorted(set(languages[flagged & served]))]
    candidates = [flagged] + [rows for rows in own if (urgent & rows).sum() >= MIN_URGENT]
    danger = min(recall_threshold(probabilities["danger"][rows], urgent[rows], DANGER_RECALL) for rows in candidates)
    labelled = np.array([s.needs is not None for s in situations]) & served
    needs = np.array([precision_threshold(probabilities["needs"][labelled, j],
                                          np.array([key in situations[i].needs for i in np.flatnonzero(labelled)]),
                                          NEED_PRECISION) for j, key in enumerate(NEED_KEYS)])
    scoped = np.array([s.in_scope is True for s in situations]) & served
    in_scope_p = np.sort(probabilities["out_of_scope"][scoped])[::-1]
    slip = int(np.floor(OUT_OF_SCOPE_SLIP * in_scope_p.size))
    out_of_scope = float(in_scope_p[slip]) + 1e-6 if in_scope_p.size else 0.5
    return {"danger": float(danger), "needs": needs, "out_of_scope": out_of_scope}


def features(embedders: Sequence, texts: Sequence[str], directory: Path | None = None) -> np.ndarray:
    """What the heads read: the situations' vectors from each model, side by side (cached by model)."""
    return np.hstack([situation_vectors(e, texts, _vector_cache(directory, e.name) if directory else None)
                      for e in embedders])


def with_thresholds(heads: Heads, thresholds: dict) -> Heads:
    """The same heads with the thresholds chosen for them."""
    from dataclasses import replace

    return replace(heads, needs=replace(heads.needs, thresholds=np.asarray(thresholds["needs"], dtype=np.float64)),
                   out_of_scope=replace(heads.out_of_scope, thresholds=np.array([thresholds["out_of_scope"]])),
                   danger=replace(heads.danger, thresholds=np.array([thresholds["danger"]])))


def train(spaces: dict[str, Sequence], organisations: tuple[str, ...], directory: Path,
          situations: list[Situation] | None = None, say: Callable[[str], None] = print,
          root: Path = EVALDATA) -> Learned:
    """Train and save the heads of each space: ``{"primary": (english model, multilingual model),
    "multilingual": (multilingual model,)}``, each reading its models' vectors side by side; by default on
    the training situations under ``root``."""
    started = time.perf_counter()
    situations = training_situations(root) if situations is None else situations
    copies = typed_copies(situations)
    learned_from = {space: with_copies(space, situations, copies) for space in spaces}
    heads: dict[str, Heads] = {}
    trained_on, files = training_fingerprint(situations, copies), files_fingerprint(root)
    info: dict = {"format_version": FORMAT_VERSION, "training_fingerprint": trained_on,
                  # The files the situations came from, when they are the ones on disk (is_current's quick check).
                  "training_files": files if trained_on == stored_fingerprint(root, files) else None,
                  "situations": len(situations), "typed_copies": len(copies),
                  "sources": sorted({s.source for s in situations}),
                  "organisations": list(organisations),
                  "models": {}, "spaces": {}, "thresholds": {}, "C": C,
                  "neighbours": {"k": NEIGHBOURS, "sharpness": NEIGHBOUR_SHARPNESS},
                  "wording": {"bits": wording.BITS, "C": wording.C, "grams": [wording.SMALLEST, wording.LARGEST]}}
    vectors = {space: features(embedders, [s.text for s in learned_from[space]], directory)
               for space, embedders in spaces.items()}

    def fit(space: str) -> Heads:
        these = learned_from[space]
        served = served_by(space, list(spaces), these)
        near = neighbours_from(space, served)
        full = train_heads(space, vectors[space], these, organisations, NEED_KEYS, DANGER_KINDS,
                           neighbours_from=near, wording_from=served)
        probabilities = cross_validated(space, vectors[space], these, organisations, folds_of(these), start=full,
                                        neighbours_from=near, wording_from=served)
        return with_thresholds(full, choose_thresholds(probabilities, these, served))

    # One BLAS thread per fit and the spaces side by side: L-BFGS's own step (scipy's setulb) is small
    # vector work that a threaded BLAS slows down twentyfold on a busy machine, and each fit is
    # deterministic on one thread.
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(max_workers=len(spaces)) as pool:
        fitted = dict(zip(spaces, pool.map(fit, spaces)))
    for space, embedders in spaces.items():
        heads[space] = done = fitted[space]
        info["models"][space] = [{"name": e.name, "version": getattr(e, "version", None)} for e in embedders]
        info["spaces"][space] = heads_info(done)
        info["thresholds"][space] = {"danger": float(done.danger.thresholds[0]),
                                     "out_of_scope": float(done.out_of_scope.thresholds[0]),
                                     "needs": dict(zip(NEED_KEYS, map(float, done.needs.thresholds)))}
    info["built_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    info["build_seconds"] = round(time.perf_counter() - started, 2)
    learned = Learned(heads, info)
    learned.save(directory)
    say(f"Trained the learned layer on {len(situations)} labelled situations in {info['build_seconds']:.1f} s "
        f"({directory}).")
    return learned


def is_current(directory: Path, spaces: dict[str, Sequence], organisations: tuple[str, ...],
               situations: list[Situation] | None = None, root: Path = EVALDATA) -> bool:
    """Whether the stored heads were trained on these situations (by default the training situations under
    ``root``), for these organisations, with these models."""
    try:
        info = Learned.read_info(directory)  # the json alone: the heads are loaded once, by the caller
    except (OSError, ValueError, KeyError):
        return False
    if not all((directory / f"heads-{space}.npz").is_file() for space in info.get("spaces", {})):
        return False
    if situations is None:  # the situations on disk: the same files (read in milliseconds), the same situations
        files = files_fingerprint(root)
        same = info.get("training_files") == files or \
            info.get("training_fingerprint") == stored_fingerprint(root, files)
    else:
        same = info.get("training_fingerprint") == training_fingerprint(situations)
    return same and \
        info.get("organisations") == list(organisations) and \
        {k: [m["name"] for m in v] for k, v in info.get("models", {}).items()} == \
        {k: [e.name for e in embedders] for k, embedders in spaces.items()}


def adopt(source: Path, directory: Path) -> None:
    """Copy trained heads (not their vector caches) from another index folder: the heads depend on the
    labelled situations, the models and the organisations, not on where the index lives."""
    import shutil

    directory.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in source.glob("heads-*.npz")) + ["learned.json"]  # the json last: the commit point
    for name in names:
        tmp = _temporary(directory / name)
        shutil.copyfile(source / name, tmp)
        tmp.replace(directory / name)


def _temporary(path: Path) -> Path:
    """A temporary name beside ``path`` that no other writer uses (two builds or an app start and a build
    may write the same folder at once: with one fixed name, one renamed the other's file away)."""
    import tempfile

    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp" + path.suffix)
    os.close(handle)
    return Path(name)
