"""Labelled situations: what the learned layer is trained on, read from the judged files in one shape.

Sources (all under ``assistant/evaldata/``):
    train/*.jsonl          written for training (``train/DATASHEET.md`` says who wrote what): text, language,
                           style, category, needs, grades by organisation id, urgent and the kind of danger
    queries.jsonl + qrels  the bundled BEIR set, and blind/ .. blind4/ (each run blind once, then trained on)
    other_language.jsonl, out_of_scope.jsonl, danger.jsonl
The held-out sets (``HELD_OUT``) are never trained on: ``training_situations`` refuses them, a test checks
that no held-out text is also a training text or a typed copy of one (``held_out_texts``, for that test and
``scripts/heldout_set.py``).
``typed_copies`` gives the lines in other languages again as people also type them (``latin.json``).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from assistant.evaluation.metrics import EVALDATA, load_qrels, load_queries
from assistant.normalise import fold

TRAIN_DIR = EVALDATA / "train"
LATIN = Path(__file__).with_name("latin.json")  # how the other languages are also typed (typed_copies)
# Sets written after the learned layer was built, for its reported figures: never trained or tuned on.
HELD_OUT = ("heldout_en", "heldout_languages", "heldout_danger", "heldout2_en", "heldout2_languages", "heldout2_danger",
            "heldout3_en", "heldout3_languages", "heldout3_danger", "heldout4_en", "heldout4_languages",
            "heldout4_danger", "heldout5_en", "heldout5_languages", "heldout5_danger", "heldout6_en",
            "heldout6_languages", "heldout6_danger", "heldout7_en", "heldout7_languages", "heldout7_danger",
            "heldout8_en", "heldout8_languages", "heldout8_danger", "heldout8b_en",
            "heldout8b_danger")
_BEIR_SETS = (("bundled", "queries.jsonl", "qrels.tsv"), ("blind", "blind/queries.jsonl", "blind/qrels.tsv"),
              ("blind2", "blind2/queries.jsonl", "blind2/qrels.tsv"), ("blind3", "blind3/queries.jsonl",
                                                                          "blind3/qrels.tsv"),
              ("blind4", "blind4/queries.jsonl", "blind4/qrels.tsv"),
              ("other_language", "other_language.jsonl", "qrels_other_language.tsv"))


@dataclass(frozen=True)
class Situation:
    """One labelled situation. ``grades`` holds organisation ids graded 1 or 2 (others are 0); it is
    None where the situation was not judged against organisations (a danger-only line)."""

    id: str
    text: str
    source: str  # the file or set it came from (the grouping unit of cross-validation)
    language: str = "en"
    style: str = "-"
    category: str = "-"
    needs: tuple[str, ...] | None = None  # None: not labelled with needs
    grades: dict[str, int] | None = None
    urgent: bool | None = None  # None: not labelled for danger
    danger_kind: str | None = None
    variant: str | None = field(default=None)  # "latin": a copy of another line as typed in Latin letters

    @property
    def in_scope(self) -> bool | None:
        if self.category == "-":
            return None
        return self.category != "out_of_scope"


def text_key(text: str) -> str:
    """A text folded for comparing sets (``normalise.fold``): case, accents, stretched letters, spacing and
    punctuation do not count."""
    return " ".join(re.findall(r"\w+", fold(text)))


def _beir(name: str, queries: str, qrels: str, root: Path) -> list[Situation]:
    judged = load_qrels(root / qrels)
    out = []
    for q in load_queries(root / queries):
        grades = {org: g for org, g in judged.get(q.id, {}).items() if g > 0}
        out.append(Situation(f"{name}:{q.id}", q.text, name, q.language or "en", q.style, q.category,
                             grades=grades))
    return out


def _jsonl(path: Path) -> list[dict]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
    return items


def _written(path: Path) -> list[Situation]:
    """A training file in the writers' shape (``train/*.jsonl``)."""
    out = []
    for item in _jsonl(path):
        out.append(Situation(
            item["id"], item["text"], path.stem, item.get("lang", "en"), item.get("style", "-"),
            item.get("category", "-"), tuple(item["needs"]) if item.get("needs") is not None else None,
            dict(item["grades"]) if item.get("grades") is not None else None,
            item.get("urgent"), item.get("danger_kind") or item.get("kind"), item.get("variant")))
    return out


def _danger(path: Path, source: str) -> list[Situation]:
    return [Situation(f"{source}:{item['_id']}", item["text"], source, item.get("language", "en"),
                      urgent=bool(item["urgent"]), danger_kind=item.get("kind")) for item in _jsonl(path)]


def training_situations(root: Path = EVALDATA) -> list[Situation]:
    """Every labelled situation the learned layer may learn from, held-out sets excluded: read once in a
    process while the files' bytes stay the same (each opening of a searcher asks; do not change them)."""
    return list(_read(root, files_fingerprint(root)))


def stored_fingerprint(root: Path = EVALDATA, files: str | None = None) -> str:
    """``fingerprint`` of the training situations on disk and their typed copies (what the heads were trained
    on, when they are current), remembered as the situations are; ``files``: their ``files_fingerprint``, when
    the caller has it."""
    return _fingerprint(root, files or files_fingerprint(root))


# Changes whenever the way the files are read into situations (or their copies made) changes, so that equal
# bytes (files_fingerprint) still mean equal situations.
READER_VERSION = 1


def files_fingerprint(root: Path = EVALDATA) -> str:
    """The bytes of every file ``training_situations`` reads and of ``latin.json``, with ``READER_VERSION``:
    equal, the situations and their copies are equal. A start checks its heads with this (6 ms) before it
    would read and fingerprint 13,000 situations (0.5 s); the situations read are remembered under it."""
    digest = hashlib.sha256(f"reader {READER_VERSION}\0".encode())
    paths = [root / name for _, queries, qrels in _BEIR_SETS for name in (queries, qrels)]
    paths += [root / "out_of_scope.jsonl", root / "danger.jsonl", LATIN]
    paths += sorted((root / "train").glob("*.jsonl"))
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        digest.update(f"{path.parent.name}/{path.name}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _fingerprint(root: Path, files: str) -> str:
    situations = list(_read(root, files))
    return fingerprint(situations + typed_copies(situations))


@lru_cache(maxsize=4)
def _read(root: Path, files: str) -> tuple[Situation, ...]:
    _latin.cache_clear()  # new bytes (``files`` covers latin.json): the copies follow the table as it is now
    _letters.cache_clear()
    situations: list[Situation] = []
    for name, queries, qrels in _BEIR_SETS:
        if (root / queries).exists():
            situations += _beir(name, queries, qrels, root)
    if (root / "out_of_scope.jsonl").exists():
        situations += [Situation(f"oos:{q.id}", q.text, "out_of_scope", "en", q.style, "out_of_scope", (), {})
                       for q in load_queries(root / "out_of_scope.jsonl")]
    if (root / "danger.jsonl").exists():
        situations += _danger(root / "danger.jsonl", "danger")
    for path in sorted((root / "train").glob("*.jsonl")):
        if path.stem in HELD_OUT:
            raise ValueError(f"{path} is a held-out set and cannot be trained on")
        situations += _written(path)
    return tuple(situations)


@lru_cache(maxsize=1)
def _latin() -> dict:
    return json.loads(LATIN.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _letters(language: str) -> dict[int, str]:
    """``latin.json``'s letters for a language as a ``str.translate`` table, a capital following its letter."""
    table = {}
    for letter, swap in _latin()[language]["letters"].items():
        table[ord(letter)] = swap
        if letter.upper() != letter:
            table[ord(letter.upper())] = swap.capitalize()
    return table


def as_typed(text: str, language: str) -> str:
    """The text as people writing ``language`` also type it: Lithuanian and Polish without their accents
    ("vyras mane musa"), Russian and Ukrainian in Latin letters ("muzh menya b'et" -> "muzh menya bet");
    unchanged for a language ``latin.json`` does not list."""
    rule = _latin().get(language)
    if not isinstance(rule, dict):
        return text
    text = text.translate(_letters(language))
    if rule["marks"]:
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text


def held_out_texts(root: Path = EVALDATA) -> set[str]:
    """The ``text_key`` of every held-out situation (``HELD_OUT``): what no training line, written or derived,
    may be (``tests/test_learned.py`` and ``scripts/heldout_set.py`` check it)."""
    keys: set[str] = set()
    for name in HELD_OUT:
        for path in (root / name / "queries.jsonl", root / name / "danger.jsonl"):
            if path.exists():
                keys |= {text_key(item["text"]) for item in _jsonl(path)}
    return keys


def typed_copies(situations: list[Situation]) -> list[Situation]:
    """Each situation in a language people also type in Latin letters or without accents, once more as so
    typed (same labels and source, so a copy stays in its original's cross-validation fold); a line already
    typed so has no copy, nor a line ``latin.json`` lists under ``not_copied`` (its copy is word for word a
    held-out text: a test checks that no other copy is). Grouped cross-validation, other languages, the
    multilingual heads and neighbours: Success@1 0.757 -> 0.762 on the lines as written, 0.651 -> 0.691 on
    the same lines typed so (``benchmarks/typed_copies.py``)."""
    skipped = set(_latin().get("not_copied", {}))
    copies = []
    for s in situations:
        typed = as_typed(s.text, s.language)
        if typed != s.text and s.id not in skipped:
            copies.append(replace(s, id=f"{s.id}~latin", text=typed, variant="latin"))
    return copies


def fingerprint(situations: list[Situation]) -> str:
    """What the learned layer was trained on, for the manifest: changes when any label or text does."""
    digest = hashlib.sha256()
    for s in sorted(situations, key=lambda s: s.id):
        digest.update(json.dumps([s.id, s.text, s.language, s.category, s.needs, sorted((s.grades or {}).items()),
                                  s.urgent, s.danger_kind], ensure_ascii=False).encode())
    return digest.hexdigest()
