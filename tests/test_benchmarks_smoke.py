"""Every benchmark's --smoke version runs and prints its figures beside the reference, so none can rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DATA = Path(os.environ.get("MODERATION_DATA", ROOT.parent / "shared" / "data"))

# (script, arguments, words the output must contain: a measured figure's label and a reference's)
BENCHMARKS = [
    ("semeval2016.py", [str(DATA / "semeval2016-task6")], ["F_avg", "68.98", "reference", "training time"]),
    ("transfer.py", [str(DATA)], ["pooled F_avg", "reference TF-IDF + LR", "Perspectrum", "predicted"]),
    ("fnc1.py", [str(DATA / "fnc1")], ["82.02", "macro-F1", "reference", "training time"]),
    ("off_topic.py", [str(DATA), "--seeds", str(DATA.parent / "seeds")], ["AUC/AP/P@R50", "length", "seed title only",
                                                                     "tfidf-to-article", "first comments"]),
    ("duplicates.py", [str(DATA)], ["precision", "recall", "p99"]),
    ("copies.py", [str(DATA)], ["recall", "quotes_kept", "raw MinHash"]),
    ("serve.py", ["--backend", "both"], ["req/s", "p99", "in-process"]),
    ("serve_compare.py", ["--before", "HEAD", "--rounds", "2"], ["before req/s", "after req/s", "min-max",
                                                               "in-process"]),
    ("learning_curve.py", [str(DATA / "semeval2016-task6")], ["adapted", "retrained", "TF-IDF+LR reference"]),
]


@pytest.mark.slow
@pytest.mark.parametrize(("script", "args", "words"), BENCHMARKS, ids=[b[0] for b in BENCHMARKS])
def test_benchmark_smoke_runs_and_prints_figures(script: str, args: list[str], words: list[str]) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args, "--smoke"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    for word in words:
        assert word in result.stdout, f"{script} --smoke printed no {word!r}:\n{result.stdout[-2000:]}"
