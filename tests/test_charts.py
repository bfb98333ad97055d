"""The inline SVG charts: the agreement page's bars and the training report's reliability curve."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from moderation.charts import reliability_curve, stacked_bars
from training.report import render_html

NS = "{http://www.w3.org/2000/svg}"


def test_stacked_bars_one_bar_per_annotator_with_totals() -> None:
    svg = ET.fromstring(str(stacked_bars([("ann", {"favor": 3, "against": 1}), ("bob<", {"none": 2})], label="x")))
    assert svg.get("viewBox") and svg.get("width") == "100%" and svg.get("aria-label") == "x"
    titles = [t.text for t in svg.iter(f"{NS}title")]
    assert titles == ["x", "ann: 3 favor", "ann: 1 against", "bob<: 2 none"]
    widths = [float(r.get("width")) for r in svg.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert widths[0] == 3 * widths[1] and widths[2] == 2 * widths[1]
    assert [t.text for t in svg.iter(f"{NS}text")][-2:] == ["bob<", "2"]
    assert "style=" not in str(stacked_bars([("a", {"favor": 1})], label="y"))


def test_reliability_curve_puts_each_bin_at_its_confidence_and_accuracy() -> None:
    table = [{"bin": "0.3-0.4", "count": 5, "confidence": 0.35, "accuracy": 0.2},
             {"bin": "0.9-1.0", "count": 20, "confidence": 0.95, "accuracy": 0.9}]
    svg = ET.fromstring(str(reliability_curve(table, size=300)))
    circles = list(svg.iter(f"{NS}circle"))
    assert len(circles) == 2 and float(circles[1].get("r")) > float(circles[0].get("r"))
    span = 300 - 36 - 10
    assert float(circles[1].get("cx")) == round(36 + 0.95 * span, 1)
    assert float(circles[0].get("cy")) == round(10 + 0.8 * span, 1)
    assert svg.find(f"{NS}polyline") is not None and svg.find(f"{NS}line").get("stroke-dasharray")


def test_training_report_draws_the_confusion_matrix_and_reliability_curve() -> None:
    metrics = {"stance": {"f_avg": 50.0, "macro_f1": 40.0, "accuracy": 60.0, "n": 4,
                          "confusion": {"labels": ["favor", "against"], "matrix": [[1, 1], [0, 2]]},
                          "per_class": {"favor": {"precision": 1.0, "recall": 0.5, "f1": 0.67}},
                          "calibration": {"brier": 0.3, "reliability": [
                              {"bin": "0.5-0.6", "count": 4, "confidence": 0.55, "accuracy": 0.75}]}}}
    html = render_html({"version": "v", "cv": {}}, metrics)
    assert re.search(r'aria-label="confusion matrix"', html)
    assert 'aria-label="reliability curve: accuracy against confidence"' in html
