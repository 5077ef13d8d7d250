"""The workbench page (Solara): ``buzzsim app`` serves :func:`Page`.

A thin layer: the scenario, the settings and the saved file come from
:mod:`sim.app.settings`, the runs and figures from :func:`sim.app.work.run_settings`
(:func:`sim.run.replicates.run_variants` and :mod:`sim.report`), the numbers of the table
from :func:`sim.report.outlook.crisis_outlook`. Runs go in a worker thread
(``solara.lab.task``), so the page stays responsive; a second click on the run
button cancels them (the worker processes, if any, are terminated).

The scenario shown first is ``$BUZZSIM_APP_SCENARIO`` (default ``crisis_response``).
"""

from __future__ import annotations

import html
import math
import os
import threading
from pathlib import Path
from typing import Any

import reacton.ipywidgets as ipw
import solara
import solara.lab

from sim.app.cascade import cascade_png, has_cascades
from sim.app.settings import (
    Control,
    Loaded,
    controls_for,
    current_values,
    delay_curve_settings,
    library_names,
    load_choice,
    load_upload,
    setting_name,
    setting_scenario,
    settings_toml,
)
from sim.app.work import Outcome, run_settings
from sim.errors import BuzzsimError
from sim.run.replicates import RunCancelled

ENV_SCENARIO = "BUZZSIM_APP_SCENARIO"
DEFAULT_SCENARIO = "crisis_response"


def _one_line(exc: BaseException) -> str:
    """The CLI's wording: ``buzzsim: error: <one line>``."""
    return "buzzsim: error: " + " ".join(str(exc).split())


def _initial() -> tuple[Loaded | None, str | None]:
    spec = os.environ.get(ENV_SCENARIO) or DEFAULT_SCENARIO
    try:
        return load_choice(spec), None
    except BuzzsimError as exc:
        return None, _one_line(exc)


_START_LOADED, _START_ERROR = _initial()

# Per-session state (Solara scopes reactive variables to the browser session).
loaded_r = solara.reactive(_START_LOADED)
load_error_r = solara.reactive(_START_ERROR)
values_r = solara.reactive(current_values(_START_LOADED) if _START_LOADED else {})
pinned_r = solara.reactive([])  # [(name, setting)]
delay_curve_r = solara.reactive(False)
path_r = solara.reactive("")
save_path_r = solara.reactive("")
saved_msg_r = solara.reactive("")
done_r = solara.reactive((0, 0))
serial_r = solara.reactive(0)
cancel_r = solara.reactive(None)


@solara.lab.task(prefer_threaded=True)
def run_job(loaded: Loaded, named: list, cancel: threading.Event, serial: int = 0) -> Outcome:
    """The page's worker: run the settings, report progress, honour the cancel event."""

    def progress(done: int, total: int) -> None:
        done_r.set((done, total))
        run_job.progress = 100.0 * done / max(total, 1)

    out = run_settings(loaded, named, on_progress=progress, cancel=cancel)
    out.serial = serial
    return out


def _set_loaded(new: Loaded) -> None:
    loaded_r.set(new)
    load_error_r.set(None)
    values_r.set(current_values(new))
    pinned_r.set([])
    saved_msg_r.set("")


def _try_load(fn: Any, *args: Any) -> None:
    try:
        _set_loaded(fn(*args))
    except BuzzsimError as exc:
        load_error_r.set(_one_line(exc))


def _reference(loaded: Loaded) -> dict:
    """The loaded scenario's own values: setting names say what differs from them."""
    return current_values(loaded)


def _on_upload(value: Any) -> None:
    """ipywidgets' FileUpload value (a tuple of dicts in ipywidgets 8, a dict in 7)."""
    items = list(value.values()) if isinstance(value, dict) else list(value or ())
    for item in items[:1]:
        name = item.get("name") or item.get("metadata", {}).get("name", "upload.toml")
        _try_load(load_upload, name, bytes(item["content"]))


def _named_settings(loaded: Loaded, values: dict, pinned: list, delay_curve: bool) -> list:
    """What the run button runs: the kept settings, then the current one (paired)."""
    reps = values.get("run.replicates")
    named = [(n, {**s, "run.replicates": reps}) for n, s in pinned]
    names = [n for n, _ in named]
    cur = dict(values)
    if not any(s == cur for _, s in named):
        named.append((setting_name(cur, names, _reference(loaded)), cur))
        names.append(named[-1][0])
    if delay_curve and loaded.base.crisis is not None:
        named += delay_curve_settings(cur, names)
    return named


# --------------------------------------------------------------------------- pieces


def _heading(text: str) -> None:
    # plain HTML: solara.Markdown would load KaTeX from a CDN the page cannot reach
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(text), style="margin: 12px 0 4px 0")


@solara.component
def ScenarioPicker() -> None:
    loaded = loaded_r.value
    _heading("Scenario")
    names = library_names()
    current = loaded.label if loaded is not None and loaded.label in names else None
    solara.Select(
        label="from the library",
        values=names,
        value=current,
        on_value=lambda name: _try_load(load_choice, name),
        classes=["bz-library"],
    )
    with solara.Row():
        solara.InputText("or a TOML file on this machine", value=path_r, classes=["bz-path"])
        solara.Button("Load", on_click=lambda: _try_load(load_choice, path_r.value), classes=["bz-load"])
    solara.FileDrop(
        label="or drop a scenario file (.toml) here",
        on_file=lambda f: _try_load(load_upload, f["name"], f["data"]),
        lazy=False,
    )
    ipw.FileUpload(accept=".toml", multiple=False, description="or upload one", on_value=_on_upload)
    if load_error_r.value:
        solara.Error(load_error_r.value, classes=["bz-load-error"])
    elif loaded is not None:
        desc = loaded.base.description.strip().splitlines()
        solara.Text(f"{loaded.base.name}: {desc[0] if desc else ''}", style={"font-size": "0.85em"})


@solara.component
def ControlInput(c: Control) -> None:
    values = values_r.value
    value = values.get(c.key)

    def set_value(v: Any) -> None:
        if v is None:
            return
        values_r.set({**values_r.value, c.key: v})

    cls = ["bz-" + c.key.replace(".", "-").replace("_", "-")]
    if c.kind == "choice":
        solara.Select(label=c.label, values=list(c.choices), value=value, on_value=set_value, classes=cls)
    elif c.kind == "bool":
        solara.Checkbox(label=c.label, value=bool(value), on_value=set_value)
    elif c.kind == "int":
        solara.InputInt(c.label, value=int(value), on_value=set_value, classes=cls)
    else:
        solara.InputFloat(c.label, value=float(value), on_value=set_value, classes=cls)


@solara.component
def Controls(loaded: Loaded) -> None:
    controls = controls_for(loaded)
    _heading("Settings")
    for c in controls:
        ControlInput(c)
    if loaded.base.crisis is not None:
        solara.Checkbox(
            label="add the delay curve (this strategy at 1, 4, 8, 24, 72 h)", value=delay_curve_r
        )


@solara.component
def Compare(loaded: Loaded) -> None:
    pinned = pinned_r.value
    values = values_r.value

    def keep() -> None:
        names = [n for n, _ in pinned_r.value]
        if any(s == values_r.value for _, s in pinned_r.value):
            return
        name = setting_name(values_r.value, names, _reference(loaded))
        pinned_r.set([*pinned_r.value, (name, dict(values_r.value))])

    _heading("Compare")
    solara.Button("Keep this setting for comparison", on_click=keep, outlined=True, classes=["bz-keep"])
    for i, (name, _) in enumerate(pinned):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(("baseline: " if i == 0 else "") + name)
            solara.Button(
                icon_name="mdi-close", text=True,
                on_click=lambda i=i: pinned_r.set([p for j, p in enumerate(pinned_r.value) if j != i]),
            )  # fmt: skip
    if pinned:
        solara.Text(
            "Run compares the kept settings with the current one, replicate by replicate.",
            style={"font-size": "0.8em", "color": "#555"},
        )
    del values


@solara.component
def RunBar(loaded: Loaded, problem: str | None) -> None:
    pending = run_job.pending

    def click() -> None:
        if run_job.pending:
            ev = cancel_r.value
            if ev is not None:
                ev.set()
            run_job.cancel()
            return
        ev = threading.Event()
        cancel_r.set(ev)
        done_r.set((0, 0))
        named = _named_settings(loaded, values_r.value, pinned_r.value, delay_curve_r.value)
        serial_r.set(serial_r.value + 1)
        run_job(loaded, named, ev, serial_r.value)

    solara.Button(
        "Cancel" if pending else "Run",
        on_click=click,
        color="error" if pending else "primary",
        disabled=problem is not None and not pending,
        classes=["bz-run"],
    )
    if pending:
        done, total = done_r.value
        solara.ProgressLinear(run_job.progress if run_job.progress is not None else True)
        solara.Text(f"{done} of {total} runs" if total else "starting…", classes=["bz-progress"])


@solara.component
def Save(loaded: Loaded, problem: str | None) -> None:
    _heading("Save as scenario")
    if problem is not None:
        return
    values = values_r.value
    pinned = pinned_r.value

    def text() -> str:
        return settings_toml(loaded, values_r.value, pinned_r.value)

    fname = f"{loaded.base.name}_workbench.toml"
    solara.FileDownload(text, filename=fname, label="Download the scenario file", mime_type="application/toml")
    with solara.Row(style={"align-items": "center"}):
        solara.InputText("or write it to (path)", value=save_path_r, classes=["bz-save-path"])

        def write() -> None:
            p = Path(save_path_r.value or fname).expanduser()
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text(), encoding="utf-8")
                saved_msg_r.set(f"written to {p}; `buzzsim run {p}` reproduces the current setting")
            except (OSError, BuzzsimError) as exc:
                saved_msg_r.set(_one_line(exc))

        solara.Button("Write", on_click=write, classes=["bz-save"])
    if saved_msg_r.value:
        solara.Text(saved_msg_r.value, classes=["bz-saved"])
    del values, pinned


# --------------------------------------------------------------------------- results


def _fmt(x: Any, digits: int = 3) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _cell(setting: str, key: str, value: Any, text: str) -> str:
    v = "" if value is None else repr(float(value)) if isinstance(value, (int, float)) else str(value)
    return (
        f'<td data-setting="{html.escape(setting)}" data-key="{key}" data-value="{html.escape(v)}">'
        f"{text}</td>"
    )


def _diff_text(r: Any, m: str, is_baseline: bool) -> tuple[Any, str]:
    """The paired difference of metric ``m`` in an outlook row: (value, text)."""
    d = r.get(f"{m}_diff")
    if d is None or not math.isfinite(float(d)):
        return None, "baseline" if is_baseline else "–"
    p = float(r.get(f"{m}_p", math.nan))
    star = " *" if math.isfinite(p) and p < 0.05 else ""
    sign = "+" if float(d) > 0 else ""
    return d, f"{sign}{_fmt(d)}{star}<br><small>[{_fmt(r[f'{m}_diff_low'])}, {_fmt(r[f'{m}_diff_high'])}]</small>"


def _table_metrics(out: Outcome, n_key: int = 6, n_moved: int = 4) -> list[str]:
    """The key metrics, then those that moved most between the settings."""
    key = list(out.summary.get("key_metrics", []))[:n_key]
    desc = out.summary.get("describe", {})
    base = desc.get(out.runset.baseline, {})
    moved = []
    for m in out.summary.get("metrics", []):
        if m in key or m in ("seed", "n_accounts", "n_people", "n_edges"):
            continue
        b = base.get(m, {}).get("mean")
        others = [desc.get(v, {}).get(m, {}).get("mean") for v in out.names if v != out.runset.baseline]
        vals = [float(x) for x in others if x is not None and b is not None]
        if not vals or b is None:
            continue
        change = max(abs(v - float(b)) for v in vals) / (abs(float(b)) + 1.0)
        if change > 0:
            moved.append((change, m))
    return key + [m for _, m in sorted(moved, reverse=True)[:n_moved]]


def outlook_html(out: Outcome) -> str:
    """The table of numbers behind the charts (with ``data-`` attributes for tests)."""
    from sim.report.outlook import negative_incidence

    rows = []
    if out.outlook is not None:
        inc = negative_incidence(out.runset.series)
        head = [
            "setting", "P(complaint spreads)", "negative reach if it spreads", "negative reach",
            "Δ negative reach", "negative shares", "peak of the mean curve (per h)",
            "customers lost", "Δ customers lost", "cost", "Δ cost",
        ]  # fmt: skip
        for _, r in out.outlook.iterrows():
            s = str(r["setting"])
            curve = inc[inc["variant"] == s]
            peak = float(curve["mean"].max()) if len(curve) else math.nan
            peak_h = int(curve.loc[curve["mean"].idxmax(), "hour"]) if len(curve) and peak > 0 else None

            def diff(m: str, r: Any = r, s: str = s) -> tuple[Any, str]:
                return _diff_text(r, m, s == out.runset.baseline)

            cells = [
                f"<td><b>{html.escape(s)}</b></td>",
                _cell(s, "p_spread", r["p_spread"],
                      f"{100 * r['p_spread']:.0f} %<br><small>[{100 * r['p_spread_low']:.0f}, "
                      f"{100 * r['p_spread_high']:.0f}]</small>"),
                _cell(s, "reach_if_spread", r["reach_if_spread"], _fmt(r["reach_if_spread"])),
                _cell(s, "negative_reach_mean", r["negative_reach_mean"],
                      f"{_fmt(r['negative_reach_mean'])}<br><small>[{_fmt(r['negative_reach_ci_low'])}, "
                      f"{_fmt(r['negative_reach_ci_high'])}]</small>"),
                _cell(s, "negative_reach_diff", *diff("negative_reach")),
                _cell(s, "negative_shares_mean", r["negative_shares_mean"], _fmt(r["negative_shares_mean"])),
                _cell(s, "peak_mean_per_h", peak,
                      f"{_fmt(peak)}" + (f"<br><small>at {peak_h} h</small>" if peak_h is not None else "")),
                _cell(s, "customers_lost_mean", r.get("customers_lost_mean"), _fmt(r.get("customers_lost_mean"))),
                _cell(s, "customers_lost_diff", *diff("customers_lost")),
                _cell(s, "cost_mean", r.get("cost_mean"), _fmt(r.get("cost_mean"))),
                _cell(s, "cost_diff", *diff("cost")),
            ]  # fmt: skip
            rows.append("<tr>" + "".join(cells) + "</tr>")
    else:
        desc = out.summary.get("describe", {})
        diffs = out.summary.get("difference", {})
        metrics = _table_metrics(out)
        head = ["setting"] + [m.replace("_", " ") for m in metrics]
        for s in out.names:
            cells = [f"<td><b>{html.escape(s)}</b></td>"]
            for m in metrics:
                mean = desc.get(s, {}).get(m, {}).get("mean")
                d = diffs.get(s, {}).get(m, {}).get("mean")
                txt = _fmt(mean) + (f" (Δ {'+' if float(d) > 0 else ''}{_fmt(d)})" if d is not None else "")
                cells.append(_cell(s, f"{m}_mean", mean, txt))
            rows.append("<tr>" + "".join(cells) + "</tr>")
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    style = (
        "<style>.bz-table{border-collapse:collapse;font-size:0.85em}"
        ".bz-table td,.bz-table th{border:1px solid #ddd;padding:4px 6px;text-align:right}"
        ".bz-table td{white-space:nowrap}.bz-table small{color:#777}"
        ".bz-table th{background:#f3f3f3}.bz-table td:first-child{text-align:left}</style>"
    )
    return style + f'<table class="bz-table" id="bz-outlook"><tr>{th}</tr>{"".join(rows)}</table>'


@solara.component
def Results() -> None:
    if run_job.error:
        exc = run_job.exception
        if isinstance(exc, RunCancelled):
            solara.Warning(f"Run cancelled ({exc}).", classes=["bz-cancelled"])
        else:
            solara.Error(_one_line(exc) if isinstance(exc, BuzzsimError) else f"{type(exc).__name__}: {exc}",
                         classes=["bz-run-error"])
        return
    if run_job.cancelled:
        solara.Warning("Run cancelled.", classes=["bz-cancelled"])
    out: Outcome | None = run_job.latest
    if out is None:
        solara.Info("Choose the settings on the left and press Run.")
        return
    rs = out.runset
    if run_job.pending:
        solara.Text("(the previous result, while the new run goes on)", style={"color": "#b26a00"})
    solara.HTML(
        tag="p",
        unsafe_innerHTML=(
            f"<b>{len(out.names)} setting{'s' if len(out.names) != 1 else ''} × {rs.replicates} paired "
            f"replicates</b> ({len(rs.runs)} runs in {rs.wall_time_s:.1f} s on {rs.workers} worker"
            f"{'s' if rs.workers != 1 else ''}, seed {rs.scenario.run.seed}). "
            f"Δ: paired difference to <b>{html.escape(rs.baseline)}</b> with its 95 % interval (* p &lt; 0.05). "
            + ("A complaint <i>spreads</i> when 10 or more accounts shared it." if out.outlook is not None else "")
        ),
    )
    solara.Text(f"result of run {out.serial}", classes=["bz-serial"], style={"font-size": "0.75em", "color": "#888"})
    solara.HTML(unsafe_innerHTML=outlook_html(out), classes=["bz-results"], style="overflow-x: auto")
    for w in out.warnings:
        solara.Warning(w)
    order = ["negative incidence", "incidence", "delay", "metrics"]
    for title in order:
        if title in out.figures:
            solara.Image(out.figures[title], classes=[f"bz-fig-{title.replace(' ', '-')}"], width="100%")
    if "delay" not in out.figures and rs.scenario.crisis is not None:
        solara.Text("Delay chart: add settings with other delays (or tick the delay curve) to draw it.")
    if has_cascades(rs):
        png = cascade_png(out)
        if png is not None:
            solara.Image(png, classes=["bz-fig-cascade"], width="100%")


@solara.component
def Page() -> None:
    solara.Title("buzzsim workbench")
    loaded = loaded_r.value
    problem = None
    if loaded is not None:
        try:
            setting_scenario(loaded, values_r.value)
        except BuzzsimError as exc:
            problem = _one_line(exc)
    with solara.Sidebar():
        ScenarioPicker()
        if loaded is not None:
            Controls(loaded)
            Compare(loaded)
            Save(loaded, problem)
    with solara.Column(style={"padding": "8px 16px"}):
        solara.HTML(tag="h2", unsafe_innerHTML="buzzsim — the strategist's workbench")
        if loaded is None:
            solara.Info("Load a scenario on the left.")
            return
        if problem is not None:
            solara.Error(problem, classes=["bz-setting-error"])
        RunBar(loaded, problem)
        Results()
