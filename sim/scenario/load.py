"""Load scenario files (TOML) and dicts into a validated :class:`Scenario`.

A scenario file is data, never code: it is parsed with :mod:`tomllib`, topic
presets fill the keys a message leaves out, and the pydantic schema
(:mod:`sim.scenario.schema`) validates the result. Anything wrong is reported as
one :class:`~sim.errors.ScenarioError` line naming the file, the key path, the
offending value and what is allowed, e.g.::

    crisis.toml: crisis.approval_delay_h = -2 is out of range (allowed: approval_delay_h >= 0)

The module also finds library scenarios (``scenarios/*.toml``) by name and writes
a scenario back as TOML (:func:`scenario_to_toml`, used by ``buzzsim show``).
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import TOPIC_PRESETS, MessageConfig, Scenario

__all__ = [
    "find_scenario",
    "library_dirs",
    "library_scenarios",
    "load_scenario",
    "read_scenario_file",
    "scenario_raw",
    "scenario_to_toml",
    "to_toml",
    "validate_scenario",
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
    "messages",
    "crisis",
    "analysis",
    "run",
    "variants",
)

ScenarioLike = str | Path | Mapping[str, Any] | Scenario


# ---------------------------------------------------------------------------
# Finding and reading files
# ---------------------------------------------------------------------------


def library_dirs() -> list[Path]:
    """Folders searched for library scenarios, in order of precedence.

    The current directory's ``scenarios/`` first, then the ``scenarios/`` folder
    of the buzzsim source tree (``Path(sim.__file__).parents[1] / "scenarios"``).
    Folders that do not exist are left out; duplicates are removed.
    """
    import sim

    candidates = [Path.cwd() / "scenarios", Path(sim.__file__).resolve().parents[1] / "scenarios"]
    seen: set[Path] = set()
    out: list[Path] = []
    for d in candidates:
        try:
            key = d.resolve()
        except OSError:  # pragma: no cover - unreadable cwd
            continue
        if key in seen or not d.is_dir():
            continue
        seen.add(key)
        out.append(d)
    return out


def library_scenarios() -> dict[str, Path]:
    """Library scenarios by name (file stem), earlier folders shadowing later ones."""
    found: dict[str, Path] = {}
    for d in library_dirs():
        for p in sorted(d.glob("*.toml")):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def find_scenario(spec: str | Path) -> Path:
    """The scenario file meant by ``spec``: a path, or a library name.

    Parameters
    ----------
    spec : str or Path
        A path to a TOML file, or the name of a library scenario such as
        ``"topic_lifecycle"`` (with or without ``.toml``).

    Raises
    ------
    ScenarioError
        If no such file or library scenario exists (with the closest library name).
    """
    path = Path(spec)
    if path.is_file():
        return path
    if path.is_dir():
        raise ScenarioError(f"{spec} is a folder, not a scenario file (.toml)")
    lib = library_scenarios()
    name = path.name.removesuffix(".toml")
    if len(path.parts) == 1 and name in lib:
        return lib[name]
    hint = ""
    close = difflib.get_close_matches(name, list(lib), n=1)
    if close:
        hint = f" (did you mean {close[0]}?)"
    elif lib:
        hint = " (see `buzzsim list` for the scenario library)"
    raise ScenarioError(f"scenario file not found: {spec}{hint}")


def read_scenario_file(path: str | Path) -> tuple[str, dict[str, Any]]:
    """Read and parse a scenario file without validating it.

    Returns
    -------
    text : str
        The file's text (recorded in the run manifest).
    data : dict
        The parsed TOML document.

    Raises
    ------
    ScenarioError
        Missing or unreadable file, or a TOML syntax error (with line and column).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {path}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path} is a folder, not a scenario file (.toml)") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}: not a UTF-8 text file (bad byte at line {line})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: {_toml_error(exc, text)}") from None
    return text, data


def _toml_error(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """``invalid TOML at line L, column C: <reason>`` from a tomllib error."""
    msg = str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", msg)
    if m:
        reason = msg[: m.start()]
        line, col = int(m.group(1)), int(m.group(2))
        src = text.splitlines()[line - 1].strip() if line <= len(text.splitlines()) else ""
        shown = f" in `{_clip(src, 50)}`" if src else ""
        return f"invalid TOML at line {line}, column {col}{shown}: {_lower_first(reason)}"
    m = re.search(r"\s*\(at end of document\)\s*$", msg)
    if m:
        n = max(1, len(text.splitlines()))
        return f"invalid TOML at the end of the file (line {n}): {_lower_first(msg[: m.start()])}"
    return f"invalid TOML: {msg}"  # pragma: no cover - tomllib always says where


# ---------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------


def load_scenario(config: ScenarioLike, *, name: str | None = None) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    config : str, Path, dict or Scenario
        A TOML file, a library scenario name (``"topic_lifecycle"``), a dict with
        the same structure as the file, or a :class:`Scenario` (re-resolved: topic
        presets are applied to keys that were not set explicitly).
    name : str, optional
        The scenario's name when the input does not state one. Defaults to the
        file stem for files and to the schema default for dicts.

    Returns
    -------
    Scenario
        The validated scenario. Its ``variants`` are normalised to flat dotted
        keys (``{"name": ..., "description": ..., "crisis.approval_delay_h": 8}``)
        and each of them has been checked to produce a valid scenario.

    Raises
    ------
    ScenarioError
        One line saying what is wrong, where, and what is allowed.
    """
    source: str | None = None
    if isinstance(config, Scenario):
        data = scenario_raw(config, variants=True)
    elif isinstance(config, Mapping):
        data = copy.deepcopy(dict(config))
    elif isinstance(config, (str, Path)):
        path = find_scenario(config)
        _, data = read_scenario_file(path)
        source = str(config) if Path(config).is_file() else str(path)
        graph = data.get("graph")
        if isinstance(graph, dict) and isinstance(graph.get("path"), str) and graph["path"]:
            # a graph file named in a scenario file is found next to it, not from the working directory
            g_path = Path(graph["path"]).expanduser()
            if not g_path.is_absolute():
                graph["path"] = str(Path(path).resolve().parent / g_path)
        if name is None:
            name = path.stem
    else:
        raise ScenarioError(
            f"a scenario must be a file path, a dict or a Scenario, not {type(config).__name__}"
        )
    if name is not None and "name" not in data:
        data["name"] = name
    return validate_scenario(data, source=source)


def validate_scenario(data: Mapping[str, Any], *, source: str | None = None) -> Scenario:
    """Validate a parsed scenario document (presets, schema, variants).

    Parameters
    ----------
    data : dict
        The scenario as a nested dict (the parsed TOML).
    source : str, optional
        Where ``data`` came from; prefixed to error messages.

    Raises
    ------
    ScenarioError
        The first problem found, plus ``(and N more)`` when there are several.
    """
    from sim.scenario import variants as _variants

    prefix = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{prefix}a scenario must be a table of sections, not {data!r}")
    data = dict(data)
    raw_variants = data.pop("variants", [])
    if isinstance(raw_variants, Mapping):
        raise ScenarioError(
            f"{prefix}variants must be an array of tables: write [[variants]], not [variants]"
        )
    if not isinstance(raw_variants, list):
        raise ScenarioError(
            f"{prefix}variants = {_fmt_value(raw_variants)} must be an array of tables "
            "([[variants]] sections)"
        )
    base = build_scenario(data, prefix=prefix)
    flat = [_variants.normalise_variant(v, i, prefix=prefix) for i, v in enumerate(raw_variants)]
    _variants.check_variant_names(flat, prefix=prefix)
    raw_base = scenario_raw(base)
    for i, v in enumerate(flat):
        _variants.build_variant(raw_base, v, index=i, prefix=prefix)
    if not flat:
        return base
    # Re-validate with the normalised variants, then restore the preset bookkeeping.
    return build_scenario({**data, "variants": flat}, prefix=prefix)


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
                m, keys = _apply_preset(m)
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


def _leaf_types(tp: Any) -> set[Any]:
    """The plain types a (possibly Optional/Union/Literal) annotation accepts."""
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        out: set[Any] = set()
        for a in typing.get_args(tp):
            out |= _leaf_types(a)
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
        cls = _model_class(ann)
        item = _list_item_type(ann)
        if cls is not None:
            problem = _strict_scalars(cls, value, where)
        elif item is not None and isinstance(value, list):
            item_cls = _model_class(item)
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
    kinds = _leaf_types(ann)
    key = ".".join(str(p) for p in path)
    expected = _describe_field(field, str(path[-1])) if field is not None else _describe_type(ann)
    numeric = kinds & {int, float}
    if isinstance(value, bool) and numeric and bool not in kinds:
        return f"{key} = {_fmt_value(value)} is not valid; expected {expected}"
    if isinstance(value, str) and str not in kinds and (numeric or bool in kinds):
        return (
            f"{key} = {_fmt_value(value)} is a string; expected {expected} "
            "(write it without quotes)"
        )
    return None


def _apply_preset(message: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Fill a message's unspecified keys from its topic preset (explicit keys win)."""
    out = dict(message)
    topic = out.get("topic")
    preset = TOPIC_PRESETS.get(topic) if isinstance(topic, str) else None
    if not preset:
        return out, set()
    keys = {k for k in preset if k not in out}
    for k in keys:
        out[k] = copy.deepcopy(preset[k])
    return out, keys


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
        path, field, _ = _walk_loc(Scenario, err["loc"])
        groups.setdefault(tuple(path), []).append({**err, "_field": field})
    items = list(groups.items())
    # Typos first: an unknown key is the most likely cause of whatever else is wrong.
    items.sort(key=lambda kv: 0 if any(e["type"] == "extra_forbidden" for e in kv[1]) else 1)
    lines = [_format_group(list(path), errs) for path, errs in items]
    first = lines[0]
    if len(lines) > 1:
        first += f" (and {len(lines) - 1} more)"
    return first


def _walk_loc(model: type[BaseModel], loc: tuple) -> tuple[list[Any], Any, type[BaseModel] | None]:
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
            current = _list_item_type(current)
            continue
        cls = _model_class(current)
        if cls is None:
            break  # a union tag such as "int" or "literal[...]": not part of the key path
        path.append(part)
        if part not in cls.model_fields:
            owner, field, current = cls, None, None
            break
        owner, field = cls, cls.model_fields[part]
        current = field.annotation
    return path, field, owner


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if typing.get_origin(tp) is typing.Annotated:
        return _strip_optional(typing.get_args(tp)[0])
    return tp


def _model_class(tp: Any) -> type[BaseModel] | None:
    tp = _strip_optional(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    return None


def _list_item_type(tp: Any) -> Any:
    tp = _strip_optional(tp)
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
        return f"{key} = {_fmt_value(value)} must be a table ({what}), not a single value"
    if etype == "list_type":
        hint = f" (write [[{key}]] tables)" if key in ("messages", "variants") else ""
        return f"{key} = {_fmt_value(value)} must be a list{hint}"
    leaf = str(path[-1]) if path else "value"
    allowed = _describe_field(field, leaf) if field is not None else ""
    if len(errs) == 1 and etype in _RANGE_TYPES:
        rng = _describe_range(field.metadata if field is not None else [], leaf) if field else ""
        bound = err.get("ctx") or {}
        if not rng:
            op = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
            rng = " and ".join(f"{leaf} {op[k]} {_num(v)}" for k, v in bound.items() if k in op)
        return f"{key} = {_fmt_value(value)} is out of range (allowed: {rng})"
    literals = _literal_values(field.annotation) if field is not None else []
    if literals and any(e["type"] == "literal_error" for e in errs):
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(v) for v in literals], n=1, cutoff=0.5)
            if close:
                hint = f" (did you mean {_fmt_value(close[0])}?)"
        return f"{key} = {_fmt_value(value)} is not allowed; expected {allowed}{hint}"
    if allowed:
        return f"{key} = {_fmt_value(value)} is not valid; expected {allowed}"
    return f"{key} = {_fmt_value(value)}: {_lower_first(err['msg'])}"  # pragma: no cover


def _literal_values(tp: Any) -> list[Any]:
    tp = _strip_optional(tp)
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
        return "one of " + ", ".join(_fmt_value(v) for v in typing.get_args(tp))
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
    cls = _model_class(tp)
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


def _describe_field(field: Any, leaf: str) -> str:
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
        cls = _model_class(field.annotation)
        item = _model_class(_list_item_type(field.annotation) or type(None))
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
    _, _, owner = _walk_loc(Scenario, tuple(path))
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


# ---------------------------------------------------------------------------
# Writing TOML
# ---------------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _fmt_value(v: Any) -> str:
    """A value as TOML would write it (strings quoted), clipped for messages."""
    try:
        return _clip(_toml_value(v), 60)
    except TypeError:
        return _clip(repr(v), 60)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        inner = ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items() if x is not None)
        return "{ " + inner + " }" if inner else "{}"
    if hasattr(v, "item"):  # numpy scalar
        return _toml_value(v.item())
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def to_toml(data: Mapping[str, Any], *, comments: Mapping[str, str] | None = None) -> str:
    """Write a nested dict as TOML (``None`` values are left out: TOML has no null).

    Scalars and lists of scalars become ``key = value``; dicts become ``[tables]``;
    lists of dicts become ``[[arrays of tables]]``. ``comments`` maps a table's
    dotted name to a comment written above it.
    """
    comments = comments or {}
    lines: list[str] = []
    commented: set[str] = set()

    def emit(table: Mapping[str, Any], name: str, header: str | None) -> None:
        scalars = []
        subtables = []
        for k, v in table.items():
            if v is None:
                continue
            if isinstance(v, Mapping) and v:
                subtables.append((k, v, False))
            elif isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v):
                subtables.append((k, v, True))
            else:
                scalars.append((k, v))
        if header is not None:
            if lines:
                lines.append("")
            if name in comments and name not in commented:
                commented.add(name)
                lines.extend(f"# {c}".rstrip() for c in comments[name].splitlines())
            lines.append(header)
        for k, v in scalars:
            lines.append(f"{_key(k)} = {_toml_value(v)}")
        for k, v, is_array in subtables:
            sub = f"{name}.{_key(k)}" if name else _key(k)
            if is_array:
                for item in v:
                    emit(item, sub, f"[[{sub}]]")
            else:
                emit(v, sub, f"[{sub}]")

    emit(data, "", None)
    return "\n".join(lines) + "\n"


def scenario_to_toml(scenario: Scenario, *, header: str | None = None) -> str:
    """The fully resolved scenario as TOML: every parameter written out.

    Variants are written as the dotted keys in which their resolved parameters
    differ from the base scenario (so topic presets applied by a variant show up
    as the values they set). Loading the output gives back the same parameters,
    base and variants alike.
    """
    from sim.scenario import variants as _variants

    data = scenario.model_dump(mode="python")
    data.pop("variants", None)
    # a default whose meaning depends on the graph ("500 fans, or every account of a
    # smaller graph") is written only when set, so the file means what the scenario did
    if "fans" not in scenario.brand.model_fields_set:
        data.get("brand", {}).pop("fans", None)
    out: dict[str, Any] = {k: data[k] for k in SECTION_ORDER if k in data}
    if scenario.variants:
        rows = []
        for v in _variants.resolve_variants(scenario, include_baseline=False):
            row: dict[str, Any] = {"name": v.name}
            if v.description:
                row["description"] = v.description
            # A variant whose overrides change nothing keeps them (as written), so that
            # it is not mistaken for an override-free baseline when loaded back.
            row.update(_variants.diff_scenarios(scenario, v.scenario) or v.overrides)
            rows.append(row)
        out["variants"] = rows
    comments = {
        name: (_model_class(Scenario.model_fields[name].annotation).__doc__ or "").strip()
        for name in SECTION_ORDER
        if name in Scenario.model_fields and _model_class(Scenario.model_fields[name].annotation)
    }
    comments = {k: v.splitlines()[0] for k, v in comments.items() if v}
    if "messages" in out:
        comments["messages"] = (MessageConfig.__doc__ or "").strip().splitlines()[0]
    if "variants" in out:
        comments["variants"] = (
            "Variants: the keys in which each variant's resolved parameters differ from the above"
        )
    text = to_toml(out, comments=comments)
    if header:
        text = "".join(f"# {h}\n".replace("# \n", "#\n") for h in header.splitlines()) + "\n" + text
    return text


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s


# ---------------------------------------------------------------------------
# Reference tables (docs/scenarios.md)
# ---------------------------------------------------------------------------


def field_rows(model: type[BaseModel]) -> list[tuple[str, str, str]]:
    """``(key, default, allowed values)`` for every field of a schema section.

    Used to write the tables of ``docs/scenarios.md``.
    """
    rows = []
    for name, fld in model.model_fields.items():
        default = fld.get_default(call_default_factory=True)
        if isinstance(default, BaseModel) or (
            isinstance(default, list) and default and isinstance(default[0], BaseModel)
        ):
            continue
        shown = "(none)" if default is None else _fmt_value(default)
        rows.append((name, shown, _describe_field(fld, name)))
    return rows
