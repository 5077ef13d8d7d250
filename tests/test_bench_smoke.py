"""Smoke test of the benchmark suite on tiny sizes (no timing assertions)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks import peers
from benchmarks.harness import COLUMNS, PeakRSS, Recorder
from benchmarks.suite import run_suite, tiny_plan

REQUIRED = ["benchmark", "implementation", "size", "metric", "median", "min", "max", "repetitions"]


def _rows(run_dir: Path) -> list[dict[str, str]]:
    with (run_dir / "measurements.csv").open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def no_peers_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run with every peer tool made unimportable."""
    mp = pytest.MonkeyPatch()
    for mod in ("cynetdiff", "cynetdiff.models", "ndlib", "ndlib.models", "ndlib.models.epidemics", "EoN"):
        mp.setitem(sys.modules, mod, None)  # import raises ImportError
    try:
        run = run_suite(tiny_plan(), out=tmp_path_factory.mktemp("bench"))
    finally:
        mp.undo()
    return run


def test_measurements_csv_has_the_columns(no_peers_run: Path) -> None:
    rows = _rows(no_peers_run)
    assert rows
    header = list(rows[0].keys())
    assert header[: len(REQUIRED)] == REQUIRED
    assert tuple(header) == COLUMNS
    benches = {r["benchmark"].split("/")[0] for r in rows}
    assert {"scaling", "engines", "peers", "machine", "platforms"} <= benches
    measured = [r for r in rows if r["metric"] not in ("skipped", "failed")]
    assert all(int(r["repetitions"]) >= 1 for r in measured)
    # set-up and run are separate rows
    metrics = {(r["benchmark"], r["metric"]) for r in rows}
    assert ("scaling/viral", "build_s") in metrics and ("scaling/viral", "run_s") in metrics
    # the viral crisis reports its take-off share; the graph is timed alone too
    assert ("scaling/viral", "took_off_share") in metrics
    assert ("scaling/graph", "build_s") in metrics
    assert ("scaling/ic", "peak_rss_mb") in metrics
    # the platforms section: every configuration of benchmarks.platform_overhead, and the ratio to off
    assert ("platforms", "cpu_ratio_vs_off") in metrics
    assert {r["implementation"] for r in rows if r["benchmark"] == "platforms"} >= {"off", "feed", "trending", "on"}


def test_report_and_figures_are_written(no_peers_run: Path) -> None:
    report = (no_peers_run / "report.md").read_text()
    assert "## Targets" in report and "## a. Scaling" in report and "## d. Machine limits" in report
    assert (no_peers_run / "run.json").exists()
    assert (no_peers_run / "scaling.png").stat().st_size > 0


def test_missing_peers_are_reported_as_skipped(no_peers_run: Path) -> None:
    rows = _rows(no_peers_run)
    skipped = {r["implementation"] for r in rows if r["metric"] == "skipped"}
    assert skipped == {"cynetdiff", "ndlib", "EoN"}
    report = (no_peers_run / "report.md").read_text()
    assert "Skipped:" in report and "cynetdiff" in report
    # the targets against peers are "not measured", never met or missed
    assert "not measured" in report


def test_available_reports_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "EoN", None)
    ok, why = peers.available("EoN")
    assert not ok and why


@pytest.mark.skipif(not peers.available("cynetdiff")[0], reason="cynetdiff not installed")
def test_with_cynetdiff(tmp_path: Path) -> None:
    """With a peer installed its cascades are measured and compared with the engine."""
    run = run_suite(tiny_plan(), out=tmp_path, sections=("peers",))
    rows = _rows(run)
    cyn = {r["metric"] for r in rows if r["implementation"] == "cynetdiff"}
    assert {"convert_s", "cascade_s", "final_size", "agreement_z"} <= cyn


def test_peak_rss_probe() -> None:
    with PeakRSS() as mem:
        block = bytearray(64 * 2**20)
        block[:: 4096] = b"x" * len(block[:: 4096])
    assert mem.peak_mb >= mem.start_mb
    rec = Recorder()
    rec.add("b", "i", 1, "m", [3.0, 1.0, 2.0])
    r = rec.get("b", "i", 1, "m")
    assert (r.median, r.min, r.max, r.repetitions) == (2.0, 1.0, 3.0, 3)


def test_run_bench_entry_point_validates_sizes() -> None:
    from sim.bench import run_bench

    with pytest.raises(ValueError):
        run_bench(sizes=[10])


@pytest.mark.parametrize("quick", [False, True])
def test_run_bench_without_sizes_runs_the_standard_plan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                         quick: bool) -> None:
    """``buzzsim bench`` with no --sizes runs the full (or quick) plan and returns its folder
    (it returned None once, and the command failed after installing the peers)."""
    from benchmarks import suite
    from sim.bench import run_bench

    seen = []
    monkeypatch.setattr(suite, "run_suite", lambda plan, out=None: seen.append(plan.name) or tmp_path)
    assert run_bench(quick=quick) == tmp_path
    assert seen == ["quick" if quick else "full"]
