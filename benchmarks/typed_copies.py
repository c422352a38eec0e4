"""The typed copies (assistant.learning.situations.typed_copies), measured the way they were chosen.

    python benchmarks/typed_copies.py

Does adding each non-English training line again as people also type it (Lithuanian/Polish without
diacritics, Russian/Ukrainian in Latin letters) help the multilingual heads? Grouped 5-fold CV by source
file, as benchmarks/heads.py. Copies follow their original's fold and are only ever trained on.
Scored on the original judged non-English lines, and on those lines' typed-as-Latin copies (a proxy for
people who write so)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from learning import ranking_metrics  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.learning.learned import C, train_neighbours, train_organisations  # noqa: E402
from assistant.learning.situations import training_situations, typed_copies  # noqa: E402
from assistant.learning.training import _vector_cache, situation_vectors  # noqa: E402
from assistant.retrieval.ranking import EVIDENCE_WEIGHT, organisation_scores  # noqa: E402
from assistant.retrieval.search import open_searcher  # noqa: E402
from benchmarks.common import situation_features  # noqa: E402


def main():
    from sklearn.model_selection import GroupKFold

    started = time.perf_counter()
    searcher = open_searcher(Settings.from_env())
    organisations = tuple(o.id for o in searcher.index.corpus.organisations)
    situations = training_situations()
    vectors, evidence = situation_features(searcher, situations)
    x = vectors["multilingual"]
    ev = evidence["multilingual"]
    space = searcher.spaces["multilingual"]
    index_of = {s.id: i for i, s in enumerate(situations)}
    copies = [(index_of[c.id.rsplit("~", 1)[0]], c.text) for c in typed_copies(situations)]  # as the build
    print(f"{len(copies)} copies", flush=True)
    cx = situation_vectors(space.embedder, [t for _, t in copies], _vector_cache(searcher.settings.index_dir / "learned", space.embedder.name))
    owners = np.array([organisations.index(p.organisation_id) for p in searcher.index.corpus.passages])
    passages = space.index.vectors.reconstruct_n(0, space.index.vectors.ntotal)
    cev = np.stack([organisation_scores(r, owners, len(organisations), soft=True) for r in cx @ passages.T])
    origin = np.array([i for i, _ in copies])
    print(f"embedded {time.perf_counter() - started:.0f} s", flush=True)
    sources = np.array([s.source for s in situations])
    english = np.array([s.language == "en" for s in situations])
    judged = np.array([s.grades is not None and s.in_scope is True for s in situations])
    n = len(situations)
    # rows of the augmented matrix: originals then copies
    ax = np.vstack([x, cx])
    asit = situations + [situations[i] for i in origin]
    copies_rows = np.arange(n, n + len(origin))
    variants = {"base": (np.zeros(0, int), np.zeros(0, int)), "augmented": (copies_rows, copies_rows),
                "neighbours only": (np.zeros(0, int), copies_rows), "head only": (copies_rows, np.zeros(0, int))}
    out = {v: np.zeros((n, len(organisations))) for v in variants}
    outc = {v: np.zeros((len(origin), len(organisations))) for v in variants}
    for fold, (train, test) in enumerate(GroupKFold(5).split(np.zeros(n), groups=sources)):
        fit = train[judged[train]]
        rows = test[~english[test]]
        crow = np.flatnonzero(np.isin(origin, test))
        heads_cache = {}
        for v, (extra_h, extra_n) in variants.items():
            def rows_with(extra):
                return np.concatenate([fit, extra[np.isin(origin[extra - n], fit)] if len(extra) else extra])
            fh, fn = rows_with(extra_h), rows_with(extra_n)
            key = len(extra_h)
            if key not in heads_cache:
                heads_cache[key] = train_organisations(ax[fh], [asit[i] for i in fh], organisations, C)
            head = heads_cache[key]
            near = train_neighbours(ax[fn], [asit[i] for i in fn], organisations)
            out[v][rows] = head(x[rows]) + near(x[rows])
            outc[v][crow] = head(cx[crow]) + near(cx[crow])
        print(f"fold {fold + 1} {time.perf_counter() - started:.0f} s", flush=True)
    langs = np.array([s.language for s in situations])
    for v in variants:
        sc = out[v] + EVIDENCE_WEIGHT * ev
        scc = outc[v] + EVIDENCE_WEIGHT * cev
        line = [v]
        for lang in ("all", "lt", "ru", "pl", "uk"):
            ids = [i for i in range(n) if judged[i] and not english[i] and (lang == "all" or langs[i] == lang)]
            line.append(f"{lang} {ranking_metrics(sc[ids], [situations[i] for i in ids], organisations)[0]:.3f}")
        cj = [k for k, i in enumerate(origin) if judged[i]]
        line.append(f"typed-copies {ranking_metrics(scc[cj], [situations[origin[k]] for k in cj], organisations)[0]:.3f}")
        print(" | ".join(line))


if __name__ == "__main__":
    main()
