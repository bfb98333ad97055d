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
    # One round (four serve.py smoke runs took two minutes of CI): the medians and spread of several rounds are
    # test_serve_compare_prints_the_medians_and_spread_of_alternated_rounds's.
    ("serve_compare.py", ["--before", "HEAD"], ["before req/s", "after req/s", "min-max", "in-process, paired"]),
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


def test_serve_compare_prints_the_medians_and_spread_of_alternated_rounds(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import serve_compare
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    olds = [{"single, 1 clients closed": (100.0, 5.0, 9.0)}, {"single, 1 clients closed": (200.0, 4.0, 8.0)},
            {"single, 1 clients closed": (300.0, 3.0, 7.0)}]
    news = [{"single, 1 clients closed": (110.0, 5.0, 9.5)}, {"single, 1 clients closed": (160.0, 4.0, 8.5)},
            {"single, 1 clients closed": (390.0, 3.0, 7.5)}]
    serve_compare._table(olds, news)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("single, 1 clients closed"))
    # medians 200 and 160 (ratio 0.80, not the mean of the ratios), per-round ratios 0.80-1.30, median p99s
    assert line.split()[4:] == ["200.0", "160.0", "0.80", "0.80-1.30", "8.0", "8.5"], line
