"""Scenario loading: presets, variants, library look-up and the ``show`` round trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario.load import (
    find_scenario,
    library_scenarios,
    load_scenario,
    scenario_raw,
    scenario_to_toml,
    to_toml,
)
from sim.scenario.schema import TOPIC_PRESETS, Scenario
from sim.scenario.variants import (
    BASELINE,
    apply_overrides,
    diff_scenarios,
    resolve_variants,
    with_overrides,
)

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "scn.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --- basics -------------------------------------------------------------------


def test_defaults_and_name_from_file_stem(tmp_path):
    p = write(tmp_path, "[graph]\nn = 500\n", "my_scenario.toml")
    scn = load_scenario(p)
    assert scn.name == "my_scenario"
    assert scn.graph.n == 500
    assert scn.graph.mean_degree == Scenario().graph.mean_degree
    assert scn.crisis is None
    assert len(scn.messages) == 1
    # an explicit name wins over the stem
    p2 = write(tmp_path, 'name = "other"\n', "x.toml")
    assert load_scenario(p2).name == "other"


def test_dict_and_scenario_inputs_agree(tmp_path):
    d = {"graph": {"n": 700}, "messages": [{"topic": "hot_topic"}]}
    a = load_scenario(d)
    b = load_scenario(a)
    assert a == b
    assert a.messages[0].virality == TOPIC_PRESETS["hot_topic"]["virality"]


def test_library_lookup_by_name():
    lib = library_scenarios()
    assert "topic_lifecycle" in lib
    assert find_scenario("topic_lifecycle") == lib["topic_lifecycle"]
    assert find_scenario("topic_lifecycle.toml") == lib["topic_lifecycle"]
    with pytest.raises(ScenarioError, match="did you mean topic_lifecycle"):
        find_scenario("topic_lifecyle")


# --- topic presets ------------------------------------------------------------


@pytest.mark.parametrize("topic", sorted(TOPIC_PRESETS))
def test_presets_fill_unspecified_keys(topic):
    scn = load_scenario({"messages": [{"topic": topic}]})
    for key, value in TOPIC_PRESETS[topic].items():
        assert getattr(scn.messages[0], key) == value
    # preset values are not "explicitly set": the scenario as written is just the topic
    assert scenario_raw(scn) == {"messages": [{"topic": topic}]}


def test_explicit_keys_win_over_presets():
    scn = load_scenario({"messages": [{"topic": "large_event", "virality": 0.123}]})
    m = scn.messages[0]
    assert m.virality == 0.123
    assert m.half_life_h == TOPIC_PRESETS["large_event"]["half_life_h"]


# --- variants -------------------------------------------------------------------

TOML_VARIANTS = """
[[messages]]
name = "buzz"
topic = "hot_topic"

[[variants]]
name = "quoted"
"crisis.approval_delay_h" = 8
"messages.0.appeal" = 2.0

[[variants]]
name = "nested"
crisis.approval_delay_h = 8
messages.0.appeal = 2.0

[[variants]]
name = "by message name"
description = "address the message by its name"
messages.buzz.appeal = 2.0
"crisis.approval_delay_h" = 8
"""


def test_both_override_spellings_give_the_same_scenario(tmp_path):
    scn = load_scenario(write(tmp_path, TOML_VARIANTS))
    vs = {v.name: v for v in resolve_variants(scn)}
    assert list(vs) == [BASELINE, "quoted", "nested", "by message name"]
    a, b, c = vs["quoted"].scenario, vs["nested"].scenario, vs["by message name"].scenario
    assert a == b == c
    assert a.crisis is not None and a.crisis.approval_delay_h == 8  # section added
    assert a.messages[0].appeal == 2.0
    assert vs[BASELINE].scenario.crisis is None
    assert vs["by message name"].description == "address the message by its name"
    # normalised to flat dotted keys
    assert scn.variants[1] == {
        "name": "nested",
        "description": "",
        "crisis.approval_delay_h": 8,
        "messages.0.appeal": 2.0,
    }


def test_topic_override_reapplies_the_preset():
    scn = load_scenario(
        {
            "messages": [{"topic": "hot_topic", "appeal": 1.5}],
            "variants": [{"name": "big", "messages.0.topic": "extra_large_event"}],
        }
    )
    base, big = (v.scenario for v in resolve_variants(scn))
    for key, value in TOPIC_PRESETS["extra_large_event"].items():
        assert getattr(big.messages[0], key) == value
    assert big.messages[0].appeal == 1.5  # explicit keys survive
    assert base.messages[0].virality == TOPIC_PRESETS["hot_topic"]["virality"]


def test_explicit_key_survives_topic_switch():
    scn = load_scenario(
        {
            "messages": [{"topic": "hot_topic", "virality": 0.33}],
            "variants": [{"name": "le", "messages.0.topic": "large_event"}],
        }
    )
    le = resolve_variants(scn)[1].scenario.messages[0]
    assert le.virality == 0.33
    assert le.half_life_h == TOPIC_PRESETS["large_event"]["half_life_h"]


def test_baseline_rules():
    base = {"graph": {"n": 400}}
    # 3. no baseline declared: the base scenario is added first as "baseline"
    s = load_scenario({**base, "variants": [{"name": "a", "graph.n": 500}]})
    assert [v.name for v in resolve_variants(s)] == ["baseline", "a"]
    # 2. the first variant without overrides is the baseline, under its own name
    s = load_scenario(
        {**base, "variants": [{"name": "a", "graph.n": 500}, {"name": "plain"}, {"name": "b"}]}
    )
    names = [v.name for v in resolve_variants(s)]
    assert names == ["plain", "a", "b"]
    # 1. a variant named "baseline" wins, even with overrides, and is moved first
    s = load_scenario({**base, "variants": [{"name": "x"}, {"name": "baseline", "graph.n": 600}]})
    vs = resolve_variants(s)
    assert [v.name for v in vs] == ["baseline", "x"]
    assert vs[0].scenario.graph.n == 600


def test_unnamed_variants_get_numbered_names():
    s = load_scenario({"variants": [{"graph.n": 500}, {"graph.n": 600}]})
    assert [v["name"] for v in s.variants] == ["variant1", "variant2"]


def test_with_overrides_and_apply_overrides():
    scn = load_scenario({"messages": [{"topic": "hot_topic"}]})
    new = with_overrides(scn, {"run.seed": 9, "messages.0.topic": "large_event"})
    assert new.run.seed == 9
    assert new.messages[0].virality == TOPIC_PRESETS["large_event"]["virality"]
    raw = apply_overrides({}, {"population.kol_ids": [1, 2], "messages.0.name": "m"})
    assert raw == {"population": {"kol_ids": [1, 2]}, "messages": [{"name": "m"}]}


# --- show round trip ----------------------------------------------------------


def _assert_round_trip(scn: Scenario) -> None:
    text = scenario_to_toml(scn, header="test")
    back = load_scenario(tomllib.loads(text))
    assert back.model_dump(exclude={"variants"}) == scn.model_dump(exclude={"variants"})
    ours = resolve_variants(scn)
    theirs = resolve_variants(back)
    assert [v.name for v in ours] == [v.name for v in theirs]
    for a, b in zip(ours, theirs):
        assert a.scenario.model_dump(exclude={"variants"}) == b.scenario.model_dump(
            exclude={"variants"}
        ), a.name
        assert diff_scenarios(a.scenario, b.scenario) == {}


@pytest.mark.parametrize("name", sorted(library_scenarios()))
def test_show_round_trip_library(name):
    _assert_round_trip(load_scenario(name))


def test_show_round_trip_complex(tmp_path):
    scn = load_scenario(write(tmp_path, TOML_VARIANTS))
    _assert_round_trip(scn)
    scn = load_scenario(
        {
            "description": 'quotes " and unicode ✓',
            "graph": {"kind": "file", "path": "edges.txt", "k_max": 50},
            "population": {"kol_ids": [3, 4, 5]},
            "messages": [{"name": "a", "topic": "hot_topic"}, {"name": "b", "origin": 7}],
            "crisis": {},
            "variants": [
                {"name": "no kols", "population.kol_ids": []},
                {"name": "two", "messages.b.topic": "large_event", "crisis.strategy": "deny"},
            ],
        }
    )
    _assert_round_trip(scn)


def test_to_toml_writes_valid_toml():
    data = {"a": 1, "b": [1.5, float("inf")], "t": {"x": "y\n", "q.k": True}, "arr": [{"n": 1}]}
    back = tomllib.loads(to_toml(data))
    assert back["t"] == {"x": "y\n", "q.k": True}
    assert back["arr"] == [{"n": 1}]
    assert back["b"][1] == float("inf")


def test_resolved_toml_of_a_small_graph_runs_again(tmp_path):
    """`show`'s output (every parameter written out) runs again: the default brand.fans
    (500, cut to a smaller graph) is not written as an explicit value, which would be
    refused on a 300-account graph."""
    import sim
    from sim.scenario.load import load_scenario, scenario_to_toml

    cfg = {"graph": {"kind": "erdos_renyi", "n": 300, "mean_degree": 4},
           "crisis": {"start_h": 2}, "run": {"horizon_h": 12}}
    text = scenario_to_toml(load_scenario(cfg))
    path = tmp_path / "resolved.toml"
    path.write_text(text)
    a = sim.simulate(cfg, seed=3).summary
    b = sim.simulate(path, seed=3).summary
    assert a["negative_reach"] == b["negative_reach"] and a["reach"] == b["reach"]
