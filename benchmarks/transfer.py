"""Stance on claims the model never saw, through `moderation train` + `moderation tag`, beside a plain reference.

Usage: python benchmarks/transfer.py ../shared/data [--smoke] [--only loto|perspectrum] [--json]

(a) SemEval-2016 6A leave-one-target-out: train on four targets' training tweets, tag the fifth target's test
    tweets; F_avg pooled over the five held-out targets, and each target's predicted class distribution.
(b) Perspectrum: train on the train claims, tag the test claims (unseen topics); F_avg of favor/against.
Every figure is printed beside a TF-IDF + logistic regression reference (comment + claim text) trained on the
same rows in the same run. Settings are chosen by the trainer's own cross-validation on the training rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import _corpora, _product  # noqa: E402
from benchmarks._common import load_average  # noqa: E402


def _subset(rows: list[dict], every: int) -> list[dict]:
    return rows[::every]


def run_split(name: str, train_rows: list[dict], test_rows: list[dict], work: Path) -> dict[str, Any]:
    """Train on train_rows and tag test_rows through the CLI; the reference on the same rows."""
    _product.write_folder(work / f"{name}-train", train_rows)
    _product.write_folder(work / f"{name}-test", [{**r, "stance": None} for r in test_rows])
    trained = _product.train([work / f"{name}-train"], work / f"{name}-model")
    tags = _product.tag(work / f"{name}-test", work / f"{name}-model")
    ours = [_product.stance_of(tags[r["id"]]) for r in test_rows]
    ref, ref_c = _product.reference(train_rows, test_rows)
    cv = trained["manifest"].get("cv", {}).get("stance", {})
    return {"gold": [r["stance"] for r in test_rows], "ours": ours, "reference": ref, "reference_C": ref_c,
            "train_seconds": round(trained["seconds"], 1), "peak_mb": round(trained["peak_mb"]),
            "chosen": trained["manifest"].get("parameters", {}), "cv": cv, "notes": trained["notes"]}


def loto(folder: Path, work: Path, smoke: bool) -> dict[str, Any]:
    """SemEval leave-one-target-out, pooled."""
    from training.evaluate import f_avg

    train = _corpora.semeval(folder / "taskA_train.tsv", "train")
    test = _corpora.semeval(folder / "taskA_test.tsv", "test")
    if smoke:
        train, test = _subset(train, 8), _subset(test, 8)
    targets = sorted({r["target"] for r in train})
    if smoke:
        targets = targets[:2]  # two held-out targets run the same loop in CI as five do (a train and a tag each)
    gold: list[str] = []
    ours: list[str] = []
    ref: list[str] = []
    per_target = {}
    for i, target in enumerate(targets):
        res = run_split(f"loto{i}", [r for r in train if r["target"] != target],
                        [r for r in test if r["target"] == target], work)
        gold += res["gold"]
        ours += res["ours"]
        ref += res["reference"]
        per_target[target] = {"f_avg": round(f_avg(res["gold"], res["ours"]), 2),
                              "reference_f_avg": round(f_avg(res["gold"], res["reference"]), 2),
                              "predicted": _product.distribution(res["ours"]),
                              "gold": _product.distribution(res["gold"]),
                              "one_class": len(set(res["ours"])) == 1, "train_seconds": res["train_seconds"],
                              "chosen": {k: res["chosen"].get(k) for k in ("stance_C", "stance_semantic")},
                              "notes": res["notes"]}
        print(f"  held out {target!r}: F_avg {per_target[target]['f_avg']:.2f} (reference "
              f"{per_target[target]['reference_f_avg']:.2f}); predicted {per_target[target]['predicted']}; "
              f"gold {per_target[target]['gold']}; trained in {res['train_seconds']:.0f}s", flush=True)
    return {"f_avg": round(f_avg(gold, ours), 2), "reference_f_avg": round(f_avg(gold, ref), 2), "n": len(gold),
            "per_target": per_target, "any_one_class": any(t["one_class"] for t in per_target.values())}


def perspectrum(folder: Path, work: Path, smoke: bool) -> dict[str, Any]:
    """Perspectrum train -> test (test claims unseen)."""
    from training.evaluate import f_avg

    splits = _corpora.perspectrum(folder)
    train, test = splits["train"], splits["test"]
    if smoke:
        train, test = _subset(train, 12), _subset(test, 12)
    res = run_split("perspectrum", train, test, work)
    return {"f_avg": round(f_avg(res["gold"], res["ours"]), 2),
            "reference_f_avg": round(f_avg(res["gold"], res["reference"]), 2), "n": len(test),
            "predicted": _product.distribution(res["ours"]), "gold": _product.distribution(res["gold"]),
            "train_seconds": res["train_seconds"], "peak_mb": res["peak_mb"], "reference_C": res["reference_C"],
            "chosen": {k: res["chosen"].get(k) for k in ("stance_C", "stance_semantic")}, "notes": res["notes"]}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run (a) and (b) and print each figure beside its reference and the machine load."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="the shared data folder (semeval2016-task6/, perspectrum/)")
    ap.add_argument("--smoke", action="store_true", help="tiny subsets: runs in about a minute")
    ap.add_argument("--only", choices=("loto", "perspectrum"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"smoke": args.smoke, "load_before": load_average()}
    tag = " (SMOKE: subsets, figures not comparable)" if args.smoke else ""
    with tempfile.TemporaryDirectory(prefix="transfer-") as tmp:
        if args.only in (None, "loto"):
            print(f"(a) SemEval-2016 6A leave-one-target-out, moderation train + tag{tag}", flush=True)
            out["loto"] = r = loto(args.data / "semeval2016-task6", Path(tmp), args.smoke)
            print(f"  pooled F_avg {r['f_avg']:.2f} over {r['n']} tweets; reference TF-IDF + LR "
                  f"{r['reference_f_avg']:.2f} (target: reference + 5 = {r['reference_f_avg'] + 5:.2f}); "
                  f"a target predicted as one class: {'YES' if r['any_one_class'] else 'no'}")
        if args.only in (None, "perspectrum"):
            print(f"(b) Perspectrum train -> test (unseen claims), moderation train + tag{tag}", flush=True)
            out["perspectrum"] = r = perspectrum(args.data / "perspectrum", Path(tmp), args.smoke)
            print(f"  F_avg {r['f_avg']:.2f} over {r['n']} perspectives (predicted {r['predicted']}; gold "
                  f"{r['gold']}); reference TF-IDF + LR {r['reference_f_avg']:.2f} (C={r['reference_C']}; target: "
                  f"reference + 5 = {r['reference_f_avg'] + 5:.2f}); trained in {r['train_seconds']:.0f}s, "
                  f"peak {r['peak_mb']} MB, chose {r['chosen']}")
    out["load_after"] = load_average()
    print(f"({out['load_before']} before, {out['load_after']} after)")
    if args.json:
        print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
