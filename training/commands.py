"""`moderation train` and `moderation evaluate`: thin click shells around training.train / training.evaluate."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from moderation.dataset import require_dataset_folder
from moderation.errors import InputError, ModerationError


def _open_store() -> object:
    from moderation.store import open_store

    return click.get_current_context().with_resource(open_store())  # closed when the command ends


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


def line_progress(label: str, steps: int = 10) -> Callable[[int, int], None]:
    """A progress callback: a bar on a terminal, else about `steps` `label: done/total` lines on stderr."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        step = done * steps // max(total, 1)
        if step == shown[0]:
            return
        shown[0] = step
        if sys.stderr.isatty():
            bar = "#" * (20 * done // max(total, 1))
            click.echo(f"\r{label} [{bar:20s}] {done}/{total}", err=True, nl=done >= total)
        else:
            click.echo(f"{label}: {done}/{total}", err=True)
    return report


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, not a folder")


class _Phases:
    """A progress bar (lines when not on a terminal) per training phase; notes (skipped parts, warnings) as lines."""

    def __init__(self) -> None:
        self.report: Callable[[int, int], None] | None = None
        self.done = self.total = 0

    def start(self, label: str, total: int) -> None:
        self.report, self.done, self.total = line_progress(label), 0, max(total, 1)

    def tick(self) -> None:
        if self.report is not None:
            self.done += 1
            self.report(min(self.done, self.total), self.total)

    def note(self, line: str) -> None:
        click.echo(line, err=True)


@click.command("train")
@click.option("--data", "data", multiple=True, type=click.Path(path_type=Path),
              help="A dataset folder (repeatable). Without it, train from the store.")
@click.option("--from-store", is_flag=True, help="Also train on the store's labelled comments.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="The model folder to write.")
@click.option("--seed", default=0, show_default=True, help="Seed for folds and the solver.")
@click.option("--promote", is_flag=True, help="Register in the store; make current unless worse.")
def train(data: tuple[Path, ...], from_store: bool, out: Path, seed: int, promote: bool) -> None:
    """Train the stance and off-topic models; print the cross-validated metrics."""
    from training.promote import promote as promote_model
    from training.train import train as run

    bars = _Phases()
    try:
        for folder in data:
            require_dataset_folder(folder, "--data")
        _check_out(out)
        store = _open_store() if (from_store or not data or promote) else None
        start = time.perf_counter()
        result = run(list(data), out, seed=seed, store=store if (from_store or not data) else None, phases=bars)
        click.echo(_summary(result["metrics"]))
        click.echo(_cv_lines(result["manifest"]))
        cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        click.echo(f"trained in {time.perf_counter() - start:.1f}s (CPU {cpu:.1f}s; the wall time grows with other "
                   f"load on the machine), peak memory {_peak_mb():.0f} MB", err=True)
        click.echo(f"model {result['manifest']['version']} written to {out}", err=True)
        if promote:
            outcome = promote_model(store, result)
            click.echo(outcome["reason"], err=True)
            if outcome.get("refused"):
                raise SystemExit(1)
        else:
            click.echo("not promoted: the service keeps its current model (add --promote to register this one)",
                       err=True)
    except ModerationError as exc:
        raise click.ClickException(exc.message) from exc


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cv_lines(manifest: dict) -> str:
    cv = manifest["cv"]["stance"]
    lines = [f"settings chosen by cross-validation {cv['why']}", f"  chosen: {cv['setting']}"]
    for name in ("across_threads", "within_threads"):
        part = cv.get(name, {})
        figure = (f"F_avg {part['f_avg']:.2f} (with its class offsets)" if "f_avg" in part
                  else part.get("skipped", "not run"))
        lines.append(f"  {name.replace('_', ' ')}: {figure}")
    lines.append(f"  majority class ('{cv['majority']['label']}'): F_avg {cv['majority']['f_avg']:.2f}")
    return "\n".join(lines)


def trained_on(model_dir: Path, data: Path) -> tuple[int, int]:
    """How many of the dataset's stance-labelled comments the model trained on (same id or same record), of how many."""
    from moderation.dataset import load_dataset
    from training.data import examples_from, record_key
    from training.train import TRAINED_IDS

    ex = examples_from([load_dataset(data)])
    rows = [i for i, s in enumerate(ex.stance) if s is not None]
    path = model_dir / TRAINED_IDS
    if not path.is_file():
        return 0, len(rows)
    trained = json.loads(path.read_text(encoding="utf-8"))
    ids, keys = set(trained.get("ids", [])), set(trained.get("record_keys", []))
    return sum(ex.ids[i] in ids or record_key(ex.records[i]) in keys for i in rows), len(rows)


@click.command("evaluate")
@click.option("--model", "model_dir", required=True, type=click.Path(path_type=Path),
              help="A model folder.")
@click.option("--data", "data", required=True, type=click.Path(path_type=Path),
              help="A labelled dataset folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
def evaluate(model_dir: Path, data: Path, as_json: bool) -> None:
    """Stance F_avg, macro-F1, accuracy, per-class P/R/F1, confusion; off-topic P/R/F1 and ROC AUC."""
    from training.evaluate import evaluate as run

    try:
        require_dataset_folder(data, "--data")
        result = run(model_dir, data)
        seen, total = trained_on(model_dir, data)
    except ModerationError as exc:
        raise click.ClickException(exc.message) from exc
    if seen:
        click.echo(f"warning: the model was trained on {seen} of the {total} evaluated comments: these figures "
                   "are not out of sample", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    elif "stance" in result:
        click.echo(_summary(result))
    else:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
