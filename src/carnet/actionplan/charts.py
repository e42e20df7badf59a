"""The Plan of Action's bar chart (actions by status), drawn on the server as SVG: data in, markup out.

Pure function, no database: the caller gives the bars' labels (already in the page's
language) and counts. ``role="img"`` with a title; the same numbers are in the text beside
it. No ``style=""`` (the content security policy forbids it): presentation attributes only,
overridable through the classes; bars are told apart by their labels, not by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 480.0
ROW = 28.0
LABEL_WIDTH = 130.0
BAR_MAX = WIDTH - LABEL_WIDTH - 50.0
FILLS = {"proposed": "#8a94a3", "planned": "#4f7cac", "in_progress": "#d08a1e", "done": "#2e7d4f", "dropped": "#b0b6be"}


def status_bars_svg(bars: Sequence[tuple[str, str, int]], *, title: str) -> str:
    """Horizontal bars, one per (status, label, count), scaled to the largest count."""
    height = ROW * len(bars) + 8
    largest = max((count for _status, _label, count in bars), default=0) or 1
    out = [
        f'<svg xmlns="{SVG_NS}" class="status-chart" viewBox="0 0 {WIDTH:.0f} {height:.0f}" width="{WIDTH:.0f}" height="{height:.0f}"'
        ' role="img" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (status, label, count) in enumerate(bars):
        y = 4 + index * ROW
        width = BAR_MAX * count / largest
        out.append(
            f'<text class="bar-label" x="{LABEL_WIDTH - 8:.0f}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end" font-size="13"'
            f' fill="#1f2933">{escape(label)}</text>'
        )
        out.append(
            f'<rect class="bar bar-{escape(status)}" x="{LABEL_WIDTH:.0f}" y="{y + 4:.1f}" width="{width:.1f}" height="{ROW - 8:.0f}"'
            f' fill="{FILLS.get(status, "#4f7cac")}"/>'
        )
        out.append(
            f'<text class="bar-count" x="{LABEL_WIDTH + width + 6:.1f}" y="{y + ROW / 2 + 4:.1f}" font-size="13"'
            f' fill="#1f2933">{count}</text>'
        )
    out.append("</svg>")
    return "".join(out)
