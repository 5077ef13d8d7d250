"""``buzzsim calibrate``: approximate Bayesian computation (pyABC, ABC-SMC) on real cascades.

A *particle* is one set of the calibrated parameters. Its simulation samples the
model like the data (:func:`~sim.calibration.sampling.sample_model`: the same minimum
size, horizon and start hours) until it has as many qualifying cascades as the data
(or ``--cascades``), and summarises them by the quantiles (10, 25, 50, 75, 90 %) of
each per-cascade statistic of :mod:`sim.analysis.cascade_stats` that the data has
(size on a log10 scale). The distance to the data is the mean over statistics and
quantiles of ``|model - data| / scale``, where a statistic's scale is its
interquartile range in the data: each statistic counts the same, whatever its unit.
A particle whose runs give fewer than 3 qualifying cascades gets the distance
:data:`NO_CASCADES`.

pyABC proposes particles, keeps those within a threshold (the median distance of the
previous generation), and tightens it generation by generation; its SQLite database
(``abc.db`` in the output folder) holds every generation, so ``--resume`` continues an
interrupted calibration. Each generation is run as one call and numpy's global
generator (which pyABC draws from) is seeded with ``(seed, generation)`` first; the
simulation seed of a particle is a hash of ``seed`` and its parameter values. On the
serial sampler the same seed therefore gives the same posterior, interrupted or not.
With ``--scheduler`` (pyABC's dask sampler) the workers draw the proposals and the
posterior is reproducible only up to the order in which they finish.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.cascade_stats import PER_CASCADE, per_cascade
from sim.calibration.sampling import sample_model
from sim.data.cascades import CascadeData
from sim.errors import BuzzsimError
from sim.scenario.load import build_scenario, scenario_raw
from sim.scenario.variants import apply_overrides

__all__ = [
    "NO_CASCADES",
    "QUANTILES",
    "CalibrationSetup",
    "Particles",
    "ScaledDistance",
    "SimulateStats",
    "run_abc",
    "summary_stats",
]

#: Quantiles of each per-cascade statistic that summarise a set of cascades.
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Distance of a particle whose runs gave (almost) no qualifying cascades.
NO_CASCADES = 1e3
#: Fewest qualifying cascades for a particle to be summarised.
MIN_CASCADES = 3


def summary_stats(table: pd.DataFrame, stats: tuple[str, ...]) -> dict[str, float]:
    """Quantiles of each statistic over cascades (size as log10), flat: ``"t50_h@0.5"``."""
    out: dict[str, float] = {}
    for s in stats:
        x = table[s].to_numpy(dtype=float) if s in table else np.zeros(0)
        x = x[np.isfinite(x)]
        if s == "size":
            x = np.log10(x)
        q = np.quantile(x, QUANTILES) if x.size else np.full(len(QUANTILES), np.nan)
        for qq, v in zip(QUANTILES, q):
            out[f"{s}@{qq:g}"] = float(v)
    out["n_cascades"] = float(len(table))
    return out


def scales(table: pd.DataFrame, stats: tuple[str, ...]) -> dict[str, float]:
    """Interquartile range of each statistic in the data (size as log10), floored at 1e-3."""
    out = {}
    for s in stats:
        x = table[s].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if s == "size":
            x = np.log10(x)
        iqr = float(np.subtract(*np.quantile(x, [0.75, 0.25]))) if x.size else 0.0
        if iqr <= 1e-3:
            iqr = max(float(np.std(x)) if x.size else 0.0, 1e-3)
        out[s] = iqr
    return out


@dataclass
class ScaledDistance:
    """Mean of ``|model - data| / scale`` over every statistic and quantile (pyABC distance)."""

    stats: tuple[str, ...]
    scale: dict[str, float]

    def per_stat(self, x: dict[str, float], x0: dict[str, float]) -> dict[str, float]:
        """The scaled distance of each statistic (mean over its quantiles)."""
        out = {}
        for s in self.stats:
            d = [abs(x[f"{s}@{q:g}"] - x0[f"{s}@{q:g}"]) / self.scale[s] for q in QUANTILES]
            out[s] = float(np.mean(d))
        return out

    def __call__(self, x: dict[str, float], x0: dict[str, float], *args: Any, **kwargs: Any) -> float:
        if x.get("n_cascades", 0) < MIN_CASCADES:
            return NO_CASCADES
        d = self.per_stat(x, x0)
        v = float(np.mean(list(d.values())))
        return v if math.isfinite(v) else NO_CASCADES


@dataclass
class SimulateStats:
    """The pyABC model: parameters -> summary statistics of sampled model cascades."""

    scenario_raw: dict[str, Any]
    keys: list[str]
    integer: list[bool]
    n_cascades: int
    min_size: int
    horizon_h: float
    start_hours: np.ndarray | None
    max_runs: int
    stats: tuple[str, ...]
    seed: int
    message: str | None = None

    def overrides(self, par: dict[str, float]) -> dict[str, Any]:
        """Scenario overrides of a particle (pyABC names are ``p0``, ``p1``...)."""
        out = {}
        for i, (k, is_int) in enumerate(zip(self.keys, self.integer)):
            v = float(par[f"p{i}"])
            out[k] = int(round(v)) if is_int else v
        return out

    def sample(self, par: dict[str, float], n_cascades: int | None = None, salt: str = "") -> pd.DataFrame:
        """Per-cascade statistics of the model at ``par``."""

        ov = self.overrides(par)
        scn = build_scenario(apply_overrides(self.scenario_raw, ov, in_variant=False))
        digest = hashlib.sha256(json.dumps([self.seed, salt, sorted(ov.items())], default=str).encode()).digest()
        s = sample_model(scn, n_cascades=n_cascades or self.n_cascades, min_size=self.min_size,
                         horizon_h=self.horizon_h, start_hours=self.start_hours,
                         seed=int.from_bytes(digest[:4], "little"), max_runs=self.max_runs, message=self.message)
        return per_cascade(s.nodes) if len(s.nodes) else pd.DataFrame(columns=list(PER_CASCADE), dtype=float)

    def __call__(self, par: dict[str, float]) -> dict[str, float]:
        return summary_stats(self.sample(par), self.stats)


@dataclass
class CalibrationSetup:
    """Everything a calibration needs, checked before anything runs."""

    scenario: Any
    keys: list[str]
    lo: list[float]
    hi: list[float]
    integer: list[bool]
    data: CascadeData
    data_table: pd.DataFrame
    stats: tuple[str, ...]
    min_size: int
    horizon_h: float
    n_cascades: int
    max_runs: int
    population: int
    generations: int
    seed: int
    message: str | None = None

    def model(self) -> SimulateStats:
        """The pyABC model function."""

        raw = scenario_raw(self.scenario)
        raw.pop("variants", None)
        hours = self.data.start_hour.to_numpy() if self.data.start_hour is not None else None
        return SimulateStats(raw, self.keys, self.integer, self.n_cascades, self.min_size, self.horizon_h, hours,
                             self.max_runs, self.stats, self.seed, self.message)


@dataclass
class Particles:
    """The outcome of :func:`run_abc`."""

    posterior: pd.DataFrame  # one row per accepted particle of the last generation: keys..., weight
    generations: pd.DataFrame  # t, epsilon, particles, samples, acceptance_rate, ess
    observed: dict[str, float]
    distance: ScaledDistance
    db: Path
    seconds: float
    notes: list[str] = field(default_factory=list)


def _ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if w.size and (w**2).sum() > 0 else 0.0


def run_abc(setup: CalibrationSetup, folder: Path, *, resume: bool = False, scheduler: str | None = None,
            progress: bool = True) -> Particles:
    """Run (or continue) ABC-SMC until ``setup.generations`` generations exist in ``folder/abc.db``."""
    import logging

    try:
        import pyabc
        from pyabc.sampler import SingleCoreSampler
    except ImportError as exc:
        raise BuzzsimError("buzzsim calibrate needs pyABC: pip install 'buzzsim[calibrate]'") from exc

    for name in ("ABC", "pyabc", "Epsilon", "Distance", "Sampler", "History", "Data_plot", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    started = time.time()
    db = folder / "abc.db"
    model = setup.model()
    observed = summary_stats(setup.data_table, setup.stats)
    distance = ScaledDistance(setup.stats, scales(setup.data_table, setup.stats))
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", lo, hi - lo)
                                  for i, (lo, hi) in enumerate(zip(setup.lo, setup.hi))})
    client = None
    if scheduler:
        from pyabc.sampler import DaskDistributedSampler

        try:
            from distributed import Client
        except ImportError as exc:
            raise BuzzsimError("--scheduler needs dask.distributed (pip install 'buzzsim[dask]')") from exc
        if "://" not in scheduler and ":" not in scheduler:
            raise BuzzsimError(f"--scheduler {scheduler!r}: expected an address such as tcp://host:8786")
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise BuzzsimError(f"--scheduler {scheduler}: cannot connect ({exc})") from exc
        sampler = DaskDistributedSampler(dask_client=client)
    else:
        sampler = SingleCoreSampler()
    eps = _resumable_median(pyabc)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=setup.population, sampler=sampler, eps=eps)
    url = f"sqlite:///{db}"
    if resume and db.exists():
        history = abc.load(url, 1)
    else:
        if db.exists():
            db.unlink()
        history = abc.new(url, observed)
    eps.history = history
    notes: list[str] = []
    try:
        while history.n_populations < setup.generations:
            t = history.n_populations
            np.random.seed([setup.seed, t])
            g0 = time.time()
            history = abc.run(max_nr_populations=1)
            if progress:
                pops = history.get_all_populations()
                row = pops[pops.t == t].iloc[0]
                _, w = history.get_distribution(m=0, t=t)
                print(f"generation {t + 1}/{setup.generations}: epsilon {row.epsilon:.3g}, "
                      f"acceptance {row.particles / max(row.samples, 1):.1%} ({int(row.samples)} simulations), "
                      f"ESS {_ess(w):.1f}, {time.time() - g0:.0f} s", file=sys.stderr, flush=True)
    finally:
        if client is not None:
            client.close()
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0].copy()
    ess = []
    for t in pops.t:
        _, w = history.get_distribution(m=0, t=int(t))
        ess.append(_ess(w))
    pops["acceptance_rate"] = pops.particles / pops.samples.clip(lower=1)
    pops["ess"] = ess
    gens = pops[["t", "epsilon", "particles", "samples", "acceptance_rate", "ess", "wall_time"]].reset_index(drop=True)
    df, w = history.get_distribution(m=0, t=history.max_t)
    post = pd.DataFrame({k: df[f"p{i}"].to_numpy() for i, k in enumerate(setup.keys)})
    for i, k in enumerate(setup.keys):
        if setup.integer[i]:
            post[k] = np.round(post[k]).astype(int)
    post["weight"] = np.asarray(w, dtype=float) / np.sum(w)
    return Particles(post, gens, observed, distance, db, time.time() - started, notes)


def _resumable_median(pyabc: Any) -> Any:
    """pyABC's median threshold, taken from the stored previous generation when a run starts.

    pyABC 0.13 re-derives the threshold from its prior calibration sample whenever
    ``run`` is called again (so a resumed or generation-by-generation run would keep
    the first threshold); this one reads the last stored generation's weighted
    distances instead, which is what an uninterrupted run uses.
    """

    class ResumableMedian(pyabc.epsilon.QuantileEpsilon):
        history: Any = None

        def initialize(self, t: int, get_weighted_distances: Any, *args: Any, **kwargs: Any) -> None:
            if t > 0 and self.history is not None:
                self._update(t, self.history.get_weighted_distances(t=t - 1))
                return
            super().initialize(t, get_weighted_distances, *args, **kwargs)

    return ResumableMedian()


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | list[float]) -> np.ndarray:
    """Quantiles of ``x`` under weights ``w`` (inverse of the weighted CDF, midpoint rule)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    o = np.argsort(x)
    x, w = x[o], w[o]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, c, x)
