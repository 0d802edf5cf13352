"""Charts drawn by pygal on the device as SVG, and handed to the page as
data: URIs for <img>: no JavaScript runs (pygal's SVG carries a config
script; inside an <img> it is inert, so the page's Content-Security-Policy
can forbid scripts), nothing comes from the internet, they scale to a phone's
width and they print."""

from __future__ import annotations

import base64
import functools
import math

import numpy as np
import pygal
from pygal.style import Style

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#9aa5b1",
    colors=("#2563eb", "#d97706", "#059669", "#7c3aed"),
    font_family="system-ui, sans-serif",
    # Drawn 440 px wide and scaled to the screen: these sizes stay readable
    # on a phone (about 360 px) and do not shout on a desktop.
    title_font_size=20,
    label_font_size=17,
    major_label_font_size=17,
    legend_font_size=17,
    value_font_size=17,
    tooltip_font_size=17,
)


def _base(chart_type: type[pygal.graph.graph.Graph], title: str, **options: object) -> pygal.graph.graph.Graph:
    options = {"range": (0, 100), "y_labels": [0, 25, 50, 75, 100], "height": 330, **options}
    return chart_type(
        title=title,
        style=STYLE,
        width=440,
        stroke_style={"width": 3},
        explicit_size=False,
        disable_xml_declaration=True,
        show_dots=False,
        legend_at_bottom=True,
        truncate_legend=-1,
        truncate_label=-1,
        legend_at_bottom_columns=2,
        js=[],  # pygal would link its tooltip script from the internet: none, the page works offline
        **options,
    )


MAX_POINTS = 120  # more than a phone can show; pygal's cost grows with the points


def downsample(timeline: list[tuple[float, float | None]], limit: int = MAX_POINTS) -> list[tuple[float, float]]:
    """At most `limit` points: the mean time and score of consecutive runs of samples."""
    points = [(t, s) for t, s in timeline if s is not None]
    if len(points) <= limit:
        return points
    chunks = np.array_split(np.array(points, dtype=np.float64), limit)
    return [(float(c[:, 0].mean()), float(c[:, 1].mean())) for c in chunks]


@functools.lru_cache(maxsize=256)
def session_timeline(timeline: tuple[tuple[float, float | None], ...], labels: tuple[str, str, str]) -> str:
    """The score over one session (x: minutes from the start); `labels` are
    the title and the x and y axes' names in the reader's language. Cached on
    the timeline itself: a finished session's never changes, so it is drawn
    once, and a running one's is drawn again as it grows."""
    title, x_title, y_title = labels
    chart = _base(pygal.XY, title, show_legend=False, x_title=x_title, y_title=y_title)
    chart.add(y_title, [(t / 60, s) for t, s in downsample(list(timeline))])
    return _data_uri(chart)


Series = tuple[tuple[str, tuple[float | None, ...]], ...]  # (name, one value per week), hashable


@functools.lru_cache(maxsize=64)
def weekly_lines(weeks: tuple[str, ...], series: Series, title: str, y_range: tuple[float, float]) -> str:
    """One line per exercise over the weeks (labelled by the caller, in the
    reader's language). Cached on its data: the same figures (most requests,
    between two sessions) are drawn once."""
    low, high = y_range
    chart = _base(
        pygal.Line,
        title,
        range=y_range,
        y_labels=[low + (high - low) * i / 4 for i in range(5)],
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(weeks) // 3),
        allow_interruptions=True,
        margin_right=48,  # room for the last week's label, which pygal centres on the edge
        # pygal sizes the legend's rows by its 12 px boxes, not by the 17 px names: each row of two names
        # gets the difference as margin, so a third or fourth exercise's name is never cut off at the bottom.
        margin_bottom=12 + 14 * math.ceil(max(len(series), 1) / 2),
    )
    chart.x_labels = list(weeks)
    for name, values in series:
        chart.add(name, list(values))
    return _data_uri(chart)


def _data_uri(chart: pygal.graph.graph.Graph) -> str:
    svg = str(chart.render(is_unicode=True)).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
