"""The fast engine's synchronous path (sim.engine.synchronous) against its general
kernel: same scenario and seed => the same numbers, draw for draw, on every
counter and every account's state; and the conditions under which it is taken."""

from __future__ import annotations

import numpy as np
import pytest

from sim.api import build_model
from sim.engine import synchronous as S
from sim.engine.fast import FastEngine

COUNTERS = ("new_shares", "new_aware", "new_target", "new_kol_shares", "reads", "exposures", "totals")


def _ic(n=3000, p=0.25, seeds=3, step_minutes=60, graph="scale_free", **extra):
    g = {"kind": graph, "n": n, "mean_degree": 8}
    cfg = {
        "graph": g,
        "dynamics": {"preset": "independent_cascade", "p": p, "seeds": seeds},
        "run": {"step_minutes": step_minutes, "horizon_h": 48},
    }
    cfg.update(extra)
    return cfg


def _run(cfg, seed, synchronous, before_run=None):
    old = FastEngine.synchronous_allowed
    FastEngine.synchronous_allowed = synchronous
    try:
        model = build_model(cfg, seed=seed)
    finally:
        FastEngine.synchronous_allowed = old
    assert model.engine.synchronous == synchronous
    if before_run is not None:
        before_run(model)
    model.run()
    return model.engine


def _assert_same(a, b):
    for name in COUNTERS:
        np.testing.assert_array_equal(getattr(a.counters, name), getattr(b.counters, name), err_msg=name)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.exposures, b.exposures)


@pytest.mark.parametrize(
    "cfg",
    [
        _ic(),
        _ic(p=0.6, seeds=1, graph="erdos_renyi"),  # most followers read a post several times in a step
        _ic(p=0.12, seeds=20, step_minutes=15),
        _ic(p=1.0, seeds=2, n=800),
    ],
    ids=["scale_free", "erdos_renyi_dense_reading", "15min_steps", "p=1"],
)
def test_synchronous_path_is_the_general_kernel(cfg):
    """Every counter per step and message, every status and exposure count are
    identical on the two paths, over several seeds (large cascades included)."""
    sizes = []
    for seed in range(4):
        fast = _run(cfg, seed, True)
        slow = _run(cfg, seed, False)
        _assert_same(fast, slow)
        sizes.append(int(fast.counters.new_shares.sum()))
    assert max(sizes) > 50, sizes  # the comparison saw real cascades


def test_synchronous_path_with_per_account_hazard():
    """A modifier set on some accounts before the run takes the per-reading
    hazard branch; still identical to the general kernel."""
    cfg = _ic(p=0.3)

    def boost(model):
        rng = np.random.default_rng(1)
        model.engine.scale_modifier(0, rng.choice(model.engine.n_accounts, 500, replace=False), 2.5)

    for seed in range(3):
        _assert_same(_run(cfg, seed, True, boost), _run(cfg, seed, False, boost))


def test_synchronous_path_is_taken_only_where_it_applies():
    ic = build_model(_ic(), seed=0).engine
    assert ic.synchronous
    # steps of 10 minutes do not add up exactly in binary: the general kernel runs
    assert not build_model(_ic(step_minutes=10), seed=0).engine.synchronous
    # the default rule (reading delays, brand, ...) never takes it
    default = build_model({"graph": {"kind": "scale_free", "n": 2000, "mean_degree": 8}}, seed=0).engine
    assert not default.synchronous
    assert not S.applies(default.inputs)


def test_message_change_during_a_run_is_refused():
    """Agents change a run only through the engine's methods (sim.engine.base.Engine);
    one that the synchronous path cannot honour (a reply) is refused with a clear
    error rather than giving a different answer; one it can (visibility) is taken."""
    model = build_model(_ic(), seed=0)
    model.step()
    with pytest.raises(RuntimeError, match="synchronous path"):
        model.engine.attach_reply(0, 0, 0.5, 1)
    model.engine.set_visibility(0, 0.0)
    model.step()


@pytest.mark.parametrize("n", [0, 1, 7, 64, 65, 1000, 50_000])
def test_argsort_accounts_is_a_stable_argsort(n):
    rng = np.random.default_rng(n)
    acc = rng.integers(0, 3000 if n > 100 else 10, n).astype(np.int32)  # many ties
    got = S.argsort_accounts(acc, n, 12)
    np.testing.assert_array_equal(got, np.argsort(acc, kind="stable"))
