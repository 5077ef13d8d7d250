"""Lifecycle phases of a message, measured on its incidence curve (DESIGN §2).

A topic goes through origin exposure → ignition → mass diffusion (growth to the
peak) → decay → plateau. The phases are read off the *incidence* curve, the number
of new shares per hour, and they are **causal**: every phase is placed at the hour
where the raw data shows it, never earlier.

============  =====================================================================
phase         definition (thresholds from :class:`~sim.scenario.schema.AnalysisConfig`)
============  =====================================================================
exposure      the message's known start hour (or the first hour with any share)
ignition      first hour at which the raw cumulative shares reach ``ignition`` × final
              (never before the exposure)
peak          the busiest hour of the *raw* incidence within the trailing window at
              which the smoothed incidence is highest (after the ignition, and never
              after the plateau); ``peak_shares_per_h`` is that hour's real number
              of shares
decay         first hour after the peak at which the *trailing* moving average of the
              incidence is below ``decay`` × its highest value since the peak
plateau       first hour at which the raw cumulative shares reach ``plateau`` × final
              (never before the ignition)
============  =====================================================================

So exposure ≤ ignition ≤ peak ≤ plateau and peak ≤ decay, and every duration is
≥ 0. A message that never spreads (no share beyond its origins' own posts, or no
share at all) has undefined (NaN) phases and durations; its exposure and final
shares are still reported.

The smoothing used for the decay test is a *trailing* window over ``smoothing_h``
hours that cancels the 24-hour activity rhythm (:func:`trailing_average`): the
value at hour ``h`` reads only hours ``≤ h``, so it can delay a decay but never
move it earlier than it happened. (A centred window, :func:`moving_average`,
reads the next half-window: a complaint posted at hour 24 would then "rise" from
hour 12. It is kept for callers that want a symmetric display curve, not used for
any phase.)

Times are in hours since the start of the series: bin ``i`` of the incidence array
covers ``[i·dt_h, (i+1)·dt_h)`` and a phase reached in bin ``i`` is reported at
``i·dt_h`` (or at the exposure, if that is later in the same bin). Phases that are
never reached are NaN. When ``t_decay_h`` is NaN the curve had not decayed by the
end of the horizon, so the plateau and the lifetime are right-censored (they
describe the observed part only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PHASE_KEYS",
    "moving_average",
    "phases",
    "phases_table",
    "time_to_contain",
    "trailing_average",
]

#: Keys of :func:`phases`, in order (also the columns of :func:`phases_table` after
#: ``message``).
PHASE_KEYS: tuple[str, ...] = (
    "t_exposure_h",
    "t_ignition_h",
    "t_peak_h",
    "peak_shares_per_h",
    "t_decay_h",
    "t_plateau_h",
    "final_shares",
    "d_ignition_h",
    "d_growth_h",
    "d_decay_h",
    "lifetime_h",
)

_NAN = float("nan")
# relative tolerance for "cumulative reaches a fraction of the final" with float input
_RTOL = 1e-9


def _as_curve(incidence: Any) -> np.ndarray:
    x = np.asarray(incidence, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"incidence must be a 1-D array (one value per hour), got shape {x.shape}")
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def _window(smoothing_h: float, dt_h: float) -> np.ndarray:
    """Weights of the centred moving average over ``smoothing_h`` hours (odd length)."""
    if smoothing_h < 0 or not math.isfinite(smoothing_h):
        raise ValueError(f"smoothing_h must be a finite number >= 0, got {smoothing_h}")
    k = round(smoothing_h / dt_h)
    if k <= 1:
        return np.ones(1)
    if k % 2:  # odd: plain centred window
        return np.ones(k)
    w = np.ones(k + 1)  # even: 2×k average, centred and symmetric
    w[0] = w[-1] = 0.5
    return w


def moving_average(incidence: Any, smoothing_h: float = 24.0, *, dt_h: float = 1.0) -> np.ndarray:
    """Centred moving average of an incidence curve, without invented mass at the borders.

    Parameters
    ----------
    incidence : array_like
        1-D curve, one value per bin of ``dt_h`` hours from the start of the run
        (NaN counts as 0).
    smoothing_h : float, default 24
        Width of the window in hours; 0 or one bin means no smoothing. An even
        number of bins ``k`` uses the symmetric ``2 × k`` average (weights ½ at both
        ends over ``k + 1`` bins), which cancels an exactly ``k``-periodic rhythm.
    dt_h : float, default 1
        Width of one bin in hours.

    Returns
    -------
    numpy.ndarray
        Smoothed curve of the same length. The two borders are treated differently
        because they mean different things:

        * before the start of the run nothing was shared, so the window reads zeros
          there (a curve that starts and ends inside the horizon keeps its total);
        * after the horizon the future is unknown. Neither zeros (a fake decline)
          nor the mean of the hours that remain (which no longer cancels the daily
          rhythm and can fake a peak or a decay) are neutral, so the last
          ``half-window`` bins hold the last fully supported value. A peak or a
          decay is therefore never placed in the last half-window. A curve shorter
          than half a window has no fully supported bin; its window then counts
          only the existing bins (and the zeros before the start).
    """
    if dt_h <= 0:
        raise ValueError(f"dt_h must be > 0, got {dt_h}")
    x = _as_curve(incidence)
    w = _window(smoothing_h, dt_h)
    if w.size == 1 or x.size == 0:
        return x.copy()
    half = w.size // 2
    pad = np.zeros(half)
    num = np.convolve(np.concatenate([pad, x, pad]), w, mode="valid")
    # weights on existing bins or on the (known, zero) bins before the start
    den = np.convolve(np.concatenate([np.ones(half), np.ones_like(x), pad]), w, mode="valid")
    out = num / den
    last_full = x.size - 1 - half
    if last_full >= 0:
        out[last_full + 1 :] = out[last_full]
    return out


def trailing_average(incidence: Any, smoothing_h: float = 24.0, *, dt_h: float = 1.0) -> np.ndarray:
    """Causal (trailing) moving average of an incidence curve.

    Parameters
    ----------
    incidence : array_like
        1-D curve, one value per bin of ``dt_h`` hours from the start of the run
        (NaN counts as 0).
    smoothing_h : float, default 24
        Width of the window in hours; 0 or one bin means no smoothing. An even
        number of bins ``k`` uses the ``2 × k`` weights (½ at both ends over
        ``k + 1`` bins), which cancel an exactly ``k``-periodic rhythm.
    dt_h : float, default 1
        Width of one bin in hours.

    Returns
    -------
    numpy.ndarray
        Smoothed curve of the same length; value ``i`` is the weighted mean of bins
        ``i - k … i`` (bins before the start of the run read zero: nothing was
        shared then). It never reads the future, so nothing appears in it before it
        happens, and a curve that ends before the horizon keeps its total.

    Examples
    --------
    >>> trailing_average([0, 0, 3, 0, 0, 0], 3).tolist()
    [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    """
    if dt_h <= 0:
        raise ValueError(f"dt_h must be > 0, got {dt_h}")
    x = _as_curve(incidence)
    w = _window(smoothing_h, dt_h)
    if w.size == 1 or x.size == 0:
        return x.copy()
    return np.convolve(x, w)[: x.size] / w.sum()


def _first_reaching(cum: np.ndarray, target: float) -> int:
    """First index at which ``cum`` reaches ``target`` (up to float round-off)."""
    hit = cum >= target - abs(target) * _RTOL
    return int(np.argmax(hit)) if hit.any() else cum.size - 1


def _peak_index(smooth: np.ndarray) -> int:
    """First index of the maximum, ignoring round-off between equal values."""
    top = float(smooth.max())
    return int(np.flatnonzero(smooth >= top - abs(top) * 1e-12)[0])


def _first_below_after(smooth: np.ndarray, start: int, level: float) -> int | None:
    below = np.flatnonzero(smooth[start + 1 :] < level)
    return None if below.size == 0 else start + 1 + int(below[0])


def _busiest_hour(x: np.ndarray, smooth: np.ndarray, i_ign: int, i_pla: int, k: int) -> int:
    """The peak: the raw curve's busiest bin within the trailing window (``k`` bins)
    at which the smoothed curve is highest after the ignition, kept between the
    ignition and the plateau (else the busiest bin between them). The window finds
    the busiest day despite the daily rhythm; the bin is a real hour's count."""
    j = i_ign + _peak_index(smooth[i_ign:])
    lo, hi = max(j - k + 1, i_ign), min(j, i_pla)
    if lo > hi:
        lo, hi = i_ign, i_pla
    return lo + _peak_index(x[lo : hi + 1])


def _decay_index(smooth: np.ndarray, start: int, decay: float) -> int | None:
    """First index after the highest value of ``smooth[start:]`` at which it is below
    ``decay`` × that value (None if it never is)."""
    j = start + _peak_index(smooth[start:])
    return _first_below_after(smooth, j, decay * float(smooth[j]))


def phases(
    incidence: Any,
    *,
    dt_h: float = 1.0,
    start_h: float | None = None,
    ignition: float = 0.05,
    plateau: float = 0.95,
    decay: float = 0.5,
    smoothing_h: float = 24.0,
    origin_shares: float = 0.0,
) -> dict[str, float]:
    """Lifecycle phase times and durations of one message (causal, see the module).

    Parameters
    ----------
    incidence : array_like
        New shares per bin, bin ``i`` covering hours ``[i·dt_h, (i+1)·dt_h)``.
    dt_h : float, default 1
        Bin width in hours.
    start_h : float, optional
        The message's start (origin exposure) hour; by default the first bin with
        any share. No phase is placed before it.
    ignition, plateau : float
        Fractions of the final shares that the raw cumulative curve must reach.
    decay : float
        Fraction of the trailing-smoothed incidence's highest value (since the peak)
        under which it must fall.
    smoothing_h : float, default 24
        Window of the trailing moving average (hours), see :func:`trailing_average`.
    origin_shares : float, default 0
        Shares that are the origins' own posts (counted in ``incidence``): a message
        with no more shares than that never spread, and its phases are NaN.

    Returns
    -------
    dict of str to float
        Keys :data:`PHASE_KEYS`: ``t_exposure_h``, ``t_ignition_h``, ``t_peak_h``,
        ``peak_shares_per_h`` (raw shares per hour at the peak), ``t_decay_h``,
        ``t_plateau_h``, ``final_shares``, ``d_ignition_h`` (ignition − exposure),
        ``d_growth_h`` (peak − ignition), ``d_decay_h`` (plateau − peak) and
        ``lifetime_h`` (plateau − exposure), all durations ≥ 0. NaN where a phase is
        not reached (never spread; no decay within the horizon).

    Examples
    --------
    >>> p = phases([0, 1, 2, 3, 2, 1, 0], smoothing_h=0)
    >>> p["t_peak_h"], p["final_shares"]
    (3.0, 9.0)
    """
    for name, frac in (("ignition", ignition), ("plateau", plateau), ("decay", decay)):
        if not 0.0 < frac < 1.0:
            raise ValueError(f"{name} must be in (0, 1), got {frac}")
    x = _as_curve(incidence)
    final = float(x.sum()) if x.size else 0.0
    out = dict.fromkeys(PHASE_KEYS, _NAN)
    out["final_shares"] = final
    shared = np.flatnonzero(x > 0)
    if start_h is not None:
        out["t_exposure_h"] = float(start_h)
    elif shared.size:
        out["t_exposure_h"] = float(shared[0] * dt_h)
    if final <= 0 or shared.size == 0:
        out["peak_shares_per_h"] = 0.0 if x.size else _NAN
        return out
    if final <= origin_shares:  # only the origins' own posts: it never spread
        return out

    t_exp = out["t_exposure_h"]
    # first bin that can hold a phase: the exposure's (shares before it are not the message's)
    i0 = min(max(0, math.floor(t_exp / dt_h + 1e-9)), x.size - 1) if math.isfinite(t_exp) else 0
    cum = np.cumsum(x)
    i_ign = max(_first_reaching(cum, ignition * final), i0)
    i_pla = max(_first_reaching(cum, plateau * final), i_ign)
    smooth = trailing_average(x, smoothing_h, dt_h=dt_h)
    i_peak = _busiest_hour(x, smooth, i_ign, i_pla, _window(smoothing_h, dt_h).size)
    i_dec = _decay_index(smooth, i_peak, decay)

    def at(i: int) -> float:  # bin start, never before the exposure
        return max(float(i * dt_h), t_exp)

    t_ign, t_peak, t_pla = at(i_ign), at(i_peak), at(i_pla)
    out.update(
        t_ignition_h=t_ign,
        t_peak_h=t_peak,
        peak_shares_per_h=float(x[i_peak]) / dt_h,
        t_decay_h=_NAN if i_dec is None else at(i_dec),
        t_plateau_h=t_pla,
        d_ignition_h=t_ign - t_exp,
        d_growth_h=t_peak - t_ign,
        d_decay_h=t_pla - t_peak,
        lifetime_h=t_pla - t_exp,
    )
    return out


def time_to_contain(
    incidence: Any,
    *,
    contain: float = 0.1,
    smoothing_h: float = 24.0,
    dt_h: float = 1.0,
) -> float:
    """First hour after the peak at which the trailing-smoothed incidence is below
    ``contain`` × its highest value.

    Parameters
    ----------
    incidence : array_like
        New shares per bin of ``dt_h`` hours (e.g. of the complaint).
    contain : float, default 0.1
        Fraction of the smoothed peak that counts as contained.
    smoothing_h : float, default 24
        Window of the trailing moving average (hours), see :func:`trailing_average`:
        causal, so containment is never reported before it happened.
    dt_h : float, default 1
        Bin width in hours.

    Returns
    -------
    float
        The hour (since the start of the series, not since the crisis) at which the
        message is contained; subtract the crisis start for a duration. NaN if
        nothing was shared or the curve never falls that low within the horizon.
    """
    if not 0.0 < contain < 1.0:
        raise ValueError(f"contain must be in (0, 1), got {contain}")
    x = _as_curve(incidence)
    if x.size == 0 or x.sum() <= 0:
        return _NAN
    smooth = trailing_average(x, smoothing_h, dt_h=dt_h)
    i = _decay_index(smooth, 0, contain)
    return _NAN if i is None else float(i * dt_h)


def _cfg(analysis_cfg: Any, key: str, default: float) -> float:
    if analysis_cfg is None:
        return default
    if isinstance(analysis_cfg, Mapping):
        return float(analysis_cfg.get(key, default))
    return float(getattr(analysis_cfg, key, default))


def phases_table(
    series: pd.DataFrame,
    analysis_cfg: Any = None,
    start_hours: dict[str, float] | None = None,
    origin_shares: Mapping[Any, float] | None = None,
) -> pd.DataFrame:
    """Lifecycle phases of every message of a run's hourly series.

    Parameters
    ----------
    series : pandas.DataFrame
        Series in the :data:`sim.result.SERIES_COLUMNS` format; needs ``hour``,
        ``message`` and ``new_shares``. Hours missing for a message count as zero
        shares. With a ``replicate`` column there is one row per (replicate, message).
    analysis_cfg : AnalysisConfig or mapping, optional
        Thresholds ``ignition``, ``plateau``, ``decay`` and ``smoothing_h``
        (defaults of :class:`~sim.scenario.schema.AnalysisConfig` when omitted).
    start_hours : dict of str to float, optional
        Known start hour of each message, used as its exposure time.
    origin_shares : mapping, optional
        Number of origin posts of each message (keyed by message name, or by
        ``(replicate, message)`` with a ``replicate`` column): a message with no
        share beyond them never spread and gets NaN phases.

    Returns
    -------
    pandas.DataFrame
        Column ``message`` (preceded by ``replicate`` if present) then the keys of
        :data:`PHASE_KEYS`; messages in order of first appearance.
    """
    missing = {"hour", "message", "new_shares"} - set(series.columns)
    if missing:
        raise ValueError(f"series lacks column(s) {sorted(missing)}")
    kw = {
        "ignition": _cfg(analysis_cfg, "ignition", 0.05),
        "plateau": _cfg(analysis_cfg, "plateau", 0.95),
        "decay": _cfg(analysis_cfg, "decay", 0.5),
        "smoothing_h": _cfg(analysis_cfg, "smoothing_h", 24.0),
    }
    start_hours = start_hours or {}
    has_rep = "replicate" in series.columns
    cols = (["replicate"] if has_rep else []) + ["message", *PHASE_KEYS]
    if series.empty:
        return pd.DataFrame(columns=cols)
    hours = np.asarray(series["hour"], dtype=float)
    h0 = min(0, int(np.floor(hours.min())))
    n_hours = int(np.floor(hours.max())) - h0 + 1
    rows = []
    groups = series.groupby(["replicate", "message"] if has_rep else ["message"], sort=False)
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        message = key[-1]
        curve = np.zeros(n_hours)
        idx = np.floor(np.asarray(g["hour"], dtype=float)).astype(int) - h0
        np.add.at(curve, idx, np.nan_to_num(np.asarray(g["new_shares"], dtype=float)))
        start = start_hours.get(message)
        origins = origin_shares or {}
        n_orig = origins.get(key if has_rep else message, 0.0)
        row = phases(curve, start_h=None if start is None else float(start) - h0, origin_shares=float(n_orig), **kw)
        for k in ("t_exposure_h", "t_ignition_h", "t_peak_h", "t_decay_h", "t_plateau_h"):
            row[k] += h0
        rows.append({**dict(zip(cols[: len(key)], key, strict=True)), **row})
    return pd.DataFrame(rows, columns=cols)
