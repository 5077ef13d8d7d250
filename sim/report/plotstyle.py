"""The look of every figure: colours, axis labels, a figure without pyplot, atomic PNGs.

Shared by :mod:`sim.report.figures` and :mod:`sim.sweep.figures`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["COLORS", "DPI", "axis_label", "color", "new_figure", "no_data", "save_png"]

DPI = 130
#: Colour cycle (matplotlib "tab10"), assigned in order of first appearance.
COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
_UNITS = {"_h": "h", "_pct": "%", "_per_h": "per h"}




def color(i: int) -> str:
    """Colour ``i`` of :data:`COLORS` (cycling)."""
    return COLORS[i % len(COLORS)]


def axis_label(name: str) -> str:
    """Axis label of a column name.

    >>> axis_label("response_delay_h")
    'response delay (h)'
    """
    for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A constrained-layout figure on an Agg canvas (no pyplot)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a unique temporary name opened with the process umask (mkstemp would make it 0600)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fig.savefig(fh, format="png", dpi=DPI)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def no_data(ax: Any, what: str = "no data") -> None:
    """Write ``what`` in the middle of an empty axis."""
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="0.4")
