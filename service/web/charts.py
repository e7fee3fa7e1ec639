"""Server-rendered SVG charts: pure functions from numbers to markup, no external library.

Every chart is an ``<svg role="img">`` with an ``aria-label`` that says what it shows, a
``viewBox`` (it shrinks with ``max-width: 100%`` on a phone) and a ``<title>`` tooltip on each bar
or point; text is escaped. The page shows the same numbers as a table under the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

__all__ = ["Bar", "Point", "Segment", "StackedBar", "bar_chart", "line_chart", "stacked_bar_chart"]

WIDTH = 760
LABEL_WIDTH = 250
VALUE_WIDTH = 48
ROW_HEIGHT = 26
BAR_HEIGHT = 17
FONT = 'font-family="Segoe UI, Roboto, Noto Sans, Liberation Sans, Arial, sans-serif"'
LABEL_CHARS = 38


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: its series (legend key) and count."""

    series: str
    value: int


@dataclass(frozen=True)
class StackedBar:
    label: str
    segments: Sequence[Segment]

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    tooltip: str = ""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    tooltip: str = ""


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}" {FONT} font-size="13">'
    )
    return Markup(head + "".join(body) + "</svg>")


def _scale(maximum: int) -> int:
    """A round axis end at or above ``maximum`` (1, 2, 5 × a power of ten)."""
    if maximum <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= maximum:
                return m * step
        step *= 10


def _row_label(y: float, label: str) -> str:
    return (
        f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 4:.1f}" text-anchor="end" fill="#1f2328">'
        f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
    )


def stacked_bar_chart(
    rows: Sequence[StackedBar],
    series: Sequence[tuple[str, str, str]],
    label: str,
    empty: str = "Không có số liệu",
) -> Markup:
    """Horizontal bars, one per row, split by series ``(key, legend label, colour)``, with a legend.

    Each segment's tooltip names the row, the series and its count; the row's total is written
    at the end of the bar.
    """
    legend_rows = 1 + (len(series) - 1) // 4 if series else 0
    top = 10 + legend_rows * 20
    height = top + max(1, len(rows)) * ROW_HEIGHT + 10
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    maximum = _scale(max((r.total for r in rows), default=0))
    names = {key: (name, colour) for key, name, colour in series}
    body: list[str] = []
    for i, (_key, name, colour) in enumerate(series):
        x = 10 + (i % 4) * 185
        y = 10 + (i // 4) * 20
        body.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 17}" y="{y + 11}" fill="#1f2328">{escape(name)}</text>'
        )
    if not rows:
        body.append(f'<text x="{LABEL_WIDTH}" y="{top + 18}" fill="#5b6470">{escape(empty)}</text>')
    for index, row in enumerate(rows):
        y = top + index * ROW_HEIGHT
        body.append(_row_label(y, row.label))
        bx = float(LABEL_WIDTH)
        for segment in row.segments:
            if segment.value <= 0:
                continue
            name, colour = names.get(segment.series, (segment.series, "#8c959f"))
            w = plot * segment.value / maximum
            body.append(
                f'<rect x="{bx:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
                f"<title>{escape(row.label)} · {escape(name)}: {_number(segment.value)}</title></rect>"
            )
            bx += w
        body.append(
            f'<text x="{bx + 5:.1f}" y="{y + BAR_HEIGHT - 4}" fill="#1f2328">'
            f"<title>{escape(row.label)}: tổng {_number(row.total)}</title>{_number(row.total)}</text>"
        )
    return _svg(WIDTH, height, label, body)


def bar_chart(
    rows: Sequence[Bar], label: str, colour: str = "#0b5cad", empty: str = "Không có số liệu"
) -> Markup:
    """Horizontal bars, one per row, with the value at the end and a tooltip."""
    top = 6
    height = top + max(1, len(rows)) * ROW_HEIGHT + 6
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    maximum = _scale(max((r.value for r in rows), default=0))
    body: list[str] = []
    if not rows:
        body.append(f'<text x="{LABEL_WIDTH}" y="{top + 18}" fill="#5b6470">{escape(empty)}</text>')
    for index, row in enumerate(rows):
        y = top + index * ROW_HEIGHT
        w = plot * row.value / maximum
        tip = row.tooltip or f"{row.label}: {_number(row.value)}"
        body.append(_row_label(y, row.label))
        body.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
            f"<title>{escape(tip)}</title></rect>"
            f'<text x="{LABEL_WIDTH + w + 5:.1f}" y="{y + BAR_HEIGHT - 4}" fill="#1f2328">'
            f"{_number(row.value)}</text>"
        )
    return _svg(WIDTH, height, label, body)


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def line_chart(
    points: Sequence[Point],
    label: str,
    x_label: str,
    y_label: str,
    marker: Point | None = None,
    marker_label: str = "",
    y_floor: float | None = None,
    tick: Callable[[float], str] = _percent,
) -> Markup:
    """A line through ``points`` (x and y between 0 and 1) with a grid, axis labels and tooltips.

    ``marker`` is a highlighted point (an operating point) named in a legend. The y axis starts
    at ``y_floor`` (default: the lowest tenth at or below the smallest y), so that differences
    near the top stay visible.
    """
    width, height = WIDTH, 380
    left, right, top, bottom = 64, 24, 20, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    ys = [p.y for p in points] + ([marker.y] if marker else [])
    low = y_floor if y_floor is not None else (min(int(min(ys) * 10) / 10, 0.9) if ys else 0.0)
    span = max(1.0 - low, 1e-9)

    def at(p: Point) -> tuple[float, float]:
        return left + plot_w * p.x, top + plot_h * (1 - (min(max(p.y, low), 1.0) - low) / span)

    body: list[str] = []
    for i in range(11):
        x = left + plot_w * i / 10
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#e6e9ed"/>')
        body.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#5b6470">'
            f"{tick(i / 10)}</text>"
        )
    steps = max(1, round(span * 10))
    for i in range(steps + 1):
        value = low + span * i / steps
        y = top + plot_h * (1 - i / steps)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e6e9ed"/>')
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6470">{tick(value)}</text>'
        )
    body.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#b8bec6"/>'
        f'<text x="{left + plot_w / 2}" y="{height - 14}" text-anchor="middle" fill="#1f2328">'
        f"{escape(x_label)}</text>"
        f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" fill="#1f2328" '
        f'transform="rotate(-90 16 {top + plot_h / 2})">{escape(y_label)}</text>'
    )
    if not points:
        body.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#5b6470">'
            "Không có số liệu</text>"
        )
    else:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(at, points))
        body.append(f'<polyline points="{path}" fill="none" stroke="#0b5cad" stroke-width="2"/>')
        for p in points:
            x, y = at(p)
            tip = p.tooltip or f"{tick(p.x)} · {tick(p.y)}"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#0b5cad">'
                f"<title>{escape(tip)}</title></circle>"
            )
    if marker is not None:
        x, y = at(marker)
        tip = marker.tooltip or marker_label
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#b42318" stroke-width="2.5">'
            f"<title>{escape(tip)}</title></circle>"
        )
        if marker_label:
            body.append(
                f'<circle cx="{left + 12}" cy="{top + plot_h - 14}" r="6" fill="#fff" stroke="#b42318" '
                f'stroke-width="2.5"/><text x="{left + 24}" y="{top + plot_h - 10}" fill="#1f2328">'
                f"{escape(marker_label)}</text>"
            )
    return _svg(width, height, label, body)
