"""Charts as SVG, drawn on the server: no JavaScript, readable on a phone, and
the same numbers as the figure's CSV: only what may be published, so a count of
people below 5 is never drawn to scale."""

from collections.abc import Mapping, Sequence
from html import escape

from federation.labels import label as human
from federation.suppression import MIN_CELL, SUPPRESSED

# A point or bar: a number, a suppressed count of people ("<5"), or withheld (None).
Value = float | str | None

PALETTE = [
    "#2f6f5e",
    "#c0612b",
    "#3b6fb6",
    "#9a4f96",
    "#b59a1b",
    "#6b7a80",
    "#d14a6a",
    "#5fa83b",
]
# Drawn at a phone's width: a 400-unit chart shown about 360 px wide keeps its
# 14-unit text above 12 px (tests/test_browser.py measures it). The legend sits
# in rows under the plot and bars run across, so no label is squeezed.
WIDTH, HEIGHT = 400, 240
FONT = 14
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 16, 40
ROW = 20
# What fits in a legend row at this font size.
LEGEND_CHARS = 40


def _frame(body: list[str], label: str, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        f'font-family="sans-serif" font-size="{FONT}">' + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> float:
    step = 1
    while step * 10 < value:
        step *= 10
    top = max(step, -(-value // step) * step)
    return float(top) if isinstance(value, float) else top


def _axes(top: float) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = []
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d7dee0"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_tick(top, i)}</text>"
        )
    return parts


def _tick(top: float, i: int) -> str:
    """The i-th of five gridline labels: whole numbers for counts, as before;
    a measure in fractions (hours) to two places at most."""
    if isinstance(top, int):
        return str(top * i // 4)
    return f"{round(top * i / 4, 2):g}"


def _legend_name(key: str) -> str:
    name = human(key)
    if len(name) <= LEGEND_CHARS:
        return escape(name)
    return f"<title>{escape(name)}</title>{escape(name[: LEGEND_CHARS - 1])}…"


def line_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[Value]], title: str
) -> str:
    """One line per series over ``labels`` (e.g. months). A point that is not a
    number (a suppressed count, or withheld) breaks its line; where any count was
    suppressed, the band below ``MIN_CELL`` is shaded and labelled instead."""
    suppressed = any(_suppressed(v) for vs in series.values() for v in vs)
    top = _top([v for vs in series.values() for v in vs])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels) - 1, 1)
    body = _axes(top)
    if suppressed:
        body.append(_band(top))
    for i, label in enumerate(labels):
        if i % max(1, len(labels) // 3) == 0 or i == len(labels) - 1:
            x = LEFT + plot_w * i / n
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        for run in _runs(values):
            points = [
                (LEFT + plot_w * i / n, TOP + plot_h - plot_h * v / top) for i, v in run
            ]
            body.append(
                f'<polyline class="series" data-series="{escape(name)}" fill="none" '
                f'stroke="{colour}" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                + '"/>'
            )
            if len(points) == 1:  # a lone point draws no line: mark it
                x, y = points[0]
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>'
                )
        y = HEIGHT + ROW * k + 4
        body.append(
            f'<rect x="{LEFT}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{LEFT + 18}" y="{y + 11}">{_legend_name(name)}</text>'
        )
    return _frame(body, title, HEIGHT + ROW * len(series) + 8)


def bar_chart(values: Mapping[str, Value], title: str) -> str:
    """One bar per entry, across the chart under its label, with its value at its
    end. A suppressed count is drawn as a dashed outline up to ``MIN_CELL``
    (somewhere below it); a withheld figure (None) has no bar."""
    top = _top(list(values.values()))
    plot_w = WIDTH - RIGHT - 60
    band = 2 * ROW + 8
    body = []
    for i, (name, value) in enumerate(values.items()):
        y = TOP + band * i
        colour = PALETTE[i % len(PALETTE)]
        label = f"<title>{escape(human(name))}: {escape(_shown(value))}</title>"
        body.append(f'<text x="0" y="{y + FONT}">{escape(human(name))}</text>')
        bar_y = y + ROW
        if value is None:
            body.append(
                f'<text class="withheld" data-label="{escape(name)}" x="0" '
                f'y="{bar_y + FONT}" fill="#5b676c">{label}withheld</text>'
            )
            continue
        shown = MIN_CELL if _suppressed(value) else float(value)
        w = max(plot_w * shown / top, 1.0)
        style = (
            f'fill="none" stroke="{colour}" stroke-dasharray="4 3"'
            if _suppressed(value)
            else f'fill="{colour}"'
        )
        body.append(
            f'<rect class="bar{" suppressed" if _suppressed(value) else ""}" '
            f'data-label="{escape(name)}" x="0" y="{bar_y}" width="{w:.1f}" '
            f'height="{ROW - 2}" {style}>{label}</rect>'
            f'<text x="{w + 6:.1f}" y="{bar_y + FONT}">{escape(_shown(value))}</text>'
        )
    return _frame(body, title, TOP + band * max(len(values), 1))


def _suppressed(value: Value) -> bool:
    return value == SUPPRESSED


def _shown(value: Value) -> str:
    return "withheld" if value is None else str(value)


def _top(values: Sequence[Value]) -> float:
    """The axis maximum: over the numbers, and at least ``MIN_CELL`` when a
    suppressed count is drawn up to it."""
    numbers = [v for v in values if isinstance(v, int | float)]
    if any(_suppressed(v) for v in values):
        numbers.append(MIN_CELL)
    return _nice_max(max(numbers, default=1))


def _runs(values: Sequence[Value]) -> list[list[tuple[int, float]]]:
    """The indexed numbers of ``values`` in runs broken at each non-number."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if isinstance(value, int | float):
            runs[-1].append((i, value))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _band(top: float) -> str:
    plot_h = HEIGHT - TOP - BOTTOM
    h = plot_h * MIN_CELL / top
    return (
        f'<rect class="suppressed-band" x="{LEFT}" y="{TOP + plot_h - h:.1f}" '
        f'width="{WIDTH - LEFT - RIGHT}" height="{h:.1f}" fill="#eef1f2"/>'
        f'<text x="{WIDTH - RIGHT - 4}" y="{TOP + plot_h - 4}" text-anchor="end" '
        f'fill="#5b676c">{escape(SUPPRESSED)}: not shown</text>'
    )


class TreeNode:
    def __init__(self, key: str, label: str, parent: str | None, depth: int) -> None:
        self.key, self.label, self.parent, self.depth = key, label, parent, depth


def growth_tree(nodes: Sequence[TreeNode], title: str) -> str:
    """Co-ops as a tree, depth first (each before its children): one row each,
    indented by depth, with a line to its parent."""
    row_h = 26
    height = max(len(nodes), 1) * row_h + 20
    rows: dict[str, tuple[float, float]] = {}
    body = []
    for i, node in enumerate(nodes):
        x, y = 20 + node.depth * 36, 20 + i * row_h
        rows[node.key] = (x, y)
        if node.parent in rows:
            px, py = rows[node.parent]
            body.append(
                f'<path d="M{px + 6},{py + 6} V{y} H{x}" fill="none" stroke="#6b7a80"/>'
            )
        body.append(
            f'<circle class="coop" data-coop="{escape(node.key)}" cx="{x}" cy="{y}" '
            f'r="6" fill="{PALETTE[node.depth % len(PALETTE)]}"/>'
            f'<text x="{x + 12}" y="{y + 4}">{escape(node.label)}</text>'
        )
    return _frame(body, title, height)
