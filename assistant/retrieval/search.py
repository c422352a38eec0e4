"""The one entry point from a situation in a person's words to ranked organisations with evidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.config import Settings
from assistant.index.embedders import Embedder, embed_situations
from assistant.index.store import EXACT_LIMIT, SearchIndex
from assistant.learning.learned import Learned
from assistant.normalise import clean
from assistant.retrieval.language import NAMES, language_and_confidence, model_reads
from assistant.retrieval.query import EmptyQuery, check_query
from assistant.retrieval.ranking import (
    DEFAULT_MODE,
    EVIDENCE_WEIGHT,
    MODES,
    NEIGHBOUR_WEIGHT,
    STEPS,
    WORDING_WEIGHT,
    best_first,
    organisation_scores,
)
from assistant.safety.danger import CRISIS_KINDS, assess_danger, detect_danger
from assistant.taxonomy import BY_KEY, passage_needs
from assistant.types import Answer, OrganisationResult, PassageHit

NEAREST_PASSAGES = 1000  # passages scored per situation above EXACT_LIMIT
NOTHING_FITS_NOTE = ("We could not find an organisation that clearly fits what you wrote. Below are all the "
                     "organisations we know, in case one of them can still help. If you are in danger, call 112.")
TRUNCATED_NOTE = ("Your text was long, so only its beginning was used for the search. "
                  "If the most important part came later, you can search again with just that part.")


@dataclass(frozen=True)
class Space:
    """One sentence model with the passage index it built: the configured model ("primary", read for
    English) or the multilingual one (read for every other language)."""

    name: str
    index: SearchIndex
    embedder: Embedder  # the model that built ``index``
    readers: tuple = ()  # the models whose vectors, side by side, the learned heads read (``embedder`` first)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The situation's vector in this space's index, and the heads' features."""
        own = embed_situations(self.embedder, [text])[0]
        others = [embed_situations(e, [text])[0] for e in self.readers[1:]]
        return own, np.concatenate([own, *others]) if others else own


class Searcher:
    """Search one loaded index with one model: the one road from a situation to ranked organisations."""

    def __init__(self, index: SearchIndex, embedder: Embedder, settings: Settings | None = None,
                 mode: str | None = None, multilingual: Space | None = None, learned: Learned | None = None):
        mode = mode or (DEFAULT_MODE if learned is not None else "evidence")
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}'; choose one of {', '.join(MODES)}")
        if STEPS[mode].learned and learned is None:
            raise ValueError(f"mode '{mode}' needs the learned layer (assistant build trains it)")
        self.index, self.embedder, self.mode = index, embedder, mode
        self.settings = settings or Settings()
        readers = (embedder, multilingual.embedder) if multilingual is not None else (embedder,)
        self.spaces = {"primary": Space("primary", index, embedder, readers)}
        if multilingual is not None:
            self.spaces["multilingual"] = multilingual
        self.learned = learned
        corpus = index.corpus
        self._organisations = list(corpus.organisations)
        position = {o.id: i for i, o in enumerate(self._organisations)}
        self._owners = np.array([position[p.organisation_id] for p in corpus.passages], dtype=np.intp)
        self._passage_needs = [passage_needs(p.text) for p in corpus.passages]  # taxonomy keys, in the corpus's words
        self._bm25 = None

        # Passage rows grouped by organisation, corpus order within each: organisation i's rows are
        # _by_owner[_first_row[i]:_first_row[i + 1]], so evidence is gathered for the returned ones only.
        self._by_owner = np.argsort(self._owners, kind="stable")
        counts = np.bincount(self._owners, minlength=len(self._organisations))
        self._first_row = np.concatenate([[0], np.cumsum(counts)])
        self._need_keys = tuple(sorted({key for keys in self._passage_needs for key in keys}))
        self._speaks_of = np.array([[key in keys for key in self._need_keys] for keys in self._passage_needs],
                                   dtype=np.int32).reshape(len(self._passage_needs), len(self._need_keys))
        if learned is not None:
            self._head_columns = {}
            for space, heads in learned.heads.items():
                known = {org: j for j, org in enumerate(heads.organisations.labels)}
                self._head_columns[space] = np.array([known.get(o.id, -1) for o in self._organisations])

    def modes_for_evaluation(self) -> tuple[str, ...]:
        return tuple(m for m in MODES if self.learned is not None or not STEPS[m].learned)

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
            situations = []
            for text in texts:
                try:
                    situations.append(check_query(text, self.embedder, self.settings.max_chars).text)
                except EmptyQuery:
                    continue
            warm(list(dict.fromkeys(situations)))

    def _passage_scores(self, text: str) -> np.ndarray:
        return self._scores_for(self.index, embed_situations(self.embedder, [text])[0])

    @staticmethod
    def _scores_for(index: SearchIndex, vector: np.ndarray) -> np.ndarray:
        # Every passage's score for an exact index; the nearest ones for a graph over a large corpus
        # (the others keep the lowest cosine, -1).
        import faiss

        flat = index.vectors
        if isinstance(flat, faiss.IndexFlat) and flat.metric_type == faiss.METRIC_INNER_PRODUCT:
            # FAISS's own inner-product kernel over the stored vectors, in passage order, without its search's
            # sort of every passage (a heap of all of them, undone here): the same numbers, except that FAISS's
            # search of 10k+ passages on several threads takes a BLAS product that differs in the 7th decimal.
            query = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
            scores = np.empty(flat.ntotal, dtype=np.float32)
            faiss.fvec_inner_products_ny(faiss.swig_ptr(scores), faiss.swig_ptr(query), flat.get_xb(), flat.d,
                                         flat.ntotal)
            return scores.astype(np.float64)
        wanted = index.vectors.ntotal if index.vectors.ntotal <= EXACT_LIMIT else NEAREST_PASSAGES
        scores, rows = index.vectors.search(vector.reshape(1, -1).astype(np.float32), wanted)
        by_row = np.full(len(index.corpus.passages), -1.0)
        keep = rows[0] >= 0
        by_row[rows[0][keep]] = scores[0][keep]
        return by_row

    def _rows(self, organisation: int) -> np.ndarray:
        """An organisation's passage rows, in corpus order."""
        return self._by_owner[self._first_row[organisation]:self._first_row[organisation + 1]]

    def _unranked(self, checked, language: str, top_k: int | None = None) -> Answer:
        """Every organisation in corpus order, unranked, for a situation no model here reads."""
        shown = range(len(self._organisations))
        if top_k is not None and top_k > 0:
            shown = shown[:top_k]
        passages = self.index.corpus.passages
        results = tuple(OrganisationResult(self._organisations[org], 0.0,
                                           tuple(PassageHit(passages[r], 0.0) for r in self._rows(org).tolist()))
                        for org in shown)
        name = NAMES.get(language, language)
        message = (f"It looks like you wrote in {name}. This search cannot read {name} yet, so it cannot tell "
                   "which organisation fits best. Here are all of them, in the order of the source page. "
                   "If you are in danger, call 112.")
        if checked.truncated:
            message += " " + TRUNCATED_NOTE
        danger = detect_danger(checked.text)
        return Answer(query=checked.text, results=results, message=message, no_match=True, language=language,
                      truncated=checked.truncated, ranked=False, urgent=danger.urgent, urgent_reason=danger.reason,
                      urgent_kind=danger.kind, urgent_crisis_line=danger.crisis)

    def search(self, text: object, top_k: int | None = None, mode: str | None = None) -> Answer:
        """Rank the organisations for a situation.

        Args:
            text: the situation in the person's own words.
            top_k: how many organisations to return; all that match when None.
            mode: a ranking mode from ``assistant.retrieval.ranking.MODES``; the searcher's own by default.

        Returns:
            An Answer; when the text is empty, one with a message and no results.
        """
        step = STEPS[mode or self.mode]
        if step.learned and self.learned is None:
            raise ValueError("this searcher has no learned layer")
        language, sure = language_and_confidence(clean(text[:2000])) if isinstance(text, str) else ("en", 1.0)
        space = self.space_for(language) if step.learned else self.spaces["primary"]
        try:
            checked = check_query(text, (space or self.spaces["primary"]).embedder, self.settings.max_chars)
        except EmptyQuery as empty:
            # Echo the cleaned text: the raw one may hold lone surrogates that no UTF-8 output can carry.
            return Answer(query=clean(text) if isinstance(text, str) else "", message=str(empty))
        if step.learned:
            if space is None:
                return self._unranked(checked, language, top_k)
            return self._learned_answer(checked, language, sure, space, top_k)
        if step.language and not model_reads(self.embedder.name, language):
            return self._unranked(checked, language, top_k)
        situation = checked.text
        passage_scores = self._lexical_scores(situation) if step.lexical else self._passage_scores(situation)
        scores = organisation_scores(passage_scores, self._owners, len(self._organisations), soft=step.soft)
        danger = detect_danger(text)
        if step.lexical:  # an organisation none of whose passages shares a word is left out
            best = np.full(len(self._organisations), -np.inf)
            np.maximum.at(best, self._owners, passage_scores)
            scores = np.where(best > 0, scores, -np.inf)
        results = self._results(best_first(scores, top_k), scores, passage_scores, set())
        # Without the learned layer nothing reads needs, but "thoughts of suicide" is said exactly when the
        # danger check says so, as on the learned road.
        understood = (BY_KEY["suicide"],) if set(CRISIS_KINDS) & set(danger.kinds) else ()
        return Answer(query=checked.text, results=results, message=TRUNCATED_NOTE if checked.truncated else None,
                      truncated=checked.truncated, language=language, understood=tuple(n.label() for n in understood),
                      needs=tuple(n.key for n in understood), urgent=danger.urgent, urgent_reason=danger.reason,
                      urgent_kind=danger.kind, urgent_crisis_line=danger.crisis)

    # --- The learned road (the default) --------------------------------------------------------------------

    def space_for(self, language: str) -> Space | None:
        """English is read by the configured model; every other language by the multilingual one, or by the
        configured model when it is multilingual itself; None when no model here reads it."""
        if language == "en":
            return self.spaces["primary"]
        if "multilingual" in self.spaces and self.learned is not None and "multilingual" in self.learned.heads:
            return self.spaces["multilingual"]
        return self.spaces["primary"] if model_reads(self.embedder.name, language) else None

    def understand(self, text: str, space: Space) -> tuple[np.ndarray, dict]:
        """The situation's vector in the space's index and what the learned heads read from it (from the
        vectors of every model the space reads): organisation probabilities, where the nearest labelled
        situations were sent and the organisation probabilities read from the text's letters (the wording head)
        (in corpus order; 0 for organisations the heads never saw), need probabilities, P(out of scope),
        P(danger now), the most likely kind of danger and P(suicide) + P(self-harm) (whether to offer the crisis
        line when another kind comes first)."""
        heads = self.learned.heads[space.name]
        own, vector = space.features(text)
        columns = self._head_columns[space.name]

        def by_organisation(p: np.ndarray) -> np.ndarray:  # corpus order; 0 for what training never saw
            return np.where(columns >= 0, p[np.maximum(columns, 0)], 0.0)

        by_org = by_organisation(heads.organisations(vector)[0])
        sent, share = heads.neighbours.read(vector) if heads.neighbours is not None else (None, None)
        neighbours = by_organisation(sent[0]) if sent is not None else np.zeros(len(columns))
        places, signals = heads.wording.read([text]) if heads.wording is not None else (None, None)
        worded = by_organisation(places[0]) if places is not None else np.zeros(len(columns))
        kinds = heads.danger_kind(vector)[0]
        return own, {"organisations": by_org, "neighbours": neighbours, "wording": worded,
                        "needs": heads.needs(vector)[0],
                        "need_thresholds": heads.needs.thresholds,
                        "out_of_scope": float(heads.nothing_fits(vector, share, signals)[0]),
                        "out_of_scope_threshold": float(heads.out_of_scope.thresholds[0]),
                        "danger": float(heads.danger_now(vector, signals)[0]),
                        "danger_threshold": float(heads.danger.thresholds[0]),
                        "danger_kind": heads.danger_kind.labels[int(np.argmax(kinds))],
                        "crisis_share": float(sum(p for label, p in zip(heads.danger_kind.labels, kinds)
                                                  if label in CRISIS_KINDS)),
                        "language": heads.language.labels[int(np.argmax(heads.language(vector)[0]))]}

    def _learned_answer(self, checked, language: str, sure: float, space: Space, top_k: int | None) -> Answer:
        vector, read = self.understand(checked.text, space)
        if language != "en" and sure < LANGUAGE_SURE:
            language = read["language"]  # texting the detector is unsure of: the learned head knows the writers
        passage_scores = self._scores_for(space.index, vector)
        evidence = organisation_scores(passage_scores, self._owners, len(self._organisations), soft=True)
        scores = read["organisations"] + NEIGHBOUR_WEIGHT * read["neighbours"] + WORDING_WEIGHT * read["wording"] + \
            EVIDENCE_WEIGHT * evidence
        danger = assess_danger(checked.text, read["danger"], read["danger_threshold"], read["danger_kind"],
                               read["crisis_share"])
        # "Thoughts of suicide" is said exactly when the danger detector names suicide or self-harm among its kinds;
        # the banner's crisis line is offered on weaker evidence too (Danger.crisis), which names nothing.
        suicidal = bool(set(CRISIS_KINDS) & set(danger.kinds))
        found = [BY_KEY[key] for key, p, t in zip(self.learned.heads[space.name].needs.labels, read["needs"],
                                                  read["need_thresholds"]) if p >= t and key != "suicide"]
        if suicidal:
            found.append(BY_KEY["suicide"])
        nothing_fits = read["out_of_scope"] >= read["out_of_scope_threshold"] and not danger.urgent
        results = self._results(best_first(scores, top_k), scores, passage_scores, {n.key for n in found})
        return Answer(
            query=checked.text, results=results,
            message=" ".join(m for m, on in ((NOTHING_FITS_NOTE, nothing_fits),
                                              (TRUNCATED_NOTE, checked.truncated)) if on) or None,
            truncated=checked.truncated, no_match=nothing_fits, language=language,
            understood=tuple(n.label() for n in found), needs=tuple(n.key for n in found),
            urgent=danger.urgent, urgent_reason=danger.reason, urgent_kind=danger.kind,
            urgent_crisis_line=danger.crisis)

    def _results(self, order: np.ndarray, scores: np.ndarray, passage_scores: np.ndarray,
                 found_keys: set[str]) -> tuple[OrganisationResult, ...]:
        """The organisations in ``order`` with their evidence: each one's passages, those that speak of more
        of the needs found first, then best match first (ties in corpus order). Only the organisations
        returned are gathered, in one sort over their passages, so the cost follows what is returned."""
        first, counts = self._first_row[order], np.diff(self._first_row)[order]
        ends = np.cumsum(counts)
        # Every returned organisation's rows, one organisation after another.
        rows = self._by_owner[np.repeat(first - ends + counts, counts) + np.arange(counts.sum())]
        found = np.array([key in found_keys for key in self._need_keys], dtype=np.int32)
        carried = self._speaks_of[rows] @ found  # how many of the found needs each passage speaks of
        rank = np.lexsort((-passage_scores[rows], -carried, np.repeat(np.arange(len(order)), counts)))
        rows, carried = rows[rank], carried[rank]
        passages = self.index.corpus.passages
        hits = [PassageHit(passages[r], score, tuple(BY_KEY[k].label() for k in self._passage_needs[r]
                                                      if k in found_keys) if n else ())
                for r, score, n in zip(rows.tolist(), passage_scores[rows].tolist(), carried.tolist())]
        return tuple(OrganisationResult(self._organisations[org], score, tuple(hits[end - count:end]))
                     for org, score, count, end in zip(order.tolist(), scores[order].tolist(), counts.tolist(),
                                                       ends.tolist()))


MULTILINGUAL_DIR, LEARNED_DIR = "multilingual", "learned"  # inside the index folder
LANGUAGE_SURE = 0.7  # below this detector confidence, the learned language head names the language


def open_searcher(settings: Settings, say=None, force: bool = False, show_progress: bool = False,
                  warm_detector: bool = True) -> Searcher:
    """Load the models, the passage indexes and the learned layer, building or training what is missing,
    stale or damaged: ``<index>/`` (the configured model), ``<index>/multilingual/`` (the multilingual
    model, for other languages) and ``<index>/learned/`` (the heads, retrained when the labelled
    situations or the models change). With ``warm_detector`` (the default) the language detector's models
    are loaded too, so the first search does not wait for them; ``assistant build``, which searches
    nothing, leaves them.

    Raises:
        ModelError: the model cannot be loaded.
        CorpusError: the corpus cannot be parsed.
        IndexProblem: the index folder cannot be written.
    """
    from assistant.index.fastpath import open_embedder
    from assistant.index.store import load_or_build
    from assistant.learning.situations import training_situations
    from assistant.learning.training import adopt, is_current, train
    from assistant.retrieval.language import warm

    say = say or (lambda message: None)
    # ONNX Runtime for the packaged model (same vectors, no torch import), else sentence-transformers.
    embedder = open_embedder(settings.model, settings.index_dir / "onnx", say=say)
    index = load_or_build(settings.corpus_dir, settings.index_dir, embedder, force=force,
                          show_progress=show_progress, say=say)
    multilingual = None
    if settings.multilingual_model and not model_reads(settings.model, "lt"):
        from assistant.index.e5fast import open_multilingual
        from assistant.index.embedders import ModelError

        try:
            e5 = open_multilingual(settings.multilingual_model, settings.index_dir / "onnx", say=say)
        except ModelError as error:
            say(f"warning: {error} Situations in other languages will get every organisation, unranked.")
        else:
            other = load_or_build(settings.corpus_dir, settings.index_dir / MULTILINGUAL_DIR, e5, force=force,
                                  show_progress=show_progress, say=say)
            if other.corpus.fingerprint == index.corpus.fingerprint:
                multilingual = Space("multilingual", other, e5, (e5,))
    learned = None
    if settings.learned:
        # English is read from both models' vectors side by side (cross-validated: Success@1 +0.03 over the
        # English model alone); other languages from the multilingual model's alone (benchmarks/learning.py).
        spaces = {"primary": (embedder, multilingual.embedder), "multilingual": (multilingual.embedder,)} \
            if multilingual else {"primary": (embedder,)}
        directory = settings.index_dir / LEARNED_DIR
        organisations = tuple(o.id for o in index.corpus.organisations)
        shipped = Settings().index_dir / LEARNED_DIR  # the heads that come with the project, when they fit
        # The training situations on disk and their fingerprint are read once in a process (each CLI command
        # or test that opens a searcher again pays nothing more while the files are unchanged).
        if force or not is_current(directory, spaces, organisations):
            # Heads are a function of the labelled situations, the models and the organisations: where the
            # project's own fit them, a new or rebuilt index takes them instead of training again.
            if shipped.resolve() != directory.resolve() and is_current(shipped, spaces, organisations):
                adopt(shipped, directory)
            else:
                say("Training the learned layer on the labelled situations.")
                train(spaces, organisations, directory, training_situations(), say=say)
        learned = Learned.load(directory)
    # The language detector's models, before the first person waits for them; after the model and the corpus
    # have loaded, so a wrong model or a broken corpus is named without waiting for them.
    if warm_detector:
        warm()
    return Searcher(index, embedder, settings, multilingual=multilingual, learned=learned)
