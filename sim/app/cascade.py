"""The cascade trees of a workbench run, drawn when the graph is small.

One replicate of each setting (the same seed in every setting: paired), the
complaint, cover-up and response trees, drawn by
:func:`sim.report.figures.cascade_figure`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sim.report.figures import cascade_figure

__all__ = ["SMALL_GRAPH", "cascade_png", "has_cascades"]

#: Largest graph (accounts) whose cascades the page draws.
SMALL_GRAPH = 20_000

#: Messages drawn in a crisis (all messages otherwise).
CRISIS_MESSAGES = ("complaint", "coverup", "response")

#: Settings drawn at most (the baseline and the last ones).
MAX_PANELS = 4


def has_cascades(runset: Any) -> bool:
    """Whether the run recorded cascade trees and the graph is small enough to draw them."""
    cas = getattr(runset, "cascades", None)
    return cas is not None and len(cas) > 0 and runset.scenario.graph.n <= SMALL_GRAPH


def pick_replicate(runset: Any) -> int:
    """The replicate to draw: the one with most shares summed over the settings.

    Most complaints fizzle (one dot), so the page shows a run in which something
    happened; the same replicate in every setting keeps the panels paired.
    """
    col = "negative_shares" if "negative_shares" in runset.runs.columns else "shares"
    tot = runset.runs.groupby("replicate")[col].sum()
    return int(tot.idxmax()) if len(tot) else 0


def cascade_png(outcome: Any, replicate: int | None = None) -> bytes | None:
    """PNG bytes of the cascade trees of one replicate of each setting (None: nothing to draw)."""
    rs = outcome.runset
    if not has_cascades(rs):
        return None
    if replicate is None:
        replicate = pick_replicate(rs)
    cas = rs.cascades[rs.cascades["replicate"] == replicate]
    if rs.scenario.crisis is not None:
        cas = cas[cas["message"].isin(CRISIS_MESSAGES)]
    names = list(outcome.names)
    if len(names) > MAX_PANELS:
        names = [names[0], *names[-(MAX_PANELS - 1):]]
    valence = {m.name: int(m.valence) for m in rs.scenario.messages}
    panels = [(n, cas[cas["variant"] == n]) for n in names]
    horizon = float(rs.scenario.run.horizon_h)
    with tempfile.TemporaryDirectory(prefix="buzzsim-app-") as tmp:
        p = Path(tmp) / "cascade.png"
        cascade_figure(
            cas, p, panels=panels, valence=valence, h_max=horizon,
            title=f"Who shared from whom: replicate {replicate} of each setting (same seed; "
                  "the replicate with the most shares)",
        )  # fmt: skip
        return p.read_bytes()
