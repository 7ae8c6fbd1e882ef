"""A small mutation runner: does a test notice when a core rule changes?

It mutates one module at a time with the ``ast`` module, one operator at a time, and runs that module's fast test
stages (:data:`MODULES`) against each mutant; a mutant a test fails on is *killed*, one every stage passes is a
*survivor*. The mutations (what a slip of the keyboard or of the mind does to a rule):

* comparisons: ``<=`` ↔ ``<``, ``>=`` ↔ ``>``, ``==`` ↔ ``!=``
* arithmetic: ``+`` ↔ ``-``, ``*`` ↔ ``/``
* number constants ± 1 (``0.8`` → ``1.8`` and ``-0.2``), ``True`` ↔ ``False``
* a call made as a statement removed (``pass`` instead)

Each mutant is spliced into the source text at the node's position (the rest of the file is left byte for byte),
written over the module, tested in a forked child and the file restored afterwards, also on Ctrl-C, SIGTERM or a
time budget that runs out (a copy of the original is kept in ``.mutate-backup/`` and put back on the next start if
a run was killed hard; a lock file there keeps a second run from starting while one is mutating the tree).
Docstrings, f-strings, type annotations, imports and ``raise`` statements (error messages) are not mutated.

What keeps a run short on a small shared machine: the third-party libraries and the project modules the mutant
cannot reach are imported once in the parent (only the mutated module and the modules importing it are imported
afresh per child); a module's tests run in stages, its hand-worked pins first (``tests/test_coverage_rules.py``,
``tests/test_siting_rules.py``), each stage with ``-x`` and only for mutants the earlier stages did not kill; a
stage using five times the unmutated stage's CPU seconds is stopped (an endless loop) and counted as killed by
the timeout, apart. Mutants in :data:`KNOWN_EQUIVALENT` (no test can tell them from the original; each with its
reason) are not run and not counted in the score.

Usage (not part of CI: it is CPU heavy; run one module at a time)::

    python tools/mutate.py planning/siting.py --budget 1800
    python tools/mutate.py --all --budget 1800       # every module of MODULES, one after the other (make mutate)
    python tools/mutate.py planning/siting.py --list # the mutants, without running anything
    python tools/mutate.py planning/siting.py --lines 606,630   # only the mutants of these lines

It prints each survivor (line, what changed, the line) and per module: mutants, equivalent, killed (by the
timeout), survived, not run, the score killed / (killed + survived) and the seconds; mutants the budget did not
reach are counted apart, never as killed.
"""

from __future__ import annotations

import argparse
import ast
import functools
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
    "geo/speeds.py": [["tests/test_boundaries.py", "tests/test_speeds.py"], ["tests/test_speeds_edit.py"]],
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
_COVERAGE = "planning/coverage.py"
_SITING = "planning/siting.py"
KNOWN_EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    (
        _COVERAGE,
        "Nearest",
        "estimated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))",
        "0 → 1 (col 63)",
    ): "a default of one False: `methods` takes it only for one settlement, where it reads False (network) too",
    (
        _COVERAGE,
        "weighted_quantile",
        'position = min(int(np.searchsorted(cumulative, target, side="left")), len(cumulative) - 1)',
        "`len(cumulative) - 1`: - → +",
    ): "the clamp never binds: the target is at most the last cumulative weight, so searchsorted returns <= n - 1",
    (
        _COVERAGE,
        "weighted_quantile",
        'position = min(int(np.searchsorted(cumulative, target, side="left")), len(cumulative) - 1)',
        "1 → 0 (col 88)",
    ): "the clamp never binds: the target is at most the last cumulative weight, so searchsorted returns <= n - 1",
    (
        _COVERAGE,
        "coverage",
        "n = minutes.shape[0] if minutes.ndim == 1 else -1",
        "0 → -1 (col 18)",
    ): "shape[-1] is shape[0] of the 1-D array this branch is taken for",
    (
        _COVERAGE,
        "coverage",
        "n = minutes.shape[0] if minutes.ndim == 1 else -1",
        "1 → 2 (col 48)",
    ): "-2 and -1 both read `n < 0` (not 1-D), the only use of that value",
    (
        _COVERAGE,
        "gaps",
        "ranked_counts = np.where(np.isnan(values), 1.0, values)  # hidden cells share one rank, below any shown one",
        "1.0 → 2.0 (col 43)",
    ): "shown values are 0 or >= k >= 3 (planning.privacy.check_k): hidden cells rank between them at 1 or 2 alike",
    (
        _COVERAGE,
        "hex_gaps",
        '.groupby("h3_cell", sort=True, as_index=False)',
        "True → False (col 25)",
    ): "the next sort_values orders the cells fully (people, then the unique cell id): the group order is overwritten",
    (
        _COVERAGE,
        "_settlement_changes",
        "order = sorted(changed, key=lambda i: (-np.nan_to_num(cov_a.population[i], nan=-1.0), i))",
        "1.0 → 2.0 (col 80)",
    ): "populations are >= 0 (coverage refuses negatives): an unknown one sorts last with the key 1 or 2 alike",
    (
        _SITING,
        "SitingOptions",
        "class SitingOptions(TypedDict, total=False):",
        "False → True (col 37)",
    ): "typing only: `total` changes which keys mypy requires, nothing at run time",
    (
        _SITING,
        "_Instance",
        "@dataclass(frozen=True)",
        "True → False (col 18)",
    ): "a private record no code assigns to: frozen only guards the module itself",
    (
        _SITING,
        "_Districts",
        "@dataclass(frozen=True)",
        "True → False (col 18)",
    ): "a private record no code assigns to: frozen only guards the module itself",
    (
        _SITING,
        "_Districts.unsatisfied",
        "picked = np.zeros(self.members[self.needed[0]].size, bool) if self.needed else None",
        "0 → -1 (col 43)",
    ): "every district's member mask has one entry per candidate: the last district's size is the first's",
    (
        _SITING,
        "_solve",
        'if bound is None or (lp < bound if model == "mclp" else lp > bound):',
        "`lp > bound`: > → >=",
    ): "never evaluated: only MCLP has a bound before the LP (the greedy guarantee), others have None",
    (
        _SITING,
        "_instance",
        "constant = 0.0",
        "0.0 → -1.0 (col 11)",
    ): "p-median's branch: `constant` (demand covered by existing sites) is read for MCLP only",
    (
        _SITING,
        "_instance",
        "constant = 0.0",
        "0.0 → 1.0 (col 11)",
    ): "p-median's branch: `constant` (demand covered by existing sites) is read for MCLP only",
    (
        _SITING,
        "_instance",
        "loss = np.where(covers[:, included], 0.0, 1.0)",
        "1.0 → 2.0 (col 42)",
    ): "an uncovered pair's loss is only read through min(base <= 1, loss) and `loss == 0`: 1 and 2 read alike",
    (
        _SITING,
        "_greedy",
        "best = int(np.argmax(gains)) if gains.size else -1",
        "1 → 2 (col 49)",
    ): "-2 and -1 both read `best < 0`: no candidate",
    (
        _SITING,
        "_greedy",
        "(limit is not None and len(unsatisfied) >= limit - len(chosen)) or best < 0 or gains[best] <= tolerance",
        "0 → -1 (col 74)",
    ): "best is -1 only without candidates; then no district has one, none is needed and `unsatisfied` is empty",
    (
        _SITING,
        "_build",
        'sites = [problem.add_variable(f"x_{j}", 0, 1, category) for j in range(n_candidates)]',
        "1 → 2 (col 43)",
    ): "a site variable above 1 buys nothing: y <= 1 and z <= 1 cap what it covers or serves (binaries are 0..1)",
    (
        _SITING,
        "_build",
        "if instance.demand[i] == 0:",
        "0 → -1 (col 25)",
    ): "a zero-demand settlement's own variables cost 0 and bind no site (stay = 1 is open): same optimum",
    (
        _SITING,
        "_build",
        "better = np.flatnonzero(instance.loss[:, i] < instance.base[i])  # finite pairs that can help",
        "`instance.loss[:, i] < instance.base[i]`: < → <=",
    ): "an assignment no better than staying costs what staying costs: same optimum",
    (
        _SITING,
        "_build",
        'stay = problem.add_variable(f"s_{i}", 0, 1)  # served by an existing site, or unserved (penalty)',
        "1 → 2 (col 41)",
    ): "stay + the assignments = 1 with assignments >= 0 already caps stay at 1",
    (
        _SITING,
        "_build",
        'assign = [problem.add_variable(f"z_{i}_{j}", 0, 1) for j in better]',
        "1 → 2 (col 48)",
    ): "z <= x <= 1 already caps an assignment at 1",
    (
        _SITING,
        "_build",
        'if instance.model == "mclp" and instance.demand[i] == 0:',
        "0 → -1 (col 54)",
    ): "a zero-demand settlement's y has objective 0 and binds no site: same optimum",
    (
        _SITING,
        "_build",
        'covered = problem.add_variable(f"y_{i}", 0, 1)',
        "0 → -1 (col 41)",
    ): "y has a positive demand in a maximised objective (zero-demand ones get none): never below 0",
    (
        _SITING,
        "_exact",
        "chosen = [j for j, x in enumerate(sites) if (x.varValue or 0.0) > 0.5]",
        "`(x.varValue or 0.0) > 0.5`: > → >=",
    ): "CBC returns the binary site variables as 0 or 1, never one half",
    (
        _SITING,
        "_exact",
        "chosen = [j for j, x in enumerate(sites) if (x.varValue or 0.0) > 0.5]",
        "0.0 → -1.0 (col 59)",
    ): "a variable without a value reads 0 or -1: both not above one half",
    (
        _SITING,
        "_counts",
        "array = np.asarray(values, dtype=np.float64).reshape(-1)",
        "1 → 2 (col 54)",
    ): "numpy reads any negative size as 'the rest': reshape(-2) is reshape(-1)",
    (
        "planning/release.py",
        "IncidentRelease.value",
        "records = records or self.unplaced[2]",
        "2 → 1 (col 35)",
    ): "unplaced[1], the key sum of the district-only records, is non-zero exactly when unplaced[2] says there are "
    "some, but for a key sum of 0 modulo 2**32 (one chance in 4 billion)",
    (
        "planning/release.py",
        "_units",
        "if incidents is None or len(incidents) == 0:",
        "0 → -1 (col 42)",
    ): "a shortcut: an empty table run through the rest gives the same empty units",
    (
        "planning/release.py",
        "_units",
        'units = frame.groupby(["settlement_id", "district_id", "period"], sort=True, as_index=False)["count"].sum()',
        "True → False (col 71)",
    ): "the order of the units changes no sum: each unit's draws depend on its identity, not its position",
    (
        "planning/release.py",
        "_units",
        'return units[units["count"] > 0].reset_index(drop=True)',
        "True → False (col 50)",
    ): "an extra 'index' column that no caller reads",
    (
        "planning/release.py",
        "counts_behind",
        "if protected < 1:",
        "1 → 0 (col 15)",
    ): "with a unit noise of at most 1, a protected 0 has no count of 2 or more behind it either: () both ways",
    (
        "planning/release.py",
        "release_for",
        "unplaced = (0, 0, False)",
        "0 → -1 (col 15)",
    ): "a cell key one apart moves the cell's share of 2**32 by 2**-32: the noise changes only across a table "
    "boundary, one key in billions",
    (
        "planning/release.py",
        "release_for",
        "unplaced = (0, 0, False)",
        "0 → 1 (col 15)",
    ): "as 0 → -1: a key one apart gives the same cell noise but for one key in billions",
}
"""(module, the function or class holding the mutant, its line's text stripped, the change as ``--list`` prints
them) → why no test can tell the mutant from the original. These mutants are not run and are counted apart from the
score (an entry that matches no mutant any more is reported as stale, so the list cannot silently outlive the code)."""
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
                left = node.left if i == 0 else node.comparators[i - 1]
                pair = ast.Compare(left=left, ops=[op], comparators=[node.comparators[i]])  # unparsed with brackets
                what = f"`{_short(pair, 50)}`: {_SYMBOL[type(op)]} → {_SYMBOL[swap]}"
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
            # a bytecode folder that does not exist (nothing is written): never a stale .pyc of another mutant
            sys.pycache_prefix = os.path.join(tempfile.gettempdir(), f"mutate-pyc-none-{os.getpid()}")
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


@functools.lru_cache(maxsize=8)
def _scopes(source: str) -> tuple[tuple[int, int, str], ...]:
    """(first line, last line, qualified name) of every function and class of ``source``, decorators included."""
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append((first, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return tuple(found)


def equivalence_key(module: str, source: str, mutant: Mutant) -> tuple[str, str, str, str]:
    """The key of ``mutant`` in :data:`KNOWN_EQUIVALENT`: module, the innermost function or class holding it (""
    at the top), its line's text stripped, the change."""
    holders = [(first, name) for first, last, name in _scopes(source) if first <= mutant.line <= last]
    scope = max(holders)[1] if holders else ""
    return module, scope, source.splitlines()[mutant.line - 1].strip(), mutant.what


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
                print(
                    f"  survived {module}:{mutant.line}: {mutant.what}    | {keys[mutant][1]}: {keys[mutant][2]}",
                    flush=True,
                )
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
                    print(f"{module}:{mutant.line}: {mutant.what}    | {key[1]}: {key[2]}{mark}")
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
