"""`moderation train` and `moderation evaluate`: thin click shells around training.train / training.evaluate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from moderation.errors import ModerationError


def _open_store() -> object:
    from moderation.store import open_store

    return open_store()


def _summary(metrics: dict) -> str:
    st = metrics["stance"]
    lines = [f"stance: F_avg {st['f_avg']:.2f}  macro-F1 {st['macro_f1']:.2f}  accuracy {st['accuracy']:.2f}  "
             f"(n={st['n']})"]
    for name, fig in st["per_class"].items():
        lines.append(f"  {name:8s} P {fig['precision']:.3f}  R {fig['recall']:.3f}  F1 {fig['f1']:.3f}  "
                     f"n={fig['support']}")
    labels = st["confusion"]["labels"]
    lines.append("  confusion (rows true, cols predicted): " + " ".join(labels))
    lines += [f"  {lab:8s} " + " ".join(f"{v:5d}" for v in row) for lab, row in zip(labels, st["confusion"]["matrix"],
                                                                                  strict=True)]
    if "calibration" in st:
        lines.append(f"  Brier {st['calibration']['brier']:.4f}")
    if "off_topic" in metrics:
        ot = metrics["off_topic"]
        auc = "n/a" if ot["roc_auc"] is None else f"{ot['roc_auc']:.3f}"
        lines.append(f"off-topic: P {ot['precision']:.3f}  R {ot['recall']:.3f}  F1 {ot['f1']:.3f}  ROC AUC {auc}"
                     f"  (n={ot['n']}, positives={ot['positives']})")
    return "\n".join(lines)


@click.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="A dataset folder (repeatable). Without it, train from the store.")
@click.option("--from-store", is_flag=True, help="Also train on the store's labelled comments.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The model folder to write.")
@click.option("--seed", default=0, show_default=True, help="Seed for folds and the solver.")
@click.option("--promote", is_flag=True, help="Register in the store; make current unless worse.")
def train(data: tuple[Path, ...], from_store: bool, out: Path, seed: int, promote: bool) -> None:
    """Train the stance and off-topic models; print the cross-validated metrics."""
    from training.promote import promote as promote_model
    from training.train import train as run

    try:
        store = _open_store() if (from_store or not data or promote) else None
        with click.progressbar(length=1, label="cross-validating", file=sys.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            result = run(list(data), out, seed=seed, store=store if (from_store or not data) else None,
                         progress=progress)
        click.echo(_summary(result["metrics"]))
        click.echo(f"model {result['manifest']['version']} written to {out}", err=True)
        if promote:
            outcome = promote_model(store, result)
            click.echo(outcome["reason"], err=True)
    except ModerationError as exc:
        raise click.ClickException(exc.message) from exc


@click.command("evaluate")
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A model folder.")
@click.option("--data", "data", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A labelled dataset folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def evaluate(model_dir: Path, data: Path, as_json: bool) -> None:
    """Stance F_avg, macro-F1, accuracy, per-class P/R/F1, confusion; off-topic P/R/F1 and ROC AUC."""
    from training.evaluate import evaluate as run

    try:
        result = run(model_dir, data)
    except ModerationError as exc:
        raise click.ClickException(exc.message) from exc
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    elif "stance" in result:
        click.echo(_summary(result))
    else:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
