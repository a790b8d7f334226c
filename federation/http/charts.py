"""Charts as SVG, drawn on the server: no JavaScript, readable on a phone, and
the same numbers as the figure's CSV."""

from collections.abc import Mapping, Sequence
from html import escape

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
# What fits in the legend column at this font size.
LEGEND_CHARS = 20
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 16, 40


def _frame(body: list[str], label: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(label)}" font-family="sans-serif" '
        f'font-size="11">' + "".join(body) + "</svg>"
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


def _legend_name(name: str) -> str:
    if len(name) <= LEGEND_CHARS:
        return escape(name)
    return f"<title>{escape(name)}</title>{escape(name[: LEGEND_CHARS - 1])}…"


def line_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str
) -> str:
    """One line per series over ``labels`` (e.g. months)."""
    top = _nice_max(max((v for vs in series.values() for v in vs), default=1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels) - 1, 1)
    body = _axes(top)
    for i, label in enumerate(labels):
        if i % max(1, len(labels) // 6) == 0 or i == len(labels) - 1:
            x = LEFT + plot_w * i / n
            body.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(
            f"{LEFT + plot_w * i / n:.1f},{TOP + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        body.append(
            f'<polyline class="series" data-series="{escape(name)}" fill="none" '
            f'stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        y = TOP + 14 * k + 8
        body.append(
            f'<rect x="{WIDTH - RIGHT + 10}" y="{y - 8}" width="10" height="10" '
            f'fill="{colour}"/><text x="{WIDTH - RIGHT + 24}" y="{y + 1}">'
            f"{_legend_name(name)}</text>"
        )
    return _frame(body, title)


def bar_chart(values: dict[str, int], title: str) -> str:
    top = _nice_max(max(values.values(), default=1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(values), 1)
    body = _axes(top)
    for i, (name, value) in enumerate(values.items()):
        h = plot_h * value / top
        x = LEFT + slot * i + slot * 0.15
        body.append(
            f'<rect class="bar" data-label="{escape(name)}" x="{x:.1f}" '
            f'y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(name)}: {value}'
            f'</title></rect><text x="{x + slot * 0.35:.1f}" '
            f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(name)}</text>'
        )
    return _frame(body, title)


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
