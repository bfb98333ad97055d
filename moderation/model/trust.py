"""The model trust root: the store's registry row vouches for a model file by its sha256, nothing beside the file.

A model file is a pickle, and unpickling runs code. The service therefore loads only a registry entry whose
folder (symlinks resolved) lies inside MODERATION_MODEL_DIR and whose ``model.joblib`` hashes to the sha256 the
trainer wrote into the registry row when it registered the model; ``model.json`` next to the file is not trusted
for this (whoever can rewrite the file can rewrite it too). These checks read bytes only, never unpickle.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from moderation.errors import ModelError

JOBLIB = "model.joblib"


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inside_model_dir(path: str | Path, model_dir: str | Path) -> Path:
    """The folder's real path, once it and its model.joblib (symlinks resolved) lie inside model_dir."""
    root = Path(model_dir).resolve()
    try:
        real = Path(path).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ModelError(f"{path}: model folder not found") from exc
    for candidate in (real, (real / JOBLIB).resolve()):
        if not candidate.is_relative_to(root):
            raise ModelError(f"{path}: lies outside MODERATION_MODEL_DIR ({root}); only models inside it are "
                             f"loaded")
    return real


def registered_sha256(entry: dict[str, Any]) -> str:
    """The sha256 a registry entry vouches for (ModelError when the row holds none)."""
    sha = (entry.get("manifest") or {}).get("sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise ModelError(f"model {entry.get('version')}: the registry holds no sha256 for it; register it again")
    return sha


def vouched_folder(entry: dict[str, Any], model_dir: str | Path) -> tuple[Path, str]:
    """A registry entry's real folder and sha256, once its model.joblib is inside model_dir and matches the row."""
    sha = registered_sha256(entry)
    folder = inside_model_dir(entry["path"], model_dir)
    try:
        actual = sha256_file(folder / JOBLIB)
    except OSError as exc:
        raise ModelError(f"{folder}: no readable {JOBLIB}") from exc
    if actual != sha:
        raise ModelError(f"{folder}: {JOBLIB} does not match the sha256 in the registry (tampered or replaced); "
                         f"not loaded")
    return folder, sha
