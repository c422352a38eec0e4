"""One home for configuration: environment variables with defaults, overridable by flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# The app runs one OpenMP and BLAS thread per search (set before numpy and faiss load; the environment
# overrides it): four searches run at once on two cores, and for one situation one thread is also the
# fastest (benchmarks/scaling.py, 20k passages and 3k organisations: median 13.4 ms with the libraries'
# default threads, 5.2 ms with one). Building and training keep the defaults. ONNX Runtime has its own
# setting (ASSISTANT_MODEL_THREADS).
SERVING_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
_PROJECT = Path(__file__).resolve().parent.parent
EVALDATA = Path(__file__).resolve().parent / "evaldata"  # the judged sets and the training situations


def _default_dir(name: str) -> Path:
    # An editable install or a checkout finds the project's own folders; anywhere else, the cwd's.
    project_dir = _PROJECT / name
    return project_dir if (_PROJECT / "pyproject.toml").exists() else Path.cwd() / name


@dataclass(frozen=True)
class Settings:
    """What the assistant runs with.

    Environment variables: ``ASSISTANT_MODEL``, ``ASSISTANT_CORPUS``, ``ASSISTANT_INDEX``,
    ``ASSISTANT_HOST``, ``ASSISTANT_PORT``, ``ASSISTANT_EVIDENCE``, ``ASSISTANT_MAX_CHARS``.
    """

    model: str = DEFAULT_MODEL
    corpus_dir: Path = _default_dir("corpus")
    index_dir: Path = _default_dir("index")
    host: str = "127.0.0.1"
    port: int = 7860
    evidence: int = 3  # passages shown per organisation
    max_chars: int = 4000  # longer text is cut before it reaches the model
    multilingual_model: str = "intfloat/multilingual-e5-small"  # for other languages; "" turns it off
    learned: bool = True  # the learned layer; False: the passages alone ("evidence")

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Settings from the environment, then from explicit overrides that are not None."""
        env = os.environ
        settings = cls(
            model=env.get("ASSISTANT_MODEL", DEFAULT_MODEL),
            corpus_dir=Path(env.get("ASSISTANT_CORPUS", cls.corpus_dir)),
            index_dir=Path(env.get("ASSISTANT_INDEX", cls.index_dir)),
            host=env.get("ASSISTANT_HOST", cls.host),
            port=int(env.get("ASSISTANT_PORT", cls.port)),
            evidence=int(env.get("ASSISTANT_EVIDENCE", cls.evidence)),
            max_chars=int(env.get("ASSISTANT_MAX_CHARS", cls.max_chars)),
            multilingual_model=env.get("ASSISTANT_MULTILINGUAL_MODEL", cls.multilingual_model),
            learned=env.get("ASSISTANT_LEARNED", "1") != "0",
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("corpus_dir", "index_dir"):
            if key in given:
                given[key] = Path(given[key])
        return replace(settings, **given)
