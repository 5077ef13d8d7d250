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

Readings happen in continuous time. The fast engine samples the reading delay by
inverting the cumulative table ``G[p, a] = integral_0^{a da} c(t0_p + x) phi(x) dx``
(phase ``p``: the post's clock time rounded down to 5 minutes; ages on a 1-minute
grid, linear in between): the first age with ``rho_v G >= E``, ``E ~ Exp(1)``.
The reference engine samples the same hazard by thinning (Lewis & Shedler 1979).
"""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["WEIBO_CIRCADIAN", "circadian_profile", "visibility", "reading_table", "hazard", "online_rate"]

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
    window_h: float,
    circadian: np.ndarray,
    plateau_min: float,
    exponent: float,
    *,
    phase_min: float = 5.0,
    age_min: float = 1.0,
) -> np.ndarray:
    """Cumulative reading hazard table (cached: a pure function of its arguments,
    about 70 ms to build for a 24 h window). See :func:`_reading_table`; the returned
    array is read-only and shared."""
    return _reading_table_cached(
        float(window_h), tuple(float(x) for x in circadian), float(plateau_min), float(exponent),
        float(phase_min), float(age_min),
    )


@functools.lru_cache(maxsize=32)
def _reading_table_cached(window_h, circadian, plateau_min, exponent, phase_min, age_min) -> np.ndarray:
    table = _reading_table(window_h, np.array(circadian), plateau_min, exponent, phase_min=phase_min, age_min=age_min)
    table.setflags(write=False)
    return table


def _reading_table(
    window_h: float,
    circadian: np.ndarray,
    plateau_min: float,
    exponent: float,
    *,
    phase_min: float = 5.0,
    age_min: float = 1.0,
) -> np.ndarray:
    """Cumulative reading hazard ``G[p, a] = integral_0^{a * age} c(t0_p + x) phi(x) dx``.

    Parameters
    ----------
    window_h : float
        Feed window W in hours: after it a post is gone.
    circadian : ndarray, shape (24,)
        Hourly multipliers ``c`` (mean 1).
    plateau_min, exponent : float
        Parameters of the visibility kernel, see :func:`visibility`.
    phase_min : float
        Resolution of the post's clock time for the daily rhythm: a post made at
        clock time ``t0`` uses phase ``p = floor(t0 / phase_min)``. Must divide an hour.
    age_min : float
        Resolution of the age grid (the engines interpolate linearly within it).

    Returns
    -------
    ndarray, shape (24 * 60 / phase_min, n_age + 1)
        Rows are non-decreasing, ``G[p, 0] = 0``; ``n_age = ceil(W / age_min)``.
    """
    n_phase = int(round(24 * 60 / phase_min))
    age_h = age_min / 60.0
    n_age = max(1, math.ceil(window_h / age_h - 1e-9))
    n_sub = 8
    h = age_h / n_sub
    x = (np.arange(n_age * n_sub) + 0.5) * h  # midpoints
    phi = visibility(x, plateau_min, exponent) * (x < window_h)
    table = np.zeros((n_phase, n_age + 1))
    for p in range(n_phase):
        clock = (p * phase_min / 60.0 + x) % 24.0
        c = circadian[np.floor(clock).astype(int) % 24]
        per_cell = (c * phi * h).reshape(n_age, n_sub).sum(axis=1)
        table[p, 1:] = np.cumsum(per_cell)
    return table


def hazard(age_h: float, post_clock_h: float, circadian: np.ndarray, plateau_min: float, exponent: float,
           window_h: float, phase_min: float = 5.0) -> float:
    """Reading hazard per unit session rate, ``c(t0 + s) * phi(s)``, the integrand of
    :func:`reading_table` (the reference engine samples it by thinning)."""
    if age_h < 0 or age_h >= window_h:
        return 0.0
    t0 = math.floor(post_clock_h * 60.0 / phase_min + 1e-9) * phase_min / 60.0
    c = circadian[int(math.floor((t0 + age_h) % 24.0)) % 24]
    s0 = plateau_min / 60.0
    return float(c * (1.0 if age_h < s0 else (age_h / s0) ** (-exponent)))
