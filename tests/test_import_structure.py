"""The import structure of ``sim/`` (issue #19, item 1), read from the source with :mod:`ast`.

* no import cycle between modules (imports inside functions count: they are cycles
  that happen later; imports under ``if TYPE_CHECKING:`` do not, they never run);
* no module imports another module's private (``_underscore``) names;
* each package imports only packages of its own layer or below (:data:`LAYERS`, the
  table of docs/architecture.md);
* imports of ``sim`` modules sit at the top of a module, except in the few modules
  listed in :data:`LAZY_OK` (the command line and the package itself load the model
  on first use so that Ctrl-C answers at once, issue #14; the workbench loads Solara).

Each check has a test that feeds it a tiny made-up package and sees it fail.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "sim"

#: Modules allowed to import ``sim`` modules inside functions (dotted prefixes).
LAZY_OK = ("sim", "sim.cli", "sim.app")
#: Known in-function imports left for their owners (importer -> module). Each one is a
#: debt: sim/engine belongs to the engine work (issue #13), which issue #19 did not
#: touch; ``rule._scalar_fields`` imports ``base.RuleParams`` inside the function.
#: Remove the entry when the import moves up.
KNOWN_LAZY = ("sim.engine.rule -> sim.engine.base",)


#: The layers of docs/architecture.md, bottom first: a package may import packages of
#: its own layer or below, never above. (``sim`` itself, the facade with the version
#: and the lazy ``sim.simulate``, is left out.)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "numerics", "clock", "rng"),
    ("scenario", "data", "analysis"),
    ("graph", "result"),
    ("model", "engine"),
    ("api",),
    ("run",),
    ("report",),
    ("sweep", "checks"),
    ("calibration",),
    ("app", "bench"),
    ("cli", "__main__"),
)


def layer_violations(root: Path, layers: tuple[tuple[str, ...], ...] = LAYERS) -> list[str]:
    """``importer -> module`` for each import of a package from a higher layer."""
    rank = {name: i for i, names in enumerate(layers) for name in names}

    def top(mod: str) -> str | None:
        parts = mod.split(".")
        return parts[1] if len(parts) > 1 else None

    bad = set()
    for a, b, _name, _top in imports(root):
        pa, pb = top(a), top(b)
        if pa is None or pb is None or pa == pb:
            continue
        if pa not in rank or pb not in rank:
            bad.add(f"{a} -> {b} (package missing from LAYERS)")
        elif rank[pb] > rank[pa]:
            bad.add(f"{a} -> {b}")
    return sorted(bad)


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``root``."""
    out = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    skip.update(id(n) for n in ast.walk(sub))
    return skip


def imports(root: Path) -> list[tuple[str, str, str | None, bool]]:
    """``(importer, imported module, imported name or None, at top level)`` for each import
    of a module under ``root``'s package (runtime imports only)."""
    mods = module_files(root)
    pkg_name = root.name

    def resolve(name: str) -> str:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name

    out = []
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        skip = _type_checking_nodes(tree)
        top = {id(n) for n in tree.body}
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                if base.split(".")[0] != pkg_name:
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in mods:  # a submodule: `from sim import rng`
                        out.append((mod, full, None, id(node) in top))
                    else:
                        out.append((mod, resolve(base), alias.name, id(node) in top))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == pkg_name:
                        out.append((mod, resolve(alias.name), None, id(node) in top))
    return out


def cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b, _name, _top in imports(root):
        if a != b and b:
            graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(module_files(root)):
        if v not in index:
            visit(v)
    return found


def private_imports(root: Path) -> list[str]:
    """``importer: module._name`` for each private name imported from another module."""
    return sorted(
        f"{a}: {b}.{name}"
        for a, b, name, _top in imports(root)
        if name and name.startswith("_") and not name.startswith("__") and a != b
    )


def lazy_imports(root: Path, allowed: tuple[str, ...]) -> list[str]:
    """``importer -> module`` for each in-function import of the package outside ``allowed``."""
    def ok(mod: str) -> bool:
        return any(mod == p or mod.startswith(p + ".") for p in allowed if p != root.name) or mod == root.name

    return sorted({f"{a} -> {b}" for a, b, _name, top in imports(root) if not top and not ok(a)})


# --------------------------------------------------------------------------- the checks


def test_no_import_cycles():
    assert cycles(ROOT) == []


def test_no_private_names_imported_across_modules():
    assert private_imports(ROOT) == []


def test_layers_import_only_downwards():
    assert layer_violations(ROOT) == []


def test_package_imports_at_the_top():
    assert [x for x in lazy_imports(ROOT, LAZY_OK) if x not in KNOWN_LAZY] == []


# --------------------------------------------------------------------------- they can fail


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from toy.sub import b\n")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from toy import a\n"
        "def f():\n    from toy.c import _helper\n"
    )
    (pkg / "c.py").write_text("from . import a\n\ndef _helper():\n    pass\n")
    return pkg


def test_checks_catch_a_cycle_a_private_name_and_a_lazy_import(toy: Path):
    # a -> sub.b -> (in a function) c -> a; the TYPE_CHECKING import b -> a is not counted
    assert cycles(toy) == [["toy.a", "toy.c", "toy.sub.b"]]
    assert private_imports(toy) == ["toy.sub.b: toy.c._helper"]
    assert lazy_imports(toy, ()) == ["toy.sub.b -> toy.c"]
    assert layer_violations(toy, (("c",), ("sub",), ("a",))) == ["toy.c -> toy.a"]
    (toy / "sub" / "b.py").write_text("def f():\n    return 1\n")
    assert cycles(toy) == [] and private_imports(toy) == [] and lazy_imports(toy, ()) == []
