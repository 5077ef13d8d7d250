"""Extreme and hostile input: finite ranges for every number, the whole-model memory
estimate, bounded file sniffing, non-regular files, GraphML entities, relative graph
paths (issue #14, items 5-7 and the smaller ones)."""

from __future__ import annotations

import pytest

from sim.errors import BuzzsimError, GraphError, ScenarioError
from sim.graph.io import load_graphml, sniff_edgelist
from sim.graph.memory import estimate_model_bytes
from sim.model.footprint import check_model_memory
from sim.scenario.load import load_scenario


@pytest.mark.parametrize(
    "section,key,value",
    [
        ("dynamics", "attention", float("inf")),
        ("dynamics", "attention", float("nan")),
        ("crisis", "start_h", float("inf")),
        ("dynamics", "feed_window_h", 1e300),
        ("analysis", "smoothing_h", 1e300),
        ("crisis", "approval_delay_h", float("inf")),
        ("brand", "fans", 10**11),
    ],
)
def test_unbounded_numbers_are_refused_naming_the_key(section, key, value):
    cfg = {section: {key: value}}
    if section == "crisis":
        cfg["crisis"]["strategy"] = "apologize"
    with pytest.raises(ScenarioError, match=rf"{section}\.{key}"):
        load_scenario(cfg)


@pytest.mark.parametrize("key,value", [("start_h", float("inf")), ("external_rate_per_h", 1e9)])
def test_unbounded_message_numbers_are_refused(key, value):
    with pytest.raises(ScenarioError, match=key):
        load_scenario({"messages": [{key: value}]})


def test_empty_name_and_huge_description_refused():
    with pytest.raises(ScenarioError, match="name"):
        load_scenario({"name": ""})
    with pytest.raises(ScenarioError, match="description"):
        load_scenario({"description": "x" * 200_000})


def test_whole_model_memory_estimate_refuses_huge_sparse_graph():
    """n = 2e8 with mean degree 0.01 passed the graph-only check and died after 80 s."""
    sc = load_scenario({"graph": {"n": 200_000_000, "mean_degree": 0.01}})
    with pytest.raises(GraphError, match="needs about"):
        check_model_memory(sc, available=16 * 1024**3)
    assert check_model_memory(load_scenario({}), available=16 * 1024**3) > 0


def test_external_rate_counts_in_the_estimate():
    sc = load_scenario({"messages": [{"external_rate_per_h": 100_000.0}], "run": {"horizon_h": 8760}})
    with pytest.raises(GraphError):
        check_model_memory(sc, available=16 * 1024**3)
    assert estimate_model_bytes(10, 10, 1, 10, 1e6) > estimate_model_bytes(10, 10, 1, 10, 0)


def test_device_files_are_refused():
    with pytest.raises(GraphError, match="not a regular file"):
        sniff_edgelist("/dev/zero")
    with pytest.raises(BuzzsimError, match="not a regular file"):
        import sim

        sim.simulate({"graph": {"kind": "file", "path": "/dev/zero"}, "run": {"horizon_h": 2}})


def test_sniff_is_bounded(tmp_path):
    """A file of 5 MB without a line end: refused after reading 1 MB, not loaded whole."""
    p = tmp_path / "long.txt"
    p.write_bytes(b"1" * (5 << 20))
    with pytest.raises(GraphError, match="no line end"):
        sniff_edgelist(p)


def test_graphml_entities_refused(tmp_path):
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(6))
    doc = (
        f'<?xml version="1.0"?><!DOCTYPE graphml [{lol}]>'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="directed">'
        '<node id="&l5;"/><node id="b"/><edge source="b" target="b"/></graph></graphml>'
    )
    p = tmp_path / "bomb.graphml"
    p.write_text(doc)
    with pytest.raises(GraphError, match="entit"):
        load_graphml(p)


def test_relative_graph_path_resolves_from_the_scenario_folder(tmp_path, monkeypatch):
    d = tmp_path / "proj"
    d.mkdir()
    (d / "edges.txt").write_text("0 1\n1 2\n2 0\n")
    (d / "sc.toml").write_text('[graph]\nkind = "file"\npath = "edges.txt"\n')
    monkeypatch.chdir(tmp_path)
    sc = load_scenario(d / "sc.toml")
    assert sc.graph.path == str((d / "edges.txt").resolve())


def test_silent_clamps_and_ignored_keys_are_refused(tmp_path):
    import sim

    base = {"graph": {"n": 300, "mean_degree": 4}, "run": {"horizon_h": 4}}
    with pytest.raises(ScenarioError, match="brand.fans"):
        sim.simulate({**base, "brand": {"fans": 10**6}})
    with pytest.raises(ScenarioError, match="origins asked"):
        sim.simulate({**base, "messages": [{"n_origins": 10**6}]})
    with pytest.raises(ScenarioError, match="graph.n"):
        load_scenario({"graph": {"kind": "file", "path": "x.txt", "n": 50}})
    with pytest.raises(ScenarioError, match="never happen"):
        load_scenario({"crisis": {"start_h": 500}, "run": {"horizon_h": 100}})
    with pytest.raises(ScenarioError, match="never start"):
        load_scenario({"messages": [{"start_h": 500}], "run": {"horizon_h": 100}})


def test_negative_seed_is_a_package_error():
    import sim

    with pytest.raises(BuzzsimError):
        sim.simulate({"graph": {"n": 100, "mean_degree": 4}, "run": {"horizon_h": 2}}, seed=-1)


def test_run_names_the_base_as_the_scenario_does():
    from sim.scenario.variants import select_variants

    sc = load_scenario({"crisis": {"strategy": "silence"},
                        "variants": [{"name": "silence"}, {"name": "deny", "crisis.strategy": "deny"}]})
    assert [v.name for v in select_variants(sc, False)] == ["silence"]
    plain = load_scenario({"variants": [{"name": "deny", "crisis.strategy": "deny"}]})
    assert [v.name for v in select_variants(plain, False)] == ["baseline"]


def test_finished_sweep_leaves_no_lock(tmp_path):
    import tomllib

    from sweep_cases import TINY_TOML

    from sim.sweep import run_sweep

    res = run_sweep(tomllib.loads(TINY_TOML), ["crisis.approval_delay_h=1,4"], replicates=1, workers=1,
                    out=tmp_path / "sw", progress=False, figures=False)
    assert (tmp_path / "sw" / "sweep.json").is_file()
    assert not (tmp_path / "sw" / ".lock").exists()
    assert res.points_run == 2


def test_scenario_text_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    code = f"__import__('os').system('touch {marker}')"
    p = tmp_path / "evil.toml"
    p.write_text(f'name = "{code}"\ndescription = "{code}"\n[[messages]]\nname = "{code}"\n')
    sc = load_scenario(p)
    assert sc.name == code and not marker.exists()
