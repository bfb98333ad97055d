"""SemEval-2016 Task 6 A through the product: `moderation train` on the training tweets, `moderation tag` on the test.

Usage: python benchmarks/semeval2016.py ../shared/data/semeval2016-task6 [--smoke] [--json]

The training tweets become five threads (one per target, the target as claim, `#SemST` stripped); the trainer
chooses every setting by its own cross-validation on them; the test tweets are tagged in five threads of their
own. Printed beside published figures and a TF-IDF + logistic regression reference trained on the same rows in
the same run, with the training time, the peak memory and the single-comment fast path's rate and agreement with
the pipeline.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _corpora, _product  # noqa: E402
from benchmarks._common import load_average, per_second  # noqa: E402

PUBLISHED = [("majority class", 65.22), ("organisers' SVM, word 1-3 + char 2-5", 68.98),
             ("peer reproduction, per-target LinearSVC", 68.15), ("MITRE (best team)", 67.82),
             ("BERTweet", 71.2), ("TimeLMs-2021", 72.9)]


def main(argv: list[str] | None = None) -> dict:
    """Train and tag through the CLI; print the table (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--smoke", action="store_true", help="a tiny subset (CI): runs in about a minute")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from moderation.model.scorer import load_scorer
    from training.evaluate import f_avg

    train = _corpora.semeval(args.data / "taskA_train.tsv", "train")
    test = _corpora.semeval(args.data / "taskA_test.tsv", "test")
    if args.smoke:
        train, test = train[::8], test[::8]
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="semeval-") as tmp:
        work = Path(tmp)
        _product.write_folder(work / "train", train)
        _product.write_folder(work / "test", [{**r, "stance": None} for r in test])
        trained = _product.train([work / "train"], work / "model")
        tags = _product.tag(work / "test", work / "model")
        ours = [_product.stance_of(tags[r["id"]]) for r in test]
        scorer = load_scorer(work / "model")
    records = [{"text": tags[r["id"]]["own_text"], "target": r["target"], "title": r["title"], "body": ""}
               for r in test]
    batch = scorer.predict_proba(records)
    one = np.array([[scorer.proba_one(r)[c] for c in scorer.classes] for r in records])
    rate = per_second(scorer.proba_one, records, 0.3 if args.smoke else 2.0)
    gold = [r["stance"] for r in test]
    ref, ref_c = _product.reference(train, test)
    cv = trained["manifest"]["cv"]["stance"]
    out = {"smoke": args.smoke, "train": len(train), "test": len(test), "f_avg": round(f_avg(gold, ours), 2),
           "reference_f_avg": round(f_avg(gold, ref), 2), "reference_C": ref_c,
           "predicted": _product.distribution(ours), "gold": _product.distribution(gold),
           "train_seconds": round(trained["seconds"], 1), "peak_mb": round(trained["peak_mb"]),
           "chosen": cv["setting"], "chosen_by": cv["why"], "cv": {k: cv.get(k) for k in
                                                                    ("across_threads", "within_threads")},
           "fast_path_per_second": round(rate), "max_abs_diff_fast_vs_pipeline": float(np.abs(batch - one).max()),
           "machine": [load_before, load_average()]}
    print(f"SemEval-2016 Task 6 A{' (SMOKE: a subset, figures not comparable)' if args.smoke else ''}: "
          f"{len(train)} train / {len(test)} test tweets, moderation train + moderation tag")
    for name, figure in PUBLISHED:
        print(f"  {figure:6.2f}  {name} (published)")
    print(f"  {out['f_avg']:6.2f}  this project, F_avg (predicted {out['predicted']}; gold {out['gold']})")
    print(f"  {out['reference_f_avg']:6.2f}  reference: TF-IDF + logistic regression, same rows (C={ref_c})")
    print(f"  trainer chose {cv['setting']} by {cv['why']}; CV F_avg across threads "
          f"{cv['across_threads'].get('f_avg', '-')}, within threads {cv['within_threads'].get('f_avg', '-')}")
    print(f"training time {trained['seconds']:.1f}s (CPU {trained['cpu_seconds']}s), peak memory "
          f"{trained['peak_mb']:.0f} MB")
    print(f"fast path: {rate:.0f} comments/s one at a time; max |p diff| vs the pipeline "
          f"{out['max_abs_diff_fast_vs_pipeline']:.1e}")
    print(f"({load_before} before, {load_average()} after)")
    if args.json:
        print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
