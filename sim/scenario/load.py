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
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.errors import ScenarioError
from sim.scenario import variants as _variants
from sim.scenario.build import (
    SECTION_ORDER,
    build_scenario,
    describe_field,
    model_class,
    scenario_raw,
)
from sim.scenario.schema import MessageConfig, Scenario
from sim.scenario.tomlwrite import clip, fmt_value, lower_first, to_toml

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


#: The folder holding the ``sim`` package (a checkout's root).
_SOURCE_ROOT = Path(__file__).resolve().parents[2]

ScenarioLike = str | Path | Mapping[str, Any] | Scenario


# ---------------------------------------------------------------------------
# Finding and reading files
# ---------------------------------------------------------------------------


def library_dirs() -> list[Path]:
    """Folders searched for library scenarios, in order of precedence.

    The current directory's ``scenarios/`` first, then the ``scenarios/`` folder
    of the buzzsim source tree (the folder beside the ``sim`` package).
    Folders that do not exist are left out; duplicates are removed.
    """
    candidates = [Path.cwd() / "scenarios", _SOURCE_ROOT / "scenarios"]
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
        shown = f" in `{clip(src, 50)}`" if src else ""
        return f"invalid TOML at line {line}, column {col}{shown}: {lower_first(reason)}"
    m = re.search(r"\s*\(at end of document\)\s*$", msg)
    if m:
        n = max(1, len(text.splitlines()))
        return f"invalid TOML at the end of the file (line {n}): {lower_first(msg[: m.start()])}"
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
            f"{prefix}variants = {fmt_value(raw_variants)} must be an array of tables "
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


def scenario_to_toml(scenario: Scenario, *, header: str | None = None) -> str:
    """The fully resolved scenario as TOML: every parameter written out.

    Variants are written as the dotted keys in which their resolved parameters
    differ from the base scenario (so topic presets applied by a variant show up
    as the values they set). Loading the output gives back the same parameters,
    base and variants alike.
    """
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
        name: (model_class(Scenario.model_fields[name].annotation).__doc__ or "").strip()
        for name in SECTION_ORDER
        if name in Scenario.model_fields and model_class(Scenario.model_fields[name].annotation)
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
        shown = "(required)" if fld.is_required() else "(none)" if default is None else fmt_value(default)
        rows.append((name, shown, describe_field(fld, name)))
    return rows

