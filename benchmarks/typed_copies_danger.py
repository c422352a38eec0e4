"""Danger on typed text (python benchmarks/typed_copies_danger.py): heads trained without copies vs with, scored on the out-of-fold copies (other
languages, danger-set lines), at each fold's thresholds chosen on the other folds' lines as written."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from assistant.config import Settings
from assistant.learning.situations import training_situations, typed_copies
from assistant.learning.training import (
    choose_thresholds,
    cross_validated,
    features,
    folds_of,
    neighbours_from,
    served_by,
    train_heads,
)
from assistant.retrieval.search import LEARNED_DIR, open_searcher
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS

settings = Settings.from_env()
searcher = open_searcher(settings)
orgs = tuple(o.id for o in searcher.index.corpus.organisations)
base = training_situations()
copies = typed_copies(base)
allrows = base + copies
space = searcher.spaces["multilingual"]
names = list(searcher.spaces)
x = features(space.readers, [s.text for s in allrows], settings.index_dir / LEARNED_DIR)
n = len(base)
folds = folds_of(allrows)
copy = np.arange(len(allrows)) >= n
served = served_by("multilingual", names, allrows)
focused = np.array([s.source.startswith("danger") and s.urgent is not None for s in allrows])
urgent = np.array([bool(s.urgent) for s in allrows])
for variant in ("no copies", "copies"):
    dec = np.zeros(len(allrows), bool)
    for fold in np.unique(folds):
        test = np.flatnonzero((folds == fold) & served)
        train = np.flatnonzero((folds != fold) & (True if variant == "copies" else ~copy))
        these = [allrows[i] for i in train]
        near = neighbours_from("multilingual", served[train])
        heads = train_heads("multilingual", x[train], these, orgs, NEED_KEYS, DANGER_KINDS, only_sigmoids=True, neighbours_from=near)
        # thresholds from the training folds' out-of-fold probabilities (as the build does, nested)
        inner = folds_of(these)
        p = cross_validated("multilingual", x[train], these, orgs, inner, start=heads, neighbours_from=near)
        chosen = choose_thresholds(p, these, served[train])
        dec[test] = heads.danger(x[test])[:, 0] >= chosen["danger"]
        print(variant, "fold", fold, flush=True)
    for which, m in (("written", ~copy), ("typed copies", copy)):
        rows = m & focused & served & np.array([s.language != "en" for s in allrows])
        tp = (dec & urgent & rows).sum()
        print(f"{variant:10} {which:12} recall {tp / (urgent & rows).sum():.3f} precision {tp / max((dec & rows).sum(), 1):.3f} urgent {(urgent & rows).sum()}")
