"""Numerical tolerances, named once (the ``1e-9`` of the code base).

>>> from sim.numerics import MONEY_EPS
>>> 100.0 + 1e-12 > 100.0 + MONEY_EPS
False
"""

from __future__ import annotations

__all__ = ["CLOCK_EPS", "MONEY_EPS", "SELECTION_EPS"]

#: Slack when a time in hours is divided by the step length: ``3.0000000001 h`` at
#: 1-hour steps is step 3, not a rounding error away from it (:mod:`sim.clock`).
CLOCK_EPS = 1e-9
#: Slack when a price is compared with a remaining budget (a fee that exactly uses
#: the budget up is affordable despite float rounding).
MONEY_EPS = 1e-9
#: Slack of KOL selection's budget and gain comparisons (:mod:`sim.model.kol_selection`).
SELECTION_EPS = 1e-12
