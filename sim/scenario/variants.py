"""Scenario variants: named sets of overrides compared side by side.

A ``[[variants]]`` table holds a ``name``, an optional ``description`` and any
number of overrides of the base scenario's keys by dotted path. Both TOML
spellings work and can be mixed::

    [[variants]]
    name = "slow approval"
    "crisis.approval_delay_h" = 24     # a quoted dotted key
    crisis.strategy = "deny"           # a dotted key (a nested table in TOML)
    messages.0.virality = 1.2          # list items by index...
    messages.complaint.appeal = 2.0    # ...or by message name

An override replaces one value (a list such as ``population.kol_ids`` is replaced
whole); setting a key of a section the base scenario leaves out (e.g. ``crisis``)
adds that section with its defaults. Overrides are applied to the scenario *as
written*, before topic presets, so switching ``messages.0.topic`` re-applies the
new topic's preset to every key the message does not state explicitly.

The baseline, which every variant is compared with, is run first:

1. the declared variant named ``"baseline"``, if there is one (it may override
   keys: the reference need not be the scenario as written); else
2. the first declared variant without overrides: the base scenario under a name
   of its own (``name = "hot_topic"``); else
3. the base scenario unchanged, added as the variant ``"baseline"``.

The other variants follow in file order.

``run.seed`` and ``run.replicates`` cannot vary between variants: replicate ``i``
of every variant uses the same seed, so that differences between variants are
paired (common random numbers).
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.build import (
    build_scenario,
    list_item_type,
    model_class,
    scenario_raw,
    schema_paths,
    suggest_path,
)
from sim.scenario.schema import Scenario
from sim.scenario.tomlwrite import fmt_value

__all__ = [
    "BASELINE",
    "Variant",
    "apply_overrides",
    "diff_scenarios",
    "normalise_variant",
    "resolve_variants",
    "select_variants",
    "with_overrides",
]

#: Name of the reference variant that paired differences are measured against.
BASELINE = "baseline"

#: Keys of a ``[[variants]]`` table that describe the variant instead of overriding.
VARIANT_META_KEYS = ("name", "description")

#: Keys that cannot differ between variants (replicates are paired).
FIXED_KEYS = {
    "run.seed": "replicates are paired across variants; set the seed in [run] or with --seed",
    "run.replicates": "every variant runs the same replicates; set them in [run] or with --replicates",
    "variants": "variants cannot be nested",
    "name": "the scenario's name cannot vary",
}


@dataclass(frozen=True)
class Variant:
    """One variant of a scenario, resolved.

    Attributes
    ----------
    name : str
        The variant's name (``"baseline"`` for the unchanged base scenario).
    description : str
        What the variant changes, in words (may be empty).
    overrides : dict
        The overrides as flat dotted keys, as written.
    scenario : Scenario
        The base scenario with the overrides applied and validated (no variants).
    """

    name: str
    description: str
    overrides: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None


# ---------------------------------------------------------------------------
# Normalising [[variants]] tables
# ---------------------------------------------------------------------------


def normalise_variant(variant: Any, index: int, *, prefix: str = "") -> dict[str, Any]:
    """A ``[[variants]]`` table as flat dotted keys plus ``name`` and ``description``.

    Nested tables (``crisis.strategy = "deny"`` in TOML) and quoted dotted keys
    (``"crisis.strategy" = "deny"``) give the same result. A variant without a
    name is called ``variant<i>`` (1-based).

    Raises
    ------
    ScenarioError
        If the table is not a table, the name is not a non-empty string, or the
        same key is given twice.
    """
    where = f"{prefix}variants.{index}"
    if not isinstance(variant, Mapping):
        raise ScenarioError(
            f"{where} = {fmt_value(variant)} must be a table ([[variants]] with name = ...)"
        )
    name = variant.get("name", f"variant{index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{where}.name = {fmt_value(name)} must be a non-empty string")
    desc = variant.get("description", "")
    if not isinstance(desc, str):
        raise ScenarioError(f"{where}.description = {fmt_value(desc)} must be a string")
    flat: dict[str, Any] = {"name": name, "description": desc}
    for key, value in variant.items():
        if key in VARIANT_META_KEYS:
            continue
        for path, leaf in _flatten(str(key), value):
            if path in flat:
                raise ScenarioError(f"{prefix}variant {name!r}: {path} is set twice")
            flat[path] = leaf
    return flat


def _flatten(path: str, value: Any) -> list[tuple[str, Any]]:
    """Leaf (dotted path, value) pairs of a possibly nested override."""
    if isinstance(value, Mapping) and value:
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += _flatten(f"{path}.{k}", v)
        return out
    return [(path, copy.deepcopy(value))]


def check_variant_names(variants: Sequence[Mapping[str, Any]], *, prefix: str = "") -> None:
    """Variant names must be unique."""
    seen: set[str] = set()
    for v in variants:
        if v["name"] in seen:
            raise ScenarioError(
                f"{prefix}two variants are named {v['name']!r}; names must be unique"
            )
        seen.add(v["name"])


def overrides_of(variant: Mapping[str, Any]) -> dict[str, Any]:
    """The overriding keys of a normalised variant (``name``/``description`` removed)."""
    return {k: v for k, v in variant.items() if k not in VARIANT_META_KEYS}


# ---------------------------------------------------------------------------
# Applying overrides
# ---------------------------------------------------------------------------


def resolve_path(raw: Mapping[str, Any], path: str, *, in_variant: bool = True) -> list[str | int]:
    """Check a dotted key against the schema and return its parts.

    List items are addressed by index (``messages.0.virality``) or, for
    messages, by name (``messages.complaint.virality``); names become indices.

    Raises
    ------
    ScenarioError
        Unknown key (with the closest valid one), index out of range, a key
        below a plain value, or a key that cannot vary between variants.
    """
    parts = path.split(".")
    if any(p == "" for p in parts):
        raise ScenarioError(f"{path!r} is not a valid dotted key")
    for fixed, why in FIXED_KEYS.items():
        if not in_variant and fixed.startswith("run."):
            continue
        if path == fixed or path.startswith(fixed + "."):
            raise ScenarioError(f"{path} cannot be set in a variant ({why})")
    out: list[str | int] = []
    model: Any = Scenario
    node: Any = raw
    i = 0
    while i < len(parts):
        part = parts[i]
        cls = model_class(model)
        if cls is None:
            done = ".".join(str(p) for p in out)
            raise ScenarioError(f"unknown key {path}: {done} is a single value, not a table")
        if part not in cls.model_fields or part == "variants":
            raise ScenarioError(f"unknown key {path}{suggest_path(path, schema_paths())}")
        out.append(part)
        fld = cls.model_fields[part]
        node = node.get(part) if isinstance(node, Mapping) else None
        item_cls = model_class(list_item_type(fld.annotation) or type(None))
        if item_cls is not None and i + 1 < len(parts):
            items = node if isinstance(node, list) else _default_list(cls, part)
            where = ".".join(str(p) for p in out)
            idx = _item_index(parts[i + 1], items, where, item_cls)
            out.append(idx)
            node = items[idx] if idx < len(items) else None
            model = item_cls
            i += 2
            continue
        model = fld.annotation
        i += 1
    return out


def _default_list(cls: type, name: str) -> list[Any]:
    default = cls.model_fields[name].get_default(call_default_factory=True)
    return [
        d.model_dump(exclude_unset=True) if hasattr(d, "model_dump") else d for d in default or []
    ]


def _item_index(part: str, items: list[Any], where: str, item_cls: Any) -> int:
    """The list index meant by ``part``: an integer or the ``name`` of an item."""
    try:
        idx = int(part)
    except ValueError:
        names = [it.get("name") if isinstance(it, Mapping) else None for it in items]
        if part in names:
            return names.index(part)
        # Items without an explicit name have the schema's default name.
        default_name = (
            item_cls.model_fields["name"].default if "name" in item_cls.model_fields else None
        )
        names = [n if n is not None else default_name for n in names]
        if part in names:
            return names.index(part)
        known = ", ".join(f"{i} ({n})" for i, n in enumerate(names))
        raise ScenarioError(
            f"{where}.{part}: no item named {part!r} in {where} (items: {known})"
        ) from None
    if not 0 <= idx < len(items):
        raise ScenarioError(
            f"{where}.{part}: index {idx} out of range ({where} has {len(items)} "
            f"item{'s' if len(items) != 1 else ''}, indices 0 to {len(items) - 1})"
        )
    return idx


def apply_overrides(
    raw: Mapping[str, Any], overrides: Mapping[str, Any], *, in_variant: bool = True
) -> dict[str, Any]:
    """A copy of the scenario-as-written ``raw`` with dotted-key ``overrides`` set.

    Parameters
    ----------
    raw : dict
        A scenario as written (see :func:`sim.scenario.load.scenario_raw`).
    overrides : dict
        ``{"crisis.approval_delay_h": 8, "messages.0.topic": "large_event", ...}``.

    Raises
    ------
    ScenarioError
        If a key does not exist in the schema (see :func:`resolve_path`).
    """
    out = copy.deepcopy(dict(raw))
    for path, value in overrides.items():
        parts = resolve_path(out, path, in_variant=in_variant)
        node: Any = out
        model: Any = Scenario
        for j, part in enumerate(parts[:-1]):
            nxt = parts[j + 1]
            if isinstance(part, int):
                node = node[part]
                model = list_item_type(model)
                continue
            cls = model_class(model)
            fld = cls.model_fields[part]
            if isinstance(nxt, int):
                if not isinstance(node.get(part), list):
                    node[part] = _default_list(cls, part)
            elif not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
            model = fld.annotation
        node[parts[-1]] = copy.deepcopy(value)
    return out


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``scenario`` with dotted-key ``overrides`` applied and validated.

    Topic presets are re-applied, so ``{"messages.0.topic": "large_event"}``
    gives a large event's virality and half-life unless the scenario sets them.
    The variants of ``scenario`` are kept.
    """
    raw = scenario_raw(scenario, variants=True)
    variants = raw.pop("variants", None)
    new = apply_overrides(raw, overrides, in_variant=False)
    if variants:
        new["variants"] = variants
    return build_scenario(new)


def build_variant(
    raw_base: Mapping[str, Any], variant: Mapping[str, Any], *, index: int = 0, prefix: str = ""
) -> Scenario:
    """The scenario of one normalised variant (overrides applied, validated)."""
    where = f"{prefix}variant {variant['name']!r}: "
    try:
        raw = apply_overrides(raw_base, overrides_of(variant))
    except ScenarioError as exc:
        raise ScenarioError(where + str(exc)) from None
    return build_scenario(raw, prefix=where)


def resolve_variants(scenario: Scenario, *, include_baseline: bool = True) -> list[Variant]:
    """The scenario's variants, each resolved to a full :class:`Scenario`.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (see :func:`sim.scenario.load.load_scenario`).
    include_baseline : bool
        Put the baseline first: the unchanged base scenario named ``"baseline"``,
        or the declared variant named ``"baseline"`` if there is one.

    Returns
    -------
    list of Variant
    """
    raw_base = scenario_raw(scenario)
    declared = [normalise_variant(v, i) for i, v in enumerate(scenario.variants)]
    out = [
        Variant(v["name"], v["description"], overrides_of(v), build_variant(raw_base, v, index=i))
        for i, v in enumerate(declared)
    ]
    if not include_baseline:
        return out
    ref = baseline_index(declared)
    if ref is None:
        base = Variant(BASELINE, "the scenario as written", {}, build_scenario(raw_base))
        return [base, *out]
    return [out[ref], *out[:ref], *out[ref + 1 :]]


def select_variants(scenario: Scenario, which: bool | str | Sequence[str] = True) -> list[Variant]:
    """The variants to run.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario.
    which : bool, str or list of str
        True: the baseline then every declared variant; False: the base scenario
        alone, named as its variant without overrides if it declares one (else
        ``"baseline"``); names: those variants, in that order.

    Raises
    ------
    ScenarioError
        An unknown variant name (with the closest one) or a name given twice.
    """
    if which is False:
        base = build_scenario(scenario_raw(scenario))
        # the scenario as written under the name it gives itself (a variant without overrides)
        declared = [normalise_variant(v, i) for i, v in enumerate(scenario.variants)]
        same = next((v for v in declared if not overrides_of(v)), None)
        if same is not None:
            return [Variant(same["name"], same["description"], {}, base)]
        return [Variant(BASELINE, "the scenario as written", {}, base)]
    every = resolve_variants(scenario, include_baseline=True)
    if which is True:
        return every
    names = [which] if isinstance(which, str) else list(which)
    by_name = {v.name: v for v in every}
    out = []
    for name in names:
        if name not in by_name:
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ScenarioError(
                f"scenario {scenario.name!r} has no variant {name!r} "
                f"(variants: {', '.join(by_name)}){hint}"
            )
        out.append(by_name[name])
    if len({v.name for v in out}) != len(out):
        raise ScenarioError("the same variant is listed twice")
    return out


def baseline_index(variants: Sequence[Mapping[str, Any]]) -> int | None:
    """Which declared variant is the baseline, if any.

    The variant named ``"baseline"``; else the first variant without overrides
    (the base scenario under a name of its own, e.g. ``"hot_topic"``); else None,
    and the unchanged base scenario is run as ``"baseline"``.
    """
    for i, v in enumerate(variants):
        if v["name"] == BASELINE:
            return i
    for i, v in enumerate(variants):
        if not overrides_of(v):
            return i
    return None


# ---------------------------------------------------------------------------
# Differences between resolved scenarios
# ---------------------------------------------------------------------------


def diff_scenarios(base: Scenario, other: Scenario) -> dict[str, Any]:
    """Dotted keys whose resolved value in ``other`` differs from ``base``.

    Lists of tables of equal length are compared item by item
    (``messages.0.virality``); anything else is compared whole.
    """
    a = base.model_dump(mode="python", exclude={"variants"})
    b = other.model_dump(mode="python", exclude={"variants"})
    out: dict[str, Any] = {}
    for key, value in b.items():
        if a.get(key) is None and isinstance(value, Mapping):
            # A section the base leaves out (e.g. crisis): differences to its defaults,
            # or the empty table when the variant adds it with defaults only.
            cls = model_class(Scenario.model_fields[key].annotation)
            sub: dict[str, Any] = {}
            _diff(cls().model_dump(mode="python"), value, key, sub)
            out.update(sub or {key: {}})
        else:
            _diff(a.get(key), value, key, out)
    return out


def _diff(a: Any, b: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(b, Mapping) and isinstance(a, Mapping):
        for k, v in b.items():
            _diff(a.get(k), v, f"{path}.{k}" if path else k, out)
        return
    if isinstance(b, Mapping) and a is None:
        for k, v in b.items():
            if v is not None:
                _diff(None, v, f"{path}.{k}", out)
        return
    if (
        isinstance(a, list)
        and isinstance(b, list)
        and len(a) == len(b)
        and all(isinstance(x, Mapping) for x in a + b)
    ):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{path}.{i}", out)
        return
    if not _same(a, b):
        out[path] = b


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b
