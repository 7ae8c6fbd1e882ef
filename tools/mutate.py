"""A small mutation runner: does a test notice when a core rule changes?

It mutates one module at a time with the ``ast`` module, one operator at a time, and runs that module's fast test
subset with ``-x`` against each mutant; a mutant the tests fail on is *killed*, one they pass is a *survivor*.
The mutations (what a slip of the keyboard or of the mind does to a rule):

* comparisons: ``<=`` ↔ ``<``, ``>=`` ↔ ``>``, ``==`` ↔ ``!=``
* arithmetic: ``+`` ↔ ``-``, ``*`` ↔ ``/``
* number constants ± 1 (``0.8`` → ``1.8`` and ``-0.2``), ``True`` ↔ ``False``
* a call made as a statement removed (``pass`` instead)

Each mutant is spliced into the source text at the node's position (the rest of the file is left byte for byte),
written over the module, tested in a forked child (the third-party libraries are imported once in the parent, the
project's modules afresh in each child), and the file is restored afterwards, also on Ctrl-C, SIGTERM or a time
budget that runs out (a copy of the original is kept in ``.mutate-backup/`` and put back on the next start if a
run was killed hard). Docstrings, f-strings, type annotations and ``raise`` statements (error messages) are not
mutated.

Usage (not part of CI: it is CPU heavy, run it per module with a budget on a shared machine)::

    python tools/mutate.py planning/release.py --budget 600
    python tools/mutate.py --all --budget 900        # every module of MODULES, one after the other
    python tools/mutate.py planning/siting.py --list # the mutants, without running anything

It prints each survivor (line, what changed) and the score per module: killed / (killed + survived); mutants the
budget did not reach are counted apart, never as killed.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BACKUP_DIR = PROJECT / ".mutate-backup"
MODULES: dict[str, list[str]] = {
    "planning/coverage.py": ["tests/test_boundaries.py", "tests/test_coverage.py"],
    "planning/release.py": ["tests/test_boundaries.py", "tests/test_release.py"],
    "planning/privacy.py": ["tests/test_boundaries.py", "tests/test_privacy.py", "tests/test_release.py"],
    "geo/speeds.py": ["tests/test_boundaries.py", "tests/test_speeds.py"],
    "planning/siting.py": ["tests/test_boundaries.py", "tests/test_siting.py", "-k", "not spopt"],
}
"""Module → the fast test subset run against its mutants (pytest arguments: files in the order run, the quick pins
first; the cross-checks against spopt are left out of the siting subset, the enumerated optima check the same)."""
TEST_TIMEOUT_S = 240.0
"""A mutant whose tests run longer than this is stopped and counted as killed (an endless loop is noticed)."""
PRELOAD = (
    "numpy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "h3",
    "pulp",
    "scipy",
    "pytest",
    "networkx",
    "hypothesis",
)
"""Third-party libraries imported once in the parent so each forked child starts fast."""

_COMPARE_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq}
_COMPARE_SWAP[ast.NotEq] = ast.Eq
_BINOP_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}


@dataclass(frozen=True)
class Mutant:
    """One change: replace the source between two (line, column) positions by ``text``."""

    line: int
    start: tuple[int, int]
    end: tuple[int, int]
    text: str
    what: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line.encode("utf-8")))
        data = source.encode("utf-8")
        a = offsets[self.start[0] - 1] + self.start[1]
        b = offsets[self.end[0] - 1] + self.end[1]
        return (data[:a] + self.text.encode("utf-8") + data[b:]).decode("utf-8")


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes not to mutate: docstrings, f-strings, annotations, raise statements (their messages)."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr | ast.Raise):
            mark(node)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.arg):
            mark(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        elif isinstance(node, ast.ImportFrom | ast.Import):
            mark(node)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                mark(first)
    return skip


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno or node.lineno, node.end_col_offset or 0)  # type: ignore[attr-defined]


def mutants_of(source: str) -> list[Mutant]:
    """Every mutant of ``source`` (see the module docstring), in source order."""
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    found: list[Mutant] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                swap = _COMPARE_SWAP.get(type(op))
                if swap is None:
                    continue
                copy = ast.Compare(left=node.left, ops=list(node.ops), comparators=node.comparators)
                copy.ops[i] = swap()
                start, end = _span(node)
                what = f"{_SYMBOL[type(op)]} → {_SYMBOL[swap]}"
                found.append(Mutant(node.lineno, start, end, f"({ast.unparse(copy)})", what))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            swap = _BINOP_SWAP[type(node.op)]
            copy = ast.BinOp(left=node.left, op=swap(), right=node.right)
            start, end = _span(node)
            what = f"{_SYMBOL[type(node.op)]} → {_SYMBOL[swap]}"
            found.append(Mutant(node.lineno, start, end, f"({ast.unparse(copy)})", what))
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOP_SWAP:
            swap = _BINOP_SWAP[type(node.op)]
            copy = ast.AugAssign(target=node.target, op=swap(), value=node.value)
            start, end = _span(node)
            what = f"{_SYMBOL[type(node.op)]}= → {_SYMBOL[swap]}="
            found.append(Mutant(node.lineno, start, end, ast.unparse(copy), what))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            start, end = _span(node)
            found.append(Mutant(node.lineno, start, end, str(not node.value), f"{node.value} → {not node.value}"))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            start, end = _span(node)
            for delta in (1, -1):
                value = node.value + delta
                found.append(Mutant(node.lineno, start, end, f"({value!r})", f"{node.value!r} → {value!r}"))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            start, end = _span(node)
            name = ast.unparse(node.value.func)
            found.append(Mutant(node.lineno, start, end, "pass", f"call {name}(…) removed"))
    # a mutant that does not compile (e.g. a constant in a position the grammar refuses) is no mutant
    usable = []
    for mutant in sorted(found, key=lambda m: (m.start, m.what)):
        try:
            ast.parse(mutant.apply(source))
        except SyntaxError:
            continue
        usable.append(mutant)
    return usable


# --------------------------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------------------------
class _Stop(Exception):
    """SIGTERM or the budget: stop, restore the file, report what was run."""


def _on_term(signum: int, frame: object) -> None:
    raise _Stop()


def _restore_stale() -> None:
    """Put back any module a hard-killed earlier run left mutated."""
    if not BACKUP_DIR.is_dir():
        return
    for backup in BACKUP_DIR.glob("*.orig"):
        target = PROJECT / backup.stem.replace("__", "/")
        shutil.copy2(backup, target)
        print(f"restored {target.relative_to(PROJECT)} from an interrupted run", file=sys.stderr)
        backup.unlink()


def _run_tests(tests: list[str], timeout_s: float) -> bool:
    """True when the tests pass (the mutant survives); runs pytest in a forked child."""
    pid = os.fork()
    if pid == 0:  # the child: fresh project modules, no bytecode written, output dropped
        try:
            sys.dont_write_bytecode = True
            sys.pycache_prefix = tempfile.mkdtemp(prefix="mutate-pyc-")  # never a stale .pyc of another mutant
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests])
            os._exit(int(code))
        except BaseException:
            os._exit(99)
    deadline = time.monotonic() + timeout_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.05)


def run_module(module: str, tests: list[str], *, budget_s: float, only_lines: set[int] | None = None) -> dict:
    """Mutate ``module`` one mutant at a time against ``tests``; the counts and the survivors."""
    path = PROJECT / module
    original = path.read_bytes()
    source = original.decode("utf-8")
    stat = path.stat()
    mutants = [m for m in mutants_of(source) if only_lines is None or m.line in only_lines]
    BACKUP_DIR.mkdir(exist_ok=True)
    backup = BACKUP_DIR / (module.replace("/", "__") + ".orig")
    shutil.copy2(path, backup)
    killed, survivors, not_run = 0, [], 0
    started = time.monotonic()
    try:
        if not _run_tests(tests, TEST_TIMEOUT_S):
            raise SystemExit(f"{module}: the tests fail without any mutant; fix them first ({' '.join(tests)}).")
        for number, mutant in enumerate(mutants, start=1):
            if time.monotonic() - started > budget_s:
                not_run = len(mutants) - number + 1
                break
            path.write_text(mutant.apply(source), encoding="utf-8")
            # a unique modification time: no bytecode cached for another version of the file can match it
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + number * 1_000_000_000))
            survived = _run_tests(tests, TEST_TIMEOUT_S)
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            if survived:
                survivors.append(mutant)
                print(f"  survived {module}:{mutant.line}: {mutant.what}", flush=True)
            else:
                killed += 1
    except (KeyboardInterrupt, _Stop):
        not_run = len(mutants) - killed - len(survivors)
        print(f"  interrupted: {module} restored", file=sys.stderr)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        backup.unlink(missing_ok=True)
        if BACKUP_DIR.is_dir() and not any(BACKUP_DIR.iterdir()):
            BACKUP_DIR.rmdir()
    return {
        "module": module,
        "mutants": len(mutants),
        "killed": killed,
        "survived": survivors,
        "not_run": not_run,
        "seconds": time.monotonic() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default with --all: {', '.join(MODULES)})")
    parser.add_argument("--all", action="store_true", help="every module of MODULES")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per module (default 900)")
    parser.add_argument("--lines", default="", help="only mutants on these lines, e.g. 120,188")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    args = parser.parse_args(argv)
    modules = list(MODULES) if args.all else args.modules
    if not modules:
        parser.error("name a module (one of MODULES) or give --all")
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    _restore_stale()
    signal.signal(signal.SIGTERM, _on_term)
    only = {int(n) for n in args.lines.split(",") if n.strip()} or None
    if args.list:
        for module in modules:
            for mutant in mutants_of((PROJECT / module).read_text(encoding="utf-8")):
                if only is None or mutant.line in only:
                    print(f"{module}:{mutant.line}: {mutant.what}")
        return 0
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    results = []
    for module in modules:
        if module not in MODULES:
            parser.error(f"{module} has no test subset in MODULES; known: {', '.join(MODULES)}")
        print(f"{module}: mutating against {' '.join(MODULES[module])}", flush=True)
        results.append(run_module(module, MODULES[module], budget_s=args.budget, only_lines=only))
    print("\nmodule                     mutants  killed  survived  not run  score")
    for r in results:
        tried = r["killed"] + len(r["survived"])
        score = f"{100 * r['killed'] / tried:.1f} %" if tried else "—"
        counts = f"{r['mutants']:>7} {r['killed']:>7} {len(r['survived']):>9} {r['not_run']:>8}"
        print(f"{r['module']:<26} {counts}  {score}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
