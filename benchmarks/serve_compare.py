"""benchmarks/serve.py on an earlier commit and on this tree, in one run, printed side by side.

    .venv/bin/python benchmarks/serve_compare.py --before a6d43e9 [--backend sqlite|postgresql|both] [--seconds 10]

The earlier commit is checked out into a temporary git worktree and its own serve.py runs with its own code
(PYTHONPATH), then this tree's serve.py runs, alternating per backend so both meet the same machine. The paced
rate is fixed for both (``--rate``, default 100/s, below what either sustains here), so the two paced rows
compare like with like. Rows only one side measures are shown for that side alone.

``--rounds N`` alternates before / after N times per backend and prints each side's median per row, with the
lowest and highest of the N per-round ratios: one pair of short runs on a shared 2-core machine can differ by a
third either way, and alternating lets both sides meet the same drift.

Each SQLite round also measures the two trees' in-process rates *at the same moment* ("in-process, paired"): both
sides' serve.py prepare a store, then score the seed thread in-process together, one core each
(benchmarks/_inproc_pair.py). The ratio of a pair does not depend on how fast the machine is that minute.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _run(tree: Path, backend: str, seconds: float, rate: float, smoke: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, str(tree / "benchmarks" / "serve.py"), "--backend", backend, "--json",
                          "--seconds", str(seconds), "--rate", str(rate), *(["--smoke"] if smoke else [])],
                         cwd=tree, env=env, capture_output=True, text=True, timeout=3600)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"serve.py in {tree} printed no figures:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def paired_in_process(before: Path, seconds: float) -> tuple[float, float]:
    """Both trees' in-process rates (comments/s), measured at the same moment, one core each."""
    with tempfile.TemporaryDirectory(prefix="inproc-go-") as tmp:
        go, procs = Path(tmp) / "go", []
        for side, tree in (("before", before), ("after", ROOT)):
            ready = Path(tmp) / side
            procs.append((ready, subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks" / "_inproc_pair.py"), str(tree), str(seconds), str(ready),
                 str(go)], cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)))
        deadline = time.monotonic() + 900
        while not all(ready.exists() for ready, _ in procs):
            if time.monotonic() > deadline or any(p.poll() is not None for _, p in procs):
                for _, p in procs:
                    p.kill()
                raise SystemExit(f"a side of the paired in-process run did not get ready:\n"
                                 f"{[p.communicate()[1][-1500:] for _, p in procs]}")
            time.sleep(0.1)
        go.write_text("go")
        rates = []
        for _, p in procs:
            out, err = p.communicate(timeout=seconds + 600)
            lines = [line for line in out.splitlines() if line.startswith("{")]
            if p.returncode or not lines:
                raise SystemExit(f"a side of the paired in-process run failed:\n{err[-2000:]}")
            rates.append(float(json.loads(lines[-1])["in_process_per_s"]))
        return rates[0], rates[1]


def rows(r: dict[str, Any]) -> dict[str, tuple[float, float, float]]:
    """(req/s, p50 ms, p99 ms) per measurement name, as serve.py prints them."""
    out = {f"single, {c} clients closed": (m["rps"], m["p50_ms"], m["p99_ms"]) for c, m in r["single"].items()}
    out[f"50 paced @{r['paced_50']['target_rps']:.0f}/s"] = tuple(r["paced_50"][k] for k in ("rps", "p50_ms", "p99_ms"))
    b = r["batch"]
    out[f"batch of {b['size']} (comments/s)"] = (b["comments_per_s"], b["p50_ms"], b["p99_ms"])
    if "storing" in r:
        out["storing, 10 clients"] = tuple(r["storing"][k] for k in ("rps", "p50_ms", "p99_ms"))
    out["in-process (comments/s)"] = (r["in_process_per_s"], float("nan"), float("nan"))
    if "in_process_new_texts_per_s" in r:
        out["in-process, new texts"] = (r["in_process_new_texts_per_s"], float("nan"), float("nan"))
    return out


def _median(runs: list[dict[str, tuple[float, float, float]]], name: str) -> tuple[float, float, float] | None:
    got = [r[name] for r in runs if name in r]
    if not got:
        return None
    rps, p50, p99 = (statistics.median(v[i] for v in got) for i in range(3))
    return rps, p50, p99


def _table(olds: list[dict[str, Any]], news: list[dict[str, Any]]) -> None:
    print(f"{'measurement':<30}{'before req/s':>13}{'after req/s':>12}{'ratio':>7}{'min-max':>12}"
          f"{'before p99':>12}{'after p99':>11}")
    for name in dict.fromkeys([k for r in (*olds, *news) for k in r]):
        a, b = _median(olds, name), _median(news, name)
        ratio = f"{b[0] / a[0]:>7.2f}" if a and b and a[0] else f"{'':>7}"
        each = [n[name][0] / o[name][0] for o, n in zip(olds, news, strict=True)
                if name in o and name in n and o[name][0]]
        spread = f"{min(each):.2f}-{max(each):.2f}" if len(each) > 1 else ""
        print(f"{name:<30}{(f'{a[0]:.1f}' if a else '-'):>13}{(f'{b[0]:.1f}' if b else '-'):>12}{ratio}"
              f"{spread:>12}{(f'{a[2]:.1f}' if a else '-'):>12}{(f'{b[2]:.1f}' if b else '-'):>11}")


def main(argv: list[str] | None = None) -> int:
    """Run both and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, help="the earlier commit (any git revision)")
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--rounds", type=int, default=1, help="before / after pairs per backend (medians printed)")
    ap.add_argument("--smoke", action="store_true", help="CI: serve.py --smoke on both sides (SQLite, short runs)")
    args = ap.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if args.smoke:
        backends = ["sqlite"]
    with tempfile.TemporaryDirectory(prefix="serve-before-") as tmp:
        before = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.before],
                       check=True, capture_output=True)
        try:
            for backend in backends:
                print(f"\n== {backend}: load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at start ==")
                olds, news = [], []
                for _ in range(max(1, args.rounds)):
                    olds.append(rows(_run(before, backend, args.seconds, args.rate, args.smoke)))
                    news.append(rows(_run(ROOT, backend, args.seconds, args.rate, args.smoke)))
                    if backend == "sqlite":
                        old, new = paired_in_process(before, 1.0 if args.smoke else max(args.seconds, 10.0))
                        olds[-1]["in-process, paired"] = (old, float("nan"), float("nan"))
                        news[-1]["in-process, paired"] = (new, float("nan"), float("nan"))
                if len(olds) > 1:
                    print(f"medians of {len(olds)} alternated rounds; min-max: the per-round ratios")
                _table(olds, news)
                print(f"load {os.getloadavg()[0]:.1f} at end; before = {args.before}, after = this tree")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)],
                           capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
