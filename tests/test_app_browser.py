"""The workbench in a real browser: `buzzsim app` driven through headless Chromium.

The test starts the app on a free port with a small crisis scenario, changes the
response strategy and the approval delay, keeps one setting and runs two side by
side, checks that the numbers on the page changed and equal those of
``sim.simulate`` for the same settings and seeds, saves the setting as a scenario
file and checks that ``buzzsim run`` on it gives the same numbers, cancels a long
run with a second click, and fails on any error in the browser console.
Screenshots go to ``results/test-artifacts/``.

It needs the ``app`` extra (Solara, Playwright for Python) and the
distribution's Chromium at ``/usr/bin/chromium`` (Playwright's own browser
download is not used); ``make test`` installs both when it runs as root on
Debian, and elsewhere the test is skipped with a one-line notice.
"""

from __future__ import annotations

import importlib.util
import math
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "results" / "test-artifacts"
HOW = (
    "browser test skipped: needs /usr/bin/chromium and the app extra "
    "(run `make test` as root on Debian, or `apt-get install chromium` and "
    "`pip install -e '.[app]'`)"
)

_missing = [m for m in ("solara", "playwright") if importlib.util.find_spec(m) is None]
if _missing or not os.path.exists(CHROMIUM):
    pytest.skip(HOW, allow_module_level=True)

from playwright.sync_api import sync_playwright

import sim
from sim.app.settings import load_choice, setting_scenario
from sim.report.outlook import negative_incidence
from sim.rng import replicate_seeds
from sim.run.warmup import warm_up

# A small crisis: the flagship scenario's crisis on a 1,500-account graph, 3 days.
SCENARIO = """
name = "browser_test_crisis"
description = "crisis_response, small: the browser test's scenario"

[graph]
kind = "scale_free"
n = 1500
mean_degree = 10

[[messages]]
name = "campaign"
origin = "brand"
virality = 0.6
valence = 1
relevance_weight = 1.0
sentiment_impact = 0.05

[crisis]
start_h = 24
origin = "customer"
justified = true
monitoring = "active"
approval_delay_h = 4
strategy = "silence"

[run]
horizon_h = 72
replicates = 6
seed = 2026
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # Compile the kernels first (a fresh clone has no numba cache, and the suite's
    # other workers compile at the same time: the page's first run took over 30 s in CI).
    warm_up()
    folder = tmp_path_factory.mktemp("app")
    scn = folder / "crisis_small.toml"
    scn.write_text(SCENARIO)
    port = _free_port()
    log = open(folder / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", str(scn), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=str(folder), start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    if proc.poll() is not None:
        log.close()
        pytest.fail("buzzsim app exited: " + (folder / "server.log").read_text()[-2000:])
    yield url, scn, folder
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def _select(page, cls: str, value: str) -> None:
    page.locator(f".{cls}").first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=value).filter(
        has=page.locator(f"text='{value}'")
    ).first.click()


def _fill(page, cls: str, value: str) -> None:
    box = page.locator(f".{cls} input").first
    box.fill(value)
    box.press("Enter")


def _table(page) -> pd.DataFrame:
    cells = page.locator("#bz-outlook td[data-key]")
    rows = [
        (cells.nth(i).get_attribute("data-setting"), cells.nth(i).get_attribute("data-key"),
         cells.nth(i).get_attribute("data-value"))
        for i in range(cells.count())
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["setting", "key", "value"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df.pivot(index="setting", columns="key", values="value")


_RUNS = [0]


def _run_and_wait(page, timeout_ms: int = 60_000) -> None:
    _RUNS[0] += 1
    page.locator(".bz-run").click()
    page.locator(".bz-serial", has_text=f"result of run {_RUNS[0]}").wait_for(timeout=timeout_ms)
    page.locator(".bz-run", has_text="Run").wait_for(timeout=timeout_ms)


def _expected(scn_path: Path, setting: dict) -> dict[str, float]:
    """The page's numbers computed directly with sim.simulate, replicate by replicate."""
    loaded = load_choice(scn_path)
    sc = setting_scenario(loaded, setting)
    seeds = replicate_seeds(sc.run.seed, sc.run.replicates)
    rows, series = [], []
    for i, s in enumerate(seeds):
        r = sim.simulate(sc, seed=s)
        rows.append(r.summary)
        series.append(r.series.assign(variant="x", replicate=i))
    runs = pd.DataFrame(rows)
    inc = negative_incidence(pd.concat(series, ignore_index=True))
    return {
        "negative_reach_mean": float(runs["negative_reach"].mean()),
        "negative_shares_mean": float(runs["negative_shares"].mean()),
        "customers_lost_mean": float(runs["customers_lost"].mean()),
        "peak_mean_per_h": float(inc["mean"].max()),
    }


def test_workbench_in_chromium(app):
    url, scn_path, folder = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    t0 = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2200})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(url)
        page.locator(".bz-run").wait_for(timeout=30_000)

        # 1. the scenario as loaded (silence)
        _run_and_wait(page)
        first = _table(page)
        page.screenshot(path=str(ARTIFACTS / "app-1-silence.png"), full_page=True)

        # 2. apologise after 12 h, keep it; apologise after 2 h; run both side by side
        _select(page, "bz-crisis-strategy", "apologize")
        _fill(page, "bz-crisis-approval-delay-h", "12")
        page.locator(".bz-keep").click()
        _fill(page, "bz-crisis-approval-delay-h", "2")
        _run_and_wait(page)
        both = _table(page)
        page.screenshot(path=str(ARTIFACTS / "app-2-compare.png"), full_page=True)
        assert set(both.index) == {"apologize 12h", "apologize 2h"}

        # the plotted numbers changed with the settings...
        assert (first.loc["silence", "negative_reach_mean"], first.loc["silence", "peak_mean_per_h"]) != (
            both.loc["apologize 2h", "negative_reach_mean"], both.loc["apologize 2h", "peak_mean_per_h"])
        assert both.loc["apologize 12h", "negative_reach_mean"] != both.loc["apologize 2h", "negative_reach_mean"]
        # ...and are those of sim.simulate for the same settings and seeds
        base = {"crisis.monitoring": "active", "crisis.origin": "customer", "crisis.justified": True,
                "graph.n": 1500, "run.replicates": 6}  # fmt: skip
        checks = {
            "silence": (first, {**base, "crisis.strategy": "silence", "crisis.approval_delay_h": 4.0}),
            "apologize 12h": (both, {**base, "crisis.strategy": "apologize", "crisis.approval_delay_h": 12.0}),
            "apologize 2h": (both, {**base, "crisis.strategy": "apologize", "crisis.approval_delay_h": 2.0}),
        }
        for name, (table, setting) in checks.items():
            exp = _expected(scn_path, setting)
            for key, value in exp.items():
                assert math.isclose(table.loc[name, key], value, rel_tol=1e-12, abs_tol=1e-12), (name, key)
        # the paired difference shown is the difference of the means (same replicates)
        d = both.loc["apologize 2h", "negative_reach_diff"]
        assert math.isclose(d, both.loc["apologize 2h", "negative_reach_mean"]
                            - both.loc["apologize 12h", "negative_reach_mean"], rel_tol=1e-9, abs_tol=1e-9)
        assert page.locator(".bz-fig-negative-incidence img, img.bz-fig-negative-incidence").count() >= 1 or \
            page.locator("img").count() >= 2

        # 3. save as scenario, without touching a file by hand; `buzzsim run` reproduces it
        saved = folder / "saved.toml"
        _fill(page, "bz-save-path", str(saved))
        page.locator(".bz-save").click()
        page.locator(".bz-saved", has_text="written to").wait_for(timeout=10_000)
        out = folder / "rerun"
        res = subprocess.run(
            [sys.executable, "-m", "sim", "run", str(saved), "--out", str(out), "--quiet", "--no-figures",
             "--workers", "1"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        runs = pd.read_csv(out / "runs.csv")
        assert runs["negative_reach"].mean() == pytest.approx(both.loc["apologize 2h", "negative_reach_mean"],
                                                              rel=1e-12)
        assert runs["negative_shares"].mean() == pytest.approx(both.loc["apologize 2h", "negative_shares_mean"],
                                                               rel=1e-12)

        # 4. a long run, cancelled by a second click
        _fill(page, "bz-run-replicates", "3000")
        page.locator(".bz-run").click()
        page.locator(".bz-run", has_text="Cancel").wait_for(timeout=10_000)
        page.locator(".bz-progress", has_text=" of 6000 runs").wait_for(timeout=20_000)
        page.screenshot(path=str(ARTIFACTS / "app-3-running.png"), full_page=True)
        page.locator(".bz-run").click()
        page.locator(".bz-cancelled").wait_for(timeout=15_000)
        page.locator(".bz-run", has_text="Run").wait_for(timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "app-4-cancelled.png"), full_page=True)

        # 5. a bad upload and a bad path: the CLI's one-line errors on the page
        with page.expect_file_chooser() as chooser:
            page.get_by_text("or upload one").click()
        chooser.value.set_files(
            files=[{"name": "typo.toml", "mimeType": "text/plain", "buffer": b"[graph]\nnn = 3\n"}]
        )
        up = page.locator(".bz-load-error", has_text="typo.toml")
        up.wait_for(timeout=10_000)
        assert "buzzsim: error: typo.toml" in up.inner_text() and "\n" not in up.inner_text().strip()
        _fill(page, "bz-path", str(folder / "nope.toml"))
        page.locator(".bz-load").click()
        err = page.locator(".bz-load-error", has_text="nope.toml")
        err.wait_for(timeout=10_000)
        assert err.inner_text().strip().startswith("buzzsim: error: scenario file not found")
        browser.close()
    elapsed = time.monotonic() - t0
    (ARTIFACTS / "app-browser-test.txt").write_text(f"browser part: {elapsed:.1f} s\n")
    assert not errors, f"errors in the browser console: {errors}"
    assert np.isfinite(elapsed)
