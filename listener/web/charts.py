"""Server-rendered SVG charts: no JavaScript, every label escaped. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 640, 180, 28
COLORS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563")


@dataclass(frozen=True)
class Line:
    """One series of a line chart."""

    label: str
    values: Sequence[float]
    color: str = COLORS[0]
    dashed: bool = False


def _points(values: Sequence[float], top: float) -> str:
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    scale = (HEIGHT - 2 * PAD) / (top or 1.0)
    return " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - v * scale:.1f}" for i, v in enumerate(values)
    )


def line_chart(title: str, lines: Sequence[Line], x_first: str = "", x_last: str = "") -> Markup:
    """An SVG line chart of ``lines`` sharing one x axis, with a legend."""
    top = max((v for line in lines for v in line.values), default=0.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" '
        'stroke="#9ca3af"/>',
        f'<text x="2" y="{PAD - 8}" font-size="11">{top:.4g}</text>',
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11">{escape(x_first)}</text>',
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
        f"{escape(x_last)}</text>",
    ]
    for i, line in enumerate(lines):
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        parts.append(
            f'<polyline fill="none" stroke="{escape(line.color)}" stroke-width="2"{dash} '
            f'points="{_points(line.values, top)}"/>'
        )
        parts.append(
            f'<text x="{PAD + 8 + i * 150}" y="14" font-size="12" fill="{escape(line.color)}">'
            f"{escape(line.label)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, bars: Sequence[tuple[str, float]]) -> Markup:
    """Horizontal bars (label, value), e.g. share of voice; values shown as percentages."""
    total = sum(v for _, v in bars) or 1.0
    height = 24 * len(bars) + 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(bars):
        width = (WIDTH - 260) * value / total
        y = 5 + i * 24
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:28])}</text>'
            f'<rect x="180" y="{y}" width="{width:.1f}" height="18" '
            f'fill="{COLORS[i % len(COLORS)]}"/>'
            f'<text x="{186 + width:.1f}" y="{y + 14}" font-size="12">'
            f"{100 * value / total:.1f}%</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
