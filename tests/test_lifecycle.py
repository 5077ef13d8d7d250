"""Lifecycle phases on hand-made incidence curves (exact values)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.analysis.lifecycle import (
    PHASE_KEYS,
    moving_average,
    phases,
    phases_table,
    time_to_contain,
)
from sim.scenario.schema import AnalysisConfig


def triangle(apex: int = 50, pad: int = 100) -> np.ndarray:
    """0, 1, ..., apex, ..., 1, 0 followed by ``pad`` zeros (total mass apex²)."""
    h = np.arange(2 * apex + 1)
    return np.concatenate([apex - np.abs(h - apex), np.zeros(pad)]).astype(float)


# ----------------------------------------------------------------- moving average


def test_moving_average_no_smoothing_is_identity():
    x = np.array([0.0, 3.0, 1.0, 7.0])
    for s in (0.0, 1.0):
        np.testing.assert_array_equal(moving_average(x, s), x)


def test_moving_average_cancels_daily_rhythm_and_keeps_level():
    h = np.arange(240)
    x = 10.0 * (1 + 0.9 * np.sin(2 * np.pi * h / 24))
    ma = moving_average(x, 24)
    # interior (full 2x24 window): the rhythm cancels exactly
    np.testing.assert_allclose(ma[12:-12], 10.0, rtol=0, atol=1e-9)
    # the window is symmetric: a linear ramp is unchanged in the interior
    ramp = np.arange(100.0)
    np.testing.assert_allclose(moving_average(ramp, 24)[12:-12], ramp[12:-12], atol=1e-9)


def test_moving_average_conserves_mass_inside_the_horizon():
    x = np.r_[np.zeros(20), triangle(30, pad=40)]
    y = moving_average(x, 24)
    assert y.sum() == pytest.approx(x.sum(), rel=1e-12)
    spike = moving_average(np.r_[np.zeros(20), 24.0, np.zeros(40)], 24)
    assert spike.sum() == pytest.approx(24.0) and spike.max() == pytest.approx(1.0)


def test_moving_average_start_reads_zeros_before_the_run():
    y = moving_average(np.full(60, 4.0), 24)
    # hour 0: the 12.5 weights before the start are zeros → 4 × 12.5 / 24
    assert y[0] == pytest.approx(4.0 * 12.5 / 24)
    np.testing.assert_allclose(y[12:], 4.0, atol=1e-12)  # no mass invented, none lost


def test_moving_average_end_holds_last_supported_value():
    h = np.arange(100)
    x = 5 * (1 + 0.9 * np.sin(2 * np.pi * h / 24))
    y = moving_average(x, 24)
    # a truncated window at the horizon would not cancel the rhythm; the hold does
    np.testing.assert_allclose(y[12:], 5.0, atol=1e-9)
    ramp = moving_average(np.arange(50.0), 24)
    np.testing.assert_allclose(ramp[37:], 37.0)  # no fake decline at the horizon
    # curve shorter than half a window: existing bins and the zeros before the start
    np.testing.assert_allclose(moving_average([2.0, 2.0, 2.0], 24), [6 / 14.5, 6 / 13.5, 6 / 12.5])
    assert moving_average([], 24).size == 0


def test_moving_average_odd_window():
    x = np.array([0, 0, 3, 0, 0, 0], dtype=float)
    np.testing.assert_allclose(moving_average(x, 3), [0, 1, 1, 1, 0, 0])


# ------------------------------------------------------------------------- phases


def test_triangle_exact_without_smoothing():
    p = phases(triangle(), smoothing_h=0)
    assert list(p) == list(PHASE_KEYS)
    assert p["final_shares"] == 2500.0
    assert p["t_exposure_h"] == 1.0  # x[0] = 0
    assert p["t_ignition_h"] == 16.0  # 16·17/2 = 136 >= 125 > 120 = 15·16/2
    assert p["t_peak_h"] == 50.0
    assert p["peak_shares_per_h"] == 50.0
    assert p["t_decay_h"] == 76.0  # 100 - h < 25
    assert p["t_plateau_h"] == 84.0  # (100-h)(99-h)/2 <= 125
    assert p["d_ignition_h"] == 15.0
    assert p["d_growth_h"] == 34.0
    assert p["d_decay_h"] == 34.0
    assert p["lifetime_h"] == 83.0


def test_triangle_exact_with_daily_smoothing():
    p = phases(triangle(), smoothing_h=24)
    assert p["t_peak_h"] == 50.0  # the peak is read on the raw curve
    assert p["peak_shares_per_h"] == 50.0  # the real hourly peak
    # the trailing 2x24 average is the centred one 12 h later: its maximum 44 at 62,
    # below 22 on the linear flank once 100 - (h - 12) < 22 (centred: 79)
    assert p["t_decay_h"] == 91.0
    # cumulative thresholds use the raw curve, not the smoothed one
    assert p["t_ignition_h"] == 16.0
    assert p["t_plateau_h"] == 84.0


def test_start_h_sets_exposure():
    p = phases(triangle(), smoothing_h=0, start_h=0.0)
    assert p["t_exposure_h"] == 0.0
    assert p["d_ignition_h"] == 16.0
    assert p["lifetime_h"] == 84.0


def test_custom_thresholds():
    p = phases(triangle(), smoothing_h=0, ignition=0.5, plateau=0.5, decay=0.1)
    assert p["t_ignition_h"] == p["t_plateau_h"] == 50.0  # 51·50/2... cum(50) = 1275 >= 1250
    assert p["t_decay_h"] == 96.0  # 100 - h < 5


def test_daily_rhythm_peak_found_on_smoothed_curve():
    h = np.arange(336)
    tri = np.clip(120 - np.abs(h - 120.0), 0, None)
    x = tri * (1 + 0.9 * np.sin(2 * np.pi * h / 24))
    assert abs(int(np.argmax(x)) - 120) >= 5  # the raw maximum is a daily peak
    p = phases(x, smoothing_h=24)
    # the peak is the real (raw) hourly maximum: a daily peak near the trend's
    assert abs(p["t_peak_h"] - 120) <= 12
    assert p["peak_shares_per_h"] == x.max()
    # without smoothing, the daily rhythm produces a false early decay
    raw = phases(x, smoothing_h=0)
    assert raw["t_decay_h"] < 140
    # 240 - h < 60 on the trend, read by the trailing window 12 h late; the 2x24
    # average of trend × rhythm leaves a ripple of ±3.4 shares/h around the trend
    assert p["t_decay_h"] == pytest.approx(192, abs=6)
    # cumulative thresholds are independent of the smoothing
    assert p["t_ignition_h"] == raw["t_ignition_h"]
    assert p["t_plateau_h"] == raw["t_plateau_h"]


@pytest.mark.parametrize("curve", [[], np.zeros(50)])
def test_empty_curve_gives_nan(curve):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = phases(curve)
    assert p["final_shares"] == 0.0
    for k in PHASE_KEYS:
        if k not in ("final_shares", "peak_shares_per_h"):
            assert math.isnan(p[k]), k
    p = phases(curve, start_h=3.0)
    assert p["t_exposure_h"] == 3.0 and math.isnan(p["lifetime_h"])


def test_never_decays_growing_curve():
    x = np.arange(100.0)
    p = phases(x, smoothing_h=24)
    assert p["t_peak_h"] == 97.0  # the peak is not placed after the plateau (97)
    assert p["peak_shares_per_h"] == 97.0
    assert math.isnan(p["t_decay_h"])
    assert p["t_plateau_h"] == 97.0  # right-censored, still reported
    assert math.isnan(time_to_contain(x))


def test_never_decays_constant_curve_with_rhythm():
    h = np.arange(200)
    x = 5 * (1 + 0.5 * np.sin(2 * np.pi * h / 24))
    p = phases(x, smoothing_h=24)
    assert math.isnan(p["t_decay_h"])
    # a real hour's count near the daily maximum (7.5), not the 24 h mean (5)
    assert np.isclose(x, p["peak_shares_per_h"]).any() and p["peak_shares_per_h"] > 7.4
    assert p["t_ignition_h"] <= p["t_peak_h"] <= p["t_plateau_h"]


def test_constant_curve_peak_is_first_hour_despite_round_off():
    p = phases(np.full(100, 0.1), smoothing_h=24)
    assert p["t_peak_h"] == p["t_ignition_h"] == 4.0  # first maximum from the ignition on
    assert math.isnan(p["t_decay_h"])


def test_single_spike():
    x = np.zeros(48)
    x[10] = 7
    p = phases(x, smoothing_h=0)
    assert p["t_exposure_h"] == p["t_ignition_h"] == p["t_peak_h"] == p["t_plateau_h"] == 10.0
    assert p["t_decay_h"] == 11.0
    assert p["lifetime_h"] == 0.0


def test_dt_scaling():
    x = triangle()
    p = phases(x, dt_h=0.5, smoothing_h=0)
    assert p["t_peak_h"] == 25.0
    assert p["t_ignition_h"] == 8.0
    assert p["peak_shares_per_h"] == 100.0  # 50 shares per half hour
    # smoothing window in hours: 24 h = 48 half-hour bins
    q = phases(np.repeat(x, 2) / 2, dt_h=0.5, smoothing_h=24)
    r = phases(x, smoothing_h=24)
    assert q["t_peak_h"] == pytest.approx(r["t_peak_h"] + 0.25, abs=0.5)
    assert q["peak_shares_per_h"] == pytest.approx(r["peak_shares_per_h"], rel=0.01)


def test_nan_in_curve_counts_as_zero():
    x = triangle()
    x[0] = np.nan
    assert phases(x, smoothing_h=0) == phases(triangle(), smoothing_h=0)


def test_bad_arguments():
    with pytest.raises(ValueError):
        phases([[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        phases([1, 2], ignition=1.5)
    with pytest.raises(ValueError):
        time_to_contain([1, 2], contain=0)


# ----------------------------------------------------------------- time to contain


def test_time_to_contain_triangle():
    assert time_to_contain(triangle(), contain=0.1, smoothing_h=0) == 96.0  # 100 - h < 5
    assert time_to_contain(triangle(), contain=0.5, smoothing_h=0) == 76.0
    assert time_to_contain(triangle(), contain=0.5, smoothing_h=24) == 91.0  # trailing: 79 + 12
    assert math.isnan(time_to_contain(np.zeros(10)))
    assert math.isnan(time_to_contain(triangle(pad=0)[:80], contain=0.1, smoothing_h=0))


# -------------------------------------------------------------------- phases table


def _series(curves: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    for msg, c in curves.items():
        for h, v in enumerate(c):
            rows.append({"hour": h, "message": msg, "new_shares": v, "shares": 0, "reach": 0})
    return pd.DataFrame(rows)


def test_phases_table_matches_phases():
    a, b = triangle(), np.r_[np.zeros(30), triangle(20)]
    s = _series({"topic": a, "complaint": b})
    t = phases_table(s, AnalysisConfig(), start_hours={"complaint": 30.0})
    assert list(t.columns) == ["message", *PHASE_KEYS]
    assert list(t["message"]) == ["topic", "complaint"]
    n = int(s["hour"].max()) + 1
    exp_a = phases(np.r_[a, np.zeros(n - a.size)])
    exp_b = phases(np.r_[b, np.zeros(n - b.size)], start_h=30.0)
    for k in PHASE_KEYS:
        np.testing.assert_equal(t.iloc[0][k], exp_a[k])
        np.testing.assert_equal(t.iloc[1][k], exp_b[k])


def test_phases_table_missing_hours_and_config_dict():
    s = pd.DataFrame({"hour": [5, 3, 9], "message": "m", "new_shares": [2.0, 1.0, 1.0]})
    t = phases_table(s, {"smoothing_h": 0, "ignition": 0.05})
    row = t.iloc[0]
    assert row["t_exposure_h"] == 3.0 and row["t_peak_h"] == 5.0 and row["final_shares"] == 4.0
    assert row["t_plateau_h"] == 9.0


def test_phases_table_replicates_and_empty():
    s = pd.concat(
        [_series({"m": triangle(30)}).assign(replicate=r) for r in range(3)], ignore_index=True
    )
    t = phases_table(s, None)
    assert list(t.columns[:2]) == ["replicate", "message"]
    assert list(t["replicate"]) == [0, 1, 2]
    assert len(t) == 3 and (t["t_peak_h"] == 30.0).all()
    empty = phases_table(s.iloc[:0], None)
    assert empty.empty and "t_peak_h" in empty.columns
    with pytest.raises(ValueError, match="new_shares"):
        phases_table(s.drop(columns="new_shares"), None)
