"""The workbench without a browser: settings, comparison, saved scenario, cancel, outlook.

Tiny graphs and few replicates; exact where the code is deterministic.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pytest

from sim.analysis.stats import percent_readable
from sim.app.settings import (
    comparison_scenario,
    controls_for,
    current_values,
    delay_curve_settings,
    load_choice,
    load_upload,
    setting_name,
    setting_scenario,
    settings_toml,
)
from sim.app.work import run_settings
from sim.cli import main
from sim.errors import BuzzsimError, ScenarioError
from sim.report.figures import tree_layout
from sim.report.outlook import crisis_outlook, negative_series, wilson_interval
from sim.run.replicates import RunCancelled, run_variants

TINY = {"graph.n": 400, "run.replicates": 3}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    # the flagship scenario on a short horizon (the controls do not include the horizon)
    text = load_choice("crisis_response")
    assert text.base.crisis is not None
    path = tmp_path_factory.mktemp("scn") / "crisis.toml"
    from sim.scenario.load import scenario_raw, to_toml

    raw = scenario_raw(text.base)
    raw["run"]["horizon_h"] = 60
    path.write_text(to_toml(raw))
    return load_choice(path)


def test_controls_of_the_flagship(loaded):
    keys = [c.key for c in controls_for(loaded)]
    assert keys[:5] == ["crisis.strategy", "crisis.approval_delay_h", "crisis.monitoring",
                        "crisis.origin", "crisis.justified"]  # fmt: skip
    assert {"graph.n", "run.replicates"} <= set(keys)
    strategy = controls_for(loaded)[0]
    assert strategy.kind == "choice" and "apologize" in strategy.choices and "deny" in strategy.choices
    values = current_values(loaded)
    assert values["crisis.strategy"] == "silence" and values["graph.n"] == 10_000


def test_tactics_of_a_campaign_scenario():
    # a library scenario that sets brand keys offers them as controls
    from sim.scenario.load import library_scenarios, load_scenario, scenario_raw

    for name, path in library_scenarios().items():
        if scenario_raw(load_scenario(path)).get("brand"):
            keys = [c.key for c in controls_for(load_choice(name))]
            assert any(k.startswith("brand.") for k in keys), name
            break
    else:  # pragma: no cover - the library always has a campaign scenario
        pytest.skip("no library scenario sets brand keys")


def test_keys_the_variants_explore_become_controls():
    keys = [c.key for c in controls_for(load_choice("fake_followers"))]
    assert "brand.bots" in keys  # set only by the scenario's variants
    kinds = {c.key: c.kind for c in controls_for(load_choice("targeted_giveaway"))}
    assert kinds["brand.giveaway"] == "choice"


def test_one_line_errors_of_uploads_and_settings(loaded):
    with pytest.raises(ScenarioError) as e:
        load_upload("x.toml", b"[graph\nn = 3")
    assert "x.toml" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(BuzzsimError) as e:
        load_upload("y.toml", b"[graph]\nnn = 3\n")
    assert "graph" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(BuzzsimError) as e:
        load_choice("no_such_scenario_here")
    assert "\n" not in str(e.value)
    with pytest.raises(BuzzsimError) as e:
        setting_scenario(loaded, {**current_values(loaded), "crisis.approval_delay_h": -1.0})
    assert "approval_delay_h" in str(e.value)


def test_names_and_delay_curve():
    s = {"crisis.strategy": "apologize", "crisis.approval_delay_h": 2.0, "crisis.origin": "kol"}
    assert setting_name(s) == "apologize 2h, from kol"
    assert setting_name(s, ["apologize 2h, from kol"]) == "apologize 2h, from kol #2"
    assert setting_name({"crisis.strategy": "silence", "crisis.approval_delay_h": 9}) == "silence"
    curve = delay_curve_settings({"crisis.strategy": "deny", "crisis.approval_delay_h": 4.0}, ["deny 4h"])
    assert [n for n, _ in curve] == ["deny 1h", "deny 8h", "deny 24h", "deny 72h"]
    assert delay_curve_settings({"crisis.strategy": "silence"}) == []


def test_settings_differing_in_replicates_are_refused(loaded):
    a = {**current_values(loaded), **TINY}
    b = {**a, "run.replicates": 4}
    with pytest.raises(ScenarioError, match="replicates"):
        comparison_scenario(loaded, [("a", a), ("b", b)])


def test_saved_scenario_reproduces_the_page_exactly(loaded, tmp_path):
    cur = {**current_values(loaded), **TINY, "crisis.strategy": "apologize", "crisis.approval_delay_h": 2.0}
    kept = {**cur, "crisis.approval_delay_h": 12.0}
    out = run_settings(loaded, [("apologize 12h", kept), ("apologize 2h", cur)], draw=False)
    page = out.runset.runs
    path = tmp_path / "saved.toml"
    path.write_text(settings_toml(loaded, cur, [("apologize 12h", kept)]))
    folder = tmp_path / "run"
    assert main(["run", str(path), "--out", str(folder), "--quiet", "--no-figures", "-j", "1"]) == 0
    cli = pd.read_parquet(folder / "runs.parquet")
    mine = page[page["variant"] == "apologize 2h"].reset_index(drop=True)
    for col in ("seed", "negative_reach", "negative_shares", "customers_lost", "reach", "shares", "cost"):
        assert cli[col].tolist() == mine[col].tolist(), col
    # and `compare` on the saved file runs both settings, the current one as baseline
    folder2 = tmp_path / "cmp"
    assert main(["compare", str(path), "--out", str(folder2), "--quiet", "--no-figures", "-j", "1"]) == 0
    both = pd.read_parquet(folder2 / "runs.parquet")
    assert sorted(both["variant"].unique()) == ["apologize 12h", "apologize 2h"]
    k12 = both[both["variant"] == "apologize 12h"]["negative_reach"].tolist()
    assert k12 == page[page["variant"] == "apologize 12h"]["negative_reach"].tolist()


def test_progress_and_cancel_serial(loaded):
    cur = {**current_values(loaded), **TINY}
    scn = comparison_scenario(loaded, [("a", cur)])
    seen = []
    run_variants(scn, workers=1, progress=False, on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    ev = threading.Event()

    def stop(done, total):
        if done == 1:
            ev.set()

    with pytest.raises(RunCancelled, match="1 of 3"):
        run_variants(scn, workers=1, progress=False, on_progress=stop, cancel=ev)


def test_cancel_stops_the_process_pool(loaded):
    cur = {**current_values(loaded), "graph.n": 400, "run.replicates": 40}
    scn = comparison_scenario(loaded, [("a", cur)])
    ev = threading.Event()

    def stop(done, total):
        if done >= 1:
            ev.set()

    with pytest.raises(RunCancelled):
        run_variants(scn, workers=2, progress=False, on_progress=stop, cancel=ev)


def test_wilson_interval():
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_crisis_outlook_exact():
    runs = pd.DataFrame({
        "variant": ["A"] * 4 + ["B"] * 4,
        "replicate": [0, 1, 2, 3] * 2,
        "negative_shares": [1, 50, 10, 9, 1, 20, 30, 2],
        "negative_reach": [1, 500, 100, 90, 1, 200, 300, 20],
        "customers_lost": [0, 10, 2, 1, 0, 4, 6, 0],
        "cost": [0.0] * 8,
    })  # fmt: skip
    out = crisis_outlook(runs).set_index("setting")
    assert out.loc["A", "p_spread"] == 0.5 and out.loc["B", "p_spread"] == 0.5
    assert out.loc["A", "reach_if_spread"] == 300.0 and out.loc["B", "reach_if_spread"] == 250.0
    assert out.loc["B", "negative_reach_diff"] == pytest.approx((0 - 300 + 200 - 70) / 4)
    assert "negative_reach_diff" not in out.columns or math.isnan(out.loc["A", "negative_reach_diff"])


def test_negative_series_sums_complaint_and_coverup():
    s = pd.DataFrame({
        "variant": "v", "replicate": 0, "hour": [0, 0, 0, 1, 1, 1],
        "message": ["complaint", "coverup", "campaign"] * 2, "new_shares": [1, 2, 40, 3, 0, 50],
    })  # fmt: skip
    neg = negative_series(s)
    assert neg["new_shares"].tolist() == [3, 3] and neg["hour"].tolist() == [0, 1]


def test_percent_only_where_it_reads():
    assert percent_readable("negative_reach", 1000.0, [1000.0, 700.0])
    assert not percent_readable("nsi_final", 0.5, [0.5, 0.6])  # an index: absolute
    assert not percent_readable("cost", 0.0, [0.0, 300.0])  # zero baseline
    assert not percent_readable("negative_reach", 3.0, [3.0, 900.0])  # near zero vs the others


def test_tree_layout_depth_first():
    # 0 -> 1 -> 3, 0 -> 2; a second root 4 (later)
    parent = np.array([-1, 0, 0, 1, -1])
    t = np.array([0.0, 1.0, 2.0, 3.0, 5.0])
    assert tree_layout(parent, t).tolist() == [0, 1, 3, 2, 4]


def test_the_model_never_imports_the_app():
    import subprocess
    import sys

    code = (
        "import sys, sim, sim.api, sim.run.replicates, sim.cli, sim.report.writer\n"
        "sim.simulate({'graph': {'kind': 'erdos_renyi', 'n': 50, 'mean_degree': 3}, 'run': {'horizon_h': 4}})\n"
        "bad = [m for m in sys.modules if m.startswith(('sim.app', 'solara'))]\n"
        "assert not bad, bad\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr


def test_app_command_rejects_a_bad_scenario_in_one_line(capsys):
    assert main(["app", "no_such_scenario_here", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("buzzsim: error: ") and "\n" not in err
