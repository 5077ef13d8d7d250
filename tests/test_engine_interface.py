"""The Engine interface (issue 13, item 2): both engines implement every method of
sim.engine.base.Engine; the agents change a run only through it; BuzzModel takes a
prebuilt graph; KOL selection runs on the engine the run uses."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from sim.api import build_model
from sim.engine.base import Engine
from sim.engine.fast import FastEngine
from sim.engine.reference import ReferenceEngine
from sim.graph import scale_free
from sim.model.outputs import collect_result

ABSTRACT = sorted(Engine.__abstractmethods__)


def test_interface_lists_what_the_issue_names():
    for name in ("inject", "step", "idle", "trees", "start_message", "set_visibility", "attach_reply"):
        assert name in ABSTRACT
    assert "counters" in Engine.__annotations__


@pytest.mark.parametrize("cls", [FastEngine, ReferenceEngine])
def test_engines_implement_every_method_themselves(cls):
    assert not getattr(cls, "__abstractmethods__", set())
    for name in ABSTRACT:
        assert name in cls.__dict__, f"{cls.__name__} inherits {name} without implementing it"
        # same parameters as the interface
        want = list(inspect.signature(getattr(Engine, name)).parameters)
        assert list(inspect.signature(getattr(cls, name)).parameters) == want, name


def test_a_partial_engine_cannot_be_built():
    class Half(Engine):
        def step(self, t):
            pass

    with pytest.raises(TypeError):
        Half()


CRISIS = {
    "graph": {"kind": "scale_free", "n": 600, "mean_degree": 8},
    "crisis": {"strategy": "apologize", "origin": "kol", "approval_delay_h": 2},
    "run": {"horizon_h": 96},
}


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_idle_and_reply_through_the_engine(engine):
    """A crisis with an apology attaches the reply through the engine; after the run
    the engine reports idle exactly when nothing is queued."""
    m = build_model(CRISIS, seed=3, engine=engine)
    m.run()
    msgs = m.messages
    i_c, i_r = msgs.index("complaint"), msgs.index("response")
    assert msgs.reply_of[i_c] == i_r and msgs.reply_src[i_c] == m.population.brand_node
    assert isinstance(m.engine.idle(), bool)


def test_prebuilt_graph_gives_the_built_graphs_run():
    """BuzzModel(graph=g) with g the graph the scenario would build: identical run."""
    from sim import rng as rng_mod
    from sim.graph import build_graph
    from sim.scenario.load import load_scenario

    sc = load_scenario(CRISIS)
    g = build_graph(sc.graph, rng_mod.generator(5, "graph"))
    a = collect_result(build_model(CRISIS, seed=5).run())
    b = collect_result(build_model(CRISIS, seed=5, graph=g).run())
    assert a.series.equals(b.series) and a.cascades.equals(b.cascades)
    other = scale_free(600, 8, rng=np.random.default_rng(1))
    c = build_model(CRISIS, seed=5, graph=other)
    # the given graph's accounts, plus the brand account and its fans' edges
    assert c.population.n_people == other.n and c.population.graph.n_edges > other.n_edges


def test_kol_selection_uses_the_runs_engine(monkeypatch):
    from sim.model import kol_selection

    made = []
    for engine in ("fast", "reference"):
        m = build_model({"graph": {"kind": "scale_free", "n": 300, "mean_degree": 6},
                         "population": {"n_kols": 3}, "run": {"horizon_h": 24}}, seed=1, engine=engine)
        orig = m.new_engine
        monkeypatch.setattr(
            m, "new_engine", lambda inputs, host=None, orig=orig: made.append(orig(inputs, host)) or made[-1]
        )
        out = kol_selection.reach_samples(m, 0, [int(k) for k in m.population.kol_nodes], samples=2, horizon_h=12)
        assert len(out) == 2 and len(out[0]) == 3
        assert made and all(e.name == engine for e in made)
        made.clear()


def test_rule_parameters_are_declared_once():
    """Every scalar RuleParams field reaches the kernels' Rule bundle by name, and the
    fields declared with a [dynamics] key are read from the scenario."""
    from dataclasses import fields

    from sim.engine import rule as R
    from sim.engine.base import RuleParams

    m = build_model({"graph": {"kind": "scale_free", "n": 200, "mean_degree": 5},
                     "dynamics": {"mood_strength": 0.7, "reinforcement": 0.5}}, seed=1)
    rp = m.inputs.rules
    b = R.rule_bundle(rp)
    names = [f.name for f in fields(RuleParams) if f.name != "cred_role"]
    assert list(b._fields) == names
    for n in names:
        assert getattr(b, n) == getattr(rp, n)
    assert b.mood_strength == 0.7 and b.reinforcement == 0.5
    d = m.effective.dynamics
    for f in fields(RuleParams):
        if "dynamics" in f.metadata:
            assert getattr(rp, f.name) == float(getattr(d, f.metadata["dynamics"]))
    # credibility by role: one home, indexed by the population's role codes
    from sim.model.population import BRAND, KOL, MEDIA

    assert rp.cred_role[KOL] == d.credibility_kol and rp.cred_role[BRAND] == d.credibility_brand
    assert rp.cred_role[MEDIA] == d.credibility_media
