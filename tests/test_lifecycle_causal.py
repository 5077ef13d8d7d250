"""Causal lifecycle phases (issue #14, item 2): no phase before the exposure, no
negative duration, NaN phases for a message that never spread, and smoothing that
never moves an event earlier than it happened."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.lifecycle import phases, phases_table, time_to_contain, trailing_average

TIMES = ("t_ignition_h", "t_peak_h", "t_decay_h", "t_plateau_h")
DURATIONS = ("d_ignition_h", "d_growth_h", "d_decay_h", "lifetime_h")


def check_causal(p: dict) -> None:
    t0 = p["t_exposure_h"]
    for k in TIMES:
        assert math.isnan(p[k]) or p[k] >= t0, (k, p)
    for k in DURATIONS:
        assert math.isnan(p[k]) or p[k] >= 0, (k, p)
    if not math.isnan(p["t_peak_h"]):
        assert p["t_ignition_h"] <= p["t_peak_h"] <= p["t_plateau_h"]
        if not math.isnan(p["t_decay_h"]):
            assert p["t_decay_h"] > p["t_peak_h"]


def test_complaint_posted_at_hour_24_peaks_after_it():
    """The issue's case: a complaint at hour 24 spreading over the next hours had
    ``t_peak_h`` 13 and ``d_growth_h`` −11 with the centred window."""
    x = np.zeros(168)
    x[24], x[25], x[26], x[27], x[28] = 1, 30, 12, 5, 2
    p = phases(x, start_h=24.0, origin_shares=1)
    check_causal(p)
    assert p["t_peak_h"] == 25.0
    assert p["peak_shares_per_h"] == 30.0  # the real hourly peak, not a 24-hour mean
    assert p["d_growth_h"] >= 0


def test_a_post_never_shared_has_nan_phases():
    x = np.zeros(72)
    x[24] = 1
    p = phases(x, start_h=24.0, origin_shares=1)
    assert p["t_exposure_h"] == 24.0 and p["final_shares"] == 1.0
    for k in (*TIMES, *DURATIONS, "peak_shares_per_h"):
        assert math.isnan(p[k]), k


def test_trailing_average_never_reads_the_future():
    x = np.zeros(100)
    x[40:50] = np.arange(1, 11)
    for w in (0, 3, 6, 24):
        y = trailing_average(x, w)
        assert np.all(y[:40] == 0)  # nothing before the first share
        assert y.sum() <= x.sum() + 1e-9


def test_random_curves_are_causal_with_every_window():
    """Statistical over 300 curves (fixed seed): bursts at random start hours with a
    daily rhythm; every phase set is ordered and non-negative."""
    rng = np.random.default_rng(7)
    hours = np.arange(336)
    for _ in range(300):
        start = int(rng.integers(0, 300))
        x = np.zeros(336)
        lam = rng.uniform(0.2, 50) * np.exp(-(hours - start) / rng.uniform(1, 60))
        lam *= 1 + 0.8 * np.sin(2 * np.pi * hours / 24)
        x[start:] = rng.poisson(np.clip(lam[start:], 0, None))
        x[start] += 1
        for w in (0, 6, 24, 48):
            check_causal(phases(x, start_h=float(start), smoothing_h=w, origin_shares=1))


def test_time_to_contain_not_before_the_peak_of_a_late_burst():
    x = np.zeros(120)
    x[60:64] = [50, 20, 5, 1]
    t = time_to_contain(x, contain=0.1, smoothing_h=24)
    assert t > 60


def test_phases_table_uses_origin_counts():
    series = pd.DataFrame(
        {"hour": [0, 1, 2, 0, 1, 2], "message": ["a"] * 3 + ["b"] * 3, "new_shares": [1, 0, 0, 1, 4, 1]}
    )
    tab = phases_table(series, {"smoothing_h": 0}, start_hours={"a": 0, "b": 0}, origin_shares={"a": 1, "b": 1})
    a, b = tab.set_index("message").loc["a"], tab.set_index("message").loc["b"]
    assert math.isnan(a["t_peak_h"]) and a["final_shares"] == 1
    assert b["t_peak_h"] == 1.0


def _burst_series() -> pd.DataFrame:
    """A complaint posted at hour 24 (one origin) that bursts at hour 25, two variants."""
    rows = []
    for v, size in (("silence", 40), ("apologize", 20)):
        for r in range(3):
            x = np.zeros(96)
            x[24], x[25], x[26], x[27] = 1, size + r, size // 4, 1
            rows.append(pd.DataFrame({"hour": np.arange(96), "message": "complaint", "new_shares": x,
                                      "reach": np.cumsum(x) * 5, "variant": v, "replicate": r}))
    return pd.concat(rows, ignore_index=True)


def _drawn_lines(monkeypatch, draw) -> list[tuple[np.ndarray, np.ndarray]]:
    from matplotlib.axes import Axes

    lines: list[tuple[np.ndarray, np.ndarray]] = []
    orig_plot, orig_step = Axes.plot, Axes.step

    def plot(self, *args, **kw):
        if len(args) >= 2:
            lines.append((np.asarray(args[0], float), np.asarray(args[1], float)))
        return orig_plot(self, *args, **kw)

    def step(self, x, y, *args, **kw):
        lines.append((np.asarray(x, float), np.asarray(y, float)))
        return orig_step(self, x, y, *args, **kw)

    monkeypatch.setattr(Axes, "plot", plot)
    monkeypatch.setattr(Axes, "step", step)
    draw()
    return lines


def test_figures_do_not_draw_shares_before_the_post(monkeypatch, tmp_path):
    """compare.png and lifecycle.png draw nothing before hour 24 (the centred 24 h
    window made the complaint rise 12 h early) and compare.png shows the real hourly
    peak (the 24 h average showed about a tenth of it)."""
    from sim.report.figures import compare_figure, lifecycle_figure

    s = _burst_series()
    lines = _drawn_lines(monkeypatch, lambda: compare_figure(s, tmp_path / "c.png"))
    curves = [(x, y) for x, y in lines if x.size > 10]
    assert curves
    for x, y in curves:
        assert np.all(y[x < 24] == 0)
    assert max(float(y.max()) for _, y in curves) >= 40  # median peak of "silence": 41
    one = s[(s["variant"] == "silence")].drop(columns="variant")
    lines = _drawn_lines(monkeypatch, lambda: lifecycle_figure(one, None, tmp_path / "l.png"))
    for x, y in (c for c in lines if c[0].size > 10):
        assert np.all(y[x < 24] == 0)
