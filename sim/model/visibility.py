"""When a follower reads a post: the daily rhythm and the feed-visibility kernel.

A post made at clock time ``t0`` sits in each follower's feed for ``feed_window_h``
hours. Follower ``v`` reads it, if at all, at the first event of an inhomogeneous
Poisson process of hazard

    h_v(s) = rho_v * c(t0 + s) * phi(s),        0 <= s < W,

where ``rho_v = -ln(1 - a_v)`` turns the activity ``a_v`` (probability of being online
in an average hour) into a rate of sessions, ``c`` is the 24-hour circadian profile
(mean 1) and ``phi`` the SEISMIC memory kernel of Zhao et al. (KDD 2015): the chance
that a session still shows the post, 1 for ``s < s0`` (5 minutes) and ``(s/s0)^-1.23``
afterwards, as newer posts bury it.

Both engines use the cumulative table ``G[p, j] = integral_0^{j dt} c(t0_p + x) phi(x) dx``
for each phase ``p`` (post time within the day, in steps) and each step ``j`` of age:
the fast engine samples the reading step by inversion (first ``j`` with
``rho_v G[p, j] >= E``, ``E ~ Exp(1)``), the reference engine steps through the
per-step probabilities ``1 - exp(-rho_v (G[p, j] - G[p, j-1]))``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["WEIBO_CIRCADIAN", "circadian_profile", "visibility", "reading_table", "online_rate"]

#: Relative activity per hour of day (Beijing time), normalised to mean 1 below.
#: Low at 04–06, high at 20–24, peak/trough 5 — the daily rhythm measured on Weibo
#: (shared/data/README.md; Weibo posting low 04–06 and high 22–24, ratio about 5).
WEIBO_CIRCADIAN = np.array(
    [1.30, 0.95, 0.65, 0.45, 0.30, 0.30, 0.40, 0.60, 0.85, 1.00, 1.10, 1.15,
     1.20, 1.10, 1.00, 1.00, 1.00, 1.05, 1.15, 1.25, 1.40, 1.50, 1.50, 1.50]
)


def circadian_profile(kind: str) -> np.ndarray:
    """The 24 hourly activity multipliers (mean 1) of a named profile ("weibo", "flat")."""
    if kind == "flat":
        return np.ones(24)
    if kind == "weibo":
        return WEIBO_CIRCADIAN / WEIBO_CIRCADIAN.mean()
    raise ValueError(f"unknown circadian profile {kind!r}")


def visibility(age_h: np.ndarray, plateau_min: float, exponent: float) -> np.ndarray:
    """SEISMIC visibility kernel phi(age): 1 on the plateau, then a power-law decay."""
    s0 = plateau_min / 60.0
    age = np.asarray(age_h, dtype=float)
    return np.where(age < s0, 1.0, (np.maximum(age, s0) / s0) ** (-exponent))


def online_rate(activity: np.ndarray) -> np.ndarray:
    """Session rate rho = -ln(1 - a) per hour; activity 1 gives an infinite rate."""
    a = np.asarray(activity, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(a >= 1.0, np.inf, -np.log1p(-np.minimum(a, 1.0)))


def reading_table(
    dt_h: float,
    window_h: float,
    circadian: np.ndarray,
    plateau_min: float,
    exponent: float,
    *,
    resolution_min: float = 0.5,
) -> np.ndarray:
    """Cumulative reading-hazard table ``G[phase, j]`` for ``j = 0..K``.

    Parameters
    ----------
    dt_h : float
        Step length in hours; it must divide 24.
    window_h : float
        Feed window W in hours: after it a post is gone; ``K = ceil(W / dt)`` steps.
    circadian : ndarray, shape (24,)
        Hourly multipliers ``c`` (mean 1).
    plateau_min, exponent : float
        Parameters of the visibility kernel, see :func:`visibility`.
    resolution_min : float
        Quadrature resolution in minutes (midpoint rule).

    Returns
    -------
    ndarray, shape (steps_per_day, K + 1)
        ``G[p, 0] = 0``; rows are non-decreasing. Phase ``p`` is a post made at the
        start of step ``p`` of the day.
    """
    steps_per_day = int(round(24.0 / dt_h))
    k = max(1, math.ceil(window_h / dt_h - 1e-9))
    h = min(resolution_min / 60.0, dt_h / 4.0)
    n_sub = int(round(dt_h / h))
    h = dt_h / n_sub
    # midpoints of sub-intervals over the whole window (K steps), clipped at W
    x = (np.arange(k * n_sub) + 0.5) * h
    phi = visibility(x, plateau_min, exponent) * (x < window_h)
    table = np.zeros((steps_per_day, k + 1))
    for p in range(steps_per_day):
        clock = (p * dt_h + x) % 24.0
        c = circadian[np.floor(clock).astype(int) % 24]
        per_step = (c * phi * h).reshape(k, n_sub).sum(axis=1)
        table[p, 1:] = np.cumsum(per_step)
    return table
