"""Turn a writer's held-out JSONL file into a BEIR set: queries.jsonl, qrels.tsv and README.md.

    python scripts/heldout_set.py DRAFT.jsonl NAME [--danger]

Lines are checked as the training import checks them (scripts/import_situations.py); a line whose text
is also a training text, or a training text's typed copy, is dropped (and counted), so the held-out set
never overlaps the training data.
With --danger the set is a danger-only file, ``danger.jsonl`` ({"_id","text","language","urgent","kind"}).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_situations import check  # noqa: E402

from assistant.evaluation.metrics import EVALDATA  # noqa: E402
from assistant.learning.situations import text_key, training_situations, typed_copies  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("draft")
    parser.add_argument("name")
    parser.add_argument("--danger", action="store_true")
    args = parser.parse_args()
    folder = EVALDATA / args.name
    folder.mkdir(parents=True, exist_ok=True)
    written = training_situations()
    # the lines as written and their typed copies (what the multilingual heads also learn; every one made here)
    trained = {text_key(s.text) for s in written + typed_copies(written)}
    kept, dropped, overlap = [], 0, 0
    for line in Path(args.draft).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            item = check(json.loads(line), args.danger)
        except (ValueError, TypeError, AttributeError, json.JSONDecodeError):
            dropped += 1
            continue
        if text_key(item["text"]) in trained or any(text_key(item["text"]) == text_key(k["text"]) for k in kept):
            overlap += 1
            continue
        kept.append(item)
    prefix = args.name.replace("heldout_", "h")
    if args.danger:
        rows = [{"_id": f"{prefix}{i:03d}", "text": k["text"], "language": k["lang"], "urgent": k["urgent"],
                 "kind": k["danger_kind"]} for i, k in enumerate(kept, 1)]
        (folder / "danger.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    else:
        queries, qrels = [], ["query-id\tcorpus-id\tscore"]
        for i, k in enumerate(kept, 1):
            qid = f"{prefix}{i:03d}"
            queries.append({"_id": qid, "text": k["text"], "metadata": {
                "category": k["category"], "style": k["style"], "language": k["lang"], "needs": k["needs"],
                "urgent": k["urgent"], "danger_kind": k["danger_kind"]}})
            qrels += [f"{qid}\t{org}\t{grade}" for org, grade in k["grades"].items()]
        (folder / "queries.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries))
        (folder / "qrels.tsv").write_text("\n".join(qrels) + "\n")
    print(f"{folder}: {len(kept)} kept, {dropped} malformed, {overlap} also in the training data", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
