"""The cases pinned by the golden outputs (see ``scripts/make_golden.py``).

Each case returns a few tidy tables; ``tests/test_golden.py`` recomputes them and
compares them exactly with ``tests/golden/<case>.<table>.parquet``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden"
SCENARIOS = ROOT / "scenarios"

#: Paired replicates per variant of each library scenario.
REPLICATES = 2


def _library(name: str) -> dict[str, pd.DataFrame]:
    from sim.run.replicates import run_variants

    rs = run_variants(SCENARIOS / f"{name}.toml", replicates=REPLICATES, workers=1, progress=False)
    return {"runs": rs.runs, "series": rs.series, "phases": rs.phases}


def _reference_crisis() -> dict[str, pd.DataFrame]:
    """The reference engine on a small crisis (it must stay reproducible too)."""
    from sim.run.replicates import run_variants
    from sim.scenario.load import load_scenario
    from sim.scenario.variants import with_overrides

    small = with_overrides(load_scenario(SCENARIOS / "crisis_response.toml"), {"graph.n": 3000})
    rs = run_variants(
        small,
        variants=["silence", "apologize 4h", "deny 4h"],
        replicates=2,
        engine="reference",
        workers=1,
        progress=False,
        seed=11,
    )
    return {"runs": rs.runs, "series": rs.series}


def _validation() -> dict[str, pd.DataFrame]:
    """The validation set's small cases: IC on tiny graphs and on Erdős–Rényi."""
    import sim

    rows = []
    for engine in ("fast", "reference"):
        for p in (0.05, 0.2):
            cfg = {
                "graph": {"kind": "erdos_renyi", "n": 2000, "mean_degree": 10, "directed": False},
                "dynamics": {"preset": "independent_cascade", "p": p, "seeds": 1},
                "run": {"horizon_h": 48},
            }
            for seed in range(3):
                s = sim.simulate(cfg, seed=seed, engine=engine).summary
                rows.append({"engine": engine, "p": p, "seed": seed,
                             **{k: v for k, v in s.items() if isinstance(v, (int, float))}})
    return {"runs": pd.DataFrame(rows)}


CASES = {
    **{p.stem: (lambda stem=p.stem: _library(stem)) for p in sorted(SCENARIOS.glob("*.toml"))},
    "reference_crisis": _reference_crisis,
    "validation": _validation,
}


def run_case(name: str) -> dict[str, pd.DataFrame]:
    """Recompute the tables of one golden case."""
    return CASES[name]()
