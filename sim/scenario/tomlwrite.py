"""Write scenario values and documents as TOML (``tomllib`` only reads).

>>> from sim.scenario.tomlwrite import to_toml
>>> print(to_toml({"name": "x", "run": {"seed": 7, "horizon_h": 48.0}}), end="")
name = "x"
<BLANKLINE>
[run]
seed = 7
horizon_h = 48.0
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["clip", "fmt_value", "lower_first", "to_toml", "toml_value"]


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def fmt_value(v: Any) -> str:
    """A value as TOML would write it (strings quoted), clipped for messages."""
    try:
        return clip(toml_value(v), 60)
    except TypeError:
        return clip(repr(v), 60)


def toml_value(v: Any) -> str:
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
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        inner = ", ".join(f"{_key(k)} = {toml_value(x)}" for k, x in v.items() if x is not None)
        return "{ " + inner + " }" if inner else "{}"
    if hasattr(v, "item"):  # numpy scalar
        return toml_value(v.item())
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
            lines.append(f"{_key(k)} = {toml_value(v)}")
        for k, v, is_array in subtables:
            sub = f"{name}.{_key(k)}" if name else _key(k)
            if is_array:
                for item in v:
                    emit(item, sub, f"[[{sub}]]")
            else:
                emit(v, sub, f"[{sub}]")

    emit(data, "", None)
    return "\n".join(lines) + "\n"





def clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s


