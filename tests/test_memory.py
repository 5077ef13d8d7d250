"""A finished model must be garbage-collectable: replicates in a loop (tests, sweeps,
the library) otherwise accumulate every model ever built (Mesa 3.3's ``Agent._ids``
keeps them alive; see sim/model/mesa_compat.py)."""

from __future__ import annotations

import gc
import weakref

import pytest

from sim.api import build_model

CFG = {
    "graph": {"kind": "scale_free", "n": 500, "mean_degree": 5},
    "crisis": {"start_h": 6},
    "run": {"horizon_h": 24},
}


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_finished_model_is_collected(engine):
    model = build_model(CFG, seed=1, engine=engine)
    model.run()
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None, "a finished BuzzModel is still referenced somewhere"
