"""Swept parameters: ``KEY=SPEC`` from the command line, checked against the schema.

A ``SPEC`` is one of

* a **list** of TOML values separated by commas: ``1,4,8,24``, ``true,false``,
  ``"apologize","deny"`` (bare words are strings too: ``apologize,deny``);
* a **range** ``lo:hi:step``, both ends included: ``0.1:0.5:0.1`` is 0.1, 0.2, 0.3,
  0.4, 0.5 (computed in decimal, so no 0.30000000000000004); integers stay
  integers (``2:24:2``);
* **bounds** ``lo..hi`` for sampled designs (``--method lhs|sobol|morris``);
  a parameter the schema declares as an integer is sampled as integers;
* a **single value** (``4``, ``"deny"``, ``[1, 2, 3]``): the same at every point.

Only explicit lists and ranges expand. A quoted string is one value whatever it
contains (``"a,b"`` is not split), and a TOML array is one value
(``population.kol_ids=[1,2,3]`` sets the list; ``[1,2],[3,4]`` sweeps two lists).

>>> parse_param("crisis.approval_delay_h=1,4,8,24").values
(1, 4, 8, 24)
>>> parse_param("messages.0.virality=0.1:0.5:0.1").values
(0.1, 0.2, 0.3, 0.4, 0.5)
>>> parse_param("crisis.strategy=\\"apologize,deny\\"").values
('apologize,deny',)
>>> b = parse_param("crisis.virality=0.5..2")
>>> b.kind, b.lo, b.hi
('bounds', 0.5, 2)
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from sim.errors import BuzzsimError, ScenarioError
from sim.scenario.build import leaf_types, scenario_raw, walk_loc
from sim.scenario.tomlwrite import fmt_value, toml_value
from sim.scenario.variants import resolve_path, with_overrides

__all__ = [
    "METHODS",
    "Bounds",
    "ParamSpec",
    "Range",
    "SweepSpecError",
    "canonical_json",
    "normalise_params",
    "parse_param",
    "parse_spec",
    "resolve_specs",
]

#: Design methods: a full grid, or a sample of the box given by bounds.
METHODS = ("grid", "lhs", "sobol", "morris")
#: Most values one range may expand to.
MAX_RANGE_VALUES = 1_000_000

#: Keys that cannot be swept, and why.
UNSWEPT_KEYS = {
    "run.seed": "every point uses the same replicate seeds (common random numbers); "
    "set the root seed with --seed",
    "run.replicates": "every point runs the same replicates; use --replicates",
    "name": "the scenario's name cannot vary",
    "variants": "variants are not swept; sweep the keys they set",
}


class SweepSpecError(BuzzsimError):
    """A ``--param`` that cannot be read or does not fit the scenario."""


@dataclass(frozen=True)
class Range:
    """``lo:hi:step`` with both ends included (API form of a range)."""

    lo: float
    hi: float
    step: float


@dataclass(frozen=True)
class Bounds:
    """``lo..hi``: the interval sampled by ``lhs``, ``sobol`` and ``morris``."""

    lo: float
    hi: float


@dataclass(frozen=True)
class ParamSpec:
    """One swept parameter.

    Attributes
    ----------
    key : str
        Dotted scenario key, as written (``crisis.approval_delay_h``).
    kind : {"values", "range", "bounds"}
        ``values``: an explicit list (or one fixed value); ``range``: ``lo:hi:step``;
        ``bounds``: ``lo..hi`` for sampled designs.
    text : str
        The ``SPEC`` as written (or a description for API input).
    values : tuple
        The values of a list or range (empty for bounds).
    lo, hi : float or int, optional
        The bounds.
    integer : bool
        Sample the bounds as integers (set from the schema by :func:`resolve_specs`).
    path : tuple
        The key resolved against the schema (list items as indices).
    """

    key: str
    kind: Literal["values", "range", "bounds"]
    text: str
    values: tuple[Any, ...] = ()
    lo: float | int | None = None
    hi: float | int | None = None
    integer: bool = False
    path: tuple[Any, ...] = field(default=(), compare=False)

    @property
    def fixed(self) -> bool:
        """One value at every point (not a swept axis)."""
        return self.kind != "bounds" and len(self.values) == 1

    @property
    def n_values(self) -> int | None:
        """Number of grid values (None for bounds)."""
        return None if self.kind == "bounds" else len(self.values)

    def describe(self) -> str:
        """``KEY=SPEC`` as written."""
        return f"{self.key}={self.text}"

    def to_json(self) -> dict[str, Any]:
        """What ``sweep.json`` records about this parameter."""
        out: dict[str, Any] = {"key": self.key, "kind": self.kind, "spec": self.text}
        if self.kind == "bounds":
            out.update(lo=self.lo, hi=self.hi, integer=self.integer)
        else:
            out["values"] = list(self.values)
        return out


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def parse_param(text: str) -> ParamSpec:
    """Parse a command-line ``KEY=SPEC``.

    Raises
    ------
    SweepSpecError
        No ``=``, an empty key or spec, or a spec that cannot be read.
    """
    if "=" not in text:
        raise SweepSpecError(
            f"--param {text!r} needs the form KEY=SPEC, e.g. crisis.approval_delay_h=1,4,8,24"
        )
    key, spec = text.split("=", 1)
    key = key.strip()
    if not key:
        raise SweepSpecError(f"--param {text!r} has no key before '='")
    return parse_spec(key, spec)


def parse_spec(key: str, spec: str) -> ParamSpec:
    """Parse the ``SPEC`` of ``--param KEY=SPEC`` (see the module docstring)."""
    where = f"--param {key}={spec}"
    s = spec.strip()
    if not s:
        raise SweepSpecError(f"{where}: no value after '='")
    bounds = _parse_bounds(s)
    if bounds is not None:
        lo, hi = bounds
        if not lo < hi:
            raise SweepSpecError(f"{where}: bounds lo..hi need lo < hi")
        return ParamSpec(key, "bounds", s, lo=lo, hi=hi)
    rng = _parse_range(s, where)
    if rng is not None:
        return ParamSpec(key, "range", s, values=tuple(rng))
    values = _parse_values(s, where)
    _check_distinct(values, where)
    return ParamSpec(key, "values", s, values=tuple(values))


_NUM = r"[-+]?[0-9][0-9_]*(?:\.[0-9_]+)?(?:[eE][-+]?[0-9_]+)?|[-+]?(?:inf|nan)"
_BOUNDS_RE = re.compile(rf"^\s*({_NUM})\s*\.\.\s*({_NUM})\s*$")


def _number(text: str) -> int | float | None:
    """A TOML integer or float, or None."""
    try:
        v = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def _parse_bounds(s: str) -> tuple[int | float, int | float] | None:
    m = _BOUNDS_RE.match(s)
    if not m:
        return None
    lo, hi = _number(m.group(1)), _number(m.group(2))
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return lo, hi


def _parse_range(s: str, where: str) -> list[int | float] | None:
    if ":" not in s or any(q in s for q in "\"'[]{}"):
        return None
    parts = s.split(":")
    nums = [_number(p) for p in parts]
    if any(n is None for n in nums):
        return None  # e.g. a bare string with a colon: a plain value
    if len(parts) != 3:
        raise SweepSpecError(
            f"{where}: a range is lo:hi:step with both ends included (e.g. 0.1:0.5:0.1)"
        )
    lo, hi, step = nums
    if not all(math.isfinite(x) for x in nums):
        raise SweepSpecError(f"{where}: a range needs finite numbers")
    if step == 0:
        raise SweepSpecError(f"{where}: the step of a range cannot be 0")
    if (hi - lo) * step < 0:
        raise SweepSpecError(
            f"{where}: step {step} never gets from {lo} to {hi}"
            f" (use a {'negative' if hi < lo else 'positive'} step)"
        )
    dlo, dhi, dstep = (Decimal(repr(x)) if isinstance(x, float) else Decimal(x) for x in nums)
    n = int((dhi - dlo) / dstep) + 1  # exact decimal division, truncated
    if n > MAX_RANGE_VALUES:
        raise SweepSpecError(f"{where}: the range has {n} values (at most {MAX_RANGE_VALUES})")
    integer = all(isinstance(x, int) for x in nums)
    out = [dlo + i * dstep for i in range(n)]
    return [int(v) for v in out] if integer else [float(v) for v in out]


def _parse_values(s: str, where: str) -> list[Any]:
    try:
        items = tomllib.loads(f"v = [{s}]")["v"]
    except tomllib.TOMLDecodeError:
        items = [_bare_value(p, where) for p in _split_commas(s, where)]
    if not items:
        raise SweepSpecError(f"{where}: no value")
    for v in items:
        if isinstance(v, (_dt.date, _dt.time, _dt.datetime)):
            raise SweepSpecError(
                f"{where}: {v} reads as a TOML date or time; quote it if it is a string"
            )
    return items


def _split_commas(s: str, where: str) -> list[str]:
    """Split at commas outside quotes and brackets."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in s:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    if parts and not parts[-1].strip() and len(parts) > 1:
        parts.pop()  # a trailing comma, as TOML allows
    for p in parts:
        if not p.strip():
            raise SweepSpecError(f"{where}: empty value in the list (two commas in a row?)")
    return parts


def _bare_value(text: str, where: str) -> Any:
    t = text.strip()
    try:
        return tomllib.loads(f"v = {t}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    if any(c in t for c in "\"'[]{}=") or "\n" in t:
        raise SweepSpecError(
            f"{where}: cannot read {t!r} as a value; write strings in double quotes "
            "inside single quotes, e.g. --param 'crisis.strategy=\"deny\"'"
        )
    return t  # a bare word: a string


def _value_key(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"num:{float(v)!r}"
    return canonical_json(v)


def _check_distinct(values: Sequence[Any], where: str) -> None:
    seen: set[str] = set()
    for v in values:
        k = _value_key(v)
        if k in seen:
            raise SweepSpecError(f"{where}: the value {_show(v)} is listed twice")
        seen.add(k)


def _show(v: Any) -> str:
    return fmt_value(v)


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys: the stable text that point ids hash."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------------------
# API input
# ---------------------------------------------------------------------------


def normalise_params(params: Mapping[str, Any] | Iterable[str] | Iterable[ParamSpec]) -> list[ParamSpec]:
    """Swept parameters given to :func:`sim.sweep.run_sweep`, as :class:`ParamSpec`.

    Parameters
    ----------
    params : mapping or list
        Either command-line strings ``["crisis.approval_delay_h=1,4,8", ...]``, or a
        mapping ``{key: value}`` where a **list** expands to its items, a
        :class:`Range` or :class:`Bounds` expands as on the command line, and
        anything else (a number, a string, a tuple, a dict) is one fixed value.
        Strings are never parsed or split in a mapping: ``{"k": "a,b"}`` is the
        string ``"a,b"``. To fix a list-valued key, wrap it: ``{"population.kol_ids": [[1, 2]]}``.
    """
    if isinstance(params, Mapping):
        out = []
        for key, v in params.items():
            where = f"parameter {key}"
            if isinstance(v, ParamSpec):
                out.append(v)
            elif isinstance(v, Bounds):
                if not v.lo < v.hi:
                    raise SweepSpecError(f"{where}: bounds need lo < hi")
                out.append(ParamSpec(key, "bounds", f"{v.lo}..{v.hi}", lo=v.lo, hi=v.hi))
            elif isinstance(v, Range):
                out.append(parse_spec(key, f"{v.lo!r}:{v.hi!r}:{v.step!r}"))
            elif isinstance(v, list):
                if not v:
                    raise SweepSpecError(f"{where}: empty list of values")
                vals = [_plain(x) for x in v]
                _check_distinct(vals, where)
                out.append(ParamSpec(key, "values", _list_text(vals), values=tuple(vals)))
            else:
                val = _plain(v)
                out.append(ParamSpec(key, "values", _list_text([val]), values=(val,)))
        return out
    out = []
    for p in params:
        out.append(p if isinstance(p, ParamSpec) else parse_param(str(p)))
    return out


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
        return v.item()  # numpy scalar
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def _list_text(values: Sequence[Any]) -> str:
    try:
        return ",".join(toml_value(v) for v in values)
    except TypeError:
        return repr(list(values))


# ---------------------------------------------------------------------------
# Checking against the scenario
# ---------------------------------------------------------------------------


def resolve_specs(scenario: Any, specs: Sequence[ParamSpec], method: str) -> list[ParamSpec]:
    """Check every swept key and value against ``scenario``'s schema.

    Each key must exist (unknown keys get the closest valid one); each listed value,
    and both ends of bounds, must give a valid scenario on its own. Bounds learn
    from the schema whether they are integers.

    Returns
    -------
    list of ParamSpec
        ``specs`` with ``path`` and ``integer`` filled in.

    Raises
    ------
    SweepSpecError
        One line: which ``--param``, what is wrong, what is allowed.
    """
    if method not in METHODS:
        raise SweepSpecError(f"--method {method!r} is not one of {', '.join(METHODS)}")
    if not specs:
        raise SweepSpecError("a sweep needs at least one --param KEY=SPEC")
    raw = scenario_raw(scenario)
    out: list[ParamSpec] = []
    seen: dict[tuple, str] = {}
    for sp in specs:
        where = f"--param {sp.describe()}"
        for bad, why in UNSWEPT_KEYS.items():
            if sp.key == bad or sp.key.startswith(bad + "."):
                raise SweepSpecError(f"{where}: {sp.key} cannot be swept ({why})")
        try:
            path = tuple(resolve_path(raw, sp.key, in_variant=False))
        except ScenarioError as exc:
            raise SweepSpecError(f"{where}: {exc}") from None
        if path in seen:
            raise SweepSpecError(f"{where}: {sp.key} is already swept by --param {seen[path]}")
        seen[path] = sp.describe()
        _, fld, _ = walk_loc(type(scenario), path)
        kinds = leaf_types(fld.annotation) if fld is not None else set()
        integer = int in kinds and float not in kinds
        if sp.kind == "bounds":
            if method == "grid":
                raise SweepSpecError(
                    f"{where}: bounds lo..hi are for --method lhs, sobol or morris; "
                    f"a grid takes a list (1,4,8) or a range lo:hi:step"
                )
            if kinds and not kinds & {int, float}:
                raise SweepSpecError(f"{where}: {sp.key} is not a number; bounds need a number")
            lo, hi = sp.lo, sp.hi
            if integer:
                if not (float(lo).is_integer() and float(hi).is_integer()):
                    raise SweepSpecError(f"{where}: {sp.key} is an integer; give integer bounds")
                lo, hi = int(lo), int(hi)
            checks = [lo, hi]
            sp = replace(sp, lo=lo, hi=hi, integer=integer)
        else:
            if method != "grid" and not sp.fixed:
                raise SweepSpecError(
                    f"{where}: --method {method} samples bounds lo..hi; lists and ranges "
                    "are for --method grid (a single value is fixed at every point)"
                )
            checks = list(sp.values)
        for v in checks:
            try:
                with_overrides(scenario, {sp.key: v})
            except ScenarioError as exc:
                raise SweepSpecError(f"{where}: {exc}") from None
        out.append(replace(sp, path=path))
    if method != "grid" and not any(s.kind == "bounds" for s in out):
        raise SweepSpecError(f"--method {method} needs at least one --param KEY=lo..hi")
    return out
