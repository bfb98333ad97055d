"""Model folders: ``model.joblib`` + ``model.json``; loading checks them before unpickling anything."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import joblib
import sklearn

from moderation.dataset import STANCES
from moderation.errors import ModelError
from moderation.model import trust
from moderation.model.scorer import Scorer
from moderation.model.trust import JOBLIB, sha256_file

MANIFEST = "model.json"
FORMAT = 1
log = logging.getLogger("moderation.model")


def save_model(folder: str | Path, stance: Any, off_topic: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the pipelines and a manifest (with the joblib file's sha256 and scikit-learn version)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (JOBLIB + ".tmp")
    joblib.dump({"format": FORMAT, "stance": stance, "off_topic": off_topic}, tmp)
    os.replace(tmp, folder / JOBLIB)
    full = {**manifest, "format": FORMAT, "sklearn_version": sklearn.__version__,
            "labels": sorted(str(c) for c in stance.named_steps["clf"].classes_),
            "off_topic_model": off_topic is not None or bool(manifest.get("off_topic_relevance")),
            "sha256": sha256_file(folder / JOBLIB)}
    (folder / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True, default=str) + "\n",
                                   encoding="utf-8")
    return full


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a model folder (ModelError when missing or not JSON)."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{folder}: not a model folder (no {MANIFEST})") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{folder}: {MANIFEST} is not readable JSON") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{folder}: {MANIFEST} is not a JSON object")
    return manifest


def _check(folder: Path, manifest: dict[str, Any], data: bytes, expected_sha256: str | None,
           labels: tuple[str, ...]) -> None:
    """Refuse unless the bytes' hash, scikit-learn version and label set are what this process expects."""
    actual = hashlib.sha256(data).hexdigest()
    for name, wanted in (("model.json", manifest.get("sha256")), ("the registry", expected_sha256)):
        if wanted is not None and actual != wanted:
            raise ModelError(f"{folder}: {JOBLIB} does not match the sha256 in {name} (tampered or corrupt)")
    if manifest.get("sha256") is None:
        raise ModelError(f"{folder}: {MANIFEST} has no sha256")
    if manifest.get("sklearn_version") != sklearn.__version__:
        raise ModelError(f"{folder}: trained with scikit-learn {manifest.get('sklearn_version')}, "
                         f"this is {sklearn.__version__}; retrain the model")
    got = manifest.get("labels")
    if not isinstance(got, list) or not got or not set(got) <= set(labels) or len(got) < 2:
        raise ModelError(f"{folder}: label set {got} is not a subset of {sorted(labels)}")


def load_model(folder: str | Path, *, expected_sha256: str | None = None,
               labels: tuple[str, ...] = STANCES) -> Scorer:
    """A checked model folder as a Scorer; ModelError (never a traceback) when it is refused.

    The bytes unpickled are the bytes hashed (read once), so the file cannot change between check and load.
    Without ``expected_sha256`` (a folder named on the command line) only the folder's own model.json vouches
    for it, and a warning says so: load only folders you trust. The service loads through ``load_registered``.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        data = (folder / JOBLIB).read_bytes()
    except OSError as exc:
        raise ModelError(f"{folder}: no {JOBLIB}") from exc
    _check(folder, manifest, data, expected_sha256, labels)
    if expected_sha256 is None:
        log.warning("%s: checked against its own %s only (no registry sha256); unpickling runs code, so load "
                    "only model folders you trust", folder, MANIFEST)
    try:
        payload = joblib.load(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the same thing: refused
        raise ModelError(f"{folder}: {JOBLIB} could not be loaded ({type(exc).__name__})") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "stance" not in payload:
        raise ModelError(f"{folder}: {JOBLIB} is not a model this version wrote")
    scorer = Scorer(payload["stance"], payload.get("off_topic"), manifest)
    if sorted(scorer.classes) != sorted(manifest["labels"]):
        raise ModelError(f"{folder}: the model's labels {scorer.classes} differ from its manifest")
    return scorer


def load_registered(entry: dict[str, Any], model_dir: str | Path, *, labels: tuple[str, ...] = STANCES) -> Scorer:
    """A registry entry's model, loaded only when inside model_dir and matching the registry's sha256."""
    folder, sha = trust.vouched_folder(entry, model_dir)
    return load_model(folder, expected_sha256=sha, labels=labels)
