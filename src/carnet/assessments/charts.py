"""The star chart and the per-domain sparklines, drawn on the server as SVG: data in, markup out.

Pure functions, no database and no Django: the caller gives the axis labels (already in
the page's language), the scores and the texts for ``<title>`` and ``<desc>``, and marks the
result safe. Why SVG on the server: it works without JavaScript, on a cheap phone, in a
printout and in a screen reader (``role="img"`` with a title and a description; the numbers
themselves are in the text table beside it).

The content security policy forbids ``style=""``: everything is drawn with SVG presentation
attributes (``fill``, ``stroke``, ``stroke-dasharray``), which the stylesheet may override
through the classes. Readings are told apart by line weight and dash pattern, never by
colour alone. A score of ``None`` ("I don't want to say") is a gap: no point, and the
outline is broken there, never drawn through zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"

# The star chart's geometry (user units of its viewBox).
WIDTH, HEIGHT = 640, 520
CX, CY = 320.0, 260.0
RADIUS = 160.0  # the outer ring: the highest score
LABEL_GAP = 16.0  # between the outer ring and an axis label
LABEL_LINE = 17.0  # line height of a wrapped axis label
LABEL_CHARS = 17  # wrap axis labels at about this many characters

# Style per position, latest first: a bold solid outline, then lighter lines with distinct dash patterns.
DASHES: tuple[str, ...] = ("", "9 5", "2 4", "12 4 2 4", "5 3 1 3")
LATEST_STROKE, EARLIER_STROKE = "#174a7c", "#55606e"
MAX_SERIES = len(DASHES)

# Sparkline geometry.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120.0, 32.0, 5.0


@dataclass(frozen=True)
class Series:
    """One reading on the chart: a label for the legend and a score per axis (``None``: a gap)."""

    label: str
    scores: tuple[int | None, ...]


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def axis_angle(index: int, count: int) -> float:
    """The angle of axis ``index`` of ``count``: the first points straight up, the rest follow clockwise."""
    return -math.pi / 2 + 2 * math.pi * index / count


def point(index: int, count: int, score: float, max_score: int) -> tuple[float, float]:
    """Where ``score`` lies on axis ``index`` (the centre is 0, the outer ring ``max_score``), rounded as drawn."""
    radius = RADIUS * score / max_score
    angle = axis_angle(index, count)
    return round(CX + radius * math.cos(angle), 1), round(CY + radius * math.sin(angle), 1)


def points_attribute(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in points)


def style_for(position: int) -> dict[str, str]:
    """Presentation attributes of the outline at ``position`` (0 = the latest reading)."""
    if position == 0:
        return {"stroke": LATEST_STROKE, "stroke-width": "3.5", "fill": LATEST_STROKE, "fill-opacity": "0.12"}
    attributes = {"stroke": EARLIER_STROKE, "stroke-width": "1.6", "stroke-opacity": "0.8", "fill": "none"}
    dash = DASHES[min(position, MAX_SERIES - 1)]
    if dash:
        attributes["stroke-dasharray"] = dash
    return attributes


def _attrs(attributes: dict[str, str]) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())


def wrap_label(text: str, width: int = LABEL_CHARS) -> list[str]:
    """Split a label into lines of about ``width`` characters, at spaces and slashes."""
    words = text.replace("/", "/ ").split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip() if not current.endswith("/") else f"{current}{word}"
        if current and len(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def _label(index: int, count: int, text: str) -> str:
    angle = axis_angle(index, count)
    cos, sin = math.cos(angle), math.sin(angle)
    x = CX + (RADIUS + LABEL_GAP) * cos
    y = CY + (RADIUS + LABEL_GAP) * sin
    anchor = "start" if cos > 0.25 else "end" if cos < -0.25 else "middle"
    lines = wrap_label(text)
    # Above the chart the lines grow upwards, below it downwards, at the sides they are centred on the axis.
    if sin < -0.5:
        first = y - (len(lines) - 1) * LABEL_LINE
    elif sin > 0.5:
        first = y + LABEL_LINE * 0.7
    else:
        first = y - (len(lines) - 1) * LABEL_LINE / 2 + 4
    spans = "".join(f'<tspan x="{_num(x)}" y="{_num(first + n * LABEL_LINE)}">{escape(line)}</tspan>' for n, line in enumerate(lines))
    return f'<text class="axis-label" text-anchor="{anchor}" font-size="15" fill="#1f2933">{spans}</text>'


def _outline(scores: Sequence[int | None], position: int, max_score: int) -> str:
    """A closed polygon when every axis has a score; otherwise the segments between neighbours that both have one."""
    count = len(scores)
    css = "series series-latest" if position == 0 else f"series series-earlier series-{position}"
    style = style_for(position)
    points = [None if score is None else point(i, count, score, max_score) for i, score in enumerate(scores)]
    parts: list[str] = []
    present = [p for p in points if p is not None]
    if present and len(present) == count:
        parts.append(f'<polygon class="{css}" points="{points_attribute(present)}"{_attrs(style)}/>')
    elif present:
        segments = []
        for i in range(count):
            start, end = points[i], points[(i + 1) % count]
            if start is not None and end is not None and count > 1:
                segments.append(f"M{_num(start[0])},{_num(start[1])} L{_num(end[0])},{_num(end[1])}")
        if segments:
            line_style = {**style, "fill": "none"}
            line_style.pop("fill-opacity", None)
            parts.append(f'<path class="{css} series-broken" d="{" ".join(segments)}"{_attrs(line_style)}/>')
    radius = "5" if position == 0 else "3"
    marker_fill = LATEST_STROKE if position == 0 else "#ffffff"
    for i, found in enumerate(points):
        if found is not None:
            parts.append(
                f'<circle class="marker {css.split()[-1]}" data-axis="{i}" cx="{_num(found[0])}" cy="{_num(found[1])}" r="{radius}"'
                f' fill="{marker_fill}" stroke="{style["stroke"]}" stroke-width="1.5"/>'
            )
    return "".join(parts)


def radar_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    max_score: int = 3,
    id_prefix: str = "star-chart",
) -> str:
    """The star chart: one axis per label, rings 1..``max_score``, ``series`` oldest first (the last is the latest).

    Only the last :data:`MAX_SERIES` series are drawn; the latest goes on top, boldest.
    """
    count = len(axes)
    shown = list(series)[-MAX_SERIES:]
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [
        f'<svg xmlns="{SVG_NS}" class="star-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{title_id} {desc_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        '<g class="rings" aria-hidden="true">',
    ]
    for ring in range(1, max_score + 1):
        radius = RADIUS * ring / max_score
        out.append(
            f'<circle class="ring ring-{ring}" cx="{_num(CX)}" cy="{_num(CY)}" r="{_num(radius)}"'
            ' fill="none" stroke="#c3cad3" stroke-width="1"/>'
        )
        # The ring's number sits between the first two axes, clear of the outlines drawn on the axes.
        between = axis_angle(1, 2 * count) if count else -math.pi / 2
        lx, ly = CX + (radius - 6) * math.cos(between), CY + (radius - 6) * math.sin(between) + 4
        out.append(
            f'<text class="ring-label" x="{_num(lx)}" y="{_num(ly)}" font-size="12" fill="#52606d" text-anchor="middle">{ring}</text>'
        )
    out.append("</g>")
    out.append('<g class="axes" aria-hidden="true">')
    for i in range(count):
        x, y = point(i, count, max_score, max_score)
        out.append(
            f'<line class="axis" data-axis="{i}" x1="{_num(CX)}" y1="{_num(CY)}" x2="{_num(x)}" y2="{_num(y)}"'
            ' stroke="#9aa5b1" stroke-width="1"/>'
        )
    out.append("</g>")
    out.append('<g class="readings" aria-hidden="true">')
    if count:
        for n, one in enumerate(shown):
            position = len(shown) - 1 - n  # 0 for the latest
            out.append(f'<g class="reading" data-position="{position}">{_outline(one.scores, position, max_score)}</g>')
    out.append("</g>")
    out.append('<g class="labels" aria-hidden="true">')
    out.extend(_label(i, count, label) for i, label in enumerate(axes))
    out.append("</g></svg>")
    return "".join(out)


def legend_swatch_svg(position: int) -> str:
    """A short sample of the outline at ``position`` for the legend (decorative: the legend's text says it)."""
    style = {**style_for(position), "fill": "none"}
    style.pop("fill-opacity", None)
    return (
        f'<svg xmlns="{SVG_NS}" class="legend-swatch" viewBox="0 0 40 12" width="40" height="12" aria-hidden="true" focusable="false">'
        f'<line x1="1" y1="6" x2="39" y2="6"{_attrs(style)}/></svg>'
    )


def spark_point(index: int, count: int, score: int, max_score: int) -> tuple[float, float]:
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    x = SPARK_PAD + (inner_w * index / (count - 1) if count > 1 else inner_w / 2)
    y = SPARK_PAD + inner_h * (max_score - score) / max(max_score - 1, 1)
    return round(x, 1), round(y, 1)


def sparkline_svg(scores: Sequence[int | None], *, title: str, max_score: int = 3) -> str:
    """A small line of one domain's scores over time (oldest first); a ``None`` breaks the line."""
    count = len(scores)
    out = [
        f'<svg xmlns="{SVG_NS}" class="sparkline" viewBox="0 0 {_num(SPARK_WIDTH)} {_num(SPARK_HEIGHT)}"'
        f' width="{_num(SPARK_WIDTH)}" height="{_num(SPARK_HEIGHT)}" role="img" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    for level in range(1, max_score + 1):
        _x, y = spark_point(0, 2, level, max_score)
        out.append(
            f'<line class="spark-grid" x1="{_num(SPARK_PAD)}" y1="{_num(y)}" x2="{_num(SPARK_WIDTH - SPARK_PAD)}" y2="{_num(y)}"'
            f' stroke="#e4e7eb" stroke-width="1"/>'
        )
    points = [None if s is None else spark_point(i, count, s, max_score) for i, s in enumerate(scores)]
    segments = []
    for i in range(count - 1):
        start, end = points[i], points[i + 1]
        if start is not None and end is not None:
            segments.append(f"M{_num(start[0])},{_num(start[1])} L{_num(end[0])},{_num(end[1])}")
    if segments:
        out.append(f'<path class="spark-line" d="{" ".join(segments)}" fill="none" stroke="{LATEST_STROKE}" stroke-width="2"/>')
    for i, found in enumerate(points):
        if found is not None:
            last = i == count - 1
            out.append(
                f'<circle class="spark-point{" spark-latest" if last else ""}" cx="{_num(found[0])}" cy="{_num(found[1])}"'
                f' r="{"3.5" if last else "2.2"}" fill="{LATEST_STROKE}"/>'
            )
    out.append("</svg>")
    return "".join(out)
