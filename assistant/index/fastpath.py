"""The fast path for the packaged model: ONNX Runtime and the tokenizers library, no torch at query time.

sentence-transformers pays for PyTorch twice: seconds to import, and framework overhead on every
short query. The same network exported once with ``torch.onnx`` and run by ONNX Runtime gives the
same vectors (cosine >= 0.9999, checked after every export and in the tests) in about half the
time per query (benchmarks/bench.py, both measured in turn), and the app starts without importing
torch at all, in half the memory.

Files in the cache folder (``<index>/onnx`` by default; a model cache, not part of the index):
    model.onnx   the transformer, exported from the packaged weights.
    model.json   what it was exported from; a different source, size or date means a new export.

Set ``ASSISTANT_FAST_PATH=0`` to always use sentence-transformers. Any model other than the
packaged one, a missing onnxruntime, or a failed export falls back to sentence-transformers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
import warnings
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from types import SimpleNamespace
from typing import Callable, Sequence

import numpy as np

from assistant.index.embedders import (
    _PACKAGED_NAMES,
    Embedder,
    SentenceTransformerEmbedder,
    embed_situations,
    resolve_model,
)

FAST_PATH_ENV = "ASSISTANT_FAST_PATH"
CACHE_ENV = "ASSISTANT_QUERY_CACHE"  # how many query vectors to keep; 0 turns the cache off (benchmarks)
THREADS_ENV = "ASSISTANT_MODEL_THREADS"  # threads per model call; several app processes on one machine share the cores
ONNX_FILE, INFO_FILE = "model.onnx", "model.json"
EXPECTED_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                    "sentence_transformers.models.Normalize"]
log = logging.getLogger(__name__)


def _source_info(model_dir: Path) -> dict:
    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    return {"source": str(model_dir), "weights_bytes": stat.st_size, "weights_mtime_ns": stat.st_mtime_ns,
            "format": 2}


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mask = mask[..., None].astype(np.float32)
    summed = (hidden * mask).sum(axis=1)
    pooled = summed / np.clip(mask.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


class OnnxEmbedder:
    """The packaged model run by ONNX Runtime: mean pooling and normalisation as sentence-transformers does."""

    def __init__(self, name: str, model_dir: Path, onnx_path: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.max_seq_length = int(config["max_seq_length"])
        self.max_tokens = self.max_seq_length - 2  # room for [CLS] and [SEP], as in SentenceTransformerEmbedder
        # tokenizer.json carries its own padding/truncation (128); sentence-transformers uses max_seq_length.
        self._fit_tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._fit_tokenizer.no_truncation()
        self._fit_tokenizer.no_padding()
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_seq_length)
        self._tokenizer.no_padding()
        # The part of a transformers tokenizer others read (the speller takes its whole words).
        self.tokenizer = SimpleNamespace(vocab=self._fit_tokenizer.get_vocab())
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = int(os.environ.get(THREADS_ENV, 0))  # 0: one per core
        # Spinning threads win a millisecond alone but steal the core from the web server under load.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.dimension = int(self.embed(["dimension"]).shape[1])

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        rows = []
        for start in range(0, len(texts), 32):
            encodings = self._tokenizer.encode_batch(list(texts[start:start + 32]))
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(encodings), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for i, e in enumerate(encodings):
                ids[i, :len(e.ids)], mask[i, :len(e.ids)] = e.ids, e.attention_mask
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: feed[k] for k in self._inputs})[0]
            rows.append(_mean_pool(hidden, mask))
        if not rows:
            return np.zeros((0, getattr(self, "dimension", 0)), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)

    def fit(self, text: str) -> tuple[str, bool]:
        offsets = self._fit_tokenizer.encode(text, add_special_tokens=False).offsets
        if len(offsets) <= self.max_tokens:
            return text, False
        return text[: offsets[self.max_tokens - 1][1]], True


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the transformer to ``target`` with torch.onnx, check it against torch, then move it in place.

    Raises:
        RuntimeError: the exported model does not give torch's vectors.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    # Eager attention: its mask arithmetic traces into a graph that holds for every length and padding,
    # and ONNX Runtime fuses it into one Attention node per layer (about 20% faster per query).
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    # Lengths from 3 to 200 tokens in one padded batch: the check covers padding as well as length.
    sample = tokenizer(["a short one", "someone hurt me and I do not know who to call",
                        " ".join(["my husband hits me and I am afraid to go home"] * 20)],
                       padding=True, return_tensors="pt")
    args = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        path = Path(scratch) / ONNX_FILE
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
            # The TorchScript exporter (~2 s): with eager attention its graph is ONNX Runtime's standard
            # BERT pattern, which the dynamo exporter's is not.
            torch.onnx.export(Hidden(model).eval(), args, str(path), input_names=names, output_names=["hidden"],
                              dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names}, opset_version=17,
                              dynamo=False)
            expected = _mean_pool(Hidden(model)(*args).numpy(), sample["attention_mask"].numpy())
        import onnxruntime as ort

        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = _mean_pool(session.run(None, {n: a.numpy() for n, a in zip(names, args)})[0],
                         sample["attention_mask"].numpy())
        if float((got * expected).sum(axis=1).min()) < 0.9999:
            raise RuntimeError("the ONNX export does not reproduce the model's vectors")
        os.chmod(path, 0o644)
        os.replace(path, target)


def _fast_embedder(name: str, cache_dir: Path, say: Callable[[str], None]) -> Embedder | None:
    model_dir = Path(resolve_model(name))
    modules = json.loads((model_dir / "modules.json").read_text())
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    if [m["type"] for m in modules] != EXPECTED_MODULES or not pooling.get("pooling_mode_mean_tokens"):
        return None
    onnx_path, info_path = cache_dir / ONNX_FILE, cache_dir / INFO_FILE
    wanted = _source_info(model_dir)
    current = json.loads(info_path.read_text()) if info_path.exists() else None
    if current != wanted or not onnx_path.exists():
        say(f"Exporting the model to ONNX in {cache_dir} (once).")
        export_onnx(model_dir, onnx_path)
        with tempfile.NamedTemporaryFile("w", dir=cache_dir, prefix=f".{INFO_FILE}.", delete=False) as tmp:
            tmp.write(json.dumps(wanted, indent=1))  # whole or not at all: another process may be reading it
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, info_path)
    return OnnxEmbedder(name, model_dir, onnx_path)


def open_embedder(name: str, cache_dir: Path, say: Callable[[str], None] = log.info) -> Embedder:
    """The fastest embedder that gives this model's vectors: ONNX Runtime when it can, else sentence-transformers.

    Raises:
        ModelError: the model cannot be loaded at all.
    """
    if name in _PACKAGED_NAMES and os.environ.get(FAST_PATH_ENV, "1") != "0":
        try:
            embedder = _fast_embedder(name, cache_dir, say)
            if embedder is not None:
                return CachedEmbedder(embedder, int(os.environ.get(CACHE_ENV, 1024)))
        except Exception as error:  # ImportError, OSError, ORT or export errors: the slow path still works
            say(f"The fast model path is not available ({type(error).__name__}: {error}); "
                "using sentence-transformers.")
    return CachedEmbedder(SentenceTransformerEmbedder(name), int(os.environ.get(CACHE_ENV, 1024)))


class CachedEmbedder:
    """Remembers the vectors of recent single queries, so a repeated one skips the model.

    Keys are salted hashes, not the text: nothing a person typed is kept in memory for longer
    than the request.
    """

    def __init__(self, inner: Embedder, size: int = 1024):
        self.inner, self.size = inner, size
        self.name, self.dimension = inner.name, inner.dimension
        self._salt = secrets.token_bytes(16)
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        if len(texts) != 1 or self.size <= 0:
            return self.inner.embed(texts, show_progress=show_progress)
        return self._cached(texts[0], b"p", self.inner.embed)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1 or self.size <= 0:
            return embed_situations(self.inner, texts)
        return self._cached(texts[0], b"q", lambda t: embed_situations(self.inner, t))

    def _key(self, text: str, side: bytes) -> bytes:
        return hashlib.blake2b(side + text.encode("utf-8", "surrogatepass"), key=self._salt).digest()

    def _cached(self, text: str, side: bytes, embed) -> np.ndarray:
        key = self._key(text, side)
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vectors = embed([text])
        vectors.flags.writeable = False
        with self._lock:
            self._vectors[key] = vectors
            if len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vectors

    def warm(self, texts: Sequence[str]) -> None:
        """Embed many queries in one batch and remember each (evaluation, example buttons)."""
        keys = {self._key(t, b"q"): t for t in texts}
        with self._lock:
            missing = [(k, t) for k, t in keys.items() if k not in self._vectors]
        for start in range(0, len(missing), 256):
            chunk = missing[start:start + 256]
            vectors = embed_situations(self.inner, [t for _, t in chunk])
            with self._lock:
                for (key, _), row in zip(chunk, vectors):
                    vector = row.reshape(1, -1).copy()
                    vector.flags.writeable = False
                    self._vectors[key] = vector
                    if len(self._vectors) > self.size:
                        self._vectors.popitem(last=False)

    def fit(self, text: str) -> tuple[str, bool]:
        return self.inner.fit(text)

    def __getattr__(self, name: str):
        # Anything else (the tokenizer, max_tokens) is the wrapped embedder's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
