"""Promotion: register a new model, and make it current only when it is not worse on the same held-out data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from moderation import settings
from moderation.errors import ModerationError
from moderation.model.artifact import load_registered
from moderation.model.trust import inside_model_dir
from training.data import record_key
from training.evaluate import f_avg
from training.train import TRAINED_IDS

MIN_UNSEEN = 20  # fewer comments the current model did not train on than this: the biased fallback comparison


def _trained_on(folder: str | Path, manifest: dict[str, Any]) -> tuple[set[str], set[str]] | str:
    """The ids and record keys the model in ``folder`` was trained on, or why they are not known."""
    try:
        payload = (Path(folder) / TRAINED_IDS).read_bytes()
    except FileNotFoundError:
        return f"its folder has no {TRAINED_IDS}"
    except OSError:
        return f"its {TRAINED_IDS} is not readable"
    wanted = (manifest.get("stance_trained_ids") or {}).get("sha256")
    if wanted is not None and hashlib.sha256(payload).hexdigest() != wanted:
        return f"its {TRAINED_IDS} does not match its model.json"
    try:
        body = json.loads(payload)
        return {str(i) for i in body["ids"]}, {str(k) for k in body.get("record_keys", [])}
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return f"its {TRAINED_IDS} is not readable"


def _cv_f_avg(manifest: dict[str, Any]) -> float | None:
    value = ((manifest.get("metrics") or {}).get("stance") or {}).get("f_avg")
    return float(value) if isinstance(value, int | float) else None


def compare(held: dict[str, Any], manifest: dict[str, Any], old_model: Any, old_manifest: dict[str, Any],
            old_folder: str | Path, old_version: str) -> tuple[float, float, str]:
    """The new and the current model's stance F_avg on the same held-out data, and what that comparison was.

    (a) Same training data hash: both manifests' cross-validated F_avg (both out-of-fold on the same comments).
    (b) Else, on the comments the current model did not train on (by id or by record), when there are at least
        MIN_UNSEEN: the new model's out-of-fold predictions vs the current model's plain predictions.
    (c) Else (too few such comments, or no record of what the current model trained on): every comment, the
        current model's plain predictions on comments it may have trained on (biased toward keeping it).
    """
    versus = f"vs current {old_version}"
    new_cv, old_cv = _cv_f_avg(manifest), _cv_f_avg(old_manifest)
    same_data = manifest.get("training_data_hash") is not None and \
        manifest.get("training_data_hash") == old_manifest.get("training_data_hash")
    if same_data and new_cv is not None and old_cv is not None:
        return new_cv, old_cv, (f"cross-validated F_avg {new_cv:.2f} {versus} {old_cv:.2f}, both out-of-fold on the "
                                f"same {len(held['y'])} comments (same training data)")
    trained = _trained_on(old_folder, old_manifest)
    if isinstance(trained, tuple):
        ids, keys = trained
        unseen = [k for k, (i, rec) in enumerate(zip(held["ids"], held["records"], strict=True))
                  if str(i) not in ids and record_key(rec) not in keys]
        if len(unseen) >= MIN_UNSEEN:
            y = [held["y"][k] for k in unseen]
            new = f_avg(y, [held["oof_pred"][k] for k in unseen])
            old = f_avg(y, list(old_model.predict([held["records"][k] for k in unseen])))
            return new, old, (f"F_avg {new:.2f} (out-of-fold) {versus} {old:.2f} on the {len(unseen)} held-out "
                              f"comments the current model did not train on")
        why = f"only {len(unseen)} comments it did not train on, fewer than {MIN_UNSEEN}"
    else:
        why = trained
    new = f_avg(held["y"], held["oof_pred"])
    old = f_avg(held["y"], list(old_model.predict(held["records"])))
    return new, old, (f"F_avg {new:.2f} (out-of-fold) {versus} {old:.2f} on the same {len(held['y'])} comments, "
                      f"which the current model may have trained on (biased toward keeping it: {why})")


def promote(store: Any, trained: dict[str, Any]) -> dict[str, Any]:
    """Register the trained model; promote it unless the current model scores higher on the same held-out data.

    What "the same held-out data" is depends on what is known of the current model: see ``compare``.
    """
    manifest = trained["manifest"]
    held = trained["heldout"]
    model_dir = settings.get("model_dir")
    inside_model_dir(trained["path"], model_dir)  # the service would refuse it: do not register it
    stance_cv = (manifest.get("cv") or {}).get("stance") or {}
    if stance_cv.get("no_better_than_majority"):
        chosen = stance_cv.get(stance_cv.get("chosen_by", ""), {})
        return {"promoted": False, "refused": True,
                "reason": f"refused: not registered, its cross-validated stance F_avg {chosen.get('f_avg')} is no "
                          f"better than always '{stance_cv['majority']['label']}' "
                          f"({stance_cv['majority']['f_avg']})"}
    store.register_model(manifest["version"], trained["path"], manifest)
    current = store.current_model()
    if current is None:
        store.promote_model(manifest["version"])
        new = f_avg(held["y"], held["oof_pred"])
        return {"promoted": True, "reason": f"no current model; promoted with held-out F_avg {new:.2f} "
                                            f"(out-of-fold on {len(held['y'])} comments)"}
    try:
        old_model = load_registered(current, model_dir)
    except ModerationError as exc:
        store.promote_model(manifest["version"])
        new = f_avg(held["y"], held["oof_pred"])
        return {"promoted": True, "reason": f"current model {current['version']} cannot be loaded ({exc.message}); "
                                            f"promoted with held-out F_avg {new:.2f} "
                                            f"(out-of-fold on {len(held['y'])} comments)"}
    new, old, versus = compare(held, manifest, old_model, old_model.manifest, current["path"], current["version"])
    if new >= old:
        store.promote_model(manifest["version"])
        return {"promoted": True, "reason": f"not worse: {versus}"}
    return {"promoted": False, "reason": f"registered but not promoted, worse: {versus}"}
