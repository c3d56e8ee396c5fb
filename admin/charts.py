"""Server-rendered SVG charts: the geometry here, the markup in ``console/chart.html``.

No chart library and no script: the page works under the console's strict CSP and with
JavaScript off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass
class BarChart:
    """A bar chart laid out in SVG user units."""

    width: int
    height: int
    left: int
    bottom: int
    top: int
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    total: int = 0


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def hourly_bar_chart(series: list[tuple[datetime, int]], width: int = 960, height: int = 240) -> BarChart:
    """Bars for hourly counts, a tick per day on the time axis and three on the count axis."""
    chart = BarChart(width=width, height=height, left=48, bottom=24, top=8)
    plot_width, plot_height = width - chart.left - 8, height - chart.bottom - chart.top
    top = nice_ceiling(max((n for _, n in series), default=0))
    step = plot_width / max(len(series), 1)
    for index, (hour, count) in enumerate(series):
        bar_height = plot_height * count / top
        x = chart.left + index * step
        chart.bars.append(Bar(x=round(x, 2), y=round(chart.top + plot_height - bar_height, 2),
                              width=round(max(step - 1, 1), 2), height=round(bar_height, 2),
                              title=f"{hour:%a %d %b %H:00} UTC: {count} event{'s' if count != 1 else ''}"))
        if hour.hour == 0 and x + 70 < width:  # a label per day, unless it would run off the edge
            chart.x_ticks.append((round(x, 2), f"{hour:%a %d %b}"))
        chart.total += count
    chart.y_ticks = [(round(chart.top + plot_height * (1 - f), 2), f"{top * f:g}") for f in (0, 0.5, 1)]
    return chart
