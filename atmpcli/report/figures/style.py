"""What every figure shares: the colour-blind-safe palette, the file formats, money and year axes, one
legend entry per label, and labels placed where they neither overlap nor leave the axes.

matplotlib is imported inside the functions: importing this module costs nothing at start-up.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import IO, Any

import numpy as np

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
EFFECT_LABEL = {"qalys": "QALYs", "life_years": "Life-years", "responders": "Responders (share)"}
EFFECT_UNIT = {"qalys": "QALY", "life_years": "life-year", "responders": "responder"}

# Okabe & Ito (2008), "Color universal design": distinguishable with every common colour-vision deficiency.
# Yellow is left out (unreadable on white); a strategy keeps its position's colour in every figure.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#999999"]
LOW_COLOUR, HIGH_COLOUR = "#56B4E9", "#D55E00"  # tornado: low and high value of a parameter


def pyplot() -> Any:
    """matplotlib.pyplot without a display (figures are written to files)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(width: float, height: float) -> Any:
    """A figure whose layout engine keeps titles, labels and outside legends inside it."""
    return pyplot().figure(figsize=(width, height), layout="constrained")


def colours(names: list[str]) -> dict[str, str]:
    """Strategy -> colour by position: pass the scenario's strategies in order, in every figure."""
    return {n: OKABE_ITO[i % len(OKABE_ITO)] for i, n in enumerate(names)}


def check_suffix(path: Path) -> str:
    """The format of a figure file from its extension (png, svg or pdf)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(f"--plot writes .png, .svg or .pdf files, not '{Path(path).suffix}'")
    return suffix[1:]


def save_figure(fig: Any, path: Path | IO[bytes], fmt: str | None = None) -> None:
    """Write ``fig`` to ``path`` (the extension picks PNG, SVG or PDF) or to a binary stream in ``fmt``.

    A file is written atomically (report/files.py): a figure that fails to draw leaves no half-written file
    and an older figure of the same name as it was."""
    from atmpcli.report.files import atomic_path

    try:
        if isinstance(path, (str, Path)):
            fmt = check_suffix(Path(path))
            with atomic_path(Path(path), suffix=f".{fmt}") as tmp:
                _savefig(fig, tmp, fmt)
        else:
            _savefig(fig, path, fmt)
    finally:
        pyplot().close(fig)


def _savefig(fig: Any, target: Path | IO[bytes], fmt: str | None) -> None:
    metadata = {"Creator": "atmpcli"} if fmt in ("svg", "pdf") else None
    fig.savefig(target, format=fmt, dpi=150, bbox_inches="tight", pad_inches=0.1, metadata=metadata)


def money_formatter(scale: float = 1.0) -> Any:
    """Tick labels as amounts (divided by ``scale``): thousands separators, as many decimals as the tick
    spacing needs, and never "-0" (a flat or zero-cost axis reads 0, not "0, -0")."""
    from matplotlib.ticker import Formatter

    class Money(Formatter):
        decimals = 0

        def set_locs(self, locs: Any) -> None:
            super().set_locs(locs)
            v = np.asarray(locs, dtype=float) / scale
            tol = 1e-9 * max(1.0, float(np.max(np.abs(v), initial=0.0)))
            self.decimals = next((d for d in range(7) if np.all(np.abs(np.round(v, d) - v) <= tol)), 6)

        def __call__(self, x: float, pos: int | None = None) -> str:
            value = round(x / scale, self.decimals)
            return f"{0.0 if value == 0 else value:,.{self.decimals}f}"

    return Money()


def money_axis(axis: Any, values: Any = None) -> str:
    """Format ``axis`` as money; amounts of a million or more in millions. Returns "" or "million "."""
    from matplotlib.ticker import MaxNLocator

    v = np.asarray([] if values is None else values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    big = len(v) > 0 and float(np.max(np.abs(v))) >= 1e6
    whole = len(v) > 0 and float(np.ptp(v)) >= 4  # whole amounts, unless the range is a few units or less
    axis.set_major_locator(MaxNLocator(steps=[1, 2, 2.5, 5, 10], integer=whole))
    axis.set_major_formatter(money_formatter(1e6 if big else 1.0))
    return "million " if big else ""


def integer_axis(axis: Any, values: Any) -> None:
    """Ticks at whole numbers only (years): every value when there are few, else a whole-number locator."""
    from matplotlib.ticker import MaxNLocator

    ints = sorted({int(v) for v in values})
    if len(ints) <= 12:
        axis.set_ticks(ints)
    else:
        axis.set_major_locator(MaxNLocator(integer=True))


def widen_flat(ax: Any, x: Any, y: Any) -> None:
    """An axis whose values are all equal (zero costs) gets a range and ticks of its own (value and value ± 1,
    or ± 10%) instead of matplotlib's ±0.05 around them. Call it after setting the axis' formatter."""
    for values, axis, setter in ((x, ax.xaxis, ax.set_xlim), (y, ax.yaxis, ax.set_ylim)):
        v = np.asarray(values, dtype=float).ravel()
        v = v[np.isfinite(v)]
        if len(v) and np.ptp(v) == 0:
            mid = float(v[0])
            half = max(1.0, abs(mid) * 0.1)
            setter(mid - half, mid + half)
            axis.set_ticks([mid - half, mid, mid + half])


def unique_handles(ax: Any) -> tuple[list[Any], list[str]]:
    """Each label once (with the first artist drawn with it), labels starting with "_" left out."""
    handles, labels = ax.get_legend_handles_labels()
    seen: dict[str, Any] = {}
    for h, label in zip(handles, labels, strict=True):
        if not label.startswith("_"):
            seen.setdefault(label, h)
    return list(seen.values()), list(seen)


def unique_legend(ax: Any, **kwargs: Any) -> Any:
    return ax.legend(*unique_handles(ax), **kwargs)


def figure_legend(fig: Any, ax: Any, ncols: int = 3) -> Any:
    """The legend of ``ax`` under everything on ``fig`` (a figure or subfigure), each label once."""
    handles, labels = unique_handles(ax)
    return fig.legend(
        handles, labels, loc="outside lower center", ncols=min(ncols, len(labels)), frameon=False, fontsize=8
    )


def legend_below(ax: Any, ncols: int = 2, **kwargs: Any) -> Any:
    """The legend under the axes, so it never covers a curve or a point."""
    return unique_legend(
        ax, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=ncols, frameon=False, fontsize=8, **kwargs
    )


# Offsets (points) tried around an anchor, nearest first: right, left, above, below, then the diagonals.
_OFFSETS = [(7, 0), (-7, 0), (0, 8), (0, -8), (7, 7), (-7, 7), (7, -7), (-7, -7)]


def place_labels(ax: Any, labels: list[tuple[float, float, str, dict[str, Any]]]) -> list[Any]:
    """Annotate each (x, y, text, text style) at the offset where it overlaps no label placed before, no
    marked point and stays inside the axes (a greedy search over 24 positions, as adjustText does with forces)."""
    fig = ax.figure
    fig.canvas.draw()  # the layout engine sizes the axes first: offsets are measured in the final geometry
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    points = [ax.transData.transform((x, y)) for x, y, _, _ in labels]
    taken: list[Any] = []
    placed = []
    for x, y, text, style in labels:
        best, best_score = None, math.inf
        for scale in (1, 2.2, 3.6):
            for dx, dy in _OFFSETS:
                ann = _annotation(ax, x, y, text, dx * scale, dy * scale, {"fontsize": 8} | style)
                box = ann.get_window_extent(renderer)
                score = _outside(box, frame) * 100 + sum(_overlap(box, t) for t in taken)
                score += sum(_overlap(box, _dot(p)) for p in points) * 10
                if score < best_score:
                    if best is not None:
                        best[0].remove()
                    best, best_score = (ann, box), score
                else:
                    ann.remove()
            if best_score == 0:
                break
        assert best is not None
        taken.append(best[1])
        placed.append(best[0])
    return placed


def _annotation(ax: Any, x: float, y: float, text: str, dx: float, dy: float, style: dict) -> Any:
    ha = "left" if dx > 0 else "right" if dx < 0 else "center"
    va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
    ann = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **style)
    ann.set_in_layout(False)  # a label must not shrink the axes after it was placed
    return ann


def _dot(p: Any, r: float = 5.0) -> Any:
    from matplotlib.transforms import Bbox

    return Bbox([[p[0] - r, p[1] - r], [p[0] + r, p[1] + r]])


def _overlap(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


def _outside(box: Any, frame: Any) -> float:
    return box.width * box.height - _overlap(box, frame)
