import json
from pathlib import Path

import pytest

from assistant.corpus.parse import CorpusError, load_corpus
from assistant.index import store as index_module
from assistant.index.store import (
    MANIFEST,
    PASSAGES,
    VECTORS,
    IndexMissing,
    IndexProblem,
    IndexStale,
    IndexUnreadable,
    build,
    load,
    load_or_build,
)

from .conftest import HashingEmbedder


def test_round_trip(tmp_path: Path, corpus_dir: Path, fake_embedder):
    built = build(load_corpus(corpus_dir), fake_embedder, tmp_path / "index")
    loaded = load(tmp_path / "index", corpus_dir, fake_embedder.name)
    assert loaded.corpus.organisations == built.corpus.organisations
    assert loaded.corpus.passages == built.corpus.passages
    assert loaded.vectors.ntotal == len(loaded.corpus.passages) == 40
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text())
    assert manifest["model"] == "test/hashing" and manifest["dimension"] == 64
    assert manifest["passages"] == 40 and manifest["organisations"] == 8
    assert manifest["format_version"] == index_module.FORMAT_VERSION
    assert {"faiss-cpu", "numpy"} <= set(manifest["libraries"])
    assert not [p for p in (tmp_path / "index").iterdir() if p.name.startswith(".") and p.name != ".lock"]


def test_missing_index(tmp_path: Path, corpus_dir: Path):
    with pytest.raises(IndexMissing):
        load(tmp_path / "nothing", corpus_dir, "m")


def test_changed_corpus_makes_it_stale(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    page = next(corpus_dir.iterdir())
    page.write_text(page.read_text().replace("Child House", "Children's House"))
    with pytest.raises(IndexStale, match="corpus .* has changed"):
        load(tmp_path, corpus_dir, fake_embedder.name)


def test_other_model_makes_it_stale(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    with pytest.raises(IndexStale, match="built with model 'test/hashing'"):
        load(tmp_path, corpus_dir, "another/model")


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(p.read_bytes()[:100]),          # truncated
    lambda p: p.write_bytes(b"\x00garbage" * 50),            # garbage
])
def test_damaged_vectors_are_reported_then_rebuilt(tmp_path: Path, corpus_dir: Path, fake_embedder, damage):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    damage(tmp_path / VECTORS)
    with pytest.raises(IndexUnreadable, match=r"vectors.faiss is damaged"):
        load(tmp_path, corpus_dir, fake_embedder.name)
    said = []
    rebuilt = load_or_build(corpus_dir, tmp_path, fake_embedder, say=said.append)
    assert rebuilt.vectors.ntotal == 40
    assert "could not be read" in said[0] and "vectors.faiss" in said[0]
    assert load(tmp_path, corpus_dir, fake_embedder.name).vectors.ntotal == 40


def test_garbage_manifest_is_reported(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(IndexUnreadable, match="manifest.json is not a readable manifest"):
        load(tmp_path, corpus_dir, fake_embedder.name)


def test_row_count_must_match_passages(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    records = json.loads((tmp_path / PASSAGES).read_text())
    records["passages"] = records["passages"][:-1]
    data = json.dumps(records).encode()
    (tmp_path / PASSAGES).write_bytes(data)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    manifest["passages_sha256"] = index_module._sha256(data)
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexUnreadable, match="rows for 39 passages"):
        load(tmp_path, corpus_dir, fake_embedder.name)


def test_stale_index_is_rebuilt_and_says_so(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    said = []
    load_or_build(corpus_dir, tmp_path, HashingEmbedder(name="test/other"), say=said.append)
    assert "out of date" in said[0] and any("Built the index of 40 passages" in s for s in said)
    assert json.loads((tmp_path / MANIFEST).read_text())["model"] == "test/other"


def test_broken_corpus_keeps_the_previous_index(tmp_path: Path, corpus_dir: Path, fake_embedder):
    build(load_corpus(corpus_dir), fake_embedder, tmp_path)
    before = (tmp_path / VECTORS).read_bytes()
    (corpus_dir / "broken.txt").write_bytes(b"## Org\n\xff\n")
    said = []
    kept = load_or_build(corpus_dir, tmp_path, fake_embedder, say=said.append)
    assert kept.vectors.ntotal == 40 and (tmp_path / VECTORS).read_bytes() == before
    assert any("broken.txt:2: the file is not valid UTF-8" in s for s in said)
    assert any("keeps serving" in s for s in said)
    with pytest.raises(CorpusError, match="broken.txt:2"):  # a forced build has nothing to fall back on
        load_or_build(corpus_dir, tmp_path, fake_embedder, force=True, say=lambda _: None)
    assert (tmp_path / VECTORS).read_bytes() == before


def test_unwritable_index_folder_says_what_to_do(tmp_path: Path, corpus_dir: Path, fake_embedder):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(IndexProblem, match="ASSISTANT_INDEX"):
        build(load_corpus(corpus_dir), fake_embedder, blocker / "index")
