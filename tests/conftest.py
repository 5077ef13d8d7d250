"""Shared fixtures of the test suite (kept small on purpose)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def edge_file(tmp_path):
    """Write a tiny edge list (``u v`` per line, u → v: v follows u) and return its path.

    Node ids 0..n-1 must all appear in some edge (an edge list cannot express
    isolated nodes); they keep their ids when loaded.
    """

    def write(edges, name="graph.txt"):
        path = tmp_path / name
        path.write_text("".join(f"{u} {v}\n" for u, v in edges))
        return str(path)

    return write


@pytest.fixture
def summaries():
    """``summaries(config, seeds, keys, engine="fast")`` -> dict of float arrays, one
    entry per seed, of the given ``Result.summary`` keys."""
    import sim

    def run(config, seeds, keys, engine="fast"):
        out = {k: [] for k in keys}
        for s in seeds:
            summ = sim.simulate(config, seed=int(s), engine=engine).summary
            for k in keys:
                out[k].append(summ[k])
        return {k: np.asarray(v, dtype=float) for k, v in out.items()}

    return run


def pytest_sessionfinish(session, exitstatus):
    """No test (or doctest import) may leave this process ignoring Ctrl-C: every
    subprocess a later test starts would inherit it, and the Ctrl-C tests would fail
    far from the cause (``sim.run.forkserver_guard`` did this when imported)."""
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        raise RuntimeError("a test left SIGINT ignored in the test process")
