"""The one entry point from a situation in a person's words to ranked organisations with evidence."""

from __future__ import annotations

import re

import numpy as np

from .config import Settings
from .embedder import Embedder
from .index import EXACT_LIMIT, SearchIndex
from .query import EmptyQuery, check_query, clean
from .language import NAMES, detect_language, model_reads
from .needs import NEEDS, Need, coverage, is_adult, needs_in_situation, passage_needs, passage_tags, signals_harm
from .ranking import DEFAULT_MODE, MODES, NOTHING_FITS_BELOW, STEPS, Step, need_shares, needs_boost, organisation_scores
from .spelling import Speller, tokenizer_words
from .safety import detect_danger
from .types import Answer, OrganisationResult, PassageHit

NEAREST_PASSAGES = 1000  # passages scored per situation above EXACT_LIMIT
NOTHING_FITS_NOTE = ("We could not find an organisation that clearly fits what you wrote. Below are all the "
                     "organisations we know, in case one of them can still help. If you are in danger, call 112.")
SUICIDE = next(need for need in NEEDS if need.key == "suicide")
TRUNCATED_NOTE = ("Your text was long, so only its beginning was used for the search. "
                  "If the most important part came later, you can search again with just that part.")


class Searcher:
    """Search one loaded index with one model: the one road from a situation to ranked organisations."""

    def __init__(self, index: SearchIndex, embedder: Embedder, settings: Settings | None = None,
                 mode: str = DEFAULT_MODE):
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}'; choose one of {', '.join(MODES)}")
        self.index, self.embedder, self.mode = index, embedder, mode
        self.settings = settings or Settings()
        corpus = index.corpus
        self._organisations = list(corpus.organisations)
        position = {o.id: i for i, o in enumerate(self._organisations)}
        self._owners = np.array([position[p.organisation_id] for p in corpus.passages])
        self._tags, self._tag_weights = passage_tags((p.kind, p.text) for p in corpus.passages)
        self._shares = {adult: need_shares(coverage(self._tags, self._tag_weights, self._owners,
                                                    len(self._organisations), adult=adult))
                        for adult in (True, False)}
        self._passage_needs = [passage_needs(p.text) for p in corpus.passages]
        corpus_words = {w for p in corpus.passages for w in re.findall(r"[A-Za-z]+", p.text)}
        need_words = {w for need in NEEDS for w in re.findall(r"[a-z]{3,}", need.situation.pattern)}
        self._speller = Speller(corpus_words | need_words, tokenizer_words(getattr(embedder, "tokenizer", None)))
        self._bm25 = None

    @staticmethod
    def modes_for_evaluation() -> tuple[str, ...]:
        return MODES

    def _lexical_scores(self, text: str) -> np.ndarray:
        import bm25s

        if self._bm25 is None:
            self._bm25 = bm25s.BM25()
            texts = [p.text for p in self.index.corpus.passages]
            self._bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        tokens = bm25s.tokenize([text], stopwords="en", return_ids=False, show_progress=False)[0]
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)

    def warm(self, texts: list[str], mode: str | None = None) -> None:
        """Embed many situations in one batch ahead of searching them (evaluation, benchmarks), when
        the embedder remembers query vectors (``fastpath.CachedEmbedder``); otherwise nothing."""
        warm = getattr(self.embedder, "warm", None)
        if warm is not None:
            step = STEPS[mode or self.mode]
            situations = []
            for text in texts:
                try:
                    situations.append(self._mended(check_query(text, self.embedder, self.settings.max_chars).text, step))
                except EmptyQuery:
                    continue
            warm(list(dict.fromkeys(situations)))

    def _mended(self, checked_text: str, step: Step) -> str:
        """The text the model reads for a checked situation: with misspellings mended when the mode says so."""
        return self._speller.correct(checked_text) if step.spelling else checked_text

    def _passage_scores(self, text: str) -> np.ndarray:
        vector = self.embedder.embed([text])[0]
        # Every passage's score for an exact index; the nearest ones for a graph over a large corpus
        # (the others keep the lowest cosine, -1).
        wanted = self.index.vectors.ntotal if self.index.vectors.ntotal <= EXACT_LIMIT else NEAREST_PASSAGES
        scores, rows = self.index.vectors.search(vector.reshape(1, -1).astype(np.float32), wanted)
        by_row = np.full(len(self.index.corpus.passages), -1.0)
        keep = rows[0] >= 0
        by_row[rows[0][keep]] = scores[0][keep]
        return by_row

    def _hit(self, row: int, score: float, understood: tuple[Need, ...]) -> PassageHit:
        """A passage with the found needs it speaks of: those passages carried the decision, so they
        come first among an organisation's evidence, each group best match first."""
        passage = self.index.corpus.passages[row]
        keys = self._passage_needs[row]
        return PassageHit(passage, score, tuple(need.label for need in understood if need.key in keys))

    def _unranked(self, text: str, language: str) -> Answer:
        """Every organisation in corpus order, for a situation the model cannot read."""
        results = tuple(
            OrganisationResult(org, 0.0, tuple(PassageHit(p, 0.0) for p in self.index.corpus.passages
                                               if p.organisation_id == org.id))
            for org in self._organisations)
        message = (f"It looks like you wrote in {NAMES[language]}. This search understands English only, so "
                   "it cannot tell which organisation fits best. Here are all of them, in no particular order. "
                   "If you are in danger, call 112.")
        return Answer(query=text, results=results, message=message, no_match=True, language=language,
                      urgent=(danger := detect_danger(text)).urgent, urgent_reason=danger.reason)

    def search(self, text: object, top_k: int | None = None, mode: str | None = None) -> Answer:
        """Rank the organisations for a situation.

        Args:
            text: the situation in the person's own words.
            top_k: how many organisations to return; all that match when None.
            mode: a ranking mode from ``assistant.ranking.MODES``; the searcher's own by default.

        Returns:
            An Answer; when the text is empty, one with a message and no results.
        """
        step = STEPS[mode or self.mode]
        try:
            checked = check_query(text, self.embedder, self.settings.max_chars)
        except EmptyQuery as empty:
            # Echo the cleaned text: the raw one may hold lone surrogates that no UTF-8 output can carry.
            return Answer(query=clean(text) if isinstance(text, str) else "", message=str(empty))
        language = detect_language(checked.text)
        if step.language and not model_reads(self.embedder.name, language):
            return self._unranked(checked.text, language)
        situation = self._mended(checked.text, step)
        passage_scores = self._lexical_scores(situation) if step.lexical else self._passage_scores(situation)
        scores = organisation_scores(passage_scores, self._owners, len(self._organisations), soft=step.soft)
        danger = detect_danger(text)
        understood: tuple[Need, ...] = ()
        if step.needs:
            understood = needs_in_situation(situation)
            if {"suicide", "self_harm"} & set(danger.kinds) and SUICIDE not in understood:
                understood += (SUICIDE,)  # what the safety banner reads as thoughts of suicide or self-harm
            found = np.array([need in understood for need in NEEDS])
            scores = scores + needs_boost(self._shares[is_adult(situation)], found)
        nothing_fits = step.needs and not signals_harm(situation, understood) and \
            float(passage_scores.max()) < NOTHING_FITS_BELOW
        results = []
        for org in np.argsort(-scores, kind="stable"):
            rows = np.flatnonzero(self._owners == org)
            if not np.isfinite(scores[org]) or (step.lexical and passage_scores[rows].max() <= 0):
                continue  # no passage of this organisation matches at all
            hits = sorted((self._hit(r, float(passage_scores[r]), understood) for r in rows),
                          key=lambda h: (-len(h.carries), -h.score))
            results.append(OrganisationResult(self._organisations[org], float(scores[org]), tuple(hits)))
        if top_k is not None and top_k > 0:
            results = results[:top_k]
        return Answer(
            query=checked.text,
            results=tuple(results),
            message=" ".join(m for m, on in ((NOTHING_FITS_NOTE, nothing_fits),
                                              (TRUNCATED_NOTE, checked.truncated)) if on) or None,
            truncated=checked.truncated,
            no_match=nothing_fits,
            language=language,
            understood=tuple(need.label for need in understood),
            urgent=danger.urgent,
            urgent_reason=danger.reason,
        )


def open_searcher(settings: Settings, say=None, force: bool = False, show_progress: bool = False) -> Searcher:
    """Load the model and the index (building it when missing, stale or damaged).

    Raises:
        ModelError: the model cannot be loaded.
        CorpusError: the corpus cannot be parsed.
        IndexProblem: the index folder cannot be written.
    """
    from .fastpath import open_embedder
    from .index import load_or_build

    kwargs = {"say": say} if say else {}
    # ONNX Runtime for the packaged model (same vectors, no torch import), else sentence-transformers.
    embedder = open_embedder(settings.model, settings.index_dir / "onnx", **kwargs)
    index = load_or_build(settings.corpus_dir, settings.index_dir, embedder, force=force,
                          show_progress=show_progress, **kwargs)
    return Searcher(index, embedder, settings)
