"""The workbench's state without the page: scenarios, the strategist's controls,
the comparison they run and the scenario file they save.

Everything here is plain Python over the library API (scenario loading and
overrides, :func:`sim.run.replicates.plan_runs`); the Solara page only displays it. A
*setting* is a dict of dotted-key overrides of the loaded scenario (the same keys
as a ``[[variants]]`` table), always holding every control, so that settings can
be compared with each other as variants with paired replicates.
"""

from __future__ import annotations

import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.load import (
    build_scenario,
    find_scenario,
    library_scenarios,
    load_scenario,
    read_scenario_file,
    scenario_raw,
    scenario_to_toml,
    validate_scenario,
)
from sim.scenario.schema import (
    BrandConfig,
    CrisisConfig,
    DynamicsConfig,
    GraphConfig,
    MessageConfig,
    PopulationConfig,
    Scenario,
)
from sim.scenario.variants import apply_overrides

__all__ = [
    "CRISIS_CONTROLS",
    "DELAY_CURVE_H",
    "Control",
    "Loaded",
    "comparison_scenario",
    "controls_for",
    "current_values",
    "delay_curve_settings",
    "library_names",
    "load_choice",
    "load_upload",
    "setting_name",
    "setting_scenario",
    "settings_toml",
]

#: Delays (hours after detection) of the optional delay curve.
DELAY_CURVE_H = (1.0, 4.0, 8.0, 24.0, 72.0)

#: The crisis controls a strategist changes, in page order.
CRISIS_CONTROLS = (
    "crisis.strategy",
    "crisis.approval_delay_h",
    "crisis.monitoring",
    "crisis.origin",
    "crisis.justified",
)

#: Sections whose keys a scenario's variants may vary (the page offers those keys).
_SECTIONS = {"brand": BrandConfig, "crisis": CrisisConfig, "population": PopulationConfig,
             "dynamics": DynamicsConfig, "graph": GraphConfig}  # fmt: skip

#: Keys of a tactic message offered when the loaded scenario sets them.
_TACTIC_MESSAGE_KEYS = ("repeats", "repeat_every_h", "start_h", "virality", "appeal")


@dataclass(frozen=True)
class Control:
    """One input of the page.

    Attributes
    ----------
    key : str
        Dotted key of the scenario (``crisis.strategy``, ``graph.n``...).
    label : str
        What the page calls it.
    kind : {"choice", "int", "float", "bool"}
        Widget type.
    choices : tuple
        Allowed values of a ``choice``.
    low, high : float or None
        Range of a number (None: unbounded).
    """

    key: str
    label: str
    kind: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Loaded:
    """A scenario ready for the workbench.

    Attributes
    ----------
    scenario : Scenario
        The scenario as loaded (its own variants included).
    base : Scenario
        The same without variants: what the controls modify.
    label : str
        Where it came from (library name, path or uploaded file name).
    """

    scenario: Scenario
    base: Scenario
    label: str


def library_names() -> list[str]:
    """Names of the library scenarios (``buzzsim list``)."""
    return list(library_scenarios())


def _loaded(scn: Scenario, label: str) -> Loaded:
    raw = scenario_raw(scn)
    return Loaded(scn, build_scenario(raw), label)


def load_choice(spec: str | Path) -> Loaded:
    """Load a library name or a TOML path, with the CLI's one-line errors.

    Raises
    ------
    BuzzsimError
        Unknown name, missing file, bad TOML or a value out of range (one line).
    """
    path = find_scenario(spec)
    return _loaded(load_scenario(path), str(spec))


def load_upload(name: str, data: bytes) -> Loaded:
    """Load an uploaded TOML file (its bytes), with the CLI's one-line errors.

    Raises
    ------
    ScenarioError
        Not UTF-8, bad TOML or an invalid scenario (one line, prefixed by ``name``).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{name}: not a UTF-8 text file") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{name}: invalid TOML: {exc}") from None
    return _loaded(validate_scenario(raw, source=name), name)


def _literal(tp: Any) -> tuple:
    tp = _strip_none(tp)
    if typing.get_origin(tp) is typing.Literal:
        return typing.get_args(tp)
    for a in typing.get_args(tp):  # Literal[...] | int: take the literal part
        if typing.get_origin(a) is typing.Literal:
            return typing.get_args(a)
    return ()


def _strip_none(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        return args[0]
    return tp


def _bounds(field: Any) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in field.metadata:
        for attr, side in (("ge", "lo"), ("gt", "lo"), ("le", "hi"), ("lt", "hi")):
            v = getattr(m, attr, None)
            if v is not None:
                if side == "lo":
                    lo = v
                else:
                    hi = v
    return lo, hi


def _control(key: str, label: str, cls: type, name: str) -> Control:
    field = cls.model_fields[name]
    ann = _strip_none(field.annotation)
    choices = _literal(field.annotation)
    if choices:
        return Control(key, label, "choice", choices)
    base = typing.get_origin(ann) and typing.get_args(ann)[0] or ann
    lo, hi = _bounds(field)
    if base is bool:
        return Control(key, label, "bool")
    if base is int:
        return Control(key, label, "int", low=lo, high=hi)
    return Control(key, label, "float", low=lo, high=hi)


def controls_for(loaded: Loaded) -> list[Control]:
    """The controls the page offers for a scenario.

    The crisis response (when the scenario has a crisis), the graph size, the
    replicates, and the campaign tactics the scenario uses: the brand keys it sets
    and the posting schedule of its tactic messages.
    """
    out: list[Control] = []
    base = loaded.base
    if base.crisis is not None:
        labels = {
            "crisis.strategy": "response strategy",
            "crisis.approval_delay_h": "approval delay after detection (h)",
            "crisis.monitoring": "monitoring",
            "crisis.origin": "complaint origin",
            "crisis.justified": "complaint justified",
        }
        for key in CRISIS_CONTROLS:
            out.append(_control(key, labels[key], CrisisConfig, key.split(".", 1)[1]))
    out.append(Control("graph.n", "accounts in the graph", "int", low=100, high=1_000_000))
    out.append(Control("run.replicates", "replicates", "int", low=1, high=1000))
    raw = scenario_raw(base)
    for name in sorted(raw.get("brand", {})):
        if name in ("name", "enabled"):
            continue
        out.append(_control(f"brand.{name}", f"brand: {name.replace('_', ' ')}", BrandConfig, name))
    seen = {c.key for c in out}
    for key in _variant_keys(loaded):  # what the scenario's own variants explore
        c = _variant_control(base, key)
        if c is not None and c.key not in seen:
            out.append(c)
            seen.add(c.key)
    for m, mraw in zip(base.messages, raw.get("messages", []), strict=False):
        tactic = (m.origin in ("seeding", "giveaway", "advocates") or m.rides is not None
                  or m.repeats > 1 or m.open_hashtag)  # fmt: skip
        if not tactic:
            continue
        for name in _TACTIC_MESSAGE_KEYS:
            key = f"messages.{m.name}.{name}"
            if name in mraw and key not in seen:
                label = f"{m.name}: {name.replace('_', ' ')}"
                out.append(_control(key, label, MessageConfig, name))
                seen.add(key)
    return out


def _variant_keys(loaded: Loaded) -> list[str]:
    """Dotted keys that the loaded scenario's ``[[variants]]`` override, in file order."""
    keys: list[str] = []
    for v in loaded.scenario.variants:
        for k, val in v.items():
            if k in ("name", "description"):
                continue
            flat = [k] if not isinstance(val, dict) else [f"{k}.{kk}" for kk in val]
            keys += [f for f in flat if f not in keys]
    return keys


def _variant_control(base: Scenario, key: str) -> Control | None:
    """A control for a key a variant overrides (None: not a scalar the page can offer)."""
    parts = key.split(".")
    if parts[0] in ("run", "name", "description", "analysis") or key in ("graph.n",):
        return None
    if parts[0] == "messages" and len(parts) == 3:
        ref, name = parts[1], parts[2]
        names = [m.name for m in base.messages]
        if ref.isdigit() and int(ref) < len(names):
            ref = names[int(ref)]
        if ref not in names or name not in MessageConfig.model_fields or name == "name":
            return None
        return _control(f"messages.{ref}.{name}", f"{ref}: {name.replace('_', ' ')}", MessageConfig, name)
    cls = _SECTIONS.get(parts[0])
    if cls is None or len(parts) != 2 or parts[1] not in cls.model_fields:
        return None
    if parts[0] == "crisis" and base.crisis is None:
        return None
    c = _control(key, f"{parts[0]}: {parts[1].replace('_', ' ')}", cls, parts[1])
    return c if c.kind in ("choice", "bool", "int", "float") and _scalar_field(cls, parts[1]) else None


def _scalar_field(cls: type, name: str) -> bool:
    ann = _strip_none(cls.model_fields[name].annotation)
    return typing.get_origin(ann) is not list and ann is not list


def _get(scn: Scenario, key: str) -> Any:
    node: Any = scn
    for part in key.split("."):
        if isinstance(node, list):
            node = next(m for m in node if getattr(m, "name", None) == part)
        else:
            node = getattr(node, part)
    return node


def current_values(loaded: Loaded, controls: Sequence[Control] | None = None) -> dict[str, Any]:
    """The loaded scenario's value of every control: the starting setting."""
    controls = controls_for(loaded) if controls is None else controls
    return {c.key: _get(loaded.base, c.key) for c in controls}


def setting_scenario(loaded: Loaded, setting: Mapping[str, Any]) -> Scenario:
    """The loaded scenario (without variants) with one setting applied and validated.

    Raises
    ------
    ScenarioError
        A value out of range, with the key path (one line).
    """
    raw = apply_overrides(scenario_raw(loaded.base), dict(setting), in_variant=False)
    return build_scenario(raw)


def setting_name(
    setting: Mapping[str, Any], taken: Sequence[str] = (), reference: Mapping[str, Any] | None = None
) -> str:
    """A short readable name, unique in ``taken``.

    ``"apologize 2h"``, ``"deny 8h, from kol"``... for a crisis; other keys that
    differ from ``reference`` (the loaded scenario's values) are appended as
    ``"bots 2000"``; ``"as loaded"`` when nothing differs.
    """
    parts = []
    if "crisis.strategy" in setting:
        s = str(setting["crisis.strategy"])
        if s != "silence":
            s += f" {float(setting.get('crisis.approval_delay_h', 0)):g}h"
        parts.append(s)
        if setting.get("crisis.origin") not in (None, "customer"):
            parts.append(f"from {setting['crisis.origin']}")
        if setting.get("crisis.justified") is False:
            parts.append("unjustified")
        if setting.get("crisis.monitoring") not in (None, "active"):
            parts.append(f"{setting['crisis.monitoring']} monitoring")
    if reference is not None:
        for key, value in setting.items():
            if key in CRISIS_CONTROLS or key == "run.replicates" or reference.get(key) == value:
                continue
            leaf = key.rsplit(".", 1)[-1].replace("_", " ")
            if key == "graph.n":
                leaf = "accounts"
            parts.append(f"{leaf} {value:g}" if isinstance(value, float) else f"{leaf} {value}")
    name = ", ".join(parts) or "as loaded"
    out, k = name, 2
    while out in taken:
        out, k = f"{name} #{k}", k + 1
    return out


def delay_curve_settings(setting: Mapping[str, Any], taken: Sequence[str] = ()) -> list[tuple[str, dict[str, Any]]]:
    """The setting at each delay of :data:`DELAY_CURVE_H` (skipped for silence)."""
    if setting.get("crisis.strategy") in (None, "silence"):
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    names = list(taken)
    for d in DELAY_CURVE_H:
        s = {**setting, "crisis.approval_delay_h": d}
        name = setting_name(s)
        if name in names:
            continue
        names.append(name)
        out.append((name, s))
    return out


def _shared(settings: Sequence[Mapping[str, Any]], key: str) -> Any:
    values = {repr(s.get(key)) for s in settings}
    if len(values) > 1:
        raise ScenarioError(
            f"{key} must be the same in every compared setting (replicates are paired); "
            f"got {sorted(values)}"
        )
    return settings[0].get(key)


def comparison_scenario(
    loaded: Loaded, named: Sequence[tuple[str, Mapping[str, Any]]], *, name: str | None = None
) -> Scenario:
    """One scenario whose variants are the named settings, the first one the baseline.

    The base of the returned scenario is the first setting; every setting is a
    variant holding all its controls (so each is the same scenario whether it is
    run here, alone, or from a saved file). ``run.replicates`` (and ``run.seed``)
    cannot differ between the settings: their replicates are paired.

    Raises
    ------
    ScenarioError
        A setting that does not validate, duplicate names, or settings with
        different replicates.
    """
    if not named:
        raise ScenarioError("nothing to run: no setting")
    names = [n for n, _ in named]
    if len(set(names)) != len(names):
        raise ScenarioError(f"setting names must be unique, got {names}")
    settings = [dict(s) for _, s in named]
    reps = _shared(settings, "run.replicates")
    first = settings[0]
    raw = apply_overrides(scenario_raw(loaded.base), first, in_variant=False)
    if name is not None:
        raw["name"] = name
    variants = []
    for i, (n, s) in enumerate(named):
        over = {k: v for k, v in s.items() if k not in ("run.replicates", "run.seed")}
        v: dict[str, Any] = {"name": n}
        if i > 0:
            v.update(over)  # the first is the base itself: no overrides -> the baseline
        variants.append(v)
    raw["variants"] = variants  # even one: the run is then named after its setting
    if reps is not None:
        raw.setdefault("run", {})["replicates"] = int(reps)
    return build_scenario(raw)


def settings_toml(
    loaded: Loaded,
    current: Mapping[str, Any],
    others: Sequence[tuple[str, Mapping[str, Any]]] = (),
    *,
    name: str | None = None,
) -> str:
    """The current setting as a scenario file; other settings become its variants.

    ``buzzsim run FILE`` runs the current setting with the replicates and seed
    shown on the page and gives exactly the page's numbers; ``buzzsim compare
    FILE`` runs every setting with the current one as the baseline.
    """
    named = [(setting_name(current), dict(current))]
    for n, s in others:
        if n != named[0][0]:
            named.append((n, {**s, "run.replicates": current.get("run.replicates")}))
    scn = comparison_scenario(loaded, named, name=name or f"{loaded.base.name}_workbench")
    header = (
        f"Saved from the buzzsim workbench (scenario {loaded.label!r}).\n"
        f"`buzzsim run` runs the setting {named[0][0]!r}; `buzzsim compare` runs every saved setting."
    )
    return scenario_to_toml(scn, header=header)


def read_text(spec: str | Path) -> str:
    """The text of a scenario file (library name or path)."""
    text, _ = read_scenario_file(find_scenario(spec))
    return text
