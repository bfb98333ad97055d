"""Promotion: register a new model, and make it current only when it is not worse on the same comments."""

from __future__ import annotations

from typing import Any

from moderation.errors import ModerationError
from moderation.model.artifact import load_model
from training.evaluate import f_avg


def promote(store: Any, trained: dict[str, Any]) -> dict[str, Any]:
    """Register the trained model; promote it unless the current model scores higher on its held-out data.

    The held-out data are the training comments: the new model is judged by its out-of-fold (cross-validated)
    predictions, the current model by its plain predictions (it may have seen them: a bias toward keeping it).
    """
    manifest = trained["manifest"]
    held = trained["heldout"]
    new = f_avg(held["y"], held["oof_pred"])
    store.register_model(manifest["version"], trained["path"], manifest)
    current = store.current_model()
    if current is None:
        store.promote_model(manifest["version"])
        return {"promoted": True, "reason": f"no current model; promoted with held-out F_avg {new:.2f}"}
    try:
        old_model = load_model(current["path"], expected_sha256=(current.get("manifest") or {}).get("sha256"))
        old = f_avg(held["y"], old_model.predict(held["records"]))
    except ModerationError as exc:
        store.promote_model(manifest["version"])
        return {"promoted": True, "reason": f"current model {current['version']} cannot be loaded ({exc.message}); "
                                            f"promoted with held-out F_avg {new:.2f}"}
    versus = f"F_avg {new:.2f} vs current {current['version']} {old:.2f} on the same {len(held['y'])} comments"
    if new >= old:
        store.promote_model(manifest["version"])
        return {"promoted": True, "reason": f"not worse: {versus}"}
    return {"promoted": False, "reason": f"registered but not promoted, worse: {versus}"}
