"""The one entry point from a situation in a person's words to ranked organisations with evidence."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .config import Settings
from .embedder import Embedder
from .index import SearchIndex
from .query import EmptyQuery, check_query
from .types import Answer, OrganisationResult, PassageHit

TRUNCATED_NOTE = ("Your text was long, so only its beginning was used for the search. "
                  "If the most important part came later, you can search again with just that part.")


def rank_organisations(index: SearchIndex, query_vector: np.ndarray) -> list[OrganisationResult]:
    """Every organisation with a matching passage, best first.

    An organisation scores as its best passage; all its passages come along as evidence,
    best first.
    """
    scores, rows = index.vectors.search(query_vector.reshape(1, -1), index.vectors.ntotal)
    by_organisation: dict[str, list[PassageHit]] = defaultdict(list)
    for score, row in zip(scores[0], rows[0]):
        if row < 0:
            continue
        passage = index.corpus.passages[row]
        by_organisation[passage.organisation_id].append(PassageHit(passage, float(score)))
    organisations = {o.id: o for o in index.corpus.organisations}
    results = [
        OrganisationResult(organisations[org_id], hits[0].score, tuple(hits))
        for org_id, hits in by_organisation.items()
    ]
    return sorted(results, key=lambda r: (-r.score, r.organisation.name))


class Searcher:
    """Search one loaded index with one model."""

    def __init__(self, index: SearchIndex, embedder: Embedder, settings: Settings | None = None):
        self.index, self.embedder = index, embedder
        self.settings = settings or Settings()

    def search(self, text: object, top_k: int | None = None) -> Answer:
        """Rank the organisations for a situation.

        Args:
            text: the situation in the person's own words.
            top_k: how many organisations to return; all that match when None.

        Returns:
            An Answer; when the text is empty, one with a message and no results.
        """
        try:
            checked = check_query(text, self.embedder, self.settings.max_chars)
        except EmptyQuery as empty:
            return Answer(query=text if isinstance(text, str) else "", message=str(empty))
        vector = self.embedder.embed([checked.text])[0]
        results = rank_organisations(self.index, vector)
        if top_k is not None and top_k > 0:
            results = results[:top_k]
        return Answer(
            query=checked.text,
            results=tuple(results),
            message=TRUNCATED_NOTE if checked.truncated else None,
            truncated=checked.truncated,
        )


def open_searcher(settings: Settings, say=None, force: bool = False, show_progress: bool = False) -> Searcher:
    """Load the model and the index (building it when missing, stale or damaged).

    Raises:
        ModelError: the model cannot be loaded.
        CorpusError: the corpus cannot be parsed.
        IndexProblem: the index folder cannot be written.
    """
    from .embedder import SentenceTransformerEmbedder
    from .index import load_or_build

    embedder = SentenceTransformerEmbedder(settings.model)
    kwargs = {"say": say} if say else {}
    index = load_or_build(settings.corpus_dir, settings.index_dir, embedder, force=force,
                          show_progress=show_progress, **kwargs)
    return Searcher(index, embedder, settings)
