"""The training report: report.json, and report.html with the confusion matrix, per-class bars and the
reliability curve drawn as SVG."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from moderation.charts import reliability_curve


def confusion_svg(labels: list[str], matrix: list[list[int]], cell: int = 64) -> str:
    """A confusion matrix as an SVG grid: rows true, columns predicted, darker = more."""
    top = max((v for row in matrix for v in row), default=0) or 1
    pad = 90
    size = pad + cell * len(labels)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 20}" role="img" '
             'aria-label="confusion matrix">',
             f'<text x="{pad}" y="14" font-size="12">predicted →</text>']
    for j, name in enumerate(labels):
        parts.append(f'<text x="{pad + j * cell + cell / 2}" y="{pad - 8}" font-size="12" '
                     f'text-anchor="middle">{escape(name)}</text>')
    for i, name in enumerate(labels):
        y = pad + i * cell
        parts.append(f'<text x="{pad - 8}" y="{y + cell / 2 + 4}" font-size="12" text-anchor="end">'
                     f'{escape(name)}</text>')
        for j, value in enumerate(matrix[i]):
            shade = int(235 - 190 * value / top)
            ink = "#fff" if shade < 140 else "#000"
            parts.append(f'<rect x="{pad + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                         f'fill="rgb({shade},{shade},255)"/>')
            parts.append(f'<text x="{pad + j * cell + cell / 2}" y="{y + cell / 2 + 4}" font-size="14" '
                         f'text-anchor="middle" fill="{ink}">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars_svg(per_class: dict[str, dict[str, float]], width: int = 360, row: int = 18) -> str:
    """Horizontal bars of precision, recall and F1 per class."""
    colours = {"precision": "#6a8caf", "recall": "#a3c586", "f1": "#e0a458"}
    height = len(per_class) * (3 * row + 12) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 170}" height="{height}" role="img" '
             'aria-label="per-class precision, recall and F1">']
    y = 5
    for name, figures in per_class.items():
        for metric, colour in colours.items():
            value = float(figures.get(metric, 0.0))
            parts.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(name)} {metric}</text>')
            parts.append(f'<rect x="120" y="{y}" width="{value * width:.1f}" height="{row - 3}" fill="{colour}"/>')
            parts.append(f'<text x="{124 + value * width:.1f}" y="{y + 13}" font-size="12">{value:.2f}</text>')
            y += row
        y += 12
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r.values()) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(manifest: dict[str, Any], metrics: dict[str, Any]) -> str:
    """The report page (self-contained: inline SVG and CSS)."""
    st = metrics["stance"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>model report</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px}</style></head><body>",
        f"<h1>Model {escape(str(manifest.get('version')))}</h1>",
        f"<p>Created {escape(str(manifest.get('created')))};"
        f" scikit-learn {escape(str(manifest.get('sklearn_version')))};"
        f" data {escape(str(manifest.get('training_data_hash', ''))[:12])}.</p>",
        "<h2>Stance (cross-validated, out-of-fold)</h2>",
        f"<p>F_avg {st['f_avg']:.2f} · macro-F1 {st['macro_f1']:.2f} · accuracy {st['accuracy']:.2f} · n {st['n']}</p>",
        confusion_svg(st["confusion"]["labels"], st["confusion"]["matrix"]),
        bars_svg(st["per_class"]),
    ]
    if "calibration" in st:
        parts += [f"<h3>Calibration: Brier {st['calibration']['brier']:.4f}</h3>",
                  str(reliability_curve(st["calibration"]["reliability"])), _table(st["calibration"]["reliability"])]
    if "off_topic" in metrics:
        ot = metrics["off_topic"]
        parts += ["<h2>Off-topic (cross-validated)</h2>",
                  _table([{k: ot[k] for k in ("n", "positives", "precision", "recall", "f1", "roc_auc")}])]
    parts += ["<h2>Cross-validation</h2>", f"<pre>{escape(json.dumps(manifest.get('cv'), indent=2))}</pre>",
              "</body></html>"]
    return "\n".join(parts)


def write_report(folder: str | Path, manifest: dict[str, Any], metrics: dict[str, Any]) -> None:
    """Write report.json and report.html beside the model."""
    folder = Path(folder)
    report = {"version": manifest.get("version"), "manifest": manifest, "metrics": metrics}
    (folder / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True, default=str) + "\n",
                                        encoding="utf-8")
    (folder / "report.html").write_text(render_html(manifest, metrics), encoding="utf-8")
