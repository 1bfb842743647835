"""Charts for the dashboard as inline SVG: pure functions, text in, text out.

No JavaScript chart library and no image files: each function returns one ``<svg>``
element sized by its ``viewBox`` and ``width="100%"``, so it scales to a phone's width
and prints as sharp as the page. Every piece of text that goes into the markup (titles,
labels) is escaped here; the result is safe to insert into a page as it is.

Time values are UNIX seconds; axis labels are in UTC (the page says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import Final

# Drawn at about the size a phone shows it, so 12-unit text stays readable there.
WIDTH: Final = 400
HEIGHT: Final = 180
PAD_LEFT: Final = 70
PAD_RIGHT: Final = 10
PAD_TOP: Final = 12
PAD_BOTTOM: Final = 28
X_TICKS: Final = 5
#: about how wide one character of a 13-unit tick label is
CHAR_WIDTH: Final = 7.5

Point = tuple[float, float | None]


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no ``-0``."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _time_label(ts: float, span: float) -> str:
    moment = datetime.fromtimestamp(ts, UTC)
    if span < 600:
        return moment.strftime("%H:%M:%S")
    if span <= 2 * 86400:
        return moment.strftime("%H:%M")
    return moment.strftime("%d %b")


def _step(span: float, count: int) -> float:
    """A round tick step (1, 2, 5 × 10^n) giving about ``count`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def _y_range(
    values: Sequence[float], fixed: tuple[float, float] | None, extra: Sequence[float]
) -> tuple[float, float, float]:
    """(low, high, tick step) covering the values and the extra lines."""
    if fixed is not None:
        low, high = fixed
        return low, high, _step(high - low, 4)
    every = [*values, *extra]
    if not every:
        return 0.0, 1.0, 0.5
    low, high = min(every), max(every)
    # a little room above and below: a line on the axis reads as "no data"
    margin = max((high - low) * 0.08, 2.0)
    low, high = low - margin, high + margin
    step = _step(high - low, 4)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


class _Frame:
    """Maps data to the plot area and draws the axes."""

    def __init__(
        self,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        *,
        width: int = WIDTH,
        height: int = HEIGHT,
    ) -> None:
        self.x0, self.x1 = x_range
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1.0
        self.y0, self.y1 = y_range
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1.0
        self.width, self.height = width, height
        self.left, self.right = PAD_LEFT, width - PAD_RIGHT
        self.top, self.bottom = PAD_TOP, height - PAD_BOTTOM

    def x(self, value: float) -> float:
        share = (value - self.x0) / (self.x1 - self.x0)
        return self.left + share * (self.right - self.left)

    def y(self, value: float) -> float:
        share = (value - self.y0) / (self.y1 - self.y0)
        share = min(1.0, max(0.0, share))
        return self.bottom - share * (self.bottom - self.top)

    def axes(self, y_step: float, y_unit: str, *, x_ticks: bool = True) -> list[str]:
        out = [
            f'<line class="axis" x1="{self.left}" y1="{self.bottom}" x2="{self.right}" '
            f'y2="{self.bottom}"/>',
            f'<line class="axis" x1="{self.left}" y1="{self.top}" x2="{self.left}" '
            f'y2="{self.bottom}"/>',
        ]
        tick = self.y0
        count = 0
        while tick <= self.y1 + y_step * 1e-6 and count < 20:
            y = _num(self.y(tick))
            label = escape(f"{_num(tick)}{y_unit}".replace("-", "−"))
            out.append(f'<line class="grid" x1="{self.left}" y1="{y}" x2="{self.right}" y2="{y}"/>')
            out.append(
                f'<text class="tick" x="{self.left - 6}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle">{label}</text>'
            )
            tick += y_step
            count += 1
        if x_ticks:
            span = self.x1 - self.x0
            shown: set[str] = set()
            right_edge = -math.inf
            for i in range(X_TICKS):
                value = self.x0 + span * i / (X_TICKS - 1)
                anchor = "start" if i == 0 else "end" if i == X_TICKS - 1 else "middle"
                text = _time_label(value, span)
                # labels never overlap: skip one that would touch the previous one
                x = self.x(value)
                wide = len(text) * CHAR_WIDTH
                left = x if anchor == "start" else x - wide if anchor == "end" else x - wide / 2
                if text in shown or left < right_edge + 8:
                    continue
                shown.add(text)
                right_edge = left + wide
                out.append(
                    f'<text class="tick" x="{_num(x)}" y="{self.bottom + 18}" '
                    f'text-anchor="{anchor}">{escape(text)}</text>'
                )
        return out


def _svg(title: str, body: Sequence[str], *, width: int, height: int, cls: str) -> str:
    label = escape(title)
    return (
        f'<svg class="chart {escape(cls)}" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMid meet">'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )


def _runs(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{_num(x)} {_num(y)}" for i, (x, y) in enumerate(points)
    )


def _segments(points: Sequence[Point]) -> list[list[tuple[float, float]]]:
    """Consecutive points with a value; a missing value breaks the line."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, y in points:
        if y is None or not math.isfinite(y):
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y))
    if current:
        runs.append(current)
    return runs


def empty_chart(title: str, message: str = "No readings in this period yet.") -> str:
    """A chart-sized box saying there is nothing to draw."""
    body = [
        f'<rect class="frame" x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" rx="8"/>',
        f'<text class="empty" x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
        f"{escape(message)}</text>",
    ]
    return _svg(title, body, width=WIDTH, height=HEIGHT, cls="empty-chart")


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    unit: str = "",
    threshold: float | None = None,
    threshold_label: str = "",
    y_range: tuple[float, float] | None = None,
    x_range: tuple[float, float] | None = None,
) -> str:
    """A line over time; ``None`` values leave a gap. ``threshold`` draws a dashed line
    (the weak-signal limit) labelled ``threshold_label``."""
    values = [y for _, y in points if y is not None and math.isfinite(y)]
    if not values:
        return empty_chart(title)
    xs = [x for x, _ in points]
    extra = [threshold] if threshold is not None else []
    low, high, step = _y_range(values, y_range, extra)
    frame = _Frame(x_range or (min(xs), max(xs)), (low, high))
    body = frame.axes(step, unit)
    if threshold is not None and low <= threshold <= high:
        y = _num(frame.y(threshold))
        body.append(
            f'<line class="threshold" x1="{frame.left}" y1="{y}" x2="{frame.right}" y2="{y}"/>'
        )
        if threshold_label:
            body.append(
                f'<text class="threshold-label" x="{frame.right - 4}" '
                f'y="{_num(frame.y(threshold) + 14)}" text-anchor="end">'
                f"{escape(threshold_label)}</text>"
            )
    for run in _segments(points):
        mapped = [(frame.x(px), frame.y(py)) for px, py in run]
        if len(mapped) == 1:
            cx, cy = mapped[0]
            body.append(f'<circle class="point" cx="{_num(cx)}" cy="{_num(cy)}" r="3"/>')
        else:
            body.append(f'<path class="line" d="{_runs(mapped)}"/>')
    return _svg(title, body, width=WIDTH, height=HEIGHT, cls="line-chart")


def bar_chart(
    points: Sequence[tuple[float, int | float]],
    *,
    title: str,
    bucket: float,
    unit: str = "",
    x_range: tuple[float, float] | None = None,
) -> str:
    """Bars over time (restarts per bucket of ``bucket`` seconds); zeros draw nothing."""
    if not points:
        return empty_chart(title)
    xs = [x for x, _ in points]
    start, end = x_range or (min(xs), max(xs) + bucket)
    top = max([float(v) for _, v in points] + [1.0])
    step = max(1.0, _step(top, 4))
    high = math.ceil(top / step) * step
    frame = _Frame((start, max(end, start + bucket)), (0.0, high))
    body = frame.axes(step, unit)
    slot = max(1.0, frame.x(start + bucket) - frame.x(start))
    bar = max(1.0, slot * 0.8)
    for x, value in points:
        if value <= 0:
            continue
        left = frame.x(x) + (slot - bar) / 2
        y = frame.y(float(value))
        label = escape(f"{_time_label(x, end - start)}: {value:g}")
        body.append(
            f'<rect class="bar" x="{_num(left)}" y="{_num(y)}" width="{_num(bar)}" '
            f'height="{_num(frame.bottom - y)}"><title>{label}</title></rect>'
        )
    return _svg(title, body, width=WIDTH, height=HEIGHT, cls="bar-chart")


def sparkline(
    values: Sequence[float | None],
    *,
    title: str,
    threshold: float | None = None,
    width: int = 120,
    height: int = 32,
) -> str:
    """A small line of the last values (no axes), with the threshold dashed."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    label = escape(title)
    if not known:
        return (
            f'<svg class="spark spark-empty" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{label}</title>"
            f'<line class="spark-none" x1="2" y1="{height / 2}" x2="{width - 2}" '
            f'y2="{height / 2}"/></svg>'
        )
    extra = [threshold] if threshold is not None else []
    low, high = min([*known, *extra]), max([*known, *extra])
    if high - low < 4:
        low, high = low - 2, high + 2
    pad = 3.0

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    count = max(len(values) - 1, 1)

    def x(index: int) -> float:
        return pad + index * (width - 2 * pad) / count

    body: list[str] = []
    if threshold is not None:
        ty = _num(y(threshold))
        body.append(f'<line class="spark-threshold" x1="0" y1="{ty}" x2="{width}" y2="{ty}"/>')
    points: list[Point] = [(float(i), v) for i, v in enumerate(values)]
    for run in _segments(points):
        mapped = [(x(int(i)), y(v)) for i, v in run]
        if len(mapped) == 1:
            cx, cy = mapped[0]
            body.append(f'<circle class="spark-dot" cx="{_num(cx)}" cy="{_num(cy)}" r="2"/>')
        else:
            body.append(f'<path class="spark-line" d="{_runs(mapped)}"/>')
    return (
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )
