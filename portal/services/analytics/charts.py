"""Geometry of the trends page's charts, so the template only draws SVG.

The charts are server-rendered SVG: readable without JavaScript, under the
strict CSP, printable. Python computes the scales, points and bars; the
template writes the elements and a data table beside each chart. Sizes are in
the SVG's own units (the viewBox), which CSS scales to the page width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 30


@dataclass
class Tick:
    y: float
    value: int


@dataclass
class Line:
    key: str
    segments: list[str]
    """SVG `points` strings; an undefined month breaks the line."""
    dots: list[tuple[float, float]]


@dataclass
class Bar:
    key: str
    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass
class Chart:
    x_labels: list[tuple[float, str]]
    ticks: list[Tick]
    lines: list[Line] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    bottom: int = HEIGHT - BOTTOM


def nice_max(value: float) -> int:
    """The scale's top: 1, 2, 2.5 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return max(1, math.ceil(step * power))
    raise AssertionError("10 × power is always enough")


def _y(value: float, top_value: int) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return round(HEIGHT - BOTTOM - plot * value / top_value, 1)


def _ticks(top_value: int, count: int = 4) -> list[Tick]:
    return [
        Tick(_y(top_value * i / count, top_value), round(top_value * i / count))
        for i in range(count + 1)
    ]


def _slots(labels: list[str]) -> tuple[float, list[tuple[float, str]]]:
    slot = (WIDTH - RIGHT - LEFT) / max(len(labels), 1)
    return slot, [(round(LEFT + slot * (i + 0.5), 1), label) for i, label in enumerate(labels)]


def line_chart(
    labels: list[str], series: dict[str, list[Fraction | None]], floor_max: int = 0
) -> Chart:
    """One line per series over the months; undefined values leave a gap."""
    values = [float(v) for points in series.values() for v in points if v is not None]
    top_value = nice_max(max([*values, floor_max, 0]) or 1)
    if min(values, default=0) < 0:  # negative ratios are rare: clamp them to the axis
        values = [max(v, 0) for v in values]
    _, x_labels = _slots(labels)
    chart = Chart(x_labels=x_labels, ticks=_ticks(top_value))
    for key, points in series.items():
        segments, current, dots = [], [], []
        for (x, _), value in zip(x_labels, points, strict=True):
            if value is None:
                if current:
                    segments.append(" ".join(current))
                current = []
                continue
            y = _y(max(float(value), 0), top_value)
            current.append(f"{x},{y}")
            dots.append((x, y))
        if current:
            segments.append(" ".join(current))
        chart.lines.append(Line(key, segments, dots))
    return chart


def stacked_bars(labels: list[str], stacks: list[dict[str, int]], keys: list[str]) -> Chart:
    """One bar per month, its parts stacked in the order of `keys` from the axis up."""
    top_value = nice_max(max((sum(max(s[k], 0) for k in keys) for s in stacks), default=0) / 100)
    return _bars(labels, [[(k, s[k]) for k in keys] for s in stacks], top_value, stacked=True)


def grouped_bars(labels: list[str], groups: list[dict[str, int]], keys: list[str]) -> Chart:
    """Bars side by side in each month (collected beside invoiced)."""
    top_value = nice_max(max((max(g[k], 0) for g in groups for k in keys), default=0) / 100)
    return _bars(labels, [[(k, g[k]) for k in keys] for g in groups], top_value, stacked=False)


def _bars(
    labels: list[str], months: list[list[tuple[str, int]]], top_euros: int, *, stacked: bool
) -> Chart:
    """Amounts in cents, the scale in whole currency units."""
    slot, x_labels = _slots(labels)
    chart = Chart(x_labels=x_labels, ticks=_ticks(top_euros))
    bar_width = slot * 0.6
    for (centre, _), parts in zip(x_labels, months, strict=True):
        base = HEIGHT - BOTTOM
        width = bar_width if stacked else bar_width / len(parts)
        for i, (key, cents) in enumerate(parts):
            height = round((HEIGHT - BOTTOM - TOP) * max(cents, 0) / 100 / top_euros, 1)
            x = centre - bar_width / 2 + (0 if stacked else i * width)
            y = base - height
            chart.bars.append(Bar(key, round(x, 1), round(y, 1), round(width, 1), height, cents))
            if stacked:
                base = y
    return chart
