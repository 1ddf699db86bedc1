"""The report's charts, drawn with matplotlib's object API (no pyplot state) and returned as SVG bytes.

[choice] Charts are embedded as ``<img src="data:image/svg+xml;base64,…">``: sharp at any zoom, no CDN,
and a model name inside a chart can never become markup in the page (an SVG loaded as an image runs no
script). Text is drawn as paths, so the file looks the same without any font installed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: ``text.parse_math`` off: model names come from other people's results and entries, and "$…$" in one would
#: otherwise be parsed as mathtext (a stray "$\\frac{" stops the whole chart with a parse error)
STYLE = {"svg.hashsalt": "divgenbench", "svg.fonttype": "path", "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False, "text.parse_math": False}
PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
           "#64b5cd")
MISSING_TEXT = "n/a"


@dataclass(frozen=True)
class Point:
    """One model's value of one score, with its interval when it has one."""

    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    points: Sequence[Point]  # one per model, in the models' order
    #: the score's range on the value axis (None: matplotlib's autoscale); an unbounded top is None
    limits: tuple[float, float | None] | None = None


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def to_svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    with rc_context(STYLE):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def _short(label: str, width: int = 18) -> str:
    return label if len(label) <= width else label[:width - 1] + "…"


def score_bars(models: Sequence[str], panels: Sequence[Panel]) -> bytes:
    """One panel per score: a bar per model with its 95% interval; models without a value say n/a.

    [choice] A bounded score's axis spans its whole range (SDI 0–1, PVS 0–1.25), so a PVS of 0.018 looks as
    small as it is next to an SDI of 0.92 instead of filling its own autoscaled panel."""
    return to_svg(bars_figure(models, panels))


def bars_figure(models: Sequence[str], panels: Sequence[Panel]) -> Figure:
    with rc_context(STYLE):
        figure = Figure(figsize=(2.6 * len(panels), 2.6 + 0.05 * max(len(_short(m)) for m in models)), layout="constrained")
        for axis, panel in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels):
            for i, point in enumerate(panel.points):
                if point.value is None:
                    axis.text(i, 0, MISSING_TEXT, ha="center", va="bottom", color="#777")
                    continue
                error = None
                if point.low is not None and point.high is not None:
                    error = [[max(point.value - point.low, 0)], [max(point.high - point.value, 0)]]
                axis.bar(i, point.value, color=colour(i), yerr=error, capsize=4, ecolor="#222")
            if panel.limits is not None:
                axis.set_ylim(*panel.limits)
            axis.set_title(panel.title)
            axis.set_xticks(range(len(models)), [_short(m) for m in models], rotation=30, ha="right")
            axis.set_xlim(-0.6, len(models) - 0.4)
            axis.axhline(0, color="#999", linewidth=0.6)
    return figure


def radar(models: Sequence[str], axes: Sequence[str], values: Sequence[Sequence[float | None]]) -> bytes:
    """The paper's radar: one closed polygon per model over ``axes``; a missing value breaks the line."""
    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    with rc_context(STYLE):
        figure = Figure(figsize=(6.4, 4.0), layout="constrained")
        axis = figure.add_subplot(projection="polar")
        top = max([v for row in values for v in row if v is not None] + [1e-9])
        for i, (model, row) in enumerate(zip(models, values)):
            closed = [math.nan if v is None else v for v in row]
            axis.plot(angles + angles[:1], closed + closed[:1], color=colour(i), linewidth=1.6, marker="o",
                      markersize=3, label=_short(model, 28))
            if None not in row:
                axis.fill(angles, closed, color=colour(i), alpha=0.08)
        axis.set_xticks(angles, list(axes))
        axis.set_ylim(0, top * 1.1)
        axis.yaxis.set_major_locator(MaxNLocator(4))
        axis.set_rlabel_position(67.5)  # between two axes, away from the axis labels
        axis.tick_params(axis="y", labelsize=7, labelcolor="#666")
        axis.legend(loc="upper left", bbox_to_anchor=(1.05, 1.05), frameon=False)
    return to_svg(figure)


def pareto_scatter(models: Sequence[str], reward_name: str, reward: Sequence[float],
                   panels: Sequence[tuple[Panel, Sequence[int]]]) -> bytes:
    """Diversity (y, one panel per score) against one reward (x), a dot per model; each panel's Pareto front
    (the models listed by index) ringed and joined by a line."""
    with rc_context(STYLE):
        figure = Figure(figsize=(2.7 * len(panels), 2.9), layout="constrained")
        for axis, (panel, front) in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels):
            for i, (model, x, y) in enumerate(zip(models, reward, panel.points)):
                if y.value is None:
                    continue
                axis.scatter([x], [y.value], color=colour(i), s=26, zorder=3)
                axis.annotate(_short(model, 16), (x, y.value), textcoords="offset points", xytext=(4, 3), fontsize=6.5)
            if front:
                xs, ys = [reward[i] for i in front], [panel.points[i].value for i in front]
                axis.plot(xs, ys, color="#444", linewidth=0.9, linestyle="--", zorder=2, label="Pareto front")
                axis.scatter(xs, ys, s=90, facecolors="none", edgecolors="#444", linewidths=0.9, zorder=2)
            axis.set_title(panel.title)
            axis.set_xlabel(reward_name)
            axis.margins(0.2)
        figure.legend(*figure.axes[0].get_legend_handles_labels(), loc="outside lower center", frameon=False,
                      fontsize=7)
    return to_svg(figure)


def _error(point: Point) -> list[list[float]] | None:
    """matplotlib's asymmetric error bar for ``point`` (None without an interval)."""
    if point.low is None or point.high is None:
        return None
    return [[max(point.value - point.low, 0.0)], [max(point.high - point.value, 0.0)]]


def quality_scatter(models: Sequence[str], quality: Sequence[Panel], diversity: Sequence[Panel]) -> bytes:
    """Diversity against quality: a row per quality score (x) and a column per diversity axis (y), a dot per
    model that has both, its 95% intervals as error bars on both axes — preference mode collapse shows as
    points moving right and down."""
    with rc_context(STYLE):
        figure = Figure(figsize=(2.6 * len(diversity), 2.5 * len(quality)), layout="constrained")
        grid = figure.subplots(len(quality), len(diversity), squeeze=False)
        for row, quality_panel in zip(grid, quality):
            for axis, panel in zip(row, diversity):
                for i, (model, x, y) in enumerate(zip(models, quality_panel.points, panel.points)):
                    if x.value is None or y.value is None:
                        continue
                    axis.errorbar([x.value], [y.value], xerr=_error(x), yerr=_error(y), fmt="o", color=colour(i),
                                  markersize=4.5, elinewidth=0.9, capsize=2, zorder=3)
                    axis.annotate(_short(model, 14), (x.value, y.value), textcoords="offset points",
                                  xytext=(4, 3), fontsize=7)
                axis.set_title(panel.title)
                axis.set_xlabel(quality_panel.title)
                axis.margins(0.25)
    return to_svg(figure)
