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
import math
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
LOCK_NAME = "run.pid"
"""File in ``BACKUP_DIR`` naming the process of the run in progress: one run at a time mutates the tree."""
PROJECT_PACKAGES = ("geo", "planning")
"""Top-level packages of the project: their modules that do not import the mutated one are loaded once in the
parent; the mutated module and every module importing it (also inside a function) are loaded afresh per mutant."""
MODULES: dict[str, list[list[str]]] = {
    "planning/coverage.py": [
        ["tests/test_coverage_rules.py"],
        ["tests/test_boundaries.py"],
        ["tests/test_coverage.py"],
    ],
    "planning/release.py": [["tests/test_boundaries.py", "tests/test_release.py"]],
    "planning/privacy.py": [["tests/test_boundaries.py", "tests/test_privacy.py", "tests/test_release.py"]],
    "geo/speeds.py": [["tests/test_boundaries.py", "tests/test_speeds.py"]],
    "planning/siting.py": [
        ["tests/test_siting_rules.py"],
        ["tests/test_boundaries.py"],
        ["tests/test_siting.py", "-k", "not spopt"],
    ],
}
"""Module → the fast test stages run against each of its mutants, in order (pytest arguments per stage): the
hand-worked pins of the rules first, the wider tests after, each stage only for the mutants the earlier ones did
not kill, and each with ``-x`` (a mutant's run stops at its first failing test). Browser, AppTest and real-data
tests are left out (seconds each); the cross-checks against spopt are left out of the siting subset (the
enumerated optima check the same)."""
KNOWN_EQUIVALENT: dict[tuple[str, str, str], str] = {}
"""(module, the mutated line's source text stripped, the change as ``--list`` prints it) → why no test can tell
the mutant from the original. These mutants are not run and are counted apart from the score (an entry whose line
no longer exists is reported as stale, so the list cannot silently outlive the code)."""
TIMEOUT_FACTOR = 5.0
TIMEOUT_SLACK_S = 10.0
"""A mutant's stage that uses more than ``TIMEOUT_FACTOR`` × the unmutated stage's CPU seconds + ``TIMEOUT_SLACK_S``
CPU seconds is stopped and counted as killed by the timeout (an endless loop is noticed). CPU time, not the clock:
on a machine shared with other work the clock time of the same tests varies tenfold, their CPU time does not."""
WALL_TIMEOUT_FACTOR = 50.0
WALL_TIMEOUT_SLACK_S = 300.0
"""The clock's backstop (a child that waits on something without using CPU): ``WALL_TIMEOUT_FACTOR`` × the unmutated
stage's clock seconds + ``WALL_TIMEOUT_SLACK_S``."""
PROGRESS_EVERY = 25
"""Print how far a module's run is every this many mutants."""
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


def _short(node: ast.AST, limit: int = 40) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mutants_of(source: str) -> list[Mutant]:
    """Every mutant of ``source`` (see the module docstring), in source order."""
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    lines = source.splitlines()

    def column(node: ast.AST) -> int:  # from the line's first non-blank character: a key that survives re-indenting
        line = lines[node.lineno - 1]  # type: ignore[attr-defined]
        return node.col_offset - (len(line) - len(line.lstrip()))  # type: ignore[attr-defined]

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
                left = _short(node.left if i == 0 else node.comparators[i - 1])
                pair = f"`{left} {_SYMBOL[type(op)]} {_short(node.comparators[i])}`"
                what = f"{pair}: {_SYMBOL[type(op)]} → {_SYMBOL[swap]}"
                found.append(Mutant(node.lineno, start, end, f"({ast.unparse(copy)})", what))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAP:
            swap = _BINOP_SWAP[type(node.op)]
            copy = ast.BinOp(left=node.left, op=swap(), right=node.right)
            start, end = _span(node)
            what = f"`{_short(node)}`: {_SYMBOL[type(node.op)]} → {_SYMBOL[swap]}"
            found.append(Mutant(node.lineno, start, end, f"({ast.unparse(copy)})", what))
        elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOP_SWAP:
            swap = _BINOP_SWAP[type(node.op)]
            copy = ast.AugAssign(target=node.target, op=swap(), value=node.value)
            start, end = _span(node)
            what = f"{_SYMBOL[type(node.op)]}= → {_SYMBOL[swap]}="
            found.append(Mutant(node.lineno, start, end, ast.unparse(copy), what))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            start, end = _span(node)
            what = f"{node.value} → {not node.value} (col {column(node)})"
            found.append(Mutant(node.lineno, start, end, str(not node.value), what))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            start, end = _span(node)
            for delta in (1, -1):
                value = node.value + delta
                what = f"{node.value!r} → {value!r} (col {column(node)})"
                found.append(Mutant(node.lineno, start, end, f"({value!r})", what))
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


def _running_pid() -> int | None:
    """The process id of a run in progress (its lock file names a live process), else None."""
    try:
        pid = int((BACKUP_DIR / LOCK_NAME).read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _restore_stale() -> None:
    """Put back any module a hard-killed earlier run left mutated."""
    if not BACKUP_DIR.is_dir():
        return
    for backup in BACKUP_DIR.glob("*.orig"):
        target = PROJECT / backup.stem.replace("__", "/")
        shutil.copy2(backup, target)
        print(f"restored {target.relative_to(PROJECT)} from an interrupted run", file=sys.stderr)
        backup.unlink()


def _original_source(module: str) -> str:
    """The unmutated text of ``module``: its backup while a run is mutating it, else the file."""
    backup = BACKUP_DIR / (module.replace("/", "__") + ".orig")
    return (backup if _running_pid() is not None and backup.is_file() else PROJECT / module).read_text("utf-8")


def _dependents(target: str) -> set[str]:
    """Names of the loaded project modules that import ``target`` (a dotted name), directly or through another,
    at the top or inside a function; ``target`` included."""
    imports: dict[str, set[str]] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.split(".")[0] not in PROJECT_PACKAGES or not file or not file.endswith(".py"):
            continue
        package = name if file.endswith("__init__.py") else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(Path(file).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        imports[name] = found
    affected = {target}
    while True:
        more = {name for name, found in imports.items() if name not in affected and found & affected}
        if not more:
            return affected
        affected |= more


def _project_imports(path: Path) -> set[str]:
    """The project modules (of :data:`PROJECT_PACKAGES`) the file at ``path`` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in PROJECT_PACKAGES}


def _preload_project(module: str, stages: list[list[str]]) -> None:
    """Load in the parent the project modules ``module`` and its tests import (also inside functions), then forget
    ``module`` and every module that imports it: each child imports those afresh from the (mutated) file and
    shares the rest."""
    target = module.removesuffix(".py").replace("/", ".")
    files = [PROJECT / module, PROJECT / "tests" / "conftest.py"]
    files += [PROJECT / arg for tests in stages for arg in tests if arg.endswith(".py")]
    for name in sorted(set().union(*(_project_imports(path) for path in files if path.is_file()))):
        try:
            __import__(name)
        except ImportError:
            pass
    for name in _dependents(target):
        sys.modules.pop(name, None)


@dataclass(frozen=True)
class _Outcome:
    """How one pytest run in a child ended: ``passed``, ``timed_out``, CPU and clock seconds."""

    passed: bool
    timed_out: bool
    cpu_s: float
    wall_s: float


_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _cpu_so_far(pid: int) -> float:
    """CPU seconds of a running child and its finished children (``/proc``); 0 where ``/proc`` is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) * _TICK_S  # utime, stime, cutime, cstime


def _run_tests(tests: list[str], *, cpu_limit_s: float, wall_limit_s: float) -> _Outcome:
    """Run pytest on ``tests`` in a forked child, stopped at its first failing test; a child past ``cpu_limit_s``
    CPU seconds or ``wall_limit_s`` clock seconds is killed (not passed, timed out)."""
    begin = time.monotonic()
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
    polls = 0
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        wall = time.monotonic() - begin
        if done:
            cpu = usage.ru_utime + usage.ru_stime
            return _Outcome(os.waitstatus_to_exitcode(status) == 0, False, cpu, wall)
        polls += 1
        if polls % 10 == 0 and (_cpu_so_far(pid) > cpu_limit_s or wall > wall_limit_s):
            os.kill(pid, signal.SIGKILL)
            _, _, usage = os.wait4(pid, 0)
            return _Outcome(False, True, usage.ru_utime + usage.ru_stime, wall)
        time.sleep(0.02)


def equivalence_key(module: str, source: str, mutant: Mutant) -> tuple[str, str, str]:
    """The key of ``mutant`` in :data:`KNOWN_EQUIVALENT`: module, its line's text stripped, the change."""
    return module, source.splitlines()[mutant.line - 1].strip(), mutant.what


def run_module(module: str, stages: list[list[str]], *, budget_s: float, only_lines: set[int] | None = None) -> dict:
    """Mutate ``module`` one mutant at a time against the test ``stages``; the counts and the survivors."""
    path = PROJECT / module
    original = path.read_bytes()
    source = original.decode("utf-8")
    stat = path.stat()
    everything = [m for m in mutants_of(source) if only_lines is None or m.line in only_lines]
    keys = {m: equivalence_key(module, source, m) for m in everything}
    equivalent = [m for m in everything if keys[m] in KNOWN_EQUIVALENT]
    mutants = [m for m in everything if keys[m] not in KNOWN_EQUIVALENT]
    if only_lines is None:
        stale = {k for k in KNOWN_EQUIVALENT if k[0] == module} - set(keys.values())
        for key in sorted(stale):
            print(f"  stale KNOWN_EQUIVALENT entry (no such mutant): {key}", flush=True)
    BACKUP_DIR.mkdir(exist_ok=True)
    backup = BACKUP_DIR / (module.replace("/", "__") + ".orig")
    shutil.copy2(path, backup)
    killed, survivors, not_run, timed_out = 0, [], 0, []
    killed_by = [0] * len(stages)
    started = time.monotonic()
    try:
        limits = []
        for tests in stages:
            clean = _run_tests(tests, cpu_limit_s=math.inf, wall_limit_s=math.inf)
            if not clean.passed:
                raise SystemExit(f"{module}: the tests fail without any mutant; fix them first ({' '.join(tests)}).")
            limits.append(
                {
                    "cpu_limit_s": TIMEOUT_FACTOR * clean.cpu_s + TIMEOUT_SLACK_S,
                    "wall_limit_s": WALL_TIMEOUT_FACTOR * clean.wall_s + WALL_TIMEOUT_SLACK_S,
                }
            )
            print(f"  unmutated: {' '.join(tests)}: {clean.cpu_s:.1f} CPU s, {clean.wall_s:.1f} s", flush=True)
        for number, mutant in enumerate(mutants, start=1):
            if time.monotonic() - started > budget_s:
                not_run = len(mutants) - number + 1
                break
            if number % PROGRESS_EVERY == 0:
                print(f"  … {number}/{len(mutants)} after {time.monotonic() - started:.0f} s", flush=True)
            path.write_text(mutant.apply(source), encoding="utf-8")
            # a unique modification time: no bytecode cached for another version of the file can match it
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + number * 1_000_000_000))
            stage_failed, outcome = None, None
            for index, (tests, limit) in enumerate(zip(stages, limits)):
                outcome = _run_tests(tests, **limit)
                if not outcome.passed:
                    stage_failed = index
                    break
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            if stage_failed is None:
                survivors.append(mutant)
                print(f"  survived {module}:{mutant.line}: {mutant.what}    | {keys[mutant][1]}", flush=True)
            else:
                killed += 1
                killed_by[stage_failed] += 1
                if outcome is not None and outcome.timed_out:
                    timed_out.append(mutant)
                    print(f"  killed by the timeout {module}:{mutant.line}: {mutant.what}", flush=True)
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
        "mutants": len(everything),
        "equivalent": len(equivalent),
        "killed": killed,
        "killed_by_stage": killed_by,
        "timed_out": timed_out,
        "survived": survivors,
        "not_run": not_run,
        "seconds": time.monotonic() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"modules to mutate (default with --all: {', '.join(MODULES)})")
    parser.add_argument("--all", action="store_true", help="every module of MODULES, one after the other")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per module (default 900)")
    parser.add_argument("--lines", default="", help="only mutants on these lines, e.g. 120,188")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    args = parser.parse_args(argv)
    modules = list(MODULES) if args.all else args.modules
    if not modules:
        parser.error("name a module (one of MODULES) or give --all")
    os.chdir(PROJECT)
    sys.path.insert(0, str(PROJECT))
    only = {int(n) for n in args.lines.split(",") if n.strip()} or None
    if args.list:
        for module in modules:
            source = _original_source(module)
            for mutant in mutants_of(source):
                if only is None or mutant.line in only:
                    key = equivalence_key(module, source, mutant)
                    mark = "  [equivalent]" if key in KNOWN_EQUIVALENT else ""
                    print(f"{module}:{mutant.line}: {mutant.what}    | {key[1]}{mark}")
        return 0
    unknown = [module for module in modules if module not in MODULES]
    if unknown:
        parser.error(f"{', '.join(unknown)} has no test stages in MODULES; known: {', '.join(MODULES)}")
    running = _running_pid()
    if running is not None:
        parser.error(f"another run (process {running}) is mutating the tree; wait for it or stop it first")
    _restore_stale()
    BACKUP_DIR.mkdir(exist_ok=True)
    (BACKUP_DIR / LOCK_NAME).write_text(str(os.getpid()))
    signal.signal(signal.SIGTERM, _on_term)
    try:
        return _run_all(modules, only, args.budget)
    finally:
        (BACKUP_DIR / LOCK_NAME).unlink(missing_ok=True)
        if BACKUP_DIR.is_dir() and not any(BACKUP_DIR.iterdir()):
            BACKUP_DIR.rmdir()


def _run_all(modules: list[str], only: set[int] | None, budget_s: float) -> int:
    """Mutate ``modules`` one after the other and print the table of scores."""
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass
    results = []
    for module in modules:
        stages = MODULES[module]
        print(f"{module}: mutating against {' | '.join(' '.join(tests) for tests in stages)}", flush=True)
        _preload_project(module, stages)
        results.append(run_module(module, stages, budget_s=budget_s, only_lines=only))
    print("\nmodule                 mutants  equivalent  killed (timeout)  survived  not run   score   seconds")
    for r in results:
        tried = r["killed"] + len(r["survived"])
        score = f"{100 * r['killed'] / tried:.1f} %" if tried else "—"
        timeouts = "({})".format(len(r["timed_out"]))
        counts = (
            f"{r['mutants']:>7} {r['equivalent']:>11} {r['killed']:>7} {timeouts:>9}"
            f" {len(r['survived']):>9} {r['not_run']:>8}"
        )
        print(f"{r['module']:<22} {counts} {score:>7} {r['seconds']:>9.0f}")
    print(
        "score = killed / (killed + survived); equivalent mutants (KNOWN_EQUIVALENT) are not run and not counted. "
        "Killed per test stage: " + "; ".join(f"{r['module']} {r['killed_by_stage']}" for r in results)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
