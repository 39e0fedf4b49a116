"""Charts drawn on the server as SVG, readable without JavaScript: one measure over a period,
daily gains as bars, a level (words) as a line. Each chart is an image with a title and a
description saying what it shows (role="img"), its page shows the same figures as a table,
it scales to its box (viewBox) and takes its colours from the page (currentColor and the CSS
classes in archive.css), so it follows light and dark themes.

Written here rather than with a charting library: the maintained Python ones draw with
matplotlib (a large install, fixed colours in the file, text as paths) or need JavaScript in
the browser, and these charts need only rectangles, a line and a few labels.
"""

import math

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28


def chart(series, *, period_label, chart_id):
    """The SVG of `series` (archive.stats.figures.Series) as markup for a template."""
    values = series.values
    low, high = _scale(min(0, *values), max(0, *values))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value):
        return TOP + plot_height * (high - value) / (high - low)

    step = plot_width / len(values)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(_title(series, period_label))}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe(series))}</desc>',
    ]
    for tick in _ticks(low, high):
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="chart-label" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick:,}</text>'
        )
    if series.measure == "words":
        points = " ".join(
            f"{LEFT + step * (n + 0.5):.1f},{y(value):.1f}" for n, value in enumerate(values)
        )
        parts.append(f'<polyline class="chart-line" fill="none" points="{points}"/>')
    else:
        gap = min(1.0, step / 4)
        for n, value in enumerate(values):
            if value:
                top, bottom = sorted((y(value), y(0)))
                parts.append(
                    f'<rect class="chart-bar" x="{LEFT + step * n + gap / 2:.2f}" '
                    f'y="{top:.1f}" width="{step - gap:.2f}" height="{bottom - top:.1f}"/>'
                )
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
    )
    days = series.days
    middle = len(days) // 2
    for n, x, anchor in (
        (0, LEFT, "start"),
        (middle, LEFT + step * (middle + 0.5), "middle"),
        (len(days) - 1, WIDTH - RIGHT, "end"),
    ):
        parts.append(
            f'<text class="chart-label" x="{x:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="{anchor}">{_day(days[n])}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def describe(series):
    """One sentence saying what the chart shows, for its <desc> and readers of the table."""
    first, last = _day(series.days[0], year=True), _day(series.days[-1], year=True)
    label = series.label.lower()
    if series.measure == "words":
        return (
            f"Word count from {first} to {last}: {series.values[0]:,} on the first day, "
            f"{series.values[-1]:,} on the last."
        )
    best = max(range(len(series.values)), key=lambda n: series.values[n])
    if not series.values[best]:
        return f"No {label} from {first} to {last}."
    return (
        f"{label.capitalize()} per day from {first} to {last}: {series.this_period:,} in all, "
        f"most on {_day(series.days[best], year=True)} ({series.values[best]:,})."
    )


def _title(series, period_label):
    if series.measure == "words":
        return f"Word count, {period_label.lower()}"
    return f"{series.label} per day, {period_label.lower()}"


def _scale(low, high):
    """A range a little wider than [low, high] with round ends."""
    if low == high == 0:
        return 0, 1
    span = _nice(max(high, -low))
    return (-span if low < 0 else 0), (span if high > 0 else 0)


def _nice(value):
    """The smallest of 1, 2, 5 × 10ⁿ at or above `value`."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _ticks(low, high):
    """Gridlines: the ends and zero, and halves between."""
    ticks = {low, 0, high}
    for end in (low, high):
        if end and end % 2 == 0:
            ticks.add(end // 2)
    return sorted(ticks)


def _day(day, *, year=False):
    text = f"{day.day} {day.strftime('%b')}"
    return f"{text} {day.year}" if year else text
