"""Hours and steps: the one conversion between the scenario's clock and the engine's.

A run advances in steps of ``dt_h = run.step_minutes / 60`` hours; step ``i`` covers
hours ``[i·dt_h, (i+1)·dt_h)``. Two questions, two rules:

* **when** does something scheduled at hour ``h`` happen? In the step that contains
  ``h``: :func:`step_at` (floor, with :data:`~sim.numerics.CLOCK_EPS` of slack);
* **how many** steps does a duration of ``d`` hours last? The nearest whole number:
  :func:`steps_for` (Python's ``round``, halves to even, at least ``minimum``).

So a crisis response approved ``3.5 h`` after the step ``t`` of the decision, at
1-hour steps, comes ``steps_for(3.5, 1.0) = 4`` steps later, while a message
scheduled at hour ``3.5`` is posted at ``step_at(3.5, 1.0) = 3``. These are the
rules the golden outputs were made with (issue #19 kept both, named).

>>> step_at(3.5, 1.0), steps_for(3.5, 1.0), steps_for(2.5, 1.0)
(3, 4, 2)
>>> step_at(0.75, 0.25)  # 0.75 / 0.25 = 2.9999999999999996 in floating point
3
"""

from __future__ import annotations

import math

from sim.numerics import CLOCK_EPS

__all__ = ["step_at", "steps_for"]


def step_at(hour: float, dt_h: float) -> int:
    """The step during which hour ``hour`` falls (``floor(hour / dt_h)``, with slack).

    Parameters
    ----------
    hour : float
        Hours since the start of the run.
    dt_h : float
        Length of a step in hours.
    """
    return int(math.floor(hour / dt_h + CLOCK_EPS))


def steps_for(duration_h: float, dt_h: float, minimum: int = 0) -> int:
    """Whole steps in a duration of ``duration_h`` hours (nearest, at least ``minimum``).

    Parameters
    ----------
    duration_h : float
        A duration in hours.
    dt_h : float
        Length of a step in hours.
    minimum : int, default 0
    """
    return max(int(minimum), int(round(duration_h / dt_h)))
