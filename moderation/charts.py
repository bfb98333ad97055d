"""Small charts as inline SVG (no plotting library): bars for counts, a reliability curve for calibration.

Every chart scales to its container (viewBox, width 100%), carries a title and an aria-label, and uses presentation
attributes only (no style attributes), so it renders under a strict Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

COLOURS = {"favor": "#1f7a3a", "against": "#b3261e", "none": "#59606b", "off-topic": "#c28a00"}


def stacked_bars(rows: Sequence[tuple[str, dict[str, int]]], *, label: str, row_height: int = 26,
                 width: int = 360) -> Markup:
    """One horizontal bar per row, split by category (COLOURS order), with the total at its end and a legend."""
    names = [c for c in COLOURS if any(r.get(c) for _, r in rows)] or list(COLOURS)
    pad, legend = 90, 22
    top = max((sum(r.values()) for _, r in rows), default=0) or 1
    scale = (width - pad - 40) / top
    height = legend + row_height * len(rows) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'class="chart" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>']
    x = 0
    for name in names:
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[name]}"/>'
                     f'<text x="{x + 14}" y="13" font-size="11">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for i, (who, counts) in enumerate(rows):
        y = legend + i * row_height
        parts.append(f'<text x="{pad - 6}" y="{y + row_height / 2 + 4}" font-size="12" text-anchor="end">'
                     f'{escape(who[:14])}</text>')
        x = float(pad)
        for name in names:
            n = counts.get(name, 0)
            if n:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{n * scale:.1f}" height="{row_height - 8}" '
                             f'fill="{COLOURS[name]}"><title>{escape(who)}: {n} {escape(name)}</title></rect>')
                x += n * scale
        parts.append(f'<text x="{x + 4:.1f}" y="{y + row_height / 2 + 4}" font-size="12">{sum(counts.values())}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def reliability_curve(table: Sequence[dict], *, size: int = 300) -> Markup:
    """Accuracy against mean confidence per bin (points sized by count) beside the diagonal of perfect calibration."""
    pad = 36
    span = size - pad - 10

    def px(v: float) -> float:
        return pad + v * span

    def py(v: float) -> float:
        return 10 + (1 - v) * span

    label = "reliability curve: accuracy against confidence"
    bottom = py(0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {bottom + 32}" width="{size}" '
             f'class="chart" role="img" aria-label="{label}"><title>{label}</title>',
             f'<rect x="{pad}" y="10" width="{span}" height="{span}" fill="#fafbfc" stroke="#ccc"/>',
             f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" stroke="#999" stroke-dasharray="4 3"/>']
    for t in (0, 0.5, 1):
        parts.append(f'<text x="{px(t)}" y="{bottom + 14}" font-size="10" text-anchor="middle">{t:g}</text>'
                     f'<text x="{pad - 4}" y="{py(t) + 3}" font-size="10" text-anchor="end">{t:g}</text>')
    parts.append(f'<text x="{pad + span / 2}" y="{bottom + 28}" font-size="11" text-anchor="middle">confidence '
                 f'(mean per bin)</text><text x="{pad + 6}" y="24" font-size="11">accuracy</text>')
    top = max((int(b["count"]) for b in table), default=1) or 1
    points = [(px(float(b["confidence"])), py(float(b["accuracy"])), int(b["count"])) for b in table]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#2357c6" stroke-width="2"/>')
    for (x, y, n), b in zip(points, table, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3 + 5 * (n / top) ** 0.5:.1f}" fill="#2357c6">'
                     f'<title>{escape(str(b.get("bin", "")))}: {n} comments, confidence {float(b["confidence"]):.2f}, '
                     f'accuracy {float(b["accuracy"]):.2f}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))
