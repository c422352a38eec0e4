"""Faults: damaged, crafted, read-only and concurrently rebuilt indexes, broken corpus files, missing models.

tests/test_index.py covers the basic damage cases (truncated or garbage vectors, garbage manifest, a
model or corpus change); this file adds the rest, what the person at the CLI or app sees, and real
processes racing on one index folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import faiss
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.corpus.parse import CorpusError, load_corpus, parse_page
from assistant.index import store as index_module
from assistant.index.store import MANIFEST, PASSAGES, VECTORS, IndexProblem, IndexUnreadable, build, load, load_or_build

from .conftest import ROOT, SEED, HashingEmbedder, copy_index, running_app, start_app
from .test_robustness import BOOTSTRAP, fake_open_searcher, run_cli

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _rewrite(index_dir: Path, name: str, data: bytes) -> None:
    """Replace one index file and, as an attacker who can write the folder would, its checksum."""
    (index_dir / name).write_bytes(data)
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest[{VECTORS: "vectors_sha256", PASSAGES: "passages_sha256"}[name]] = _sha(data)
    (index_dir / MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def built(tmp_path, corpus_dir, fake_embedder) -> Path:
    index_dir = tmp_path / "index"
    build(load_corpus(corpus_dir), fake_embedder, index_dir)
    return index_dir


# --- damaged and crafted index files ------------------------------------------------------------------

def _flat_l2(index_dir: Path) -> bytes:
    old = faiss.deserialize_index(np.frombuffer((index_dir / VECTORS).read_bytes(), dtype=np.uint8))
    other = faiss.IndexFlatL2(old.d)
    other.add(old.reconstruct_n(0, old.ntotal))
    return faiss.serialize_index(other).tobytes()


DAMAGE = {
    "folder exists but is empty": (lambda d: [p.unlink() for p in d.iterdir()], "No index"),
    "manifest missing": (lambda d: (d / MANIFEST).unlink(), "No index"),
    "manifest truncated": (lambda d: (d / MANIFEST).write_bytes((d / MANIFEST).read_bytes()[:40]), "manifest"),
    "manifest not UTF-8": (lambda d: (d / MANIFEST).write_bytes(b"\xff\xfe{}"), "manifest"),
    "manifest is a folder": (lambda d: ((d / MANIFEST).unlink(), (d / MANIFEST).mkdir()), "manifest"),
    "manifest of a list": (lambda d: (d / MANIFEST).write_text("[]"), "manifest"),
    "manifest from a newer version": (
        lambda d: (d / MANIFEST).write_text((d / MANIFEST).read_text().replace('"format_version": 1',
                                                                              '"format_version": 99')),
        "out of date"),
    "vectors missing": (lambda d: (d / VECTORS).unlink(), "could not be read"),
    "passages missing": (lambda d: (d / PASSAGES).unlink(), "could not be read"),
    "passages truncated": (lambda d: (d / PASSAGES).write_bytes((d / PASSAGES).read_bytes()[:500]), "passages.json"),
    "passages replaced, checksum kept": (lambda d: (d / PASSAGES).write_text("{}"), "passages.json is damaged"),
    "passages crafted with its checksum": (lambda d: _rewrite(d, PASSAGES, b'{"organisations": 5}'), "cannot be read"),
    "vectors from another metric with its checksum": (lambda d: _rewrite(d, VECTORS, _flat_l2(d)), "inner product"),
    "vectors empty with its checksum": (lambda d: _rewrite(d, VECTORS, b""), "cannot be read"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_each_damage_is_named_then_rebuilt(built, corpus_dir, fake_embedder, damage):
    harm, expected = DAMAGE[damage]
    harm(built)
    if (built / MANIFEST).is_dir():
        with pytest.raises(IndexProblem, match="manifest"):
            load(built, corpus_dir, fake_embedder.name)
        (built / MANIFEST).rmdir()  # a folder in its place is not something a rebuild should delete
        expected = "No index"
    said = []
    rebuilt = load_or_build(corpus_dir, built, fake_embedder, say=said.append)
    assert expected in said[0], said
    assert rebuilt.vectors.ntotal == 40
    assert load(built, corpus_dir, fake_embedder.name).vectors.ntotal == 40


def test_crafted_faiss_size_is_refused_before_it_is_allocated(built, corpus_dir, fake_embedder):
    """A vectors file that claims 16 GiB of floats, with a matching checksum: FAISS's limits refuse it."""
    data = bytearray((built / VECTORS).read_bytes())
    rows = struct.pack("<Q", 40 * 64)  # the float count of the flat index's only array
    at = bytes(data).index(rows)
    data[at:at + 8] = struct.pack("<Q", 1 << 32)
    _rewrite(built, VECTORS, bytes(data))
    limits = faiss.get_deserialization_vector_byte_limit(), faiss.get_deserialization_loop_limit()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(IndexUnreadable, match="cannot be read"):
        load(built, corpus_dir, fake_embedder.name)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 200_000, f"reading the crafted file took {grown_kib} KiB"
    assert (faiss.get_deserialization_vector_byte_limit(), faiss.get_deserialization_loop_limit()) == limits


def test_graph_index_loads_under_the_read_limits(tmp_path, corpus_dir, fake_embedder, monkeypatch):
    """The limits must not refuse what build writes for a large corpus (HNSW, with its levels and links)."""
    monkeypatch.setattr(index_module, "EXACT_LIMIT", 10)
    build(load_corpus(corpus_dir), fake_embedder, tmp_path / "index")
    loaded = load(tmp_path / "index", corpus_dir, fake_embedder.name)
    assert "HNSW" in type(faiss.downcast_index(loaded.vectors)).__name__ and loaded.vectors.ntotal == 40


@settings(database=None, max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(manifest=JSON)
def test_any_manifest_is_an_index_problem(tmp_path_factory, manifest):
    corpus_dir = SEED.parent
    folder = tmp_path_factory.mktemp("index")
    build(load_corpus(corpus_dir), HashingEmbedder(), folder)
    (folder / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexProblem):
        load(folder, corpus_dir, "test/hashing")


def _mutations(records: dict):
    """A strategy for passages.json records with one field replaced by any JSON value."""
    paths = [("organisations", i, key) for i, o in enumerate(records["organisations"][:2]) for key in o]
    paths += [("passages", i, key) for i, p in enumerate(records["passages"][:2]) for key in p]
    paths += [("organisations",), ("passages",), ("warnings",)]
    return st.tuples(st.sampled_from(paths), JSON)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pristine")
    build(load_corpus(SEED.parent), HashingEmbedder(), folder)
    return folder


@settings(database=None, max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_crafted_passages_with_their_checksum_never_crash(pristine, tmp_path_factory, data):
    records = json.loads((pristine / PASSAGES).read_text())
    path, value = data.draw(_mutations(records))
    target = records
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    folder = tmp_path_factory.mktemp("crafted")
    for name in (MANIFEST, VECTORS):
        shutil.copy(pristine / name, folder / name)
    (folder / PASSAGES).write_bytes(b"")
    _rewrite(folder, PASSAGES, json.dumps(records).encode())
    try:
        loaded = load(folder, SEED.parent, "test/hashing")
    except IndexUnreadable:
        return
    # What loads is what the app can show: every field the cards read has the type they expect.
    for organisation in loaded.corpus.organisations:
        assert isinstance(organisation.name, str) and all(isinstance(s, str) for s in organisation.services)
    assert {p.organisation_id for p in loaded.corpus.passages} <= {o.id for o in loaded.corpus.organisations}


@settings(database=None, max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1, max_size=4))
def test_flipped_bytes_in_vectors_with_their_checksum_never_crash(pristine, tmp_path_factory, flips):
    data = bytearray((pristine / VECTORS).read_bytes())
    for at, mask in flips:
        data[at % 64] ^= mask  # the header: type, sizes, metric
    folder = tmp_path_factory.mktemp("flipped")
    for name in (MANIFEST, PASSAGES):
        shutil.copy(pristine / name, folder / name)
    (folder / VECTORS).write_bytes(b"")
    _rewrite(folder, VECTORS, bytes(data))
    try:
        loaded = load(folder, SEED.parent, "test/hashing")
    except IndexUnreadable:
        return
    assert loaded.vectors.ntotal == 40


# --- what the person at the command line sees ---------------------------------------------------------------

@pytest.fixture
def cli(monkeypatch, tmp_path, corpus_dir):
    monkeypatch.setattr("assistant.retrieval.search.open_searcher", fake_open_searcher)
    flags = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
    assert run_cli(flags + ["build"])[0] == 0
    return flags, tmp_path / "index"


def test_cli_garbage_index_is_named_then_rebuilt_and_answered(cli):
    flags, index_dir = cli
    (index_dir / VECTORS).write_bytes(b"\x00garbage" * 50)
    code, out, err = run_cli(flags + ["search", "--json", "my child was abused"])
    assert code == 0 and json.loads(out)["results"]
    assert "vectors.faiss is damaged" in err and "rebuilding it" in err and "Traceback" not in err


def test_cli_corpus_folder_missing_names_the_setting(cli, tmp_path):
    flags, _ = cli
    code, out, err = run_cli(["--corpus", str(tmp_path / "nowhere")] + flags[2:] + ["search", "help"])
    assert code == 1 and out == ""
    assert "nowhere" in err and "ASSISTANT_CORPUS" in err and "Traceback" not in err


def test_cli_setting_that_is_not_a_number_names_it(cli, monkeypatch):
    flags, _ = cli
    monkeypatch.setenv("ASSISTANT_MAX_CHARS", "lots")
    code, out, err = run_cli(flags + ["search", "help"])
    assert code == 2 and out == "" and "ASSISTANT_MAX_CHARS" in err and "Traceback" not in err


def test_cli_output_closed_early_stops_quietly(cli, tmp_path):
    """`assistant search --queries big.jsonl | head -1`: the reader leaves; no traceback follows."""
    flags, _ = cli
    queries = tmp_path / "many.jsonl"
    queries.write_text("".join(json.dumps({"id": i, "query": f"my child was abused {i}"}) + "\n"
                               for i in range(3000)))
    process = subprocess.Popen([sys.executable, "-c", BOOTSTRAP, *flags, "search", "--queries", str(queries)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert json.loads(process.stdout.readline())["results"]
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()[-2000:]


def test_full_disk_during_a_build_leaves_the_previous_index_whole(built, corpus_dir, monkeypatch):
    import errno

    before = {name: (built / name).read_bytes() for name in (MANIFEST, PASSAGES, VECTORS)}
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 2:  # the second of the three files
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(IndexProblem, match="No space left on device.*ASSISTANT_INDEX"):
        build(load_corpus(corpus_dir), SaltedEmbedder(7), built)
    monkeypatch.undo()
    assert {name: (built / name).read_bytes() for name in before} == before
    assert load(built, corpus_dir, "test/hashing").vectors.ntotal == 40
    assert not [p.name for p in built.iterdir() if p.name.startswith(".") and p.name != ".lock"]


BROKEN_PAGES = {
    "not UTF-8": (b"## Victim Support\n\nHelps victims.\n\n- caf\xe9 help\n", 5, "not valid UTF-8"),
    "contacts before any organisation": (b"Intro\n\nCONTACTS:\n\n## Victim Support\n", 3, "before any organisation"),
    "website without an address": (b"## Victim Support\n\n- helps\n\nCONTACTS:\n\nWebsite: see below\n", 7,
                                   "no http(s) address"),
    "no sections at all": (b"Just some text.\n", 1, "no organisation sections"),
    "the same organisation twice": (b"## Victim Support\n\n- helps\n\n## Victim  Support\n\n- helps too\n", 5,
                                    "second organisation"),
}


@pytest.mark.parametrize("page", BROKEN_PAGES, ids=list(BROKEN_PAGES))
def test_broken_corpus_file_is_named_and_the_previous_index_keeps_serving(cli, corpus_dir, page):
    flags, index_dir = cli
    content, line, problem = BROKEN_PAGES[page]
    before = {name: (index_dir / name).read_bytes() for name in (MANIFEST, PASSAGES, VECTORS)}
    (corpus_dir / "lt-broken.txt").write_bytes(content)

    code, out, err = run_cli(flags + ["build"])
    assert code == 1 and f"lt-broken.txt:{line}: " in err and problem in err and "Traceback" not in err
    assert "was not rebuilt" in err

    code, out, err = run_cli(flags + ["search", "--json", "my child was abused"])
    assert code == 0 and json.loads(out)["results"], err
    assert f"lt-broken.txt:{line}: " in err and "keeps serving" in err
    assert {name: (index_dir / name).read_bytes() for name in before} == before

    code, out, err = run_cli(flags + ["build", "--force"])
    assert code == 1 and f"lt-broken.txt:{line}: " in err


@settings(database=None, max_examples=200, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
       | st.lists(st.sampled_from(["## ", "# ", "CONTACTS:", "- ", "  ", "Website: ", "http://x.org", "Org",
                                   "\n", "\n\n", "Last update: 1/2/2024", "■", "## 4 - Help", "<b>", "*"]),
                  max_size=40).map("".join))
def test_any_page_text_parses_or_names_a_line(text):
    try:
        page = parse_page(Path("lt-any.txt"), text)
    except CorpusError as error:
        assert 0 <= error.line <= text.count("\n") + 1 and str(error).startswith("lt-any.txt:")
        return
    assert len({o.id for o in page.organisations}) == len(page.organisations)
    assert all(p.organisation_id in {o.id for o in page.organisations} for p in page.passages)


# --- a read-only index folder ---------------------------------------------------------------------------------

@contextlib.contextmanager
def read_only(folder: Path):
    """Make a folder truly unwritable, also for root (who ignores permission bits): the immutable attribute."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if made.returncode != 0:
            pytest.skip(f"running as root and chattr +i failed ({made.stderr.decode().strip()}); "
                        "permission bits do not stop root")
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        undo = None
    try:
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            folder.chmod(0o755)


def test_read_only_folder_with_a_sound_index_serves_it(cli):
    flags, index_dir = cli
    (index_dir / index_module.LOCK).unlink()  # as in an image built without one
    with read_only(index_dir):
        code, out, err = run_cli(flags + ["search", "--json", "my child was abused"])
        assert code == 0 and json.loads(out)["results"], err


@pytest.mark.parametrize("state", ["stale", "missing"])
def test_read_only_folder_that_needs_a_build_says_what_to_do(cli, corpus_dir, state):
    flags, index_dir = cli
    if state == "stale":
        page = next(corpus_dir.iterdir())
        page.write_text(page.read_text().replace("Child House", "Children's House"))
    else:
        for path in index_dir.iterdir():
            path.unlink()
    with read_only(index_dir):
        code, out, err = run_cli(flags + ["search", "help"])
    assert code == 1 and out == "" and "Traceback" not in err
    assert f"Cannot write the index folder {index_dir}" in err
    assert "Make it writable or set ASSISTANT_INDEX to a writable folder" in err


# --- two builds and a reader at once, in real processes ------------------------------------------------------

class SaltedEmbedder(HashingEmbedder):
    """Different vectors under the same model name, slowly: builds overlap and mixed files are caught."""

    def __init__(self, salt: int):
        super().__init__()
        self.salt = salt

    def embed(self, texts, show_progress=False):
        time.sleep(0.02)
        rows = super().embed([f"{t} salt{self.salt}" for t in texts])
        return rows


def _build_many(corpus_dir: str, index_dir: str, salt: int, times: int) -> None:
    corpus = load_corpus(corpus_dir)
    for _ in range(times):
        build(corpus, SaltedEmbedder(salt), Path(index_dir))


def _read_many(corpus_dir: str, index_dir: str, seconds: float, results) -> None:
    loads, errors = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            loaded = load(Path(index_dir), Path(corpus_dir), "test/hashing")
            assert loaded.vectors.ntotal == len(loaded.corpus.passages) == 40
            loads += 1
        except Exception as error:  # noqa: BLE001 - every failure is what this test counts
            errors.append(f"{type(error).__name__}: {error}")
    results.put((loads, errors))


def test_two_builds_at_once_never_leave_a_mixed_index_and_readers_never_fail(tmp_path, corpus_dir):
    index_dir = tmp_path / "index"
    _build_many(str(corpus_dir), str(index_dir), salt=0, times=1)
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    builders = [spawn.Process(target=_build_many, args=(str(corpus_dir), str(index_dir), salt, 15))
                for salt in (1, 2)]
    reader = spawn.Process(target=_read_many, args=(str(corpus_dir), str(index_dir), 4.0, results))
    for process in (*builders, reader):
        process.start()
    loads, errors = results.get(timeout=120)
    for process in (*builders, reader):
        process.join(timeout=120)
        assert process.exitcode == 0
    assert errors == [] and loads > 10
    final = load(index_dir, corpus_dir, "test/hashing")
    assert final.vectors.ntotal == 40
    assert not [p.name for p in index_dir.iterdir() if p.name.startswith(".") and p.name != ".lock"]


# --- a model that is missing or broken ---------------------------------------------------------------------

@pytest.fixture
def broken_model(tmp_path) -> Path:
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "config.json").write_text("{not json")
    (folder / "modules.json").write_text('[{"idx": 0, "name": "0", "path": "", "type": "no.such.Module"}]')
    return folder


@pytest.mark.parametrize("how", ["flag", "environment"])
@pytest.mark.parametrize("model", ["missing", "broken"])
def test_cli_model_missing_or_broken_names_the_setting(monkeypatch, tmp_path, corpus_dir, broken_model, how, model):
    path = str(tmp_path / "no-such-model") if model == "missing" else str(broken_model)
    flags = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
    if how == "flag":
        flags += ["--model", path]
    else:
        monkeypatch.setenv("ASSISTANT_MODEL", path)
    code, out, err = run_cli(flags + ["search", "help"])
    assert code == 1 and out == ""
    assert f"Cannot load the model '{path}'" in err and "ASSISTANT_MODEL (or --model)" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_app_start_with_a_missing_model_names_the_setting(tmp_path, corpus_dir):
    path = str(tmp_path / "no-such-model")  # a broken one takes the same road, checked above through the CLI
    env = {**os.environ, "ASSISTANT_MODEL": path, "ASSISTANT_CORPUS": str(corpus_dir),
           "ASSISTANT_INDEX": str(tmp_path / "index"), "ASSISTANT_PORT": "9"}
    done = subprocess.run([sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, timeout=180,
                          env=env, cwd=tmp_path, check=False)
    assert done.returncode != 0
    assert "ASSISTANT_MODEL" in done.stderr
    assert "Traceback" not in done.stderr  # a message and exit 1, never a traceback


@pytest.mark.slow
def test_app_start_with_a_broken_corpus_serves_the_previous_index_and_names_the_line(tmp_path, corpus_dir,
                                                                                   project_index):
    """The real app: a page that no longer parses is named by file and line; people still get answers."""
    from .test_robustness import call_api

    index_dir = copy_index(project_index, tmp_path / "index")  # the index of the corpus before the page broke
    (corpus_dir / "lt-broken.txt").write_bytes(BROKEN_PAGES["not UTF-8"][0])
    env = {"ASSISTANT_CORPUS": str(corpus_dir), "ASSISTANT_INDEX": str(index_dir)}
    with running_app(tmp_path, env) as app:
        event, data = call_api(app.url, json.dumps({"data": ["my child was abused"]}).encode())
        assert event == "complete" and data[0]["results"]
        text = app.output()
        assert "lt-broken.txt:5: the file is not valid UTF-8" in text and "keeps serving" in text
        assert "Traceback" not in text


@pytest.mark.slow
def test_app_start_with_a_broken_corpus_and_no_index_names_the_line(tmp_path, corpus_dir):
    (corpus_dir / "lt-broken.txt").write_bytes(BROKEN_PAGES["contacts before any organisation"][0])
    if (ROOT / "index" / "onnx").is_dir():  # the model cache only: no index to fall back on
        shutil.copytree(ROOT / "index" / "onnx", tmp_path / "index" / "onnx")
    env = {"ASSISTANT_CORPUS": str(corpus_dir), "ASSISTANT_INDEX": str(tmp_path / "index")}
    app = start_app(tmp_path, env)
    try:
        assert app.process.wait(timeout=120) != 0
    finally:
        if app.process.poll() is None:
            app.process.kill()
    text = app.output()
    assert "lt-broken.txt:3: a CONTACTS part comes before any organisation" in text
    assert "Traceback" not in text


@pytest.mark.slow
def test_two_real_cli_builds_at_once_while_a_reader_loads(tmp_path, corpus_dir, project_index):
    """Two `assistant build --force` processes with the real model on one folder; loads in between never fail."""
    from assistant.config import DEFAULT_MODEL

    index_dir = copy_index(project_index, tmp_path / "index")  # whole, as a first build leaves it
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus_dir), "ASSISTANT_INDEX": str(index_dir)}
    command = [sys.executable, "-m", "assistant", "build", "--force"]
    builders = [subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
    loads, errors = 0, []
    while any(b.poll() is None for b in builders):
        try:
            assert load(index_dir, corpus_dir, DEFAULT_MODEL).vectors.ntotal == 40
            loads += 1
        except Exception as error:  # noqa: BLE001 - every failure is what this test counts
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.01)
    outputs = [b.communicate(timeout=60) for b in builders]
    # The whole stderr of a failed build: its last lines name the error (a traceback is longer than 2,000 characters).
    assert [b.returncode for b in builders] == [0, 0], "\n\n".join(
        f"build {i} exited {b.returncode}; its stderr:\n{err.decode(errors='replace')}"
        for i, (b, (_, err)) in enumerate(zip(builders, outputs)) if b.returncode)
    assert all(b"Built the index of 40 passages" in err for _, err in outputs)
    assert errors == [] and loads > 0
    assert load(index_dir, corpus_dir, DEFAULT_MODEL).vectors.ntotal == 40


@pytest.mark.slow
def test_app_start_with_a_setting_that_is_not_a_number_names_it(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "ASSISTANT_PORT": "eighty"}, cwd=tmp_path, check=False)
    assert done.returncode != 0 and "ASSISTANT_PORT" in done.stderr
    assert "Traceback" not in done.stderr  # says which settings must be whole numbers, no traceback
