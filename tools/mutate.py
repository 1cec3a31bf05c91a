"""A small mutation runner over the functions that hold the rules (docs/mutation.md).

    .venv/bin/python tools/mutate.py                      # every target below
    .venv/bin/python tools/mutate.py --only eta --list    # the mutants of one function
    .venv/bin/python tools/mutate.py --only formulas.eta --jobs 1 --out mutants.jsonl

A mutant is one operator applied at one site of one target function:
  compare   `<`↔`<=`, `>`↔`>=`, `==`↔`!=`, and `<`↔`>` (a reversed order)
  arith     `+`↔`-`
  const     an integer 0↔1
  bool      `and`↔`or`
  not       `not x` → `x`
  minmax    `min(...)`↔`max(...)`
  return    `return X` → `return None`

How: pytest collects the test subset once, in this process (importing mibtrack and the
tests); then, for each mutant, a forked child compiles the mutated function, swaps the
target function's code object in place (so every reference to it, including
`from .formulas import eta` elsewhere, runs the mutant) and runs the collected tests in
order, stopping at the first failure (`-x`). The test that killed a mutant runs first for
the next ones (mutants of one function mostly fall to the same test): only the speed
changes, not the outcome. A mutant is *killed* when the subset fails, *timeout*
when it runs longer than `--timeout` seconds (counted as killed: an infinite loop is caught),
else it *survived*. Hypothesis runs with a fixed seed and keeps no example database, so a run gives
the same result twice. Only function bodies are mutated: module constants are not.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import inspect
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

#: module → the functions (qualified names) that hold the rules of SPEC "Computation" and
#: of the fold. Numerical helpers (Student's t, the beta continued fraction) are left out:
#: they are checked against published quantiles, and most of their mutants only move the
#: 16th digit.
TARGETS: dict[str, tuple[str, ...]] = {
    "mibtrack.compute.formulas": (
        "reaches", "MetricSeries.build", "MetricSeries._index", "MetricSeries.actual",
        "MetricSeries.last_observed", "MetricSeries.points", "planned", "first_date_reaching",
        "evaluation_date", "ratio", "schedule_variance_days", "Forecast.at",
        "Forecast.standard_error", "forecast", "eta", "forecast_interval",
        "stale_after_days", "is_stale",
    ),
    "mibtrack.compute.status": ("severity_rank", "at_or_past", "worst"),
    "mibtrack.compute.report": (
        "_clamp", "Evaluator.stale_metrics", "Evaluator.reason", "Evaluator._reason_entry",
        "Evaluator._common", "Evaluator.forecast", "Evaluator.actual_line",
        "Evaluator._target_state", "Evaluator._target", "Evaluator._limit_state",
        "Evaluator._limit", "Evaluator._milestone_state", "Evaluator._milestone",
        "Evaluator._verdict", "Evaluator._composite_state", "Evaluator._composite",
        "_Envelope.build", "_Envelope.outside_between", "_Envelope.breached_since",
        "_forecast_line", "_by_ratio", "build_report_from_ledger", "period_ends",
    ),
    "mibtrack.compute.ledger_state": (
        "ledger_order", "_retracted_ids", "resolve", "known_in_order", "effective_ledger",
        "orphans",
    ),
    "mibtrack.compute.daily": (
        "micro", "from_micro", "DailyFold.observe", "DailyFold.observe_rows",
        "DailyFold.series", "DailyFold.merge", "DailyFold.merge_part",
    ),
}

TESTS = ("tests/compute", "tests/golden")

_COMPARE = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
            ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}
_REVERSE = {ast.Lt: ast.Gt, ast.Gt: ast.Lt}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
           ast.NotEq: "!=", ast.Add: "+", ast.Sub: "-", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    module: str
    function: str  #: qualified name
    index: int  #: which site, counting the function's candidate sites in walk order
    operator: str
    line: int
    description: str

    @property
    def name(self) -> str:
        return f"{self.module.rsplit('.', 1)[-1]}.{self.function}#{self.index}"


def _sites(node: ast.AST) -> Iterator[tuple[ast.AST, str, str, object]]:
    """(node, operator, description, detail) for every mutation the node admits."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _COMPARE:
                new = _COMPARE[type(op)]
                yield node, "compare", f"{_SYMBOL[type(op)]} → {_SYMBOL[new]}", (i, new)
            if type(op) in _REVERSE:
                new = _REVERSE[type(op)]
                yield node, "compare", f"{_SYMBOL[type(op)]} → {_SYMBOL[new]}", (i, new)
    elif isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub):
        new = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
        yield node, "arith", f"{_SYMBOL[type(node.op)]} → {_SYMBOL[new]}", new
    elif isinstance(node, ast.AugAssign) and type(node.op) in (ast.Add, ast.Sub):
        new = ast.Sub if isinstance(node.op, ast.Add) else ast.Add
        yield node, "arith", f"{_SYMBOL[type(node.op)]}= → {_SYMBOL[new]}=", new
    elif (isinstance(node, ast.Constant) and type(node.value) is int
          and node.value in (0, 1)):
        yield node, "const", f"{node.value} → {1 - node.value}", 1 - node.value
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield node, "bool", f"{_SYMBOL[type(node.op)]} → {_SYMBOL[new]}", new
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield node, "not", "not x → x", None
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
          and node.func.id in ("min", "max")):
        new = "max" if node.func.id == "min" else "min"
        yield node, "minmax", f"{node.func.id} → {new}", new
    elif (isinstance(node, ast.Return) and node.value is not None
          and not (isinstance(node.value, ast.Constant) and node.value.value is None)):
        yield node, "return", "return X → return None", None


class _Apply(ast.NodeTransformer):
    """Applies the `target`-th site's mutation; leaves everything else as it was."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.seen = 0

    def visit(self, node: ast.AST) -> ast.AST:  # pre-order, as `_walk` counts
        for site, operator, _, detail in list(_sites(node)):
            if self.seen == self.target:
                node = _mutated(site, operator, detail)
            self.seen += 1
        return self.generic_visit(node)


def _mutated(node: ast.AST, operator: str, detail: object) -> ast.AST:
    if operator == "compare":
        i, new = detail  # type: ignore[misc]
        node.ops[i] = new()  # type: ignore[attr-defined]
        return node
    if operator == "arith":
        node.op = detail()  # type: ignore[attr-defined,operator]
        return node
    if operator == "const":
        node.value = detail  # type: ignore[attr-defined]
        return node
    if operator == "bool":
        node.op = detail()  # type: ignore[attr-defined,operator]
        return node
    if operator == "not":
        return node.operand  # type: ignore[attr-defined]
    if operator == "minmax":
        node.func = ast.Name(id=detail, ctx=ast.Load())  # type: ignore[attr-defined]
        return node
    if operator == "return":
        node.value = ast.Constant(value=None)  # type: ignore[attr-defined]
        return node
    raise AssertionError(operator)


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Pre-order, children in field order: the order `_Apply` visits."""
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk(child)


def _find(tree: ast.Module, qualname: str) -> ast.FunctionDef:
    scope: list[ast.stmt] = tree.body
    *outer, last = qualname.split(".")
    for name in outer:
        scope = next(n for n in scope if isinstance(n, ast.ClassDef) and n.name == name).body
    return next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == last)


def _source_tree(module: str) -> ast.Module:
    path = SRC / (module.replace(".", "/") + ".py")
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def mutants(only: str | None = None) -> list[Mutant]:
    found = []
    for module, functions in TARGETS.items():
        tree = _source_tree(module)
        for qualname in functions:
            name = f"{module.rsplit('.', 1)[-1]}.{qualname}"
            if only and only not in (qualname, name, module.rsplit(".", 1)[-1]) \
                    and not name.startswith(only + "."):
                continue
            function = _find(tree, qualname)
            # the body only: decorators and default values are not the rule
            index = 0
            for statement in function.body:
                for node in _walk(statement):
                    for site, operator, description, _ in _sites(node):
                        found.append(Mutant(module, qualname, index, operator,
                                            getattr(site, "lineno", function.lineno),
                                            description))
                        index += 1
    return found


def _original(module: object, qualname: str):
    owner: object = module
    *outer, last = qualname.split(".")
    for name in outer:
        owner = getattr(owner, name)
    raw = inspect.getattr_static(owner, last)
    return raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw


def _apply(mutant: Mutant) -> None:
    """Swap the function's code for the mutated one, in this process."""
    tree = _source_tree(mutant.module)
    function = _find(tree, mutant.function)
    mutated = copy.deepcopy(function)
    applier = _Apply(mutant.index)
    mutated.body = [applier.visit(s) for s in mutated.body]
    mutated.decorator_list = []
    ast.fix_missing_locations(mutated)
    # Compile in a module of its own, at the same place in any enclosing class (so that
    # private names mangle alike), then take the function's code object.
    *outer, _ = mutant.function.split(".")
    body: ast.stmt = mutated
    for name in reversed(outer):
        body = ast.ClassDef(name=name, bases=[], keywords=[], body=[body], decorator_list=[],
                            type_params=[])
    holder = ast.Module(body=[body], type_ignores=[])
    ast.fix_missing_locations(holder)
    path = str(SRC / (mutant.module.replace(".", "/") + ".py"))
    code = compile(holder, path, "exec")
    namespace: dict[str, object] = {}
    exec(code, vars(importlib.import_module(mutant.module)) | namespace, namespace)
    new: object = namespace
    for name in mutant.function.split("."):
        new = new[name] if isinstance(new, dict) else inspect.getattr_static(new, name)
    if isinstance(new, (classmethod, staticmethod)):
        new = new.__func__
    target = _original(importlib.import_module(mutant.module), mutant.function)
    target.__code__ = new.__code__  # type: ignore[attr-defined]


def _quiet_hypothesis() -> None:
    from hypothesis import settings

    settings.register_profile("mutate", database=None, deadline=None, print_blob=False)
    settings.load_profile("mutate")


class _Runner:
    """A pytest plugin: the tests are collected once, in the parent; then, in place of
    pytest's own test loop, each mutant runs them in a forked child, stopping at the first
    failure."""

    def __init__(self, todo: list[Mutant], timeout: float, say: Callable[[str], None],
                 out: Path | None) -> None:
        self.todo, self.timeout, self.say, self.out = todo, timeout, say, out
        self.counts = {"killed": 0, "survived": 0, "timeout": 0}
        self.baseline = ""
        self.order: list[int] = []  #: the order the collected tests run in
        self.items: list[Any] = []
        self.killer = ""  #: the test that killed the last mutant

    def pytest_runtestloop(self, session: Any) -> bool:
        import pytest

        if session.testsfailed or not session.items:
            raise pytest.UsageError("collection failed")
        self.order = list(range(len(session.items)))
        self.items = session.items
        self.baseline, seconds = self._run(None, session, self.timeout * 4)
        self.say(f"unmutated: {self.baseline} in {seconds:.0f}s ({len(session.items)} tests)")
        if self.baseline != "survived":
            return True
        for mutant in self.todo:
            outcome, seconds = self._run(mutant, session, self.timeout)
            self.counts[outcome] += 1
            self.say(f"{outcome:8} {mutant.name:42} line {mutant.line:4}  "
                     f"{mutant.operator:8} {mutant.description}  ({seconds:.0f}s)"
                     + (f"  by {self.killer}" if outcome == "killed" else ""))
            if self.out:
                with self.out.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"name": mutant.name, "line": mutant.line,
                                          "operator": mutant.operator,
                                          "description": mutant.description,
                                          "outcome": outcome,
                                          "killed_by": self.killer or None}) + "\n")
        return True

    def _run(self, mutant: Mutant | None, session: Any, timeout: float) -> tuple[str, float]:
        """'killed', 'survived' or 'timeout' (and seconds) for one mutant in a child."""
        started = time.monotonic()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            try:
                os.close(read_end)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                plugins = session.config.pluginmanager
                reporter = plugins.get_plugin("terminalreporter")
                if reporter is not None:
                    plugins.unregister(reporter)
                if mutant is not None:
                    _apply(mutant)
                items = [session.items[i] for i in self.order]
                for i, item in enumerate(items):
                    following = items[i + 1] if i + 1 < len(items) else None
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                    if session.testsfailed:
                        os.write(write_end, str(self.order[i]).encode())
                        os._exit(1)
                os._exit(0)
            except BaseException:
                os._exit(2)
        os.close(write_end)
        deadline = started + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                killer = os.read(read_end, 64)
                os.close(read_end)
                self.killer = ""
                if killer:  # the test that killed it runs first from now on (move to front)
                    index = int(killer)
                    self.killer = self.items[index].nodeid
                    self.order.remove(index)
                    self.order.insert(0, index)
                return ("survived" if code == 0 else "killed"), time.monotonic() - started
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(read_end)
                return "timeout", time.monotonic() - started
            time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="a module, function or module.function")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, help="append one JSON line per mutant")
    parser.add_argument("--skip", type=Path, help="a previous --out: skip mutants it holds")
    parser.add_argument("tests", nargs="*", default=list(TESTS))
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(SRC))
    todo = mutants(args.only)
    if args.list:
        for m in todo:
            print(f"{m.name:42} line {m.line:4}  {m.operator:8} {m.description}")
        print(f"{len(todo)} mutants")
        return 0
    if args.skip and args.skip.exists():
        done = {json.loads(line)["name"] for line in args.skip.read_text().splitlines()}
        todo = [m for m in todo if m.name not in done]
    console = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")  # past pytest's capture
    _quiet_hypothesis()
    import pytest

    runner = _Runner(todo, args.timeout, lambda line: print(line, file=console, flush=True),
                     args.out)
    pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                 "--hypothesis-seed", "0", *args.tests], plugins=[runner])
    if runner.baseline != "survived":
        print("the test subset fails without any mutant: fix that first", file=console)
        return 2
    counts = runner.counts
    print(f"{sum(counts.values())} mutants: {counts['killed']} killed, {counts['timeout']} "
          f"timed out, {counts['survived']} survived", file=console)
    return 0 if counts["survived"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
