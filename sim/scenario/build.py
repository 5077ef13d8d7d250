"""Validate a parsed scenario document against the schema, with one-line errors.

Topic presets fill the keys a message leaves out, strict scalar checks refuse
silent coercions (``"3"`` for an integer), and pydantic's complaints become one
line naming the key path, the value and what is allowed. :mod:`sim.scenario.load`
(files, variants) and :mod:`sim.scenario.variants` both build on this module.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.presets import apply_topic_preset
from sim.scenario.schema import Scenario
from sim.scenario.tomlwrite import fmt_value, lower_first

__all__ = [
    "SECTION_ORDER",
    "build_scenario",
    "describe_field",
    "format_validation_error",
    "leaf_types",
    "list_item_type",
    "model_class",
    "scenario_raw",
    "schema_paths",
    "strip_optional",
    "suggest_path",
    "walk_loc",
]

#: Keys that live at the top of a scenario file, in the order ``show`` writes them.
SECTION_ORDER = (
    "name",
    "description",
    "graph",
    "population",
    "brand",
    "dynamics",
    "feed",
    "trending",
    "platforms",
    "messages",
    "crisis",
    "analysis",
    "run",
    "variants",
)


def build_scenario(data: Mapping[str, Any], *, prefix: str = "") -> Scenario:
    """Apply topic presets to ``data`` and validate it with the schema.

    Keys filled from a preset are *not* marked as explicitly set on the resulting
    :class:`MessageConfig` (``model_fields_set``), so that :func:`scenario_raw`
    returns the scenario as written and a variant that switches ``topic``
    re-applies the new preset.

    Raises
    ------
    ScenarioError
        The schema's complaint turned into one line.
    """
    data = dict(data)
    msgs = data.get("messages")
    if isinstance(msgs, Mapping):
        raise ScenarioError(
            f"{prefix}messages must be an array of tables: write [[messages]], not [messages]"
        )
    filled: list[set[str]] = []
    if isinstance(msgs, list):
        new_msgs = []
        for m in msgs:
            if isinstance(m, Mapping):
                m, keys = apply_topic_preset(m)
            else:
                keys = set()
            new_msgs.append(m)
            filled.append(keys)
        data["messages"] = new_msgs
    problem = _strict_scalars(Scenario, data, [])
    if problem:
        raise ScenarioError(prefix + problem)
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(prefix + format_validation_error(exc, data)) from None
    if "messages" in data:
        for msg, keys in zip(scn.messages, filled):
            # Preset values are the topic's defaults, not explicit settings.
            msg.__pydantic_fields_set__.difference_update(keys)
    return scn


def leaf_types(tp: Any) -> set[Any]:
    """The plain types a (possibly Optional/Union/Literal) annotation accepts."""
    tp = strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        out: set[Any] = set()
        for a in typing.get_args(tp):
            out |= leaf_types(a)
        return out
    if origin is Literal:
        return {type(v) for v in typing.get_args(tp)}
    return {origin or tp}


def _strict_scalars(model: type[BaseModel], data: Any, path: list[Any]) -> str | None:
    """Reject what pydantic's lax mode would coerce but a TOML author did not mean.

    ``n = true`` is not the number 1 and ``n = "2000"`` is a string: both are
    errors here, although pydantic would accept them.
    """
    if not isinstance(data, Mapping):
        return None
    for key, value in data.items():
        if key not in model.model_fields or key == "variants":
            continue
        ann = model.model_fields[key].annotation
        where = path + [key]
        cls = model_class(ann)
        item = list_item_type(ann)
        if cls is not None:
            problem = _strict_scalars(cls, value, where)
        elif item is not None and isinstance(value, list):
            item_cls = model_class(item)
            problem = None
            for i, v in enumerate(value):
                if item_cls is not None:
                    problem = _strict_scalars(item_cls, v, where + [i])
                else:
                    problem = _strict_value(item, v, where + [i])
                if problem:
                    break
        else:
            problem = _strict_value(ann, value, where, model.model_fields[key])
        if problem:
            return problem
    return None


def _strict_value(ann: Any, value: Any, path: list[Any], field: Any = None) -> str | None:
    kinds = leaf_types(ann)
    key = ".".join(str(p) for p in path)
    expected = describe_field(field, str(path[-1])) if field is not None else _describe_type(ann)
    numeric = kinds & {int, float}
    if isinstance(value, bool) and numeric and bool not in kinds:
        return f"{key} = {fmt_value(value)} is not valid; expected {expected}"
    if isinstance(value, str) and str not in kinds and (numeric or bool in kinds):
        return (
            f"{key} = {fmt_value(value)} is a string; expected {expected} "
            "(write it without quotes)"
        )
    return None



def scenario_raw(scenario: Scenario, *, variants: bool = False) -> dict[str, Any]:
    """The scenario as written: only the keys that were set explicitly.

    Values filled from defaults or topic presets are left out, so validating
    the result (with :func:`build_scenario`) gives back the same scenario.
    """
    raw = scenario.model_dump(mode="python", exclude_unset=True)
    if not variants:
        raw.pop("variants", None)
    return raw


# ---------------------------------------------------------------------------
# Turning pydantic's errors into one line
# ---------------------------------------------------------------------------

_RANGE_TYPES = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


def format_validation_error(exc: ValidationError, data: Mapping[str, Any] | None = None) -> str:
    """One line for a pydantic :class:`ValidationError` on :class:`Scenario`.

    The line names the key path, the value and what is allowed; unknown keys get
    the closest valid name. Errors on the same key (the branches of a union) are
    merged; when several keys are wrong the first is shown with ``(and N more)``.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        path, field, _ = walk_loc(Scenario, err["loc"])
        groups.setdefault(tuple(path), []).append({**err, "_field": field})
    items = list(groups.items())
    # Typos first: an unknown key is the most likely cause of whatever else is wrong.
    items.sort(key=lambda kv: 0 if any(e["type"] == "extra_forbidden" for e in kv[1]) else 1)
    lines = [_format_group(list(path), errs) for path, errs in items]
    first = lines[0]
    if len(lines) > 1:
        first += f" (and {len(lines) - 1} more)"
    return first


def walk_loc(model: type[BaseModel], loc: tuple) -> tuple[list[Any], Any, type[BaseModel] | None]:
    """Follow a pydantic error location through the schema.

    Returns the displayable path (union tags dropped), the ``FieldInfo`` of the
    last field reached (or None) and the model class that holds it.
    """
    path: list[Any] = []
    field = None
    owner: type[BaseModel] | None = model
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            path.append(part)
            current = list_item_type(current)
            continue
        cls = model_class(current)
        if cls is None:
            break  # a union tag such as "int" or "literal[...]": not part of the key path
        path.append(part)
        if part not in cls.model_fields:
            owner, field, current = cls, None, None
            break
        owner, field = cls, cls.model_fields[part]
        current = field.annotation
    return path, field, owner


def strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return strip_optional(args[0])
    if typing.get_origin(tp) is typing.Annotated:
        return strip_optional(typing.get_args(tp)[0])
    return tp


def model_class(tp: Any) -> type[BaseModel] | None:
    tp = strip_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    return None


def list_item_type(tp: Any) -> Any:
    tp = strip_optional(tp)
    if typing.get_origin(tp) is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return arg
    return None


def _format_group(path: list[Any], errs: list[dict[str, Any]]) -> str:
    key = ".".join(str(p) for p in path)
    err = errs[0]
    etype = err["type"]
    value = err.get("input")
    field = err["_field"]
    if etype == "extra_forbidden":
        return f"unknown key {key}{_suggest_key(path)}"
    if etype in ("value_error", "assertion_error") and all(
        e["type"] in ("value_error", "assertion_error") for e in errs
    ):
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return msg if not key or key.split(".")[0] in msg else f"{key}: {msg}"
    if etype in ("model_type", "dict_type", "model_attributes_type"):
        what = f"[{key}]" if path and isinstance(path[-1], str) else "{ ... }"
        return f"{key} = {fmt_value(value)} must be a table ({what}), not a single value"
    if etype == "list_type":
        hint = f" (write [[{key}]] tables)" if key in ("messages", "variants", "platforms") else ""
        return f"{key} = {fmt_value(value)} must be a list{hint}"
    leaf = str(path[-1]) if path else "value"
    allowed = describe_field(field, leaf) if field is not None else ""
    if len(errs) == 1 and etype in _RANGE_TYPES:
        rng = _describe_range(field.metadata if field is not None else [], leaf) if field else ""
        bound = err.get("ctx") or {}
        if not rng:
            op = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
            rng = " and ".join(f"{leaf} {op[k]} {_num(v)}" for k, v in bound.items() if k in op)
        return f"{key} = {fmt_value(value)} is out of range (allowed: {rng})"
    literals = _literal_values(field.annotation) if field is not None else []
    if literals and any(e["type"] == "literal_error" for e in errs):
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(v) for v in literals], n=1, cutoff=0.5)
            if close:
                hint = f" (did you mean {fmt_value(close[0])}?)"
        return f"{key} = {fmt_value(value)} is not allowed; expected {allowed}{hint}"
    if allowed:
        return f"{key} = {fmt_value(value)} is not valid; expected {allowed}"
    return f"{key} = {fmt_value(value)}: {lower_first(err['msg'])}"  # pragma: no cover


def _literal_values(tp: Any) -> list[Any]:
    tp = strip_optional(tp)
    if typing.get_origin(tp) is Literal:
        return list(typing.get_args(tp))
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        out: list[Any] = []
        for a in typing.get_args(tp):
            out += _literal_values(a)
        return out
    return []


def _describe_type(tp: Any) -> str:
    """Plain words for a type annotation: 'an integer', 'one of "a", "b"'..."""
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        rng = _describe_range(_flatten_meta(meta), None)
        return _describe_type(base) + (f" {rng}" if rng else "")
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return " or ".join(_describe_type(a) for a in args)
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(fmt_value(v) for v in typing.get_args(tp))
    if typing.get_origin(tp) is list:
        (arg,) = typing.get_args(tp) or (Any,)
        return f"a list of {_plural(_describe_type(arg))}"
    if typing.get_origin(tp) is dict:
        return "a table"
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    cls = model_class(tp)
    if cls is not None:
        return "a table"
    return getattr(tp, "__name__", str(tp))


def _plural(words: str) -> str:
    return (
        words.replace("an integer", "integers")
        .replace("a number", "numbers")
        .replace("a string", "strings")
        .replace("a table", "tables")
    )


def _flatten_meta(meta: list[Any]) -> list[Any]:
    out: list[Any] = []
    for m in meta:
        if hasattr(m, "metadata") and not isinstance(m, annotated_types.BaseMetadata):
            out += list(m.metadata)  # a FieldInfo inside Annotated[...]
        else:
            out.append(m)
    return out


def describe_field(field: Any, leaf: str) -> str:
    """What a field accepts, including its range (from the field's metadata)."""
    words = _describe_type(field.annotation)
    rng = _describe_range(list(field.metadata), None)
    words = f"{words} {rng}".strip() if rng else words
    unit = "characters" if words.startswith("a string") else "items"
    return words + _describe_length(list(field.metadata), unit)


def _describe_length(meta: list[Any], unit: str) -> str:
    """`` of 1 to 200 characters``-style text for length limits (strings, lists)."""
    lo = next((m.min_length for m in meta if isinstance(m, annotated_types.MinLen)), None)
    hi = next((m.max_length for m in meta if isinstance(m, annotated_types.MaxLen)), None)
    if lo and hi:
        return f" of {lo} to {hi:,} {unit}"
    if hi:
        return f" of at most {hi:,} {unit}"
    return ""


def _describe_range(meta: list[Any], leaf: str | None) -> str:
    """``0 <= x <= 1``-style text (or ``>= 0 and <= 1`` without a name)."""
    lo = hi = None
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            lo = (">=", m.ge)
        elif isinstance(m, annotated_types.Gt):
            lo = (">", m.gt)
        elif isinstance(m, annotated_types.Le):
            hi = ("<=", m.le)
        elif isinstance(m, annotated_types.Lt):
            hi = ("<", m.lt)
        elif isinstance(m, (annotated_types.MinLen, annotated_types.MaxLen)):
            continue
        elif isinstance(m, annotated_types.Interval):
            if m.ge is not None:
                lo = (">=", m.ge)
            if m.gt is not None:
                lo = (">", m.gt)
            if m.le is not None:
                hi = ("<=", m.le)
            if m.lt is not None:
                hi = ("<", m.lt)
    if leaf is None:
        parts = [f"{b[0]} {_num(b[1])}" for b in (lo, hi) if b]
        return " and ".join(parts) if lo and hi else (parts[0] if parts else "")
    if lo and hi:
        flip = {">=": "<=", ">": "<"}
        return f"{_num(lo[1])} {flip[lo[0]]} {leaf} {hi[0]} {_num(hi[1])}"
    if lo:
        return f"{leaf} {lo[0]} {_num(lo[1])}"
    if hi:
        return f"{leaf} {hi[0]} {_num(hi[1])}"
    return ""


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


# --- did you mean -----------------------------------------------------------


def schema_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Every settable dotted key of the schema (list items as ``messages.0.key``)."""
    out: list[str] = []
    for name, field in model.model_fields.items():
        if name == "variants":
            continue
        path = f"{prefix}{name}"
        cls = model_class(field.annotation)
        item = model_class(list_item_type(field.annotation) or type(None))
        if cls is not None:
            out += schema_paths(cls, path + ".")
        elif item is not None:
            out += schema_paths(item, path + ".0.")
        else:
            out.append(path)
    return out


def _suggest_key(path: list[Any]) -> str:
    """`` (did you mean X?)`` for an unknown key at ``path`` (or ``''``)."""
    if not path:
        return ""
    _, _, owner = walk_loc(Scenario, tuple(path))
    bad = str(path[-1])
    parent = path[:-1]
    pre = ".".join(str(p) for p in parent)
    pre = pre + "." if pre else ""
    if owner is not None:
        close = difflib.get_close_matches(bad, list(owner.model_fields), n=1, cutoff=0.6)
        if close:
            return f" (did you mean {pre}{close[0]}?)"
    # The key may belong to another section, e.g. `seed` under [graph] instead of [run].
    everywhere = schema_paths()
    same_name = [p for p in everywhere if p.split(".")[-1] == bad]
    if same_name:
        return f" (did you mean {same_name[0]}?)"
    close = difflib.get_close_matches(".".join(str(p) for p in path), everywhere, n=1, cutoff=0.75)
    if close:
        return f" (did you mean {close[0]}?)"
    if owner is not None and not parent:
        return f" (valid sections: {', '.join(SECTION_ORDER)})"
    return ""


def suggest_path(bad: str, candidates: list[str]) -> str:
    """`` (did you mean X?)`` from ``candidates`` for a dotted key, or ``''``."""
    close = difflib.get_close_matches(bad, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


