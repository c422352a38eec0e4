"""Check a writer's JSONL file (the shape in assistant/evaldata/train/DATASHEET.md) and import it.

    python scripts/import_situations.py DRAFT.jsonl NAME [--danger] [--out DIR]

Organisation short names become corpus ids; every line is checked (language, style, category, needs,
grades, danger kind); lines whose text repeats a line already in the training or held-out data are
dropped, and everything dropped is counted on stderr. Writes DIR/NAME.jsonl (default
assistant/evaldata/train/).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.evaluation.metrics import EVALDATA, load_queries  # noqa: E402
from assistant.learning.situations import text_key, training_situations  # noqa: E402
from assistant.taxonomy import DANGER_KINDS, NEED_KEYS  # noqa: E402

ORGS = {"MoJ": "lt-ministry-of-justice", "Police": "lt-police-department-of-the-ministry-of-the-interior",
        "MFA": "lt-ministry-of-foreign-affairs", "Caritas": "lt-caritas-lithuania",
        "MPFSC": "lt-missing-persons-families-support-centre",
        "Klaipeda": "lt-klaipeda-social-and-psychological-support-centre", "ChildHouse": "lt-child-house",
        "IOM": "lt-international-organisation-for-migration-vilnius-office"}
LANGS = {"en", "lt", "ru", "pl", "uk"}
STYLES = {"victim_short", "victim_long", "victim_typo", "third_party", "child_writer", "caseworker", "keyword"}
CATEGORIES = {"child_abuse", "domestic_violence", "trafficking_sexual_exploitation", "missing_persons",
              "compensation", "legal_aid", "protection_threats", "crisis_suicide", "migrants",
              "shelter_material_help", "consular_abroad", "out_of_scope"}
NEGATIVE_KINDS = {"idiom", "past_harm", "topic", "grief", "ordinary"}


def check(item: dict, danger: bool) -> dict:
    text = item.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("no text")
    lang = item.get("lang", "en")
    if lang not in LANGS:
        raise ValueError(f"language {lang!r}")
    if danger:
        kind = item.get("kind")
        urgent = item.get("urgent")
        if not isinstance(urgent, bool) or (urgent and kind not in DANGER_KINDS) or (
                not urgent and kind not in NEGATIVE_KINDS):
            raise ValueError(f"urgent {urgent!r} with kind {kind!r}")
        return {"text": text.strip(), "lang": lang, "urgent": urgent, "danger_kind": kind, "who": item.get("who")}
    if item.get("style") not in STYLES or item.get("category") not in CATEGORIES:
        raise ValueError(f"style {item.get('style')!r} or category {item.get('category')!r}")
    needs = item.get("needs") or []
    if not all(n in NEED_KEYS for n in needs):
        raise ValueError(f"unknown need in {needs}")
    grades = item.get("grades") or {}
    if not all(o in ORGS and g in (1, 2) for o, g in grades.items()):
        raise ValueError(f"grades {grades}")
    if item["category"] == "out_of_scope":
        grades = {}
    elif 2 not in grades.values():
        raise ValueError("an in-scope situation with no organisation graded 2")
    urgent = bool(item.get("urgent"))
    kind = item.get("danger_kind")
    if urgent and kind not in DANGER_KINDS:
        raise ValueError(f"urgent with kind {kind!r}")
    return {"text": text.strip(), "lang": lang, "style": item["style"], "category": item["category"],
            "needs": list(dict.fromkeys(needs)), "grades": {ORGS[o]: g for o, g in grades.items()},
            "urgent": urgent, "danger_kind": kind if urgent else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("draft")
    parser.add_argument("name")
    parser.add_argument("--danger", action="store_true", help="a danger-only file (urgent, kind)")
    parser.add_argument("--out", default=str(EVALDATA / "train"))
    args = parser.parse_args()
    out_path = Path(args.out) / f"{args.name}.jsonl"
    seen = {text_key(s.text) for s in training_situations() if s.source != args.name}
    for held in EVALDATA.glob("heldout*/queries.jsonl"):
        seen |= {text_key(q.text) for q in load_queries(held)}
    for held in EVALDATA.glob("heldout*/danger.jsonl"):
        seen |= {text_key(json.loads(line)["text"]) for line in held.read_text().splitlines() if line.strip()}
    kept, problems, repeats = [], 0, 0
    for number, line in enumerate(Path(args.draft).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = check(json.loads(line), args.danger)
        except (ValueError, TypeError, AttributeError, json.JSONDecodeError) as error:
            problems += 1
            print(f"{args.draft}:{number}: dropped ({error})", file=sys.stderr)
            continue
        key = text_key(item["text"])
        if key in seen:
            repeats += 1
            continue
        seen.add(key)
        kept.append({"id": f"{args.name}-{len(kept) + 1:04d}", **item})
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("".join(json.dumps(k, ensure_ascii=False) + "\n" for k in kept), encoding="utf-8")
    print(f"{out_path}: {len(kept)} kept, {problems} malformed, {repeats} repeats dropped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
