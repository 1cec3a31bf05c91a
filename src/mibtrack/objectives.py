"""objectives.toml in: strict loading that reports every problem as `file:line: what`.

tomllib gives no positions, so a light scan of the text maps each table and key to its
line; pydantic does the checking; cross-references (metrics, children, cycles) are checked
here, all problems collected before one error is raised.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ProjectError
from .model import CompositeObjective, LimitObjective, Project, TargetObjective

OBJECTIVES_FILE = "objectives.toml"
_TOP_LEVEL = {"program", "metrics", "objectives"}

_HEADER = re.compile(r"^\s*\[\s*(?P<name>[^\[\]]+?)\s*\]\s*(#.*)?$")
_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*(?P<name>[^\[\]]+?)\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+|\"[^\"]*\")\s*=")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


class Problems(ProjectError):
    """Every problem found in one file; the first one is the error line."""

    def __init__(self, problems: list[str]) -> None:
        count = len(problems) - 1
        more = f" (and {count} more: run `mibtrack validate`)" if count else ""
        super().__init__(problems[0] + more)
        self.problems = problems


class _Lines:
    """Where each table and key of a TOML text starts (1-based lines)."""

    def __init__(self, text: str) -> None:
        self.at: dict[tuple[Any, ...], int] = {}
        section: tuple[Any, ...] = ()
        counts: dict[str, int] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if match := _ARRAY_HEADER.match(line):
                name = match["name"].strip()
                counts[name] = counts.get(name, -1) + 1
                section = (name, counts[name])
            elif match := _HEADER.match(line):
                section = tuple(part.strip().strip('"') for part in match["name"].split("."))
            elif match := _KEY.match(line):
                self.at.setdefault((*section, match["key"].strip('"')), number)
                continue
            else:
                continue
            self.at.setdefault(section, number)

    def find(self, loc: Iterable[Any]) -> int | None:
        """The line of the deepest part of `loc` that the scan saw."""
        parts = tuple(loc)
        for end in range(len(parts), 0, -1):
            if (line := self.at.get(parts[:end])) is not None:
                return line
        return None


def read_bytes(path: Path) -> bytes:
    """objectives.toml's exact bytes (what a plan version's SHA-256 is taken of)."""
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise ProjectError(f"{path}: is a directory, not a file") from None
    except FileNotFoundError:
        raise ProjectError(f"{path}: not found",
                           "run `mibtrack init` to create a project, or pass --dir") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror})") from None


def decode_text(data: bytes, path: Path | str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path}: is not UTF-8 text (byte {exc.start})",
                           "save it as UTF-8") from None


def read_text(path: Path) -> str:
    return decode_text(read_bytes(path), path)


def load_project(path: Path) -> Project:
    """Read and check objectives.toml; raise `Problems` (exit 3) listing what is wrong."""
    return parse_project(read_text(path), path)


def parse_project(text: str, path: Path | str = OBJECTIVES_FILE) -> Project:
    try:
        data = tomllib.loads(text, parse_float=Decimal)  # exact, never via float
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        if match := _TOML_POSITION.search(message):
            line = match[1]
            message = _TOML_POSITION.sub("", message).strip()
            raise Problems([f"{path}:{line}: {message} (column {match[2]})"]) from None
        raise Problems([f"{path}: {message}"]) from None
    except RecursionError:  # tomllib recurses per nesting level
        raise Problems([f"{path}: arrays or inline tables nested too deeply"]) from None
    lines = _Lines(text)
    problems: list[str] = []

    def problem(loc: Iterable[Any], message: str) -> None:
        line = lines.find(loc)
        where = f"{path}:{line}" if line else str(path)
        problems.append(f"{where}: {message}")

    for key in data:
        if key not in _TOP_LEVEL:
            problem((key,), f"unknown table or key '{key}' (expected program, metrics, objectives)")
    raw = _prepare(data, problem)
    if problems:
        raise Problems(problems)
    try:
        project = Project.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _toml_loc(error["loc"])
            problem(loc, f"{_describe(loc)}: {_message(error)}")
        raise Problems(problems) from None
    for loc, message in _cross_check(project):
        problem(loc, message)
    if problems:
        raise Problems(problems)
    return project


def _prepare(data: dict[str, Any], problem: Any) -> dict[str, Any]:
    """Shape the TOML tables for the model: metric ids from their keys, default starts."""
    raw = {k: v for k, v in data.items() if k in _TOP_LEVEL}
    if "program" not in data:
        problem(("program",), "missing [program] table (name, code, start, end)")
    metrics = data.get("metrics", {})
    if isinstance(metrics, dict):
        prepared = {}
        for metric_id, table in metrics.items():
            if isinstance(table, dict):
                if "id" in table and table["id"] != metric_id:
                    problem(("metrics", metric_id, "id"), f"metric id '{table['id']}' differs "
                            f"from its table name '{metric_id}'")
                table = {"id": metric_id, **table}
            prepared[metric_id] = table
        raw["metrics"] = prepared
    objectives = data.get("objectives", [])
    program = data.get("program")
    if isinstance(objectives, list) and isinstance(program, dict):
        raw["objectives"] = [_defaults(o, program) for o in objectives]
    return raw


def _defaults(objective: Any, program: dict[str, Any]) -> Any:
    """A target's and a limit's start default to the programme's start; a limit's due to
    its end."""
    if not isinstance(objective, dict):
        return objective
    filled = dict(objective)
    if objective.get("kind") in ("target", "limit") and "start" in program:
        filled.setdefault("start", program["start"])
    if objective.get("kind") == "limit" and "end" in program:
        filled.setdefault("due", program["end"])
    return filled


def _toml_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union tags (`objectives.0.target.due` → `objectives.0.due`)."""
    parts = list(loc)
    if len(parts) >= 3 and parts[0] == "objectives" and parts[2] in {"target", "limit",
                                                                     "milestone", "composite"}:
        del parts[2]
    return tuple(parts)


def _describe(loc: tuple[Any, ...]) -> str:
    if loc and loc[0] == "objectives" and len(loc) >= 2 and isinstance(loc[1], int):
        rest = ".".join(str(p) for p in loc[2:])
        return f"objectives[{loc[1] + 1}]" + (f".{rest}" if rest else "")
    return ".".join(str(p) for p in loc) or "file"


def _message(error: Any) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling against docs/objectives.md)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return "kind must be one of target, limit, milestone, composite"
    if kind == "union_tag_not_found":
        return "missing kind (target, limit, milestone or composite)"
    return str(message).removeprefix("Value error, ")


def _cross_check(project: Project) -> list[tuple[tuple[Any, ...], str]]:
    """What one record cannot check alone: unique ids, references, cycles."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    seen: dict[str, int] = {}
    ids = {o.id for o in project.objectives}  # once: 100k objectives are checked in a second
    for index, objective in enumerate(project.objectives):
        loc = ("objectives", index, "id")
        if objective.id in seen:
            problems.append((loc, f"duplicate objective id '{objective.id}' "
                                  f"(also objectives[{seen[objective.id] + 1}])"))
        seen.setdefault(objective.id, index)
        if isinstance(objective, (TargetObjective, LimitObjective)) \
                and objective.metric not in project.metrics:
            declared = ", ".join(sorted(project.metrics)) or "none"
            problems.append((("objectives", index, "metric"),
                             f"metric '{objective.metric}' is not declared under [metrics] "
                             f"(declared: {declared})"))
        if isinstance(objective, CompositeObjective):
            for child in objective.children:
                if child not in ids:
                    problems.append((("objectives", index, "children"),
                                     f"composite '{objective.id}' names unknown child '{child}'"))
                elif child == objective.id:
                    problems.append((("objectives", index, "children"),
                                     f"composite '{objective.id}' names itself"))
    problems.extend(_cycles(project))
    problems.extend(_renames(project))
    return problems


def _renames(project: Project) -> list[tuple[tuple[Any, ...], str]]:
    """`renamed_from`: an old id names no declared id and is claimed by one metric (or one
    objective) only, so every entry counts for exactly one declared id."""
    return [*_claims("metric", set(project.metrics),
                     [(("metrics", m.id, "renamed_from"), m.id, m.renamed_from)
                      for m in project.metrics.values()]),
            *_claims("objective", {o.id for o in project.objectives},
                     [(("objectives", index, "renamed_from"), o.id, o.renamed_from)
                      for index, o in enumerate(project.objectives)])]


def _claims(kind: str, declared: set[str],
            claimants: list[tuple[tuple[Any, ...], str, Iterable[str]]]
            ) -> list[tuple[tuple[Any, ...], str]]:
    """The rule of `_renames` for one kind: (where, declared id, its old ids) of each."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    claims: dict[str, str] = {}
    for loc, new_id, olds in claimants:
        for old in olds:
            if old in declared:
                problems.append((loc, f"{kind} '{new_id}': renamed_from '{old}' is a declared "
                                      f"{kind} (an old id must no longer be declared)"))
            elif old in claims:
                problems.append((loc, f"{kind} '{new_id}': renamed_from '{old}' is also "
                                      f"claimed by {kind} '{claims[old]}'"))
            else:
                claims[old] = new_id
    return problems


#: How deep composites may nest (a composite of composites of …): programmes use two or
#: three levels; the limit keeps every report's recursion far from Python's.
MAX_COMPOSITE_DEPTH = 32


def _cycles(project: Project) -> list[tuple[tuple[Any, ...], str]]:
    """Cycles among composites, and composites nested deeper than MAX_COMPOSITE_DEPTH
    (walked with an explicit stack: no recursion, however deep the file)."""
    children = {o.id: [c for c in o.children if c != o.id] for o in project.objectives
                if isinstance(o, CompositeObjective)}
    index = {o.id: i for i, o in enumerate(project.objectives)}
    found: list[tuple[tuple[Any, ...], str]] = []
    state: dict[str, str] = {}
    depth: dict[str, int] = {}  # composite levels at and below a node (a leaf: 0)

    for root in children:
        if root in state:
            continue
        state[root] = "open"
        stack: list[tuple[str, list[str], int]] = [(root, [root], 0)]
        while stack:
            node, path, at = stack[-1]
            kids = children.get(node, [])
            if at < len(kids):
                stack[-1] = (node, path, at + 1)
                child = kids[at]
                if state.get(child) == "open":
                    cycle = path[path.index(child):] + [child]
                    found.append((("objectives", index[child], "children"),
                                  f"composites form a cycle: {' → '.join(cycle)}"))
                elif child not in state:
                    state[child] = "open"
                    stack.append((child, path + [child], 0))
                continue
            stack.pop()
            state[node] = "done"
            below = [depth.get(c, 0) for c in kids if state.get(c) == "done"]
            depth[node] = 1 + max(below, default=0) if node in children else 0
    for node, levels in depth.items():
        if levels > MAX_COMPOSITE_DEPTH and node in index:
            found.append((("objectives", index[node], "children"),
                          f"composite '{node}' nests {levels} levels of composites, over the "
                          f"limit of {MAX_COMPOSITE_DEPTH}"))
            break  # one line says it; the composites above it say the same
    return found
