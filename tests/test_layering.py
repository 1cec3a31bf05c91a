"""The layering of docs/architecture.md, read from the imports of src/mibtrack (AST: every
import run at run time, at the top of a module or inside a function; those under
`if TYPE_CHECKING:` are for annotations only and are not counted)."""

from __future__ import annotations

import ast
from pathlib import Path

import mibtrack

SRC = Path(mibtrack.__file__).parent

#: The parts, lowest first; a module is in the first part whose prefix it has. A module no
#: prefix names is library glue ("service": project, csvio, export, schema, templates…).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("mibtrack.errors", "mibtrack.values", "mibtrack.safefile",
              "mibtrack.usersecret", "mibtrack.gcpause")),
    ("model", ("mibtrack.model", "mibtrack.objectives")),
    ("ledger", ("mibtrack.ledger",)),
    ("compute", ("mibtrack.compute",)),
    ("cache", ("mibtrack.snapshot", "mibtrack.cache")),
    ("render", ("mibtrack.render",)),
    ("cli", ("mibtrack.cli", "mibtrack.__main__")),
)

#: What each part may import from mibtrack (itself always).
MAY_IMPORT: dict[str, set[str]] = {
    "base": {"base"},
    "model": {"base"},
    "ledger": {"base", "model"},  # storage knows nothing of arithmetic, the cache or output
    "compute": {"base", "model"},  # pure: no storage, no output
    "cache": {"base", "model", "ledger", "compute"},
    "render": {"base", "model", "compute"},  # formats results; never storage
    "service": {"base", "model", "ledger", "compute", "cache"},  # never output formats
    "cli": {"base", "model", "ledger", "compute", "cache", "render", "service", "api"},
    "api": {"base", "model", "ledger", "compute", "cache", "render", "service"},
}

#: Known exceptions, each with its reason (none now: the evidence field parser moved to
#: model.py, the spreadsheet escaping to values.py).
EXCEPTIONS: dict[tuple[str, str], str] = {}

#: Third-party packages only some parts may import (ruff's banned-api says the same).
ONLY_IN: dict[str, tuple[str, ...]] = {
    "typer": ("mibtrack.cli",),
    "rich": ("mibtrack.cli", "mibtrack.render.terminal"),
}


def part_of(module: str) -> str:
    if module == "mibtrack":
        return "base"  # the package root holds only __version__ (checked below)
    for part, prefixes in PARTS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return part
    return "service"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST):
    """Every node, except those under `if TYPE_CHECKING:` (annotations only: no import at
    run time)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) \
                and node.test.id == "TYPE_CHECKING":
            for child in node.orelse:
                yield child
                yield from _runtime_nodes(child)
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) for every import in a module's source run at run time; a
    relative import is resolved against `module`; `from . import x` names `package.x`."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None:
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return found


def violations(graph: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Every import the layering forbids, as "module line N: imports X (part → part)"."""
    found = []
    for module, imports in sorted(graph.items()):
        mine = part_of(module)
        for line, target in imports:
            top = target.split(".")[0]
            if top in ONLY_IN:
                if not any(module == m or module.startswith(m + ".") for m in ONLY_IN[top]):
                    found.append(f"{module} line {line}: imports {target}")
                continue
            if top != "mibtrack":
                continue
            theirs = part_of(target)
            if (module, target) in EXCEPTIONS:
                continue
            if theirs != mine and theirs not in MAY_IMPORT[mine]:
                found.append(f"{module} line {line}: imports {target} ({mine} → {theirs})")
    return found


def import_graph(root: Path = SRC) -> dict[str, list[tuple[int, str]]]:
    graph = {}
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        graph[module] = imports_of(path.read_text(encoding="utf-8"), module,
                                   path.name == "__init__.py")
    return graph


def test_every_import_in_src_keeps_the_layering():
    graph = import_graph()
    assert {"mibtrack.model", "mibtrack.compute.report", "mibtrack.cli.app"} <= set(graph)
    assert violations(graph) == []
    assert graph["mibtrack"] == []  # the root imports nothing: any part may read __version__


def test_the_parts_are_where_docs_architecture_says():
    assert part_of("mibtrack.ledger.scan") == "ledger"
    assert part_of("mibtrack.compute") == "compute"
    assert part_of("mibtrack.render.terminal") == "render"
    assert part_of("mibtrack.export") == "service"
    assert part_of("mibtrack.modelling") == "service"  # a prefix is a whole name


def test_the_layering_check_finds_what_it_forbids():
    leaks = {
        "mibtrack.ledger.scan": imports_of(
            "def f():\n    from ..snapshot import steady\n", "mibtrack.ledger.scan", False),
        "mibtrack.export": imports_of("from .render import documents\n", "mibtrack.export",
                                      False),
        "mibtrack.render.charts": imports_of("from rich.text import Text\n",
                                             "mibtrack.render.charts", False),
        "mibtrack.compute.report": imports_of(
            "from ..ledger import Ledger\nfrom . import formulas\n", "mibtrack.compute.report",
            False),
        "mibtrack.render": imports_of("from . import terminal\nimport typer\n",
                                      "mibtrack.render", True),
        "mibtrack.render.plans": imports_of(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..plans import P\n"
            "else:\n    from ..plans import Q\n", "mibtrack.render.plans", False),
    }
    assert violations(leaks) == [
        "mibtrack.compute.report line 1: imports mibtrack.ledger (compute → ledger)",
        "mibtrack.export line 1: imports mibtrack.render (service → render)",
        "mibtrack.ledger.scan line 2: imports mibtrack.snapshot (ledger → cache)",
        "mibtrack.render line 2: imports typer",
        "mibtrack.render.charts line 1: imports rich.text",
        "mibtrack.render.plans line 5: imports mibtrack.plans (render → service)",
    ]
