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



@pytest.fixture(autouse=True)
def _sigint_restored():
    """Give every test the default Ctrl-C handler back.

    Something run in-process can leave SIGINT ignored (a full suite run found it
    so at the end; importing ``sim.run.forkserver_guard`` does it, which is why the
    doctests skip that module); every subprocess a later test starts would inherit
    it, and the Ctrl-C tests would fail far from the cause.
    """
    import signal

    yield
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
