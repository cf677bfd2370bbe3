"""The report's chart: each route's ratio to the bare app with its spread and targets, and the I/O-bound route."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from .common import FRAMEWORK_NAMES
from .results import Results
from .rounds import ROUTES, rps

CHART_NAME = "benchmarks.png"
COLOURS = {"fastapi": ("#05998b", "#7fd1c9", "#024d46"), "flask": ("#3b4a9c", "#9ea8dd", "#1c2552")}
"""Per framework: granian at the first log level, at the second, and the classic server."""


def draw_ratios(results: Results, axes: Axes) -> None:
    """Each route's median ratio to the bare app per framework, server and log level, a bar with the rounds'
    range as its error bar; the targets as lines across each route."""
    groups = list(dict.fromkeys((c.framework, c.server, c.log_level) for c in results.comparisons))
    width = 0.8 / len(groups)
    for index, (framework, server, level) in enumerate(groups):
        pairs = [
            next((c for c in results.comparisons if (c.framework, c.server, c.log_level, c.route) == group), None)
            for group in ((framework, server, level, route) for route in ROUTES)
        ]
        values = [pair.ratio if pair else 0 for pair in pairs]
        errors = [
            [pair.ratio - pair.spread[0] if pair else 0 for pair in pairs],
            [pair.spread[1] - pair.ratio if pair else 0 for pair in pairs],
        ]
        positions = [route_index + (index - (len(groups) - 1) / 2) * width for route_index in range(len(ROUTES))]
        shade = results.plan.log_levels.index(level) if server == "granian" else 2
        bars = axes.bar(
            positions,
            values,
            width,
            yerr=errors,
            capsize=2,
            error_kw={"linewidth": 0.8},
            label=f"{FRAMEWORK_NAMES[framework]}, {server}, log {level}",
            color=COLOURS[framework][shade],
        )
        axes.bar_label(bars, fmt="%.2f", fontsize=7, label_type="center", rotation=90, color="white")
    for route_index, route in enumerate(ROUTES):
        span = (route_index - 0.45, route_index + 0.45)
        axes.hlines(route.target, *span, colors="#c0392b", linestyles="dashed")
        if route.info_target is not None:
            axes.hlines(route.info_target, *span, colors="#c0392b", linestyles="dotted")
    axes.set_xticks(range(len(ROUTES)), [route.label.replace("?", "\n?") for route in ROUTES], fontsize=8)
    highest = max((pair.spread[1] for pair in results.comparisons), default=1.0)
    axes.set_ylim(0, max(1.45, highest + 0.25))
    axes.axhline(1, color="grey", linewidth=0.8)
    axes.set_ylabel("generated app rps / bare app rps (median, range of rounds)")
    axes.set_title("Generated app against the bare framework (target: dashed at WARNING, dotted at INFO)", fontsize=10)
    axes.legend(fontsize=7, loc="upper center", ncols=2)


def draw_io(results: Results, axes: Axes) -> None:
    """The I/O-bound route's median rps per server configuration, by number of connections."""
    configurations = list(dict.fromkeys(result.label for result in results.io))
    connections = list(dict.fromkeys(result.connections for result in results.io))
    width = 0.8 / max(len(configurations), 1)
    for index, label in enumerate(configurations):
        values = [rps(next(r.loads for r in results.io if (r.label, r.connections) == (label, c))) for c in connections]
        positions = [c_index + (index - (len(configurations) - 1) / 2) * width for c_index in range(len(connections))]
        bars = axes.bar(positions, values, width, label=label)
        axes.bar_label(bars, fmt="%.0f", fontsize=8, padding=2)
    axes.set_xticks(range(len(connections)), [f"{c} connections" for c in connections])
    axes.margins(y=0.15)
    axes.set_ylabel("requests per second")
    axes.set_title(f"Route that waits 20 ms on I/O, {results.plan.io_workers} workers each", fontsize=10)
    axes.legend(fontsize=8, loc="upper left")


def draw_chart(results: Results, path: Path) -> None:
    """Left: each route's ratio to the bare app, with its targets. Right: the I/O route's rps by connections."""
    figure, (ratios, io) = plt.subplots(1, 2, figsize=(15, 5.5), width_ratios=[1.5, 1])
    draw_ratios(results, ratios)
    draw_io(results, io)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
