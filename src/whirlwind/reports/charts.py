"""Server-side SVG charts: no JavaScript, no external library, nothing fetched from outside,
and no inline styles (presentation attributes and CSS classes only, so the CSP holds).

Every bar or point can carry a link to the filtered list behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ["#b3261e", "#e8a33d", "#2f6db3", "#3a9d5d", "#7a4fb3", "#8c8c8c", "#d35f9a", "#3bb0b3"]


@dataclass
class Series:
    name: str
    values: Sequence[float]
    links: Sequence[str | None] = field(default_factory=list)
    colour: str | None = None


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    if value <= 4:
        # Small counts: whole-number ticks (0, 1, 2, 3, 4).
        return 4.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * magnitude
        if candidate >= value:
            return float(candidate)
    return float(10 * magnitude)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    out = []
    for i, s in enumerate(series):
        colour = s.colour or PALETTE[i % len(PALETTE)]
        cx = x + i * 110
        out.append(f'<rect x="{cx}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{cx + 14}" y="{y}">{escape(s.name)}</text>')
    return out


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    stacked: bool = False,
    width: int = 640,
    height: int = 300,
    unit: str = "",
) -> Markup:
    """Vertical bars per label; several series side by side, or stacked."""
    left, right, top, bottom = 56, 12, 28 if series and len(series) > 1 else 14, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(1, len(labels))
    if stacked:
        totals = [sum(float(s.values[i]) for s in series) for i in range(len(labels))]
        vmax = _nice_max(max(totals, default=0))
    else:
        vmax = _nice_max(max((float(v) for s in series for v in s.values), default=0))
    band = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ww-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        v = vmax * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
    inner = band * 0.8
    for i, label in enumerate(labels):
        x0 = left + band * i + band * 0.1
        base = top + plot_h
        for j, s in enumerate(series):
            value = float(s.values[i]) if i < len(s.values) else 0.0
            colour = s.colour or PALETTE[j % len(PALETTE)]
            h = plot_h * value / vmax if vmax else 0
            if stacked:
                x, w, y = x0, inner, base - h
                base -= h
            else:
                w = inner / max(1, len(series))
                x, y = x0 + w * j, top + plot_h - h
            rect = (
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 1):.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)} · {escape(s.name)}：{_fmt(value)}{escape(unit)}</title></rect>'
            )
            link = s.links[i] if i < len(s.links) else None
            parts.append(f'<a href="{escape(link)}">{rect}</a>' if link else rect)
        tx = left + band * i + band / 2
        parts.append(
            f'<text x="{tx:.1f}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-35 {tx:.1f} {top + plot_h + 14})">{escape(label)}</text>'
        )
    if len(series) > 1:
        parts.extend(_legend(series, left, 14))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every text and link above is escaped


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str = "",
    width: int = 640,
    height: int = 260,
    percent: bool = False,
) -> Markup:
    """Lines over periods (months); ``percent`` treats values as 0..1 ratios."""
    left, right, top, bottom = 56, 12, 28 if len(series) > 1 else 14, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    vmax = (
        1.0 if percent else _nice_max(max((float(v) for s in series for v in s.values), default=0))
    )
    n = len(labels)
    step = plot_w / max(1, n - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ww-chart" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        v = vmax * k / 4
        y = top + plot_h - plot_h * k / 4
        label = f"{v * 100:.0f}%" if percent else _fmt(v)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for i, label in enumerate(labels):
        x = left + step * i if n > 1 else left + plot_w / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    for j, s in enumerate(series):
        colour = s.colour or PALETTE[j % len(PALETTE)]
        points = []
        for i, v in enumerate(s.values):
            x = left + step * i if n > 1 else left + plot_w / 2
            y = top + plot_h - plot_h * float(v) / vmax if vmax else top + plot_h
            points.append((x, y, float(v), i))
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y, v, i in points:
            shown = f"{v * 100:.1f}%" if percent else _fmt(v)
            dot = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(labels[i])} · {escape(s.name)}：{shown}</title></circle>"
            )
            link = s.links[i] if i < len(s.links) else None
            parts.append(f'<a href="{escape(link)}">{dot}</a>' if link else dot)
    if len(series) > 1:
        parts.extend(_legend(series, left, 14))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  every text and link above is escaped
